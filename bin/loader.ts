#!/usr/bin/env node
/**
 * The command line's start: runs the bundled program (app.cjs, scripts/bundle.ts) from the V8
 * code cache the build made of it (app.cache), so a run neither parses nor compiles the JavaScript
 * it needs (bench:pair). The build's training runs (a replay, then a pair check of the build
 * machine as two hosts) set MIGRATE_PREFLIGHT_WRITE_CODE_CACHE: each starts from the cache the
 * one before made and writes, at exit, what it and they compiled. Nothing else writes a cache.
 *
 * V8 checks a cache against its own version and flags and the source's length only, and aborts on
 * damaged code, so the cache starts with a line naming the bundle's build and the sha256 of what
 * follows. A cache that does not fit (another Node, other V8 flags, another build) is not used:
 * the run compiles as it would without one, slower, never wrong.
 */
import { createHash } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Script } from 'node:vm';

const here = dirname(fileURLToPath(import.meta.url));
const file = join(here, 'app.cjs');
// The bundle is ASCII (the build checks): read as latin1, no UTF-8 decoding (~2 ms).
const source = readFileSync(file, 'latin1');
const build = /^\/\* build (\w+) \*\//.exec(source)?.[1] ?? '';
const training = process.env['MIGRATE_PREFLIGHT_WRITE_CODE_CACHE'];
const cacheFile = training ?? join(here, 'app.cache');

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** The cache's code, when it is this build's and undamaged. */
function read(path: string): Buffer | undefined {
  try {
    const data = readFileSync(path);
    const nl = data.indexOf(0x0a);
    const [id, sum] = data.subarray(0, nl).toString('latin1').split(' ');
    const code = data.subarray(nl + 1);
    return nl > 0 && build !== '' && id === build && sum === sha256(code) ? code : undefined;
  } catch {
    return undefined;
  }
}

const script = new Script(Module.wrap(source), { filename: file, cachedData: read(cacheFile) });

if (training) {
  // At exit: the functions the run compiled are in the cache too. Written beside and renamed into
  // place (a reader never sees half a file), readable by every user of the installation.
  process.on('exit', () => {
    const code = script.createCachedData();
    writeFileSync(`${training}.tmp`, Buffer.concat([Buffer.from(`${build} ${sha256(code)}\n`), code]), { mode: 0o644 });
    renameSync(`${training}.tmp`, training);
  });
}

const run = script.runInThisContext() as (exports: object, require: NodeJS.Require, module: object, filename: string, dirname: string) => void;
const mod = { exports: {}, filename: file, id: file, loaded: false };
run.call(mod.exports, mod.exports, createRequire(file), mod, file, here);
