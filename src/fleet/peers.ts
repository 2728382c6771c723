import type { RouteGetFacts } from '../model/system.js';
import { ParseError } from '../checks/probes/parse-error.js';
import { parsePeerTcp } from '../checks/probes/simple.js';
import { parseGetentAhosts, parseIpRouteGet } from '../checks/probes/system.js';
import { shq } from '../checks/shell.js';

/** One other host of the fleet, as a source host tests its way to it. */
export interface PeerQuery {
  /** The address or name to connect to (the inventory's, after ssh_config). */
  readonly host: string;
  /** Its own hostname (uname -n, learnt in the first round): libvirt sends migration data there. */
  readonly hostname: string | null;
  /** TCP ports the pair probe tries (peer-tcp): the control port first, then QEMU's first migration port. */
  readonly ports: readonly number[];
  /** xend's relocation port where the peer's xend listens (xend-tcp; known in the second round), else null. */
  readonly xendPort: number | null;
  /** Seconds to wait before connecting to it (spreadDelayS: so that the hosts of a fleet do not all knock on one sshd at once). */
  readonly delayS?: number;
}

/** Seconds between a host's connects to successive peers (spreadDelayS). */
export const CONNECT_SPREAD_S = 0.01;

/**
 * When host `i` of `n` connects to peer `j`: every host tries every other's SSH port (the control
 * port of qemu+ssh), and sshd drops new connections at random once 10 wait to authenticate (its
 * default MaxStartups 10:30:100), bare connects included. Host i waits (j - i - 1) mod n slots
 * before peer j, so in each slot every host has one connect coming from one other host: a host
 * that all start at once sees one connect per CONNECT_SPREAD_S, not n - 1 at once. 1,000 hosts
 * spread theirs over 10 s.
 */
export function spreadDelayS(i: number, j: number, n: number): number {
  return Number(((((j - i - 1) % n) + n) % n * CONNECT_SPREAD_S).toFixed(3));
}

type TcpState = { readonly port: number; readonly state: 'open' | 'closed' | 'timeout' | 'untested' };

/** What one host found out about one peer. */
export interface PeerFacts {
  readonly route: RouteGetFacts | null;
  /** Why there is no route (the peer's name does not resolve here, or no route to it). */
  readonly routeError: string | null;
  /** The connects to the query's `ports`, in their order. */
  readonly tcp: readonly TcpState[];
  /** The connect to its `xendPort` ([] when it has none). */
  readonly xendTcp: readonly TcpState[];
  /** Addresses the peer's hostname resolves to here; [] when it does not resolve; null when not asked. */
  readonly resolution: readonly string[] | null;
}

/**
 * The network half of the fleet's peer probe on one host, for every peer at once and with few
 * processes (a fleet of 32 runs it 32 times): the route the kernel picks to each peer (one
 * `ip -batch`), and TCP connects to each peer's ports (one bash, each connect a forked subshell,
 * all at once, cut after 3 s; nc, or nothing, without bash). It needs only the peers' addresses,
 * so it runs beside the host's own probes, on a second channel of the same SSH session.
 * Read-only. Lines: `<i> addr A`, `R <route>`, `<i> tcp port=P state=S`; the indexes are
 * numbers we generate.
 */
export function netCommand(peers: readonly PeerQuery[]): string {
  const tcpArgs = peers.flatMap((p, i) => p.ports.map((port) => tcpArg(i, p.host, port, p.delayS ?? 0))).join(' ');
  return [
    `addr() { case $1 in *[!0-9.]*) getent ahosts "$1" | awk 'NR==1{print $1; exit}';; *) printf '%s\\n' "$1";; esac; }`,
    `set -- ${peers.map((p, i) => `${i} ${shq(p.host)}`).join(' ')}`,
    "routes=''",
    `while [ $# -gt 0 ]; do a=$(addr "$2"); echo "$1 addr $a"; [ -n "$a" ] && routes="$routes route get $a\n"; shift 2; done`,
    `printf '%s' "$routes" | ip -o -force -batch - 2>/dev/null | sed 's/^/R /'`,
    tcpCommand(tcpArgs),
  ].join('\n');
}

/** One TCP connect's arguments: `index host port delay`. */
const tcpArg = (i: number, host: string, port: number, delayS: number): string => `${i} ${shq(host)} ${Math.trunc(port)} ${Math.max(0, delayS).toFixed(3)}`;

/**
 * TCP connects for `index host port delay` quadruples, each after its delay (a `read -t` on a
 * pipe nobody writes: a pause without a process) and each given 3 s from then.
 */
function tcpCommand(args: string): string {
  if (args === '') return ':';
  const bashTcp = [
    'n=0; last=0',
    'exec 8<> <(:)',
    'while [ $# -gt 0 ]; do i[n]=$1; h[n]=$2; p[n]=$3; d=$4; shift 4; (case $d in 0.000) ;; *) read -t "$d" -u 8;; esac; exec 3<>"/dev/tcp/${h[n]}/${p[n]}") 2>/dev/null & pid[n]=$!; n=$((n+1)); d=${d/./}; d=$((10#$d / 100)); [ $d -gt $last ] && last=$d; done',
    'for ((t = 0; t < 30 + last; t++)); do alive=0; for k in "${!pid[@]}"; do kill -0 "${pid[k]}" 2>/dev/null && alive=1; done; [ $alive = 0 ] && break; sleep 0.1; done',
    'for k in "${!pid[@]}"; do if kill -0 "${pid[k]}" 2>/dev/null; then kill "${pid[k]}" 2>/dev/null; s=timeout; elif wait "${pid[k]}"; then s=open; else s=closed; fi; echo "${i[k]} tcp port=${p[k]} state=$s"; done',
  ].join('\n');
  return [
    `set -- ${args}`,
    `if command -v bash >/dev/null 2>&1; then bash -c ${shq(bashTcp)} _ "$@"`,
    `elif command -v nc >/dev/null 2>&1; then while [ $# -gt 0 ]; do (sleep "$4"; if nc -z -w 3 "$2" "$3" 2>/dev/null; then s=open; else s=closed; fi; echo "$1 tcp port=$3 state=$s") & shift 4; done; wait`,
    'else while [ $# -gt 0 ]; do echo "$1 tcp port=$3 state=untested"; shift 4; done; fi',
  ].join('\n');
}

/**
 * The second half, once every host's hostname is known: how each peer's hostname resolves here
 * (libvirt sends migration data to it), and a TCP connect to xend's relocation port where the
 * first round found one (unless the first round tried that port already). Lines: `<i> resolve-rc N`,
 * `<i> resolve <getent line>`, `<i> tcp ...`.
 */
export function namesCommand(peers: readonly PeerQuery[]): string {
  const tcpArgs = peers.flatMap((p, i) => (p.xendPort === null || p.ports.includes(p.xendPort) ? [] : [tcpArg(i, p.host, p.xendPort, 0)])).join(' ');
  return [
    `set -- ${peers.map((p, i) => `${i} ${shq(p.hostname ?? '')}`).join(' ')}`,
    // Split on newlines with the shell's own loop (no sed per peer), globbing off.
    "nl='\n'; set -f",
    `while [ $# -gt 0 ]; do if [ -n "$2" ]; then g=$(getent ahosts "$2"); echo "$1 resolve-rc $?"; IFS=$nl; for l in $g; do echo "$1 resolve $l"; done; unset IFS; fi; shift 2; done`,
    tcpCommand(tcpArgs),
  ].join('\n');
}

/** Both halves in one script (tests; a host that runs them in sequence). */
export function peersCommand(peers: readonly PeerQuery[]): string {
  return `${netCommand(peers)}\n${namesCommand(peers)}`;
}

/**
 * Parses the peers probe's lines into one PeerFacts per query, in the queries' order; each
 * peer's TCP results taken by port (the jobs finish in any order): its `ports` in their order,
 * and its `xendPort`.
 * @throws ParseError ('fleet-peers') on a line that is not `<index> <kind> ...` for a known index and kind.
 */
export function parsePeers(text: string, queries: readonly PeerQuery[]): PeerFacts[] {
  const acc = Array.from({ length: queries.length }, () => ({ addr: null as string | null, tcp: [] as string[], resolveRc: null as number | null, resolve: [] as string[] }));
  const routes = new Map<string, RouteGetFacts>();
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    if (line.startsWith('R ')) {
      // One `ip -o route get` line per address asked for; it starts with that address (after a type such as "local").
      const r = parseIpRouteGet(line.slice(2));
      routes.set(r.dst, r);
      continue;
    }
    const m = /^(\d+) (addr|tcp|resolve-rc|resolve)(?: (.*))?$/.exec(line);
    const a = m ? acc[Number(m[1])] : undefined;
    if (!m || !a) throw new ParseError('fleet-peers', `unexpected line: ${JSON.stringify(line.slice(0, 80))}`);
    const rest = m[3] ?? '';
    if (m[2] === 'addr') a.addr = rest.trim() || null;
    else if (m[2] === 'tcp') a.tcp.push(rest);
    else if (m[2] === 'resolve-rc') a.resolveRc = Number(rest);
    else a.resolve.push(rest);
  }
  return acc.map((a, i) => {
    const q = queries[i];
    const byPort = new Map<number, TcpState>();
    if (a.tcp.length > 0) for (const t of parsePeerTcp(a.tcp.join('\n'))) if (!byPort.has(t.port)) byPort.set(t.port, t);
    const at = (port: number): TcpState[] => { const t = byPort.get(port); return t ? [t] : []; };
    return {
      route: (a.addr && routes.get(a.addr)) || null,
      routeError: a.addr === null ? `cannot resolve ${q?.host ?? '?'} on this host` : routes.has(a.addr) ? null : `no route to ${a.addr}`,
      tcp: (q?.ports ?? []).flatMap(at),
      xendTcp: q?.xendPort == null ? [] : at(q.xendPort),
      // getent exits 2 for a name it cannot find: that resolves to nothing, which the rule reports.
      resolution: a.resolveRc === null ? null : a.resolveRc === 0 || a.resolveRc === 2 ? parseGetentAhosts(a.resolve.join('\n')) : null,
    };
  });
}
