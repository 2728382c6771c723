/**
 * The KVM rules on what a real libvirt 9.0 + QEMU 7.2 host prints (test/fixtures/libvirt-qemu,
 * taken from the real-hypervisor lab): the verdicts the oracle tests check against real
 * migrations, here without hosts, one cause at a time.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { evaluateHosts, reportOptions } from '../../src/pair/evaluate.js';
import { libvirtCountsShared, libvirtRefusals } from '../../src/checks/libvirt-safety.js';
import { buildFacts } from '../../src/checks/probes/index.js';
import { parseCapabilities, parseDomainXmlList, parseDomCapabilities } from '../../src/checks/probes/libvirt-xml.js';
import { parsePeerLink } from '../../src/checks/probes/simple.js';
import { loadRules } from '../../src/checks/rules.js';
import type { HostFacts, HostReport, MigrationDisk, ProbeOutput, ReportOptions, RuleResult } from '../../src/types.js';

const fx = (name: string): string => readFileSync(new URL(`../fixtures/libvirt-qemu/${name}`, import.meta.url), 'utf8');
const CPUINFO = readFileSync(new URL('../fixtures/cpuinfo/xeon-e5-2690v4-bl460-excerpt.cpuinfo', import.meta.url), 'utf8');
const DUMPXML = fx('dumpxml-migratable-tcg.xml');

const out = (stdout: string): ProbeOutput => ({ command: 'x', exitCode: 0, stdout, stderr: '', sha256: '0'.repeat(64), durationMs: 1 });

/** A lab host's outputs; `over` replaces some (the one cause a case is about). */
function outputs(over: Record<string, string> = {}): Record<string, string> {
  return {
    cpuinfo: CPUINFO,
    'virsh-version': fx('virsh-version.txt'),
    'virsh-caps': fx('capabilities.xml'),
    'virsh-domcaps': fx('domcapabilities-default.xml'),
    'virsh-domcaps-tcg': fx('domcapabilities-tcg.xml'),
    'virsh-list': fx('virsh-list.txt'),
    'virsh-uuids': fx('virsh-list-uuid-name.txt'),
    'virsh-domxml': DUMPXML,
    mounts: fx('proc-mounts-sshfs.txt'),
    'peer-link': fx('peer-link-veth.txt'),
    'dirty-rate': fx('domstats-dirtyrate-tcg.txt'),
    ...over,
  };
}

function host(target: string, o: Record<string, string>): HostReport {
  const probes = Object.fromEntries(Object.entries(o).map(([k, v]) => [k, out(v)]));
  const { facts, failures } = buildFacts(probes);
  return { target, connection: { user: 'root', host: target, port: 22 }, hostname: target, reachable: true, error: null, hostKey: null, facts, probes, probeErrors: failures };
}

const RULES = loadRules();
const evaluate = (src: HostReport, dst: HostReport, options: Partial<ReportOptions> = {}) =>
  evaluateHosts({ hosts: { src, dst }, ruleSet: RULES, options: { ...reportOptions({}), ...options }, waivers: [], baseline: null, now: new Date('2026-12-02T00:00:00Z'), bandwidth: null }).results;
const get = (results: readonly RuleResult[], id: string): RuleResult => {
  const r = results.find((x) => x.id === id);
  if (!r) throw new Error(`no ${id}`);
  return r;
};
/** The destination: the same host's outputs without its guest. */
const DST = host('dst', outputs({ 'virsh-list': ' Id   Name   State\n--------------------\n\n', 'virsh-uuids': '\n', 'virsh-domxml': '' }));
/** The same guest on GlusterFS, which libvirt counts as shared. */
const GLUSTER_MOUNTS = fx('proc-mounts-sshfs.txt').replace(/^\S+ \/srv\/shared fuse\.sshfs /m, 'nas.lab:/vol /srv/shared fuse.glusterfs ');

describe('real libvirt 9.0 / QEMU 7.2 outputs', () => {
  it('capabilities offer kvm and qemu (TCG) per arch; the guest is type qemu, defined without <cpu>: check=none qemu64', () => {
    const caps = parseCapabilities(fx('capabilities.xml'));
    expect(caps.guests.map((g) => `${g.arch}:${g.domainTypes.join('+')}`)).toEqual(['i686:qemu+kvm', 'x86_64:qemu+kvm']);
    const [g] = parseDomainXmlList(DUMPXML);
    expect(g).toMatchObject({ virtType: 'qemu', cpuMode: 'custom', cpuModel: 'qemu64', cpuCheck: 'none', machine: 'pc-i440fx-7.2' });
    // The KVM view says qemu64 is not usable here (it is what the old rule read); TCG's says it is.
    expect(parseDomCapabilities(fx('domcapabilities-default.xml')).models.find((m) => m.name === 'qemu64')?.usable).toBe('no');
    expect(parseDomCapabilities(fx('domcapabilities-tcg.xml')).models.find((m) => m.name === 'qemu64')?.usable).toBe('yes');
  });

  it('a healthy pair on storage libvirt counts as shared passes the rules that used to fail it', () => {
    const src = host('src', outputs({ mounts: GLUSTER_MOUNTS }));
    const dst = host('dst', { ...Object.fromEntries(Object.entries(DST.probes).map(([k, v]) => [k, v.stdout])), mounts: GLUSTER_MOUNTS });
    const r = evaluate(src, dst);
    expect(get(r, 'cpu.virt-ext')).toMatchObject({ status: 'pass', domain: 'g1' });
    expect(get(r, 'domain.guest-cpu')).toMatchObject({ status: 'pass', domain: 'g1' });
    expect(get(r, 'storage.disk-cache')).toMatchObject({ status: 'pass', domain: 'g1' });
    // No --bandwidth: the veth's 10000 Mb/s bounds it; converging at an eighth of it is a confident GO.
    const conv = get(r, 'migration.convergence');
    expect(conv).toMatchObject({ status: 'pass', domain: 'g1' });
    const est = (conv.evidence as { src: { bandwidthSource: string; bandwidthAssumption?: string; dirtyRateAssumption?: string }[] }).src[0];
    // The middle of both ranges: an eighth of the link (its lower end), and the sample, 1 MiB/s over 2 s: one
    // sampled page of 2 MiB, taken as 0 to 4 pages (two standard deviations of a count of 1, and one more).
    expect(est).toMatchObject({ bandwidthSource: 'link', bandwidthBytesPerSec: 10000e6 / 8 / 8, dirtyRateSource: 'measured', dirtyBytesPerSec: 1024 * 1024 });
    expect(est?.bandwidthAssumption).toMatch(/^eth0 links at 10000 Mb\/s; assumed the migration gets at least an eighth of it/);
    expect(est?.dirtyRateAssumption).toBe('1 sample of 2 s read 1 MiB/s: 1 sampled page (2 MiB each) changed in 2 s, taken as 0.0 MiB/s to 4.0 MiB/s (middle 1.0 MiB/s)');
  });

  it('on sshfs libvirt refuses ("Migration without shared storage is unsafe"), which --unsafe overrides', () => {
    const r = evaluate(host('src', outputs()), DST);
    expect(get(r, 'storage.disk-cache')).toMatchObject({ status: 'fail', message: expect.stringMatching(/g1 vda on fuse\.sshfs \/srv\/shared: libvirt does not count fuse\.sshfs as shared storage/) });
    // Our own disk rule sees a network filesystem at the same path on both hosts: that is not the problem.
    expect(get(r, 'storage.disk-paths').status).toBe('pass');
    expect(get(evaluate(host('src', outputs()), DST, { unsafe: true }), 'storage.disk-cache').status).toBe('pass');
  });

  it('a kvm guest on a destination without KVM fails cpu.virt-ext; the destination flags do not matter', () => {
    const kvmGuest = DUMPXML.replace("<domain type='qemu'>", "<domain type='kvm'>");
    const noKvm = fx('capabilities.xml').replace(/\s*<domain type='kvm'\/>/g, '');
    const src = host('src', outputs({ 'virsh-domxml': kvmGuest, mounts: GLUSTER_MOUNTS }));
    const dst = host('dst', { ...Object.fromEntries(Object.entries(DST.probes).map(([k, v]) => [k, v.stdout])), 'virsh-caps': noKvm });
    expect(get(evaluate(src, dst), 'cpu.virt-ext')).toMatchObject({ status: 'fail', message: expect.stringMatching(/cannot run domain type\/arch kvm\/x86_64/) });
    // The TCG guest needs nothing of the kind.
    expect(get(evaluate(host('src', outputs()), dst), 'cpu.virt-ext').status).toBe('pass');
  });

  it('guest CPU: TCG models for a type qemu guest; check=none only needs the model offered and no feature lost', () => {
    const src = host('src', outputs({ mounts: GLUSTER_MOUNTS }));
    // A destination whose TCG does not know the model at all.
    const noModel = fx('domcapabilities-tcg.xml').replace(/<model usable='yes' vendor='unknown'>qemu64<\/model>/, '');
    const dstWithout = host('dst', { ...Object.fromEntries(Object.entries(DST.probes).map(([k, v]) => [k, v.stdout])), 'virsh-domcaps-tcg': noModel });
    expect(get(evaluate(src, dstWithout), 'domain.guest-cpu')).toMatchObject({ status: 'fail', message: "g1: the destination's hypervisor does not offer CPU model qemu64 under TCG" });
    // A destination where qemu64 lacks a feature the source's TCG gives: with check=none QEMU drops it silently.
    const lacking = fx('domcapabilities-tcg.xml').replace("<model usable='yes' vendor='unknown'>qemu64</model>", "<model usable='no' vendor='unknown'>qemu64</model>\n      <blockers model='qemu64'><feature name='sse4a'/></blockers>");
    const dstLacking = host('dst', { ...Object.fromEntries(Object.entries(DST.probes).map(([k, v]) => [k, v.stdout])), 'virsh-domcaps-tcg': lacking });
    expect(get(evaluate(src, dstLacking), 'domain.guest-cpu').message).toMatch(/qemu64 \(check='none'\) would lose sse4a on the destination under TCG/);
    // check=full (libvirt verifies the model on the destination): unusable there is a refusal.
    const full = host('src', outputs({ mounts: GLUSTER_MOUNTS, 'virsh-domxml': DUMPXML.replace("check='none'", "check='full'") }));
    expect(get(evaluate(full, dstLacking), 'domain.guest-cpu').message).toMatch(/CPU model qemu64 is not usable on the destination under TCG \(missing sse4a\)/);
  });
});

describe('libvirt safety check (qemuMigrationSrcIsSafe) by version', () => {
  const disk = (over: Partial<MigrationDisk>): MigrationDisk => ({
    domain: 'vm', target: 'vda', type: 'file', device: 'disk', source: '/srv/shared/vm.qcow2', format: 'qcow2', cache: 'writeback',
    readonly: false, shareable: false, storage: 'shared-fs', mount: { mountpoint: '/srv/shared', fstype: 'nfs4', export: 'nas:/vm' }, bytes: null, capacityBytes: null, ...over,
  });
  const facts = (qemu: string, libvirt = '9.0.0'): HostFacts => ({ libvirt: { version: libvirt, hypervisor: { name: 'QEMU', version: qemu } } });
  const live = { mode: 'live' as const, unsafe: false };

  it('writeback on NFS: refused before QEMU 4.0 (no cache drop on the incoming side), allowed since', () => {
    expect(libvirtRefusals([disk({})], facts('3.1.0'), live)[0]).toMatch(/cache=writeback on nfs4 \/srv\/shared with QEMU 3\.1\.0/);
    expect(libvirtRefusals([disk({})], facts('7.2.22'), live)).toEqual([]);
    // Exempt at any version: none/directsync, shareable, read-only, cluster filesystems; other modes; --unsafe.
    for (const d of [disk({ cache: 'none' }), disk({ cache: 'directsync' }), disk({ shareable: true }), disk({ readonly: true }), disk({ mount: { mountpoint: '/srv/shared', fstype: 'gfs2', export: null } })]) {
      expect(libvirtRefusals([d], facts('2.12.0'), live)).toEqual([]);
    }
    expect(libvirtRefusals([disk({})], facts('2.12.0'), { mode: 'block', unsafe: false })).toEqual([]);
    expect(libvirtRefusals([disk({})], facts('2.12.0'), { mode: 'live', unsafe: true })).toEqual([]);
  });

  it("network filesystems libvirt does not know are refused even with cache=none; BeeGFS is known after 9.0", () => {
    for (const fstype of ['fuse.sshfs', 'lustre', 'fuse.ceph-fuse', 'fuse.mfs']) {
      expect(libvirtRefusals([disk({ cache: 'none', mount: { mountpoint: '/srv/shared', fstype, export: null } })], facts('7.2.22'), live)[0]).toMatch(/libvirt does not count .* as shared storage/);
    }
    expect(['nfs', 'nfs4', 'cifs', 'smb3', 'ceph', 'gpfs', 'fuse.glusterfs', 'fuse.quobyte', 'ocfs2', 'gfs2', 'afs', 'acfs'].every((t) => libvirtCountsShared(t, '9.0.0'))).toBe(true);
    expect([libvirtCountsShared('beegfs', '9.0.0'), libvirtCountsShared('beegfs', '10.0.0')]).toEqual([false, true]);
    // Network disks and local ones are not this check's business (storage.disk-paths judges local disks).
    expect(libvirtRefusals([disk({ storage: 'network', mount: null }), disk({ storage: 'local', mount: null })], facts('2.12.0'), live)).toEqual([]);
  });
});

describe('convergence from ranges: a verdict only where both ends agree', () => {
  const guest = (mib: number) => host('src', outputs({ mounts: GLUSTER_MOUNTS, 'virsh-domxml': DUMPXML.replace(/<memory unit='KiB'>\d+<\/memory>/, `<memory unit='KiB'>${mib * 1024}</memory>`).replace(/<currentMemory unit='KiB'>\d+<\/currentMemory>/, `<currentMemory unit='KiB'>${mib * 1024}</currentMemory>`) }));
  const dst = host('dst', { ...Object.fromEntries(Object.entries(DST.probes).map(([k, v]) => [k, v.stdout])), mounts: GLUSTER_MOUNTS });
  const conv = (src: HostReport, options: Partial<ReportOptions>) => get(evaluate(src, dst, options), 'migration.convergence');

  it('dirtying more than the cap can carry is a NO-GO even at the best end; well under it a GO at the worst end', () => {
    expect(conv(guest(160), { bandwidthMiBs: 16, dirtyRateMiBs: 30 })).toMatchObject({ status: 'fail', message: expect.stringMatching(/g1 will not converge: dirty rate 30\.0 MiB\/s is not below the bandwidth 16\.0 MiB\/s/) });
    expect(conv(guest(160), { bandwidthMiBs: 16, dirtyRateMiBs: 2 }).status).toBe('pass');
  });

  it('where the link bounds disagree it says so (error), never a confident GO', () => {
    // 200 MiB/s of dirtying: an eighth of a 10 Gb/s link (149 MiB/s) cannot carry it, all of it (1192 MiB/s) can.
    const r = conv(guest(4096), { dirtyRateMiBs: 200 });
    expect(r.status).toBe('error');
    expect(r.message).toMatch(/uncertain: it converges at 1192\.1 MiB\/s dirtying 200\.0 MiB\/s but not at 149\.0 MiB\/s dirtying 200\.0 MiB\/s.*give --bandwidth/);
  });
});

describe('peer-link', () => {
  it('reads the device and its speed; a bridge or bond takes its fastest member; -1 or nothing is unknown', () => {
    expect(parsePeerLink(fx('peer-link-veth.txt'))).toEqual({ dev: 'eth0', mbps: 10000 });
    expect(parsePeerLink('dev=br0\nspeed=1000 25000 \n')).toEqual({ dev: 'br0', mbps: 25000 });
    expect(parsePeerLink('dev=wg0\nspeed=-1\n')).toEqual({ dev: 'wg0', mbps: null });
    expect(() => parsePeerLink('dev=\nspeed=\n')).toThrow(/no interface towards the destination/);
  });
});
