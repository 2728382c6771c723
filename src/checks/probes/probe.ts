import type { HostFacts } from '../../model/facts.js';
import type { Hypervisor, Mode, Transport } from '../vocabulary.js';

/** What a probe's command may depend on. */
export interface ProbeContext {
  readonly libvirtUri: string;
  readonly transport: Transport;
  /** The other host of the pair as this one should reach it (source-side probes only). */
  readonly peer?: { readonly host: string; readonly sshPort: number };
  /** The destination's own hostname, learnt in the first round (second-round probes only). */
  readonly peerHostname?: string;
  /** -d names (empty: the running domains). */
  readonly domains?: readonly string[];
  /** Seconds of QEMU dirty-rate sampling per domain (virsh domdirtyrate-calc --seconds). */
  readonly dirtyRateSeconds?: number;
  /** Second round on the source: the moving domains' disks to size. */
  readonly disks?: readonly DiskQuery[];
  /** --save-dir (save mode). */
  readonly saveDir?: string;
  /** Second round on the destination (block, cold and save modes; Xen guests' block devices): where the copied disks would land. */
  readonly landing?: { readonly dirs: readonly string[]; readonly files: readonly string[] };
  /** Second round on a Xen source: the destination's xend relocation port (from its xend-config.sxp). */
  readonly xendPort?: number;
  /**
   * Second round on an xend destination whose relocation server is on: the source's address as
   * this host sees it (the source's peer.srcAddr), to look up as xend's hosts-allow check does.
   */
  readonly xendPeerAddress?: string;
  /** Second round on a destination: the source's moving guest CPU definitions to compare (cpu-compare.ts). */
  readonly cpuCompare?: readonly CpuCompareQuery[];
}

/** A guest CPU definition to compare on the destination (cpu-compare.ts), for the moving domains that share it. */
export interface CpuCompareQuery {
  readonly domains: readonly string[];
  readonly virtType: string;
  readonly arch: string;
  /** The definition's named model. */
  readonly model: string;
  readonly xml: string;
}

/** A disk to size: a file by path (stat), anything else through libvirt by domain UUID and target. */
export type DiskQuery = { readonly kind: 'file'; readonly path: string } | { readonly kind: 'blk'; readonly uuid: string; readonly target: string };

/**
 * What a later round knows when it is planned: this host's first-round facts, those of the hosts
 * it is checked against (a pair: the other host; a fleet: every other one), and the run's settings.
 */
export interface Known {
  readonly self: HostFacts;
  readonly peers: readonly { readonly host: string; readonly sshPort: number; readonly facts: HostFacts | null }[];
  readonly mode: Mode;
  /** -d names (empty: the running domains). */
  readonly domains: readonly string[];
}

/** A read-only command and the pure parser for what it prints. */
export interface Probe<T = unknown> {
  readonly id: string;
  /** Fact paths this probe feeds; a rule reading one of them ends in `error` when the probe fails. */
  readonly provides: readonly string[];
  /** both: every host; src: only the source (it needs the destination's address); dst: only the destination; round 2 needs round-1 facts. */
  readonly side?: 'both' | 'src' | 'dst';
  readonly round?: 1 | 2;
  /**
   * `one`: asks about the one other host of a pair (ctx.peer, and round 2 its facts); a fleet,
   * where a host has many peers, asks about them all at once in its own probes instead.
   */
  readonly peer?: 'one';
  /**
   * Round 2: the context this probe needs, worked out from what round 1 found (here and on the
   * peers); null when there is nothing to ask (the probe does not run).
   */
  plan?(known: Known): Partial<ProbeContext> | null;
  /**
   * Round 2: the facts `plan` reads of the peers (fact paths, as in `provides`). The host's round 2
   * waits for the peers' probes that provide them, not for the peers' whole first round.
   */
  readonly peerReads?: readonly string[];
  /**
   * Round 2: the facts `plan` reads of the host itself; required when it reads any. The host's
   * round 2 is planned from the outputs of the probes that provide them, and the rest of its first
   * round is parsed while round 2 runs.
   */
  readonly selfReads?: readonly string[];
  /** Only for hosts of this hypervisor: left out when --hypervisor names the other one. */
  readonly hypervisor?: Hypervisor;
  /**
   * Round 1 runs on several SSH channels of one session at once, each its own shell working through
   * its probes in turn: the probes of a channel named here on that channel (`libvirt`: a dozen virsh
   * runs, waiting on libvirtd; `peer`: the source's probes of its way to the destination, waiting
   * on the network), the rest on the main one, so the host works on all together.
   */
  readonly channel?: 'libvirt' | 'peer';
  /**
   * Asks only the kernel or local files (/proc, /sys, uname, ip, a shell test): cannot block on a
   * disk, a mount, the network or a daemon, and prints what the kernel holds. Runs without the
   * per-probe timeout and the host-side output cap (each a process or two per probe); the
   * collection's own timeout and the client's cap still hold. Its command is fixed (reads no context).
   */
  readonly bounded?: true;
  /**
   * A test made of shell builtins only (`command -v`, `[`), run by the script's own shell: when it
   * fails the probe ends at once with no output and exit 0, what its command prints then, without
   * the processes a probe costs (~3 ms each on a loaded host). Xen's probes on a host with no Xen.
   */
  readonly guard?: string;
  /** The shell command, every value quoted with shq(). */
  command(ctx: ProbeContext): string;
  parse(stdout: string): T;
}

export function probe<T>(p: Probe<T>): Probe<T> {
  return p;
}
