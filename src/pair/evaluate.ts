import { evaluateScoped, summarize, type EvalContext } from '../checks/evaluate.js';
import { domainVerdicts, xenDomainVerdicts } from '../checks/verdicts.js';
import { firewallVerdict } from '../checks/firewall-check.js';
import { forDomain, migrationFacts, type MigrationPlan } from '../checks/migration.js';
import { MiB } from '../checks/units.js';
import type { RuleSet } from '../checks/rules.js';
import { compareWithBaseline } from '../checks/drift.js';
import type { Transport } from '../checks/vocabulary.js';
import { pairHypervisor } from '../checks/hypervisor-pair.js';
import { xenMoveFacts } from '../checks/xen-move.js';
import { applyWaivers } from '../checks/waivers.js';
import type { BandwidthMeasurement, HostReport, Report, ReportOptions, RuleResult, Waiver } from '../types.js';
import { DEFAULTS, type CheckOptions } from './options.js';

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

/** A pair ready for its rules: the source with the move derived, the hypervisor they share, and what every rule is evaluated with. */
export interface PairSetup {
  readonly hosts: { readonly src: HostReport; readonly dst: HostReport };
  readonly pair: ReturnType<typeof pairHypervisor>;
  readonly ctx: EvalContext;
  /** The results that come from the run, not from a rule file: hypervisor.match, and domain.selection. */
  readonly runResults: readonly RuleResult[];
}

/** Derives the move on the source and the evaluation context of a pair. Pure. */
export function pairSetup(probed: { readonly src: HostReport; readonly dst: HostReport }, options: ReportOptions, plan: MigrationPlan): PairSetup {
  const hosts = { src: withMigration(probed.src, plan), dst: probed.dst };
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
  return { hosts, pair, ctx, runResults: [pair.result, ...(pair.refused ? [] : selectionResults(hosts.src, pair.hypervisor))] };
}

/** Everything after probing, shared by check and replay. Pure. */
export function evaluateHosts(input: EvaluateInput): Pick<Report, 'hosts' | 'results' | 'domains' | 'measurements' | 'waivers' | 'drift' | 'summary'> {
  const { options } = input;
  const { hosts, pair, ctx, runResults } = pairSetup(input.hosts, options, planOf(options, input.bandwidth));
  const m = hosts.src.facts.migration;
  const evaluated = [...runResults, ...input.ruleSet.rules.flatMap((r) => evaluateScoped(r, hosts, ctx))];
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
