import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pairsOf } from '../../src/fleet/render-layout.js';
import type { FleetReport } from '../../src/fleet/types.js';
import { expectedVerdict, fleetScenario } from './fleet-scenario.js';
import { cli, labGate } from './helpers.js';
import { startLab, type Lab } from './lab.js';

const why = labGate();
const N = 8;

/** `migrate-preflight fleet` on eight real SSH hosts with deliberate faults (see fleet-scenario.ts). */
describe.skipIf(why !== null)('fleet: every ordered pair of a lab fleet', () => {
  let lab: Lab;
  let dir: string;
  let inventory: string;
  const base = (): string[] => ['fleet', '-F', lab.sshConfig, '--libvirt-uri', lab.libvirtUri, '--dirty-rate', '20', '--bandwidth', '1000'];

  beforeAll(async () => {
    lab = await startLab(fleetScenario(N));
    dir = mkdtempSync(join(tmpdir(), 'mp-fleet-'));
    // An Ansible INI inventory, as operators keep one: a range, a group of groups, and a host outside the fleet's group.
    inventory = join(dir, 'hosts.ini');
    writeFileSync(inventory, `[hypervisors:children]\nrack1\nrack2\n\n[rack1]\nf[1:4]\n\n[rack2]\nf[5:${N}]\n\n[storage]\nfnas\n`);
  });
  afterAll(async () => {
    await lab?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('prints the matrix of which host can take guests from which, and writes the JSON and the HTML heatmap', async () => {
    const json = join(dir, 'fleet.json');
    const html = join(dir, 'fleet.html');
    const r = await cli([...base(), '--inventory', inventory, '--group', 'hypervisors', '--change-id', 'CHG0042', '--json', json, '--html', html]);
    // f5 cannot be probed: the matrix is incomplete (exit 3), the report is still written.
    expect(r.code).toBe(3);
    const rep = JSON.parse(readFileSync(json, 'utf8')) as FleetReport;
    const hosts = Array.from({ length: N }, (_, i) => `f${i + 1}`);
    expect(rep.hosts.map((h) => h.target)).toEqual(hosts);
    // Eight hosts: the report lists every pair (up to 64 hosts), and the matrix holds them all too.
    expect(rep.pairs).toHaveLength(N * (N - 1));
    expect(rep.matrix.rows).toHaveLength(N);
    // The change it is evidence for, with the board's sign-off fields on the page.
    expect(rep.options.changeId).toBe('CHG0042');
    expect(readFileSync(html, 'utf8')).toContain('<section id="sign-off" class="signoff"><h2>Sign-off: change <code>CHG0042</code></h2>');
    const got = pairsOf(rep).map((p) => `${p.src}->${p.dst} ${p.verdict}`);
    const want = hosts.flatMap((s, i) => hosts.filter((d) => d !== s).map((d) => `${s}->${d} ${expectedVerdict(i + 1, Number(d.slice(1)))}`));
    expect(got).toEqual(want);
    // Each refusal for its own reason.
    const problems = (s: string, d: string): string[] => pairsOf(rep).find((p) => p.src === s && p.dst === d)?.problems.map((x) => `${x.id}${x.domain ? ` [${x.domain}]` : ''}`) ?? [];
    expect(problems('f1', 'f2')).toEqual(['network.bridges [f1-vm]', 'network.bridges [dup-vm]']);
    expect(problems('f7', 'f3')).toEqual(['firewall.migration-ports']);
    expect(problems('f7', 'f4')).toEqual(['network.hostname-resolution']);
    expect(problems('f1', 'f6')).toEqual(['domain.names-unique [dup-vm]']);
    expect(rep.unprobed).toEqual([expect.objectContaining({ target: 'f5', code: 'MP_SSH_CONNECT' })]);
    expect(rep.summary).toMatchObject({ hosts: N, probed: N - 1, pairs: N * (N - 1), exitCode: 3 });
    // One SSH session per host, one collection each: every probed host answered both rounds.
    for (const h of rep.hosts.filter((x) => x.target !== 'f5')) expect(Object.keys(h.probes)).toEqual(expect.arrayContaining(['cpuinfo', 'virsh-domxml', 'fleet-net', 'fleet-names']));
    // The console: one matrix line per source, a mark per destination.
    expect(r.stdout).toMatch(/^ {2}1 f1 +· ✗ ✗ ✗ \? ✗ ✓ ✓$/m);
    expect(r.stdout).toMatch(/^ {2}5 f5 +\? \? \? \? · \? \? \?$/m);
    expect(r.stdout).toMatch(/^ {2}7 f7 +✓ ✗ ✗ ✗ \? ✓ · ✓$/m);
    expect(r.stdout).toMatch(/FLEET {2}8 hosts \(7 probed\), 56 pairs: 23 go, 19 no-go, 14 incomplete \(exit 3/);
    // The cluster's CPU baseline: alike hosts, nobody holds it back.
    expect(rep.cpuBaseline).toMatchObject({ vendors: ['GenuineIntel'], draggers: [], without: [{ host: 'f5', why: 'not probed' }] });
    expect(rep.cpuBaseline.common).toEqual(expect.arrayContaining(['aes', 'avx2', 'sse4_2']));
    // Host-only flags (as cpu.flags ignores them) are no part of what a guest CPU can use.
    expect(rep.cpuBaseline.common).not.toContain('vmx');
    // The heatmap links every failing cell to its pair's section.
    const page = readFileSync(html, 'utf8');
    expect(page).toContain('href="#pair-0-1"');
    expect(page).toContain('id="pair-0-1"');
    expect(page).not.toMatch(/<script/i);
  });

  it('--from: the real run\'s saved report re-evaluated with no host contacted gives its pairs back; --skip changes only its pairs', async () => {
    const json = join(dir, 'fleet.json');
    const saved = JSON.parse(readFileSync(json, 'utf8')) as FleetReport;
    const again = await cli(['fleet', '--from', json, '--json', '-']);
    expect(again.code).toBe(3);
    const rep = JSON.parse(again.stdout) as FleetReport;
    const show = (r: FleetReport): string[] => pairsOf(r).map((p) => `${p.src}->${p.dst} ${p.verdict} ${p.problems.map((x) => `${x.id}${x.domain ? ` [${x.domain}]` : ''}`).join(',')}`);
    expect(show(rep)).toEqual(show(saved));
    expect(rep.options.from?.paths).toEqual([json]);
    const skipped = JSON.parse((await cli(['fleet', '--from', json, '--skip', 'firewall.migration-ports', '--json', '-'])).stdout) as FleetReport;
    const changed = pairsOf(skipped).filter((p, k) => p.verdict !== pairsOf(rep)[k]?.verdict).map((p) => `${p.src}->${p.dst} ${p.verdict}`);
    expect(changed).toEqual(pairsOf(rep).filter((p) => p.problems.length > 0 && p.problems.every((x) => x.id === 'firewall.migration-ports')).map((p) => `${p.src}->${p.dst} go`));
    expect(changed).toContain('f7->f3 go');
  });

  it('--concurrency below the fleet size: each host is connected to twice, and the matrix is the same', async () => {
    const json = join(dir, 'fleet-c2.json');
    const r = await cli([...base(), '--inventory', inventory, '--group', 'hypervisors', '--concurrency', '3', '--json', json]);
    expect(r.code).toBe(3);
    const rep = JSON.parse(readFileSync(json, 'utf8')) as FleetReport;
    const hosts = Array.from({ length: N }, (_, i) => `f${i + 1}`);
    const want = hosts.flatMap((s, i) => hosts.filter((d) => d !== s).map((d) => `${s}->${d} ${expectedVerdict(i + 1, Number(d.slice(1)))}`));
    expect(pairsOf(rep).map((p) => `${p.src}->${p.dst} ${p.verdict}`)).toEqual(want);
    // The second round came down the second connection: hostnames resolved, disks sized.
    for (const h of rep.hosts.filter((x) => x.target !== 'f5')) expect(Object.keys(h.probes)).toEqual(expect.arrayContaining(['fleet-net', 'fleet-names', 'disk-sizes']));
    expect(rep.options.concurrency).toBe(3);
  });

  it('--new-host: a host that cannot take guests breaks pairs that work without it (exit 1); a sound one passes (exit 0)', async () => {
    // The hosts from an Ansible YAML inventory this time; the new host is not in it (the gate adds it).
    const yaml = join(dir, 'hosts.yaml');
    writeFileSync(yaml, 'all:\n  children:\n    hypervisors:\n      hosts:\n        f1:\n        f6:\n        f7:\n        f8:\n');
    const bad = await cli([...base(), '--inventory', yaml, '--new-host', 'f2', '--json', '-']);
    expect(bad.code).toBe(1);
    const rep = JSON.parse(bad.stdout) as FleetReport;
    expect(rep.hosts.map((h) => h.target)).toEqual(['f1', 'f6', 'f7', 'f8', 'f2']);
    expect(rep.options.inventory).toBe(yaml);
    expect(rep.newHost?.broken.map((b) => `${b.src}->${b.dst}`)).toEqual(['f1->f2', 'f6->f2', 'f7->f2', 'f8->f2']);
    expect(rep.newHost?.ok).toBe(false);
    const good = await cli([...base(), '--new-host', 'f8', '-q', 'f1', 'f2', 'f6', 'f7', 'f8']);
    // f1 -> f6 fails (a name clash), but not because of f8.
    expect(good.code).toBe(0);
  });

  it('bad input: an unknown group, and no hosts at all, are usage errors naming the file (exit 2)', async () => {
    const g = await cli([...base(), '--inventory', inventory, '--group', 'nope']);
    expect(g.code).toBe(2);
    expect(g.stderr).toMatch(/hosts\.ini: unknown group "nope"/);
    const none = await cli(['fleet']);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/fleet needs hosts/);
  });
});
