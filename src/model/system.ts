/**
 * What the probes' parsers make of the host itself: CPUs, mounts, huge pages, links, addresses and
 * routes, memory, security modules, host identities, directories, the hypervisor's signs.
 */
import type { Hypervisor } from '../checks/vocabulary.js';

export interface CpuFacts {
  readonly vendor: string | null;
  readonly modelName: string | null;
  readonly family: number | null;
  readonly model: number | null;
  readonly flags: readonly string[];
  readonly count: number;
  readonly nx: boolean;
  /** 'vmx' (Intel VT-x), 'svm' (AMD-V) or null. */
  readonly virtExt: 'vmx' | 'svm' | null;
}

/** One line of /proc/mounts (octal escapes such as \040 decoded). */
export interface MountFacts {
  readonly source: string;
  readonly mountpoint: string;
  readonly fstype: string;
  readonly options: readonly string[];
  /** nfs, nfs4, cifs, smb3, glusterfs, ceph, fuse.sshfs, fuse.glusterfs, 9p, ocfs2/gfs2 (shared block) ... */
  readonly network: boolean;
  /** Source normalised for comparison: "server:/export" with trailing slashes removed, lower-case host. */
  readonly export: string | null;
}

/** One huge page pool of a host (/sys/kernel/mm/hugepages/hugepages-<size>kB). */
export interface HugepagePool {
  readonly sizeKiB: number;
  readonly total: number;
  readonly free: number;
  /** Reserved by mappings not yet faulted in: free but promised (free - reserved is what a new guest can have). */
  readonly reserved: number;
}

/** One link of `ip -o link show`. */
export interface IpLink {
  readonly index: number;
  /** The name without the "@peer" suffix (veth peer, VLAN parent, "@NONE", "@if5" ...). */
  readonly name: string;
  readonly peer: string | null;
  /** The <...> flags: UP, LOWER_UP, BROADCAST, MASTER (bond), SLAVE (bond port) ... */
  readonly flags: readonly string[];
  readonly mtu: number;
  /** The bridge, bond, team or VRF this link is enslaved to. */
  readonly master: string | null;
  /** Operational state: UP, DOWN, UNKNOWN ... */
  readonly state: string | null;
  /** From "link/TYPE": ether, loopback, infiniband, none ... */
  readonly linkType: string | null;
  readonly address: string | null;
}

/** One address of `ip -o addr show`. */
export interface IpAddr {
  /** Interface name without the "@peer" suffix. */
  readonly ifname: string;
  readonly family: 'inet' | 'inet6';
  /** The local address; IPv6 lower-cased. */
  readonly address: string;
  readonly prefix: number;
  /** host, link, global, site, or a number. */
  readonly scope: string | null;
}

/** `ip route get`: the route the kernel picks for one destination. */
export interface RouteGetFacts {
  /** unicast (not printed by ip), local (the address is this host's own), broadcast, multicast ... */
  readonly type: string;
  readonly dst: string;
  readonly dev: string;
  /** Preferred source address: what the destination sees as this host. */
  readonly src: string | null;
  /** Gateway, null when the destination is on a directly connected network. */
  readonly via: string | null;
}

/** /proc/meminfo, in KiB (the file's "kB" are KiB) and pages. */
export interface MeminfoFacts {
  readonly memTotalKiB: number;
  readonly memFreeKiB: number;
  /** MemAvailable, or (kernels before 3.14) MemFree + Buffers + Cached. */
  readonly memAvailableKiB: number;
  /** true when MemAvailable was missing and memAvailableKiB is the estimate above. */
  readonly availableEstimated: boolean;
  readonly hugePagesTotal: number;
  readonly hugePagesFree: number;
  /** Default huge page size; null on kernels without hugetlbfs. */
  readonly hugepageSizeKiB: number | null;
}

/** Linux security modules and the modes of the two that confine guests (svirt). */
export interface LsmFacts {
  /** Active LSMs in call order; [] when unknown (kernel < 4.15, or securityfs not mounted). */
  readonly lsms: readonly string[];
  /** disabled also when no selinuxfs is mounted (libvirt's is_selinux_enabled() is false then); null: cannot tell (a saved output of the probe before it said so, with no LSM list to rule SELinux out). */
  readonly selinux: 'enforcing' | 'permissive' | 'disabled' | null;
  readonly apparmor: 'enabled' | 'disabled' | null;
}

/** The identities libvirt may take as the host UUID. */
export interface HostIds {
  /** SMBIOS system UUID (/sys/class/dmi/id/product_uuid), lower case; null when empty: no DMI, or not root (the file is mode 0400). */
  readonly productUuid: string | null;
  /** productUuid is a firmware placeholder that many machines share (all bytes equal, 03000200-0400-0500-0006-000700080009 ...). */
  readonly productUuidPlaceholder: boolean;
  /** /etc/machine-id, 32 lower-case hex digits; null when empty or "uninitialized". */
  readonly machineId: string | null;
  /** machineId as a UUID: what host_uuid_source = "machine-id" gives. */
  readonly machineIdUuid: string | null;
  /** See parseHostIds (checks/probes/system.ts). */
  readonly hostUuid: string | null;
  readonly hostUuidSource: 'smbios' | 'machine-id' | null;
}

/** A directory as `stat` sees it: where disk images or save images would be written. */
export interface DirStat {
  readonly path: string;
  /** false when stat could not read it (absent, or no permission: stderr says which). */
  readonly exists: boolean;
  /** stat's %F: "directory", "regular file", "symbolic link" ... (after -L: what the path leads to). */
  readonly fileType: string | null;
  /** Permission bits, e.g. 0o755. */
  readonly mode: number | null;
  readonly owner: string | null;
  readonly group: string | null;
  /** Free bytes for an unprivileged writer (f_bavail x f_frsize). */
  readonly availableBytes: number | null;
  /** The mount point of the filesystem holding it (stat %m). */
  readonly mountpoint: string | null;
}

/** A path that exists on the host, with its size (a disk image or device already in place). */
export interface ExistingPath {
  readonly path: string;
  readonly sizeBytes: number | null;
}

export interface DirStats {
  readonly dirs: readonly DirStat[];
  readonly files: readonly ExistingPath[];
}

/** What the hv-detect probe sees of a host's virtualization stack, before asking any toolstack. */
export interface HvSigns {
  /** Paths of the toolstack commands on PATH (null: not installed). */
  readonly xl: string | null;
  readonly xm: string | null;
  readonly virsh: string | null;
  /** /dev/kvm exists: the kernel offers KVM. */
  readonly kvmDevice: boolean;
  /** /sys/hypervisor/type: "xen" in a Xen domain (dom0 or guest); null when absent. */
  readonly sysHypervisor: string | null;
  /** /proc/xen/capabilities: "control_d" in dom0 only; null when absent. */
  readonly xenCapabilities: string | null;
}

/** Which hypervisor a host runs, and what says so. */
export interface HypervisorKind {
  /** null: nothing on the host says (no toolstack answered, no /dev/kvm). */
  readonly kind: Hypervisor | null;
  /** Xen hosts: the toolstack that answered (xl, or xm on an xend host). */
  readonly toolstack: 'xl' | 'xm' | null;
  /** What the verdict rests on, for the report. */
  readonly evidence: readonly string[];
}
