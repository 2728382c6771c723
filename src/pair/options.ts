import type { Mode } from '../checks/vocabulary.js';
import type { HypervisorChoice } from '../checks/hypervisor-pair.js';
import type { FailOn, Side } from '../types.js';

/** Everything a pair check needs. Only `src` and `dst` are required. */
export interface CheckOptions {
  /** `[user@]host[:port]` or an ssh_config alias. */
  readonly src: string;
  readonly dst: string;
  /** ssh_config file; default ~/.ssh/config when present. */
  readonly sshConfigFile?: string;
  readonly user?: string;
  readonly identityFiles?: readonly string[];
  /** ProxyJump spec applied to both hosts. */
  readonly jump?: string;
  readonly knownHostsFile?: string;
  readonly acceptNewHostKeys?: boolean;
  /** Run the probes through `sudo -n` (never prompts). */
  readonly sudo?: boolean;
  readonly connectTimeoutMs?: number;
  /** Overall limit for collecting one host's facts, after connecting. */
  readonly timeoutMs?: number;
  /** Limit for one probe on the host (killed with `timeout`); capped by timeoutMs. */
  readonly probeTimeoutMs?: number;
  readonly libvirtUri?: string;
  /** Domains to move (default: every running domain on src). */
  readonly domains?: readonly string[];
  readonly transport?: 'ssh' | 'tcp' | 'tls' | 'tunnelled';
  /** Extra rule files or directories, after the built-in ones. */
  readonly rules?: readonly string[];
  readonly only?: readonly string[];
  readonly skip?: readonly string[];
  readonly failOn?: FailOn;
  /** A waivers file (YAML): failures it covers become `waived`. */
  readonly waivers?: string;
  /** An earlier JSON report of this pair: the new one says what changed since. */
  readonly baseline?: string;
  /** Migration bandwidth in MiB/s (for the convergence prediction). */
  readonly bandwidthMiBs?: number;
  /** Measure the bandwidth with a bounded transfer relayed over the two SSH sessions. */
  readonly measureBandwidth?: boolean;
  /** Dirty rate in MiB/s for every moving domain (skips the hypervisor's measurement). */
  readonly dirtyRateMiBs?: number;
  /** Largest acceptable pause at the end of a live migration (default 300 ms, QEMU's). */
  readonly maxDowntimeMs?: number;
  /** Memory to leave free on the destination besides the moving domains (default 1024 MiB). */
  readonly memoryReserveMiB?: number;
  /** How the guests move (default live: live migration on shared storage). */
  readonly mode?: Mode;
  /** Save mode: the directory `virsh save` writes to (on both hosts). */
  readonly saveDir?: string;
  /** The migration overrides libvirt's storage safety check (virsh migrate --unsafe). */
  readonly unsafe?: boolean;
  /** Which rule set (default auto: each host's toolstack says; a KVM-to-Xen pair is refused). */
  readonly hypervisor?: HypervisorChoice;
  /** The change (ticket) the check is evidence for, shown in every report. */
  readonly changeId?: string;
  /** Aborting it (reason 'SIGINT' or 'SIGTERM') ends the collection at once; the report holds what was collected. */
  readonly signal?: AbortSignal;
  /** Per-host progress, for the CLI's live display. */
  readonly onProgress?: (side: Side, phase: 'connecting' | 'collecting' | 'done' | 'failed', detail?: string) => void;
}

export const DEFAULTS = {
  connectTimeoutMs: 10_000,
  timeoutMs: 60_000,
  probeTimeoutMs: 20_000,
  libvirtUri: 'qemu:///system',
  transport: 'ssh',
  failOn: 'major',
  /** QEMU's default downtime limit. */
  maxDowntimeMs: 300,
  memoryReserveMiB: 1024,
  mode: 'live',
  hypervisor: 'auto',
  /** Where libvirt keeps managed-save images. */
  saveDir: '/var/lib/libvirt/qemu/save',
} as const;
