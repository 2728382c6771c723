import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { ReportContext } from '../../src/report/index.js';
import { codeSpan, escapeMarkdown, fenced, renderMarkdown } from '../../src/report/markdown.js';
import type { Report } from '../../src/types.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/reports/', import.meta.url));
const load = (name: string): Report => JSON.parse(readFileSync(`${FIXTURES}${name}.json`, 'utf8')) as Report;
const SHA = 'e'.repeat(64);
const ctx: ReportContext = { color: false, quiet: false, reportSha256: SHA };
/** How a result is named in the report: the rule id, with the domain for per-domain results ("storage.pools [web01]"). */
const key = (r: { id: string; domain: string | null }): string => (r.domain ? `${r.id} [${r.domain}]` : r.id);

/** The text between a `## title` heading and the next `## ` heading. */
function section(md: string, title: string): string {
  const start = md.indexOf(`\n## ${title}\n`);
  expect(start, `## ${title}`).toBeGreaterThanOrEqual(0);
  const end = md.indexOf('\n## ', start + 4);
  return md.slice(start, end < 0 ? undefined : end);
}

/** Splits Markdown into fenced code blocks and the prose around them, the way CommonMark does for backtick fences. */
function split(md: string): { prose: string[]; blocks: string[] } {
  const prose: string[] = [];
  const blocks: string[] = [];
  let fence: string | null = null;
  let buf: string[] = [];
  for (const line of md.split('\n')) {
    if (fence === null) {
      const m = /^(`{3,})[^`]*$/.exec(line);
      if (m) {
        fence = m[1] ?? null;
        buf = [];
      } else prose.push(line);
    } else if (new RegExp(`^\`{${fence.length},}\\s*$`).test(line)) {
      blocks.push(buf.join('\n'));
      fence = null;
    } else buf.push(line);
  }
  expect(fence, 'every fenced block is closed').toBeNull();
  return { prose, blocks };
}

/** Cells of a table row, split on unescaped pipes. */
function cells(row: string): string[] {
  return row
    .replace(/^\|/, '')
    .replace(/\|$/, '')
    .split(/(?<!\\)\|/)
    .map((c) => c.trim());
}

const HOSTILE =
  '<script>alert(1)</script>\n</pre><img src=x onerror=alert(2)>\n"onload="alert(3)\n' +
  '``` and ```` fences\n| a | b |\n*bold* _em_ [link](http://evil.example/) $x$ ~~s~~\n' +
  '\u001b[31mRED\u001b[0m\n\u001b]8;;http://evil.example/\u0007click\u001b]8;;\u0007\n';

function hostile(): Report {
  const r = structuredClone(load('problems')) as unknown as {
    hosts: Record<'src' | 'dst', { hostname: string; probes: Record<string, { stdout: string; command: string }> }>;
    results: { id: string; status: string; message: string; references: string[] }[];
  };
  const nft = r.hosts.dst.probes['nft'];
  if (!nft) throw new Error('fixture lacks the nft probe');
  nft.stdout = HOSTILE;
  nft.command = 'printf "%s" ````x`` | cat';
  const fail = r.results.find((x) => x.id === 'cpu.nx');
  if (!fail) throw new Error('fixture lacks cpu.nx');
  fail.message = `boom ${HOSTILE}`;
  fail.references = ['javascript:alert(4)', 'https://libvirt.org/migration.html'];
  r.hosts.dst.hostname = 'hv3"onload="alert(5)<script>|`x`';
  return r as unknown as Report;
}

describe('escaping helpers', () => {
  it('escapes Markdown-active characters in inline text, keeps snake_case', () => {
    expect(escapeMarkdown('a|b <i>x</i> *y* [l](u) `c` $m$ ~s~ #h & _e_ intel_stibp')).toBe(
      'a\\|b \\<i\\>x\\</i\\> \\*y\\* \\[l\\](u) \\`c\\` \\$m\\$ \\~s\\~ \\#h \\& \\_e\\_ intel_stibp',
    );
    expect(escapeMarkdown('one\ntwo\r\nthree')).toBe('one<br>two<br>three');
    expect(escapeMarkdown('- not a list')).toBe('\\- not a list');
    expect(escapeMarkdown('1. not a list')).toBe('1\\. not a list');
    expect(escapeMarkdown('    not code')).toBe('not code');
    expect(escapeMarkdown('---')).toBe('\\---');
    expect(escapeMarkdown('0.1.0 -x')).toBe('0.1.0 -x');
    expect(escapeMarkdown('\u001b[31mred\u001b[0m')).toBe('\uFFFDred\uFFFD');
  });

  it('makes code spans and fences longer than any backtick run', () => {
    expect(codeSpan('cpu.nx')).toBe('`cpu.nx`');
    expect(codeSpan('a ``b`` c')).toBe('```a ``b`` c```');
    expect(codeSpan('`x')).toBe('`` `x ``');
    expect(codeSpan('a|b', true)).toBe('`a\\|b`');
    expect(codeSpan('a|b')).toBe('`a|b`');
    expect(fenced('plain')).toBe('```\nplain\n```');
    expect(fenced('x\n`````\ny\n', 'sh')).toBe('``````sh\nx\n`````\ny\n``````');
  });
});

describe('renderMarkdown', () => {
  const problems = load('problems');
  const md = renderMarkdown(problems, ctx);

  it('opens with the verdict and a summary table', () => {
    const { src, dst } = problems.hosts;
    const s = problems.summary;
    expect(md.startsWith(`# ⛔ NO-GO: migration ${src.target} → ${dst.target}\n`)).toBe(true);
    expect(md).toContain(`**NO-GO**: ${s.fail} rules fail at or above major severity.`);
    expect(md).toContain('| Total | Fail | Error | Waived | Skip | Pass |');
    expect(md).toContain(`| ${s.total} | ${s.fail} | ${s.error} | ${s.waived} | ${s.skip} | ${s.pass} |`);
    expect(md).toContain(`| Run by | \`${problems.runBy.user}@${problems.runBy.host}\` |`);
    expect(md).toContain(`| libvirt URI | \`${problems.options.libvirtUri}\` |`);
    expect(md).toContain(`| Fail on | major (exit code 1) |`);
    expect(md).toContain('| Mode | live migration (shared storage) (`--mode live`) |');
    const save = { ...problems, options: { ...problems.options, mode: 'save' as const, saveDir: '/srv/save' } };
    expect(renderMarkdown(save, ctx)).toContain('| Mode | save/restore (`--mode save`), save directory `/srv/save` |');
    expect(md).toContain(`${problems.startedAt.slice(0, 10)} ${problems.startedAt.slice(11, 19)} UTC`);
    for (const rs of problems.rulesets) expect(md).toContain(`\`${rs.path}\` sha256 \`${rs.sha256}\``);
    expect(renderMarkdown(load('clean'), ctx).startsWith('# ✅ GO: migration')).toBe(true);
  });

  it('has a results table, failures first, with every failing rule and its message', () => {
    const rows = section(md, 'Results')
      .split('\n')
      .filter((l) => l.startsWith('| ') && !l.startsWith('| Status') && !l.startsWith('| ---'));
    expect(rows).toHaveLength(problems.summary.total);
    for (const row of rows) expect(cells(row)).toHaveLength(4);
    const statuses = rows.map((r) => cells(r)[0]);
    expect(statuses.slice(0, problems.summary.fail).every((c) => c === '❌ FAIL')).toBe(true);
    expect(statuses[problems.summary.fail]).toBe('🟡 WAIVED');
    for (const r of problems.results.filter((x) => x.status === 'fail')) {
      const note = r.id === 'time.skew' ? ' (**expired waiver**)' : '';
      expect(md).toContain(`| ❌ FAIL | ${r.severity} | \`${key(r)}\` | ${r.message}${note} |`);
    }
    expect(md).toMatch(/\| 🟡 WAIVED \| major \| `cpu\.model` \| .* \(waived until 2099-12-31\) \|/);
  });

  it('details each failure and waived rule with evidence, remediation and references', () => {
    const findings = section(md, 'Findings');
    const shown = problems.results.filter((r) => r.status === 'fail' || r.status === 'waived');
    expect(findings.match(/^### /gm)).toHaveLength(shown.length);
    for (const r of shown) {
      const start = findings.indexOf(`\`${key(r)}\` — `);
      expect(start, key(r)).toBeGreaterThan(0);
      const end = findings.indexOf('\n### ', start);
      const body = findings.slice(start, end < 0 ? undefined : end);
      expect(body).toContain(`\n\n${r.message}\n\n`);
      const unit = r.evidence.unit ? ` (${r.evidence.unit})` : '';
      expect(body).toContain(`**Source ${problems.hosts.src.target}${unit}**\n\n\`\`\`json\n`);
      expect(body).toContain(`**Destination ${problems.hosts.dst.target}${unit}**\n\n\`\`\`json\n`);
      if (r.remediation) expect(body).toContain(`**Remediation:** ${escapeMarkdown(r.remediation.trim())}`);
      for (const u of r.references) expect(body).toContain(`<${u}>`);
    }
    expect(findings).toContain('```json\n["web01"]\n```');
    // time.skew's offsets are milliseconds, and say so.
    expect(problems.results.find((r) => r.id === 'time.skew')?.evidence).toEqual({ src: expect.any(Number), dst: expect.any(Number), unit: 'ms' });
    expect(findings).toContain(`**Source ${problems.hosts.src.target} (ms)**`);
    // Rule-file text is escaped too: the remediation's <cpu> element shows as text.
    expect(findings).toContain("\\<cpu mode='custom'\\>");
    expect(findings).toContain('> **Waived** until 2099-12-31 by jane.doe@example.com: Guests on hv1 use named CPU models');
    expect(findings).toContain('> **EXPIRED waiver** (expired 2020-01-31, approver ops-lead@example.com');
  });

  it('has a waivers table with the expired marker', () => {
    const w = section(md, 'Waivers');
    expect(w).toContain('1 applied, 1 expired, 1 unused.');
    for (const x of problems.waivers) {
      const row = w.split('\n').find((l) => l.startsWith(`| \`${x.rule}\` |`));
      expect(row, x.rule).toBeDefined();
      const c = cells(row ?? '');
      expect(c).toHaveLength(7);
      expect(c[2]).toBe(x.justification);
      expect(c[3]).toBe(x.approver);
      expect(c[4]).toBe(x.expires);
      expect(c[5]).toBe(x.state === 'expired' ? '⚠️ **EXPIRED**' : x.state === 'applied' ? '**applied**' : 'unused');
    }
  });

  it('lists the drift', () => {
    const d = section(md, 'Drift since baseline');
    const drift = problems.drift;
    if (!drift) throw new Error('fixture has no drift');
    expect(d).toContain(`${drift.new.length} new, ${drift.resolved.length} resolved, ${drift.changed.length} changed.`);
    expect(d).toContain(`- **New failures:** ${drift.new.map((id) => `\`${id}\``).join(', ')}`);
    expect(d).toContain('- **Resolved:** none');
    expect(d).toContain(drift.baseline.sha256);
  });

  it('puts the raw probe outputs of both hosts in <details> with fenced blocks', () => {
    const hosts = section(md, 'Host evidence');
    const { blocks } = split(hosts);
    for (const side of ['src', 'dst'] as const) {
      const h = problems.hosts[side];
      expect(hosts).toContain(`<details><summary>${side === 'src' ? 'Source' : 'Destination'}: ${h.target} (${Object.keys(h.probes).length} probes)</summary>\n\n`);
      expect(hosts).toContain(`| Host key | ${h.hostKey?.type} \`${h.hostKey?.fingerprint}\` (known) |`);
      for (const [id, p] of Object.entries(h.probes)) {
        expect(hosts).toContain(`#### \`${id}\``);
        expect(hosts).toContain(`stdout sha256 \`${p.sha256}\``);
        expect(blocks).toContain(p.command);
        if (p.stdout !== '') expect(blocks).toContain(p.stdout.replace(/\n$/, ''));
      }
    }
    expect(blocks).toContain('cat /proc/cpuinfo');
    expect(hosts.match(/<details>/g)).toHaveLength(2);
    expect(hosts.match(/<\/details>/g)).toHaveLength(2);
  });

  it('ends with the report sha256', () => {
    const last = md.trimEnd().split('\n').at(-1) ?? '';
    expect(last).toMatch(new RegExp(`^JSON report sha256: \`${SHA}\``));
    expect(md.endsWith('\n')).toBe(true);
  });

  it('says INCOMPLETE for an unreachable destination and lists the rules it blocked once', () => {
    const u = load('unreachable');
    const out = renderMarkdown(u, ctx);
    expect(out.startsWith('# ⚠️ INCOMPLETE: migration')).toBe(true);
    expect(out).toContain(`> **Destination ${u.hosts.dst.target} was not probed** (\`${u.hosts.dst.error?.code}\`): ${escapeMarkdown(u.hosts.dst.error?.message)}`);
    const findings = section(out, 'Findings');
    expect(findings).toContain(`${u.summary.error} rules were not evaluated because a host was not probed`);
    expect(findings).not.toContain('### ');
    expect(out).toContain('| Host key | none (not connected) |');
  });

  describe('hostile host output', () => {
    const out = renderMarkdown(hostile(), ctx);
    const { prose, blocks } = split(out);
    // Code spans are literal: drop them before looking for live markup.
    const text = prose.join('\n').replace(/(`+)[^`](?:.*?[^`])?\1(?!`)/g, '');

    it('leaves no live HTML outside code: only our own tags and autolinks', () => {
      for (const m of text.matchAll(/(?<!\\)<(\/?[A-Za-z][^>\s]*)/g)) {
        const tag = m[1] ?? '';
        if (/^https?:\/\//.test(tag)) continue; // an autolink, from a rule's references
        expect(['br', 'details', '/details', 'summary', '/summary']).toContain(tag);
      }
      expect(text).toContain('\\<script\\>alert(1)\\</script\\>');
      expect(text).toContain('\\</pre\\>\\<img src=x onerror=alert(2)\\>');
    });

    it('keeps the hostile message in one table row of four cells', () => {
      const row = out.split('\n').find((l) => l.startsWith('| ❌ FAIL | critical | `cpu.nx` |'));
      expect(row).toBeDefined();
      expect(cells(row ?? '')).toHaveLength(4);
      expect(row).toContain('\\| a \\| b \\|');
      expect(row).toContain('\\*bold\\* \\_em\\_ \\[link\\](http://evil.example/) \\$x\\$ \\~\\~s\\~\\~');
      expect(row).toContain('<br>');
    });

    it('fences stdout with more backticks than it holds, and keeps it intact', () => {
      const neutral = HOSTILE.replace(/\u001b\][^\u0007]*\u0007/g, '\uFFFD').replace(/\u001b\[[0-9;]*m/g, '\uFFFD').replace(/\n$/, '');
      expect(blocks).toContain(neutral);
      expect(out).toContain(`\`\`\`\`\`\n${neutral}\n\`\`\`\`\``);
      expect(blocks).toContain('printf "%s" ````x`` | cat');
    });

    it('HTML-escapes the hostname in <summary> and code-spans it in tables', () => {
      expect(out).toContain('<summary>Destination: hv3 (hv3&quot;onload=&quot;alert(5)&lt;script&gt;|`x`) (');
      expect(out).toContain('| Hostname | `` hv3"onload="alert(5)<script>\\|`x` `` |');
    });

    it('neutralises terminal escapes and does not link non-web references', () => {
      expect(out).not.toContain('\u001b');
      expect(out).not.toContain('\u0007');
      expect(out).toContain('\uFFFDRED\uFFFD');
      expect(out).not.toMatch(/\]8;;/);
      expect(out).toContain('**References:** `javascript:alert(4)`, <https://libvirt.org/migration.html>');
      expect(out).not.toContain('<javascript:');
    });
  });

  it('is deterministic and does not touch its input', () => {
    const r = load('problems');
    const before = JSON.stringify(r);
    const a = renderMarkdown(r, ctx);
    expect(renderMarkdown(r, ctx)).toBe(a);
    expect(JSON.stringify(r)).toBe(before);
    expect(a).toBe(md);
  });

  it('matches the snapshot (volatile fields normalised)', async () => {
    await expect(renderMarkdown(normalise(load('problems')), ctx)).toMatchFileSnapshot('__snapshots__/report-markdown.problems.md');
  });
});

/** The report with what changes from one lab run to the next fixed, so the snapshot shows the renderer's changes only. */
function normalise(report: Report): Report {
  const text = JSON.stringify({ ...report, runBy: { user: 'operator', host: 'jumpbox' } })
    .replace(/"(durationMs|receivedAt|remoteEpochMs|receivedAtMs|offsetMs)":-?[0-9.]+/g, '"$1":0')
    .replace(/\b[0-9a-f]{64}\b/g, '0'.repeat(64))
    .replace(/SHA256:[A-Za-z0-9+/]{43}/g, 'SHA256:fingerprint')
    .replace(/mp-lab0-[A-Za-z0-9]{6}/g, 'mp-lab0-XXXXXX')
    .replace(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z/g, '2026-01-01T00:00:00.000Z');
  const r = JSON.parse(text) as Report;
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
