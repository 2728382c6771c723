import { describe, expect, it } from 'vitest';
import { reportOptions } from '../../src/pair/evaluate.js';
import { matrixViews } from '../../src/fleet/assemble.js';
import { cellsOfPairs } from '../../src/fleet/cells.js';
import { renderFleetConsole, renderFleetHtml, renderFleetJson } from '../../src/fleet/render.js';
import { pairsOf } from '../../src/fleet/render-layout.js';
import type { CpuBaseline, FleetPair, FleetReport, NewHostGate, PairVerdict } from '../../src/fleet/types.js';
import type { ExitCode, HostReport, Severity, Status } from '../../src/types.js';

// ---------------------------------------------------------------------------------------------
// A small builder for fleet reports
// ---------------------------------------------------------------------------------------------

type Problem = FleetPair['problems'][number];

const HOSTILE_HOSTNAME = 'hv3\u001b[31m<script>alert(1)</script>';
const HOSTILE_MESSAGE = 'port 49152 closed\u0007 by <b onmouseover="x()">nft</b>\u001b]8;;http://evil.example/\u0007click\u001b]8;;\u0007';
const HOSTILE_DOMAIN = '<img src=x onerror=alert(2)>';

function host(target: string, o: { hostname?: string | null; reachable?: boolean; kind?: 'kvm' | 'xen' | null; models?: string[] | null; modelsWhy?: string } = {}): HostReport {
  const reachable = o.reachable ?? true;
  return {
    target,
    connection: reachable ? { user: 'root', host: target, port: 22 } : null,
    hostname: o.hostname === undefined ? (reachable ? target : null) : o.hostname,
    reachable,
    error: reachable ? null : { code: 'ssh.connect', message: 'connection refused\u0007' },
    hostKey: reachable ? { type: 'ssh-ed25519', fingerprint: 'SHA256:abc', status: 'known' } : null,
    facts: reachable
      ? {
          hypervisor: { kind: o.kind === undefined ? 'kvm' : o.kind, toolstack: null, evidence: [] },
          libvirt: {
            cpuSupport: {
              flags: ['fpu'],
              models: o.models === null ? null : (o.models ?? ['Haswell-noTSX', 'Skylake-Client']).map((name) => ({ name, usable: 'yes' as const, blockers: [] })),
              modelsUnknownBecause: o.models === null ? (o.modelsWhy ?? 'virsh domcapabilities failed') : null,
            },
          },
        }
      : {},
    probes: {},
    probeErrors: [],
  };
}

function problem(id: string, severity: Severity, status: Status, message: string, domain: string | null = null, messageId = `${id}.x`): Problem {
  return { id, domain, severity, status, message, messageId };
}

const blocked = (): Problem[] =>
  ['cpu.flags', 'cpu.model', 'storage.pools'].map((id) => problem(id, 'major', 'error', 'hv4 was not probed: connection refused', null, 'error.unreachable'));

function pair(src: string, dst: string, verdict: PairVerdict, problems: Problem[] = [], domains: FleetPair['domains'] = [{ name: 'web01', verdict: verdict === 'go' ? 'go' : verdict === 'no-go' ? 'no-go' : 'unknown' }]): FleetPair {
  const n = (s: Status): number => problems.filter((p) => p.status === s).length;
  const exitCode: ExitCode = verdict === 'go' ? 0 : verdict === 'no-go' ? 1 : 2;
  return {
    src,
    dst,
    verdict,
    summary: { total: 40, pass: 40 - problems.length, fail: n('fail'), error: n('error'), skip: 0, waived: n('waived'), exitCode },
    problems,
    domains,
  };
}

const NO_BASELINE: CpuBaseline = { hosts: [], without: [], common: [], vendors: [], draggers: [], modelsEverywhere: null };

function fleet(hosts: HostReport[], pairs: FleetPair[], extra: { baseline?: CpuBaseline; newHost?: NewHostGate | null; exitCode?: ExitCode; unprobedMessage?: string } = {}): FleetReport {
  const count = (v: PairVerdict): number => pairs.filter((p) => p.verdict === v).length;
  const down = hosts.filter((h) => !h.reachable);
  return {
    schemaVersion: 1,
    kind: 'fleet',
    tool: { name: 'migrate-preflight', version: '0.1.0' },
    startedAt: '2026-11-22T00:31:57.427Z',
    finishedAt: '2026-11-22T00:32:09.777Z',
    durationMs: 12_345,
    phasesMs: { probing: 3000, evaluating: 400 },
    runBy: { user: 'ops', host: 'jump1' },
    options: {
      ...reportOptions({}),
      inventory: 'inventory.yaml',
      concurrency: 8,
      newHost: extra.newHost?.host ?? null,
    },
    rulesets: [{ path: 'rules/libvirt.yaml', sha256: 'a'.repeat(64) }],
    hosts,
    unprobed: down.map((h) => ({ target: h.target, code: h.error?.code ?? 'ssh.connect', message: extra.unprobedMessage ?? h.error?.message ?? 'unreachable' })),
    // The matrix as assemble.ts makes it, from the pairs in their order (named as the pairs name their hosts).
    ...matrixViews(cellsOfPairs(hosts.map((h, i) => pairs[i * (hosts.length - 1)]?.src ?? h.target), pairs), hosts, []),
    pairs,
    cpuBaseline: extra.baseline ?? NO_BASELINE,
    newHost: extra.newHost ?? null,
    summary: {
      hosts: hosts.length,
      probed: hosts.length - down.length,
      pairs: pairs.length,
      go: count('go'),
      noGo: count('no-go'),
      incomplete: count('incomplete'),
      exitCode: extra.exitCode ?? (count('no-go') > 0 ? 1 : count('incomplete') > 0 ? 2 : 0),
    },
  };
}

const LACKS = Array.from({ length: 15 }, (_, i) => `avx512f${i}`);

/**
 * hv1, hv2, hv3 (hostile hostname), hv4 (not probed). Matrix (rows source, columns destination):
 *   hv1: · ✓ ✗ ?
 *   hv2: ✓ · ? ?
 *   hv3: ✓ ✗ · ?
 *   hv4: ? ? ? ·
 */
function sample(): FleetReport {
  const hosts = [host('hv1'), host('hv2'), host('hv3', { hostname: HOSTILE_HOSTNAME }), host('hv4', { reachable: false })];
  const pairs = [
    pair('hv1', 'hv2', 'go'),
    pair('hv1', 'hv3', 'no-go', [
      problem('cpu.flags', 'critical', 'fail', 'hv3 lacks avx512f'),
      problem('storage.pools', 'major', 'fail', 'pool images missing', 'web01'),
      problem('clock.skew', 'minor', 'error', 'clock unreadable'),
    ], [{ name: 'web01', verdict: 'no-go' }, { name: HOSTILE_DOMAIN, verdict: 'no-go' }]),
    pair('hv1', 'hv4', 'incomplete', blocked()),
    pair('hv2', 'hv1', 'go', [problem('net.mtu', 'minor', 'waived', 'MTU differs')]),
    pair('hv2', 'hv3', 'incomplete', [problem('firewall.migration-ports', 'major', 'error', HOSTILE_MESSAGE)]),
    pair('hv2', 'hv4', 'incomplete', blocked()),
    pair('hv3', 'hv1', 'go'),
    pair('hv3', 'hv2', 'no-go', [problem('cpu.model', 'critical', 'fail', 'Skylake-Client not usable')]),
    pair('hv3', 'hv4', 'incomplete', blocked()),
    pair('hv4', 'hv1', 'incomplete', blocked()),
    pair('hv4', 'hv2', 'incomplete', blocked()),
    pair('hv4', 'hv3', 'incomplete', blocked()),
  ];
  const baseline: CpuBaseline = {
    hosts: ['hv1', 'hv2', 'hv3'],
    without: [{ host: 'hv4', why: 'not probed' }],
    common: Array.from({ length: 120 }, (_, i) => `flag${i}`),
    vendors: ['GenuineIntel'],
    draggers: [{ host: 'hv3', lacks: LACKS }, { host: 'hv2', lacks: ['pku'] }],
    modelsEverywhere: ['Haswell-noTSX', 'Skylake-Client'],
  };
  const newHost: NewHostGate = {
    host: 'hv3',
    broken: [
      { src: 'hv1', dst: 'hv3', problems: ['cpu.flags', 'storage.pools [web01]'] },
      { src: 'hv3', dst: 'hv2', problems: ['cpu.model'] },
    ],
    preExisting: [{ src: 'hv2', dst: 'hv3' }],
    ok: false,
  };
  return fleet(hosts, pairs, { baseline, newHost });
}

/** N hosts with long names, every pair from an odd source failing. */
function big(n: number): FleetReport {
  const names = Array.from({ length: n }, (_, i) => `hypervisor-rack${String(i).padStart(2, '0')}-node.dc1.example.com`);
  const hosts = names.map((t) => host(t));
  const pairs: FleetPair[] = [];
  names.forEach((src, i) =>
    names.forEach((dst, j) => {
      if (i !== j) pairs.push(i % 2 === 1 ? pair(src, dst, 'no-go', [problem('cpu.flags', 'critical', 'fail', 'x')]) : pair(src, dst, 'go'));
    }),
  );
  return fleet(hosts, pairs);
}

/** Lines of the console matrix: the rows ("  <n> <name>  <marks>"). */
function matrixRow(out: string, n: number, name: string): string {
  const line = out.split('\n').find((l) => new RegExp(`^\\s+${n} ${name.replace(/[.]/g, '\\.')}\\s`).test(l));
  expect(line, `matrix row ${n} ${name}`).toBeDefined();
  return line ?? '';
}

/** The marks of a matrix row: the cells after the label. */
const marks = (row: string): string[] => row.trim().split(/\s+/).slice(2);

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;

// ---------------------------------------------------------------------------------------------
// Console
// ---------------------------------------------------------------------------------------------

describe('renderFleetConsole', () => {
  const report = sample();
  const out = renderFleetConsole(report, { color: false, quiet: false });
  const lines = out.split('\n');

  it('starts with a header naming the tool, the host count, the mode and the start time', () => {
    expect(lines[0]).toBe('migrate-preflight 0.1.0 fleet: 4 hosts, live migration (shared storage) (--mode live)');
    expect(lines[1]).toBe('  started 2026-11-22 00:31:57 UTC, fail-on major, new host hv3');
    expect(lines[2]).toBe('  inventory inventory.yaml');
  });

  it('lists the hosts that could not be probed, with the pairs they leave incomplete', () => {
    expect(lines).toContain('  not probed: hv4: ssh.connect: connection refused\uFFFD (6 pairs incomplete)');
  });

  it('draws one matrix row per source with the right mark in each destination column', () => {
    expect(marks(matrixRow(out, 1, 'hv1'))).toEqual(['·', '✓', '✗', '?']);
    expect(marks(matrixRow(out, 2, 'hv2'))).toEqual(['✓', '·', '?', '?']);
    expect(marks(matrixRow(out, 3, 'hv3'))).toEqual(['✓', '✗', '·', '?']);
    expect(marks(matrixRow(out, 4, 'hv4'))).toEqual(['?', '?', '?', '·']);
    // Column numbers line up with the marks.
    const header = lines.find((l) => l.includes('src \\ dst')) ?? '';
    const row1 = matrixRow(out, 1, 'hv1');
    expect(header.indexOf('1 2 3 4')).toBe(row1.indexOf('· ✓ ✗ ?'));
  });

  it('has a legend of glyphs and of column numbers to host names', () => {
    expect(lines).toContain('  ✓ go  ✗ no-go  ? incomplete  · same host');
    const legend = lines.find((l) => l.startsWith('  hosts:')) ?? '';
    expect(legend).toContain('1=hv1 2=hv2 3=hv3 (hv3\uFFFD<script>alert(1)</script>) 4=hv4');
  });

  it('gives one line per failing pair with its problems, and none per pair only blocked by a host not probed', () => {
    expect(lines).toContain('  ✗ hv1 -> hv3: cpu.flags (critical), storage.pools [web01] (major), clock.skew (minor, error)');
    expect(lines).toContain('  ✗ hv3 -> hv2: cpu.model (critical)');
    expect(lines).toContain('  ? hv2 -> hv3: firewall.migration-ports (major, error)');
    expect(lines).toContain('Pairs that are not GO (3):');
    expect(out).not.toMatch(/hv1 -> hv4|hv4 -> hv1/);
    // No-go pairs come before incomplete ones.
    expect(out.indexOf('hv3 -> hv2: cpu.model')).toBeLessThan(out.indexOf('hv2 -> hv3: firewall'));
  });

  it('still lists a pair with a host not probed when it says more than that', () => {
    const r = sample();
    const pairs = pairsOf(r).map((p) => (p.src === 'hv4' && p.dst === 'hv1' ? { ...p, problems: [...p.problems, problem('clock.skew', 'major', 'error', 'clock unreadable')] } : p));
    const o = renderFleetConsole({ ...r, pairs }, { color: false, quiet: true });
    expect(o).toContain('  ? hv4 -> hv1: clock.skew (major, error), 3 rules not evaluated (a host was not probed)\n');
    expect(o).toContain('(5 pairs incomplete)');
  });

  it('describes the CPU baseline: common flags, vendors, draggers (truncated), hosts without flags, models', () => {
    expect(lines).toContain('  120 common flags on 3 hosts; vendor: GenuineIntel');
    expect(lines).toContain(`  hv3 lacks 15 flags all others have: ${LACKS.slice(0, 12).join(', ')} ... (+3 more)`);
    expect(lines).toContain('  hv2 lacks 1 flag all others have: pku');
    expect(lines).toContain('  flags not read: hv4: not probed');
    expect(lines).toContain('  models usable everywhere: Haswell-noTSX, Skylake-Client');
  });

  it('says why the models usable everywhere are unknown, and when vendors differ', () => {
    const r = sample();
    const hosts = [host('hv1'), host('hv2', { models: null, modelsWhy: 'virsh: unknown command' })];
    const o = renderFleetConsole(
      { ...r, hosts, unprobed: [], pairs: [pair('hv1', 'hv2', 'go'), pair('hv2', 'hv1', 'go')], newHost: null, cpuBaseline: { ...r.cpuBaseline, vendors: ['AuthenticAMD', 'GenuineIntel'], modelsEverywhere: null } },
      { color: false, quiet: false },
    );
    expect(o).toContain('  models usable everywhere: unknown; hv2: virsh: unknown command\n');
    expect(o).toContain('  2 CPU vendors: no guest CPU model migrates between them\n');
  });

  it('shows the --new-host gate with the pairs it breaks and counts pre-existing ones', () => {
    const i = lines.findIndex((l) => l.startsWith('NEW HOST hv3: BLOCKED, breaks 2 pairs that work without it'));
    expect(i).toBeGreaterThan(0);
    expect(lines[i]).toContain('(not counted: 1 pre-existing failing pair with it, failing for the other hosts too)');
    expect(lines[i + 1]).toBe('  ✗ hv1 -> hv3: cpu.flags, storage.pools [web01]');
    expect(lines[i + 2]).toBe('  ✗ hv3 -> hv2: cpu.model');
  });

  it('ends with the summary line and its exit code', () => {
    expect(out.endsWith('FLEET  4 hosts (3 probed), 12 pairs: 3 go, 2 no-go, 7 incomplete (exit 1, 12.35 s)\n')).toBe(true);
  });

  it('quiet: only hosts not probed, failing pairs, the gate and the summary', () => {
    const q = renderFleetConsole(report, { color: false, quiet: true });
    expect(q).not.toContain('✓');
    expect(q).not.toContain('·');
    expect(q).not.toContain('migrate-preflight 0.1.0 fleet');
    expect(q).not.toContain('CPU baseline');
    expect(q).not.toContain('hosts:');
    expect(q).toContain('  not probed: hv4: ssh.connect');
    expect(q).toContain('  ✗ hv1 -> hv3: cpu.flags (critical)');
    expect(q).toContain('NEW HOST hv3: BLOCKED');
    expect(q).toMatch(/FLEET {2}4 hosts .*\(exit 1, 12\.35 s\)\n$/);
  });

  it('lets no control character from a host through, colour or not', () => {
    expect(out).not.toMatch(CONTROL);
    expect(out).toContain('firewall.migration-ports');
    const colour = renderFleetConsole(report, { color: true, quiet: false });
    // Only our own SGR colour codes remain; nothing else (the host's ESC[31m, BEL, OSC 8) does.
    const stripped = colour.replace(/\u001b\[[0-9;]*m/g, '');
    expect(stripped).not.toMatch(CONTROL);
    expect(stripped).toBe(out);
    expect(colour).not.toContain('\u001b[31m<script>');
  });

  it('colours the marks and the summary by verdict', () => {
    const colour = renderFleetConsole(report, { color: true, quiet: false });
    expect(colour).toContain('\u001b[32m✓\u001b[39m');
    expect(colour).toMatch(/\u001b\[31m(\u001b\[1m)?✗/);
    expect(colour).toMatch(/\u001b\[35m(\u001b\[1m)?\?/);
    expect(colour).toMatch(/\u001b\[31m(\u001b\[1m)?FLEET {2}4 hosts/);
    const go = fleet([host('a'), host('b')], [pair('a', 'b', 'go'), pair('b', 'a', 'go')]);
    expect(renderFleetConsole(go, { color: true, quiet: true })).toMatch(/\u001b\[32m(\u001b\[1m)?FLEET {2}2 hosts \(2 probed\), 2 pairs: 2 go, 0 no-go, 0 incomplete \(exit 0, 12\.35 s\)/);
  });

  it('stays readable for 32 hosts: every line under 120 characters, one column per host', () => {
    const r = big(32);
    const o = renderFleetConsole(r, { color: false, quiet: false });
    const matrixLines = o.split('\n').filter((l) => /^\s+\d+ hypervisor-/.test(l));
    expect(matrixLines).toHaveLength(32);
    for (const l of matrixLines) {
      expect(l.length).toBeLessThan(120);
      expect(marks(l)).toHaveLength(32);
    }
    // Row 2 (index 1, odd): every other cell fails.
    expect(marks(matrixLines[1] ?? '')).toEqual(Array.from({ length: 32 }, (_, j) => (j === 1 ? '·' : '✗')));
    for (const l of o.split('\n')) expect(l.length, l).toBeLessThan(120);
    // Column numbers written vertically: tens above units.
    const all = o.split('\n');
    const units = all.findIndex((l) => l.startsWith('  src \\ dst'));
    expect(all[units]).toMatch(/ 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2$/);
    expect(all[units - 1]).toMatch(/^ +1 1 1 1 1 1 1 1 1 1 2 2 2 2 2 2 2 2 2 2 3 3 3$/);
    expect(all[units - 1]?.length).toBe(all[units]?.length);
    // The cells sit under their column numbers.
    expect(matrixLines[0]?.indexOf('·')).toBe((all[units] ?? '').indexOf(' 1 2 3') + 1);
  });

  it('caps the failing pairs at 40 lines with "+N more"', () => {
    const r = big(32);
    const o = renderFleetConsole(r, { color: false, quiet: true });
    const pairLines = o.split('\n').filter((l) => l.startsWith('  ✗ '));
    expect(pairLines).toHaveLength(39);
    expect(o).toContain(`  +${16 * 31 - 39} more pairs (see the HTML or JSON report)`);
  });
});

// ---------------------------------------------------------------------------------------------
// HTML
// ---------------------------------------------------------------------------------------------

const count = (s: string, re: RegExp): number => [...s.matchAll(re)].length;

describe('renderFleetHtml', () => {
  const report = sample();
  const html = renderFleetHtml(report);

  it('is one self-contained document with the strict CSP and no script at all', () => {
    expect(html.startsWith('<!DOCTYPE html>\n<html lang="en">')).toBe(true);
    expect(html.endsWith('</html>\n')).toBe(true);
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`);
    expect(html).not.toMatch(/<script/i);
    // No start tag carries an event handler or loads anything (hostile text shows only as escaped text).
    const tags = [...html.matchAll(/<([a-zA-Z][a-zA-Z0-9-]*)([^>]*)>/g)];
    expect(tags.length).toBeGreaterThan(100);
    for (const [, name, attrs] of tags) {
      expect(attrs ?? '', name).not.toMatch(/\son[a-z]+\s*=/i);
      expect(['script', 'link', 'img', 'iframe', 'object', 'embed', 'form', 'base']).not.toContain((name ?? '').toLowerCase());
    }
    expect(html).toContain('<title>NO-GO: fleet of 4 hosts · migrate-preflight</title>');
  });

  it('has balanced tags', () => {
    for (const tag of ['table', 'thead', 'tbody', 'tr', 'td', 'th', 'section', 'ul', 'li', 'div', 'p', 'a']) {
      expect(count(html, new RegExp(`<${tag}[\\s>]`, 'g')), tag).toBe(count(html, new RegExp(`</${tag}>`, 'g')));
    }
  });

  it('draws one cell per ordered pair, classed by verdict and linking to #pair-<i>-<j>', () => {
    const cells = [...html.matchAll(/<td class="(c-[a-z]+)"><a href="#pair-(\d+)-(\d+)" title="([^"]*)">([^<]*)<\/a><\/td>/g)];
    expect(cells).toHaveLength(12);
    const expected: Record<string, string> = {
      '0-1': 'c-go', '0-2': 'c-nogo', '0-3': 'c-incomplete',
      '1-0': 'c-go', '1-2': 'c-incomplete', '1-3': 'c-incomplete',
      '2-0': 'c-go', '2-1': 'c-nogo', '2-3': 'c-incomplete',
      '3-0': 'c-incomplete', '3-1': 'c-incomplete', '3-2': 'c-incomplete',
    };
    for (const m of cells) expect(m[1], `cell ${m[2]}-${m[3]}`).toBe(expected[`${m[2]}-${m[3]}`]);
    expect(new Set(cells.map((m) => `${m[2]}-${m[3]}`)).size).toBe(12);
    expect(count(html, /<td class="c-self"/g)).toBe(4);
    expect(html).toContain('<a href="#pair-0-2" title="hv1 -&gt; hv3: no-go, 3 problems">✗</a>');
    expect(html).toContain('<a href="#pair-0-1" title="hv1 -&gt; hv2: go, 0 problems">✓</a>');
    // Every link inside the page leads to an element that exists.
    for (const m of html.matchAll(/href="#([^"]+)"/g)) expect(html, m[1]).toContain(`id="${m[1]}"`);
  });

  it('has one section per pair that is not GO, with its problems, domains and a link back', () => {
    const sections = [...html.matchAll(/<section class="pair (v-nogo|v-incomplete)" id="pair-(\d+)-(\d+)">([\s\S]*?)<\/section>/g)];
    expect(sections.map((m) => `${m[2]}-${m[3]}`).sort()).toEqual(['0-2', '0-3', '1-2', '1-3', '2-1', '2-3', '3-0', '3-1', '3-2']);
    const s02 = sections.find((m) => m[2] === '0' && m[3] === '2')?.[4] ?? '';
    expect(s02).toContain('<span class="badge s-fail">NO-GO</span>');
    expect(s02).toContain('<td><span class="badge s-fail">FAIL</span></td><td><span class="sev sev-critical">critical</span></td><td class="mono">cpu.flags</td><td>hv3 lacks avx512f</td>');
    expect(s02).toContain('<td class="mono">storage.pools [web01]</td>');
    expect(s02).toContain('<span class="badge s-error">ERROR</span>');
    expect(s02).toContain('<a class="back" href="#matrix">');
    expect(s02).toContain('&lt;img src=x onerror=alert(2)&gt;');
    const s03 = sections.find((m) => m[2] === '0' && m[3] === '3')?.[4] ?? '';
    expect(s03).toContain('3 rules were not evaluated because a host was not probed');
    expect(html).toMatch(/<tr id="pair-0-1">/);
  });

  it('escapes every hostile string and lets no control character through', () => {
    expect(html).toContain('hv3\uFFFD&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('port 49152 closed\uFFFD by &lt;b onmouseover=&quot;x()&quot;&gt;nft&lt;/b&gt;');
    expect(html).not.toContain('<b onmouseover');
    expect(html).not.toContain('<img');
    expect(html).not.toMatch(CONTROL);
  });

  it('shows the CPU baseline, the gate, the hosts not probed and the hosts table', () => {
    const between = (id: string): string => {
      const start = html.indexOf(`<section id="${id}">`);
      expect(start, id).toBeGreaterThanOrEqual(0);
      return html.slice(start, html.indexOf('</section>', start));
    };
    const b = between('cpu-baseline');
    expect(b).toContain('<strong>120 flags</strong> common to 3 hosts');
    expect(b).toContain('<p class="flags">flag0 flag1 flag2');
    expect(b).toContain(`<tr><td class="mono">hv3</td><td>15</td><td><p class="flags">${LACKS.join(' ')}</p></td></tr>`);
    expect(b).toContain('<code>Haswell-noTSX</code>, <code>Skylake-Client</code>');
    expect(b).toContain('<li><code>hv4</code>: not probed</li>');
    const g = between('new-host');
    expect(g).toContain('<div class="word">BLOCKED</div>');
    expect(g).toContain('<a href="#pair-0-2">hv1 → hv3</a></td><td><code>cpu.flags</code>, <code>storage.pools [web01]</code>');
    expect(g).toContain('1 pre-existing failing pair');
    expect(g).toContain('<a href="#pair-1-2">hv2 → hv3</a>');
    const u = between('unprobed');
    expect(u).toContain('<td class="mono">hv4</td><td class="mono">ssh.connect</td><td>connection refused\uFFFD</td>');
    const h = between('hosts');
    expect(count(h, /<tr/g)).toBe(5);
    expect(h).toContain('<td>1</td><td class="mono">hv1</td><td>hv1</td><td>KVM</td><td>yes</td>');
    expect(h).toContain('<td>4</td><td class="mono">hv4</td><td><span class="muted">unknown</span></td><td>unknown</td><td><span class="unreach">no</span>: ssh.connect: connection refused\uFFFD</td>');
  });

  it('shows the change id and the sign-off table; without --change-id it says how to give one', () => {
    expect(html).toContain('<span class="muted">none (--change-id)</span>');
    expect(html).toContain('<section id="sign-off" class="signoff"><h2>Sign-off</h2>');
    const withId = renderFleetHtml({ ...report, options: { ...report.options, changeId: 'CR-2026-17' } });
    expect(withId).toContain('<code>CR-2026-17</code>');
    expect(withId).toContain('<h2>Sign-off: change <code>CR-2026-17</code></h2>');
  });

  it('places pairs by position when their names are not the hosts\' targets', () => {
    const r = fleet([host('root@10.0.0.1:22'), host('root@10.0.0.2:22')], [pair('hv1', 'hv2', 'no-go', [problem('cpu.flags', 'critical', 'fail', 'x')]), pair('hv2', 'hv1', 'go')]);
    const o = renderFleetHtml(r);
    expect(o).toContain('<td class="c-nogo"><a href="#pair-0-1"');
    expect(o).toContain('<td class="c-go"><a href="#pair-1-0"');
    expect(o).toContain('<section class="pair v-nogo" id="pair-0-1">');
  });
});

describe('renderFleetJson', () => {
  it('is the report, indented, with a final newline', () => {
    const report = sample();
    const json = renderFleetJson(report);
    expect(json.endsWith('}\n')).toBe(true);
    expect(JSON.parse(json)).toEqual(report);
    expect(json).toBe(`${JSON.stringify(report, null, 2)}\n`);
  });
});
