import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderHtml } from '../../src/report/html.js';
import type { Report } from '../../src/types.js';

// A real browser renders the HTML report: Debian's `chromium` package (not installed by the test).
const CHROMIUM = '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
if (!HAVE_CHROMIUM) {
  console.warn(`\n*** report-html-render: SKIPPED: ${CHROMIUM} not found. Install Debian's "chromium" package (apt-get install -y chromium) to run it. ***\n`);
}

const FIXTURES = fileURLToPath(new URL('../fixtures/reports/', import.meta.url));
const load = (name: string): Report => JSON.parse(readFileSync(`${FIXTURES}${name}.json`, 'utf8')) as Report;
const ctx = { color: false, quiet: false, reportSha256: 'd'.repeat(64) };

describe.skipIf(!HAVE_CHROMIUM)('HTML report in headless Chromium', () => {
  // Made in beforeAll: the body of a skipped describe still runs, its hooks do not.
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'mp-html-render-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  let profiles = 0;
  /** One Chromium run with a fresh profile and nothing that phones home. */
  function chromium(args: readonly string[]): string {
    const profile = join(dir, `profile-${profiles++}`);
    return execFileSync(
      CHROMIUM,
      [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        `--user-data-dir=${profile}`,
        ...args,
      ],
      { encoding: 'utf8', timeout: 90_000, maxBuffer: 64 * 1024 * 1024, stdio: ['ignore', 'pipe', 'pipe'] },
    );
  }

  function page(name: string, report: Report): string {
    const file = join(dir, `${name}.html`);
    writeFileSync(file, renderHtml(report, ctx));
    return pathToFileURL(file).href;
  }

  it('takes a screenshot of the NO-GO report', () => {
    const png = join(dir, 'problems.png');
    chromium(['--window-size=1280,2000', `--screenshot=${png}`, page('problems', load('problems'))]);
    expect(existsSync(png)).toBe(true);
    const bytes = readFileSync(png);
    expect([...bytes.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(bytes.subarray(12, 16).toString('latin1')).toBe('IHDR');
    expect([bytes.readUInt32BE(16), bytes.readUInt32BE(20)]).toEqual([1280, 2000]);
    // A blank page compresses to a few KB; a rendered report with tables and colour is far larger.
    expect(statSync(png).size).toBeGreaterThan(50_000);
    const keep = process.env['MP_REPORT_SCREENSHOT'];
    if (keep) copyFileSync(png, keep);
  }, 120_000);

  it('renders the verdict into the DOM, with no <script> element', () => {
    const report = load('problems');
    const dom = chromium(['--dump-dom', page('dom', report)]);
    expect(dom).toContain('<div class="word">NO-GO</div>');
    expect(dom).toContain(`${report.summary.fail} rules fail at or above major severity.`);
    expect(dom).not.toMatch(/<script/i);
    // Per-domain results have their own card: "network.bridges [web01]" → id="rule-network.bridges__web01_".
    const fails = report.results.filter((x) => x.status === 'fail');
    expect(fails).toHaveLength(14);
    for (const r of fails) expect(dom).toContain(`id="rule-${(r.domain ? `${r.id} [${r.domain}]` : r.id).replace(/[^A-Za-z0-9._-]/g, '_')}"`);
  }, 120_000);

  it('keeps hostile host output as text in the live DOM', () => {
    const report = structuredClone(load('problems')) as unknown as { hosts: { dst: { hostname: string; probes: Record<string, { stdout: string }> } } };
    const nft = report.hosts.dst.probes['nft'];
    if (!nft) throw new Error('fixture lacks the nft probe');
    nft.stdout = '<script>document.title="pwned"</script></pre><img src=x onerror="document.title=\'pwned\'">\u001b[31mRED';
    report.hosts.dst.hostname = 'hv3"><svg onload=alert(1)>';
    const dom = chromium(['--dump-dom', page('hostile', report as unknown as Report)]);
    expect(dom).not.toMatch(/<script/i);
    expect(dom).not.toMatch(/<img/i);
    expect(dom).not.toMatch(/<svg/i);
    expect(dom).not.toContain('pwned</title>');
    expect(dom).toContain('&lt;script&gt;document.title="pwned"&lt;/script&gt;&lt;/pre&gt;&lt;img src=x');
    expect(dom).toContain('hv3"&gt;&lt;svg onload=alert(1)&gt;');
  }, 120_000);

  /**
   * A report page as a 1280 px wide browser lays it out, measured by a script added to a copy (the
   * report itself runs none: its CSP forbids it): every table cell whose right edge passes the
   * viewport's, as "heading before the table: cell text".
   */
  function overflowAt1280(name: string, html: string): string[] {
    const file = join(dir, `${name}-measured.html`);
    const measure =
      `<script>addEventListener('load',()=>{const w=document.documentElement.clientWidth;const out=[];` +
      `document.querySelectorAll('table').forEach((t)=>{const h=t.previousElementSibling?.textContent?.trim()||'table';` +
      `t.querySelectorAll('th,td').forEach((c)=>{const r=c.getBoundingClientRect();if(r.width>0&&r.right>w+0.5)out.push(h+': '+(c.textContent||'').trim().slice(0,40)+' (right '+Math.round(r.right)+' > '+w+')');});});` +
      `const p=document.createElement('pre');p.id='overflow';p.textContent=JSON.stringify(out);document.body.append(p);});</script>`;
    writeFileSync(file, html.replace(/<meta http-equiv="Content-Security-Policy"[^>]*>/, '').replace('</body>', `${measure}</body>`));
    const dom = chromium(['--window-size=1280,2000', '--virtual-time-budget=3000', '--dump-dom', pathToFileURL(file).href]);
    const m = /<pre id="overflow">(.*?)<\/pre>/s.exec(dom);
    if (!m) throw new Error('the measuring script did not run');
    return JSON.parse((m[1] as string).replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&')) as string[];
  }

  it('at 1280 px no column of any table runs off the page, long domain names included', () => {
    expect(overflowAt1280('problems', renderHtml(load('problems'), ctx))).toEqual([]);
    const saved = load('problems');
    const domains = saved.domains ?? [];
    const report: Report = { ...saved, domains: [...domains, ...domains.map((d) => ({ ...d, name: `${d.name}-with-a-long-name-from-the-inventory` }))] };
    expect(overflowAt1280('long', renderHtml(report, ctx))).toEqual([]);
  }, 120_000);

  it('the measurement catches an overflow: the old nowrap rule on every overview table pushes the Domains table off the page', () => {
    const html = renderHtml(load('problems'), ctx);
    expect(html).toContain('table.results td:nth-child(3){white-space:nowrap}');
    const old = html.replace('table.results td:nth-child(3){white-space:nowrap}', 'table.overview td:nth-child(3){white-space:nowrap}');
    expect(overflowAt1280('old', old).some((x) => x.startsWith('Domains: '))).toBe(true);
  }, 120_000);
});
