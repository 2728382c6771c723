import { defineOperator } from './define.js';
import { num } from './values.js';

export const atLeastOp = defineOperator<'at-least', { value: number }>({
  name: 'at-least',
  kind: 'host',
  summary: 'the number is at least `value`',
  params: { value: { type: 'number', description: 'the minimum' } },
  required: ['value'],
  evaluate(v, p) {
    const n = num(v, 'value');
    return { ok: n >= p.value, detail: `${n} is below ${p.value}` };
  },
});
