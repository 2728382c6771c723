import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import junitModule from 'junit-report-builder';
import type { Builder } from 'junit-report-builder';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { loadRules } from '../../src/checks/rules.js';
import { renderJunit } from '../../src/report/junit.js';
import type { ReportContext } from '../../src/report/index.js';
import type { Report, RuleResult } from '../../src/types.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'reports');
const load = (name: string): Report => JSON.parse(readFileSync(join(FIXTURES, `${name}.json`), 'utf8')) as Report;
const CTX: ReportContext = { color: false, quiet: false, reportSha256: 'f00dfeed'.repeat(8) };

interface Counts {
  tests: number;
  failures: number;
  errors: number;
  skipped: number;
}

/** What the report says each category's suite must hold. */
function expectedSuites(report: Report, category: (r: RuleResult) => string): Map<string, Counts> {
  const m = new Map<string, Counts>();
  for (const r of report.results) {
    const c = category(r);
    const n = m.get(c) ?? { tests: 0, failures: 0, errors: 0, skipped: 0 };
    n.tests++;
    if (r.status === 'fail') n.failures++;
    if (r.status === 'error') n.errors++;
    if (r.status === 'skip' || r.status === 'waived') n.skipped++;
    m.set(c, n);
  }
  return m;
}
/** A result's name in JUnit: the rule id, with the domain for per-domain results ("network.bridges [web01]"). */
const key = (r: RuleResult): string => (r.domain ? `${r.id} [${r.domain}]` : r.id);
const prefix = (r: RuleResult): string => (r.id === 'domain.selection' ? 'run' : r.id.slice(0, r.id.indexOf('.')));
const pairOf = (report: Report): string => `${report.hosts.src.target} -> ${report.hosts.dst.target}`;

// --- our own reading of the XML (structure) -------------------------------------------------

interface PCase {
  '@_classname': string;
  '@_name': string;
  failure?: { '@_message'?: string; '@_type'?: string; '#text'?: string };
  error?: { '@_message'?: string; '@_type'?: string; '#text'?: string };
  skipped?: { '@_message'?: string } | '';
}
interface PSuite {
  '@_name': string;
  '@_timestamp': string;
  '@_tests': string;
  '@_failures': string;
  '@_errors': string;
  '@_skipped': string;
  properties: { property: { '@_name': string; '@_value': string }[] };
  testcase: PCase[];
}
interface PDoc {
  testsuites: { '@_name': string; '@_tests': string; '@_failures': string; '@_errors': string; '@_skipped': string; testsuite: PSuite[] };
}
const parser = new XMLParser({
  ignoreAttributes: false,
  parseAttributeValue: false,
  parseTagValue: false,
  isArray: (name) => ['testsuite', 'testcase', 'property'].includes(name),
});
function parse(xml: string): PDoc {
  expect(XMLValidator.validate(xml)).toBe(true);
  return parser.parse(xml) as PDoc;
}
const props = (s: PSuite): Record<string, string> => Object.fromEntries(s.properties.property.map((p) => [p['@_name'], p['@_value']]));

// --- a real JUnit consumer: Debian's python3-junitparser ------------------------------------

/** Debian's package installs into the system python, which a pyenv/venv `python3` on PATH may not see. */
function findJunitparserPython(): string | null {
  const candidates = [process.env.MP_JUNITPARSER_PYTHON, 'python3', '/usr/bin/python3'].filter((c): c is string => !!c);
  for (const py of candidates) {
    const r = spawnSync(py, ['-c', 'import junitparser'], { encoding: 'utf8' });
    if (r.status === 0) return py;
  }
  return null;
}
const PYTHON = findJunitparserPython();
if (!PYTHON) {
  console.warn(
    '\n*** report-junit: python3 with junitparser NOT FOUND: the JUnit output is NOT being validated by a real consumer. ' +
      'Install it with `apt-get install -y python3-junitparser` (or set MP_JUNITPARSER_PYTHON). ***\n',
  );
}
const XMLLINT = spawnSync('xmllint', ['--version'], { encoding: 'utf8' }).status === 0;
if (!XMLLINT) console.warn('\n*** report-junit: xmllint NOT FOUND (apt-get install -y libxml2-utils): well-formedness not checked by libxml2. ***\n');

const JUNITPARSER_SCRIPT = `
import json, sys
from junitparser import JUnitXml, Failure, Error, Skipped
xml = JUnitXml.fromfile(sys.argv[1])
def res(r):
    return {"kind": type(r).__name__, "message": r.message, "type": r.type, "text": r.text}
suites = []
for s in xml:
    cases = list(s)
    n = lambda kind: sum(1 for c in cases if any(isinstance(r, kind) for r in c.result))
    suites.append({
        "name": s.name, "timestamp": s.timestamp,
        "declared": {"tests": s.tests, "failures": s.failures, "errors": s.errors, "skipped": s.skipped},
        "counted": {"tests": len(cases), "failures": n(Failure), "errors": n(Error), "skipped": n(Skipped)},
        "properties": [[p.name, p.value] for p in s.properties()],
        "cases": [{"classname": c.classname, "name": c.name, "results": [res(r) for r in c.result],
                   "systemOut": c.system_out} for c in cases],
    })
print(json.dumps({"name": xml.name, "declared": {"tests": xml.tests, "failures": xml.failures, "errors": xml.errors, "skipped": xml.skipped}, "suites": suites}))
`;
interface JpResult {
  kind: 'Failure' | 'Error' | 'Skipped';
  message: string | null;
  type: string | null;
  text: string | null;
}
interface JpSuite {
  name: string;
  timestamp: string;
  declared: Counts;
  counted: Counts;
  properties: [string, string][];
  cases: { classname: string; name: string; results: JpResult[]; systemOut: string | null }[];
}
interface JpDoc {
  name: string;
  declared: Counts;
  suites: JpSuite[];
}

const tmp = mkdtempSync(join(tmpdir(), 'mp-junit-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let fileNo = 0;
function writeTmp(xml: string): string {
  const file = join(tmp, `report-${++fileNo}.xml`);
  writeFileSync(file, xml, 'utf8');
  return file;
}
function junitparser(xml: string): JpDoc {
  const r = spawnSync(PYTHON!, ['-c', JUNITPARSER_SCRIPT, writeTmp(xml)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`junitparser failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout) as JpDoc;
}
function xmllint(xml: string): { status: number | null; stderr: string } {
  const r = spawnSync('xmllint', ['--noout', writeTmp(xml)], { encoding: 'utf8' });
  return { status: r.status, stderr: r.stderr };
}

/** Characters XML 1.0 forbids (lone surrogates included: a UTF-8 file write would hide them). */
const XML_ILLEGAL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

const HOSTILE = 'bad\u0000nul \u001b[31mred\u001b[0m ]]> cdata ]]> twice <tag> & amp \uDC00lone-low x\uD800lone-high \uFFFE end';

/** problems.json with host-controlled text made hostile in a failure, the waived result, and evidence. */
function hostileReport(): Report {
  const base = load('problems');
  const results = base.results.map((r): RuleResult => {
    if (r.id === 'cpu.model' && r.status === 'waived') {
      return { ...r, message: HOSTILE, evidence: { src: HOSTILE, dst: { nested: [HOSTILE] } }, waiver: { ...r.waiver, justification: `why ${HOSTILE}` } };
    }
    if (r.id === 'network.bridges') return { ...r, message: `lacks ${HOSTILE}`, evidence: { src: [HOSTILE], dst: HOSTILE }, remediation: `fix ${HOSTILE}` };
    return r;
  });
  return { ...base, results, hosts: { ...base.hosts, dst: { ...base.hosts.dst, hostname: `hv3${HOSTILE}` } } };
}

// -------------------------------------------------------------------------------------------

describe('renderJunit: structure of the real reports', () => {
  for (const name of ['clean', 'problems', 'unreachable']) {
    it(`${name}.json: suites per category, counts equal report.summary`, () => {
      const report = load(name);
      const doc = parse(renderJunit(report, CTX));
      const root = doc.testsuites;
      const s = report.summary;
      expect(root['@_name']).toBe(`migrate-preflight ${pairOf(report)}`);
      expect(Number(root['@_tests'])).toBe(s.total);
      expect(Number(root['@_failures'])).toBe(s.fail);
      expect(Number(root['@_errors'])).toBe(s.error);
      expect(Number(root['@_skipped'])).toBe(s.skip + s.waived);

      const expected = expectedSuites(report, prefix);
      expect(root.testsuite.map((t) => t['@_name'])).toEqual([...expected.keys()].map((c) => `migrate-preflight ${pairOf(report)}: ${c}`));
      let total = { tests: 0, failures: 0, errors: 0, skipped: 0, passed: 0 };
      for (const suite of root.testsuite) {
        const category = suite['@_name'].split(': ').at(-1)!;
        const cases = suite.testcase;
        const counted = {
          tests: cases.length,
          failures: cases.filter((c) => c.failure !== undefined).length,
          errors: cases.filter((c) => c.error !== undefined).length,
          skipped: cases.filter((c) => c.skipped !== undefined).length,
        };
        expect(counted).toEqual(expected.get(category));
        expect({ tests: Number(suite['@_tests']), failures: Number(suite['@_failures']), errors: Number(suite['@_errors']), skipped: Number(suite['@_skipped']) }).toEqual(counted);
        expect(suite['@_timestamp']).toBe(report.startedAt);
        total = {
          tests: total.tests + counted.tests,
          failures: total.failures + counted.failures,
          errors: total.errors + counted.errors,
          skipped: total.skipped + counted.skipped,
          passed: total.passed + cases.filter((c) => !c.failure && !c.error && c.skipped === undefined).length,
        };
        for (const c of cases) {
          expect(c['@_classname']).toBe(`migrate-preflight.${report.hosts.src.target}->${report.hosts.dst.target}.${category}`);
          const r = report.results.find((x) => c['@_name'] === `${key(x)}: ${x.title}`);
          expect(r, c['@_name']).toBeDefined();
          expect(prefix(r!)).toBe(category);
        }
      }
      expect(total).toEqual({ tests: s.total, failures: s.fail, errors: s.error, skipped: s.skip + s.waived, passed: s.pass });
    });
  }

  /** The rules of the other migration modes, skipped in a live migration's report, as JUnit names them. */
  const MODE_SKIPS = [
    ['storage.block-space', 'The destination has a place, and room, for every disk the move copies'],
    ['storage.save-space', 'The save directory has room for the save images'],
    ['storage.image-format', 'Writable disks can hold internal snapshots (qcow2 or qed)'],
    ['network.migration-interface', 'Migration traffic has a network of its own, not the management one'],
    ['security.save-image', 'The save directory is not open to other users'],
  ].map(([id, title]) => [`${id}: ${title}`, { '@_message': 'not applicable to live migration (shared storage) (--mode live)' }]);
  /** The Xen rules, skipped on a KVM pair. */
  const XEN_SKIPS = loadRules()
    .rules.filter((r) => r.hypervisors?.includes('xen') && !r.hypervisors.includes('kvm'))
    .map((r) => [`${r.id}: ${r.title}`, { '@_message': 'not applicable to kvm hosts' }]);

  it("clean.json: one case per result, the passes and the skips (domain.machine-type, cpu.virt-ext and storage.disk-cache per domain: the lab driver is not QEMU; the other modes' rules; the Xen rules) as the report has them, in 12 category suites, no failure/error elements", () => {
    const report = load('clean');
    const n = (s: string): number => report.results.filter((r) => r.status === s).length;
    const xml = renderJunit(report, CTX);
    const doc = parse(xml);
    expect(doc.testsuites.testsuite.map((s) => s['@_name'].split(': ')[1])).toEqual([
      'hypervisor', 'cpu', 'domain', 'storage', 'firewall', 'network', 'time', 'security', 'host', 'resources', 'migration', 'xen',
    ]);
    const cases = doc.testsuites.testsuite.flatMap((s) => s.testcase);
    expect(XEN_SKIPS).toHaveLength(11);
    expect(cases).toHaveLength(report.results.length);
    expect(xml).not.toMatch(/<failure|<error/);
    expect(xml.match(/<skipped/g)).toHaveLength(n('skip'));
    expect(cases.filter((c) => c.skipped !== undefined).map((c) => [c['@_name'], c.skipped])).toEqual(
      expect.arrayContaining([
        ["domain.machine-type [web01]: The destination's QEMU offers the moving domain's machine type", { '@_message': 'not applicable: destination libvirt.hypervisor.name is TEST' }],
        ["domain.machine-type [db01]: The destination's QEMU offers the moving domain's machine type", { '@_message': 'not applicable: destination libvirt.hypervisor.name is TEST' }],
        ["cpu.virt-ext [web01]: The destination's libvirt offers each moving domain's virtualization type", { '@_message': 'not applicable: destination libvirt.hypervisor.name is TEST' }],
        ["storage.disk-cache [db01]: libvirt's storage safety check lets the live migration through", { '@_message': 'not applicable: source libvirt.hypervisor.name is TEST' }],
        ...MODE_SKIPS,
        ...XEN_SKIPS,
      ]),
    );
    expect(cases.filter((c) => c.skipped === undefined)).toHaveLength(n('pass'));
    expect(n('pass') + n('skip')).toBe(report.results.length);
  });

  it('problems.json: a failure carries message, severity, both values as JSON and the remediation', () => {
    const report = load('problems');
    const doc = parse(renderJunit(report, CTX));
    const cases = doc.testsuites.testsuite.flatMap((s) => s.testcase);
    const nx = cases.find((c) => c['@_name'] === 'cpu.nx: NX/XD (no-execute) bit set identically on both hosts')!;
    expect(nx['@_classname']).toBe('migrate-preflight.hv1->hv3.cpu');
    expect(nx.failure?.['@_message']).toBe('NX/XD bit: source true, destination false');
    expect(nx.failure?.['@_type']).toBe('equal.differs');
    const body = nx.failure?.['#text'] ?? '';
    expect(body).toContain('NX/XD bit: source true, destination false');
    expect(body).toContain('severity: critical');
    expect(body).toContain('source hv1: true');
    expect(body).toContain('destination hv3: false');
    expect(body).toContain('remediation: Enable Execute Disable / NX');
    const nets = cases.find((c) => c['@_name'].startsWith('network.libvirt-networks [web01]: '))!;
    expect(nets['@_classname']).toBe('migrate-preflight.hv1->hv3.network');
    expect(nets.failure?.['#text']).toContain('domain: web01');
    expect(nets.failure?.['#text']).toContain('destination hv3: [{"name":"default","bridge":"virbr1"}]');
    expect(nets.failure?.['#text']).toContain('drift: new since baseline test/fixtures/reports/baseline.json');
    // db01's missing bridge was already in the baseline (which moved db01 only): not new.
    const dbBridges = cases.find((c) => c['@_name'].startsWith('network.bridges [db01]: '))!;
    expect(dbBridges.failure?.['#text']).toContain('destination hv3: []');
    expect(dbBridges.failure?.['#text']).not.toContain('drift:');
    expect(cases.filter((c) => c.failure).length).toBe(14);
  });

  it('problems.json: the waived rule is <skipped> with "waived until DATE by APPROVER: JUSTIFICATION" (next to the not-applicable skips)', () => {
    const report = load('problems');
    const doc = parse(renderJunit(report, CTX));
    const skipped = doc.testsuites.testsuite.flatMap((s) => s.testcase).filter((c) => c.skipped !== undefined);
    expect(skipped).toHaveLength(report.summary.skip + report.summary.waived);
    expect(skipped[0]!['@_name']).toBe('cpu.model: Same CPU model on both hosts');
    expect(skipped[0]!.skipped).toEqual({
      '@_message': 'waived until 2099-12-31 by jane.doe@example.com: Guests on hv1 use named CPU models; Core2 destination accepted for the evacuation window CHG-1042.',
    });
    expect(skipped.slice(1).map((c) => [c['@_name'], c.skipped])).toEqual(
      expect.arrayContaining([
        ["domain.machine-type [web01]: The destination's QEMU offers the moving domain's machine type", { '@_message': 'not applicable: destination libvirt.hypervisor.name is TEST' }],
        ["domain.machine-type [db01]: The destination's QEMU offers the moving domain's machine type", { '@_message': 'not applicable: destination libvirt.hypervisor.name is TEST' }],
        ["cpu.virt-ext [web01]: The destination's libvirt offers each moving domain's virtualization type", { '@_message': 'not applicable: destination libvirt.hypervisor.name is TEST' }],
        ["storage.disk-cache [db01]: libvirt's storage safety check lets the live migration through", { '@_message': 'not applicable: source libvirt.hypervisor.name is TEST' }],
        ...MODE_SKIPS,
        ...XEN_SKIPS,
      ]),
    );
  });

  it('every suite carries the run properties', () => {
    for (const name of ['clean', 'problems', 'unreachable']) {
      const report = load(name);
      const doc = parse(renderJunit(report, CTX));
      for (const suite of doc.testsuites.testsuite) {
        const p = props(suite);
        expect(p).toMatchObject({
          'src.target': report.hosts.src.target,
          'src.hostname': report.hosts.src.hostname ?? '',
          'dst.target': report.hosts.dst.target,
          'dst.hostname': report.hosts.dst.hostname ?? '',
          'tool.name': 'migrate-preflight',
          'tool.version': report.tool.version,
          'fail-on': report.options.failOn,
          mode: 'live',
          hypervisor: 'KVM',
          'report.sha256': CTX.reportSha256,
        });
        expect(report.rulesets).toHaveLength(4);
        for (const rs of report.rulesets) expect(p[`ruleset:${rs.path}`]).toBe(rs.sha256);
      }
    }
  });

  it('unreachable.json: every rule of the mode is an error that names the host and the reason', () => {
    const report = load('unreachable');
    const doc = parse(renderJunit(report, CTX));
    const all = doc.testsuites.testsuite.flatMap((s) => s.testcase);
    // The rules of other modes do not apply whichever host answers.
    expect(all.filter((c) => c.skipped !== undefined).map((c) => [c['@_name'], c.skipped])).toEqual(expect.arrayContaining([...MODE_SKIPS, ...XEN_SKIPS]));
    const cases = all.filter((c) => c.skipped === undefined);
    expect([all.length, cases.length]).toEqual([report.results.length, report.summary.error]);
    for (const c of cases) {
      expect(c.failure).toBeUndefined();
      expect(c.error?.['@_message']).toMatch(/destination host hv4 was not probed: .*ECONNREFUSED 10\.203\.\d+\.14:22/);
      expect(c.error?.['#text']).toContain('destination host hv4 unreachable (MP_SSH_CONNECT)');
    }
    const ip = report.hosts.dst.connection?.host ?? '';
    expect(props(doc.testsuites.testsuite[0]!)['dst.error']).toBe(`destination host hv4 was not probed: MP_SSH_CONNECT: hv4 (root@${ip}:22): cannot connect: ECONNREFUSED ${ip}:22`);
  });

  it('an error whose message does not name the unreachable host gets the host and reason added', () => {
    const base = load('unreachable');
    const report: Report = { ...base, results: base.results.map((r) => ({ ...r, message: 'fact os.arch was not collected' })) };
    const doc = parse(renderJunit(report, CTX));
    const first = doc.testsuites.testsuite[0]!.testcase[0]!;
    // The lab's address range depends on the slot the lab that wrote the report had.
    const ip = base.hosts.dst.connection?.host;
    expect(ip).toMatch(/^10\.203\.\d+\.14$/);
    expect(first.error?.['@_message']).toBe(`fact os.arch was not collected; destination host hv4 was not probed: MP_SSH_CONNECT: hv4 (root@${ip}:22): cannot connect: ECONNREFUSED ${ip}:22`);
  });

  it('skip → <skipped message=reason>; synthetic domain.selection → the "run" suite', () => {
    const base = load('clean');
    const selection: RuleResult = {
      id: 'domain.selection', domain: null, title: 'Requested domains exist on the source', severity: 'critical', status: 'error',
      message: 'requested domain(s) not found on the source: nope', messageId: 'error.domain-missing', data: { missing: ['nope'] },
      evidence: { src: ['nope'] }, remediation: 'Check the -d names.', references: [], waiver: null,
    };
    const results: RuleResult[] = [
      selection,
      ...base.results.map((r): RuleResult => (r.id === 'storage.shared-mounts' ? { ...r, status: 'skip', message: 'not applicable: no network filesystem on the source' } : r)),
    ];
    const report: Report = { ...base, results, summary: { ...base.summary, total: 40, pass: 36, skip: 3, error: 1, exitCode: 3 } };
    const doc = parse(renderJunit(report, CTX));
    const run = doc.testsuites.testsuite.find((s) => s['@_name'] === 'migrate-preflight hv1 -> hv2: run')!;
    expect(run.testcase).toHaveLength(1);
    expect(run.testcase[0]!['@_classname']).toBe('migrate-preflight.hv1->hv2.run');
    expect(run.testcase[0]!['@_name']).toBe('domain.selection: Requested domains exist on the source');
    expect(run.testcase[0]!.error?.['@_message']).toBe('requested domain(s) not found on the source: nope');
    expect(doc.testsuites.testsuite.some((s) => s['@_name'].endsWith(': domain') && s.testcase.some((c) => c['@_name'].startsWith('domain.selection')))).toBe(false);
    const shared = doc.testsuites.testsuite.flatMap((s) => s.testcase).find((c) => c['@_name'].startsWith('storage.shared-mounts'))!;
    expect(shared.skipped).toEqual({ '@_message': 'not applicable: no network filesystem on the source' });
    // The synthetic skip plus clean.json's own (machine type and the like on the test driver, other modes, Xen rules).
    expect(doc.testsuites['@_skipped']).toBe(String(base.summary.skip + 1));
    expect(doc.testsuites['@_errors']).toBe('1');
  });

  it('dots in host names become "_" in the classname only (Jenkins splits packages at dots)', () => {
    const base = load('clean');
    const report: Report = { ...base, hosts: { src: { ...base.hosts.src, target: 'hv1.example.com' }, dst: { ...base.hosts.dst, target: 'root@10.0.0.2:2222' } } };
    const doc = parse(renderJunit(report, CTX));
    const suite = doc.testsuites.testsuite[0]!;
    expect(suite['@_name']).toBe('migrate-preflight hv1.example.com -> root@10.0.0.2:2222: hypervisor');
    expect(suite.testcase[0]!['@_classname']).toBe('migrate-preflight.hv1_example_com->root@10_0_0_2:2222.hypervisor');
    expect(props(suite)['src.target']).toBe('hv1.example.com');
  });
});

describe('renderJunit: purity and determinism', () => {
  it('same report → same bytes, whatever the clock says and whatever was rendered in between', () => {
    const problems = load('problems');
    const unreachable = load('unreachable');
    vi.useFakeTimers();
    try {
      vi.setSystemTime(new Date('2001-02-03T04:05:06Z'));
      const a = renderJunit(problems, CTX);
      vi.setSystemTime(new Date('2039-12-31T23:59:59Z'));
      renderJunit(unreachable, CTX);
      const b = renderJunit(problems, CTX);
      expect(b).toBe(a);
      const stamps = [...a.matchAll(/timestamp="([^"]*)"/g)].map((m) => m[1]);
      expect(stamps.length).toBe(parse(a).testsuites.testsuite.length);
      expect(new Set(stamps)).toEqual(new Set([problems.startedAt]));
      expect(a).not.toMatch(/2001-02-03|2039-12-31/);
    } finally {
      vi.useRealTimers();
    }
  });

  it('leaves the shared default builder of junit-report-builder empty', () => {
    renderJunit(load('problems'), CTX);
    const shared = ('default' in junitModule && junitModule.default ? junitModule.default : junitModule) as unknown as Builder;
    expect(shared.build()).toMatch(/<testsuites tests="0" failures="0" errors="0" skipped="0"\/>/);
  });

  it('does not mutate the report', () => {
    const report = load('problems');
    const before = JSON.stringify(report);
    renderJunit(report, CTX);
    expect(JSON.stringify(report)).toBe(before);
  });
});

describe('renderJunit: hostile text from hosts', () => {
  const hostile = hostileReport();
  const xml = renderJunit(hostile, CTX);

  it('contains no character XML 1.0 forbids and no terminal escape', () => {
    expect(XML_ILLEGAL.test(xml)).toBe(false);
    expect(xml).not.toContain('\u001b');
    expect(xml).not.toContain('\u0000');
  });

  it('is well-formed for our parser, with the text still readable', () => {
    const doc = parse(xml);
    const cases = doc.testsuites.testsuite.flatMap((s) => s.testcase);
    const bridges = cases.find((c) => c['@_name'].startsWith('network.bridges'))!;
    // Inside CDATA `]]>` cannot appear; the renderer shows it entity-style (xmlbuilder would split only the first).
    expect(bridges.failure?.['#text']).toContain('cdata ]]&gt; twice');
    expect(bridges.failure?.['#text']).toContain('<tag> & amp');
    expect(bridges.failure?.['#text']).toContain('fix bad\uFFFDnul');
    expect(doc.testsuites['@_failures']).toBe(String(hostile.summary.fail));
    expect(doc.testsuites['@_skipped']).toBe(String(hostile.summary.skip + hostile.summary.waived));
  });

  it.skipIf(!XMLLINT)('is well-formed for xmllint (libxml2)', () => {
    expect(xmllint(xml)).toEqual({ status: 0, stderr: '' });
  });

  // fast-xml-parser's validator accepts a stray `]]>` in content; libxml2 does not.
  it.skipIf(!XMLLINT)('the library alone would break on a second "]]>" (why the renderer neutralises them)', () => {
    const b = (('default' in junitModule && junitModule.default ? junitModule.default : junitModule) as unknown as Builder).newBuilder();
    b.testSuite().name('s').testCase().name('t').failure('m').stacktrace('a ]]> b ]]> c');
    const lint = xmllint(b.build());
    expect(lint.status).not.toBe(0);
    expect(lint.stderr).toContain("Sequence ']]>' not allowed in content");
  });
});

describe.skipIf(!PYTHON)('renderJunit: read by a real JUnit consumer (python3-junitparser)', () => {
  for (const name of ['clean', 'problems', 'unreachable']) {
    it(`${name}.json: per-suite and total tests/failures/errors/skipped equal the report`, () => {
      const report = load(name);
      const jp = junitparser(renderJunit(report, CTX));
      const expected = expectedSuites(report, prefix);
      expect(jp.name).toBe(`migrate-preflight ${pairOf(report)}`);
      expect(jp.suites.map((s) => s.name)).toEqual([...expected.keys()].map((c) => `migrate-preflight ${pairOf(report)}: ${c}`));
      for (const s of jp.suites) {
        const want = expected.get(s.name.split(': ').at(-1)!);
        expect(s.counted, s.name).toEqual(want);
        expect(s.declared, s.name).toEqual(want);
        expect(s.timestamp).toBe(report.startedAt);
        expect(Object.fromEntries(s.properties)).toMatchObject({ 'src.target': report.hosts.src.target, 'dst.target': report.hosts.dst.target, 'report.sha256': CTX.reportSha256 });
      }
      const sum = (k: keyof Counts): number => jp.suites.reduce((n, s) => n + s.counted[k], 0);
      const s = report.summary;
      expect({ tests: sum('tests'), failures: sum('failures'), errors: sum('errors'), skipped: sum('skipped') }).toEqual({ tests: s.total, failures: s.fail, errors: s.error, skipped: s.skip + s.waived });
      expect(jp.declared).toEqual({ tests: s.total, failures: s.fail, errors: s.error, skipped: s.skip + s.waived });
    });
  }

  it('problems.json: junitparser sees the waiver on the skipped case and the failure details', () => {
    const jp = junitparser(renderJunit(load('problems'), CTX));
    const cases = jp.suites.flatMap((s) => s.cases);
    const model = cases.find((c) => c.name === 'cpu.model: Same CPU model on both hosts')!;
    expect(model.classname).toBe('migrate-preflight.hv1->hv3.cpu');
    expect(model.results).toEqual([
      { kind: 'Skipped', message: 'waived until 2099-12-31 by jane.doe@example.com: Guests on hv1 use named CPU models; Core2 destination accepted for the evacuation window CHG-1042.', type: null, text: null },
    ]);
    expect(model.systemOut).toContain('waiver: test/fixtures/reports/waivers.yaml:3');
    const nx = cases.find((c) => c.name.startsWith('cpu.nx: '))!;
    expect(nx.results[0]).toMatchObject({ kind: 'Failure', message: 'NX/XD bit: source true, destination false', type: 'equal.differs' });
    expect(nx.results[0]!.text).toContain('destination hv3: false');
  });

  it('hostile text: junitparser parses it, counts hold, and the message keeps <, & and ]]>', () => {
    const report = hostileReport();
    const jp = junitparser(renderJunit(report, CTX));
    const cases = jp.suites.flatMap((s) => s.cases);
    expect(cases).toHaveLength(report.summary.total);
    expect(cases.filter((c) => c.results.some((r) => r.kind === 'Failure'))).toHaveLength(report.summary.fail);
    const bridges = cases.find((c) => c.name.startsWith('network.bridges'))!;
    const failure = bridges.results[0]!;
    expect(failure.message).toBe('lacks bad\uFFFDnul \uFFFDred\uFFFD ]]> cdata ]]> twice <tag> & amp \uFFFDlone-low x\uFFFDlone-high \uFFFD end');
    expect(failure.text).toContain('destination hv3');
    const model = cases.find((c) => c.name.startsWith('cpu.model'))!;
    expect(model.results[0]!.message).toContain('by jane.doe@example.com: why bad\uFFFDnul');
    expect(jp.suites[0]!.properties.find(([k]) => k === 'dst.hostname')?.[1]).toContain('hv3bad\uFFFDnul');
  });
});
