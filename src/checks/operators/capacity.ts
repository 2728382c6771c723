import { defineOperator } from './define.js';
import { asList, num } from './values.js';

export const capacityOp = defineOperator<'capacity', { reserve?: number; reservePath?: string; aggregate?: 'sum' | 'max' }>({
  name: 'capacity',
  kind: 'cross',
  summary: 'the destination has at least aggregate(source values) + reserve (unknown source values: fails only when the known ones do not fit)',
  params: {
    reserve: { type: 'number', minimum: 0, description: 'added to what the source needs' },
    reservePath: { type: 'string', pattern: '^[a-zA-Z][a-zA-Z0-9]*(\\.[a-zA-Z][a-zA-Z0-9]*)*$', description: 'read the reserve from this source fact instead (e.g. migration.memoryReserveKiB)' },
    aggregate: { type: 'string', enum: ['sum', 'max'], description: 'how the source values add up (default sum)' },
  },
  factParams: { reservePath: 'src' },
  unknownMembers: true,
  evaluate(src, dst, p, _ctx, facts) {
    const all = asList(src);
    // A value not collected (null: a moving domain whose definition is unknown) only adds: the known ones are a lower bound.
    const values = all.flatMap((v) => (v === null || v === undefined ? [] : [num(v, 'source value')]));
    const unknown = all.length - values.length;
    const reserve = facts?.reservePath !== undefined ? num(facts.reservePath, 'reserve') : (p.reserve ?? 0);
    const needed = (p.aggregate === 'max' ? Math.max(0, ...values) : values.reduce((x, y) => x + y, 0)) + reserve;
    const available = num(dst, 'destination value');
    const data = { needed, available, reserve, shortBy: Math.max(0, needed - available), unknown };
    if (available >= needed && unknown > 0) {
      return { ok: false, undecided: `cannot tell whether the destination has enough: ${unknown} of ${all.length} source values not collected, and the others fit`, messageId: 'capacity.unknown', data, defaultMessage: '' };
    }
    return { ok: available >= needed, messageId: 'capacity.short', data, defaultMessage: 'destination has {available}, needs {needed}' };
  },
});
