/** The generated files (scripts/generate.ts) are what their sources give: run `npm run gen` after changing a schema or an operator. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generated } from '../../scripts/generate.js';

describe('generated files', () => {
  for (const f of generated()) {
    it(`${f.path.replace(/^.*\/(src|rules)\//, '$1/')} is up to date (npm run gen)`, () => {
      expect(readFileSync(f.path, 'utf8')).toBe(f.text);
    });
  }
});
