/**
 * The command line, dist/bin: one CommonJS program (app.cjs: our code and the packages, esbuild),
 * a loader (migrate-preflight.js) and the V8 code cache the loader runs the program with, made by
 * training runs of the program (a replay, then a pair check: train.ts). Loading
 * ~70 modules one by one cost every run ~35 ms; parsing and compiling the bundle another ~60 ms,
 * which the cache saves (bench:pair). The commands still load their work when they run: esbuild
 * keeps each import() a lazily run part of the one file. The library (dist/src) is tsc's output.
 * Run by `npm run build` after tsc.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';
import { trainOnPair } from './train.js';

/** The project root, from dist/scripts/bundle.js. */
const root = (rel: string): string => fileURLToPath(new URL(`../../${rel}`, import.meta.url));
const out = root('dist/bin');

rmSync(out, { recursive: true, force: true });
// The sources' import.meta.url (createRequire, files beside the code) is the bundle's own file URL.
const common = {
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  define: { 'import.meta.url': '__mpModuleUrl' },
  logLevel: 'warning',
} as const;
/**
 * The library loads some packages when first needed, `createRequire(import.meta.url)('ajv')`, which
 * esbuild cannot follow; as `require('ajv')` they are in the bundle (and its code cache), still
 * loaded only when that line runs.
 */
const lazyRequires: Plugin = {
  name: 'lazy-requires',
  setup(b) {
    b.onLoad({ filter: /[\\/]src[\\/].*\.ts$/ }, (args) => {
      const text = readFileSync(args.path, 'utf8');
      return text.includes('createRequire(import.meta.url)(') ? { contents: text.replaceAll('createRequire(import.meta.url)(', 'require('), loader: 'ts' } : undefined;
    });
  },
};
const fileUrl = "const __mpModuleUrl = require('node:url').pathToFileURL(__filename).href;";
// The build id ties the cache to this bundle (V8 checks only the source's length).
const id = randomBytes(8).toString('hex');
await build({
  ...common,
  entryPoints: [root('bin/migrate-preflight.ts')],
  outfile: join(out, 'app.cjs'),
  // ssh2's optional native addons stay out: it runs without them, and they are not JavaScript.
  external: ['cpu-features', '*.node'],
  banner: { js: `/* build ${id} */\n${fileUrl}` },
  plugins: [lazyRequires],
  sourcemap: true,
});
// The loader reads the program as latin1 (no UTF-8 decoding); esbuild's default charset escapes non-ASCII.
if (readFileSync(join(out, 'app.cjs')).some((c) => c > 0x7f)) throw new Error('bundle: app.cjs is not ASCII; the loader reads it as latin1');
await build({ ...common, entryPoints: [root('bin/loader.ts')], outfile: join(out, 'migrate-preflight.js'), banner: { js: fileUrl } });
// The project is "type": "module"; the loader is CommonJS (the quicker start for a script).
writeFileSync(join(out, 'package.json'), '{ "type": "commonjs" }\n');

// The training runs, each adding what it compiled to the cache: a saved report replayed (rules,
// evaluation, the parsers of real evidence, the console report), then a pair check of this machine
// as two hosts (train.ts: ssh2's client, the collection). Not the other formats: V8 reads a cache
// whole at every start, and a check seldom writes them.
const cache = join(out, 'app.cache');
const run = spawnSync(process.execPath, [join(out, 'migrate-preflight.js'), 'replay', root('test/fixtures/reports/problems.json'), '--no-color'], {
  env: { ...process.env, MIGRATE_PREFLIGHT_WRITE_CODE_CACHE: cache },
  encoding: 'utf8',
});
// The replay's exit code is its verdict (problems.json is a NO-GO): a missing cache is the failure.
if (!existsSync(cache)) throw new Error(`bundle: the training run wrote no code cache (exit ${run.status}): ${run.stderr.trim()}`);
try {
  await trainOnPair(join(out, 'migrate-preflight.js'), cache);
} catch (e) {
  process.stderr.write(`bundle: the code cache is trained on a replay only (a first check compiles ssh2 and the collection): ${e instanceof Error ? e.message : String(e)}\n`);
}
