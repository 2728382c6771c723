import { defineOperator } from './define.js';
import { IGNORE_PARAM, setDiff, strings } from './values.js';

const missingOf = (src: unknown, dst: unknown, p: { ignore?: string[] }): string[] => setDiff(src, dst, p.ignore, (inDst) => !inDst);

export const subsetOp = defineOperator<'subset', { ignore?: string[] }>({
  name: 'subset',
  kind: 'cross',
  summary: "every source value is among the destination's (less `ignore`)",
  params: { ignore: IGNORE_PARAM },
  relation: { fields: ['missing'], of: missingOf, members: strings },
  evaluate(src, dst, p) {
    const missing = missingOf(src, dst, p);
    return { ok: missing.length === 0, messageId: 'subset.missing', data: { missing, src, dst }, defaultMessage: 'destination lacks {missing} (source has them)' };
  },
});
