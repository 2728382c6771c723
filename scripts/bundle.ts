/**
 * The command-line entry point as one module plus lazily loaded chunks (esbuild), written over
 * dist/bin: loading ~70 modules one by one cost every run ~35 ms of its start-up (bench:pair).
 * Our own code only; the packages stay in node_modules. The library (dist/src) is tsc's output.
 * Run by `npm run build` after tsc.
 */
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/** The project root, from dist/scripts/bundle.js. */
const root = (rel: string): string => fileURLToPath(new URL(`../../${rel}`, import.meta.url));

// Chunk names carry a hash: the last build's would stay beside the new ones.
rmSync(root('dist/bin'), { recursive: true, force: true });
await build({
  entryPoints: [root('bin/migrate-preflight.ts')],
  outdir: root('dist/bin'),
  entryNames: '[name]',
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  // The commands load their work when they run (import()): each such part is a chunk of its own.
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning',
});
