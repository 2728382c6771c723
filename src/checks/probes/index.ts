import type { CpuSupport, DomainFact, HostFacts, ProbeFailure, ProbeOutput } from '../../types.js';
import type { Hypervisor, Transport } from '../vocabulary.js';
import { shq } from '../shell.js';
import { parseCpuinfo } from './cpuinfo.js';
import { parseIptablesSave, parseNftRuleset } from './firewall/index.js';
import { parseCapabilities, parseDomainXmlList, parseDomCapabilities, parseNetworkXmlList, parsePoolXmlList, parseVirshVersion } from './libvirt-xml.js';
import { parseHugepages } from './hugepages.js';
import { ParseError } from './parse-error.js';
import { parseClock, parseHostname, parseLongBit, parsePeerLink, parsePeerTcp, parseUnameM, type PeerLink } from './simple.js';
import type { RouteGetFacts } from '../../model/system.js';
import {
  parseGetentAhosts,
  parseHostIds,
  parseIpLinkBridges,
  parseIpOAddr,
  parseIpRouteGet,
  parseLsm,
  parseMeminfo,
  parseOnlineCpus,
  parseProcMounts,
} from './system.js';
import { parseDiskSizes } from './disk-sizes.js';
import { dirStatCommand, parseDirStats } from './dir-stats.js';
import { DIRTY_PERIODS, dirtyRatesOf, joinDomains, parseDomstatsDirtyRate, parseSnapshotCounts, parseVirshList, parseVirshUuids } from './virsh.js';
import { detectHypervisor, HV_DETECT_COMMAND, parseHvDetect } from './hypervisor.js';
import { parseXendConfig, parseXlInfo, parseXlList, parseXlListLong } from './xen.js';

/** What a probe's command may depend on. */
export interface ProbeContext {
  readonly libvirtUri: string;
  readonly transport: Transport;
  /** The other host of the pair as this one should reach it (source-side probes only). */
  readonly peer?: { readonly host: string; readonly sshPort: number };
  /** The destination's own hostname, learnt in the first round (second-round probes only). */
  readonly peerHostname?: string;
  /** -d names (empty: the running domains). */
  readonly domains?: readonly string[];
  /** Seconds of QEMU dirty-rate sampling per domain (virsh domdirtyrate-calc --seconds). */
  readonly dirtyRateSeconds?: number;
  /** Second round on the source: the moving domains' disks to size. */
  readonly disks?: readonly DiskQuery[];
  /** --save-dir (save mode). */
  readonly saveDir?: string;
  /** Second round on the destination (block, cold and save modes; Xen guests' block devices): where the copied disks would land. */
  readonly landing?: { readonly dirs: readonly string[]; readonly files: readonly string[] };
  /** Second round on a Xen source: the destination's xend relocation port (from its xend-config.sxp). */
  readonly xendPort?: number;
}

/** A disk to size: a file by path (stat), anything else through libvirt by domain UUID and target. */
export type DiskQuery = { readonly kind: 'file'; readonly path: string } | { readonly kind: 'blk'; readonly uuid: string; readonly target: string };

/** A read-only command and the pure parser for what it prints. */
export interface Probe<T = unknown> {
  readonly id: string;
  /** Fact paths this probe feeds; a rule reading one of them ends in `error` when the probe fails. */
  readonly provides: readonly string[];
  /** both: every host; src: only the source (it needs the destination's address); dst: only the destination; round 2 needs round-1 facts. */
  readonly side?: 'both' | 'src' | 'dst';
  readonly round?: 1 | 2;
  /** Only for hosts of this hypervisor: left out when --hypervisor names the other one. */
  readonly hypervisor?: Hypervisor;
  /** The shell command, every value quoted with shq(). */
  command(ctx: ProbeContext): string;
  parse(stdout: string): T;
}

function probe<T>(p: Probe<T>): Probe<T> {
  return p;
}

/**
 * Lists objects of one kind and dumps each, read-only. One virsh for all the dumps (virsh runs
 * `cmd; cmd; ...` in one connection): a host with many domains would otherwise start a virsh per
 * domain. Only names made of letters, digits, '.', '_' and '-' (and not starting with '-') go
 * into that command line, which the shell checks; any other name (any text a guest owner chose)
 * gets a virsh of its own, passed as an argument, never spliced.
 */
const dumpEach = (uri: string, list: string, dump: string): string => {
  const u = shq(uri);
  return (
    `virsh -c ${u} ${list} --all --name | { c=''; while read -r n; do [ -n "$n" ] || continue; ` +
    `case $n in -*|*[!A-Za-z0-9._-]*) virsh -c ${u} ${dump} -- "$n";; *) c="$c ${dump} -- $n;";; esac; done; ` +
    `[ -z "$c" ] || virsh -c ${u} "$c"; }; exit 0`
  );
};

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

/** Runs a Xen toolstack subcommand with xl, else xm (an xend host); prints nothing where neither is installed. */
const xenTool = (args: string): string => `if command -v xl >/dev/null 2>&1; then xl ${args}; elif command -v xm >/dev/null 2>&1; then xm ${args}; fi`;
/** Empty output (no Xen toolstack here) is null; anything else goes to the parser. */
const orNone =
  <T>(parse: (text: string) => T) =>
  (text: string): T | null =>
    text.trim() === '' ? null : parse(text);

/** First port of QEMU's default migration data range (49152-49215). */
export const MIGRATION_DATA_PORT = 49152;

export const PROBES = {
  cpuinfo: probe({ id: 'cpuinfo', provides: ['cpu'], command: () => 'cat /proc/cpuinfo', parse: parseCpuinfo }),
  'uname-m': probe({ id: 'uname-m', provides: ['os.arch', 'os.bits'], command: () => 'uname -m', parse: parseUnameM }),
  'long-bit': probe({ id: 'long-bit', provides: ['os.longBit'], command: () => 'getconf LONG_BIT', parse: parseLongBit }),
  hostname: probe({ id: 'hostname', provides: ['host.hostname'], command: () => 'uname -n', parse: parseHostname }),
  'host-ids': probe({
    id: 'host-ids',
    provides: ['host.uuid'],
    command: () => `printf 'product_uuid=%s\\n' "$(cat /sys/class/dmi/id/product_uuid 2>/dev/null)"; printf 'machine_id=%s\\n' "$(cat /etc/machine-id 2>/dev/null)"`,
    parse: parseHostIds,
  }),
  'online-cpus': probe({ id: 'online-cpus', provides: ['host.cpus'], command: () => 'cat /sys/devices/system/cpu/online', parse: parseOnlineCpus }),
  meminfo: probe({ id: 'meminfo', provides: ['host.memory'], command: () => 'cat /proc/meminfo', parse: parseMeminfo }),
  // The destination's huge page pools, every size (a guest may ask for one that is not the default).
  hugepages: probe({
    id: 'hugepages',
    side: 'dst',
    hypervisor: 'kvm',
    provides: ['host.hugepages'],
    command: () =>
      `for d in /sys/kernel/mm/hugepages/hugepages-*kB; do [ -d "$d" ] || continue; printf '%s %s %s %s\\n' "\${d##*/hugepages-}" "$(cat "$d/nr_hugepages")" "$(cat "$d/free_hugepages")" "$(cat "$d/resv_hugepages")"; done`,
    parse: parseHugepages,
  }),
  lsm: probe({
    id: 'lsm',
    provides: ['security'],
    command: () =>
      `printf 'lsm=%s\\n' "$(cat /sys/kernel/security/lsm 2>/dev/null)"; printf 'selinux=%s\\n' "$(cat /sys/fs/selinux/enforce 2>/dev/null)"; printf 'apparmor=%s\\n' "$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null)"`,
    parse: parseLsm,
  }),
  clock: probe({ id: 'clock', provides: ['clock'], command: () => 'date +%s.%N', parse: parseClock }),
  mounts: probe({ id: 'mounts', provides: ['storage.mounts', 'storage.networkMounts', 'migration.sharedMounts'], command: () => 'cat /proc/mounts', parse: parseProcMounts }),
  bridges: probe({ id: 'bridges', provides: ['network.bridges'], command: () => 'ip -o link show type bridge', parse: parseIpLinkBridges }),
  addresses: probe({ id: 'addresses', provides: ['network.addresses'], command: () => 'ip -o addr show', parse: parseIpOAddr }),
  'self-resolve': probe({ id: 'self-resolve', provides: ['host.selfResolution'], command: () => 'getent ahosts "$(uname -n)"', parse: parseGetentAhosts }),
  nft: probe({ id: 'nft', provides: ['firewall.nft'], command: () => 'nft list ruleset', parse: parseNftRuleset }),
  iptables: probe({ id: 'iptables', provides: ['firewall.iptables'], command: () => 'iptables-save', parse: parseIptablesSave }),
  'hv-detect': probe({ id: 'hv-detect', provides: ['hypervisor'], command: () => HV_DETECT_COMMAND, parse: parseHvDetect }),
  'xl-info': probe({ id: 'xl-info', hypervisor: 'xen', provides: ['xen.info', 'hypervisor'], command: () => xenTool('info'), parse: orNone(parseXlInfo) }),
  'xl-list': probe({ id: 'xl-list', hypervisor: 'xen', provides: ['xen.domains', 'xenMove'], command: () => xenTool('list'), parse: orNone(parseXlList) }),
  'xl-list-long': probe({
    id: 'xl-list-long',
    hypervisor: 'xen',
    provides: ['xen.configs', 'xenMove.bridges', 'xenMove.disks', 'xenMove.hvm', 'xenMove.bridgeNetworks'],
    command: () => xenTool('list -l'),
    parse: orNone(parseXlListLong),
  }),
  'xend-config': probe({
    id: 'xend-config',
    hypervisor: 'xen',
    provides: ['xen.xend'],
    // Absent on xl hosts: prints nothing, which reads as "no xend".
    command: () => 'if [ -f /etc/xen/xend-config.sxp ]; then cat /etc/xen/xend-config.sxp; fi',
    parse: orNone(parseXendConfig),
  }),
  'virsh-version': probe({ id: 'virsh-version', hypervisor: 'kvm', provides: ['libvirt.version', 'libvirt.hypervisor'], command: (c) => `virsh -c ${shq(c.libvirtUri)} version`, parse: parseVirshVersion }),
  'virsh-list': probe({
    id: 'virsh-list',
    hypervisor: 'kvm',
    provides: ['libvirt.domains', 'migration'],
    command: (ctx) => `virsh -c ${shq(ctx.libvirtUri)} list --all`,
    parse: parseVirshList,
  }),
  'virsh-uuids': probe({
    id: 'virsh-uuids',
    hypervisor: 'kvm',
    provides: ['libvirt.domains.uuid', 'migration.domains.uuid'],
    command: (ctx) => `virsh -c ${shq(ctx.libvirtUri)} list --all --uuid --name`,
    parse: parseVirshUuids,
  }),
  'virsh-domxml': probe({
    id: 'virsh-domxml',
    hypervisor: 'kvm',
    provides: ['libvirt.domains.xml', 'migration.domains.xml', 'migration.bridges', 'migration.networks', 'migration.pools', 'migration.cpuModes', 'migration.virtTypes'],
    // --migratable: the definition the destination will receive (expanded host-model CPU, no runtime-only devices).
    command: (c) => dumpEach(c.libvirtUri, 'list', 'dumpxml --migratable'),
    parse: parseDomainXmlList,
  }),
  'virsh-snapshots': probe({
    id: 'virsh-snapshots',
    hypervisor: 'kvm',
    side: 'src',
    provides: ['libvirt.domains.snapshots', 'migration.blockers'],
    // Domains by UUID (no quoting of names); snapshot-list --name lists names only.
    command: (c) => {
      const u = shq(c.libvirtUri);
      return (
        `virsh -c ${u} list --all --uuid | while read -r id; do [ -n "$id" ] || continue; ` +
        `if n=$(virsh -c ${u} snapshot-list --name -- "$id" 2>/dev/null); then c=$(printf '%s\\n' "$n" | grep -c .); else c=; fi; ` +
        `printf 'snapshots %s %s\\n' "$id" "$c"; done; exit 0`
      );
    },
    parse: parseSnapshotCounts,
  }),
  'virsh-nets': probe({ id: 'virsh-nets', hypervisor: 'kvm', provides: ['libvirt.networks', 'migration.networks', 'migration.bridges'], command: (c) => dumpEach(c.libvirtUri, 'net-list', 'net-dumpxml'), parse: parseNetworkXmlList }),
  'virsh-pools': probe({ id: 'virsh-pools', hypervisor: 'kvm', provides: ['libvirt.pools', 'migration.pools'], command: (c) => dumpEach(c.libvirtUri, 'pool-list', 'pool-dumpxml'), parse: parsePoolXmlList }),
  'virsh-caps': probe({ id: 'virsh-caps', hypervisor: 'kvm', provides: ['libvirt.machineTypes', 'libvirt.virtTypes'], command: (c) => `virsh -c ${shq(c.libvirtUri)} capabilities`, parse: parseCapabilities }),
  'virsh-domcaps': probe({ id: 'virsh-domcaps', hypervisor: 'kvm', provides: ['libvirt.cpuSupport.models'], command: (c) => `virsh -c ${shq(c.libvirtUri)} domcapabilities`, parse: parseDomCapabilities }),
  // TCG guests (domain type qemu) get QEMU's emulated CPU, whose usable models differ from KVM's.
  'virsh-domcaps-tcg': probe({
    id: 'virsh-domcaps-tcg',
    hypervisor: 'kvm',
    provides: ['libvirt.cpuSupport.tcg'],
    command: (c) => `virsh -c ${shq(c.libvirtUri)} domcapabilities --virttype qemu`,
    parse: parseDomCapabilities,
  }),
  'dirty-rate': probe({
    id: 'dirty-rate',
    hypervisor: 'kvm',
    side: 'src',
    provides: ['libvirt.dirtyRates'],
    // QEMU samples the guest's page dirtying (calc-dirty-rate, page-sampling: it changes nothing in
    // the guest), then domstats reads the result and the QEMU process's resident memory; once per
    // period of DIRTY_PERIODS (short ones, then a long one that shows a working set). Runs only
    // without --dirty-rate. Names are arguments, never spliced.
    command: (c) => {
      const u = shq(c.libvirtUri);
      const base = Math.max(1, Math.round(c.dirtyRateSeconds ?? 1));
      const names = (c.domains ?? []).map(shq).join(' ');
      return [
        names ? `set -- ${names}` : `IFS='\n'; set -f; set -- $(virsh -c ${u} list --name --state-running); unset IFS; set +f`,
        '[ $# -gt 0 ] || exit 0',
        `for s in ${DIRTY_PERIODS.map((p) => p * base).join(' ')}; do`,
        'ok=0',
        `for n in "$@"; do virsh -c ${u} domdirtyrate-calc --seconds "$s" -- "$n" >/dev/null && ok=1; done`,
        '[ $ok = 1 ] || exit 1',
        'sleep "$s"',
        'i=0',
        `while :; do out=$(virsh -c ${u} domstats --dirtyrate --balloon -- "$@") || exit $?; case $out in *calc_status=1*) if [ $i -lt 5 ]; then i=$((i+1)); sleep 1; continue; fi;; esac; printf '%s\n' "$out"; break; done`,
        'done',
      ].join('\n');
    },
    parse: parseDomstatsDirtyRate,
  }),
  'disk-sizes': probe({
    id: 'disk-sizes',
    hypervisor: 'kvm',
    side: 'src',
    round: 2,
    provides: ['libvirt.diskSizes'],
    // stat reads an image's allocation without opening it; other disks ask libvirt. Missing ones stay unknown.
    command: (c) =>
      [
        ...(c.disks ?? []).map((d) =>
          d.kind === 'file'
            ? `stat -L -c 'file %s %b %B %n' -- ${shq(d.path)}`
            : `printf 'blk %s %s\n' ${shq(d.uuid)} ${shq(d.target)}; virsh -c ${shq(c.libvirtUri)} domblkinfo -- ${shq(d.uuid)} ${shq(d.target)}`,
        ),
        'exit 0',
      ].join('\n'),
    parse: parseDiskSizes,
  }),
  'save-dir': probe({
    id: 'save-dir',
    hypervisor: 'kvm',
    provides: ['storage.saveDir'],
    // Save mode only: where `virsh save` writes the guest's memory image, and who may read it there.
    command: (c) => dirStatCommand([c.saveDir ?? '']),
    parse: (text) => parseDirStats(text, 'save-dir'),
  }),
  landing: probe({
    id: 'landing',
    side: 'dst',
    round: 2,
    provides: ['storage.landing'],
    // Block, cold and save modes: the directories the source's local disks would be copied into, and which of those paths exist already.
    command: (c) => dirStatCommand(c.landing?.dirs ?? [], c.landing?.files ?? []),
    parse: (text) => parseDirStats(text, 'landing'),
  }),
  'peer-route': probe({
    id: 'peer-route',
    side: 'src',
    provides: ['peer.route', 'peer.srcAddr'],
    // The source address the destination will see: the route the kernel picks towards it.
    command: (c) =>
      `a=$(getent ahosts ${shq(c.peer?.host ?? '')} | awk 'NR==1{print $1}'); [ -n "$a" ] || { echo 'cannot resolve' ${shq(c.peer?.host ?? '')} >&2; exit 2; }; ip -o route get "$a"`,
    parse: parseIpRouteGet,
  }),
  'peer-link': probe({
    id: 'peer-link',
    side: 'src',
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
    provides: ['peer.tcp', 'peer.controlReachable'],
    // A TCP connect from the source to the destination: open (connected), closed (refused: reachable,
    // nothing listening) or timeout (silently dropped on the way).
    command: (c) => tcpConnects(c.peer?.host ?? '', [controlPort(c.transport, c.peer?.sshPort ?? 22), MIGRATION_DATA_PORT]),
    parse: parsePeerTcp,
  }),
  'xend-tcp': probe({
    id: 'xend-tcp',
    side: 'src',
    round: 2,
    hypervisor: 'xen',
    provides: ['peer.xendTcp', 'xenMove.relocation.tcp'],
    // Runs when the destination's xend-config.sxp turns the relocation server on: its port, from the source.
    command: (c) => tcpConnects(c.peer?.host ?? '', [c.xendPort ?? 8002]),
    parse: parsePeerTcp,
  }),
  'peer-resolve': probe({
    id: 'peer-resolve',
    side: 'src',
    round: 2,
    provides: ['peer.dstHostnameResolution'],
    command: (c) => `getent ahosts ${shq(c.peerHostname ?? '')}`,
    parse: parseGetentAhosts,
  }),
} as const satisfies Record<string, Probe>;

export type ProbeId = keyof typeof PROBES;
export const PROBE_IDS = Object.keys(PROBES) as ProbeId[];

/** Probes that tell the hypervisors apart: they run even when --hypervisor names one (a host running the other refuses the pair). */
const DETECTION: ReadonlySet<ProbeId> = new Set(['xl-info', 'virsh-version']);

/**
 * The probes one host runs in one round; `without` leaves some out (dirty-rate when --dirty-rate
 * is given); a named hypervisor leaves out the other one's probes (auto runs both kinds: the Xen
 * ones print nothing where there is no Xen toolstack).
 */
export function probesFor(side: 'src' | 'dst', round: 1 | 2, without: readonly ProbeId[] = [], hypervisor: Hypervisor | 'auto' = 'auto'): ProbeId[] {
  return PROBE_IDS.filter((id) => {
    const p: Probe = PROBES[id];
    return (
      (p.round ?? 1) === round &&
      (p.side === undefined || p.side === 'both' || p.side === side) &&
      !without.includes(id) &&
      (hypervisor === 'auto' || p.hypervisor === undefined || p.hypervisor === hypervisor || DETECTION.has(id))
    );
  });
}

/** The disks of the moving domains that the second source round sizes. */
export function diskQueries(domains: readonly DomainFact[]): DiskQuery[] {
  const out: DiskQuery[] = [];
  for (const d of domains) {
    for (const k of d.xml?.disks ?? []) {
      if (k.source === null) continue;
      if (k.type === 'file') out.push({ kind: 'file', path: k.source });
      else if (d.xml?.uuid && k.target) out.push({ kind: 'blk', uuid: d.xml.uuid, target: k.target });
    }
  }
  return out;
}

type Parsed = { -readonly [K in ProbeId]?: ReturnType<(typeof PROBES)[K]['parse']> };

/** A short reason for a failed probe, from its exit code and stderr (127: command not found). */
export function probeFailureReason(out: ProbeOutput): string | null {
  // A cut-off output would give partial facts (half the CPUs, some of the mounts): none is better.
  if (out.truncated) return `output larger than the per-probe cap (${Buffer.byteLength(out.stdout)} bytes kept); not parsed`;
  if (out.exitCode === 0) return null;
  const err = out.stderr.trim().split('\n').filter(Boolean).slice(-2).join(' / ').slice(0, 300);
  if (out.exitCode === null) return `did not finish${err ? `: ${err}` : ''}`;
  if (out.exitCode === 127) return `command not found${err ? `: ${err}` : ''}`;
  if (out.exitCode === 124) return 'timed out on the host';
  if (/not permitted|permission denied|must be root|are you root/i.test(err)) return `needs root (use --sudo): ${err}`;
  return `exit code ${out.exitCode}${err ? `: ${err}` : ''}`;
}

const BITS: Record<string, number> = { x86_64: 64, amd64: 64, aarch64: 64, arm64: 64, ppc64: 64, ppc64le: 64, s390x: 64, riscv64: 64, loongarch64: 64, mips64: 64, sparc64: 64 };

/** Kernel word size from `uname -m` (32-bit kernels: i386..i686, armv7l, s390, ppc ...). */
export function bitsOf(arch: string): number {
  // hasOwn: `uname -m` printing "constructor" must not give a function.
  return (Object.hasOwn(BITS, arch) ? BITS[arch] : undefined) ?? 32;
}

type TcpResult = { readonly port: number; readonly state: string };

/**
 * The source's way to the destination as the rules read it (peer.*), from the pair's probes or the
 * fleet's: the route and the source address the destination will see, TCP to the control port
 * (first) and the migration port, how the destination's hostname resolves, xend's port.
 */
export function peerFactsOf(p: {
  route?: RouteGetFacts | null;
  tcp?: readonly TcpResult[] | null;
  resolution?: readonly string[] | null;
  xendTcp?: readonly TcpResult[] | null;
  link?: PeerLink | null;
}): NonNullable<HostFacts['peer']> {
  const peer: NonNullable<HostFacts['peer']> = {};
  if (p.link) peer.link = p.link;
  if (p.route) Object.assign(peer, { route: p.route, srcAddr: p.route.src });
  if (p.tcp) Object.assign(peer, { tcp: p.tcp, controlReachable: p.tcp[0]?.state === 'open' });
  if (p.resolution) peer.dstHostnameResolution = p.resolution;
  if (p.xendTcp) peer.xendTcp = p.xendTcp;
  return peer;
}

/**
 * Parses every probe's output and assembles the host's facts. Pure: failures are returned, not
 * thrown, so one broken probe costs only the rules that need it.
 */
export function buildFacts(
  outputs: Readonly<Record<string, ProbeOutput>>,
  missingProbes: readonly string[] = [],
  /** The SSH host key the connection verified: which machine answered (host.distinct). */
  hostKey: { readonly fingerprint: string } | null = null,
): { facts: HostFacts; failures: ProbeFailure[] } {
  const failures: ProbeFailure[] = missingProbes.map((probe) => ({ probe, reason: 'no output collected' }));
  const parsed: Parsed = {};
  for (const id of PROBE_IDS) {
    const out = outputs[id];
    if (out === undefined) continue;
    const reason = probeFailureReason(out);
    if (reason !== null) {
      failures.push({ probe: id, reason });
      continue;
    }
    try {
      (parsed as Record<string, unknown>)[id] = PROBES[id].parse(out.stdout);
    } catch (e) {
      if (!(e instanceof ParseError)) throw e;
      failures.push({ probe: id, reason: `unparsable output: ${e.message}` });
    }
  }
  const f: HostFacts = {};
  if (hostKey !== null && hostKey.fingerprint !== 'unknown') f.ssh = { hostKey: hostKey.fingerprint };
  if (parsed.cpuinfo) f.cpu = parsed.cpuinfo;
  const arch = parsed['uname-m'];
  if (arch !== undefined || parsed['long-bit'] !== undefined) {
    f.os = {};
    if (arch !== undefined) Object.assign(f.os, { arch, bits: bitsOf(arch) });
    if (parsed['long-bit'] !== undefined) f.os.longBit = parsed['long-bit'];
  }
  const host: NonNullable<HostFacts['host']> = {};
  if (parsed.hostname !== undefined) host.hostname = parsed.hostname;
  if (parsed['host-ids']) Object.assign(host, { uuid: parsed['host-ids'].hostUuid, ids: parsed['host-ids'] });
  if (parsed['online-cpus'] !== undefined) host.cpus = parsed['online-cpus'];
  if (parsed.meminfo) host.memory = parsed.meminfo;
  if (parsed.hugepages) host.hugepages = parsed.hugepages;
  if (parsed['self-resolve']) host.selfResolution = parsed['self-resolve'];
  if (Object.keys(host).length > 0) f.host = host;
  if (parsed.lsm) f.security = parsed.lsm;
  if (parsed.clock !== undefined) {
    // The remote clock minus ours when its output arrived; the error is at most the one-way latency.
    const receivedAtMs = outputs.clock?.receivedAt;
    f.clock = receivedAtMs === undefined ? { remoteEpochMs: parsed.clock } : { remoteEpochMs: parsed.clock, receivedAtMs, offsetMs: parsed.clock - receivedAtMs };
  }
  if (parsed.mounts || parsed['save-dir'] || parsed.landing) {
    f.storage = {};
    if (parsed.mounts) Object.assign(f.storage, { mounts: parsed.mounts, networkMounts: parsed.mounts.filter((m) => m.network) });
    if (parsed['save-dir']) f.storage.saveDir = parsed['save-dir'].dirs[0] ?? null;
    if (parsed.landing) {
      const pools = (parsed['virsh-pools'] ?? null)?.map((p) => ({ name: p.name, type: p.type, targetPath: p.targetPath, availableBytes: p.availableBytes }));
      f.storage.landing = { dirs: parsed.landing.dirs, files: parsed.landing.files, pools: pools ?? null };
    }
  }
  if (parsed.bridges || parsed.addresses) {
    f.network = {};
    if (parsed.bridges) f.network.bridges = parsed.bridges;
    if (parsed.addresses) Object.assign(f.network, { addresses: parsed.addresses.map((a) => a.address), ifaddrs: parsed.addresses });
  }
  if (parsed.nft !== undefined || parsed.iptables !== undefined) {
    f.firewall = { nft: parsed.nft ?? null, iptables: parsed.iptables ?? null };
  }
  const list = parsed['virsh-list'];
  if (list || parsed['virsh-version'] || parsed['virsh-nets'] || parsed['virsh-pools']) {
    const lv: NonNullable<HostFacts['libvirt']> = {};
    if (parsed['virsh-version']) Object.assign(lv, { version: parsed['virsh-version'].libvirt, hypervisor: parsed['virsh-version'].hypervisor });
    if (list) {
      const xml = new Map((parsed['virsh-domxml'] ?? []).map((d) => [d.name, d]));
      const snaps = parsed['virsh-snapshots'];
      lv.domains = joinDomains(list, parsed['virsh-uuids'] ?? null).map((d) => ({
        ...d,
        xml: xml.get(d.name) ?? null,
        ...(snaps ? { snapshots: d.uuid !== null ? (snaps.get(d.uuid) ?? null) : null } : {}),
      }));
    }
    if (parsed['virsh-nets']) lv.networks = parsed['virsh-nets'];
    if (parsed['virsh-pools']) lv.pools = parsed['virsh-pools'];
    if (parsed['virsh-caps']) {
      lv.machineTypes = [...new Set(parsed['virsh-caps'].guests.flatMap((g) => g.machines))];
      lv.virtTypes = [...new Set(parsed['virsh-caps'].guests.flatMap((g) => g.domainTypes.map((t) => `${t}/${g.arch}`)))];
    }
    const dirtyFailure = failures.find((x) => x.probe === 'dirty-rate');
    if (dirtyFailure) lv.dirtyRateError = dirtyFailure.reason;
    if (parsed['dirty-rate']) lv.dirtyRates = dirtyRatesOf(parsed['dirty-rate']);
    if (parsed['disk-sizes']) lv.diskSizes = parsed['disk-sizes'];
    f.libvirt = lv;
  }
  if (outputs['virsh-domcaps'] !== undefined || parsed.cpuinfo) {
    const models = (id: 'virsh-domcaps' | 'virsh-domcaps-tcg', cmd: string): { models: CpuSupport['models']; modelsUnknownBecause: string | null } => {
      const domcaps = parsed[id];
      const why = failures.find((x) => x.probe === id)?.reason ?? (outputs[id] === undefined ? 'not collected' : null);
      return {
        models: domcaps ? domcaps.models.map((m) => ({ name: m.name, usable: m.usable, blockers: m.blockers })) : null,
        modelsUnknownBecause: domcaps ? null : `${cmd}: ${why ?? 'no answer'}`,
      };
    };
    f.libvirt = {
      ...f.libvirt,
      cpuSupport: {
        flags: parsed.cpuinfo?.flags ?? null,
        ...models('virsh-domcaps', 'virsh domcapabilities'),
        ...(outputs['virsh-domcaps-tcg'] !== undefined ? { tcg: models('virsh-domcaps-tcg', 'virsh domcapabilities --virttype qemu') } : {}),
      },
    };
  }
  if (parsed['peer-route'] || parsed['peer-tcp'] || parsed['peer-resolve'] || parsed['xend-tcp'] || parsed['peer-link']) {
    f.peer = peerFactsOf({ route: parsed['peer-route'], tcp: parsed['peer-tcp'], resolution: parsed['peer-resolve'], xendTcp: parsed['xend-tcp'], link: parsed['peer-link'] });
  }
  const xenIds = ['xl-info', 'xl-list', 'xl-list-long', 'xend-config'] as const;
  if (parsed['hv-detect'] || xenIds.some((id) => outputs[id] !== undefined) || parsed['virsh-version']) {
    const xl = parsed['xl-info'];
    f.hypervisor = detectHypervisor(parsed['hv-detect'] ?? null, xl ?? null, parsed['virsh-version']?.hypervisor?.name ?? null);
    if (xenIds.some((id) => outputs[id] !== undefined)) {
      const xen: NonNullable<HostFacts['xen']> = { toolstack: f.hypervisor.toolstack };
      if (xl !== undefined) Object.assign(xen, { info: xl, freeMemoryKiB: xl?.freeMemoryMiB != null ? xl.freeMemoryMiB * 1024 : null });
      if (parsed['xl-list'] !== undefined) xen.domains = parsed['xl-list'];
      if (parsed['xl-list-long'] !== undefined) xen.configs = parsed['xl-list-long'];
      if (parsed['xend-config'] !== undefined) Object.assign(xen, { xend: parsed['xend-config'], relocationServer: parsed['xend-config']?.relocationServer ?? false });
      f.xen = xen;
    }
  }
  return { facts: f, failures };
}

/**
 * The domains this run moves: the names given with -d, or (host evacuation) every running
 * domain. Names asked for but absent on the source are reported as missing.
 */
export function selectDomains(
  domains: readonly DomainFact[],
  requested: readonly string[],
): { domains: DomainFact[]; missing: string[] } {
  if (requested.length === 0) return { domains: domains.filter((d) => d.state === 'running' || d.state === 'paused'), missing: [] };
  const byName = new Map(domains.map((d) => [d.name, d]));
  return {
    domains: requested.flatMap((n) => byName.get(n) ?? []),
    missing: requested.filter((n) => !byName.has(n)),
  };
}
