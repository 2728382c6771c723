import { parseAddr } from '../../../net/addr.js';
import { aggregate, describeQuery, MAX_DECISIONS, MAX_LEAVES, run, type Facts, type Pkt, type Program } from './eval.js';
import { compileIptables } from './iptables/compile.js';
import { compileNft } from './nft/compile.js';
import type { FirewallRuleset, InboundQuery, InboundResult } from './types.js';

/**
 * Whether `ruleset` admits a NEW inbound TCP connection (its SYN) from `q.srcAddr` to `q.dport`.
 *
 * Walks every base chain the packet meets, in netfilter's order: netdev/inet `ingress`, bridge
 * `prerouting`/`input` (only if the packet arrives through a bridge port), then `prerouting`
 * and `input` of the families that carry it (ip and inet for IPv4, ip6 and inet for IPv6),
 * each hook's chains by priority. iptables: raw/mangle/nat PREROUTING, then mangle/filter/
 * security/nat INPUT. An accept ends one base chain and the next one runs; a drop or reject
 * anywhere wins; a base chain's policy applies when its rules fall through.
 *
 * The packet is a TCP SYN opening a connection: `ct state` is new (never established, related,
 * invalid or untracked), `ct status` has no NAT bits, `meta pkttype` is host, the source port
 * is an ephemeral one (1024-65535), `limit rate` is not exceeded. Counters, logs, comments,
 * marks and conntrack helpers change nothing. A remote source never arrives on loopback nor
 * addresses a loopback, multicast or broadcast destination.
 *
 * Verdicts: `accept`/`drop`/`reject` only when every possibility the query leaves open ends
 * the same way. A match the query does not decide (the input interface when `iif` is absent,
 * `ip daddr` when `dstAddr` is absent, packet marks, fib, osf, socket, ipset, recent, quota,
 * ...) is assumed both ways; if the outcomes differ, `unknown` names that rule. A statement
 * not understood (NAT, queue, notrack, untranslated `xt` expressions, unknown syntax) makes
 * the walk `unknown` unless a later base chain blocks the packet anyway. Never throws on a
 * parsed ruleset; throws RangeError for a query that is not an address or port.
 */
export function evaluateInbound(ruleset: FirewallRuleset, q: InboundQuery): InboundResult {
  const src = parseAddr(q.srcAddr);
  if (!src) throw new RangeError(`evaluateInbound: srcAddr ${JSON.stringify(q.srcAddr)} is not an IP address`);
  if (!Number.isInteger(q.dport) || q.dport < 1 || q.dport > 65535) throw new RangeError(`evaluateInbound: dport ${q.dport} is not a TCP port`);
  if (q.proto !== 'tcp') throw new RangeError(`evaluateInbound: only tcp is modelled, not ${String(q.proto)}`);
  const dst = q.dstAddr === undefined ? null : parseAddr(q.dstAddr);
  if (q.dstAddr !== undefined && (!dst || dst.v !== src.v)) throw new RangeError(`evaluateInbound: dstAddr ${JSON.stringify(q.dstAddr)} is not an IPv${src.v} address`);
  const loopback = src.v === 4 ? src.n >> 24n === 127n : src.n === 1n;
  const p: Pkt = { fam: src.v, src: src.n, dst: dst ? dst.n : null, dport: q.dport, remote: !loopback };
  const facts: Facts = q.iif ? { iifIs: q.iif, iifNot: [], known: {} } : loopback ? { iifIs: 'lo', iifNot: [], known: {} } : { iifIs: null, iifNot: ['lo'], known: {} };

  let prog: Program;
  if (ruleset.kind === 'nft') prog = compileNft(ruleset, src.v);
  else if (ruleset.kind === 'iptables') prog = compileIptables(ruleset, src.v);
  else throw new TypeError('evaluateInbound: not a parsed ruleset (kind must be nft or iptables)');

  if (prog.unusable) return { verdict: 'unknown', chain: null, rule: null, reason: prog.unusable };
  if (prog.bases.length === 0) return { verdict: 'accept', chain: null, rule: null, reason: `${prog.emptyReason}: netfilter accepts ${describeQuery(q)} by default` };
  const leaves = run(prog, p, facts);
  if (leaves === 'too-complex') {
    return { verdict: 'unknown', chain: null, rule: null, reason: `too many undecided matches on the path of ${describeQuery(q)} to follow every case (more than ${MAX_LEAVES} paths, or ${MAX_DECISIONS} on one)` };
  }
  return aggregate(leaves, q, prog);
}
