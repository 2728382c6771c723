import { defineOperator } from './define.js';
import { IGNORE_PARAM, setDiff, strings } from './values.js';

const common = (src: unknown, dst: unknown, p: { ignore?: string[] }): string[] => setDiff(src, dst, p.ignore, (inDst) => inDst);

export const disjointOp = defineOperator<'disjoint', { ignore?: string[] }>({
  name: 'disjoint',
  kind: 'cross',
  summary: 'no value is on both hosts (less `ignore`)',
  params: { ignore: IGNORE_PARAM },
  relation: { fields: ['common'], of: common, members: strings },
  evaluate(src, dst, p) {
    const both = common(src, dst, p);
    return { ok: both.length === 0, messageId: 'disjoint.common', data: { common: both, src, dst }, defaultMessage: 'present on both hosts: {common}' };
  },
});
