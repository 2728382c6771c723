import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

// The built command line (npm test builds first), copied per case so each can damage its own cache.
// Copies stay under dist/ so that the package root the program finds (rules/, package.json) is the same.
const DIST = fileURLToPath(new URL('../../dist/', import.meta.url));
const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
const made: string[] = [];
afterAll(() => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

function copy(): { bin: string; cache: string; build: string; code: Buffer } {
  const dir = mkdtempSync(join(DIST, 'loader-test-'));
  made.push(dir);
  cpSync(join(DIST, 'bin'), dir, { recursive: true });
  const data = readFileSync(join(dir, 'app.cache'));
  const nl = data.indexOf(0x0a);
  const build = data.subarray(0, nl).toString('latin1').split(' ')[0] as string;
  return { bin: join(dir, 'migrate-preflight.js'), cache: join(dir, 'app.cache'), build, code: Buffer.from(data.subarray(nl + 1)) };
}

/** Code V8 would abort on (it checks no checksum of its own): flipped bytes where the cache holds functions. */
function damaged(code: Buffer): Buffer {
  const d = Buffer.from(code);
  for (let i = 0; i < 4096; i++) d[5000 + i] = (d[5000 + i] as number) ^ 0x5a;
  return d;
}

/** A cache file: the build's id, the sha256 of the code (`sum`, when given, instead), the code. */
const cacheFile = (id: string, code: Buffer, sum = createHash('sha256').update(code).digest('hex')): Buffer => Buffer.concat([Buffer.from(`${id} ${sum}\n`), code]);

const version = (bin: string) => spawnSync(process.execPath, [bin, '--version'], { encoding: 'utf8' });

describe('the command line loader (bin/loader.ts) and its code cache', () => {
  it('runs from the build cache', () => {
    const { bin, build, code } = copy();
    expect(build).toMatch(/^[0-9a-f]{16}$/);
    expect(code.length).toBeGreaterThan(100_000);
    const r = version(bin);
    expect(r.stdout.trim()).toBe(VERSION);
    expect(r.status).toBe(0);
  });

  it('(the premise) V8 aborts on the damaged code these cases plant, so a case that runs did not use it', () => {
    const { bin, cache, build, code } = copy();
    writeFileSync(cache, cacheFile(build, damaged(code)));
    const r = version(bin);
    expect(r.status === 0 && r.signal === null).toBe(false);
  });

  it('does not use a cache whose bytes do not match its sha256', () => {
    const { bin, cache, build, code } = copy();
    writeFileSync(cache, cacheFile(build, damaged(code), createHash('sha256').update(code).digest('hex')));
    const r = version(bin);
    expect(r.signal).toBeNull();
    expect(r.stdout.trim()).toBe(VERSION);
  });

  it("does not use another build's cache", () => {
    const { bin, cache, code } = copy();
    writeFileSync(cache, cacheFile('0123456789abcdef', damaged(code)));
    const r = version(bin);
    expect(r.signal).toBeNull();
    expect(r.stdout.trim()).toBe(VERSION);
  });

  it('runs without a cache, or with an empty or cut one', () => {
    const { bin, cache, build, code } = copy();
    for (const data of [Buffer.alloc(0), cacheFile(build, code).subarray(0, 50), Buffer.from('garbage')]) {
      writeFileSync(cache, data);
      const r = version(bin);
      expect(r.signal).toBeNull();
      expect(r.stdout.trim()).toBe(VERSION);
    }
    rmSync(cache);
    expect(version(bin).stdout.trim()).toBe(VERSION);
  });
});
