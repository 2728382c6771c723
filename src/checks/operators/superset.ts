import { defineOperator } from './define.js';
import { IGNORE_PARAM, setDiff } from './values.js';

export const supersetOp = defineOperator<'superset', { ignore?: string[] }>({
  name: 'superset',
  kind: 'cross',
  summary: "every destination value is among the source's (less `ignore`)",
  params: { ignore: IGNORE_PARAM },
  evaluate(src, dst, p) {
    const extra = setDiff(dst, src, p.ignore, (inSrc) => !inSrc);
    return { ok: extra.length === 0, messageId: 'superset.extra', data: { extra, src, dst }, defaultMessage: 'destination has {extra}, which the source lacks' };
  },
});
