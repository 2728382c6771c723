import { defineOperator } from './define.js';
import { canonical, show } from './values.js';

type Scalar = string | number | boolean | null;

export const inOp = defineOperator<'in', { values: Scalar[] }>({
  name: 'in',
  kind: 'host',
  summary: 'the value is one of `values`',
  params: { values: { type: 'array', items: { type: ['string', 'number', 'boolean', 'null'] }, description: 'the allowed values' } },
  required: ['values'],
  evaluate(v, p) {
    const ok = p.values.some((x) => canonical(x) === canonical(v));
    return { ok, detail: `${show(v)} is not one of ${p.values.map(show).join(', ')}` };
  },
});
