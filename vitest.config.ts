import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globals: false,
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // The command line keeps a code cache after a check (bin/loader.ts): the tests' own, not the user's.
    env: { MIGRATE_PREFLIGHT_CACHE_DIR: join(tmpdir(), 'mp-test-code-cache') },
  },
});
