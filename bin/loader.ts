#!/usr/bin/env node
/**
 * The command line's start: runs the bundled program (app.cjs, scripts/bundle.ts) from a V8 code
 * cache, so a run neither parses nor compiles the JavaScript it needs (bench:pair).
 *
 * Two caches. The build's (app.cache), made by training runs (scripts/bundle.ts): a replay and a
 * pair check of the build machine as two hosts. The user's, written once after the first pair check of a
 * build (the check marks its run, CHECKED below) to $MIGRATE_PREFLIGHT_CACHE_DIR or
 * $XDG_CACHE_HOME/migrate-preflight (~/.cache/migrate-preflight): it holds what that check compiled
 * (ssh2, the collection), ~30 ms a run more. MIGRATE_PREFLIGHT_CACHE_DIR=off writes and reads none;
 * a folder others can write to is neither read nor written.
 *
 * V8 checks a cache against its own version and flags and the source's length only, and crashes
 * on a damaged one, so each file starts with a line naming the bundle's build and the sha256 of
 * what follows; a user cache is read only when this user owns it and its folder and no one else
 * can write to either (code from a cache runs as this user). A cache that does not fit is not
 * used: slower, never wrong.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Script } from 'node:vm';

/** Set on globalThis by a run whose compiled code is worth a user cache (src/cli/pair.ts). */
const CHECKED = Symbol.for('migrate-preflight.code-cache');

const here = dirname(fileURLToPath(import.meta.url));
const file = join(here, 'app.cjs');
// The bundle is ASCII (the build checks): read as latin1, no UTF-8 decoding (~2 ms).
const source = readFileSync(file, 'latin1');
const build = /^\/\* build (\w+) \*\//.exec(source)?.[1] ?? '';
const training = process.env['MIGRATE_PREFLIGHT_WRITE_CODE_CACHE'];

const dirSetting = process.env['MIGRATE_PREFLIGHT_CACHE_DIR'];
const userDir = dirSetting === 'off' ? null : dirSetting || join(process.env['XDG_CACHE_HOME'] || join(homedir(), '.cache'), 'migrate-preflight');
// V8 takes a cache only under the flags it was made with: one file per set of Node options, so
// runs under different ones do not replace each other's.
const flags = createHash('sha256').update(`${process.execArgv.join(' ')} ${process.env['NODE_OPTIONS'] ?? ''}`).digest('hex').slice(0, 8);
const userFile = userDir && join(userDir, `code-${build}-${process.version}-${process.arch}-${flags}.v8`);

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** A cache file's code, when it is this build's and undamaged. */
function read(path: string): Buffer | undefined {
  try {
    const data = readFileSync(path);
    const nl = data.indexOf(0x0a);
    const [id, sum] = data.subarray(0, nl).toString('latin1').split(' ');
    const code = data.subarray(nl + 1);
    return nl > 0 && id === build && sum === sha256(code) ? code : undefined;
  } catch {
    return undefined;
  }
}

/** Only this user can have written it: theirs, and no one else can write to it. */
function own(path: string): boolean {
  try {
    const s = statSync(path);
    return s.uid === (process.getuid?.() ?? s.uid) && (s.mode & 0o022) === 0;
  } catch {
    return false;
  }
}

/** The user's cache folder when it is safe to use: private, or not there yet (it is made so). */
const userDirOk = ((): boolean => {
  if (!userDir) return false;
  try {
    statSync(userDir);
  } catch {
    return true;
  }
  return own(userDir);
})();

const fromUser = build && !training && userDirOk && userFile && own(userFile) ? read(userFile) : undefined;
// A training run starts from the cache a previous one made (the union of what they compiled is kept).
const cachedData = training ? read(training) : (fromUser ?? (build ? read(join(here, 'app.cache')) : undefined));
const script = new Script(Module.wrap(source), { filename: file, cachedData });
const userCacheUsed = fromUser !== undefined && !script.cachedDataRejected;

/** Written beside and renamed into place: a reader never sees half a file. */
function write(path: string, mode: number): void {
  const code = script.createCachedData();
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, Buffer.concat([Buffer.from(`${build} ${sha256(code)}\n`), code]), { mode });
  renameSync(tmp, path);
}

process.on('exit', () => {
  // At exit: the functions the run compiled are in the cache too.
  // The build's cache is read by every user of an installation; a user's, by that user alone.
  if (training) return write(training, 0o644);
  if (!userDir || !userFile || !userDirOk || userCacheUsed || !(globalThis as Record<symbol, unknown>)[CHECKED]) return;
  try {
    mkdirSync(userDir, { recursive: true, mode: 0o700 });
    // Other builds' caches go (they would pile up at every upgrade), and what a write cut short left.
    for (const f of readdirSync(userDir)) if (f.startsWith('code-') && (!f.startsWith(`code-${build}-`) || f.endsWith('.tmp'))) rmSync(join(userDir, f), { force: true });
    write(userFile, 0o600);
  } catch {
    // A read-only or full home: the next run compiles as this one did.
  }
});

const run = script.runInThisContext() as (exports: object, require: NodeJS.Require, module: object, filename: string, dirname: string) => void;
const mod = { exports: {}, filename: file, id: file, loaded: false };
run.call(mod.exports, mod.exports, createRequire(file), mod, file, here);
