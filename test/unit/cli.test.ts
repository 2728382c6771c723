/**
 * The CLI in-process (main() with its own stdout and stderr): what it refuses before contacting
 * any host, and how it prints. Host names here resolve nowhere: every case ends before SSH.
 */
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { main, MAX_TIMEOUT_S } from '../../src/cli.js';

const FIX = fileURLToPath(new URL('../fixtures/reports/', import.meta.url));

class Sink extends Writable {
  text = '';
  constructor(readonly isTTY = false) {
    super();
  }
  override _write(chunk: Buffer, _enc: string, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

async function run(argv: string[], env: NodeJS.ProcessEnv = {}, tty = false): Promise<{ code: number; out: string; err: string }> {
  const stdout = new Sink(tty);
  const stderr = new Sink();
  const code = await main(argv, { stdout, stderr, env });
  return { code, out: stdout.text, err: stderr.text };
}

describe('refused before any host is contacted (exit 2)', () => {
  it.each([
    [['-F', '/dev/null', 'fleet', 'h1', 'h2'], /--ssh-config before "fleet": a subcommand's options go after it \(migrate-preflight fleet --ssh-config \.\.\.\)/],
    [['--json', '/tmp/x.json', 'replay', `${FIX}clean.json`], /--json before "replay"/],
    [['--fail-on', 'never', 'replay', `${FIX}clean.json`], /--fail-on before "replay"/],
    [['-q', '--no-color', 'rules', 'list'], /--no-color, --quiet before "rules"/],
  ])('options before a subcommand: %j', async (argv, why) => {
    const r = await run(argv);
    expect(r).toMatchObject({ code: 2, out: '' });
    expect(r.err).toMatch(why);
  });

  it('the same host twice', async () => {
    const r = await run(['hv1.example.net', 'hv1.example.net']);
    expect(r).toMatchObject({ code: 2, out: '' });
    expect(r.err).toMatch(/source and destination are the same host \(hv1\.example\.net\): a migration needs two/);
  });

  it.each(['--timeout', '--connect-timeout', '--probe-timeout'])('%s past a day (Node timers overflow at ~24.8 days)', async (flag) => {
    const r = await run([flag, '3000000', 'a', 'b']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(new RegExp(`${flag} .*expected at most ${MAX_TIMEOUT_S} seconds`));
    expect((await run([flag, String(MAX_TIMEOUT_S + 1), 'a', 'b'])).code).toBe(2);
  });

  it('an output path that cannot be written, before probing', async () => {
    const r = await run(['--json', '/nonexistent/dir/r.json', 'a', 'b']);
    expect(r).toMatchObject({ code: 2, out: '' });
    expect(r.err).toMatch(/--json \/nonexistent\/dir\/r\.json: directory \/nonexistent\/dir does not exist/);
    expect(r.err).not.toMatch(/\[(src|dst)\]/);
  });
});

describe('colour', () => {
  const ESC = String.fromCharCode(27);
  it('NO_COLOR turns it off only when non-empty (no-color.org); --no-color always', async () => {
    const replay = ['replay', `${FIX}clean.json`, '-q'];
    expect((await run(replay, {}, true)).out).toContain(`${ESC}[`);
    expect((await run(replay, { NO_COLOR: '' }, true)).out).toContain(`${ESC}[`);
    expect((await run(replay, { NO_COLOR: '1' }, true)).out).not.toContain(`${ESC}[`);
    expect((await run([...replay, '--no-color'], {}, true)).out).not.toContain(`${ESC}[`);
    // Not a terminal: none.
    expect((await run(replay, {}, false)).out).not.toContain(`${ESC}[`);
  });
});

describe('two names for one host', () => {
  it('an alias and the address it names, or an address and its port 22 spelled out, are the same host twice', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'mp-cli-'));
    writeFileSync(join(dir, 'config'), 'Host hv-a\n  HostName 192.0.2.10\n');
    for (const pair of [['hv-a', '192.0.2.10'], ['192.0.2.10', 'root@192.0.2.10:22']]) {
      const r = await run(['-F', join(dir, 'config'), ...pair]);
      expect(r).toMatchObject({ code: 2, out: '' });
      expect(r.err).toMatch(/both reach 192\.0\.2\.10:22: the same host twice/);
    }
  });
});

describe('--change-id', () => {
  it('is shown in every report, with sign-off fields in HTML and Markdown; a malformed id is refused', async () => {
    const { mkdtempSync, readFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'mp-change-'));
    const out = (f: string): string => join(dir, f);
    const r = await run(['replay', `${FIX}clean.json`, '--change-id', 'CHG0012345', '--json', out('r.json'), '--html', out('r.html'), '--markdown', out('r.md'), '--junit', out('r.xml')]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^ {2}change CHG0012345$/m);
    expect(JSON.parse(readFileSync(out('r.json'), 'utf8')).options.changeId).toBe('CHG0012345');
    const html = readFileSync(out('r.html'), 'utf8');
    expect(html).toContain('<h2>Sign-off: change <code>CHG0012345</code></h2>');
    expect(html).toContain('<td>Approved by (change-advisory board)</td>');
    expect(readFileSync(out('r.md'), 'utf8')).toContain('## Sign-off: change `CHG0012345`');
    expect(readFileSync(out('r.xml'), 'utf8')).toContain('<property name="change-id" value="CHG0012345"/>');
    for (const bad of ['', 'CHG 1', 'x'.repeat(65), '-rf']) expect((await run(['replay', `${FIX}clean.json`, '--change-id', bad])).code).toBe(2);
  });
});
