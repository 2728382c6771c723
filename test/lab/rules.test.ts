import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report, RuleResult } from '../../src/types.js';
import { loadRules } from '../../src/checks/rules.js';
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

  const RATES = ['--dirty-rate', '20', '--bandwidth', '1000'];
  /** Every built-in rule, from rules/*.yaml: a new rule joins these checks without editing them. */
  const BUILT_IN = loadRules().rules;
  const one = (rep: Report, id: string, domain: string): RuleResult => {
    const r = rep.results.find((x) => x.id === id && x.domain === domain);
    if (!r) throw new Error(`no result for ${id} [${domain}]`);
    return r;
  };

  /** Rules of the other migration modes: a live migration skips them. */
  const OTHER_MODES = BUILT_IN.filter((r) => r.modes !== undefined && !r.modes.includes('live')).map((r) => r.id);
  /** The Xen rule set: a KVM pair skips it. */
  const XEN_RULES = BUILT_IN.filter((r) => r.hypervisors !== undefined && !r.hypervisors.includes('kvm')).map((r) => r.id);

  it('a clean pair passes every built-in rule, per moving domain where the rule is about one (exit 0)', async () => {
    const rep = await check(...RATES, 'hv1', 'hv2');
    const notPass = rep.results.filter((r) => r.status !== 'pass').map((r) => `${r.id} [${r.domain}]: ${r.status} ${r.message}`);
    // Machine types, domain types and the storage safety check are QEMU's: the lab's libvirt test
    // driver has none of them, so those rules do not apply here (test/lab/hypervisor.test.ts runs them).
    expect(notPass.sort()).toEqual(
      [
        ...['db01', 'web01'].flatMap((d) => [
          `domain.machine-type [${d}]: skip not applicable: destination libvirt.hypervisor.name is TEST`,
          `cpu.virt-ext [${d}]: skip not applicable: destination libvirt.hypervisor.name is TEST`,
          `storage.disk-cache [${d}]: skip not applicable: source libvirt.hypervisor.name is TEST`,
        ]),
        'resources.hugepages [null]: skip not applicable: source migration.hugepages is (none)',
        ...OTHER_MODES.map((id) => `${id} [null]: skip not applicable to live migration (shared storage) (--mode live)`),
        ...XEN_RULES.map((id) => `${id} [null]: skip not applicable to kvm hosts`),
      ].sort(),
    );
    expect(rep.results.map((r) => `${r.id}${r.domain ? ` [${r.domain}]` : ''}`).sort()).toEqual(
      // A domain-scoped rule gives one result per moving domain, unless the mode leaves it out (then one skip).
      ['hypervisor.match', ...BUILT_IN.flatMap((r) => (r.scope === 'domain' && !OTHER_MODES.includes(r.id) ? [`${r.id} [web01]`, `${r.id} [db01]`] : [r.id]))].sort(),
    );
    expect(rep.results.find((r) => r.id === 'hypervisor.match')?.message).toBe(
      'both hosts run KVM: source KVM (/dev/kvm present; libvirt driver: TEST); destination KVM (/dev/kvm present; libvirt driver: TEST)',
    );
    expect(rep.domains?.map((d) => [d.name, d.verdict, d.disks])).toEqual([
      ['web01', 'go', { shared: 3, local: 0, unknown: 0, bytesToCopy: 0 }],
      ['db01', 'go', { shared: 1, local: 0, unknown: 0, bytesToCopy: 0 }],
    ]);
    expect(rep.summary.exitCode).toBe(0);
    // The shared storage really is a network filesystem on both hosts.
    expect(rep.hosts.src.facts.storage?.networkMounts?.map((m) => `${m.fstype} ${m.mountpoint}`)).toEqual(['fuse.sshfs /srv/vmstore']);
  });

  // hv3: every way a destination can be wrong at once; each rule must say its own reason.
  it.each([
    ['cpu.nx', /NX\/XD bit: source true, destination false/],
    ['cpu.flags', /destination lacks CPU flags: .*avx2/],
    ['cpu.model', /CPU models differ: source Intel\(R\) Xeon\(R\) CPU E5-2690 v4 @ 2\.60GHz, destination Intel\(R\) Core\(TM\)2 Quad CPU @ 2\.40GHz/],

    ['host.uuid-distinct', /both hosts have host UUID 5b1f0c1e-2a9d-4f7e-8c3b-6a5d4e3f2a10/],

    ['storage.shared-mounts', /\/srv\/vmstore export: source root@10\.203\.\d+\.\d+:\/.*\/vmstore, destination root@10\.203\.\d+\.\d+:\/.*\/other/],
    ['firewall.migration-ports', /destination firewall blocks 10\.203\.\d+\.\d+: drop 49152/],
    ['time.skew', /clocks differ by (29\d|30\d)\.\d s \(tolerance 1\.0 s\)/],
  ])('hv1 -> hv3 fails %s for the right reason', async (id, message) => {
    const r = res(await check(...RATES, 'hv1', 'hv3'), id);
    expect(r.status).toBe('fail');
    expect(r.message).toMatch(message);
  });

  // The per-domain rules fail for the domain that has the problem, and only for it.
  it.each([
    ['domain.names-unique', 'web01', /destination already has domain\(s\) named web01/],
    ['domain.uuids-unique', 'web01', /destination already has domain UUID\(s\) 6695eb01-f6a4-8304-79aa-97f2502e193f/],
    ['network.bridges', 'web01', /destination lacks bridge\(s\) br0/],
    ['network.bridges', 'db01', /destination lacks bridge\(s\) br0/],
    ['network.libvirt-networks', 'web01', /default bridge: source virbr0, destination virbr1/],
    ['storage.disk-paths', 'db01', /db01 vda \(\/srv\/vmstore\/db01\.qcow2\): \/srv\/vmstore comes from root@10\.203\.\d+\.\d+:\/.*\/vmstore on the source but from root@10\.203\.\d+\.\d+:\/.*\/other on the destination/],
    ['domain.guest-cpu', 'db01', /db01 uses host-passthrough: destination CPU lacks .*avx2/],
  ])('hv1 -> hv3 fails %s [%s] for the right reason', async (id, domain, message) => {
    const r = one(await check(...RATES, 'hv1', 'hv3'), id, domain);
    expect(r.status).toBe('fail');
    expect(r.message).toMatch(message);
  });

  it('hv1 -> hv3: a domain without the problem passes the same per-domain rule', async () => {
    const rep = await check(...RATES, 'hv1', 'hv3');
    for (const id of ['domain.names-unique', 'domain.uuids-unique', 'network.libvirt-networks']) expect(`${id}: ${one(rep, id, 'db01').status}`).toBe(`${id}: pass`);
    // web01 has no <cpu>: the hypervisor's baseline model, which any x86-64 host runs.
    expect(one(rep, 'domain.guest-cpu', 'web01').status).toBe('pass');
    // Their disks are files: the destination opens the paths, and needs no pool (hv3's images is elsewhere).
    for (const d of ['web01', 'db01']) expect(`storage.pools [${d}]: ${one(rep, 'storage.pools', d).status}`).toBe(`storage.pools [${d}]: pass`);
    expect(rep.domains?.map((d) => [d.name, d.verdict])).toEqual([['web01', 'no-go'], ['db01', 'no-go']]);
    expect(rep.domains?.[1]?.blockers.filter((b) => b.domain === 'db01').map((b) => b.id).sort()).toEqual(
      ['domain.guest-cpu', 'network.bridges', 'storage.disk-paths'].sort(),
    );
  });

  it('storage.disk-paths: a disk on local storage needs block migration, with the real bytes to copy (-d local01)', async () => {
    const rep = await check(...RATES, '-d', 'local01', 'hv1', 'hv2');
    expect(one(rep, 'storage.disk-paths', 'local01')).toMatchObject({
      status: 'fail',
      message: 'not on shared storage, so a live migration needs block migration (virsh migrate --copy-storage-all): local01 vdb (/srv/local/local01.qcow2), 16.0 MiB; 16.0 MiB to copy',
    });
    // stat on the host: 16 MiB written into a 1 GiB sparse file.
    expect(rep.hosts.src.facts.libvirt?.diskSizes).toEqual([
      expect.objectContaining({ kind: 'file', path: '/srv/local/local01.qcow2', capacityBytes: 1024 ** 3, allocationBytes: 16 * 1024 ** 2 }),
    ]);
    expect(rep.domains?.[0]).toMatchObject({ name: 'local01', verdict: 'no-go', disks: { shared: 1, local: 1, bytesToCopy: 16 * 1024 ** 2 } });
  });

  it("storage.disk-cache is the QEMU driver's safety check: the test driver has none (the hypervisor lab checks it against libvirt)", async () => {
    const rep = await check(...RATES, '-d', 'cache01', 'hv1', 'hv2');
    expect(one(rep, 'storage.disk-cache', 'cache01')).toMatchObject({ status: 'skip', message: 'not applicable: source libvirt.hypervisor.name is TEST' });
    expect(one(rep, 'storage.disk-paths', 'cache01').status).toBe('pass');
  });

  it('domain.guest-cpu says when it cannot tell: a named model, and a destination whose libvirt has no domcapabilities (-d model01)', async () => {
    const r = one(await check(...RATES, '-d', 'model01', 'hv1', 'hv2'), 'domain.guest-cpu', 'model01');
    expect(r.status).toBe('error');
    expect(r.message).toMatch(/model01 \(model Skylake-Server-IBRS\): the destination cannot say which CPU models it runs \(virsh domcapabilities: exit code 1: .*not supported by the connection driver/);
  });

  it('domain.guest-cpu: a host-passthrough guest cannot go to a host with fewer CPU features (hv7)', async () => {
    const r = one(await check(...RATES, '-d', 'db01', 'hv1', 'hv7'), 'domain.guest-cpu', 'db01');
    expect(r).toMatchObject({ status: 'fail', message: expect.stringMatching(/^db01 uses host-passthrough: destination CPU lacks /) });
  });

  it('migration.convergence: without a dirty rate it is an error that says what is missing and why; the link speed stands in for the bandwidth', async () => {
    const rep = await check('hv1', 'hv2');
    const r = one(rep, 'migration.convergence', 'web01');
    expect(r.status).toBe('error');
    expect(r.message).toMatch(/web01: no dirty rate \(the hypervisor could not measure it: .*virDomainStartDirtyRateCalc.*give --dirty-rate MiB\/s\)$/);
    // The route to hv2 leaves by eth0, a veth: 10000 Mb/s, the bound the estimate would use.
    expect(rep.hosts.src.facts.peer?.link).toEqual({ dev: 'eth0', mbps: 10000 });
    const linked = one(await check('--dirty-rate', '20', 'hv1', 'hv2'), 'migration.convergence', 'web01');
    expect(linked).toMatchObject({ status: 'pass', evidence: { src: [expect.objectContaining({ bandwidthSource: 'link', bandwidthBytesPerSec: 10000e6 / 64 })] } });
    expect(rep.summary.exitCode).toBe(3);
    expect(rep.domains?.map((d) => d.verdict)).toEqual(['unknown', 'unknown']);
  });

  it('migration.convergence: a guest dirtying faster than the link fails with the figures that would make it converge', async () => {
    const rep = await check('--dirty-rate', '300', '--bandwidth', '100', '-d', 'web01', 'hv1', 'hv2');
    const r = one(rep, 'migration.convergence', 'web01');
    expect(r.status).toBe('fail');
    expect(r.message).toMatch(/^web01 will not converge: dirty rate 300\.0 MiB\/s is not below the bandwidth 100\.0 MiB\/s; it needs at least 3\d\d\.\d MiB\/s of bandwidth, or a dirty rate under \d+\.\d MiB\/s: .*auto-converge/);
    expect(rep.domains?.[0]).toMatchObject({ verdict: 'no-go', convergence: { dirtyRateSource: 'option', bandwidthSource: 'option', prediction: { converges: false, reason: 'dirty-rate-exceeds-bandwidth' } } });
  });

  it('--measure-bandwidth: a bounded transfer relayed over the two SSH sessions feeds the estimate', async () => {
    const rep = await check('--dirty-rate', '20', '--measure-bandwidth', '-d', 'web01', 'hv1', 'hv2');
    const bw = rep.measurements?.bandwidth;
    expect(bw).toMatchObject({ method: 'ssh-relay', error: null });
    // 64 MiB, unless the 5 s bound cut it short.
    expect(bw!.bytes === 64 * 1024 * 1024 || bw!.seconds >= 4.9).toBe(true);
    expect(bw!.bytesPerSec).toBeCloseTo(bw!.bytes / bw!.seconds, 0);
    expect(rep.domains?.[0]?.convergence).toMatchObject({ bandwidthSource: 'measured', bandwidthBytesPerSec: bw!.bytesPerSec, prediction: { converges: true } });
    expect(one(rep, 'migration.convergence', 'web01').status).toBe('pass');
  });

  it('hv1 -> hv3 still passes what is right there (same arch, vendor, bits, virsh, reachable; its name maps to 127.0.1.1 there, which libvirt does not mind)', async () => {
    const rep = await check(...RATES, 'hv1', 'hv3');
    expect(rep.hosts.dst.facts.host?.selfResolution).toEqual(['127.0.1.1']);
    for (const id of ['cpu.arch', 'cpu.vendor', 'cpu.bits', 'network.hostname-resolution', 'hypervisor.present', 'hypervisor.version', 'network.reachability', 'security.lsm']) {
      expect(`${id}: ${res(rep, id).status}`).toBe(`${id}: pass`);
    }
    expect(rep.summary.exitCode).toBe(1);
  });

  it('resources: a domain larger than the destination fails memory and cpu (-d big01)', async () => {
    const rep = await check(...RATES, '-d', 'big01', 'hv1', 'hv2');
    expect(res(rep, 'resources.memory')).toMatchObject({ status: 'fail', message: expect.stringMatching(/the moving domains need 65\.0 GiB \(incl\. 1\.0 GiB reserve\)/) });
    expect(res(rep, 'resources.cpu')).toMatchObject({ status: 'fail', message: expect.stringMatching(/a moving domain has 16 vCPUs, the destination has \d+ CPUs online/) });
    // --memory-reserve sets what stays free for the destination itself.
    const reserve = await check(...RATES, '--memory-reserve', '512', '-d', 'big01', 'hv1', 'hv2');
    expect(res(reserve, 'resources.memory').message).toMatch(/the moving domains need 64\.5 GiB \(incl\. 512\.0 MiB reserve\)/);
  });

  it('network.bridges names a bridge only the moved domain uses (-d lab01)', async () => {
    const rep = await check(...RATES, '-d', 'lab01', 'hv1', 'hv2');
    expect(one(rep, 'network.bridges', 'lab01')).toMatchObject({ status: 'fail', message: 'destination lacks bridge(s) br-storage (the moving domains\' interfaces plug into them)' });
  });

  it('network.reachability and the firewall: hv6 drops SSH from hv1', async () => {
    const rep = await check('--connect-timeout', '5', '-J', 'hv2', 'hv1', 'hv6');
    expect(res(rep, 'network.reachability')).toMatchObject({ status: 'fail', evidence: { src: false } });
    expect(res(rep, 'firewall.migration-ports')).toMatchObject({ status: 'fail', message: expect.stringMatching(/blocks 10\.203\.\d+\.\d+: drop 22 \(/) });
  });

  it('cpu.virt-ext asks libvirt, not /proc/cpuinfo: a nested host without vmx is not refused for it; cpu.model is major with a host-passthrough domain, minor without', async () => {
    const all = await check('hv1', 'hv7');
    expect(all.hosts.dst.facts.cpu?.virtExt).toBeNull();
    // What a guest needs follows its domain type (kvm needs libvirt to offer kvm): QEMU's business, not the test driver's.
    expect(res(all, 'cpu.virt-ext')).toMatchObject({ status: 'skip', message: 'not applicable: destination libvirt.hypervisor.name is TEST' });
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

  describe('migration modes (--mode): each way of moving a guest has its own prerequisites', () => {
    const status = (rep: Report, id: string, domain: string | null = null): string => {
      const r = rep.results.find((x) => x.id === id && x.domain === domain);
      if (!r) throw new Error(`no result for ${id} [${domain}]`);
      return `${r.status} ${r.severity}`;
    };
    const skippedFor = (rep: Report, mode: string): string[] =>
      rep.results.filter((r) => r.messageId === 'skip.mode' && r.message.endsWith(`(--mode ${mode})`)).map((r) => r.id).sort();

    it('block: local disks are copied; room and a pool on the destination; the copy shares the management network', async () => {
      const rep = await check(...RATES, '--mode', 'block', '-d', 'blk01', 'hv1', 'hv2');
      expect(rep.options.mode).toBe('block');
      expect(status(rep, 'storage.disk-paths', 'blk01')).toBe('pass critical');
      expect(res(rep, 'storage.block-space')).toMatchObject({ status: 'pass', data: { copyBytes: 32 * 1024 * 1024 } });
      // Every lab host has one interface: the copy would run over the address it is managed on.
      expect(res(rep, 'network.migration-interface')).toMatchObject({
        status: 'fail',
        severity: 'minor',
        message: expect.stringMatching(/^migration data would go to 10\.203\.\d+\.\d+ \(eth0\), the interface the destination is managed through .*the block copy of 32\.0 MiB \(about 32 ms at 1000\.0 MiB\/s\)/),
      });
      expect(skippedFor(rep, 'block')).toEqual(['security.save-image', 'storage.disk-cache', 'storage.image-format', 'storage.save-space', 'storage.shared-mounts']);
      expect(rep.domains?.map((d) => [d.name, d.verdict])).toEqual([['blk01', 'go']]);
      expect(rep.summary.exitCode).toBe(0);
    });

    it('block: a raw image needs its virtual size; no pool for the directory; shared disks would be copied onto themselves', async () => {
      const raw = await check(...RATES, '--mode', 'block', '-d', 'raw01', 'hv1', 'hv2');
      expect(res(raw, 'storage.block-space')).toMatchObject({
        status: 'fail',
        message: '/srv/local on the destination has 1.0 GiB free, the copy needs 20.0 GiB (raw01 vda (/srv/local/raw01.img), 20.0 GiB): short by 19.0 GiB',
      });
      expect(raw.summary.exitCode).toBe(1);
      const noPool = await check(...RATES, '--mode', 'block', '-d', 'blk01', 'hv1', 'hv7');
      expect(res(noPool, 'storage.block-space').message).toMatch(/blk01 vda \(\/srv\/local\/blk01\.qcow2\): libvirt creates the missing image through a storage pool whose target is \/srv\/local/);
      const shared = await check(...RATES, '--mode', 'block', '-d', 'web01', 'hv1', 'hv2');
      expect(one(shared, 'storage.disk-paths', 'web01')).toMatchObject({
        status: 'fail',
        messageId: 'disks.self-copy',
        message: expect.stringMatching(/mirror it onto itself: web01 vda \(\/srv\/vmstore\/web01\.qcow2\); web01 vdb .*; nothing is local: migrate without block copy \(--mode live\)$/),
      });
    });

    it('cold: CPU differences become minor, a pinned-to-host guest boots anew; the image still needs a directory there', async () => {
      const ok = await check(...RATES, '--mode', 'cold', '-d', 'blk01', 'hv1', 'hv2');
      expect(ok.summary.exitCode).toBe(0);
      expect(res(ok, 'storage.block-space').status).toBe('pass');
      expect(skippedFor(ok, 'cold')).toEqual([
        'domain.migration-blockers', 'firewall.migration-ports', 'host.uuid-distinct', 'migration.convergence', 'network.hostname-resolution', 'network.migration-interface',
        'security.save-image', 'storage.disk-cache', 'storage.image-format', 'storage.save-space', 'storage.shared-mounts', 'time.skew',
      ]);
      const bad = await check(...RATES, '--mode', 'cold', '-d', 'blk01', '-d', 'db01', 'hv1', 'hv3');
      expect(['cpu.nx', 'cpu.flags', 'cpu.model'].map((id) => status(bad, id))).toEqual(['fail minor', 'fail minor', 'fail minor']);
      // db01 is host-passthrough: live it could not go to the older CPU, cold it simply boots there.
      expect(status(bad, 'domain.guest-cpu', 'db01')).toBe('pass critical');
      expect(status(await check(...RATES, '-d', 'db01', 'hv1', 'hv3'), 'domain.guest-cpu', 'db01')).toBe('fail critical');
      expect(res(bad, 'storage.block-space')).toMatchObject({ status: 'fail', message: 'blk01 vda (/srv/local/blk01.qcow2): /srv/local does not exist on the destination' });
      expect(status(bad, 'network.bridges', 'blk01')).toBe('fail critical');
    });

    it('save: room for the memory image on both hosts, a private save directory, qcow2 for internal snapshots', async () => {
      const ok = await check(...RATES, '--mode', 'save', '--save-dir', '/srv/save', '-d', 'web01', 'hv1', 'hv2');
      expect(ok.options).toMatchObject({ mode: 'save', saveDir: '/srv/save' });
      expect(['storage.save-space', 'security.save-image'].map((id) => status(ok, id))).toEqual(['pass critical', 'pass major']);
      expect(status(ok, 'storage.image-format', 'web01')).toBe('pass minor');
      expect(ok.hosts.dst.facts.storage?.saveDir).toMatchObject({ path: '/srv/save', exists: true, mode: 0o700, availableBytes: 8192 * 1024 * 1024 });
      expect(ok.summary.exitCode).toBe(0);
      const bad = await check(...RATES, '--mode', 'save', '--save-dir', '/srv/save', '-d', 'web01', 'hv1', 'hv3');
      expect(res(bad, 'storage.save-space').message).toBe(
        "/srv/save on the destination has 512.0 MiB free, the save images need about 2.0 GiB (the guests' memory) (not shared with the source: the images are copied there to be restored): short by 1.5 GiB",
      );
      expect(res(bad, 'security.save-image').message).toBe(
        "a save image holds the guest's memory unencrypted (keys, passwords, session data): destination storage.saveDir: /srv/save is readable by others (mode 0755, root:root)",
      );
      const raw = await check(...RATES, '--mode', 'save', '--save-dir', '/srv/save', '-d', 'raw01', 'hv1', 'hv2');
      expect(one(raw, 'storage.image-format', 'raw01')).toMatchObject({ status: 'fail', severity: 'minor', message: expect.stringMatching(/: raw01 vda \(raw\); virsh save to a file is not affected$/) });
    });

    it('bad mode options are usage errors (exit 2, nothing probed)', async () => {
      const r = await cli(['-F', lab.sshConfig, '--save-dir', '/srv/save', 'hv1', 'hv2']);
      expect([r.code, r.stderr.trim()]).toEqual([2, 'migrate-preflight: MP_USAGE: --save-dir applies to --mode save only']);
      const m = await cli(['--mode', 'teleport', 'hv1', 'hv2']);
      expect(m.code).toBe(2);
      expect(m.stderr).toMatch(/--mode <mode>' argument 'teleport' is invalid. Allowed choices are live, block, cold, save/);
      expect((await cli(['--mode', 'save', '--save-dir', 'relative', 'hv1', 'hv2'])).stderr).toMatch(/expected an absolute path/);
    });
  });
});
