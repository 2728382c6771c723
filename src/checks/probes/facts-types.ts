/** Typed facts produced by the probes' pure parsers (one parser per probe). */

/** One libvirt domain as `virsh dumpxml` describes it. */
export interface DomainXmlFacts {
  readonly name: string;
  readonly uuid: string | null;
  /** Maximum memory in KiB (<memory>), and the current balloon (<currentMemory>, defaults to memory). */
  readonly memoryKiB: number;
  readonly currentMemoryKiB: number;
  readonly vcpus: number;
  /** <os><type arch machine>: e.g. x86_64 / pc-q35-7.2. */
  readonly arch: string | null;
  readonly machine: string | null;
  /** <cpu mode>: host-passthrough | host-model | custom | maximum, null when no <cpu>. */
  readonly cpuMode: string | null;
  /** <cpu><model> for custom mode. */
  readonly cpuModel: string | null;
  /** <cpu><feature policy='require|force|...' name>. */
  readonly cpuFeatures: readonly { readonly name: string; readonly policy: string }[];
  readonly interfaces: readonly DomainInterface[];
  readonly disks: readonly DomainDisk[];
}

export interface DomainInterface {
  /** bridge | network | direct | ethernet | user | vhostuser ... */
  readonly type: string;
  /** <source bridge> for type=bridge. */
  readonly bridge: string | null;
  /** <source network> for type=network. */
  readonly network: string | null;
  /** <source dev> for type=direct (macvtap). */
  readonly dev: string | null;
  readonly mac: string | null;
  /** <virtualport type>, e.g. openvswitch. */
  readonly virtualport: string | null;
}

export interface DomainDisk {
  /** file | block | network | volume | dir */
  readonly type: string;
  /** disk | cdrom | floppy | lun */
  readonly device: string;
  /** File or device path; for network disks protocol://host/name; for volume disks pool/volume. */
  readonly source: string | null;
  readonly pool: string | null;
  readonly volume: string | null;
  readonly protocol: string | null;
  /** <driver type>: raw, qcow2 ... */
  readonly format: string | null;
  /** <driver cache>: none, writethrough, writeback, directsync, unsafe, default; null when absent. */
  readonly cache: string | null;
  readonly readonly: boolean;
  readonly shareable: boolean;
  readonly target: string | null;
}

/** A libvirt network (`virsh net-dumpxml`). */
export interface NetworkFacts {
  readonly name: string;
  readonly uuid: string | null;
  /** <bridge name>, null for networks without one (e.g. macvtap/hostdev forward modes). */
  readonly bridge: string | null;
  /** <forward mode>: nat | route | bridge | open | private | vepa | passthrough | hostdev; null = isolated. */
  readonly forwardMode: string | null;
}

/** A libvirt storage pool (`virsh pool-dumpxml`). */
export interface PoolFacts {
  readonly name: string;
  readonly uuid: string | null;
  /** dir | fs | netfs | logical | disk | iscsi | rbd | gluster | zfs ... */
  readonly type: string;
  readonly targetPath: string | null;
  /** netfs/gluster/iscsi: host names; dir/device paths where given. */
  readonly sourceHosts: readonly string[];
  readonly sourceDir: string | null;
  readonly sourceDevices: readonly string[];
  readonly sourceName: string | null;
  readonly capacityBytes: number | null;
  readonly allocationBytes: number | null;
  readonly availableBytes: number | null;
}

/** `virsh version`. */
export interface VirshVersionFacts {
  /** "Using library: libvirt X.Y.Z". */
  readonly libvirt: string | null;
  /** "Running hypervisor: QEMU 7.2.0" -> { name: 'QEMU', version: '7.2.0' }. */
  readonly hypervisor: { readonly name: string; readonly version: string } | null;
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
