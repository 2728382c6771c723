import type { CpuSupport, GuestCpu } from '../../types.js';
import { modelsFor, modelsUnknownBecause } from '../cpu-models.js';
import { defineOperator, type OpContext, type OpResult } from './define.js';
import { IGNORE_PARAM, list } from './values.js';

const CPUINFO_NAME: Readonly<Record<string, string>> = { sse3: 'pni', pclmuldq: 'pclmulqdq', 'tsc-deadline': 'tsc_deadline_timer', i64: 'lm', 'sse4.1': 'sse4_1', 'sse4.2': 'sse4_2', 'spec-ctrl': 'spec_ctrl' };
/** Features KVM emulates whatever the host has: never a reason to refuse. */
const EMULATED = new Set(['hypervisor', 'x2apic', 'tsc-deadline', 'arat', 'kvmclock', 'kvm_pv_eoi', 'kvm_pv_unhalt']);
const cpuinfoName = (f: string): string => (Object.hasOwn(CPUINFO_NAME, f) ? (CPUINFO_NAME[f] as string) : f.replace(/[-.]/g, '_').toLowerCase());

/**
 * src: migration.guestCpus; dst: libvirt.cpuSupport. host-passthrough (and an unexpanded
 * host-model) guests see the source host's CPU: the destination's flags must include the source's
 * (less `ignore`). A named model must be one libvirt reports usable on the destination (the
 * verdict `virsh hypervisor-cpu-compare` would give), and its required features must be there.
 */
function guestCpu(src: unknown, dst: unknown, ignored: readonly string[], ctx: OpContext): OpResult {
  const support = (dst ?? {}) as Partial<CpuSupport>;
  const flags = support.flags ? new Set(support.flags) : null;
  const ignore = new Set(ignored);
  const bad: string[] = [];
  const unsure: string[] = [];
  for (const g of list<GuestCpu>(src)) {
    if (g.hostFlags !== null) {
      // A cold move boots the guest afresh on the destination's own CPU: nothing to carry over.
      if (ctx.mode === 'cold') continue;
      if (!flags) {
        unsure.push(`${g.domain} (${g.mode}): the destination's CPU flags are unknown`);
        continue;
      }
      const missing = g.hostFlags.filter((f) => !flags.has(f) && !ignore.has(f));
      if (missing.length > 0) bad.push(`${g.domain} uses ${g.mode}: destination CPU lacks ${missing.sort().join(', ')}`);
      continue;
    }
    if (g.model === null) continue; // no <cpu> or only topology: the hypervisor's baseline model
    const models = modelsFor(support, g.virtType);
    const accel = g.virtType === 'qemu' ? ' under TCG' : '';
    if (!models) {
      unsure.push(`${g.domain} (model ${g.model}): the destination cannot say which CPU models it runs${accel} (${modelsUnknownBecause(support, g.virtType)})`);
    } else {
      const m = models.find((x) => x.name === g.model);
      const disabled = new Set(g.disabled);
      const blockers = (m?.blockers ?? []).filter((f) => !disabled.has(f));
      if (!m) bad.push(`${g.domain}: the destination's hypervisor does not offer CPU model ${g.model}${accel}`);
      else if (g.check === 'none') {
        // check='none' (what libvirt writes for a domain defined without <cpu>): neither libvirt nor
        // QEMU verifies the model; QEMU quietly leaves out what the host cannot give. Only features
        // the guest has on the source and would lose on the destination matter.
        const src = new Set(g.srcBlockers ?? []);
        const lost = g.srcBlockers === null ? [] : blockers.filter((f) => !src.has(f));
        if (lost.length > 0) bad.push(`${g.domain}: CPU model ${g.model} (check='none') would lose ${lost.join(', ')} on the destination${accel}: the running guest would see them vanish`);
      } else if (m.usable === 'no' && (m.blockers.length === 0 || blockers.length > 0)) {
        bad.push(`${g.domain}: CPU model ${g.model} is not usable on the destination${accel}${blockers.length ? ` (missing ${blockers.join(', ')})` : ''}`);
      } else if (m.usable === 'unknown') unsure.push(`${g.domain}: libvirt on the destination does not know whether model ${g.model} is usable`);
    }
    if (flags) {
      const missing = g.required.filter((f) => !EMULATED.has(f) && !flags.has(cpuinfoName(f)));
      if (missing.length > 0) bad.push(`${g.domain}: requires CPU feature(s) ${missing.join(', ')}, absent on the destination`);
    }
  }
  const data = { problems: bad, unsure };
  if (bad.length > 0) return { ok: false, messageId: 'guest-cpu.rejected', data, defaultMessage: bad.join('; ') };
  if (unsure.length > 0) return { ok: false, undecided: `cannot tell whether the destination accepts the guest CPU: ${unsure.join('; ')}`, messageId: 'guest-cpu.unknown', data, defaultMessage: '' };
  return { ok: true, messageId: 'pass', data, defaultMessage: '' };
}

export const guestCpuOp = defineOperator<'guest-cpu', { ignore?: string[] }>({
  name: 'guest-cpu',
  kind: 'cross',
  summary: "the destination accepts each moving domain's guest CPU (host flags, or a usable named model)",
  params: { ignore: IGNORE_PARAM },
  evaluate: (src, dst, p, ctx) => guestCpu(src, dst, p.ignore ?? [], ctx),
});
