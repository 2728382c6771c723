import type { HostFacts } from '../../model/facts.js';
import type { XenMove } from '../../model/move.js';
import type { XendConfig, XendPeerName } from '../../model/xen.js';
import { relocationAdmits } from '../probes/xen.js';
import { defineOperator, OperandError, type OpResult } from './define.js';

const reEscape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

type AllowVerdict = { readonly admitted: true } | { readonly refused: string } | { readonly unknown: string };
const ADMITTED: AllowVerdict = { admitted: true };

/**
 * Whether the hosts-allow list admits the source. xend (connection.hostAllowed in Xen 3.1 to
 * 4.4, tcp.py before) tries every pattern, as Python's re.match, on the peer's address and on
 * socket.getfqdn(address) run on the DESTINATION: its reverse lookup of the address (the first of
 * the names gethostbyaddr gives with a dot in it, else the first name; the address itself when
 * nothing resolves), not the name the source gives itself. The lab's own /etc/hosts shows the
 * difference: "ADDR xen4.lab xen4" resolves to xen4.lab, which '^xen4$' does not match.
 * `lookup` is that lookup, made on the destination (the xend-peer-name probe); without it (a
 * fleet, or the probe failed) only a match on the address is certain.
 */
function hostsAllow(r: XenMove['relocation'], x: XendConfig, lookup: XendPeerName | undefined): AllowVerdict {
  const allow = x.relocationHostsAllow;
  // relocate.py: an empty setting admits every host; an empty pattern (two blanks) matches every name.
  if (allow.length === 0 || allow.includes('')) return ADMITTED;
  const list = `xend-relocation-hosts-allow '${allow.join(' ')}'`;
  const addr = r.srcAddr;
  if (addr === null) return { unknown: `the source's address as the destination sees it is unknown (no route to the destination was collected), so ${list} cannot be matched against it` };
  if (relocationAdmits(allow, addr)) return ADMITTED;
  const byOwnName = r.names.filter((n) => relocationAdmits(allow, n));
  // A lookup of another address (a report put together from two runs) says nothing of this one.
  const peer = lookup !== undefined && lookup.address.toLowerCase() === addr.toLowerCase() ? lookup : null;
  if (peer === null) {
    const resolved = `the name the destination resolves ${addr} to (socket.getfqdn there, which prefers a name with a dot)`;
    const unlooked = `which was not looked up (the destination's xend-peer-name probe did not run: a fleet run, or it failed)`;
    const fix = `admit the address itself (^${reEscape(addr)}$) to be sure`;
    if (byOwnName.length > 0) return { unknown: `${list} admits the source's own name ${byOwnName.join(', ')} but not its address ${addr}: xend matches ${resolved}, ${unlooked}; ${fix}` };
    return { unknown: `${list} matches neither the source's address ${addr} nor its own names (${r.names.join(', ') || 'unknown'}): xend admits it only if ${resolved} matches, ${unlooked}; ${fix}` };
  }
  if (peer.names.length > 0 && relocationAdmits(allow, peer.fqdn)) return ADMITTED;
  const what =
    peer.names.length === 0
      ? `${list} does not admit the source's address ${addr}, which does not resolve on the destination (getent hosts: no answer), so xend matches the address alone`
      : `${list} admits neither the source's address ${addr} nor ${peer.fqdn}, the name xend matches: the destination resolves ${addr} to ${peer.names.join(' ')} (getent hosts; socket.getfqdn takes the first with a dot, else the first)`;
  // A pattern JavaScript cannot compile may still match in Python's re: not a certain refusal.
  if (x.invalidHostsAllow.length > 0) return { unknown: `${what}, as far as can be told here: ${x.invalidHostsAllow.map((p) => `'${p}'`).join(', ')} cannot be compiled here, and Python's re may match with it` };
  const own = byOwnName.length > 0 ? `; it admits the source's own name ${byOwnName.join(', ')}, which xend never matches` : '';
  const fix = peer.names.length === 0 ? `admit ^${reEscape(addr)}$` : `admit ^${reEscape(peer.fqdn)}$ or ^${reEscape(addr)}$`;
  return { refused: `${what}${own}; xend rejects the connection (${fix})` };
}

/**
 * src: xenMove.relocation; dst: the destination's xen facts (its xend-config.sxp as xen.xend, and
 * xen.relocationPeer, its lookup of the source's address). An xend destination takes a migration
 * only with its relocation server on, listening on the port the source can reach, and its
 * hosts-allow list admitting the source (hostsAllow: as xend decides, where the lookup was made).
 */
function xendRelocation(src: unknown, dst: unknown): OpResult {
  const r = src as XenMove['relocation'];
  const xen = dst as NonNullable<HostFacts['xen']> | null;
  if (xen === null || typeof xen !== 'object' || xen.xend === undefined) throw new OperandError("the destination's xen.xend (xend-config.sxp) is not among its facts");
  const x = xen.xend;
  const peer = xen.relocationPeer;
  // The destination's evidence is what was read of it, not its whole xen facts (domain lists, xl info).
  return { ...decide(r, x, peer), evidence: { src: r, dst: { xend: x, relocationPeer: peer ?? null } } };
}

function decide(r: XenMove['relocation'], x: XendConfig | null, peer: XendPeerName | undefined): OpResult {
  const data: Record<string, unknown> = {
    srcAddr: r.srcAddr,
    names: r.names,
    port: x?.relocationPort ?? 8002,
    allow: x?.relocationHostsAllow ?? [],
    fqdn: peer?.fqdn ?? null,
    resolvedNames: peer?.names ?? null,
  };
  if (x === null) return { ok: false, messageId: 'xend.no-config', data, defaultMessage: 'the destination runs xend but has no /etc/xen/xend-config.sxp: its relocation server is off (the default)' };
  if (!x.relocationServer) {
    return { ok: false, messageId: 'xend.server-off', data, defaultMessage: 'xend-relocation-server is not enabled on the destination: it refuses every migration ((xend-relocation-server yes), then restart xend)' };
  }
  const problems: string[] = [];
  const state = r.tcp?.state ?? null;
  if (state === 'closed') problems.push(`nothing listens on port ${x.relocationPort} of the destination (is xend running? xend-relocation-address ${x.relocationAddress || '(all)'})`);
  else if (state === 'timeout') problems.push(`port ${x.relocationPort} of the destination does not answer the source: dropped on the way (firewall?)`);
  const allow = hostsAllow(r, x, peer);
  if ('refused' in allow) problems.push(allow.refused);
  if (problems.length > 0) {
    const portOk = state !== 'closed' && state !== 'timeout';
    return { ok: false, messageId: portOk ? 'xend.not-allowed' : 'xend.refused', data, defaultMessage: problems.join('; ') };
  }
  const allowUnknown = 'unknown' in allow ? allow.unknown : null;
  const untested = state === null || state === 'untested' ? `could not test port ${x.relocationPort} of the destination from the source (${state === null ? 'not tried' : 'no bash or nc there'})` : null;
  if (allowUnknown !== null || untested !== null) {
    return { ok: false, undecided: [allowUnknown, untested].filter((m) => m !== null).join('; '), messageId: allowUnknown !== null ? 'xend.allow-unknown' : 'xend.untested', data, defaultMessage: '' };
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
