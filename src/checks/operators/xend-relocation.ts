import type { XenMove } from '../../model/move.js';
import type { XendConfig } from '../../model/xen.js';
import { relocationAdmits } from '../probes/xen.js';
import { defineOperator, type OpResult } from './define.js';

/**
 * src: xenMove.relocation; dst: xen.xend. An xend destination takes a migration only with its
 * relocation server on, listening on the port the source can reach, and its hosts-allow list
 * admitting the source (xend matches the peer's name and its address, anchored at the start).
 */
function xendRelocation(src: unknown, dst: unknown): OpResult {
  const r = src as XenMove['relocation'];
  const x = dst as XendConfig | null;
  const data: Record<string, unknown> = { srcAddr: r.srcAddr, names: r.names, port: x?.relocationPort ?? 8002, allow: x?.relocationHostsAllow ?? [] };
  if (x === null) return { ok: false, messageId: 'xend.no-config', data, defaultMessage: 'the destination runs xend but has no /etc/xen/xend-config.sxp: its relocation server is off (the default)' };
  if (!x.relocationServer) {
    return { ok: false, messageId: 'xend.server-off', data, defaultMessage: 'xend-relocation-server is not enabled on the destination: it refuses every migration ((xend-relocation-server yes), then restart xend)' };
  }
  const problems: string[] = [];
  const state = r.tcp?.state ?? null;
  if (state === 'closed') problems.push(`nothing listens on port ${x.relocationPort} of the destination (is xend running? xend-relocation-address ${x.relocationAddress || '(all)'})`);
  else if (state === 'timeout') problems.push(`port ${x.relocationPort} of the destination does not answer the source: dropped on the way (firewall?)`);
  const who = [...r.names, ...(r.srcAddr ? [r.srcAddr] : [])];
  const matchable = x.relocationHostsAllow.length > 0 && !x.relocationHostsAllow.includes('');
  if (matchable && !who.some((w) => relocationAdmits(x.relocationHostsAllow, w))) {
    problems.push(`xend-relocation-hosts-allow '${x.relocationHostsAllow.join(' ')}' admits none of the source's names and address (${who.join(', ') || 'unknown'})`);
  }
  if (problems.length > 0) return { ok: false, messageId: 'xend.refused', data, defaultMessage: problems.join('; ') };
  if (state === null || state === 'untested') {
    return { ok: false, undecided: `could not test port ${x.relocationPort} of the destination from the source (${state === null ? 'not tried' : 'no bash or nc there'})`, messageId: 'xend.untested', data, defaultMessage: '' };
  }
  return { ok: true, messageId: 'pass', data, defaultMessage: '' };
}

export const xendRelocationOp = defineOperator({
  name: 'xend-relocation',
  kind: 'cross',
  summary: "xend: the destination's relocation server is on and admits the source",
  params: {},
  evaluate: (src, dst) => xendRelocation(src, dst),
});
