/** What the probes' parsers make of a Xen host: `xl info`, `xl list`, `xl list -l` (or xm's) and xend-config.sxp. */

/** What `xl info` (or `xm info` on an xend host: the same "key : value" lines) says about a Xen host. */
export interface XlInfo {
  /** `host`: the dom0 host name. */
  readonly hostname: string;
  /** `machine`: x86_64, i686, aarch64 ...; null when absent. */
  readonly machine: string | null;
  /** `${xen_major}.${xen_minor}${xen_extra}`, e.g. "4.2.1", "4.4.3-12.el6", "4.16-unstable". */
  readonly xenVersion: string;
  readonly xenMajor: number;
  readonly xenMinor: number;
  /** `xen_extra` as printed: ".1", ".3-12.el6", "-unstable", or "" when absent. */
  readonly xenExtra: string;
  /** The number that opens `xen_extra` (".3-12.el6" gives 3, ".0-rc" gives 0); null for "-unstable" or "". */
  readonly xenPatch: number | null;
  /** `xen_caps`, split: e.g. xen-3.0-x86_64, xen-3.0-x86_32p, hvm-3.0-x86_64, xen-3.0-aarch64. */
  readonly xenCaps: readonly string[];
  /** `virt_caps`, split: hvm, hvm_directio, hap, shadow, pv, pv_directio, ...; [] when empty or absent. */
  readonly virtCaps: readonly string[];
  /**
   * Whether the host runs HVM guests: "hvm" in `virt_caps`, or, where the line is absent
   * (older xm info), an hvm-* entry in `xen_caps`.
   */
  readonly hvm: boolean;
  /** `hw_caps`: the CPUID words as printed (colon-separated hex); null when absent. */
  readonly hwCaps: string | null;
  readonly nrCpus: number | null;
  readonly nrNodes: number | null;
  readonly coresPerSocket: number | null;
  readonly threadsPerCore: number | null;
  /** `total_memory` / `free_memory`, in MiB. */
  readonly totalMemoryMiB: number | null;
  readonly freeMemoryMiB: number | null;
  /** `xen_scheduler`: credit, credit2, ... */
  readonly scheduler: string | null;
  /** `xen_commandline` (absent from older xm info, e.g. Xen 3.3's). */
  readonly commandline: string | null;
  /**
   * Every key with its value, trimmed (xl and xm leave a trailing blank after some values, e.g.
   * `xen_caps`). The tables of `xl info -n` (cpu_topology, device topology, numa_info) are kept as
   * the lines under their key, joined with "\n".
   */
  readonly raw: Readonly<Record<string, string>>;
}

/** Why a Xen domain shut down: xl's fifth state letter (- r s c w S ?) once the `s` flag is set. */
export type XenShutdownReason = 'poweroff' | 'reboot' | 'suspend' | 'crash' | 'watchdog' | 'soft_reset' | 'unknown';

/** The six-letter state column of `xl list` / `xm list`, raw and decoded. */
export interface XenDomainState {
  /** As printed, e.g. "r-----", "-b----", "---sc-". */
  readonly raw: string;
  readonly running: boolean;
  readonly blocked: boolean;
  readonly paused: boolean;
  readonly shutdown: boolean;
  /** Fifth letter "c": xm's crashed flag, xl's shutdown reason "crash". */
  readonly crashed: boolean;
  readonly dying: boolean;
  /**
   * Decoded from the fifth letter when `shutdown` is set, else null. xm has no reason letter
   * (its fifth column is only the crashed flag), so an xm "---s--" reads as "poweroff".
   */
  readonly shutdownReason: XenShutdownReason | null;
}

/** One row of `xl list` / `xm list`. */
export interface XenDomain {
  readonly name: string;
  /** Domain id (0 is Domain-0); null for an xend-managed domain that is not running (xm prints no id). */
  readonly id: number | null;
  readonly memoryMiB: number;
  readonly vcpus: number;
  readonly state: XenDomainState;
  readonly cpuTimeSeconds: number;
}

/** A value of xend's S-expression syntax: an atom or string, or a list. */
export type Sxp = string | readonly Sxp[];

/** The relocation (live migration) settings of an xend host, from /etc/xen/xend-config.sxp. */
export interface XendConfig {
  /** `xend-relocation-server` (default no): whether xend listens for incoming migrations. */
  readonly relocationServer: boolean;
  /** `xend-relocation-port` (default 8002). */
  readonly relocationPort: number;
  /** `xend-relocation-address` (default '': every interface). */
  readonly relocationAddress: string;
  /**
   * `xend-relocation-hosts-allow` split as xend splits it, on single blanks (default '': [],
   * every host admitted). Two blanks in a row give an empty pattern, which admits every host.
   */
  readonly relocationHostsAllow: readonly string[];
  /** Patterns of relocationHostsAllow that JavaScript cannot compile (relocationAdmits skips them). */
  readonly invalidHostsAllow: readonly string[];
  /** `xend-relocation-ssl-server` (default no) and `xend-relocation-ssl-port` (default 8003). */
  readonly relocationSslServer: boolean;
  readonly relocationSslPort: number;
  /**
   * Each uncommented top-level setting `(name value ...)`: the values after the name, decoded
   * (quotes and escapes resolved). When a name appears twice the first one is kept, as xend does.
   */
  readonly settings: Readonly<Record<string, readonly Sxp[]>>;
}

/** One virtual disk of a domain, from `xl list -l` / `xm list -l`. */
export interface XenDiskConfig {
  /** The guest device: xvda, hda, sda ... (xl `vdev`; xm `dev` without ":disk"/":cdrom" and "ioemu:"). */
  readonly target: string | null;
  /** xl `pdev_path`, or xm's `uname` without its "file:", "phy:", "tap:aio:" ... prefix; null for an empty cdrom. */
  readonly path: string | null;
  /**
   * 'phy' for a host block device (xm "phy:", or a path under /dev/), 'file' for an image file,
   * 'other' for anything else: a disk a block script resolves (xl `script`, xm "drbd:", "iscsi:" ...),
   * a target that is no absolute path, or no path at all.
   */
  readonly kind: 'file' | 'phy' | 'other';
  /** raw, qcow, qcow2, vhd, qed, empty ... when stated (xl `format` other than "unknown"; xm's tap driver). */
  readonly format: string | null;
  readonly readonly: boolean;
  readonly cdrom: boolean;
}

/** One virtual network interface of a domain. */
export interface XenNicConfig {
  readonly bridge: string | null;
  readonly mac: string | null;
  readonly ip: string | null;
}

/** One domain of `xl list -l` / `xm list -l`. */
export interface XenDomainConfig {
  readonly name: string;
  /** null when the listing gives none (xm's entry for a managed domain that is not running). */
  readonly domid: number | null;
  readonly uuid: string | null;
  readonly type: 'hvm' | 'pv' | 'pvh' | null;
  /** Target memory: xl `b_info.target_memkb` / 1024 (rounded down), xm `(memory N)`. */
  readonly memoryMiB: number | null;
  /** xl `b_info.max_memkb` / 1024 (rounded down), xm `(maxmem N)`. */
  readonly maxMemoryMiB: number | null;
  /** xl `b_info.max_vcpus`, xm `(vcpus N)`. */
  readonly vcpus: number | null;
  readonly disks: readonly XenDiskConfig[];
  readonly nics: readonly XenNicConfig[];
}

/**
 * How an xend destination names the source: its reverse lookup of the source's address there
 * (`getent hosts ADDR`: gethostbyaddr through NSS, as Python's socket.gethostbyaddr makes it),
 * and the name xend's hosts-allow check matches besides the address (connection.hostAllowed:
 * socket.getfqdn(address)).
 */
export interface XendPeerName {
  /** The address looked up: the source's address towards this host (the source's peer.srcAddr). */
  readonly address: string;
  /** gethostbyaddr's answer: the canonical name (h_name), then its aliases; [] when the address does not resolve (getent exit 2). */
  readonly names: readonly string[];
  /** socket.getfqdn(address): the first of `names` with a dot in it, else the first; the address itself when `names` is []. */
  readonly fqdn: string;
}
