import { shq } from '../../shell.js';
import { xendListening } from '../../xen-move.js';
import type { Transport } from '../../vocabulary.js';
import { probe, type Probe } from '../probe.js';
import { parsePeerLink, parsePeerTcp } from '../simple.js';
import { parseGetentAhosts, parseIpRouteGet } from '../system.js';
import { parseXendPeerName } from '../xen.js';

/** The control port of the libvirt transport (qemu+ssh uses the SSH port). */
export function controlPort(transport: Transport, sshPort: number): number {
  return transport === 'tcp' ? 16509 : transport === 'tls' ? 16514 : sshPort;
}

/** TCP connects from this host to each port of `host`: open, closed (refused), timeout (dropped) or untested (no bash, no nc). */
function tcpConnects(host: string, ports: readonly number[]): string {
  const h = shq(host);
  return ports
    .map(
      (p) =>
        `if command -v bash >/dev/null 2>&1; then timeout 3 bash -c 'exec 3<>"/dev/tcp/$1/$2"' _ ${h} ${p} 2>/dev/null; r=$?; ` +
        `elif command -v nc >/dev/null 2>&1; then timeout 3 nc -z ${h} ${p} 2>/dev/null; r=$?; else r=127; fi; ` +
        `case $r in 0) s=open;; 124) s=timeout;; 127) s=untested;; *) s=closed;; esac; echo "port=${p} state=$s"`,
    )
    .join('\n');
}

/** First port of QEMU's default migration data range (49152-49215). */
export const MIGRATION_DATA_PORT = 49152;

/** The ports a source tries on its destination, pair and fleet alike: the control port, then QEMU's first migration port. */
export const peerPorts = (transport: Transport, sshPort: number): number[] => [controlPort(transport, sshPort), MIGRATION_DATA_PORT];

/**
 * The source's way to the destination: route, link, TCP to the control, migration and xend ports,
 * name resolution; and on an xend destination, the name it gives the source's address.
 */
export const NETWORK_PROBES = {
  'peer-route': probe({
    id: 'peer-route',
    side: 'src',
    peer: 'one',
    channel: 'peer',
    provides: ['peer.route', 'peer.srcAddr'],
    // The source address the destination will see: the route the kernel picks towards it.
    command: (c) =>
      `a=$(getent ahosts ${shq(c.peer?.host ?? '')} | awk 'NR==1{print $1}'); [ -n "$a" ] || { echo 'cannot resolve' ${shq(c.peer?.host ?? '')} >&2; exit 2; }; ip -o route get "$a"`,
    parse: parseIpRouteGet,
  }),
  'peer-link': probe({
    id: 'peer-link',
    side: 'src',
    peer: 'one',
    channel: 'peer',
    provides: ['peer.link'],
    // The interface the route to the destination leaves by, and its link speed: the default
    // convergence estimate's bandwidth when none is given or measured (sysfs only, read-only).
    command: (c) =>
      [
        `a=$(getent ahosts ${shq(c.peer?.host ?? '')} | awk 'NR==1{print $1}'); [ -n "$a" ] || { echo 'cannot resolve' ${shq(c.peer?.host ?? '')} >&2; exit 2; }`,
        `d=$(ip -o route get "$a" | sed -n 's/.* dev \\([^ ]*\\).*/\\1/p')`,
        `printf 'dev=%s\\n' "$d"`,
        `s=$(cat "/sys/class/net/$d/speed" 2>/dev/null)`,
        `case $s in ''|-*) s=$(cat /sys/class/net/"$d"/brif/*/speed /sys/class/net/"$d"/lower_*/speed 2>/dev/null | tr '\\n' ' ');; esac`,
        `printf 'speed=%s\\n' "$s"`,
      ].join('\n'),
    parse: parsePeerLink,
  }),
  'peer-tcp': probe({
    id: 'peer-tcp',
    side: 'src',
    peer: 'one',
    channel: 'peer',
    provides: ['peer.tcp', 'peer.controlReachable'],
    // A TCP connect from the source to the destination: open (connected), closed (refused: reachable,
    // nothing listening) or timeout (silently dropped on the way).
    command: (c) => tcpConnects(c.peer?.host ?? '', peerPorts(c.transport, c.peer?.sshPort ?? 22)),
    parse: parsePeerTcp,
  }),
  'xend-tcp': probe({
    id: 'xend-tcp',
    side: 'src',
    round: 2,
    peer: 'one',
    hypervisor: 'xen',
    provides: ['peer.xendTcp', 'xenMove.relocation.tcp'],
    // xendListening: the toolstack (hv-detect, xl info, libvirt's driver) and xend's configuration.
    peerReads: ['hypervisor', 'libvirt.hypervisor', 'xen.xend'],
    // Runs when the destination's xend-config.sxp turns the relocation server on: its port, from the source.
    plan: (k) => {
      const x = xendListening(k.peers[0]?.facts);
      return x ? { xendPort: x.relocationPort } : null;
    },
    command: (c) => tcpConnects(c.peer?.host ?? '', [c.xendPort ?? 8002]),
    parse: parsePeerTcp,
  }),
  'xend-peer-name': probe({
    id: 'xend-peer-name',
    side: 'dst',
    round: 2,
    peer: 'one',
    hypervisor: 'xen',
    provides: ['xen.relocationPeer'],
    // The source's address towards this host, from its route (the source's first round).
    peerReads: ['peer.srcAddr'],
    // The toolstack is read off which hypervisor runs (hv-detect, xm info, virsh version), so all of those.
    selfReads: ['hypervisor', 'libvirt.hypervisor', 'xen.toolstack', 'xen.xend'],
    // On an xend destination whose relocation server is on: xend admits a peer whose address, or
    // socket.getfqdn(address) made HERE, a hosts-allow pattern matches (connection.hostAllowed).
    plan: (k) => {
      const addr = k.peers[0]?.facts?.peer?.srcAddr;
      return xendListening(k.self) && addr ? { xendPeerAddress: addr } : null;
    },
    // gethostbyaddr through NSS, as Python's socket.gethostbyaddr: "ADDR canonical alias ...";
    // exit 2 (no answer: getfqdn gives the address itself) reads "not found", other failures stay failures.
    // getent exits 2 on a lookup that failed for the moment too (DNS TRY_AGAIN): what xend would meet then.
    command: (c) => {
      const a = shq(c.xendPeerAddress ?? '');
      return `printf 'lookup %s\\n' ${a}; getent hosts ${a}; r=$?; if [ "$r" -eq 2 ]; then echo 'not found'; exit 0; fi; exit "$r"`;
    },
    parse: parseXendPeerName,
  }),
  'peer-resolve': probe({
    id: 'peer-resolve',
    side: 'src',
    round: 2,
    peer: 'one',
    provides: ['peer.dstHostnameResolution'],
    peerReads: ['host.hostname'],
    // The destination's own hostname (uname -n, its first round): libvirt sends the migration data there.
    plan: (k) => {
      const name = k.peers[0]?.facts?.host?.hostname;
      return name ? { peerHostname: name } : null;
    },
    command: (c) => `getent ahosts ${shq(c.peerHostname ?? '')}`,
    parse: parseGetentAhosts,
  }),
} as const satisfies Record<string, Probe>;
