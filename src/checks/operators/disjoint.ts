import { defineOperator } from './define.js';
import { IGNORE_PARAM, setDiff } from './values.js';

export const disjointOp = defineOperator<'disjoint', { ignore?: string[] }>({
  name: 'disjoint',
  kind: 'cross',
  summary: 'no value is on both hosts (less `ignore`)',
  params: { ignore: IGNORE_PARAM },
  relation: { fields: ['common'], of: (src, dst, p) => setDiff(src, dst, p.ignore, (inDst) => inDst) },
  evaluate(src, dst, p) {
    const common = setDiff(src, dst, p.ignore, (inDst) => inDst);
    return { ok: common.length === 0, messageId: 'disjoint.common', data: { common, src, dst }, defaultMessage: 'present on both hosts: {common}' };
  },
});
