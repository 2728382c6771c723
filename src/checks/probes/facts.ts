import type { CpuSupport, HostFacts, ProbeFailure, ProbeOutput } from '../../types.js';
import type { RouteGetFacts } from '../../model/system.js';
import { detectHypervisor } from './hypervisor.js';
import { ParseError } from './parse-error.js';
import { PROBE_IDS } from './plan.js';
import type { PeerLink } from './simple.js';
import { PROBES, type ProbeId } from './table.js';
import { dirtyRatesOf, joinDomains } from './virsh.js';

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

/** What the peer facts are made of: the pair's probes' outputs, or the fleet's answers about a peer. */
export interface PeerInput {
  readonly route?: RouteGetFacts | null;
  readonly tcp?: readonly TcpResult[] | null;
  readonly resolution?: readonly string[] | null;
  readonly xendTcp?: readonly TcpResult[] | null;
  readonly link?: PeerLink | null;
}

type Peer = NonNullable<HostFacts['peer']>;

/**
 * The source's way to the destination as the rules read it (peer.*), field by field, in the
 * facts' order: the probe link, the route and the source address the destination will see, TCP
 * to the control port (first) and the migration port, how the destination's hostname resolves,
 * xend's port. undefined: the field is absent.
 */
const PEER_FIELDS: { readonly [K in keyof Peer]-?: (p: PeerInput) => Peer[K] | undefined } = {
  link: (p) => p.link || undefined,
  route: (p) => p.route || undefined,
  srcAddr: (p) => (p.route ? p.route.src : undefined),
  tcp: (p) => p.tcp || undefined,
  controlReachable: (p) => (p.tcp ? p.tcp[0]?.state === 'open' : undefined),
  dstHostnameResolution: (p) => p.resolution || undefined,
  xendTcp: (p) => p.xendTcp || undefined,
};
const PEER_FIELD_NAMES = Object.keys(PEER_FIELDS) as (keyof Peer)[];

/** The peer facts of a pair, from the pair's probes or the fleet's. */
export function peerFactsOf(p: PeerInput): Peer {
  const peer: Record<string, unknown> = {};
  for (const k of PEER_FIELD_NAMES) {
    const v = PEER_FIELDS[k](p);
    if (v !== undefined) peer[k] = v;
  }
  return peer as Peer;
}

/** One field of peerFactsOf(p), without building the rest (the fleet reads a pair's peer facts field by field). */
export function peerFieldOf(p: PeerInput, field: string): unknown {
  return Object.hasOwn(PEER_FIELDS, field) ? PEER_FIELDS[field as keyof Peer](p) : undefined;
}

type ParseResult = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: ParseError };

/** Parse results by output (and the stdout they were parsed from): the planner reads round 1's facts before the report is built from every round. */
const PARSED = new WeakMap<ProbeOutput, { readonly stdout: string; readonly result: ParseResult }>();

/** A probe's output parsed once however often facts are built from it (parsers are pure; their results are only read). */
function parseOnce(id: ProbeId, out: ProbeOutput): ParseResult {
  const hit = PARSED.get(out);
  if (hit !== undefined && hit.stdout === out.stdout) return hit.result;
  let result: ParseResult;
  try {
    result = { ok: true, value: PROBES[id].parse(out.stdout) };
  } catch (e) {
    if (!(e instanceof ParseError)) throw e;
    result = { ok: false, error: e };
  }
  PARSED.set(out, { stdout: out.stdout, result });
  return result;
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
    const r = parseOnce(id, out);
    if (r.ok) (parsed as Record<string, unknown>)[id] = r.value;
    else failures.push({ probe: id, reason: `unparsable output: ${r.error.message}` });
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
    const models = (id: 'virsh-domcaps' | 'virsh-domcaps-tcg', cmd: string): Pick<CpuSupport, 'models' | 'modelsUnknownBecause' | 'hostModel'> => {
      const domcaps = parsed[id];
      const why = failures.find((x) => x.probe === id)?.reason ?? (outputs[id] === undefined ? 'not collected' : null);
      return {
        models: domcaps ? domcaps.models.map((m) => ({ name: m.name, usable: m.usable, blockers: m.blockers })) : null,
        modelsUnknownBecause: domcaps ? null : `${cmd}: ${why ?? 'no answer'}`,
        ...(domcaps ? { hostModel: domcaps.hostModel } : {}),
      };
    };
    f.libvirt = {
      ...f.libvirt,
      cpuSupport: {
        flags: parsed.cpuinfo?.flags ?? null,
        ...models('virsh-domcaps', 'virsh domcapabilities'),
        ...(outputs['virsh-domcaps-tcg'] !== undefined ? { tcg: models('virsh-domcaps-tcg', 'virsh domcapabilities --virttype qemu') } : {}),
        ...(parsed['guest-cpu-compare'] ? { compared: parsed['guest-cpu-compare'] } : {}),
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
      // Without hv-detect nothing says whether xl or xm answered: the toolstack is unknown, not "none" (left out, so rules reading it say so).
      const xen: NonNullable<HostFacts['xen']> = parsed['hv-detect'] ? { toolstack: f.hypervisor.toolstack } : {};
      if (xl !== undefined) Object.assign(xen, { info: xl, freeMemoryKiB: xl?.freeMemoryMiB != null ? xl.freeMemoryMiB * 1024 : null });
      if (parsed['xl-list'] !== undefined) xen.domains = parsed['xl-list'];
      if (parsed['xl-list-long'] !== undefined) xen.configs = parsed['xl-list-long'];
      if (parsed['xend-config'] !== undefined) Object.assign(xen, { xend: parsed['xend-config'], relocationServer: parsed['xend-config']?.relocationServer ?? false });
      // Round 2 on an xend destination: how it names the source's address (what hosts-allow matches).
      if (parsed['xend-peer-name'] !== undefined) xen.relocationPeer = parsed['xend-peer-name'];
      f.xen = xen;
    }
  }
  return { facts: f, failures };
}
