import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package root, found from this module (works from src/ under vitest and from dist/src/). */
function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'rules'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error('migrate-preflight: package root not found');
    dir = up;
  }
}

export const PACKAGE_ROOT = findRoot();
export const BUILTIN_RULES_DIR = join(PACKAGE_ROOT, 'rules');
export const TOOL = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { name: string; version: string };
