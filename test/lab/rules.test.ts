import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report, RuleResult } from '../../src/types.js';
import { cli, labGate } from './helpers.js';
import { startLab, type Lab } from './lab.js';
import { STANDARD } from './scenarios.js';

const why = labGate();

/** Every built-in rule, passing and failing for the right reason, over real SSH, virsh, nftables, bridges and sshfs. */
describe.skipIf(why !== null)('built-in rules on lab hosts', () => {
  let lab: Lab;
  const runs = new Map<string, Report>();
  const check = async (...args: string[]): Promise<Report> => {
    const key = args.join(' ');
    const cached = runs.get(key);
    if (cached) return cached;
    const r = await cli(['-F', lab.sshConfig, '--libvirt-uri', lab.libvirtUri, '--json', '-', '--quiet', ...args]);
    expect(r.stderr).not.toMatch(/MP_(?!RULE)/);
    const rep = JSON.parse(r.stdout) as Report;
    expect(rep.summary.exitCode).toBe(r.code);
    runs.set(key, rep);
    return rep;
  };
  const res = (rep: Report, id: string): RuleResult => {
    const r = rep.results.find((x) => x.id === id);
    if (!r) throw new Error(`no result for ${id}`);
    return r;
  };

  beforeAll(async () => {
    lab = await startLab(STANDARD);
  });
  afterAll(async () => {
    await lab?.stop();
  });

  it('a clean pair passes every built-in rule (exit 0)', async () => {
    const rep = await check('hv1', 'hv2');
    const notPass = rep.results.filter((r) => r.status !== 'pass').map((r) => `${r.id}: ${r.status} ${r.message}`);
    expect(notPass).toEqual([]);
    expect(rep.results.map((r) => r.id).sort()).toEqual(
      [
        'cpu.arch', 'cpu.bits', 'cpu.flags', 'cpu.model', 'cpu.nx', 'cpu.vendor', 'cpu.virt-ext',
        'domain.names-unique', 'domain.uuids-unique', 'firewall.migration-ports', 'host.uuid-distinct',
        'hypervisor.present', 'hypervisor.version', 'network.bridges', 'network.hostname-resolution',
        'network.libvirt-networks', 'network.reachability', 'resources.cpu', 'resources.memory',
        'security.lsm', 'storage.pools', 'storage.shared-mounts', 'time.skew',
      ].sort(),
    );
    expect(rep.summary.exitCode).toBe(0);
    // The shared storage really is a network filesystem on both hosts.
    expect(rep.hosts.src.facts.storage?.networkMounts.map((m) => `${m.fstype} ${m.mountpoint}`)).toEqual(['fuse.sshfs /srv/vmstore']);
  });

  // hv3: every way a destination can be wrong at once; each rule must say its own reason.
  it.each([
    ['cpu.nx', /NX\/XD bit: source true, destination false/],
    ['cpu.flags', /destination lacks CPU flags: .*avx2/],
    ['cpu.model', /CPU models differ: source Intel\(R\) Xeon\(R\) CPU E5-2690 v4 @ 2\.60GHz, destination Intel\(R\) Core\(TM\)2 Quad CPU @ 2\.40GHz/],
    ['domain.names-unique', /destination already has domain\(s\) named web01/],
    ['domain.uuids-unique', /destination already has domain UUID\(s\) 6695eb01-f6a4-8304-79aa-97f2502e193f/],
    ['host.uuid-distinct', /both hosts have host UUID 5b1f0c1e-2a9d-4f7e-8c3b-6a5d4e3f2a10/],
    ['network.bridges', /destination lacks bridge\(s\) br0/],
    ['network.libvirt-networks', /default bridge: source virbr0, destination virbr1/],
    ['storage.pools', /images targetPath: source \/var\/lib\/libvirt\/images, destination \/data\/images/],
    ['storage.shared-mounts', /\/srv\/vmstore export: source root@10\.203\.\d+\.\d+:\/.*\/vmstore, destination root@10\.203\.\d+\.\d+:\/.*\/other/],
    ['network.hostname-resolution', /on the destination its own hostname resolves to loopback \(127\.0\.1\.1\)/],
    ['firewall.migration-ports', /destination firewall blocks 10\.203\.\d+\.\d+: drop 49152/],
    ['time.skew', /clocks differ by (29\d|30\d)\.\d s \(tolerance 1\.0 s\)/],
  ])('hv1 -> hv3 fails %s for the right reason', async (id, message) => {
    const r = res(await check('hv1', 'hv3'), id);
    expect(r.status).toBe('fail');
    expect(r.message).toMatch(message);
  });

  it('hv1 -> hv3 still passes what is right there (same arch, vendor, bits, virsh, reachable)', async () => {
    const rep = await check('hv1', 'hv3');
    for (const id of ['cpu.arch', 'cpu.vendor', 'cpu.bits', 'cpu.virt-ext', 'hypervisor.present', 'hypervisor.version', 'network.reachability', 'security.lsm']) {
      expect(`${id}: ${res(rep, id).status}`).toBe(`${id}: pass`);
    }
    expect(rep.summary.exitCode).toBe(1);
  });

  it('resources: a domain larger than the destination fails memory and cpu (-d big01)', async () => {
    const rep = await check('-d', 'big01', 'hv1', 'hv2');
    expect(res(rep, 'resources.memory')).toMatchObject({ status: 'fail', message: expect.stringMatching(/the moving domains need 65\.0 GiB \(incl\. 1\.0 GiB reserve\)/) });
    expect(res(rep, 'resources.cpu')).toMatchObject({ status: 'fail', message: expect.stringMatching(/a moving domain has 16 vCPUs, the destination has \d+ CPUs online/) });
  });

  it('network.bridges names a bridge only the moved domain uses (-d lab01)', async () => {
    const rep = await check('-d', 'lab01', 'hv1', 'hv2');
    expect(res(rep, 'network.bridges')).toMatchObject({ status: 'fail', message: 'destination lacks bridge(s) br-storage (the moving domains\' interfaces plug into them)' });
  });

  it('network.reachability and the firewall: hv6 drops SSH from hv1', async () => {
    const rep = await check('--connect-timeout', '5', '-J', 'hv2', 'hv1', 'hv6');
    expect(res(rep, 'network.reachability')).toMatchObject({ status: 'fail', evidence: { src: false } });
    expect(res(rep, 'firewall.migration-ports')).toMatchObject({ status: 'fail', message: expect.stringMatching(/blocks 10\.203\.\d+\.\d+: drop 22 \(/) });
  });

  it('cpu.virt-ext fails on a nested host without vmx; cpu.model is major with a host-passthrough domain, minor without', async () => {
    const all = await check('hv1', 'hv7');
    expect(res(all, 'cpu.virt-ext')).toMatchObject({ status: 'fail', message: 'no vmx/svm flag: destination cpu.virtExt: not present' });
    expect(res(all, 'cpu.model')).toMatchObject({ status: 'fail', severity: 'major' });
    const web = await check('-d', 'web01', 'hv1', 'hv7');
    expect(res(web, 'cpu.model')).toMatchObject({ status: 'fail', severity: 'minor' });
  });

  it('cpu.bits: 32-bit may go to 64, not back', async () => {
    expect(res(await check('--only', 'cpu.bits', 'hv5', 'hv1'), 'cpu.bits').status).toBe('pass');
    expect(res(await check('--only', 'cpu.bits', 'hv1', 'hv5'), 'cpu.bits')).toMatchObject({
      status: 'fail',
      message: 'source kernel is 64-bit, destination kernel is 32-bit: 64-bit guests need a 64-bit host (32 may go to 64, not back)',
    });
  });

  it('storage.shared-mounts is skipped when the source mounts no network filesystem', async () => {
    expect(res(await check('hv5', 'hv2'), 'storage.shared-mounts')).toMatchObject({ status: 'skip', messageId: 'skip.when' });
  });

  it('hypervisor.present fails (not errors) when virsh cannot connect; rules needing libvirt then error', async () => {
    const r = await cli(['-F', lab.sshConfig, '--libvirt-uri', 'test:///nonexistent/node.xml', '--json', '-', 'hv1', 'hv2']);
    const rep = JSON.parse(r.stdout) as Report;
    expect(res(rep, 'hypervisor.present')).toMatchObject({ status: 'fail', message: expect.stringMatching(/^source: probe virsh-version failed: exit code 1: .*failed to connect/) });
    expect(res(rep, 'domain.names-unique').status).toBe('error');
    expect(res(rep, 'cpu.nx').status).toBe('pass');
    expect(r.code).toBe(3);
  });
});
