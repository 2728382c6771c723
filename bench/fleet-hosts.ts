/**
 * A synthetic region of N hypervisor hosts built from real facts, for bench/fleet-scale.ts and
 * its equality check: the lab's own host reports (test/fixtures/reports/clean.json: a source
 * with guests, a destination) as templates, CPUs from the corpus' real /proc/cpuinfo dumps
 * (x86 ones, parsed by the project's parser), and what varies in a real region: a few hardware
 * generations in uneven shares, a rolling libvirt upgrade, racks of 40 sharing bridges (one rack
 * lacks the guests' bridge), free memory per host, clocks (a few skewed), identities (names,
 * addresses, host UUIDs, SSH host keys, guests), and faults: a clone that kept its host keys, a
 * guest name on two hosts, a host whose firewall drops QEMU's ports, a hostname that resolves
 * wrong from one rack, a host that cannot be reached. Deterministic for (n, seed). Unchanged
 * subtrees are shared between hosts, and peer facts are made on demand, so 5,000 hosts fit.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseCpuinfo } from '../src/checks/probes/cpuinfo.js';
import type { Probed } from '../src/fleet/matrix.js';
import type { PeerFacts } from '../src/fleet/peers.js';
import type { HostReport } from '../src/types.js';

// The project root (where test/fixtures and ../shared/corpus are), from bench/ or dist/bench/.
const ROOT = ((): string => {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
})();

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The x86 CPUs of a cpuinfo folder (the corpus', or the project's fixtures), parsed. */
function x86Cpus(dir: string): ReturnType<typeof parseCpuinfo>[] {
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.cpuinfo') || f.endsWith('.txt')).sort();
  } catch {
    throw new Error(`${dir}: no cpuinfo dumps there (the corpus is ../shared/corpus; give another folder with CPUINFO=DIR)`);
  }
  return files.flatMap((f) => {
    try {
      const c = parseCpuinfo(readFileSync(join(dir, f), 'utf8'));
      return (c.vendor === 'GenuineIntel' || c.vendor === 'AuthenticAMD') && c.flags.length > 20 ? [c] : [];
    } catch {
      return [];
    }
  });
}

type Facts = Record<string, unknown> & HostReport['facts'];
const template = (h: HostReport): HostReport => {
  const { migration: _m, xenMove: _x, peer: _p, ...facts } = h.facts as Facts;
  return { ...h, facts: facts as HostReport['facts'], probes: {}, probeErrors: [] };
};

export interface FleetShape {
  readonly seed?: number;
  /** A folder of cpuinfo dumps (default: the corpus' cpuinfo folder). */
  readonly cpuinfo?: string;
}

/** N hosts, as the fleet would have probed them (each host's peer facts towards every other, on demand). */
export function syntheticFleet(n: number, shape: FleetShape = {}): Probed[] {
  const rnd = mulberry32(shape.seed ?? 7);
  const cpus = x86Cpus(shape.cpuinfo ?? join(ROOT, '../shared/corpus/cpuinfo'));
  if (cpus.length < 2) throw new Error('need at least two x86 cpuinfo dumps');
  // Hardware generations: five CPUs of the corpus, in shares of 40/25/20/10/5 %.
  const gens = Array.from({ length: 5 }, (_, k) => cpus[(k * 7 + (shape.seed ?? 7)) % cpus.length] as ReturnType<typeof parseCpuinfo>);
  const genOf = (u: number): number => (u < 0.4 ? 0 : u < 0.65 ? 1 : u < 0.85 ? 2 : u < 0.95 ? 3 : 4);
  const lab = JSON.parse(readFileSync(join(ROOT, 'test/fixtures/reports/clean.json'), 'utf8')).hosts as { src: HostReport; dst: HostReport };
  const [withGuests, empty] = [template(lab.src), template(lab.dst)];
  const addr = (i: number): string => `10.${20 + Math.floor(i / 40 / 250)}.${Math.floor(i / 40) % 250}.${(i % 40) + 10}`;
  const unreachable = n > 8 ? 7 : -1;
  const reports = Array.from({ length: n }, (_, i): HostReport => {
    const t = i % 10 < 7 ? withGuests : empty;
    const name = `hv${i + 1}`;
    if (i === unreachable) return { ...t, target: name, hostname: null, reachable: false, error: { code: 'MP_SSH_CONNECT', message: 'connect ECONNREFUSED' }, facts: {} as HostReport['facts'], hostKey: null, connection: null };
    const f = t.facts as Facts;
    const a = addr(i);
    const rack = Math.floor(i / 40);
    const cpu = gens[genOf(rnd())] as ReturnType<typeof parseCpuinfo>;
    const lib = f.libvirt as NonNullable<HostReport['facts']['libvirt']>;
    const u = rnd();
    const version = u < 0.9 ? lib.version : u < 0.98 ? '8.9.0' : '8.0.0';
    const key = i === 3 ? 'SHA256:clone-of-hv3' : i === 2 ? 'SHA256:clone-of-hv3' : `SHA256:hv${i + 1}-host-key`;
    // hv11 runs guests named as hv12's (a name clash when either moves to the other).
    const guestsOf = i === 10 ? i + 1 : i;
    const domains = (lib.domains ?? []).map((d, k) => {
      const uuid = `${String(i + 1).padStart(8, '0')}-0000-4000-8000-${String(k).padStart(12, '0')}`;
      return { ...d, name: `${d.name}-${guestsOf + 1}`, uuid, xml: d.xml ? { ...d.xml, uuid } : d.xml };
    });
    const host = f.host as NonNullable<HostReport['facts']['host']>;
    const memory = { ...host.memory, memAvailableKiB: i % 97 === 5 ? 512 * 1024 : Math.round((64 + rnd() * 448) * 1024 * 1024) } as NonNullable<typeof host.memory>;
    const net = f.network as NonNullable<HostReport['facts']['network']>;
    const facts = {
      ...f,
      cpu,
      ssh: { ...(f.ssh as object), hostKey: key },
      host: { ...host, hostname: `${name}.region.example`, uuid: `5a1e0000-0000-4000-8000-${String(i === 21 ? 20 : i).padStart(12, '0')}`, memory, selfResolution: [a] },
      network: {
        ...net,
        // Rack 3 was cabled without the guests' bridge.
        bridges: rack === 3 ? [] : net.bridges,
        addresses: ['127.0.0.1', '::1', a],
        ifaddrs: (net.ifaddrs ?? []).map((x) => (x.family === 'inet' && x.scope === 'global' ? { ...x, address: a } : x)),
      },
      clock: { ...(f.clock as object), offsetMs: i % 131 === 17 ? 2500 : Math.round(rnd() * 40 - 20) },
      libvirt: { ...lib, version, domains },
    } as unknown as HostReport['facts'];
    return { ...t, target: name, hostname: `${name}.region.example`, facts, connection: { user: 'root', host: a, port: 22 }, hostKey: t.hostKey ? { ...t.hostKey, fingerprint: key } : null };
  });
  const open: PeerFacts['tcp'] = [
    { port: 22, state: 'open' },
    { port: 49152, state: 'open' },
  ];
  const dropped: PeerFacts['tcp'] = [
    { port: 22, state: 'open' },
    { port: 49152, state: 'timeout' },
  ];
  // Each host's address once (flat strings, as parsed answers are; built per pair they would be hashed per pair).
  const addrs = Array.from({ length: n }, (_, i) => addr(i));
  const firewalled = Math.min(n - 1, 12);
  const misresolved = Math.min(n - 1, 30);
  return reports.map((report, i) => {
    if (!report.reachable) return { report, peerOf: () => null, peersError: report.error?.message ?? 'not probed' };
    const src = addrs[i] as string;
    return {
      report,
      peersError: null,
      peerOf: (j: number): PeerFacts | null => {
        if (j === i) return null;
        const d = addrs[j] as string;
        if (j === unreachable) return { route: { type: 'unicast', dst: d, dev: 'eth0', src, via: null }, routeError: null, tcp: [{ port: 22, state: 'closed' }, { port: 49152, state: 'closed' }], xendTcp: [], resolution: [d] };
        // hv31's name resolves to a stale address from rack 0.
        const resolution = j === misresolved && i < 40 ? ['10.99.0.1'] : [d];
        return { route: { type: 'unicast', dst: d, dev: 'eth0', src, via: null }, routeError: null, tcp: j === firewalled ? dropped : open, xendTcp: [], resolution };
      },
    };
  });
}
