import { defineOperator, type AssertCommon } from './define.js';
import { asList, IGNORE_PARAM, setDiff } from './values.js';

/** A member that was not collected: a domain's UUID when `virsh list --uuid` failed (joinDomains gives null). */
const unknown = (x: unknown): boolean => x === null || x === undefined;
/** The members that are known, as text (an unknown one is not the text "null"). */
const known = (v: unknown): string[] => asList(v).flatMap((x) => (unknown(x) ? [] : [String(x)]));
const common = (src: unknown, dst: unknown, p: { ignore?: string[] }): string[] => setDiff(known(src), known(dst), p.ignore, (inDst) => inDst);

/** "destination libvirt.domains.uuid: 2 of 3 not collected": the unknown members of one operand, named by its fact path. */
function unknownOf(v: unknown, side: string, path: string | undefined): string | null {
  const all = asList(v);
  const n = all.filter(unknown).length;
  return n === 0 ? null : `${side} ${path ?? 'values'}: ${n} of ${all.length} not collected`;
}

export const disjointOp = defineOperator<'disjoint', { ignore?: string[] }>({
  name: 'disjoint',
  kind: 'cross',
  summary: 'no value is on both hosts (less `ignore`)',
  params: { ignore: IGNORE_PARAM },
  relation: { fields: ['common'], of: common, members: known },
  evaluate(src, dst, p) {
    const both = common(src, dst, p);
    const data = { common: both, src, dst };
    // A value on both hosts is a clash whatever else is unknown; with none, an unknown member may be one.
    const a = p as AssertCommon;
    const unsure = [unknownOf(src, 'source', a.src ?? a.path), unknownOf(dst, 'destination', a.dst ?? a.path)].filter((x) => x !== null);
    if (both.length === 0 && unsure.length > 0) {
      return { ok: false, undecided: `cannot tell whether any value is on both hosts: ${unsure.join('; ')}`, messageId: 'disjoint.unknown', data, defaultMessage: '' };
    }
    return { ok: both.length === 0, messageId: 'disjoint.common', data, defaultMessage: 'present on both hosts: {common}' };
  },
});
