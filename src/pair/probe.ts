import { PreflightError } from '../errors.js';
import { landingQuery } from '../checks/landing.js';
import { buildFacts, diskQueries, probesFor, selectDomains, type ProbeContext, type ProbeId } from '../checks/probes/index.js';
import { xendListening, xenMoveFacts } from '../checks/xen-move.js';
import { measureBandwidth } from '../ssh/bandwidth.js';
import type { SshSession } from '../ssh/connect.js';
import type { ResolvedTarget } from '../ssh/target.js';
import type { BandwidthMeasurement, HostFacts, HostReport, ProbeOutput, Side } from '../types.js';
import { collection, type Collection, type Round } from './collection.js';
import { DEFAULTS, type CheckOptions } from './options.js';
import { open, unprobed, type Progress } from './sessions.js';

/** @internal (fleet) */
export function hostReport(t: ResolvedTarget, session: SshSession, rounds: readonly Round[]): HostReport {
  const outputs = Object.assign({}, ...rounds.map((r) => r.outputs)) as Record<string, ProbeOutput>;
  const { facts, failures } = buildFacts(outputs, rounds.flatMap((r) => r.missing), session.hostKey);
  const error = rounds.find((r) => r.error !== null)?.error ?? null;
  return { target: t.target, connection: { user: t.user, host: t.host, port: t.port }, hostname: facts.host?.hostname ?? null, reachable: true, error, hostKey: session.hostKey, facts, probes: outputs, probeErrors: failures };
}

/**
 * Probes one host on its own (no peer): one SSH connection, one exec of the generated script.
 * Never throws for a host-side problem: an unreachable host comes back with reachable=false.
 */
export async function probeHost(t: ResolvedTarget, o: CheckOptions, progress: Progress = () => {}): Promise<HostReport> {
  const s = await open(t, o, progress);
  if (s instanceof PreflightError) return unprobed(t, s);
  try {
    progress('collecting', 'probes');
    const ctx: ProbeContext = { libvirtUri: o.libvirtUri ?? DEFAULTS.libvirtUri, transport: o.transport ?? DEFAULTS.transport };
    const c = collection(s, t, o);
    await c.round(probesFor('dst', 1, ['save-dir']), ctx);
    return hostReport(t, s, await c.finish());
  } finally {
    s.close();
  }
}

/**
 * Round 1 of one host on two channels of its session at once: the libvirt probes (a dozen virsh
 * runs, half the script's time) on one, the rest on the other, so the host works on both
 * together. Returns the main collection (later rounds go down it), round 1 merged for planning,
 * and the finished rounds of the libvirt channel.
 */
async function firstRound(s: SshSession, t: ResolvedTarget, ids: readonly ProbeId[], ctx: ProbeContext, o: CheckOptions): Promise<{ c: Collection; round: Round; done: Round[] }> {
  const heavy = ids.filter((id) => id.startsWith('virsh-') || id === 'dirty-rate');
  const light = ids.filter((id) => !heavy.includes(id));
  const c = collection(s, t, o);
  if (heavy.length === 0 || light.length === 0) return { c, round: await c.round(ids, ctx), done: [] };
  const lv = collection(s, t, o);
  const [a, b] = await Promise.all([c.round(light, ctx), lv.round(heavy, ctx)]);
  return { c, round: { outputs: { ...a.outputs, ...b.outputs }, missing: [...a.missing, ...b.missing], error: a.error ?? b.error }, done: await lv.finish() };
}

/**
 * Probes the pair: both hosts at once, round 1 on two channels each (firstRound); then a short
 * second round down the main channel's shell where it needs the other host's facts: on the
 * source, resolving the destination's hostname as libvirt will and sizing the moving disks; on
 * the destination (block, cold and save modes), looking at where those disks would land.
 */
export async function probePair(
  targets: { src: ResolvedTarget; dst: ResolvedTarget },
  o: CheckOptions,
  onProgress: (side: Side, phase: 'connecting' | 'collecting', detail?: string) => void,
): Promise<{ src: HostReport; dst: HostReport; bandwidth: BandwidthMeasurement | null }> {
  const mode = o.mode ?? DEFAULTS.mode;
  const hv = o.hypervisor ?? DEFAULTS.hypervisor;
  const base: ProbeContext = { libvirtUri: o.libvirtUri ?? DEFAULTS.libvirtUri, transport: o.transport ?? DEFAULTS.transport, saveDir: o.saveDir ?? DEFAULTS.saveDir };
  const withoutSaveDir = mode === 'save' ? [] : (['save-dir'] as const);
  // Sessions stay open until both hosts are done: the bandwidth relay needs the two at once.
  const sessions: { src?: SshSession; dst?: SshSession } = {};
  // An interrupt closes both sessions: every running command ends at once with what it printed so far.
  const closeAll = (): void => {
    sessions.src?.close();
    sessions.dst?.close();
  };
  o.signal?.addEventListener('abort', closeAll, { once: true });
  let landingFor: (q: ProbeContext['landing'] | null) => void = () => {};
  const landing = new Promise<ProbeContext['landing'] | null>((resolve) => (landingFor = resolve));
  const dstFirst = (async (): Promise<{ s: SshSession; c: Collection; round: Round; done: Round[] } | PreflightError> => {
    const s = await open(targets.dst, o, (p, d) => onProgress('dst', p, d));
    if (s instanceof PreflightError) return s;
    sessions.dst = s;
    const ids = probesFor('dst', 1, withoutSaveDir, hv);
    onProgress('dst', 'collecting', `${ids.length} probes`);
    return { s, ...(await firstRound(s, targets.dst, ids, base, o)) };
  })();
  const dstP = (async (): Promise<HostReport> => {
    const first = await dstFirst;
    if (first instanceof PreflightError) return unprobed(targets.dst, first);
    const q = await landing;
    if (q && first.round.error === null) await first.c.round(['landing'], { ...base, landing: q });
    return hostReport(targets.dst, first.s, [...(await first.c.finish()), ...first.done]);
  })();
  const srcP = (async (): Promise<HostReport> => {
    const s = await open(targets.src, o, (p, d) => onProgress('src', p, d));
    if (s instanceof PreflightError) return unprobed(targets.src, s);
    sessions.src = s;
    const ctx: ProbeContext = { ...base, peer: { host: targets.dst.host, sshPort: targets.dst.port }, domains: o.domains ?? [] };
    // A dirty rate given on the command line replaces the measurement (which samples for a second).
    const without = [...withoutSaveDir, ...(o.dirtyRateMiBs !== undefined ? (['dirty-rate'] as const) : [])];
    const ids = probesFor('src', 1, without, hv);
    onProgress('src', 'collecting', `${ids.length} probes`);
    // Round 2 needs round 1: the destination's hostname (to resolve it here) and the moving domains' disks (to size them).
    const { c, round: first, done } = await firstRound(s, targets.src, ids, ctx, o);
    // Only what says which disks move and where they live: the full parse of every output happens once, in hostReport.
    const r1 = buildFacts(pick(first.outputs, ['virsh-list', 'virsh-uuids', 'virsh-domxml', 'mounts', 'virsh-pools', 'xl-list', 'xl-list-long'])).facts;
    // Where the moving disks would land: the copying modes; and in any mode a Xen guest's host block devices (they must exist there).
    const xenDevices = [...new Set((xenMoveFacts(r1, o.domains ?? [])?.disks ?? []).flatMap((d) => (d.kind === 'phy' && d.path && !d.cdrom ? [d.path] : [])))];
    landingFor(mode !== 'live' ? landingQuery(r1, o.domains ?? []) : xenDevices.length > 0 ? { dirs: [], files: xenDevices } : null);
    const moving = r1.libvirt?.domains ? selectDomains(r1.libvirt.domains, o.domains ?? []).domains : [];
    const disks = diskQueries(moving);
    const dst = await dstFirst;
    const dstFacts = dst instanceof PreflightError ? null : peerPlanFacts(dst.round.outputs);
    const dstHostname = dstFacts?.host?.hostname ?? null;
    // An xend destination with its relocation server on: try its port from here.
    const xend = xendListening(dstFacts);
    const wanted = (id: ProbeId): boolean => (id === 'peer-resolve' ? dstHostname !== null : id === 'disk-sizes' ? disks.length > 0 : id === 'xend-tcp' ? xend !== null : true);
    const second = probesFor('src', 2, [], hv).filter(wanted);
    if (first.error === null && second.length > 0) await c.round(second, { ...ctx, peerHostname: dstHostname ?? '', disks, xendPort: xend?.relocationPort ?? 8002 });
    return hostReport(targets.src, s, [...(await c.finish()), ...done]);
  })().finally(() => landingFor(null));
  try {
    const [src, dst] = await Promise.all([srcP, dstP]);
    let bandwidth: BandwidthMeasurement | null = null;
    if (o.measureBandwidth && !o.signal?.aborted) {
      bandwidth =
        sessions.src && sessions.dst && src.error === null && dst.error === null
          ? await measureBandwidth(sessions.src, sessions.dst)
          : { method: 'ssh-relay', bytes: 0, seconds: 0, bytesPerSec: 0, error: 'not measured: a host was not fully probed' };
    }
    return { src, dst, bandwidth };
  } finally {
    o.signal?.removeEventListener('abort', closeAll);
    closeAll();
  }
}

/**
 * What a source's second round needs to know of another host, from that host's first round: its
 * hostname (to resolve it as libvirt will) and whether xend listens for relocations (to try its port).
 * @internal (fleet)
 */
export function peerPlanFacts(outputs: Readonly<Record<string, ProbeOutput>>): HostFacts {
  return buildFacts(pick(outputs, ['hostname', 'xend-config', 'hv-detect', 'xl-info'])).facts;
}

/** The entries of o under these keys (own properties only). @internal (fleet) */
export function pick<T>(o: Readonly<Record<string, T>>, keys: readonly string[]): Record<string, T> {
  return Object.fromEntries(keys.flatMap((k) => (Object.hasOwn(o, k) ? [[k, o[k] as T]] : [])));
}
