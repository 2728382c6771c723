/**
 * Hosts for the real-hypervisor lab: a file server and libvirtd + QEMU hosts that mount its
 * export at the same path, each with a bridge br0 for the guests' NICs.
 */
import { randomBytes } from 'node:crypto';
import { accessSync, constants } from 'node:fs';
import type { GuestImage } from './guest.js';
import type { HostSpec, Scenario } from './lab.js';
import { cpuinfo } from './scenarios.js';

/** Where every hypervisor host mounts the shared storage (GlusterFS: libvirt counts it as shared). */
export const SHARED = '/srv/shared';
/** The same file server's export over sshfs: a network filesystem libvirt does not count as shared. */
export const SSHFS = '/srv/sshfs';
/** Where images that only one host has live (a tmpfs of the host's own). */
export const LOCAL = '/srv/local';

const CPUINFO = cpuinfo('xeon-e5-2690v4-bl460-excerpt.cpuinfo');

/** The file server: a GlusterFS volume and an sshfs export, both mounted by every hypervisor. */
export const NAS: HostSpec = { name: 'nas', cpuinfo: CPUINFO, nodeXml: '<node/>', glusterVolumes: ['vmstore'], exports: ['sshfs'] };

/** A hypervisor host with the shared storage mounted and a bridge br0 (override what a scenario needs). */
export function hypervisor(name: string, over: Partial<HostSpec> = {}): HostSpec {
  return {
    name,
    cpuinfo: CPUINFO,
    libvirtd: true,
    bridges: ['br0'],
    mounts: [
      { from: 'nas', export: 'vmstore', at: SHARED, fs: 'glusterfs' },
      { from: 'nas', export: 'sshfs', at: SSHFS },
    ],
    dirs: [{ path: LOCAL, sizeMiB: 256, mode: 0o755 }],
    // A silent migration port then fails in ~7 s instead of ~127 s (tcp_syn_retries 6).
    synRetries: 2,
    ...over,
  };
}

export interface GuestSpec {
  readonly name: string;
  readonly uuid?: string;
  readonly memMiB?: number;
  /** MiB/s of memory the guest rewrites (its kernel command line), over `wssMiB`. */
  readonly dirtyMiBps?: number;
  readonly wssMiB?: number;
  /** MiB of further memory the guest writes once at boot (so it has few zero pages). */
  readonly fillMiB?: number;
  /** The working set holds data from boot, not zeros (slower to boot; what QEMU sends then costs what it would on a guest that has run a while). */
  readonly wsData?: boolean;
  /** Disk image path (qcow2, created by the oracle before start); default SHARED/<name>.qcow2. */
  readonly disk?: string;
  readonly cache?: 'none' | 'writeback' | 'writethrough' | 'directsync' | 'unsafe';
  /** The disk as a volume of this pool (<disk type='volume'><source pool volume>), not by path; the pool holds the image's directory. */
  readonly pool?: string;
  readonly bridge?: string;
  readonly machine?: string;
  /** <domain type>: qemu (TCG, the default) or kvm (where /dev/kvm works: kvmUsable()). */
  readonly virtType?: 'qemu' | 'kvm';
  /** <cpu> element; default none (libvirt then shows qemu64 with check='none'). */
  readonly cpu?: string;
  /** More <devices> children, as XML. */
  readonly devices?: string;
}

/** Why KVM guests cannot run here (no /dev/kvm we may open), or null: they can. */
export function kvmUnavailable(): string | null {
  try {
    accessSync('/dev/kvm', constants.R_OK | constants.W_OK);
    return null;
  } catch (e) {
    return `/dev/kvm: ${(e as NodeJS.ErrnoException).code ?? String(e)}`;
  }
}

/** Where a guest's serial console is logged (virtlogd) on the host it runs on. */
export const consoleLog = (name: string): string => `/var/log/libvirt/qemu/${name}-console.log`;

export const newUuid = (): string => {
  const h = randomBytes(16).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
};

/** A guest booting the lab kernel (TCG unless virtType says kvm); its disk is never read by the guest, only by libvirt and QEMU. */
export function guestXml(img: GuestImage, g: GuestSpec): string {
  const disk = g.disk ?? `${SHARED}/${g.name}.qcow2`;
  return `<domain type='${g.virtType ?? 'qemu'}'>
  <name>${g.name}</name>
  <uuid>${g.uuid ?? newUuid()}</uuid>
  <memory unit='MiB'>${g.memMiB ?? 160}</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='${g.machine ?? 'pc'}'>hvm</type>
    <kernel>${img.kernel}</kernel>
    <initrd>${img.initrd}</initrd>
    <cmdline>console=ttyS0 quiet dirty=${g.dirtyMiBps ?? 0} wss=${g.wssMiB ?? 32} fill=${g.fillMiB ?? 0}${g.wsData ? ' wsdata=1' : ''}</cmdline>
  </os>${g.cpu ? `\n  ${g.cpu}` : ''}
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>destroy</on_reboot>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <disk type='${g.pool ? 'volume' : 'file'}' device='disk'>
      <driver name='qemu' type='qcow2' cache='${g.cache ?? 'none'}'/>
      ${g.pool ? `<source pool='${g.pool}' volume='${disk.slice(disk.lastIndexOf('/') + 1)}'/>` : `<source file='${disk}'/>`}
      <target dev='vda' bus='virtio'/>
    </disk>
    <interface type='bridge'><source bridge='${g.bridge ?? 'br0'}'/><model type='virtio'/></interface>
    <serial type='pty'><log file='${consoleLog(g.name)}' append='on'/></serial>
    <console type='pty'/>
    <memballoon model='none'/>${g.devices ? `\n    ${g.devices}` : ''}
  </devices>
</domain>
`;
}

const SRC_MACHINE_ID = '6d1c0a7e5b3f4e2d9c8b7a6f5e4d3c2b';

/**
 * The oracle's hosts: the source and one destination per cause of failure.
 * - dst: healthy; dst-pool: healthy, for block migration (a pool is defined during the test);
 * - dst-nobr: no br0; dst-fw: drops QEMU's migration ports 49152-49215 from the source;
 * - dst-newcpu: shows another CPU in /proc/cpuinfo (the lab machine's: no dca, sdbg ... of the
 *   source's Xeon v4), as a cluster of mixed generations does;
 * - dst-oldmap: a libvirt whose CPU map does not know EPYC (as a release before it), which TCG's
 *   host-model CPU here is;
 * - dst-clone: the source's machine-id, hence its host UUID; dst-loop: its hostname maps to
 *   127.0.1.1 in its own /etc/hosts (the Debian installer's default); dst-lh: calls itself
 *   localhost (a machine nobody named).
 */
export const HYPERVISORS: Scenario = {
  hosts: [
    NAS,
    hypervisor('src', { machineId: SRC_MACHINE_ID }),
    hypervisor('dst'),
    hypervisor('dst-pool'),
    hypervisor('dst-nobr', { bridges: [] }),
    hypervisor('dst-fw', {
      nft: (ip) => `table inet filter {\n  chain input {\n    type filter hook input priority filter; policy accept;\n    ip saddr ${ip('src')} tcp dport 49152-49215 drop\n  }\n}\n`,
    }),
    hypervisor('dst-newcpu', { cpuinfo: cpuinfo('lab-machine-xeon-2core.cpuinfo') }),
    hypervisor('dst-oldmap', { cpuMapWithout: ['EPYC'] }),
    hypervisor('dst-clone', { machineId: SRC_MACHINE_ID }),
    hypervisor('dst-loop', { loopbackHostname: true }),
    hypervisor('dst-lh', { unameHostname: 'localhost' }),
  ],
};
