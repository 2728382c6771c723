/**
 * Whose fact a rule's path reads. A path may say it: `src.` and `dst.` name the host, `move.` is
 * what the move needs (the source's `migration.` facts), `pair.` the source's way to the
 * destination (its `peer.` facts). An unqualified path is read on the host(s) the assertion's
 * `side` (or a cross operator's operand) gives, as before. No top-level fact is named src, dst,
 * move or pair, so the two cannot be confused.
 */
import type { Side } from '../model/report.js';
import type { SideSel } from './vocabulary.js';

const QUALIFIERS: Readonly<Record<string, { readonly side: Side; readonly prefix: string }>> = {
  src: { side: 'src', prefix: '' },
  dst: { side: 'dst', prefix: '' },
  move: { side: 'src', prefix: 'migration.' },
  pair: { side: 'src', prefix: 'peer.' },
};

/** One fact on one host. */
export interface FactRead {
  readonly side: Side;
  readonly path: string;
}

/** The host and the plain path a qualified path reads; null for an unqualified one. */
export function whose(path: string): FactRead | null {
  const dot = path.indexOf('.');
  const q = dot > 0 ? QUALIFIERS[path.slice(0, dot)] : undefined;
  return q ? { side: q.side, path: q.prefix + path.slice(dot + 1) } : null;
}

/** Where a path is read, given the side the assertion or condition names (both by default). */
export function readsOf(path: string, side: SideSel | undefined): FactRead[] {
  const q = whose(path);
  if (q) return [q];
  return (side === 'src' ? ['src'] : side === 'dst' ? ['dst'] : ['src', 'dst']).map((s) => ({ side: s as Side, path }));
}

/** The path read on `side` (an operand's: a qualified path may name the other host). */
export function onSide(side: Side, path: string): FactRead {
  return whose(path) ?? { side, path };
}
