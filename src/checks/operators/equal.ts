import { defineOperator } from './define.js';
import { canonical } from './values.js';

export const equalOp = defineOperator({
  name: 'equal',
  kind: 'cross',
  summary: 'the source and destination values are equal (objects compared key by key)',
  params: {},
  evaluate(src, dst) {
    return { ok: canonical(src) === canonical(dst), messageId: 'equal.differs', data: { src, dst }, defaultMessage: 'source has {src}, destination has {dst}' };
  },
});
