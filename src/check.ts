import { CollectError, isPreflightError, PreflightError } from './errors.js';
import { buildScript, capture, newBoundary, splitOutput, type ScriptProbe } from './checks/collect.js';
import { evaluateRule, summarize } from './checks/evaluate.js';
import { buildFacts, PROBE_IDS, PROBES, selectDomains, type ProbeContext } from './checks/probes/index.js';
import { loadRules, selectRules, type RuleSet } from './checks/rules.js';
import { TOOL } from './paths.js';
import { connect } from './ssh/connect.js';
import { loadSshConfig, resolveTarget, type ResolvedTarget, type TargetOverrides } from './ssh/target.js';
import type { FailOn, HostReport, Report, RuleResult, Side } from './types.js';

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
  readonly libvirtUri?: string;
  /** Domains to move (default: every running domain on src). */
  readonly domains?: readonly string[];
  readonly transport?: 'ssh' | 'tcp' | 'tls' | 'tunnelled';
  /** Extra rule files or directories, after the built-in ones. */
  readonly rules?: readonly string[];
  readonly only?: readonly string[];
  readonly skip?: readonly string[];
  readonly failOn?: FailOn;
  /** Per-host progress, for the CLI's live display. */
  readonly onProgress?: (side: Side, phase: 'connecting' | 'collecting' | 'done' | 'failed', detail?: string) => void;
}

export const DEFAULTS = {
  connectTimeoutMs: 10_000,
  timeoutMs: 60_000,
  libvirtUri: 'qemu:///system',
  transport: 'ssh',
  failOn: 'major',
} as const;

function probeContext(o: CheckOptions): ProbeContext {
  return { libvirtUri: o.libvirtUri ?? DEFAULTS.libvirtUri };
}

function unprobed(target: string, e: PreflightError): HostReport {
  return { target, hostname: null, reachable: false, error: { code: e.code, message: e.message }, hostKey: null, facts: {}, probes: {}, probeErrors: [] };
}

/**
 * Probes one host: one SSH connection, one exec of the generated script. Never throws for a
 * host-side problem: an unreachable host comes back with reachable=false and the reason.
 */
export async function probeHost(
  t: ResolvedTarget,
  o: CheckOptions,
  progress: (phase: 'connecting' | 'collecting', detail?: string) => void = () => {},
): Promise<HostReport> {
  const ctx = probeContext(o);
  const probes: ScriptProbe[] = PROBE_IDS.map((id) => ({ id, command: PROBES[id].command(ctx) }));
  const boundary = newBoundary();
  const timeoutMs = o.timeoutMs ?? DEFAULTS.timeoutMs;
  let session;
  progress('connecting', `${t.user}@${t.host}:${t.port}`);
  try {
    session = await connect(t, { connectTimeoutMs: o.connectTimeoutMs ?? DEFAULTS.connectTimeoutMs });
  } catch (e) {
    if (isPreflightError(e)) return unprobed(t.target, e);
    throw e;
  }
  try {
    progress('collecting', `${probes.length} probes`);
    const script = buildScript(probes, boundary, Math.max(1, Math.floor(timeoutMs / 1000)));
    const command = o.sudo ? 'sudo -n /bin/sh -s' : '/bin/sh -s';
    const r = await session.exec(command, script, timeoutMs);
    const split = splitOutput(probes, boundary, capture(r.stdout), capture(r.stderr));
    const { facts, failures } = buildFacts(split.outputs, split.missing);
    let error: HostReport['error'] = null;
    if (r.interrupted === 'timeout') error = { code: 'MP_COLLECT_TIMEOUT', message: `collection timed out after ${timeoutMs} ms; ${split.missing.length} probes did not run` };
    else if (r.interrupted === 'dropped') error = { code: 'MP_COLLECT_DROPPED', message: `connection dropped during collection; ${split.missing.length} probes did not run` };
    else if (Object.keys(split.outputs).length === 0) {
      const stderr = Buffer.concat(r.stderr.map((c) => c.data)).toString('utf8').trim();
      const e = new CollectError(
        /sudo:.*password/i.test(stderr)
          ? `${t.target}: sudo -n needs a password here; grant NOPASSWD for the probe commands or run as root (needs root)`
          : `${t.target}: the probe script did not run (exit ${r.exitCode ?? 'none'}): ${stderr.slice(0, 200) || 'no output'}`,
      );
      error = { code: e.code, message: e.message };
    }
    const hostname = facts.host?.hostname ?? null;
    return { target: t.target, hostname, reachable: true, error, hostKey: session.hostKey, facts, probes: split.outputs, probeErrors: failures };
  } finally {
    session.close();
  }
}

/** Adds the derived facts of the move itself (which domains leave the source). */
function withMigration(src: HostReport, domains: readonly string[]): HostReport {
  const all = src.facts.libvirt?.domains;
  if (!all) return src;
  return { ...src, facts: { ...src.facts, migration: selectDomains(all, domains) } };
}

/** Results that come from the run itself rather than from a rule file. */
function selectionResults(src: HostReport): RuleResult[] {
  const missing = src.facts.migration?.missing ?? [];
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
      remediation: 'Check the -d names against `virsh list --all` on the source.',
      references: [],
      waiver: null,
    },
  ];
}

/** Loads the rule set a check would use (built-ins, then -r files), applying --only/--skip. */
export function rulesFor(o: Pick<CheckOptions, 'rules' | 'only' | 'skip'>): RuleSet {
  const set = loadRules(o.rules ?? []);
  return { ...set, rules: selectRules(set.rules, o.only ?? [], o.skip ?? []) };
}

/**
 * Checks whether `src` can migrate its domains to `dst`. Throws only for bad input (usage,
 * rule files, ssh_config: nothing probed); host failures are part of the returned report.
 */
export async function check(o: CheckOptions, ruleSet: RuleSet = rulesFor(o)): Promise<Report> {
  const started = new Date();
  const t0 = performance.now();
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
  const run = async (side: Side): Promise<HostReport> => {
    const h = await probeHost(targets[side], o, (phase, detail) => o.onProgress?.(side, phase, detail));
    o.onProgress?.(side, h.error ? 'failed' : 'done', h.error?.message ?? h.hostname ?? undefined);
    return h;
  };
  const [srcRaw, dst] = await Promise.all([run('src'), run('dst')]);
  const hosts = { src: withMigration(srcRaw, o.domains ?? []), dst };
  const results = [...selectionResults(hosts.src), ...ruleSet.rules.map((r) => evaluateRule(r, hosts, { hypervisor: 'kvm' }))];
  const failOn = o.failOn ?? DEFAULTS.failOn;
  return {
    schemaVersion: 1,
    tool: { name: TOOL.name, version: TOOL.version },
    startedAt: started.toISOString(),
    finishedAt: new Date().toISOString(),
    durationMs: Math.round(performance.now() - t0),
    options: {
      libvirtUri: o.libvirtUri ?? DEFAULTS.libvirtUri,
      domains: o.domains ?? [],
      transport: o.transport ?? DEFAULTS.transport,
      failOn,
      sudo: o.sudo ?? false,
      rules: o.rules ?? [],
      only: o.only ?? [],
      skip: o.skip ?? [],
    },
    rulesets: ruleSet.files,
    hosts,
    results,
    summary: summarize(results, hosts, failOn),
  };
}
