/**
 * `fleet --from`: saved fleet reports re-evaluated, no host contacted. The saved fleet is built
 * from the lab's real pair reports (test/fixtures/reports): hosts hv1..hv4 with their real raw
 * probe output, and `fleet-net`/`fleet-names` outputs made of the real lines the lab's hv1
 * printed towards hv2, hv3 and hv4 (routes, TCP states, getent), in the fleet probe's format;
 * then assembled and written as `fleet --json` writes it.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { pairsOf } from '../../src/fleet/render-layout.js';
import { main } from '../../src/cli.js';
import { rulesFor } from '../../src/check.js';
import { reportOptions } from '../../src/pair/evaluate.js';
import { fleetReport } from '../../src/fleet/assemble.js';
import { peerQueries, probedOf } from '../../src/fleet/peer-probe.js';
import { namesCommand, netCommand } from '../../src/fleet/peers.js';
import { renderFleetJson } from '../../src/fleet/render.js';
import type { FleetPair, FleetReport } from '../../src/fleet/types.js';
import { rebuildHost } from '../../src/replay.js';
import type { HostReport, ProbeOutput, Report } from '../../src/types.js';

const FIX = fileURLToPath(new URL('../fixtures/reports/', import.meta.url));
const load = (name: string): Report => JSON.parse(readFileSync(join(FIX, `${name}.json`), 'utf8')) as Report;
const [clean, problems, unreachable] = [load('clean'), load('problems'), load('unreachable')];
const HOSTS: Record<string, HostReport> = { hv1: clean.hosts.src, hv2: clean.hosts.dst, hv3: problems.hosts.dst, hv4: unreachable.hosts.dst };
/** What the lab's hv1 printed towards each destination in the pair runs (its peer probes). */
const FROM_HV1: Record<string, HostReport['probes']> = { hv2: clean.hosts.src.probes, hv3: problems.hosts.src.probes, hv4: unreachable.hosts.src.probes };
/** Probes of a pair check only (one peer): a fleet host runs fleet-net and fleet-names instead. */
const PAIR_ONLY = ['landing', 'peer-route', 'peer-link', 'peer-tcp', 'xend-tcp', 'xend-peer-name', 'peer-resolve'];

const addr = (t: string): string => (HOSTS[t] as HostReport).connection?.host as string;
const output = (command: string, stdout: string): ProbeOutput => ({ command, exitCode: 0, stdout, stderr: '', sha256: createHash('sha256').update(stdout).digest('hex'), durationMs: 1 });
const lines = (text: string | undefined): string[] => (text ?? '').split('\n').filter((l) => l !== '');

/** Host `src`'s fleet-net and fleet-names lines about `dst` (query index q), from hv1's real lines towards dst. */
function peerLines(src: string, dst: string, q: number): { net: string[]; names: string[] } {
  const real = FROM_HV1[dst];
  const route = real ? (lines(real['peer-route']?.stdout)[0] as string) : `${addr(dst)} dev eth0 src ${addr('hv1')} uid 0 \\    cache `;
  const tcp = real ? lines(real['peer-tcp']?.stdout) : ['port=22 state=open', 'port=49152 state=closed'];
  // How dst's hostname resolves elsewhere (hv3 maps itself to 127.0.1.1: not what the others see).
  const resolve = HOSTS[dst]?.reachable ? lines(real ? real['peer-resolve']?.stdout : HOSTS[dst]?.probes['self-resolve']?.stdout) : [];
  return {
    net: [`${q} addr ${addr(dst)}`, `R ${route.replace(`src ${addr('hv1')}`, `src ${addr(src)}`)}`, ...tcp.map((l) => `${q} tcp ${l}`)],
    names: resolve.length ? [`${q} resolve-rc 0`, ...resolve.map((l) => `${q} resolve ${l}`)] : [],
  };
}

/** A fleet of the lab's hosts as `fleet --json` saves it. */
function savedFleet(targets: readonly string[], finishedAt = '2026-11-21T10:00:00.000Z'): FleetReport {
  const hosts = targets.map((t) => {
    const h = HOSTS[t] as HostReport;
    if (!h.reachable) return h;
    const probes = Object.fromEntries(Object.entries(h.probes).filter(([id]) => !PAIR_ONLY.includes(id)));
    return rebuildHost({ ...h, probes, probeErrors: h.probeErrors.filter((e) => !PAIR_ONLY.includes(e.probe)) });
  });
  const addresses = hosts.map((h) => h.connection as NonNullable<HostReport['connection']>);
  const withPeers = hosts.map((h, i) => {
    if (!h.reachable) return h;
    const asked = peerQueries(addresses, i, (j) => (hosts[j]?.reachable ? (hosts[j] as HostReport).facts : null), 'ssh');
    const ls = targets.filter((_, j) => j !== i).map((d, q) => peerLines(targets[i] as string, d, q));
    const net = output(netCommand(asked), `${ls.flatMap((l) => l.net).join('\n')}\n`);
    const names = output(namesCommand(asked), `${ls.flatMap((l) => l.names).join('\n')}\n`);
    return rebuildHost({ ...h, probes: { ...h.probes, 'fleet-net': net, 'fleet-names': names } });
  });
  const probed = withPeers.map((h, i) => probedOf(h, i, peerQueries(addresses, i, (j) => (withPeers[j]?.reachable ? (withPeers[j] as HostReport).facts : null), 'ssh')));
  const r = fleetReport(probed, {
    ruleSet: rulesFor({}),
    options: reportOptions({ libvirtUri: clean.options.libvirtUri, dirtyRateMiBs: 20, bandwidthMiBs: 1000, domains: [] }),
    fleet: { inventory: null, concurrency: 32, newHost: null },
    newHostTarget: null,
    waivers: [],
    started: new Date('2026-11-21T09:59:00.000Z'),
    t0: performance.now(),
    probingMs: 1000,
    interrupt: null,
  });
  // Written and read back as the file it is.
  return JSON.parse(renderFleetJson({ ...r, finishedAt })) as FleetReport;
}

class Sink extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: string, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const stdout = new Sink();
  const stderr = new Sink();
  const code = await main(['fleet', ...argv], { stdout, stderr, env: {} });
  return { code, out: stdout.text, err: stderr.text };
}

const dir = mkdtempSync(join(tmpdir(), 'mp-fleet-from-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const write = (name: string, r: unknown): string => {
  const p = join(dir, name);
  mkdirSync(join(p, '..'), { recursive: true });
  writeFileSync(p, typeof r === 'string' ? r : JSON.stringify(r, null, 2));
  return p;
};
const saved = savedFleet(['hv1', 'hv2', 'hv3', 'hv4']);
const savedPath = write('saved.json', saved);
const view = (p: FleetPair): { pair: string; verdict: string; problems: string[] } => ({ pair: `${p.src}->${p.dst}`, verdict: p.verdict, problems: p.problems.map((x) => `${x.id}${x.domain ? ` [${x.domain}]` : ''} ${x.status}`) });
/** The saved report as a file holds it, to edit. */
type SavedHost = { facts: Record<string, any>; probes: Record<string, ProbeOutput> };
const copy = (): { hosts: SavedHost[] } => structuredClone(saved) as unknown as { hosts: SavedHost[] };
const pairOf = (r: FleetReport, src: string, dst: string): FleetPair => pairsOf(r).find((p) => p.src === src && p.dst === dst) as FleetPair;

async function reevaluate(...argv: string[]): Promise<{ code: number; err: string; report: FleetReport }> {
  const out = join(dir, `out-${Math.random().toString(36).slice(2)}.json`);
  const r = await cli(...argv, '--json', out, '-q');
  return { code: r.code, err: r.err, report: r.code === 2 ? (null as never) : (JSON.parse(readFileSync(out, 'utf8')) as FleetReport) };
}

describe('fleet --from: a saved fleet re-evaluated, no host contacted', () => {
  it('the saved fleet is not all alike: go, no-go and incomplete pairs, an unprobed host', () => {
    expect(pairsOf(saved)).toHaveLength(12);
    expect(new Set(pairsOf(saved).map((p) => p.verdict))).toEqual(new Set(['go', 'no-go', 'incomplete']));
    expect(pairOf(saved, 'hv1', 'hv2').verdict).toBe('go');
    expect(view(pairOf(saved, 'hv1', 'hv3')).problems).toEqual(expect.arrayContaining(['firewall.migration-ports fail', 'domain.names-unique [web01] fail']));
    expect(saved.unprobed.map((u) => u.target)).toEqual(['hv4']);
  });

  it('gives back the pairs, verdicts and problems of the report it was saved as (round trip)', async () => {
    const { code, err, report } = await reevaluate('--from', savedPath);
    expect(err).toBe('');
    expect(code).toBe(saved.summary.exitCode);
    expect(pairsOf(report)).toEqual(pairsOf(saved));
    expect(report.unprobed).toEqual(saved.unprobed);
    expect(report.cpuBaseline).toEqual(saved.cpuBaseline);
    expect(report.hosts.map((h) => h.target)).toEqual(['hv1', 'hv2', 'hv3', 'hv4']);
    // The unreachable host keeps its saved error.
    expect(report.hosts[3]?.error).toEqual(HOSTS.hv4?.error);
    expect(report.options).toMatchObject({ from: { paths: [savedPath], altered: [] }, dirtyRateMiBs: 20, failOn: 'major' });
    expect(report.phasesMs.probing).toBe(0);
  });

  it('a changed rule selection changes exactly the pairs it touches', async () => {
    const rule = 'firewall.migration-ports';
    const touched = pairsOf(saved).filter((p) => p.problems.some((x) => x.id === rule)).map((p) => `${p.src}->${p.dst}`);
    // It fails towards hv3 (its firewall drops 49152), and cannot be decided with hv4 (not probed).
    expect(pairsOf(saved).filter((p) => p.problems.some((x) => x.id === rule && x.status === 'fail')).map((p) => `${p.src}->${p.dst}`)).toEqual(['hv1->hv3', 'hv2->hv3']);
    expect(touched).toHaveLength(8);
    const { report } = await reevaluate('--from', savedPath, '--skip', rule);
    expect(report.options.skip).toEqual([rule]);
    for (const [k, p] of pairsOf(report).entries()) {
      const before = view(pairsOf(saved)[k] as FleetPair);
      const want = touched.includes(before.pair) ? { ...before, problems: before.problems.filter((x) => !x.startsWith(`${rule} `)) } : before;
      expect(view(p)).toEqual(want);
    }
  });

  it('rebuilds the facts from the raw output with today\'s parsers: edited facts count for nothing', async () => {
    const forged = copy();
    (forged.hosts[2] as SavedHost).facts.network.bridges = ['br0', 'virbr1'];
    const { report } = await reevaluate('--from', write('forged-facts.json', forged));
    expect(pairsOf(report)).toEqual(pairsOf(saved));
  });

  it('altered evidence: a warning line per host naming the file, recorded in the report; refused with --strict (exit 2)', async () => {
    const edited = copy();
    const nft = (edited.hosts[2] as SavedHost).probes.nft as ProbeOutput & { stdout: string };
    nft.stdout = nft.stdout.replace(/tcp dport 49152-49215 drop\n/, '');
    const path = write('edited.json', edited);
    const { err, report } = await reevaluate('--from', path);
    expect(err.trim().split('\n')).toEqual([`migrate-preflight: ${path}: evidence altered: the stdout of hv3:nft no longer matches its recorded sha256`]);
    expect(report.options.from?.altered).toEqual(['hv3:nft']);
    // The edited ruleset is what the rules now read: the firewall no longer blocks hv3.
    expect(pairOf(report, 'hv1', 'hv3').problems.map((p) => p.id)).not.toContain('firewall.migration-ports');
    const strict = await cli('--from', path, '--strict');
    expect(strict.code).toBe(2);
    expect(strict.err).toBe(`migrate-preflight: MP_REPORT_READ: ${path}: evidence altered: the stdout of hv3:nft no longer matches its recorded sha256; refused (--strict)\n`);
    expect((await cli('--from', savedPath, '--strict', '-q')).code).toBe(saved.summary.exitCode);
  });

  it('a host without its fleet-net output: its pairs as the live run leaves them (incomplete, saying why)', async () => {
    const cut = copy();
    delete (cut.hosts[1] as SavedHost).probes['fleet-net'];
    const { report } = await reevaluate('--from', write('cut.json', cut));
    for (const d of ['hv1', 'hv3']) {
      const p = pairOf(report, 'hv2', d);
      expect(p.verdict).toBe('incomplete');
      expect(p.problems.some((x) => x.status === 'error' && x.message.includes('fleet-net: not collected'))).toBe(true);
    }
    expect(view(pairOf(report, 'hv1', 'hv2'))).toEqual(view(pairOf(saved, 'hv1', 'hv2')));
  });

  it('--new-host names a host of the saved report, else a usage error', async () => {
    const { code, report } = await reevaluate('--from', savedPath, '--new-host', 'hv3');
    expect(report.newHost).toMatchObject({ host: 'hv3', ok: false });
    expect(code).toBe(1);
    const bad = await cli('--from', savedPath, '--new-host', 'hv9');
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/^migrate-preflight: MP_USAGE: --new-host hv9 is not a host of .*saved\.json \(hosts: hv1, hv2, hv3, hv4\)\n$/);
  });

  it('--fail-on: the saved run\'s unless given again', async () => {
    const never = await reevaluate('--from', savedPath, '--fail-on', 'never');
    expect(never.report.options.failOn).toBe('never');
    expect(pairOf(never.report, 'hv1', 'hv3').verdict).toBe('go');
    const again = await reevaluate('--from', write('never.json', never.report));
    expect(again.report.options.failOn).toBe('never');
    expect(pairsOf(again.report)).toEqual(pairsOf(never.report));
  });
});

describe('fleet --from DIR: reports merged by host', () => {
  it('takes each host from the report that finished last, says so in one line, and leaves pairs never probed incomplete', async () => {
    const d = join(dir, 'region');
    const older = write('region/a-monday.json', saved);
    const newer = write('region/b-tuesday.json', savedFleet(['hv3', 'hv2'], '2026-11-22T10:00:00.000Z'));
    write('region/notes.txt', 'not a report');
    const { err, report } = await reevaluate('--from', d);
    expect(err).toBe(`migrate-preflight: hv2, hv3 are in ${older} and ${newer}: using ${newer}, which finished last\n`);
    expect(report.hosts.map((h) => h.target)).toEqual(['hv1', 'hv2', 'hv3', 'hv4']);
    expect(report.options.from?.paths).toEqual([older, newer]);
    // hv1 asked about every host on Monday; hv2 and hv3 (Tuesday's) only about each other.
    expect(view(pairOf(report, 'hv1', 'hv3'))).toEqual(view(pairOf(saved, 'hv1', 'hv3')));
    expect(view(pairOf(report, 'hv2', 'hv3'))).toEqual(view(pairOf(saved, 'hv2', 'hv3')));
    expect(pairOf(report, 'hv2', 'hv1').verdict).toBe('incomplete');
    expect(pairOf(report, 'hv2', 'hv1').problems.some((p) => p.message.includes('no answer for this host'))).toBe(true);
  });

  it('refuses a folder with no report, or with a file that is not a fleet report, naming it', async () => {
    mkdirSync(join(dir, 'empty'));
    const empty = await cli('--from', join(dir, 'empty'));
    expect(empty).toMatchObject({ code: 2, err: `migrate-preflight: MP_REPORT_READ: ${join(dir, 'empty')}: no *.json fleet report in this directory\n` });
    const pair = write('mixed/pair.json', clean);
    write('mixed/saved.json', saved);
    const mixed = await cli('--from', join(dir, 'mixed'));
    expect(mixed).toMatchObject({ code: 2, err: `migrate-preflight: MP_REPORT_READ: ${pair}: a pair report, not a fleet report (re-evaluate it with migrate-preflight replay)\n` });
  });
});

describe('fleet --from: bad input is one line naming the file (exit 2)', () => {
  it.each([
    ['missing.json', null, /^cannot read report .*missing\.json: ENOENT$/],
    ['broken.json', '{"schemaVersion": 1, "kind": "fl', /broken\.json: not JSON: /],
    ['nohash.json', { ...saved, hosts: saved.hosts.map((h, i) => (i === 0 ? { ...h, probes: { ...h.probes, cpuinfo: { ...h.probes.cpuinfo, sha256: 'x' } } } : h)) }, /nohash\.json: not a migrate-preflight fleet report \(schemaVersion 1\): \/hosts\/0\/probes\/cpuinfo\/sha256 must match pattern/],
    ['twice.json', { ...saved, hosts: [...saved.hosts, saved.hosts[0]] }, /twice\.json: host hv1 appears twice$/],
  ] as const)('%s', async (name, content, want) => {
    const path = content === null ? join(dir, name) : write(name, content);
    const r = await cli('--from', path);
    expect(r.code).toBe(2);
    expect(r.err.split('\n')).toHaveLength(2);
    expect(r.err.replace(/^migrate-preflight: MP_REPORT_READ: /, '').trim()).toMatch(want);
  });

  it.each([
    [['hv1', 'hv2'], /no host arguments with it \(got hv1 hv2\)/],
    [['--inventory', 'hosts.yaml'], /--from contacts no host: --inventory cannot be used with it/],
    [['--concurrency', '4', '--sudo', '-F', '/dev/null'], /--concurrency, --ssh-config, --sudo cannot be used with it/],
    [['--transport', 'tcp'], /--transport cannot be used with it/],
  ])('refuses %j with --from', async (extra, want) => {
    const r = await cli('--from', savedPath, ...extra);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(want);
  });

  it('--strict needs --from', async () => {
    const r = await cli('--strict', 'hv1', 'hv2');
    expect(r).toMatchObject({ code: 2, err: expect.stringMatching(/--strict needs --from/) });
  });
});
