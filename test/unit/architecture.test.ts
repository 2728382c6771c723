/**
 * The shape of src/: no import cycles (type-only imports count too: a cycle of types is still a
 * tangle to read), the types in src/model/ import nothing of the rest, and the leaf modules
 * import nothing of the project.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));

/** What src/model/ (and src/types.ts, its barrel) may import besides src/model/: the vocabulary, a leaf. */
const MODEL_MAY_IMPORT = ['checks/vocabulary.ts'];

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

/** Each module's relative imports, resolved to files under src/. */
function graph(): Map<string, string[]> {
  const g = new Map<string, string[]>();
  for (const f of files(SRC)) {
    const text = readFileSync(f, 'utf8');
    const deps = [...text.matchAll(/^(?:import|export)\b[^'"]*?from\s+'(\.[^']+)'/gm)].map((m) => resolve(dirname(f), (m[1] as string).replace(/\.js$/, '.ts')));
    g.set(f, deps);
  }
  return g;
}

/** The cycles, each as the list of modules on it (relative to src/). */
function cycles(g: Map<string, string[]>): string[][] {
  const found: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (n: string): void => {
    state.set(n, 'open');
    stack.push(n);
    for (const d of g.get(n) ?? []) {
      if (state.get(d) === 'open') found.push(stack.slice(stack.indexOf(d)).map((x) => relative(SRC, x)));
      else if (!state.has(d)) visit(d);
    }
    stack.pop();
    state.set(n, 'done');
  };
  for (const n of g.keys()) if (!state.has(n)) visit(n);
  return found;
}

describe('src/ structure', () => {
  const g = graph();

  it('has no import cycle', () => {
    expect(g.size).toBeGreaterThan(50);
    expect(cycles(g)).toEqual([]);
  });

  // The report and facts types live in model/ and import only each other (and the vocabulary), so
  // the modules that import them sit on no cycle through them.
  it('keeps src/model/ and src/types.ts importing nothing outside src/model/ (but the vocabulary)', () => {
    const model = files(join(SRC, 'model'));
    expect(model.length).toBeGreaterThan(0);
    for (const f of [...model, join(SRC, 'types.ts')]) {
      const outside = (g.get(f) ?? []).map((d) => relative(SRC, d)).filter((d) => !d.startsWith('model/') && !MODEL_MAY_IMPORT.includes(d));
      expect(outside, relative(SRC, f)).toEqual([]);
    }
  });

  it('keeps its leaves leaves: the vocabulary and the address parser import nothing of the project', () => {
    for (const leaf of ['checks/vocabulary.ts', 'net/addr.ts']) expect(g.get(join(SRC, leaf)), leaf).toEqual([]);
  });

  it('gives every operator its own file, importing no other operator', () => {
    const dir = join(SRC, 'checks/operators');
    const shared = new Set(['define.ts', 'values.ts', 'message.ts', 'index.ts'].map((f) => join(dir, f)));
    for (const f of files(dir).filter((x) => !shared.has(x))) {
      const others = (g.get(f) ?? []).filter((d) => d.startsWith(dir) && !shared.has(d));
      expect(others, relative(SRC, f)).toEqual([]);
    }
  });
});
