import { defineOperator } from './define.js';

export const presentOp = defineOperator({
  name: 'present',
  kind: 'host',
  summary: 'the fact is there and not empty, false or null',
  params: {},
  evaluate(v) {
    const ok = v !== null && v !== undefined && v !== false && !(Array.isArray(v) && v.length === 0) && v !== '';
    return { ok, detail: ok ? '' : 'not present' };
  },
});
