import { compareVersions } from '../probes/libvirt-xml.js';
import { defineOperator, OperandError } from './define.js';

export const notOlderOp = defineOperator({
  name: 'not-older',
  kind: 'cross',
  summary: "the destination's version is not older than the source's",
  params: {},
  evaluate(src, dst) {
    const s = String(src);
    const d = String(dst);
    let cmp: number;
    try {
      cmp = compareVersions(d, s);
    } catch (e) {
      throw new OperandError((e as Error).message);
    }
    return { ok: cmp >= 0, messageId: 'not-older.older', data: { src: s, dst: d }, defaultMessage: 'destination has {dst}, older than the source ({src})' };
  },
});
