/*
 * Firewall probe: pure parsers for `nft list ruleset` and `iptables-save`, and a pure evaluator
 * that answers "does this ruleset admit a NEW inbound TCP connection from S to port P?".
 *
 * The evaluator walks the packet's real path (netdev/inet ingress, bridge prerouting/input,
 * prerouting, input; each hook's base chains in priority order) and never passes silently:
 * a match it cannot decide for the query (an unknown input interface, a packet mark, fib, osf,
 * ipsets, ...) forks the walk into both outcomes, and when the outcomes differ the verdict is
 * `unknown` naming the rule; a statement it does not understand stops the walk with `unknown`.
 * Parsed rulesets are plain JSON data (reports are replayed from JSON).
 */

export { parseAddrRange } from '../../../net/addr.js';
export { evaluateInbound } from './inbound.js';
export { parseIptablesSave } from './iptables/parse.js';
export { parseNftRuleset } from './nft/parse.js';
export {
  portsFor,
  QEMU_MIGRATION_PORTS,
  XEN_RELOCATION_PORT,
  type FirewallRuleset,
  type FirewallVerdict,
  type InboundQuery,
  type InboundResult,
  type IptablesChain,
  type IptablesRule,
  type IptablesRuleset,
  type IptablesTable,
  type MigrationTransport,
  type NftChain,
  type NftHook,
  type NftRuleset,
  type NftRuleText,
  type NftSet,
  type NftTable,
} from './types.js';
