import { collectHosts, type Collected, type CollectSettings, type PlannedHost } from '../collection/hosts.js';
import type { ProbeId } from '../checks/probes/index.js';
import { measureBandwidth } from '../ssh/bandwidth.js';
import type { ResolvedTarget } from '../ssh/target.js';
import type { BandwidthMeasurement, HostReport, Side } from '../types.js';
import { DEFAULTS, type CheckOptions } from './options.js';
import type { Progress } from './sessions.js';

/** How the options of a check become the collection's settings. */
export function collectSettings(o: Omit<CheckOptions, 'src' | 'dst'>, concurrency: number, keepSessions: boolean): CollectSettings {
  const mode = o.mode ?? DEFAULTS.mode;
  // A dirty rate given on the command line replaces the measurement (which samples for a second).
  const without: ProbeId[] = [...(mode === 'save' ? [] : (['save-dir'] as const)), ...(o.dirtyRateMiBs !== undefined ? (['dirty-rate'] as const) : [])];
  return {
    connectTimeoutMs: o.connectTimeoutMs,
    timeoutMs: o.timeoutMs,
    probeTimeoutMs: o.probeTimeoutMs,
    sudo: o.sudo,
    signal: o.signal,
    base: { libvirtUri: o.libvirtUri ?? DEFAULTS.libvirtUri, transport: o.transport ?? DEFAULTS.transport, saveDir: o.saveDir ?? DEFAULTS.saveDir },
    plan: { hypervisor: o.hypervisor ?? DEFAULTS.hypervisor, without },
    mode,
    domains: o.domains ?? [],
    concurrency,
    keepSessions,
  };
}

/**
 * Probes one host on its own (no peer), as a destination: one SSH connection, one exec of the
 * generated script. Never throws for a host-side problem: an unreachable host comes back with reachable=false.
 */
export async function probeHost(t: ResolvedTarget, o: CheckOptions, progress: Progress = () => {}): Promise<HostReport> {
  const [h] = await collectHosts([{ target: t, role: { src: false, dst: true }, peers: [] }], collectSettings({ ...o, mode: 'live' }, 1, false), { progress: (_, p, d) => progress(p, d) });
  return (h as Collected).report;
}

/**
 * Probes the pair: both hosts at once, the source as a source and the destination as a
 * destination, each checked against the other (src/collection/hosts.ts plans both rounds); then,
 * with --bandwidth-measure, the throughput between them over the two sessions.
 */
export async function probePair(
  targets: { src: ResolvedTarget; dst: ResolvedTarget },
  o: CheckOptions,
  onProgress: (side: Side, phase: 'connecting' | 'collecting', detail?: string) => void,
): Promise<{ src: HostReport; dst: HostReport; bandwidth: BandwidthMeasurement | null }> {
  const hosts: PlannedHost[] = [
    { target: targets.src, role: { src: true, dst: false }, peers: [1] },
    { target: targets.dst, role: { src: false, dst: true }, peers: [0] },
  ];
  const sides: Side[] = ['src', 'dst'];
  const got = await collectHosts(hosts, collectSettings(o, 2, true), { progress: (i, p, d) => onProgress(sides[i] as Side, p, d) });
  const src = got[0] as Collected;
  const dst = got[1] as Collected;
  // The sessions stayed open for the bandwidth relay, which needs the two at once; an interrupt closes them.
  const closeAll = (): void => {
    src.session?.close();
    dst.session?.close();
  };
  o.signal?.addEventListener('abort', closeAll, { once: true });
  try {
    let bandwidth: BandwidthMeasurement | null = null;
    if (o.measureBandwidth && !o.signal?.aborted) {
      bandwidth =
        src.session && dst.session && src.report.error === null && dst.report.error === null
          ? await measureBandwidth(src.session, dst.session)
          : { method: 'ssh-relay', bytes: 0, seconds: 0, bytesPerSec: 0, error: 'not measured: a host was not fully probed' };
    }
    return { src: src.report, dst: dst.report, bandwidth };
  } finally {
    o.signal?.removeEventListener('abort', closeAll);
    closeAll();
  }
}
