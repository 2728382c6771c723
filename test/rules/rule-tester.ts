/**
 * RuleTester: one built-in rule, facts in, status and messageId out (ESLint's RuleTester, for
 * migration rules). Each case gives the source's and the destination's facts (and the run's mode or
 * transport where they matter); the tester loads the rule from rules/*.yaml, evaluates it as a run
 * would, and checks the status, the messageId and, where given, the message and the severity.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { evaluateRule, type EvalContext } from '../../src/checks/evaluate.js';
import { migrationFacts } from '../../src/checks/migration.js';
import type { MigrationPlan } from '../../src/checks/migration-plan.js';
import { loadRules } from '../../src/checks/rules.js';
import type { HostFacts, HostReport, RuleResult } from '../../src/types.js';

export interface RuleCase {
  readonly name: string;
  readonly src: HostFacts;
  readonly dst: HostFacts;
  readonly ctx?: Partial<EvalContext>;
  readonly status: RuleResult['status'];
  readonly messageId?: string;
  readonly message?: string | RegExp;
  /** The severity the result carries (a rule's escalate or modeSeverity at work). */
  readonly severity?: RuleResult['severity'];
  /**
   * A verdict the rule gets wrong today, with why: the case runs as vitest's it.fails (it passes
   * while the rule is wrong, and fails once the rule is fixed, so the marker is removed then).
   */
  readonly knownBug?: string;
}

const CTX: EvalContext = { hypervisor: 'kvm', transport: 'ssh', mode: 'live', dstSshPort: 22 };
const host = (target: string, facts: HostFacts): HostReport => ({ target, connection: null, hostname: target, reachable: true, error: null, hostKey: null, facts, probes: {}, probeErrors: [] });

/** Runs every case against the built-in rule `id`. */
export function testRule(id: string, cases: readonly RuleCase[]): void {
  const rule = loadRules().rules.find((r) => r.id === id);
  describe(`rule ${id}`, () => {
    it('is a built-in rule', () => expect(rule?.id).toBe(id));
    for (const c of cases) {
      (c.knownBug ? it.fails : it)(c.knownBug ? `${c.name} [known bug: ${c.knownBug}]` : c.name, () => {
        const r = evaluateRule(rule as NonNullable<typeof rule>, { src: host('src', c.src), dst: host('dst', c.dst) }, { ...CTX, ...c.ctx });
        expect({ status: r.status, ...(c.messageId ? { messageId: r.messageId } : {}) }).toEqual({ status: c.status, ...(c.messageId ? { messageId: c.messageId } : {}) });
        if (typeof c.message === 'string') expect(r.message).toBe(c.message);
        else if (c.message) expect(r.message).toMatch(c.message);
        if (c.severity) expect(r.severity).toBe(c.severity);
      });
    }
  });
}

/** A saved lab report's two hosts (test/fixtures/reports: real runs of the lab), as cases pick their facts out of it. */
export const labHosts = (name: string): Record<'src' | 'dst', any> => JSON.parse(readFileSync(new URL(`../fixtures/reports/${name}.json`, import.meta.url), 'utf8')).hosts;

/** A run's plan as migrationFacts reads it: live, every running domain, no --bandwidth, --dirty-rate or memory reserve, unless `o` says otherwise. */
export const migrationPlan = (o: Partial<MigrationPlan> = {}): MigrationPlan => ({ domains: [], bandwidth: null, dirtyBytesPerSec: null, maxDowntimeMs: 300, memoryReserveKiB: 0, mode: 'live', unsafe: false, ...o });

/** The move of `-d domains` (none: every running one) from a source, as a run derives it from the source's facts (with the 1 GiB memory reserve the lab runs used). */
export const movedFrom = (src: { libvirt?: object }, ...domains: string[]): HostFacts => ({ migration: migrationFacts(src as HostFacts, migrationPlan({ domains, memoryReserveKiB: 1048576 })) }) as HostFacts;

/** A source's libvirt facts as they are when `virsh dumpxml` failed: every domain's definition unknown. */
export const withoutDefinitions = <L extends { domains: readonly object[] }>(libvirt: L): L => ({ ...libvirt, domains: libvirt.domains.map((d) => ({ ...d, xml: null })) });
