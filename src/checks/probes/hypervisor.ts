import type { Hypervisor } from '../vocabulary.js';
import { ParseError } from './parse-error.js';
import type { HvSigns, HypervisorKind } from '../../model/system.js';
import type { XlInfo } from '../../model/xen.js';

/** The probe's command: one `key=value` line each; reads only, and prints an empty value for what is absent. */
export const HV_DETECT_COMMAND = [
  `printf 'xl=%s\\n' "$(command -v xl 2>/dev/null)"`,
  `printf 'xm=%s\\n' "$(command -v xm 2>/dev/null)"`,
  `printf 'virsh=%s\\n' "$(command -v virsh 2>/dev/null)"`,
  `if [ -e /dev/kvm ]; then echo kvm=yes; else echo kvm=no; fi`,
  `printf 'sys_hypervisor=%s\\n' "$(cat /sys/hypervisor/type 2>/dev/null)"`,
  `printf 'xen_capabilities=%s\\n' "$(cat /proc/xen/capabilities 2>/dev/null)"`,
].join('; ');

const KEYS = ['xl', 'xm', 'virsh', 'kvm', 'sys_hypervisor', 'xen_capabilities'] as const;

/** Parses the hv-detect probe's lines. @throws ParseError on an unknown key or a missing one. */
export function parseHvDetect(text: string): HvSigns {
  const v = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const eq = line.indexOf('=');
    const key = eq < 0 ? line : line.slice(0, eq);
    if (!(KEYS as readonly string[]).includes(key)) throw new ParseError('hv-detect', `unexpected line: ${JSON.stringify(line.slice(0, 80))}`);
    v.set(key, line.slice(eq + 1).trim());
  }
  for (const k of KEYS) if (!v.has(k)) throw new ParseError('hv-detect', `no ${k}= line`);
  const orNull = (k: string): string | null => (v.get(k) ? (v.get(k) as string) : null);
  return {
    xl: orNull('xl'),
    xm: orNull('xm'),
    virsh: orNull('virsh'),
    kvmDevice: v.get('kvm') === 'yes',
    sysHypervisor: orNull('sys_hypervisor'),
    xenCapabilities: orNull('xen_capabilities'),
  };
}

/**
 * Decides the hypervisor from the host's signs. A toolstack that answers `info` is the strongest
 * sign (only a Xen control domain can: a KVM host may have xl installed but no hypervisor to ask);
 * then dom0's /proc/xen/capabilities, then libvirt's driver (QEMU, Xen), then /dev/kvm, then any
 * other libvirt driver (libvirt's rule set is the KVM one). A Xen guest
 * (/sys/hypervisor/type xen without control_d) is not a Xen host.
 */
export function detectHypervisor(signs: HvSigns | null, xlInfo: XlInfo | null, libvirtDriver: string | null): HypervisorKind {
  const toolstack = signs?.xl ? 'xl' : signs?.xm ? 'xm' : null;
  if (xlInfo !== null) return { kind: 'xen', toolstack, evidence: [`${toolstack ?? 'xl'} info: Xen ${xlInfo.xenVersion}`] };
  if (signs?.xenCapabilities?.split(/[\s,]+/).includes('control_d')) return { kind: 'xen', toolstack, evidence: ['/proc/xen/capabilities: control_d (Xen control domain)'] };
  const driver = libvirtDriver?.toLowerCase() ?? null;
  if (driver === 'xen') return { kind: 'xen', toolstack, evidence: ['libvirt driver: Xen'] };
  if (driver === 'qemu' || driver === 'kvm') return { kind: 'kvm', toolstack: null, evidence: [`libvirt driver: ${libvirtDriver}`] };
  if (signs?.kvmDevice) return { kind: 'kvm', toolstack: null, evidence: ['/dev/kvm present', ...(libvirtDriver ? [`libvirt driver: ${libvirtDriver}`] : [])] };
  // Any other libvirt driver (the lab's test driver, say): the libvirt rule set is the one that applies.
  if (driver !== null) return { kind: 'kvm', toolstack: null, evidence: [`libvirt driver: ${libvirtDriver}`] };
  return { kind: null, toolstack: null, evidence: [] };
}

/** How a report names a hypervisor. */
export const HYPERVISOR_NAME: Record<Hypervisor, string> = { kvm: 'KVM', xen: 'Xen' };
