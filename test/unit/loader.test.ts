import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, chownSync, cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

// The built command line (npm test builds first), copied per case so each can damage its own caches.
// Copies stay under dist/ so that the package root the program finds (rules/, package.json) is the same.
const DIST = fileURLToPath(new URL('../../dist/', import.meta.url));
const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
const made: string[] = [];
afterAll(() => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

function copy(): { bin: string; dir: string; build: string; code: Buffer } {
  const dir = mkdtempSync(join(DIST, 'loader-test-'));
  made.push(dir);
  cpSync(join(DIST, 'bin'), dir, { recursive: true });
  const data = readFileSync(join(dir, 'app.cache'));
  const nl = data.indexOf(0x0a);
  const build = data.subarray(0, nl).toString('latin1').split(' ')[0] as string;
  return { bin: join(dir, 'migrate-preflight.js'), dir, build, code: Buffer.from(data.subarray(nl + 1)) };
}

/** Code V8 would abort on (it checks no checksum of its own): flipped bytes where the cache holds functions. */
function damaged(code: Buffer): Buffer {
  const d = Buffer.from(code);
  for (let i = 0; i < 4096; i++) d[5000 + i] = (d[5000 + i] as number) ^ 0x5a;
  return d;
}

const cacheFile = (build: string, code: Buffer, id = build): Buffer =>
  Buffer.concat([Buffer.from(`${id} ${createHash('sha256').update(code).digest('hex')}\n`), code]);

const version = (bin: string, cacheDir: string) =>
  spawnSync(process.execPath, [bin, '--version'], { encoding: 'utf8', env: { ...process.env, MIGRATE_PREFLIGHT_CACHE_DIR: cacheDir } });

/** The user cache's name for a run with no Node options but the environment's. */
const userCache = (build: string): string =>
  `code-${build}-${process.version}-${process.arch}-${createHash('sha256').update(` ${process.env.NODE_OPTIONS ?? ''}`).digest('hex').slice(0, 8)}.v8`;

describe('the command line loader (bin/loader.ts) and its code caches', () => {
  it('runs from the build cache', () => {
    const { bin, build, code } = copy();
    expect(build).toMatch(/^[0-9a-f]{16}$/);
    expect(code.length).toBeGreaterThan(100_000);
    const r = version(bin, 'off');
    expect(r.stdout.trim()).toBe(VERSION);
    expect(r.status).toBe(0);
  });

  it('(the premise) V8 aborts on the damaged code these cases plant, so a case that runs did not read it', () => {
    const { bin, build, code } = copy();
    const priv = mkdtempSync(join(DIST, 'loader-test-'));
    made.push(priv);
    chmodSync(priv, 0o700);
    writeFileSync(join(priv, userCache(build)), cacheFile(build, damaged(code)), { mode: 0o600 });
    const r = version(bin, priv);
    expect(r.status === 0 && r.signal === null).toBe(false);
  });

  it('does not use a build cache whose bytes do not match its sha256', () => {
    const { bin, dir, build, code } = copy();
    const good = cacheFile(build, code);
    const bad = Buffer.concat([good.subarray(0, good.indexOf(0x0a) + 1), damaged(code)]);
    writeFileSync(join(dir, 'app.cache'), bad);
    const r = version(bin, 'off');
    expect(r.signal).toBeNull();
    expect(r.stdout.trim()).toBe(VERSION);
  });

  it("does not use another build's cache", () => {
    const { bin, dir, build, code } = copy();
    writeFileSync(join(dir, 'app.cache'), cacheFile(build, damaged(code), '0123456789abcdef'));
    const r = version(bin, 'off');
    expect(r.signal).toBeNull();
    expect(r.stdout.trim()).toBe(VERSION);
  });

  it('does not read a user cache in a folder others can write to, nor one whose sha256 does not match', () => {
    const { bin, dir, build, code } = copy();
    // A cache with a valid header and damaged code: read, it would abort the run.
    const open = join(dir, 'open-cache');
    mkdirSync(open);
    chmodSync(open, 0o777);
    writeFileSync(join(open, userCache(build)), cacheFile(build, damaged(code)), { mode: 0o600 });
    const r1 = version(bin, open);
    expect(r1.signal).toBeNull();
    expect(r1.stdout.trim()).toBe(VERSION);

    const priv = join(dir, 'private-cache');
    mkdirSync(priv, { mode: 0o700 });
    const file = cacheFile(build, code);
    writeFileSync(join(priv, userCache(build)), Buffer.concat([file.subarray(0, file.indexOf(0x0a) + 1), damaged(code)]), { mode: 0o600 });
    const r2 = version(bin, priv);
    expect(r2.signal).toBeNull();
    expect(r2.stdout.trim()).toBe(VERSION);
    // A run that is not a check writes no user cache.
    expect(readdirSync(priv)).toEqual([userCache(build)]);
  });

  it.skipIf(process.getuid?.() !== 0)("does not read a user cache another user owns (root: chown)", () => {
    const { bin, dir, build, code } = copy();
    const priv = join(dir, 'cache');
    mkdirSync(priv, { mode: 0o700 });
    const f = join(priv, userCache(build));
    writeFileSync(f, cacheFile(build, damaged(code)), { mode: 0o600 });
    chownSync(f, 65534, 65534);
    const r = version(bin, priv);
    expect(r.signal).toBeNull();
    expect(r.stdout.trim()).toBe(VERSION);
  });
});
