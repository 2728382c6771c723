import { CollectError, InterruptedError, isPreflightError, PreflightError, UsageError } from './errors.js';
import { buildScript, capture, newBoundary, probeEnded, splitOutput, type ScriptProbe } from './checks/collect.js';
import { evaluateScoped, summarize, type EvalContext } from './checks/evaluate.js';
import { domainVerdicts, xenDomainVerdicts } from './checks/verdicts.js';
import { firewallVerdict } from './checks/firewall-check.js';
import { forDomain, migrationFacts, type MigrationPlan } from './checks/migration.js';
import { landingQuery } from './checks/landing.js';
import { measureBandwidth } from './ssh/bandwidth.js';
import { MiB } from './checks/units.js';
import { buildFacts, diskQueries, PROBES, probesFor, selectDomains, type ProbeContext, type ProbeId } from './checks/probes/index.js';
import { loadRules, selectRuleSet, type RuleSet } from './checks/rules.js';
import { TOOL } from './paths.js';
import { connect, type RunningCommand, type SshSession } from './ssh/connect.js';
import { loadSshConfig, resolveTarget, type ResolvedTarget, type TargetOverrides } from './ssh/target.js';
import { hostname as osHostname, userInfo } from 'node:os';
import { compareWithBaseline } from './checks/drift.js';
import type { Mode, Transport } from './checks/vocabulary.js';
import { pairHypervisor, type HypervisorChoice } from './checks/hypervisor-pair.js';
import { xendListening, xenMoveFacts } from './checks/xen-move.js';
import { applyWaivers, loadWaivers } from './checks/waivers.js';
import { readReport } from './report/read.js';
import type { BandwidthMeasurement, FailOn, HostFacts, HostReport, ProbeOutput, Report, ReportOptions, RuleResult, Side, Waiver } from './types.js';

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

/** What connecting and collecting read of the options. */
type SessionOptions = Pick<CheckOptions, 'connectTimeoutMs' | 'timeoutMs' | 'probeTimeoutMs' | 'sudo' | 'signal'>;

/** The signal an aborted run was interrupted by. */
const signalName = (s: AbortSignal): 'SIGINT' | 'SIGTERM' => (s.reason === 'SIGTERM' ? 'SIGTERM' : 'SIGINT');

/** A host that could not be reached: its report says why. @internal (fleet) */
export function unprobed(t: ResolvedTarget, e: PreflightError): HostReport {
  return { target: t.target, connection: { user: t.user, host: t.host, port: t.port }, hostname: null, reachable: false, error: { code: e.code, message: e.message }, hostKey: null, facts: {}, probes: {}, probeErrors: [] };
}

/** One exec's outputs. @internal (fleet) */
export interface Round {
  readonly outputs: Record<string, ProbeOutput>;
  readonly missing: string[];
  readonly error: HostReport['error'];
}

/**
 * One host's collection. Every round of probes goes down the stdin of the same `/bin/sh -s`
 * exec: the shell runs a round, then waits for the next one, which can depend on what the
 * first printed. One exec per host however many rounds: a second exec cost a channel and a new
 * session on the host (~40 ms on the lab) on the critical path. @internal (fleet)
 */
export interface Collection {
  /** Runs a round; resolves once its last probe has ended (or the command did), split for planning the next round. */
  /** `extra`: probes of the caller's own (fleet), after the built-in ones. */
  round(ids: readonly ProbeId[], ctx: ProbeContext, extra?: readonly ScriptProbe[]): Promise<Round>;
  /** No more rounds: ends stdin, waits for the shell to exit and splits every round from the complete streams. */
  finish(): Promise<Round[]>;
}

export function collection(session: SshSession, t: ResolvedTarget, o: SessionOptions): Collection {
  const timeoutMs = o.timeoutMs ?? DEFAULTS.timeoutMs;
  const probeTimeoutMs = Math.min(o.probeTimeoutMs ?? DEFAULTS.probeTimeoutMs, timeoutMs);
  const rounds: { probes: ScriptProbe[]; boundary: string; from: { out: number; err: number }; complete: boolean }[] = [];
  let run: RunningCommand | null = null;
  // A round's bytes: from where it started to where the next one did (each has its own boundary too).
  const split = (i: number, cmd: RunningCommand, interrupted: 'timeout' | 'dropped' | null, exitCode: number | null): Round => {
    const r = rounds[i] as (typeof rounds)[number];
    const to = rounds[i + 1]?.from ?? { out: cmd.stdout.length, err: cmd.stderr.length };
    const stdout = cmd.stdout.slice(r.from.out, to.out);
    const stderrChunks = cmd.stderr.slice(r.from.err, to.err);
    const out = splitOutput(r.probes, r.boundary, capture(stdout), capture(stderrChunks));
    let error: HostReport['error'] = null;
    if (!r.complete && interrupted === 'timeout') error = { code: 'MP_COLLECT_TIMEOUT', message: `collection timed out after ${timeoutMs} ms; ${out.missing.length} probes did not run` };
    else if (!r.complete && interrupted === 'dropped') error = { code: 'MP_COLLECT_DROPPED', message: `connection dropped during collection; ${out.missing.length} probes did not run` };
    else if (Object.keys(out.outputs).length === 0) {
      const stderr = Buffer.concat(stderrChunks.map((c) => c.data)).toString('utf8').trim();
      const e = new CollectError(
        /sudo:.*password/i.test(stderr)
          ? `${t.target}: sudo -n needs a password here; grant NOPASSWD for the probe commands or run as root (needs root)`
          : `${t.target}: the probe script did not run (exit ${exitCode ?? 'none'}): ${stderr.slice(0, 200) || 'no output'}`,
      );
      error = { code: e.code, message: e.message };
    }
    return { outputs: out.outputs, missing: out.missing, error };
  };
  return {
    async round(ids, ctx, extra = []) {
      const probes: ScriptProbe[] = [...ids.map((id) => ({ id, command: PROBES[id].command(ctx) })), ...extra];
      const boundary = newBoundary();
      const script = buildScript(probes, boundary, Math.max(1, Math.floor(probeTimeoutMs / 1000)));
      const cmd = (run ??= session.run(o.sudo ? 'sudo -n /bin/sh -s' : '/bin/sh -s'));
      const r = { probes, boundary, from: { out: cmd.stdout.length, err: cmd.stderr.length }, complete: false };
      rounds.push(r);
      const last = probes[probes.length - 1]?.id ?? '';
      const outDone = probeEnded(cmd.stdout, r.from.out, boundary, last, 'stdout');
      const errDone = probeEnded(cmd.stderr, r.from.err, boundary, last, 'stderr');
      cmd.write(script, timeoutMs);
      await cmd.until(() => outDone() && errDone());
      r.complete = outDone() && errDone();
      if (r.complete) {
        cmd.pause();
        return split(rounds.length - 1, cmd, null, null);
      }
      const res = await cmd.result;
      return split(rounds.length - 1, cmd, res.interrupted, res.exitCode);
    },
    async finish() {
      if (!run) return [];
      const cmd = run;
      cmd.end(timeoutMs);
      const res = await cmd.result;
      return rounds.map((_, i) => split(i, cmd, res.interrupted, res.exitCode));
    },
  };
}

/** @internal (fleet) */
export function hostReport(t: ResolvedTarget, session: SshSession, rounds: readonly Round[]): HostReport {
  const outputs = Object.assign({}, ...rounds.map((r) => r.outputs)) as Record<string, ProbeOutput>;
  const { facts, failures } = buildFacts(outputs, rounds.flatMap((r) => r.missing), session.hostKey);
  const error = rounds.find((r) => r.error !== null)?.error ?? null;
  return { target: t.target, connection: { user: t.user, host: t.host, port: t.port }, hostname: facts.host?.hostname ?? null, reachable: true, error, hostKey: session.hostKey, facts, probes: outputs, probeErrors: failures };
}

type Progress = (phase: 'connecting' | 'collecting', detail?: string) => void;

/** @internal (fleet) */
export async function open(t: ResolvedTarget, o: SessionOptions, progress: Progress): Promise<SshSession | PreflightError> {
  progress('connecting', `${t.user}@${t.host}:${t.port}`);
  const signal = o.signal;
  const interrupted = (): InterruptedError => new InterruptedError(`${t.target}: interrupted (${signalName(signal as AbortSignal)}) before it was probed`);
  if (signal?.aborted) return interrupted();
  try {
    const connecting = connect(t, { connectTimeoutMs: o.connectTimeoutMs ?? DEFAULTS.connectTimeoutMs });
    if (!signal) return await connecting;
    // An interrupt does not wait for the handshake; a session that arrives after it is closed at once.
    return await new Promise<SshSession | PreflightError>((resolve, reject) => {
      const onAbort = (): void => {
        connecting.then((s) => s.close(), () => {});
        resolve(interrupted());
      };
      signal.addEventListener('abort', onAbort, { once: true });
      connecting.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    });
  } catch (e) {
    if (isPreflightError(e)) return e;
    throw e;
  }
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
async function probePair(
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

/** The move as the options describe it (bandwidth: --bandwidth, else a successful measurement). */
export function planOf(options: ReportOptions, measured: BandwidthMeasurement | null): MigrationPlan {
  const bandwidth =
    options.bandwidthMiBs !== null
      ? { bytesPerSec: options.bandwidthMiBs * MiB, source: 'option' as const }
      : measured && measured.error === null && measured.bytesPerSec > 0
        ? { bytesPerSec: measured.bytesPerSec, source: 'measured' as const }
        : null;
  return {
    domains: options.domains,
    bandwidth,
    dirtyBytesPerSec: options.dirtyRateMiBs !== null ? options.dirtyRateMiBs * MiB : null,
    maxDowntimeMs: options.maxDowntimeMs,
    memoryReserveKiB: options.memoryReserveMiB * 1024,
    mode: options.mode,
    unsafe: options.unsafe,
  };
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

/** Each domain's narrowed view once, however many scope: domain rules ask for it. */
function narrowOnce(make: (domain: string) => HostReport): (domain: string) => HostReport {
  const views = new Map<string, HostReport>();
  return (domain) => {
    let v = views.get(domain);
    if (!v) views.set(domain, (v = make(domain)));
    return v;
  };
}

/** Adds the derived facts of the move itself to the source (libvirt's domains, Xen's, or both). */
function withMigration(src: HostReport, plan: MigrationPlan): HostReport {
  const migration = migrationFacts(src.facts, plan);
  const xenMove = xenMoveFacts(src.facts, plan.domains);
  if (!migration && !xenMove) return src;
  return { ...src, facts: { ...src.facts, ...(migration ? { migration } : {}), ...(xenMove ? { xenMove } : {}) } };
}

/** Results that come from the run itself rather than from a rule file. */
function selectionResults(src: HostReport, hypervisor: 'kvm' | 'xen'): RuleResult[] {
  const missing = (hypervisor === 'xen' ? src.facts.xenMove?.missing : src.facts.migration?.missing) ?? [];
  if (missing.length === 0) return [];
  return [
    {
      id: 'domain.selection',
      title: 'Requested domains exist on the source',
      severity: 'critical',
      status: 'error',
      message: `requested domain(s) not found on the source: ${missing.join(', ')}`,
      messageId: 'error.domain-missing',
      data: { missing },
      evidence: { src: missing },
      remediation: `Check the -d names against \`${hypervisor === 'xen' ? 'xl list' : 'virsh list --all'}\` on the source.`,
      domain: null,
      references: [],
      waiver: null,
    },
  ];
}

/** The options a report records (no secrets), with the defaults filled in. */
export function reportOptions(o: Omit<CheckOptions, 'src' | 'dst'>): ReportOptions {
  return {
    libvirtUri: o.libvirtUri ?? DEFAULTS.libvirtUri,
    domains: o.domains ?? [],
    transport: o.transport ?? DEFAULTS.transport,
    failOn: o.failOn ?? DEFAULTS.failOn,
    sudo: o.sudo ?? false,
    rules: o.rules ?? [],
    only: o.only ?? [],
    skip: o.skip ?? [],
    waivers: o.waivers ?? null,
    baseline: o.baseline ?? null,
    bandwidthMiBs: o.bandwidthMiBs ?? null,
    dirtyRateMiBs: o.dirtyRateMiBs ?? null,
    maxDowntimeMs: o.maxDowntimeMs ?? DEFAULTS.maxDowntimeMs,
    memoryReserveMiB: o.memoryReserveMiB ?? DEFAULTS.memoryReserveMiB,
    measureBandwidth: o.measureBandwidth ?? false,
    mode: o.mode ?? DEFAULTS.mode,
    saveDir: (o.mode ?? DEFAULTS.mode) === 'save' ? (o.saveDir ?? DEFAULTS.saveDir) : null,
    unsafe: o.unsafe ?? false,
    hypervisor: o.hypervisor ?? DEFAULTS.hypervisor,
    changeId: o.changeId ?? null,
  };
}

/** Loads the rule set a check would use (built-ins, then -r files), applying --only/--skip. */
export function rulesFor(o: Pick<CheckOptions, 'rules' | 'only' | 'skip'>): RuleSet {
  return selectRuleSet(loadRules(o.rules ?? []), o.only ?? [], o.skip ?? []);
}

/**
 * Checks whether `src` can migrate its domains to `dst`. Throws only for bad input (usage,
 * rule files, ssh_config: nothing probed); host failures are part of the returned report.
 */
export async function check(o: CheckOptions, ruleSet: RuleSet = rulesFor(o)): Promise<Report> {
  const started = new Date();
  const t0 = performance.now();
  // Bad input ends the run before any host is contacted.
  const waivers = o.waivers ? loadWaivers(o.waivers) : [];
  const baseline = o.baseline ? readReport(o.baseline) : null;
  const config = loadSshConfig(o.sshConfigFile);
  const overrides: TargetOverrides = {
    sshConfigFile: o.sshConfigFile,
    user: o.user,
    identityFiles: o.identityFiles,
    jump: o.jump,
    knownHostsFile: o.knownHostsFile,
    acceptNewHostKeys: o.acceptNewHostKeys,
  };
  const targets = { src: resolveTarget(o.src, config, overrides), dst: resolveTarget(o.dst, config, overrides) };
  const via = (t: ResolvedTarget): string => [...t.jump.map(via), `${t.host}:${t.port}`].join(' -> ');
  if (via(targets.src) === via(targets.dst)) throw new UsageError(`${o.src} and ${o.dst} both reach ${via(targets.src)}: the same host twice (a migration needs two)`);
  const collected = await probePair(targets, o, (side, phase, detail) => o.onProgress?.(side, phase, detail));
  const interrupt = o.signal?.aborted ? signalName(o.signal) : null;
  // Interrupted: a host cut short says so (its connection was closed by us, not dropped).
  const cut = (h: HostReport): HostReport =>
    interrupt && h.error && h.error.code !== 'MP_INTERRUPTED' ? { ...h, error: { code: 'MP_INTERRUPTED', message: `interrupted (${interrupt}) during collection: ${h.error.message}` } } : h;
  const probed = { ...collected, src: cut(collected.src), dst: cut(collected.dst) };
  for (const side of ['src', 'dst'] as const) {
    const h = probed[side];
    o.onProgress?.(side, h.error ? 'failed' : 'done', h.error?.message ?? h.hostname ?? undefined);
  }
  const options = reportOptions(o);

  const done = evaluateHosts({ hosts: { src: probed.src, dst: probed.dst }, ruleSet, options, waivers, baseline, now: started, bandwidth: probed.bandwidth });
  const evaluated = interrupt ? { ...done, summary: { ...done.summary, interrupted: interrupt, exitCode: interrupt === 'SIGTERM' ? (143 as const) : (130 as const) } } : done;
  const collection = {
    tool: { name: TOOL.name, version: TOOL.version },
    startedAt: started.toISOString(),
    finishedAt: new Date().toISOString(),
    durationMs: Math.round(performance.now() - t0),
    runBy: runBy(),
  };
  return assembleReport(collection, options, ruleSet, evaluated, null);
}

/** A report with its keys in the contract's order (the JSON report's key order is stable). */
export function assembleReport(
  collection: Pick<Report, 'tool' | 'startedAt' | 'finishedAt' | 'durationMs' | 'runBy'>,
  options: ReportOptions,
  ruleSet: RuleSet,
  evaluated: ReturnType<typeof evaluateHosts>,
  replayOf: Report['replayOf'],
): Report {
  return {
    schemaVersion: 1,
    tool: collection.tool,
    startedAt: collection.startedAt,
    finishedAt: collection.finishedAt,
    durationMs: collection.durationMs,
    runBy: collection.runBy,
    options,
    rulesets: ruleSet.files,
    hosts: evaluated.hosts,
    results: evaluated.results,
    domains: evaluated.domains,
    measurements: evaluated.measurements,
    waivers: evaluated.waivers,
    drift: evaluated.drift,
    replayOf,
    summary: evaluated.summary,
  };
}

/** The checking machine's user and hostname, for the audit trail. */
export function runBy(): Report['runBy'] {
  let user = 'unknown';
  try {
    user = userInfo().username;
  } catch {
    /* no passwd entry (containers): keep 'unknown' */
  }
  return { user, host: osHostname() };
}

export interface EvaluateInput {
  /** Both hosts as probed (the move's derived facts are added here). */
  readonly hosts: { readonly src: HostReport; readonly dst: HostReport };
  readonly ruleSet: RuleSet;
  readonly options: ReportOptions;
  readonly waivers: readonly Waiver[];
  readonly baseline: { readonly report: Report; readonly path: string; readonly sha256: string } | null;
  /** "Today" for waiver expiry. */
  readonly now: Date;
  /** --measure-bandwidth's figure, when measured. */
  readonly bandwidth: BandwidthMeasurement | null;
}

/** Everything after probing, shared by check and replay. Pure. */
export function evaluateHosts(input: EvaluateInput): Pick<Report, 'hosts' | 'results' | 'domains' | 'measurements' | 'waivers' | 'drift' | 'summary'> {
  const { options } = input;
  const plan = planOf(options, input.bandwidth);
  const hosts = { src: withMigration(input.hosts.src, plan), dst: input.hosts.dst };
  const m = hosts.src.facts.migration;
  const pair = pairHypervisor(options.hypervisor ?? 'auto', hosts);
  const ctx: EvalContext = {
    hypervisor: pair.hypervisor,
    refused: pair.refused,
    transport: options.transport as Transport,
    mode: options.mode,
    dstSshPort: hosts.dst.connection?.port ?? 22,
    firewall: firewallVerdict,
    narrow: m ? narrowOnce((name) => ({ ...hosts.src, facts: { ...hosts.src.facts, migration: forDomain(m, name, hosts.src.facts, plan) } })) : undefined,
  };
  const evaluated = [pair.result, ...(pair.refused ? [] : selectionResults(hosts.src, pair.hypervisor)), ...input.ruleSet.rules.flatMap((r) => evaluateScoped(r, hosts, ctx))];
  const { results, waivers } = applyWaivers(evaluated, input.waivers, hosts, input.now);
  const drift = input.baseline ? compareWithBaseline(input.baseline.report, results, input.baseline) : null;
  return {
    hosts,
    results,
    domains: pair.hypervisor === 'xen' ? xenDomainVerdicts(hosts.src.facts.xenMove, results, options.failOn) : domainVerdicts(m, results, options.failOn),
    measurements: { bandwidth: input.bandwidth },
    waivers,
    drift,
    summary: summarize(results, hosts, options.failOn, { leftOut: input.ruleSet.leftOut ?? 0, ids: new Set(input.ruleSet.rules.map((r) => r.id)) }),
  };
}
