import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { escapeHtml } from '../../src/report/html-kit.js';
import { renderHtml } from '../../src/report/html.js';
import type { ReportContext } from '../../src/report/index.js';
import type { Report, RuleResult } from '../../src/types.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/reports/', import.meta.url));
const load = (name: string): Report => JSON.parse(readFileSync(`${FIXTURES}${name}.json`, 'utf8')) as Report;
const SHA = 'f'.repeat(64);
const ctx: ReportContext = { color: false, quiet: false, reportSha256: SHA };
/** How a result is named in the report: the rule id, with the domain for per-domain results ("network.bridges [web01]"). */
const key = (r: Pick<RuleResult, 'id' | 'domain'>): string => (r.domain ? `${r.id} [${r.domain}]` : r.id);
/** The card's anchor for a result name: characters outside [A-Za-z0-9._-] become "_" ("rule-network.bridges__web01_"). */
const anchor = (name: string): string => `rule-${name.replace(/[^A-Za-z0-9._-]/g, '_')}`;

/** Text of one top-level section (`<section id="...">` up to its end). */
function section(html: string, id: string): string {
  const start = html.indexOf(`<section id="${id}">`);
  expect(start, `section #${id}`).toBeGreaterThanOrEqual(0);
  return html.slice(start, html.indexOf('</section>', start));
}

/** Every start tag, with its name and raw attribute text. */
function tags(html: string): { name: string; attrs: string }[] {
  return [...html.matchAll(/<([a-zA-Z][a-zA-Z0-9-]*)([^>]*)>/g)].map((m) => ({ name: (m[1] ?? '').toLowerCase(), attrs: m[2] ?? '' }));
}

const HOSTILE =
  '<script>alert(1)</script>\n</pre><img src=x onerror=alert(2)>\n"onload="alert(3)\n' +
  '``` and ```` fences\n| a | b |\n\u001b[31mRED\u001b[0m\n\u001b]8;;http://evil.example/\u0007click\u001b]8;;\u0007\n';

/** problems.json with hostile text where a host (or a file) could put it. */
function hostile(): Report {
  const r = structuredClone(load('problems')) as unknown as {
    hosts: Record<'src' | 'dst', { hostname: string; probes: Record<string, { stdout: string; stderr: string; command: string }> }>;
    results: { status: string; message: string; references: string[] }[];
    waivers: { justification: string }[];
  };
  const nft = r.hosts.dst.probes['nft'];
  if (!nft) throw new Error('fixture lacks the nft probe');
  nft.stdout = HOSTILE;
  nft.stderr = '</pre><script>x()</script>';
  const fail = r.results.find((x) => x.status === 'fail');
  if (!fail) throw new Error('fixture lacks a failure');
  fail.message = `boom ${HOSTILE}`;
  fail.references = ['javascript:alert(4)', 'https://example.org/a"onmouseover="x'];
  r.hosts.dst.hostname = 'hv3"onload="alert(5)<script>';
  const w = r.waivers[0];
  if (w) w.justification = '<b>bold</b> & \u001b[1mloud\u001b[0m';
  return r as unknown as Report;
}

describe('renderHtml', () => {
  const problems = load('problems');
  const html = renderHtml(problems, ctx);

  it('is one self-contained HTML5 document with a strict CSP and no script', () => {
    expect(html.startsWith('<!DOCTYPE html>\n<html lang="en">')).toBe(true);
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`);
    expect(html).toContain('<meta charset="utf-8">');
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<(link|iframe|object|embed|img|video|audio|source|base|form)\b/i);
    expect(html).not.toMatch(/@import|url\(/i);
    expect(html.match(/<style>/g)).toHaveLength(1);
    expect(html.trimEnd().endsWith('</html>')).toBe(true);
  });

  it('fetches nothing: the only URLs are <a href> references', () => {
    for (const r of [load('clean'), problems, load('unreachable'), hostile()]) {
      for (const t of tags(renderHtml(r, ctx))) {
        expect(t.attrs, `<${t.name}${t.attrs}>`).not.toMatch(/\b(src|srcset|action|formaction|poster|data|background)\s*=/i);
        const href = /\bhref\s*=\s*"([^"]*)"/i.exec(t.attrs)?.[1];
        if (href === undefined) continue;
        expect(t.name).toBe('a');
        expect(href).toMatch(/^(#[A-Za-z0-9._-]+|https?:\/\/\S+)$/);
      }
    }
    const refs = problems.results.flatMap((r) => r.references);
    expect(refs.length).toBeGreaterThan(0);
    for (const u of refs) expect(html).toContain(`<a href="${escapeHtml(u)}" rel="noopener noreferrer">`);
  });

  it('shows the pair, when, who, tool and options', () => {
    const { src, dst } = problems.hosts;
    expect(html).toContain(`<h1>Migration pre-flight: ${src.target} → ${dst.target}</h1>`);
    expect(html).toContain(`<title>NO-GO: ${src.target} → ${dst.target}`);
    expect(html).toContain(problems.startedAt.slice(0, 10));
    expect(html).toContain(`${problems.startedAt.slice(11, 19)} UTC`);
    expect(html).toContain(`${problems.finishedAt.slice(11, 19)} UTC`);
    expect(html).toContain(`${(problems.durationMs / 1000).toFixed(2)} s`);
    expect(html).toContain(`<code>${problems.runBy.user}@${problems.runBy.host}</code>`);
    expect(html).toContain(`${problems.tool.name} ${problems.tool.version}`);
    expect(html).toContain(`<code>${escapeHtml(problems.options.libvirtUri)}</code>`);
    expect(html).toContain(`<th scope="row">Transport</th><td>${problems.options.transport}</td>`);
    expect(html).toContain('<th scope="row">Mode</th><td>live migration (shared storage) <span class="muted">(--mode live)</span></td>');
    expect(html).toContain(`<th scope="row">Fail on</th><td>${problems.options.failOn} `);
    for (const rs of problems.rulesets) {
      expect(html).toContain(`<code>${rs.path}</code>`);
      expect(html).toContain(rs.sha256);
    }
  });

  it('puts the verdict and the counts up front', () => {
    const s = problems.summary;
    expect(s.exitCode).toBe(1);
    const verdict = html.slice(html.indexOf('<section class="verdict'), html.indexOf('</section>', html.indexOf('<section class="verdict')));
    expect(verdict).toContain('<div class="word">NO-GO</div>');
    expect(verdict).toContain(`${s.fail} rules fail at or above major severity.`);
    expect(verdict).toContain(`${s.total} rules</span>`);
    for (const k of ['fail', 'error', 'waived', 'skip', 'pass'] as const) expect(verdict).toMatch(new RegExp(`>${s[k]} ${k}</span>`));
    expect(verdict).toContain('<strong>1 expired</strong>');
    expect(html.indexOf('NO-GO</div>')).toBeLessThan(html.indexOf('id="results"'));
    expect(renderHtml(load('clean'), ctx)).toContain('<div class="word">GO</div>');
  });

  it('shows every failing rule with its message, evidence, remediation and references, failures first', () => {
    const details = section(html, 'results');
    const failing = problems.results.filter((r) => r.status === 'fail');
    expect(failing).toHaveLength(problems.summary.fail);
    for (const r of failing) {
      const start = details.indexOf(`id="${anchor(key(r))}"`);
      expect(start, key(r)).toBeGreaterThan(0);
      const card = details.slice(start, details.indexOf('</details>', start));
      expect(card).toContain('<span class="badge s-fail">FAIL</span>');
      expect(card).toContain(`<span class="sev sev-${r.severity}">${r.severity}</span>`);
      expect(card).toContain(`<span class="id mono">${key(r)}</span>`);
      expect(card).toContain(escapeHtml(r.title));
      expect(card).toContain(`<p class="msg">${escapeHtml(r.message)}</p>`);
      expect(card).toContain('<div class="label">Source <span class="host">');
      expect(card).toContain('<pre>');
      if (r.remediation) expect(card).toContain(escapeHtml(r.remediation.trim()));
      for (const u of r.references) expect(card).toContain(escapeHtml(u));
      expect(section(html, 'summary')).toContain(escapeHtml(r.message));
    }
    // The overview flags the failure an expired waiver named, and the waived rule's expiry.
    const summary = section(html, 'summary');
    const skewRow = summary.slice(summary.indexOf('href="#rule-time.skew"'));
    expect(skewRow.slice(0, skewRow.indexOf('</tr>'))).toContain('<span class="tag-expired">EXPIRED WAIVER</span>');
    const modelRow = summary.slice(summary.indexOf('href="#rule-cpu.model"'));
    expect(modelRow.slice(0, modelRow.indexOf('</tr>'))).toContain('(waived until 2099-12-31)');
    // Groups in order, and fail/error/waived cards open.
    const order = ['Failures', 'Waived failures', 'Passed'].map((t) => details.indexOf(`<h3>${t} (`));
    expect(order.every((i) => i > 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(details.match(/<details class="rule st-fail" id="[^"]+" open>/g)).toHaveLength(problems.summary.fail);
    expect(details).toMatch(/<details class="rule st-waived" id="rule-cpu\.model" open>/);
    expect(details).not.toMatch(/st-pass" id="[^"]+" open/);
    // Within a group: critical before major.
    const fails = [...details.matchAll(/st-fail" id="(rule-[^"]+)"/g)].map((m) => problems.results.find((r) => anchor(key(r)) === m[1])?.severity);
    expect(fails).toHaveLength(problems.summary.fail);
    expect(fails).not.toContain(undefined);
    expect(fails.lastIndexOf('critical')).toBeLessThan(fails.indexOf('major'));
  });

  it('shows evidence as pretty JSON of both hosts', () => {
    const nets = problems.results.find((r) => r.id === 'network.libvirt-networks' && r.domain === 'web01') as RuleResult;
    const start = html.indexOf('id="rule-network.libvirt-networks__web01_"');
    expect(start).toBeGreaterThan(0);
    const card = html.slice(start, html.indexOf('</details>', start));
    expect(card).toContain(escapeHtml(`"bridge": ${JSON.stringify((nets.evidence.src as { bridge: string }[])[0]?.bridge)}`));
    expect(card).toContain(escapeHtml(`"bridge": ${JSON.stringify((nets.evidence.dst as { bridge: string }[])[0]?.bridge)}`));
  });

  it('shows the waivers with justification, approver, expiry and state, expired ones highlighted', () => {
    const w = section(html, 'waivers');
    expect(w).toContain('1 applied, 1 expired, 1 unused.');
    for (const x of problems.waivers) {
      expect(w).toContain(escapeHtml(x.justification));
      expect(w).toContain(escapeHtml(x.approver));
      expect(w).toContain(x.expires);
      expect(w).toContain(`${x.source.file}:${x.source.line}`);
    }
    const expired = problems.waivers.find((x) => x.state === 'expired');
    expect(expired).toBeDefined();
    const row = w.slice(w.indexOf('<tr class="expired">'), w.indexOf('</tr>', w.indexOf('<tr class="expired">')));
    expect(row).toContain('<span class="tag-expired">EXPIRED</span>');
    expect(row).toContain(escapeHtml(expired?.justification ?? '?'));
    // The failure the expired waiver named says so, and the applied waiver shows on its rule.
    const skew = html.slice(html.indexOf('id="rule-time.skew"'));
    expect(skew.slice(0, skew.indexOf('</details>'))).toContain('<span class="tag-expired">EXPIRED</span> waiver (expired 2020-01-31');
    const model = html.slice(html.indexOf('id="rule-cpu.model"'));
    expect(model.slice(0, model.indexOf('</details>'))).toContain('<strong>Waived</strong> until 2099-12-31 by jane.doe@example.com');
  });

  it('shows the drift against the baseline', () => {
    const d = section(html, 'drift');
    const drift = problems.drift;
    if (!drift) throw new Error('fixture has no drift');
    expect(drift.new.length).toBeGreaterThan(0);
    expect(d).toContain(`${drift.new.length} new, ${drift.resolved.length} resolved, ${drift.changed.length} changed.`);
    expect(d).toContain(`<code>${drift.baseline.path}</code>`);
    expect(d).toContain(drift.baseline.sha256);
    const newList = d.slice(d.indexOf('New failures'), d.indexOf('Resolved'));
    for (const id of drift.new) expect(newList).toContain(`<a href="#${anchor(id)}" class="mono">${id}</a>`);
    expect(d.slice(d.indexOf('Resolved'))).toContain('<span class="muted">none</span>');
  });

  it('lists every raw probe of both hosts, collapsed, with the host keys', () => {
    const hosts = section(html, 'hosts');
    for (const side of ['src', 'dst'] as const) {
      const h = problems.hosts[side];
      expect(hosts).toContain(`<details class="host"><summary>${side === 'src' ? 'Source' : 'Destination'}: ${h.target}`);
      expect(hosts).toContain(escapeHtml(h.hostKey?.fingerprint ?? '?'));
      for (const [id, p] of Object.entries(h.probes)) {
        expect(hosts).toContain(`<details class="probe"><summary><code>${escapeHtml(id)}</code> <span class="muted">exit ${p.exitCode}, ${p.durationMs} ms`);
        expect(hosts).toContain(`<pre>${escapeHtml(p.command)}</pre>`);
        expect(hosts).toContain(p.sha256);
        if (p.stdout !== '') expect(hosts).toContain(`<pre>${escapeHtml(p.stdout)}</pre>`);
      }
    }
    expect(hosts).toContain('<pre>cat /proc/cpuinfo</pre>');
    expect(hosts).toContain('ssh-ed25519');
    expect(hosts).toContain('(known)');
    expect(hosts).not.toMatch(/<details class="(host|probe)" open/);
  });

  it('marks truncated output, unfinished probes and accepted-new host keys', () => {
    const r = structuredClone(problems) as unknown as {
      hosts: { src: { hostKey: { status: string }; probes: Record<string, { truncated?: boolean; exitCode: number | null }> } };
    };
    const probes = Object.values(r.hosts.src.probes);
    (probes[0] as { truncated?: boolean }).truncated = true;
    (probes[1] as { exitCode: number | null }).exitCode = null;
    r.hosts.src.hostKey.status = 'accepted-new';
    const out = renderHtml(r as unknown as Report, ctx);
    expect(out).toContain('<span class="tag-expired">TRUNCATED</span>');
    expect(out).toContain('<strong>stdout truncated</strong>');
    expect(out).toContain('exit code <span class="unreach">did not finish</span>');
    expect(out).toContain('<strong>(accepted as new)</strong>');
  });

  it('ends with the report sha256', () => {
    const footer = html.slice(html.indexOf('<footer>'));
    expect(footer).toContain(`JSON report sha256: <span class="mono">${SHA}</span>`);
    expect(html.indexOf('<footer>')).toBeGreaterThan(html.indexOf('id="hosts"'));
  });

  it('shows an unreachable host and says INCOMPLETE', () => {
    const u = load('unreachable');
    const out = renderHtml(u, ctx);
    expect(u.summary.exitCode).toBe(3);
    expect(out).toContain('<div class="word">INCOMPLETE</div>');
    expect(out).toContain('The destination could not be probed; the checks are incomplete.');
    const err = u.hosts.dst.error;
    expect(err).not.toBeNull();
    expect(out).toContain(`<div class="alert"><strong>Destination ${u.hosts.dst.target} was not probed</strong> (${err?.code}): ${escapeHtml(err?.message)}</div>`);
    expect(out).toContain(`${u.summary.error} rules were not evaluated because a host was not probed`);
    expect(out).toContain('<span class="muted">none (not connected)</span>');
    expect(out).toContain('<p class="muted">No probe output.</p>');
  });

  it('shows what a replay re-evaluated', () => {
    const r = { ...problems, replayOf: { path: 'saved/<run>.json', sha256: 'c'.repeat(64), replayedAt: '2027-01-02T03:04:05.000Z' } };
    const out = renderHtml(r, ctx);
    expect(out).toContain('<strong>Replay.</strong> Rules re-evaluated on 2027-01-02 03:04:05 UTC');
    expect(out).toContain(`<code>saved/&lt;run&gt;.json</code> (sha256 <code>${'c'.repeat(64)}</code>)`);
    expect(html).not.toContain('Replay.');
  });

  describe('hostile host output', () => {
    const out = renderHtml(hostile(), ctx);

    it('keeps <script>, </pre> and attribute breakouts as text', () => {
      expect(out).not.toMatch(/<script/i);
      expect(out).not.toMatch(/<img/i);
      expect(out).not.toMatch(/<b>bold/);
      expect(out).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
      expect(out).toContain('&lt;/pre&gt;&lt;img src=x onerror=alert(2)&gt;');
      expect(out).toContain('&quot;onload=&quot;alert(3)');
      expect(out).toContain('&lt;/pre&gt;&lt;script&gt;x()&lt;/script&gt;');
      expect(out).toContain('hv3&quot;onload=&quot;alert(5)&lt;script&gt;');
      expect(out).toContain('&lt;b&gt;bold&lt;/b&gt; &amp; ');
      expect(out).toContain('``` and ```` fences');
      // No tag got an event handler, and every <pre> still closes where it should.
      for (const t of tags(out)) expect(t.attrs, `<${t.name}${t.attrs}>`).not.toMatch(/\son[a-z]+\s*=/i);
      expect(out.match(/<pre>/g)?.length).toBe(out.match(/<\/pre>/g)?.length);
    });

    it('neutralises terminal escapes (CSI and OSC 8 hyperlinks)', () => {
      expect(out).not.toContain('\u001b');
      expect(out).not.toContain('\u0007');
      expect(out).not.toContain('evil.example');
      expect(out).toContain('\uFFFDRED\uFFFD');
      expect(out).toContain('\uFFFDclick\uFFFD');
    });

    it('links only web references', () => {
      expect(out).not.toMatch(/href="javascript:/i);
      expect(out).toContain('<span class="mono">javascript:alert(4)</span>');
      expect(out).toContain('<span class="mono">https://example.org/a&quot;onmouseover=&quot;x</span>');
    });
  });

  it('is deterministic and does not touch its input', () => {
    const r = load('problems');
    const before = JSON.stringify(r);
    const a = renderHtml(r, ctx);
    expect(renderHtml(r, ctx)).toBe(a);
    expect(renderHtml(load('problems'), ctx)).toBe(a);
    expect(JSON.stringify(r)).toBe(before);
    expect(a).toBe(html);
  });

  it('matches the snapshot (volatile fields normalised)', async () => {
    await expect(renderHtml(normalise(load('problems')), ctx)).toMatchFileSnapshot('__snapshots__/report-html.problems.html');
  });
});

/**
 * The report with what changes from one lab run to the next (times, durations, keys, temp paths,
 * the clock offset) fixed, so the snapshot shows the renderer's changes only.
 */
function normalise(report: Report): Report {
  const text = JSON.stringify({ ...report, runBy: { user: 'operator', host: 'jumpbox' } })
    .replace(/"(durationMs|receivedAt|remoteEpochMs|receivedAtMs|offsetMs)":-?[0-9.]+/g, '"$1":0')
    .replace(/\b[0-9a-f]{64}\b/g, '0'.repeat(64))
    .replace(/SHA256:[A-Za-z0-9+/]{43}/g, 'SHA256:fingerprint')
    .replace(/mp-lab0-[A-Za-z0-9]{6}/g, 'mp-lab0-XXXXXX')
    .replace(/\d{10}\.\d{9}/g, '1700000000.000000000')
    .replace(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z/g, '2026-01-01T00:00:00.000Z');
  const r = JSON.parse(text) as Report;
  // Raw outputs (meminfo, clock, addresses) differ on every lab run: keep their shape, not their bytes.
  const host = (h: Report['hosts']['src']): Report['hosts']['src'] => ({
    ...h,
    facts: {},
    probes: Object.fromEntries(Object.entries(h.probes).map(([id, p]) => [id, { ...p, stdout: p.stdout === '' ? '' : `(${id}: ${p.stdout.length} chars)\n` }])),
  });
  return {
    ...r,
    hosts: { src: host(r.hosts.src), dst: host(r.hosts.dst) },
    results: r.results.map((x) => (x.id === 'time.skew' ? { ...x, message: 'clocks differ by 300.0 s (tolerance 1.0 s)', evidence: { src: 0, dst: 300000 }, data: {} } : x)),
  };
}
