import { defineOperator } from './define.js';
import { asList, num } from './values.js';

export const capacityOp = defineOperator<'capacity', { reserve?: number; reservePath?: string; aggregate?: 'sum' | 'max' }>({
  name: 'capacity',
  kind: 'cross',
  summary: 'the destination has at least aggregate(source values) + reserve',
  params: {
    reserve: { type: 'number', minimum: 0, description: 'added to what the source needs' },
    reservePath: { type: 'string', pattern: '^[a-zA-Z][a-zA-Z0-9]*(\\.[a-zA-Z][a-zA-Z0-9]*)*$', description: 'read the reserve from this source fact instead (e.g. migration.memoryReserveKiB)' },
    aggregate: { type: 'string', enum: ['sum', 'max'], description: 'how the source values add up (default sum)' },
  },
  factParams: { reservePath: 'src' },
  evaluate(src, dst, p, _ctx, facts) {
    const values = asList(src).map((v) => num(v, 'source value'));
    const reserve = facts?.reservePath !== undefined ? num(facts.reservePath, 'reserve') : (p.reserve ?? 0);
    const needed = (p.aggregate === 'max' ? Math.max(0, ...values) : values.reduce((x, y) => x + y, 0)) + reserve;
    const available = num(dst, 'destination value');
    return {
      ok: available >= needed,
      messageId: 'capacity.short',
      data: { needed, available, reserve, shortBy: Math.max(0, needed - available) },
      defaultMessage: 'destination has {available}, needs {needed}',
    };
  },
});
