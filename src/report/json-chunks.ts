/**
 * JSON as `JSON.stringify(value, null, 2)` writes it, in pieces: a fleet of thousands of hosts is
 * a report larger than the longest string V8 can make (~512 MiB: 5,000 hosts' evidence and
 * matrix), so the first levels of objects and arrays are written member by member and only what
 * lies below them is stringified whole.
 */

/** Levels written member by member (the report, its arrays, their members). */
const LEVELS = 3;

const skipped = (v: unknown): boolean => v === undefined || typeof v === 'function' || typeof v === 'symbol';

/** The pieces of the value's JSON (indented by 2, as JSON.stringify), in order. */
export function* jsonChunks(value: unknown, pad = '', level = 0): Generator<string> {
  const whole = (v: unknown): string => (JSON.stringify(v, null, 2) ?? 'null').replace(/\n/g, `\n${pad}`);
  if (level >= LEVELS || value === null || typeof value !== 'object' || typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    yield whole(value);
    return;
  }
  const inner = `${pad}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) return void (yield '[]');
    yield '[';
    for (let k = 0; k < value.length; k++) {
      yield `${k > 0 ? ',' : ''}\n${inner}`;
      yield* skipped(value[k]) ? ['null'] : jsonChunks(value[k], inner, level + 1);
    }
    yield `\n${pad}]`;
    return;
  }
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => !skipped(v));
  if (entries.length === 0) return void (yield '{}');
  yield '{';
  for (const [k, [key, v]] of entries.entries()) {
    yield `${k > 0 ? ',' : ''}\n${inner}${JSON.stringify(key)}: `;
    yield* jsonChunks(v, inner, level + 1);
  }
  yield `\n${pad}}`;
}
