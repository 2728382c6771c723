import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { compareWithBaseline } from '../../src/checks/drift.js';
import { applyWaivers, isExpired, parseWaiverFile } from '../../src/checks/waivers.js';
import { WaiverFileError } from '../../src/errors.js';
import { validateReport } from '../../src/report/read.js';
import { REPORT_SCHEMA } from '../../src/report/report-schema.js';
import { checkEvidence, replay } from '../../src/replay.js';
import type { Report, RuleResult } from '../../src/types.js';

const FIX = fileURLToPath(new URL('../fixtures/reports/', import.meta.url));
const load = (name: string): Report => JSON.parse(readFileSync(join(FIX, name), 'utf8')) as Report;
const BIN = fileURLToPath(new URL('../../dist/bin/migrate-preflight.js', import.meta.url));
const cli = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
const tmp = (): string => mkdtempSync(join(tmpdir(), 'mp-waive-'));

describe('report schema', () => {
  it.each(['clean.json', 'problems.json', 'unreachable.json', 'baseline.json'])('%s (a real report of the lab) validates against the published schema', (f) => {
    const ok = validateReport(load(f));
    expect(validateReport.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });
  it('rejects a report with a wrong status or a missing field', () => {
    const r = load('clean.json');
    expect(validateReport({ ...r, results: [{ ...r.results[0], status: 'maybe' }] })).toBe(false);
    const { summary: _s, ...noSummary } = r;
    expect(validateReport(noSummary)).toBe(false);
  });
  it('`schema report` prints the schema the reader validates with', () => {
    const out = cli('schema', 'report');
    expect(out.status).toBe(0);
    expect(JSON.parse(out.stdout)).toEqual(JSON.parse(JSON.stringify(REPORT_SCHEMA)));
  });
  it('keys come out in a stable order', () => {
    const r = load('problems.json');
    expect(Object.keys(r)).toEqual(['schemaVersion', 'tool', 'startedAt', 'finishedAt', 'durationMs', 'runBy', 'options', 'rulesets', 'hosts', 'results', 'domains', 'measurements', 'waivers', 'drift', 'replayOf', 'summary']);
  });
});

describe('waivers', () => {
  const file = `waivers:
  - rule: cpu.model
    justification: accepted for the window CHG-1
    approver: jane
    expires: 2030-01-31
  - rule: "time.*"
    hosts: "hv3*"
    justification: NTP being replaced, see CHG-2
    approver: ops
    expires: 2020-01-31
`;
  it('parses with the source line of each waiver', () => {
    const w = parseWaiverFile(file, '/tmp/w.yaml');
    expect(w.map((x) => [x.rule, x.hosts, x.source.line])).toEqual([
      ['cpu.model', null, 2],
      ['time.*', 'hv3*', 6],
    ]);
  });
  it('refuses a bad file with file:line:column and the waiver', () => {
    const bad = (t: string): string => {
      try {
        parseWaiverFile(t, '/tmp/w.yaml');
      } catch (e) {
        expect(e).toBeInstanceOf(WaiverFileError);
        return (e as Error).message;
      }
      throw new Error('expected an error');
    };
    expect(bad(file.replace('expires: 2030-01-31', 'expires: next week'))).toBe('/tmp/w.yaml:5:14 waiver for cpu.model: expires "next week" is malformed (must match ^\\d{4}-\\d{2}-\\d{2}$)');
    expect(bad(file.replace('    approver: jane\n', ''))).toBe('/tmp/w.yaml:2:5 waiver for cpu.model: missing "approver"');
    expect(bad(file.replace('expires: 2030-01-31', 'expires: 2030-02-31'))).toMatch(/^\/tmp\/w\.yaml:5:14 waiver for cpu\.model: "2030-02-31" is not a date$/);
    expect(bad(file.replace('justification: accepted', 'justifcation: accepted'))).toMatch(/:3:5 waiver for cpu\.model: unknown key "justifcation"$/);
  });
  it('a waiver counts through its expiry day (UTC)', () => {
    const [w] = parseWaiverFile(file, '/tmp/w.yaml');
    expect(isExpired(w!, new Date('2030-01-31T23:59:59Z'))).toBe(false);
    expect(isExpired(w!, new Date('2030-02-01T00:00:00Z'))).toBe(true);
  });
  it('applies to failures only, by id glob and host pattern; reports expired and unused ones', () => {
    const rep = load('problems.json');
    const raw = rep.results.map((r): RuleResult => (r.status === 'waived' ? ({ ...r, status: 'fail', waiver: null } as RuleResult) : r));
    const waivers = parseWaiverFile(`${file}  - rule: cpu.arch\n    justification: never needed here\n    approver: x\n    expires: 2099-01-01\n`, '/tmp/w.yaml');
    const out = applyWaivers(raw, waivers, rep.hosts, new Date('2026-11-22T00:00:00Z'));
    expect(out.results.find((r) => r.id === 'cpu.model')).toMatchObject({ status: 'waived', waiver: { approver: 'jane' } });
    expect(out.results.find((r) => r.id === 'time.skew')?.status).toBe('fail'); // its waiver expired
    expect(out.results.find((r) => r.id === 'cpu.arch')?.status).toBe('pass'); // nothing to waive
    expect(out.waivers.map((w) => w.state)).toEqual(['applied', 'expired', 'unused']);
  });
  it('a host pattern that names neither host does not apply', () => {
    const rep = load('problems.json');
    const w = parseWaiverFile('waivers:\n  - rule: cpu.nx\n    hosts: "hv9*"\n    justification: only for the hv9 rebuild\n    approver: x\n    expires: 2099-01-01\n', '/tmp/w.yaml');
    expect(applyWaivers(rep.results, w, rep.hosts, new Date()).results.find((r) => r.id === 'cpu.nx')?.status).toBe('fail');
  });
});

describe('drift', () => {
  it('names new, resolved and changed findings (a waived failure is still a finding)', () => {
    const base = load('baseline.json');
    const now = load('problems.json');
    const d = compareWithBaseline(base, now.results, { path: 'b.json', sha256: 'x' });
    // The baseline moved db01 only: web01's failures are new, named "id [domain]"; db01's were already there.
    const web01 = ['domain.names-unique [web01]', 'domain.uuids-unique [web01]', 'network.bridges [web01]', 'network.libvirt-networks [web01]', 'storage.disk-paths [web01]'];
    expect(d.new).toEqual(web01);
    expect(d.resolved).toEqual([]);
    expect(d.changed).toEqual([]);
    const back = compareWithBaseline(now, base.results, { path: 'p.json', sha256: 'y' });
    expect(back.resolved).toEqual(web01);
    const edited = base.results.map((r) => (r.id === 'cpu.flags' ? { ...r, message: `${r.message}, avx512f` } : r));
    expect(compareWithBaseline(base, edited, { path: 'b', sha256: 'z' }).changed.map((c) => c.id)).toEqual(['cpu.flags']);
  });
});

describe('replay (no host contacted)', () => {
  const strip = (rs: readonly RuleResult[]) => rs.map((r) => JSON.stringify(r));
  it.each(['clean.json', 'unreachable.json', 'baseline.json'])('reproduces %s exactly from its raw evidence', (f) => {
    const saved = load(f);
    const again = replay(join(FIX, f), { now: new Date(saved.startedAt) });
    expect(strip(again.results)).toEqual(strip(saved.results));
    expect(again.summary).toEqual(saved.summary);
    expect(again.hosts.src.facts).toEqual(saved.hosts.src.facts);
    expect(again.replayOf).toMatchObject({ path: join(FIX, f), sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
  });
  it('reproduces problems.json with the same waivers and baseline', () => {
    const saved = load('problems.json');
    const again = replay(join(FIX, 'problems.json'), { now: new Date(saved.startedAt), waivers: join(FIX, 'waivers.yaml'), baseline: join(FIX, 'baseline.json') });
    expect(strip(again.results)).toEqual(strip(saved.results));
    expect(again.waivers.map((w) => w.state)).toEqual(saved.waivers.map((w) => w.state));
    expect(again.drift?.new).toEqual(saved.drift?.new);
  });
  it('re-evaluates with a new rule file: a site rule over the stored evidence', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'site.yaml'), 'rules:\n  - id: site.min-cpus\n    title: at least 4 CPUs\n    severity: major\n    assert: { op: at-least, side: dst, path: host.cpus, value: 4 }\n');
    const again = replay(join(FIX, 'clean.json'), { rules: [join(dir, 'site.yaml')] });
    expect(again.results.find((r) => r.id === 'site.min-cpus')).toMatchObject({ status: 'fail', message: expect.stringMatching(/^destination host\.cpus: \d is below 4$/) });
    expect(again.summary.exitCode).toBe(1);
  });
});

describe('exit codes of the contract (through the CLI, on replayed reports)', () => {
  it.each([
    ['clean.json', [], 0],
    ['problems.json', [], 1],
    ['problems.json', ['--fail-on', 'never'], 0],
    ['problems.json', ['--fail-on', 'critical'], 1],
    ['problems.json', ['--only', 'cpu.model,time.skew'.split(',')[0] as string, '--waivers', join(FIX, 'waivers.yaml')], 0],
    ['problems.json', ['--only', 'tag:time', '--fail-on', 'minor'], 1],
    ['unreachable.json', ['--fail-on', 'never'], 3],
  ] as const)('replay %s %j exits %i', (f, extra, code) => {
    const r = cli('replay', join(FIX, f), '--quiet', ...extra);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(code);
  });
  it('a selector typo or an empty selection exits 2 naming it; a selection that decides nothing exits 3, never GO', () => {
    const typo = cli('replay', join(FIX, 'problems.json'), '--only', 'cpu.nxx');
    expect({ status: typo.status, stdout: typo.stdout }).toEqual({ status: 2, stdout: '' });
    expect(typo.stderr).toMatch(/^migrate-preflight: MP_USAGE: --only "cpu\.nxx" matches no rule; nearest: cpu\.nx \(/);
    expect(cli('replay', join(FIX, 'problems.json'), '--skip', '*').status).toBe(2);
    // The xen rules on a KVM pair: all skip.
    const xen = cli('replay', join(FIX, 'clean.json'), '--only', 'xen.*');
    expect(xen.status).toBe(3);
    expect(xen.stdout).toMatch(/No rule at or above --fail-on major was decided/);
    expect(xen.stdout).toMatch(/^INCOMPLETE {2}.* \d+ rules left out by --only\/--skip \(fail-on major, exit 3,/m);
  });
  it('evidence edited after collection is flagged on the console and in the report; --strict refuses it', () => {
    const dir = tmp();
    const saved = JSON.parse(readFileSync(join(FIX, 'clean.json'), 'utf8')) as Report;
    // The stored evidence of the clean pair verifies.
    expect(checkEvidence(saved)).toMatchObject({ altered: [] });
    const probe = saved.hosts.dst.probes.cpuinfo as { stdout: string };
    probe.stdout = probe.stdout.replace(/\bflags\s*:/, 'flags\t\t: avx512f');
    writeFileSync(join(dir, 'edited.json'), JSON.stringify(saved));
    const r = cli('replay', join(dir, 'edited.json'), '--json', join(dir, 'out.json'));
    expect(r.stdout).toMatch(/^ {2}EVIDENCE ALTERED: the stdout of dst:cpuinfo no longer matches its recorded sha256$/m);
    expect((JSON.parse(readFileSync(join(dir, 'out.json'), 'utf8')) as Report).replayOf).toMatchObject({ altered: ['dst:cpuinfo'] });
    const strict = cli('replay', join(dir, 'edited.json'), '--strict');
    expect({ status: strict.status, stdout: strict.stdout }).toEqual({ status: 2, stdout: '' });
    expect(strict.stderr).toMatch(/evidence altered: the stdout of dst:cpuinfo no longer matches its recorded sha256; refused \(--strict\)/);
    expect(cli('replay', join(FIX, 'clean.json'), '--strict', '-q').status).toBe(0);
  });

  it('a file that starts with terminal escapes: the error line carries none of them', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'evil.json'), '\u001b]0;pwned\u0007\u001b[2J{"x":1}');
    const r = cli('replay', join(dir, 'evil.json'));
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^migrate-preflight: MP_REPORT_READ: .*evil\.json: not JSON/);
    expect(r.stderr).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
  });

  it('a bad waivers file exits 2 with its location; so does a file that is not a report', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'w.yaml'), 'waivers:\n  - rule: cpu.nx\n');
    const w = cli('replay', join(FIX, 'clean.json'), '--waivers', join(dir, 'w.yaml'));
    expect(w.status).toBe(2);
    expect(w.stderr.trim()).toBe(`migrate-preflight: MP_WAIVER_FILE: ${join(dir, 'w.yaml')}:2:5 waiver for cpu.nx: missing "justification"`);
    writeFileSync(join(dir, 'r.json'), '{"schemaVersion": 2}');
    const r = cli('replay', join(dir, 'r.json'));
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/MP_REPORT_READ: .*r\.json: not a migrate-preflight report/);
  });
  it('replay writes the JSON report atomically and it validates', () => {
    const dir = tmp();
    const r = cli('replay', join(FIX, 'problems.json'), '--quiet', '--json', join(dir, 'out.json'));
    expect(r.status).toBe(1);
    const out = JSON.parse(readFileSync(join(dir, 'out.json'), 'utf8')) as Report;
    expect(validateReport(out)).toBe(true);
    expect(out.replayOf?.path).toBe(join(FIX, 'problems.json'));
  });
  it('a report path that cannot be written is a usage error before anything runs (exit 2, nothing printed)', () => {
    for (const [path, why] of [
      ['/nonexistent/dir/r.json', 'directory /nonexistent/dir does not exist'],
      [FIX, `${FIX} is a directory`],
      [`${join(FIX, 'clean.json')}/r.json`, `${join(FIX, 'clean.json')} is not a directory`],
    ]) {
      const r = cli('replay', join(FIX, 'clean.json'), '--json', path as string);
      expect({ status: r.status, stdout: r.stdout }).toEqual({ status: 2, stdout: '' });
      expect(r.stderr).toContain(why as string);
    }
    const two = cli('replay', join(FIX, 'clean.json'), '--json', '-', '--html', '-');
    expect(two.status).toBe(2);
    expect(two.stderr).toMatch(/only one report can go to stdout/);
  });

  // /proc passes the check (root may write in any directory) but refuses new files: the write itself fails.
  it.skipIf(process.getuid?.() !== 0)('a write that fails late: the summary states exit 3, which the process returns, and the error follows', () => {
    const r = cli('replay', join(FIX, 'clean.json'), '--json', '/proc/report.json');
    expect(r.status).toBe(3);
    expect(r.stdout).toMatch(/^INCOMPLETE .*exit 3,/m);
    expect(r.stderr).toMatch(/MP_REPORT_WRITE: cannot write report \/proc\/report\.json: E[A-Z]+/);
  });
});
