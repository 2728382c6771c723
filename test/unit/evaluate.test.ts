import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { evaluateRule, readPath, summarize } from '../../src/checks/evaluate.js';
import type { RuleSpec } from '../../src/checks/rule-schema.js';
import { buildFacts, selectDomains } from '../../src/checks/probes/index.js';
import type { DomainFact, HostFacts, HostReport, MigrationFacts, ProbeOutput, RuleResult } from '../../src/types.js';

function host(facts: HostFacts, extra: Partial<HostReport> = {}): HostReport {
  return { target: 'h', connection: null, hostname: 'h', reachable: true, error: null, hostKey: null, facts, probes: {}, probeErrors: [], ...extra };
}
const CTX = { hypervisor: 'kvm', transport: 'ssh', mode: 'live', dstSshPort: 22 } as const;
const cpu = (flags: string[], vendor = 'GenuineIntel') => ({ vendor, modelName: 'x', family: 6, model: 1, flags, count: 1, nx: flags.includes('nx'), virtExt: null });

const rules: Record<string, RuleSpec> = {
  arch: { id: 't.arch', title: 'arch', severity: 'critical', assert: { op: 'equal', path: 'os.arch' } },
  nx: { id: 't.nx', title: 'nx', severity: 'critical', when: { path: 'os.arch', in: ['x86_64'] }, assert: { op: 'equal', path: 'cpu.nx' }, message: 'NX/XD bit: source {src}, destination {dst}' },
  flags: { id: 't.flags', title: 'flags', severity: 'major', assert: { op: 'subset', path: 'cpu.flags', ignore: ['hypervisor'] } },
  names: { id: 't.names', title: 'names', severity: 'critical', assert: { op: 'disjoint', src: 'migration.domains.name', dst: 'libvirt.domains.name' }, message: 'destination already has {common}' },
};
const mig = (domains: DomainFact[]): MigrationFacts => ({
  domains, missing: [], bridges: [], networks: [], pools: [], sharedMounts: [], memoryKiB: [], hugepages: [], vcpus: [], cpuModes: [],
  disks: [], libvirtRefusals: [], blockers: [], guestCpus: [], machines: [], virtTypes: [], memoryReserveKiB: 0, convergence: [],
  mode: 'live', snapshotBlockers: [], saveImage: { bytes: 0, dir: null, sharedMount: null },
  transfer: { copyBytes: 0, bandwidthBytesPerSec: null, managementAddress: null, migrationAddresses: null },
});
const dom = (name: string, state: 'running' | 'shut off' = 'running'): DomainFact => ({ name, id: state === 'running' ? 1 : null, state, uuid: null });

const cases: { name: string; rule: RuleSpec; src: HostFacts; dst: HostFacts; status: RuleResult['status']; messageId: string; message?: string }[] = [
  { name: 'equal arch passes', rule: rules.arch!, src: { os: { arch: 'x86_64' } }, dst: { os: { arch: 'x86_64' } }, status: 'pass', messageId: 'pass' },
  { name: 'different arch fails', rule: rules.arch!, src: { os: { arch: 'x86_64' } }, dst: { os: { arch: 'aarch64' } }, status: 'fail', messageId: 'equal.differs', message: 'source has x86_64, destination has aarch64' },
  { name: 'nx missing on dst fails', rule: rules.nx!, src: { os: { arch: 'x86_64' }, cpu: cpu(['nx']) }, dst: { os: { arch: 'x86_64' }, cpu: cpu([]) }, status: 'fail', messageId: 'equal.differs', message: 'NX/XD bit: source true, destination false' },
  { name: 'nx rule skips off x86', rule: rules.nx!, src: { os: { arch: 'aarch64' }, cpu: cpu([]) }, dst: { os: { arch: 'aarch64' }, cpu: cpu([]) }, status: 'skip', messageId: 'skip.when', message: 'not applicable: source os.arch is aarch64' },
  { name: 'flag subset passes, ignored flags do not count', rule: rules.flags!, src: { cpu: cpu(['sse2', 'hypervisor']) }, dst: { cpu: cpu(['sse2', 'avx']) }, status: 'pass', messageId: 'pass' },
  { name: 'missing flags are listed sorted', rule: rules.flags!, src: { cpu: cpu(['sse2', 'pku', 'avx512f']) }, dst: { cpu: cpu(['sse2']) }, status: 'fail', messageId: 'subset.missing', message: 'destination lacks avx512f, pku (source has them)' },
  { name: 'domain already on dst fails', rule: rules.names!, src: { migration: mig([dom('web01')]) }, dst: { libvirt: { domains: [dom('web01', 'shut off'), dom('x')] } }, status: 'fail', messageId: 'disjoint.common', message: 'destination already has web01' },
  { name: 'distinct domains pass', rule: rules.names!, src: { migration: mig([dom('a')]) }, dst: { libvirt: { domains: [dom('b')] } }, status: 'pass', messageId: 'pass' },
  { name: 'missing fact is an error', rule: rules.arch!, src: { os: { arch: 'x86_64' } }, dst: {}, status: 'error', messageId: 'error.fact-missing', message: 'destination: fact os.arch was not collected' },
];

describe('evaluateRule (table)', () => {
  for (const c of cases) {
    it(c.name, () => {
      const r = evaluateRule(c.rule, { src: host(c.src), dst: host(c.dst) }, CTX);
      expect(r.status).toBe(c.status);
      expect(r.messageId).toBe(c.messageId);
      if (c.message) expect(r.message).toBe(c.message);
    });
  }

  it('names the failed probe when a fact is missing', () => {
    const dst = host({}, { probeErrors: [{ probe: 'uname-m', reason: 'command not found: sh: uname: not found' }] });
    const r = evaluateRule(rules.arch!, { src: host({ os: { arch: 'x86_64' } }), dst }, CTX);
    expect(r.message).toBe('destination: probe uname-m failed: command not found: sh: uname: not found');
  });

  it('an unreachable host makes every rule an error naming it', () => {
    const dst = host({}, { reachable: false, target: 'hv9', error: { code: 'MP_SSH_CONNECT', message: 'refused' } });
    const r = evaluateRule(rules.arch!, { src: host({ os: { arch: 'x86_64' } }), dst }, CTX);
    expect(r).toMatchObject({ status: 'error', message: 'destination host hv9 was not probed: refused' });
  });

  it('skips rules for another hypervisor', () => {
    const r = evaluateRule({ ...rules.arch!, hypervisors: ['xen'] }, { src: host({}), dst: host({}) }, CTX);
    expect(r).toMatchObject({ status: 'skip', messageId: 'skip.hypervisor' });
  });
});

describe('summarize: exit codes of the contract', () => {
  const res = (status: RuleResult['status'], severity: RuleResult['severity']): RuleResult =>
    ({ id: 'x', domain: null, title: 'x', severity, status, message: '', messageId: '', data: {}, evidence: {}, remediation: null, references: [], waiver: null }) as RuleResult;
  const ok = { src: host({}), dst: host({}) };
  it.each([
    [[res('pass', 'critical')], 'major', 0],
    [[res('fail', 'minor')], 'major', 0],
    [[res('fail', 'minor')], 'minor', 1],
    [[res('fail', 'critical')], 'never', 0],
    [[res('fail', 'major')], 'major', 1],
    [[res('error', 'major')], 'major', 3],
    [[res('error', 'minor')], 'major', 0],
  ] as const)('%j with fail-on %s exits %i', (results, failOn, code) => {
    expect(summarize(results, ok, failOn).exitCode).toBe(code);
  });
  it('a run whose selected rules decided nothing at or above --fail-on never says GO (exit 3); it counts what was left out', () => {
    const selection = { leftOut: 40, ids: new Set(['x']) };
    const always = { ...res('pass', 'critical'), id: 'hypervisor.match' } as RuleResult;
    // Only skips (xen rules on a KVM pair), or a pass below --fail-on: the checks every run makes do not count.
    expect(summarize([always, res('skip', 'major')], ok, 'major', selection)).toMatchObject({ exitCode: 3, ungated: true, leftOut: 40 });
    expect(summarize([always, res('pass', 'minor')], ok, 'major', selection)).toMatchObject({ exitCode: 3, ungated: true });
    expect(summarize([always, res('pass', 'minor')], ok, 'minor', selection)).toMatchObject({ exitCode: 0, leftOut: 40 });
    expect(summarize([always, res('pass', 'minor')], ok, 'minor', selection).ungated).toBeUndefined();
    // --fail-on never gates nothing by choice; a waived failure was decided.
    expect(summarize([res('skip', 'major')], ok, 'never', selection).exitCode).toBe(0);
    expect(summarize([res('waived', 'major')], ok, 'major', selection).exitCode).toBe(0);
    expect(summarize([res('pass', 'major')], ok, 'major', { leftOut: 0, ids: new Set(['x']) })).not.toHaveProperty('leftOut');
  });
  it('a host that could not be probed exits 3 even with failures', () => {
    const s = summarize([res('fail', 'critical')], { src: host({}), dst: host({}, { reachable: false, error: { code: 'MP_SSH_CONNECT', message: 'x' } }) }, 'major');
    expect(s).toMatchObject({ exitCode: 3, fail: 1, total: 1 });
  });
});

describe('facts', () => {
  const out = (stdout: string, exitCode = 0, stderr = ''): ProbeOutput => ({ command: 'x', exitCode, stdout, stderr, sha256: '', durationMs: 0 });
  it('joins virsh list and uuids, and records failed probes', () => {
    const { facts, failures } = buildFacts({
      'virsh-list': out(' Id   Name    State\n-----------------------\n 1    web01   running\n -    db01    shut off\n'),
      'virsh-uuids': out('6695eb01-f6a4-8304-79aa-97f2502e193f web01\n6695eb01-f6a4-8304-79aa-97f2502e1940 db01\n'),
      'uname-m': out('', 127, 'sh: 1: uname: not found\n'),
      'long-bit': out('sixty-four\n'),
    });
    expect(facts.libvirt?.domains).toEqual([
      { id: 1, name: 'web01', state: 'running', uuid: '6695eb01-f6a4-8304-79aa-97f2502e193f', xml: null },
      { id: null, name: 'db01', state: 'shut off', uuid: '6695eb01-f6a4-8304-79aa-97f2502e1940', xml: null },
    ]);
    expect(failures).toEqual([
      { probe: 'uname-m', reason: 'command not found: sh: 1: uname: not found' },
      { probe: 'long-bit', reason: 'unparsable output: long-bit: expected 32 or 64, got "sixty-four"' },
    ]);
  });
  it('selects running domains by default, the named ones with -d', () => {
    const all = [dom('a'), dom('b', 'shut off'), dom('c')];
    expect(selectDomains(all, []).domains.map((d) => d.name)).toEqual(['a', 'c']);
    expect(selectDomains(all, ['b', 'zz'])).toEqual({ domains: [all[1]], missing: ['zz'] });
  });
  it('an output is parsed once however often facts are built from it (the planner, then the report); changed text is parsed again', () => {
    const cpu = out(readFileSync(new URL('../fixtures/cpuinfo/lab-machine-xeon-2core.cpuinfo', import.meta.url), 'utf8'));
    const bad = out('sixty-four\n');
    const a = buildFacts({ cpuinfo: cpu, 'long-bit': bad });
    const b = buildFacts({ cpuinfo: cpu, 'long-bit': bad });
    expect(b.facts.cpu).toBe(a.facts.cpu);
    expect(b.failures).toEqual(a.failures);
    (cpu as { stdout: string }).stdout = cpu.stdout.replace(/^flags\s*:.*$/m, 'flags\t\t: fpu');
    expect(buildFacts({ cpuinfo: cpu }).facts.cpu?.flags).toEqual(['fpu']);
  });
  it('readPath maps over lists', () => {
    expect(readPath({ a: { b: [{ c: 1 }, { c: 2 }] } }, 'a.b.c')).toEqual([1, 2]);
    expect(readPath({ a: 1 }, 'a.b')).toBeUndefined();
  });
});
