import { defineOperator } from './define.js';
import { asList, show } from './values.js';

export const emptyOp = defineOperator({
  name: 'empty',
  kind: 'host',
  summary: 'the fact is an empty list (or absent)',
  params: {},
  evaluate(v) {
    const items = asList(v);
    return { ok: items.length === 0, detail: `has ${items.map(show).join(', ')}` };
  },
});
