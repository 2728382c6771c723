/** What the probes' parsers make of libvirt: domains (virsh list, dumpxml, domstats, domblkinfo), networks, pools, capabilities. */

/** One libvirt domain as `virsh dumpxml` describes it. */
export interface DomainXmlFacts {
  readonly name: string;
  readonly uuid: string | null;
  /** <domain type>: kvm, qemu (TCG, no hardware virtualization), xen, test ...; null when absent. */
  readonly virtType: string | null;
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
  /** <cpu check>: none (libvirt and QEMU do not verify the model), partial, full; null when absent. */
  readonly cpuCheck: string | null;
  /** <cpu match> (exact, minimum, strict), <cpu><vendor>, <model fallback> (allow, forbid): what libvirt compares the model by; null when absent. */
  readonly cpuMatch: string | null;
  readonly cpuVendor: string | null;
  readonly cpuFallback: string | null;
  /** <cpu><feature policy='require|force|...' name>. */
  readonly cpuFeatures: readonly { readonly name: string; readonly policy: string }[];
  readonly interfaces: readonly DomainInterface[];
  readonly disks: readonly DomainDisk[];
  /** What in the definition makes libvirt refuse a live migration, in libvirt's words (domain-blockers.ts). */
  readonly blockers: readonly string[];
  /**
   * <memoryBacking><hugepages>: the <page> elements (size in KiB, null for none given: the host's
   * default size; nodeset when it names guest NUMA nodes); null when the domain has no huge pages.
   */
  readonly hugepages: readonly { readonly sizeKiB: number | null; readonly nodeset: string | null }[] | null;
  /** <graphics> devices (domain-graphics.ts); absent in facts saved before they were read. */
  readonly graphics?: readonly DomainGraphics[];
}

/** A <graphics> device: vnc, spice, sdl ..., and its <listen> elements (address, network, socket, none). */
export interface DomainGraphics {
  readonly type: string;
  readonly listens: readonly { readonly type: string; readonly address: string | null; readonly network: string | null }[];
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

/** One <guest> of `virsh capabilities`: an OS type on one architecture. */
export interface CapabilitiesGuest {
  /** <os_type>: hvm | xen | exe (containers) | xenpvh ... */
  readonly osType: string;
  /** <arch name>, e.g. x86_64. */
  readonly arch: string;
  /** <arch><domain type> in document order, e.g. ['qemu', 'kvm']. */
  readonly domainTypes: readonly string[];
  /**
   * Machine types: each <machine> text, plus its canonical= attribute when present (so 'pc' and
   * 'pc-i440fx-7.2' both appear), deduplicated, in document order: the <arch>'s own machines
   * first, then those listed under each <domain> (old libvirt repeats them under <domain type='kvm'>).
   */
  readonly machines: readonly string[];
}

/** `virsh capabilities`: the host CPU and what guests the driver can run. */
export interface CapabilitiesFacts {
  /** <host><cpu><arch>. */
  readonly hostArch: string | null;
  /** <host><cpu><model>, e.g. 'Skylake-Client-noTSX-IBRS'; null when libvirt names none (LXC, old Xen). */
  readonly hostCpuModel: string | null;
  readonly guests: readonly CapabilitiesGuest[];
}

/** One <model> of <cpu><mode name='custom'> in `virsh domcapabilities`. */
export interface DomCapabilitiesCpuModel {
  readonly name: string;
  /** usable='yes|no|unknown'; a missing attribute is 'unknown'. */
  readonly usable: 'yes' | 'no' | 'unknown';
  /** <blockers model='NAME'><feature name='...'/> (recent libvirt, for unusable models); [] when not listed. */
  readonly blockers: readonly string[];
}

/** `virsh domcapabilities`: what one emulator/machine/virt type offers a guest. */
export interface DomCapabilitiesFacts {
  readonly arch: string | null;
  readonly machine: string | null;
  /** <domain>: kvm | qemu ... */
  readonly domainType: string | null;
  /** <cpu><mode name='host-passthrough' supported='yes|no'>; null when the mode (or its supported=) is absent. */
  readonly hostPassthrough: boolean | null;
  /** <cpu><mode name='custom'> models in document order; [] when the mode is absent or unsupported. */
  readonly models: readonly DomCapabilitiesCpuModel[];
  /**
   * <cpu><mode name='host-model'>: its <model> and <feature>s (policy defaults to 'require');
   * null when the mode is absent or supported='no'.
   */
  readonly hostModel: {
    readonly model: string | null;
    readonly features: readonly { readonly name: string; readonly policy: string }[];
  } | null;
}

/** One domain's block of `virsh domstats --dirtyrate`. */
export interface DomainDirtyRate {
  readonly domain: string;
  /** dirtyrate.calc_status 0/1/2 (virDomainDirtyRateStatus); null when absent or an unknown number. */
  readonly status: 'unstarted' | 'measuring' | 'measured' | null;
  /** dirtyrate.megabytes_per_second (libvirt: MiB/s); null when absent (no measurement yet). */
  readonly mibPerSecond: number | null;
  /** dirtyrate.calc_period in seconds; null when absent. */
  readonly periodSeconds: number | null;
  /** dirtyrate.calc_mode: page-sampling | dirty-bitmap | dirty-ring; null when absent. */
  readonly mode: string | null;
  /** balloon.rss: the QEMU process's resident memory, KiB (guest memory never touched is not in it); null when absent. */
  readonly rssKiB: number | null;
}

/** `virsh domblkinfo DOMAIN TARGET` for one disk, in bytes. */
export interface DomainBlockInfo {
  /** What the guest sees. */
  readonly capacityBytes: number;
  /** Host storage the image occupies (like du). */
  readonly allocationBytes: number;
  /** Last offset of the image / size of the block device (like ls). */
  readonly physicalBytes: number;
}

export type DomainState = 'running' | 'idle' | 'paused' | 'in shutdown' | 'shut off' | 'crashed' | 'pmsuspended' | 'other';

export interface DomainFact {
  readonly name: string;
  /** Domain id while active, null when inactive. */
  readonly id: number | null;
  readonly state: DomainState;
  readonly uuid: string | null;
  /** What `virsh dumpxml` says (null when that probe failed). */
  readonly xml?: DomainXmlFacts | null;
  /** How many snapshots `virsh snapshot-list` shows: libvirt refuses to migrate a domain that has any; null or absent when unknown. */
  readonly snapshots?: number | null;
}
