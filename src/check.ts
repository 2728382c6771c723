import { UsageError } from './errors.js';
import { loadRules, selectRuleSet, type RuleSet } from './checks/rules.js';
import { TOOL } from './paths.js';
import { loadSshConfig, resolveTarget, type ResolvedTarget, type TargetOverrides } from './ssh/target.js';
import { loadWaivers } from './checks/waivers.js';
import { readReport } from './report/read.js';
import type { HostReport, Report } from './types.js';
import type { CheckOptions } from './pair/options.js';
import { signalName } from './pair/sessions.js';
import { probePair } from './pair/probe.js';

export { DEFAULTS, type CheckOptions } from './pair/options.js';
export { open, unprobed } from './pair/sessions.js';
export { collection, type Collection, type Round } from './pair/collection.js';
export { collectSettings, probeHost } from './pair/probe.js';
export { hostReport } from './collection/hosts.js';

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
  const probing = probePair(targets, o, (side, phase, detail) => o.onProgress?.(side, phase, detail));
  // Evaluation and the report load while the hosts answer: they are not needed before.
  const loading = Promise.all([import('./pair/evaluate.js'), import('./pair/report.js')]);
  const collected = await probing;
  const [{ evaluateHosts, reportOptions }, { assembleReport, runBy }] = await loading;
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
