import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The shared corpus of real outputs: $MP_CORPUS_DIR, else ../shared/corpus beside the project. */
export const CORPUS_URL = process.env.MP_CORPUS_DIR
  ? pathToFileURL(`${process.env.MP_CORPUS_DIR.replace(/\/$/, '')}/`)
  : new URL('../../../shared/corpus/', import.meta.url);

/**
 * Directories of the corpus a suite reads, and whether they are all there. When one is missing
 * it says so loudly: the suite is then skipped (reported as skipped, never as passed).
 */
export function corpusDirs(suite: string, ...subdirs: string[]): { dirs: string[]; present: boolean } {
  const dirs = subdirs.map((s) => fileURLToPath(new URL(`${s}/`, CORPUS_URL)));
  const missing = dirs.filter((d) => !existsSync(d));
  if (missing.length > 0) {
    console.warn(
      `\n!!! CORPUS MISSING: ${missing.join(', ')} does not exist.\n` +
        `!!! The ${suite} corpus tests are SKIPPED (not passed). Set MP_CORPUS_DIR or place the corpus at ../shared/corpus to run them.\n`,
    );
  }
  return { dirs, present: missing.length === 0 };
}
