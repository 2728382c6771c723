import { defineOperator } from './define.js';
import { num } from './values.js';

export const withinOp = defineOperator<'within', { tolerance: number; unit?: string }>({
  name: 'within',
  kind: 'cross',
  summary: 'the two numbers differ by at most `tolerance`',
  params: {
    tolerance: { type: 'number', minimum: 0, description: 'the largest allowed |src - dst|' },
    unit: { type: 'string', minLength: 1, description: 'the unit of the compared values (e.g. ms), carried into the evidence' },
  },
  required: ['tolerance'],
  evaluate(src, dst, p) {
    const difference = Math.abs(num(src, 'source value') - num(dst, 'destination value'));
    const tolerance = p.tolerance;
    const evidence = p.unit === undefined ? { src, dst } : { src, dst, unit: p.unit };
    return { ok: difference <= tolerance, messageId: 'within.exceeds', data: { src, dst, difference, tolerance }, evidence, defaultMessage: 'differs by {difference} (tolerance {tolerance})' };
  },
});
