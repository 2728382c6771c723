import type { FirewallVerdict } from './operators/define.js';
import { evaluateInbound, portsFor } from './probes/firewall/index.js';
import type { Transport } from './vocabulary.js';

type Parsed = Parameters<typeof evaluateInbound>[0];

/**
 * Whether the destination's firewall (nftables and, where present, iptables) admits new TCP
 * connections from the source address to every port the transport needs. A drop or reject in
 * either ruleset blocks; anything not understood on the packet's path is `unknown`, never a pass.
 */
export function firewallVerdict(rulesets: unknown, srcAddr: string, transport: Transport, sshPort: number): FirewallVerdict {
  const r = (rulesets ?? {}) as { nft?: Parsed | null; iptables?: Parsed | null };
  const present: [string, Parsed][] = [];
  if (r.nft) present.push(['nftables', r.nft]);
  if (r.iptables) present.push(['iptables', r.iptables]);
  const blocked: string[] = [];
  const unknown: string[] = [];
  const admitted: string[] = [];
  if (present.length === 0) return { blocked, unknown: ['no ruleset could be read (nft and iptables-save both failed)'], admitted };
  for (const { port, why } of portsFor(transport, sshPort)) {
    for (const [name, rs] of present) {
      const v = evaluateInbound(rs, { srcAddr, dport: port, proto: 'tcp' });
      const where = `${port} (${why}) by ${name}${v.rule ? ` rule "${v.rule}"` : ''}${v.chain ? ` in chain ${v.chain}` : ''}`;
      if (v.verdict === 'drop' || v.verdict === 'reject') blocked.push(`${v.verdict} ${where}`);
      else if (v.verdict === 'unknown') unknown.push(`${where}: ${v.reason}`);
      else admitted.push(`${port} by ${name}`);
    }
  }
  return { blocked, unknown, admitted };
}
