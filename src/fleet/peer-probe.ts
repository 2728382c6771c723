/**
 * The fleet's peer probe between its command and the matrix: the queries each host asks about
 * the others, and what its answers make of it. The live run (fleet.ts) and the re-evaluation of
 * saved reports (from.ts) both go through here, so a saved output is always parsed against the
 * queries that produced it.
 */
import { peerPorts, type ProbeContext } from '../checks/probes/index.js';
import { xendListening } from '../checks/xen-move.js';
import type { HostFacts, HostReport } from '../types.js';
import type { Probed } from './matrix.js';
import { parsePeers, spreadDelayS, type PeerFacts, type PeerQuery } from './peers.js';

/** Where a host of the fleet is reached (after ssh_config): its peers connect there. */
export interface PeerAddress {
  readonly host: string;
  readonly port: number;
}

/**
 * What host `i` of `hosts` asks about every other one: its address, hostname and the ports it
 * tries there (the pair probe's; then xend's relocation port where it listens). `facts(j)`: host
 * j's facts as known when asking (null in the first round, or for a host not reached).
 */
export function peerQueries(hosts: readonly PeerAddress[], i: number, facts: (j: number) => HostFacts | null, transport: ProbeContext['transport']): PeerQuery[] {
  return hosts.flatMap((p, j) => {
    if (j === i) return [];
    const k = facts(j);
    const xend = xendListening(k);
    return [{ host: p.host, hostname: k?.host?.hostname ?? null, ports: peerPorts(transport, p.port), xendPort: xend ? xend.relocationPort : null, delayS: spreadDelayS(i, j, hosts.length) }];
  });
}

/**
 * Host `i` of the fleet as the matrix takes it: its report, and what its `fleet-net` and
 * `fleet-names` outputs say about each other host, parsed against `asked` (its queries, in the
 * fleet's order without itself); or why they say nothing (not reached, a probe failed or missing,
 * unparsable output).
 */
export function probedOf(report: HostReport, i: number, asked: readonly PeerQuery[]): Probed {
  if (!report.reachable) return { report, peerOf: () => null, peersError: report.error?.message ?? 'not probed' };
  const outs = [report.probes['fleet-net'], report.probes['fleet-names']];
  let parsed: PeerFacts[] = [];
  let peersError: string | null = null;
  const badAt = outs.findIndex((x) => x === undefined || x.exitCode !== 0);
  if (badAt < 0) {
    try {
      parsed = parsePeers(outs.map((x) => x?.stdout ?? '').join('\n'), asked);
    } catch (e) {
      peersError = `unparsable output: ${(e as Error).message}`;
    }
  } else {
    const bad = outs[badAt];
    peersError = `${badAt === 0 ? 'fleet-net' : 'fleet-names'}: ${bad ? `exit code ${bad.exitCode ?? 'none'}: ${bad.stderr.trim().slice(0, 200)}` : 'not collected'}`;
  }
  return { report, peerOf: (j: number) => (j === i || j < 0 ? null : (parsed[j < i ? j : j - 1] ?? null)), peersError };
}
