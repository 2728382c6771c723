import { defineOperator } from './define.js';
import { asList, canonical, show } from './values.js';

const get = (o: unknown, f: string): unknown => (o !== null && typeof o === 'object' ? (o as Record<string, unknown>)[f] : undefined);

export const matchOp = defineOperator<'match', { key: string; fields?: string[] }>({
  name: 'match',
  kind: 'cross',
  summary: 'every source item has a destination item with the same `key`, and their `fields` are equal',
  params: {
    key: { type: 'string', description: 'the field that pairs list items across hosts' },
    fields: { type: 'array', items: { type: 'string' }, minItems: 1, description: 'the fields that must then be equal' },
  },
  required: ['key'],
  evaluate(src, dst, p) {
    const key = p.key;
    const fields = p.fields ?? [];
    const byKey = new Map(asList(dst).map((d) => [String(get(d, key)), d]));
    const missing: string[] = [];
    const differing: string[] = [];
    for (const s of asList(src)) {
      const k = String(get(s, key));
      const d = byKey.get(k);
      if (d === undefined) {
        missing.push(k);
        continue;
      }
      for (const f of fields) {
        if (canonical(get(s, f)) !== canonical(get(d, f))) differing.push(`${k} ${f}: source ${show(get(s, f))}, destination ${show(get(d, f))}`);
      }
    }
    const parts = [missing.length ? 'destination lacks {missing}' : '', differing.length ? 'differs: {differing}' : ''].filter(Boolean);
    // Evidence: just the key and the compared fields of each item (the whole objects are in the facts).
    const project = (items: unknown): unknown[] => asList(items).map((o) => Object.fromEntries([key, ...fields].map((f) => [f, get(o, f)])));
    return {
      evidence: { src: project(src), dst: project(dst) },
      ok: missing.length === 0 && differing.length === 0,
      messageId: missing.length ? 'match.missing' : 'match.differs',
      data: { missing, differing },
      defaultMessage: parts.join('; '),
    };
  },
});
