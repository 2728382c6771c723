import { describe, expect, it } from 'vitest';
import { evaluateRule } from '../../src/checks/evaluate.js';
import { landingBytes } from '../../src/checks/landing.js';
import { blockSpaceOp } from '../../src/checks/operators/block-space.js';
import { dedicatedLinkOp } from '../../src/checks/operators/dedicated-link.js';
import type { OpContext } from '../../src/checks/operators/define.js';
import { disksSharedOp } from '../../src/checks/operators/disks-shared.js';
import { guestCpuOp } from '../../src/checks/operators/guest-cpu.js';
import { privateDirOp } from '../../src/checks/operators/private-dir.js';
import { saveSpaceOp } from '../../src/checks/operators/save-space.js';
import { parseDirStats } from '../../src/checks/probes/dir-stats.js';
import type { DirStat } from '../../src/model/system.js';
import type { RuleSpec } from '../../src/checks/rule-schema.js';
import type { Mode } from '../../src/checks/vocabulary.js';
import { describeDomain } from '../../src/report/domains.js';
import type { DomainVerdict, GuestCpu, HostReport, Landing, MigrationDisk, MigrationFacts } from '../../src/types.js';
import { parseErrorOf } from './parse-error-of.js';

const MiB = 1024 * 1024;

// The operators, called as the evaluator calls them (operators/<name>.ts).
const ANY: OpContext = { transport: 'ssh', mode: 'live', dstSshPort: 22 };
const disksShared = (s: unknown, d: unknown, a: object, c: OpContext) => disksSharedOp.evaluate(s, d, a, c);
const guestCpu = (s: unknown, d: unknown, a: { op?: string; ignore?: string[] }, c: OpContext) => guestCpuOp.evaluate(s, d, a, c);
const blockSpace = (s: unknown, d: unknown, a: object, c: OpContext) => blockSpaceOp.evaluate(s, d, a, c);
const saveSpace = (s: unknown, d: unknown) => saveSpaceOp.evaluate(s, d, {}, ANY);
const dedicatedLink = (s: unknown, d: unknown) => dedicatedLinkOp.evaluate(s, d, {}, ANY);
const privateDir = (v: unknown) => privateDirOp.evaluate(v, {});
const GiB = 1024 * MiB;
const ctx = (mode: Mode): OpContext => ({ transport: 'ssh', mode, dstSshPort: 22 });
const A = { op: 'block-space' } as const;

const disk = (over: Partial<MigrationDisk>): MigrationDisk => ({
  domain: 'vm',
  target: 'vda',
  type: 'file',
  device: 'disk',
  source: '/srv/local/vm.qcow2',
  format: 'qcow2',
  cache: 'none',
  readonly: false,
  shareable: false,
  storage: 'local',
  mount: null,
  bytes: 32 * MiB,
  capacityBytes: 2 * GiB,
  ...over,
});
const NFS = { mountpoint: '/srv/vmstore', fstype: 'nfs4', export: 'nas:/vmstore' };
const dir = (path: string, over: Partial<DirStat> = {}): DirStat => ({
  path,
  exists: true,
  fileType: 'directory',
  mode: 0o755,
  owner: 'root',
  group: 'root',
  availableBytes: 10 * GiB,
  mountpoint: path,
  ...over,
});
const landing = (over: Partial<Landing> = {}): Landing => ({
  dirs: [dir('/srv/local')],
  files: [],
  pools: [{ name: 'local', type: 'dir', targetPath: '/srv/local', availableBytes: 10 * GiB }],
  ...over,
});

describe('parseDirStats (stat output as the lab machine prints it)', () => {
  const text =
    'dir /tmp/tmp.miDlUtM7Oe/a b\nstat 750 root root directory\nfree 20651246 4096\nmnt /\ndir /tmp/tmp.miDlUtM7Oe/missing\ndir /proc\nstat 555 root root directory\nfree 0 4096\nmnt /proc\nfile 3 /etc/hostname\n';

  it('reads mode, owner, free bytes and mount point; an unreadable directory does not exist; paths keep their spaces', () => {
    const r = parseDirStats(text);
    expect(r.dirs).toEqual([
      { path: '/tmp/tmp.miDlUtM7Oe/a b', exists: true, fileType: 'directory', mode: 0o750, owner: 'root', group: 'root', availableBytes: 20651246 * 4096, mountpoint: '/' },
      { path: '/tmp/tmp.miDlUtM7Oe/missing', exists: false, fileType: null, mode: null, owner: null, group: null, availableBytes: null, mountpoint: null },
      { path: '/proc', exists: true, fileType: 'directory', mode: 0o555, owner: 'root', group: 'root', availableBytes: 0, mountpoint: '/proc' },
    ]);
    expect(r.files).toEqual([{ path: '/etc/hostname', sizeBytes: 3 }]);
  });

  it('refuses a field before any directory and an unknown line, naming the probe', () => {
    expect(parseErrorOf(() => parseDirStats('stat 755 root root directory\n', 'landing')).message).toMatch(/^landing: unexpected line: "stat 755/);
    expect(parseErrorOf(() => parseDirStats('dir /x\nstat: cannot statx\n', 'save-dir')).message).toMatch(/^save-dir: unexpected line/);
    expect(parseErrorOf(() => parseDirStats('dir /x\nstat rwx root root directory\n')).message).toMatch(/unexpected line/);
  });
});

describe('rule applicability and severity per mode', () => {
  const host = (facts: HostReport['facts']): HostReport => ({ target: 'h', connection: null, hostname: 'h', reachable: true, error: null, hostKey: null, facts, probes: {}, probeErrors: [] });
  const hosts = { src: host({ cpu: { vendor: 'GenuineIntel', modelName: 'x', family: 6, model: 1, flags: ['avx2'], count: 1, nx: true, virtExt: 'vmx' } }), dst: host({ cpu: { vendor: 'GenuineIntel', modelName: 'x', family: 6, model: 1, flags: [], count: 1, nx: true, virtExt: 'vmx' } }) };
  const rule: RuleSpec = {
    id: 't.flags',
    title: 'flags',
    severity: 'major',
    modes: ['live', 'block', 'cold'],
    modeSeverity: { cold: 'minor' },
    escalate: { when: { side: 'src', path: 'cpu.vendor', in: ['GenuineIntel'] }, severity: 'critical' },
    assert: { op: 'subset', path: 'cpu.flags' },
  };
  const run = (mode: Mode) => evaluateRule(rule, hosts, { hypervisor: 'kvm', transport: 'ssh', mode, dstSshPort: 22 });

  it('a rule outside its modes is skipped, naming the mode', () => {
    expect(run('save')).toMatchObject({ status: 'skip', messageId: 'skip.mode', message: 'not applicable to save/restore (--mode save)', data: { mode: 'save' } });
  });
  it('modeSeverity replaces the severity, escalation included; other modes keep the rule’s own', () => {
    expect(run('cold')).toMatchObject({ status: 'fail', severity: 'minor' });
    expect(run('live')).toMatchObject({ status: 'fail', severity: 'critical' });
  });
});

describe('storage.disk-paths per mode (disks-shared)', () => {
  const shared = disk({ target: 'vdb', source: '/srv/vmstore/vm.qcow2', storage: 'shared-fs', mount: NFS });
  const dstSame = [{ mountpoint: '/srv/vmstore', export: 'nas:/vmstore', fstype: 'nfs4' }];

  it('live: a local disk needs block migration, with the bytes', () => {
    const r = disksShared([disk({}), shared], dstSame, { op: 'disks-shared' }, ctx('live'));
    expect(r).toMatchObject({ ok: false, messageId: 'disks.local' });
    expect(r.defaultMessage).toMatch(/needs block migration .*vm vda \(\/srv\/local\/vm\.qcow2\), 32\.0 MiB; 32\.0 MiB to copy/);
  });
  it('block: local disks are what it copies; a shared one would be mirrored onto itself, and --migrate-disks names the local ones', () => {
    expect(disksShared([disk({})], dstSame, { op: 'disks-shared' }, ctx('block')).ok).toBe(true);
    const r = disksShared([disk({}), shared], dstSame, { op: 'disks-shared' }, ctx('block'));
    expect(r).toMatchObject({ ok: false, messageId: 'disks.self-copy' });
    expect(r.defaultMessage).toMatch(/mirror it onto itself: vm vdb \(\/srv\/vmstore\/vm\.qcow2\); copy only the local disks \(virsh migrate --copy-storage-all --migrate-disks vda\)/);
    // Read-only and shareable disks are left out of a block copy: not a problem.
    expect(disksShared([disk({}), { ...shared, readonly: true }], dstSame, { op: 'disks-shared' }, ctx('block')).ok).toBe(true);
    // Nothing local at all: block mode is the wrong tool.
    expect(disksShared([shared], dstSame, { op: 'disks-shared' }, ctx('block')).defaultMessage).toMatch(/migrate without block copy \(--mode live\)/);
  });
  it('cold and save: local disks are copied, but shared storage must still be mounted identically', () => {
    for (const mode of ['cold', 'save'] as const) {
      expect(disksShared([disk({}), shared], dstSame, { op: 'disks-shared' }, ctx(mode)).ok).toBe(true);
      const r = disksShared([shared], [{ ...dstSame[0], export: 'nas:/other' }], { op: 'disks-shared' }, ctx(mode));
      expect(r).toMatchObject({ ok: false, messageId: 'disks.unmounted' });
    }
    // A host block device is judged by storage.block-space there (it must exist on the destination), not left undecided.
    expect(disksShared([disk({ type: 'block', storage: 'block', source: '/dev/vg/vm' })], [], { op: 'disks-shared' }, ctx('cold')).ok).toBe(true);
    expect(disksShared([disk({ type: 'block', storage: 'block', source: '/dev/vg/vm' })], [], { op: 'disks-shared' }, ctx('live')).undecided).toMatch(/same LUN/);
  });
});

describe('storage.block-space (block-space)', () => {
  it('raw images need their virtual size, qcow2 their allocation', () => {
    expect(landingBytes(disk({ format: 'raw', bytes: 8 * MiB, capacityBytes: 20 * GiB }))).toBe(20 * GiB);
    expect(landingBytes(disk({ format: 'qcow2', bytes: 32 * MiB, capacityBytes: 2 * GiB }))).toBe(32 * MiB);
    expect(landingBytes(disk({ format: null, bytes: 1, capacityBytes: 5 }))).toBe(5);
  });
  it('passes with room, and sums the disks that land on one filesystem', () => {
    const ok = blockSpace([disk({})], landing(), A, ctx('block'));
    expect(ok).toMatchObject({ ok: true, data: { copyBytes: 32 * MiB } });
    const two = [disk({ format: 'raw', capacityBytes: 6 * GiB }), disk({ domain: 'vm2', source: '/srv/local/vm2.img', format: 'raw', capacityBytes: 6 * GiB })];
    const r = blockSpace(two, landing(), A, ctx('cold'));
    expect(r.ok).toBe(false);
    expect(r.defaultMessage).toBe('/srv/local on the destination has 10.0 GiB free, the copy needs 12.0 GiB (vm vda (/srv/local/vm.qcow2), 6.0 GiB; vm2 vda (/srv/local/vm2.img), 6.0 GiB): short by 2.0 GiB');
  });
  it('a missing directory fails in every copying mode; without a pool on it only block mode does (libvirt precreates through one)', () => {
    const noDir = landing({ dirs: [dir('/srv/local', { exists: false, fileType: null, mode: null, availableBytes: null, mountpoint: null })] });
    for (const mode of ['block', 'cold', 'save'] as const) expect(blockSpace([disk({})], noDir, A, ctx(mode)).defaultMessage).toBe('vm vda (/srv/local/vm.qcow2): /srv/local does not exist on the destination');
    const noPool = landing({ pools: [] });
    expect(blockSpace([disk({})], noPool, A, ctx('block')).defaultMessage).toMatch(/no storage pool with matching target path.*virsh pool-define-as NAME dir --target \/srv\/local/);
    expect(blockSpace([disk({})], noPool, A, ctx('cold')).ok).toBe(true);
    // An image already in place is written into: no pool and no room needed.
    expect(blockSpace([disk({})], landing({ pools: [], files: [{ path: '/srv/local/vm.qcow2', sizeBytes: 1 }] }), A, ctx('block')).ok).toBe(true);
  });
  it('read-only disks (block mode) and host block devices (any mode) must already be on the destination', () => {
    const iso = disk({ target: 'sda', device: 'cdrom', source: '/srv/local/install.iso', readonly: true, format: 'raw' });
    expect(blockSpace([iso], landing(), A, ctx('block')).defaultMessage).toMatch(/read-only, so the copy leaves it out: put the same file at \/srv\/local\/install\.iso on the destination/);
    expect(blockSpace([iso], landing({ files: [{ path: '/srv/local/install.iso', sizeBytes: 1 }] }), A, ctx('block')).ok).toBe(true);
    const lv = disk({ type: 'block', storage: 'block', source: '/dev/vg0/vm', format: 'raw', capacityBytes: 50 * GiB });
    expect(blockSpace([lv], landing(), A, ctx('cold')).defaultMessage).toMatch(/host block device: nothing creates it on the destination; create \/dev\/vg0\/vm there first \(e\.g\. an LV of at least 50\.0 GiB\)/);
    expect(blockSpace([lv], landing({ files: [{ path: '/dev/vg0/vm', sizeBytes: 0 }] }), A, ctx('cold')).ok).toBe(true);
  });
  it('a volume lands in the pool of its name, with that pool’s free space', () => {
    const vol = disk({ type: 'volume', source: 'fast/vm.qcow2', pool: 'fast', volume: 'vm.qcow2', bytes: 3 * GiB });
    expect(blockSpace([vol], landing({ pools: [{ name: 'fast', type: 'logical', targetPath: '/dev/fast', availableBytes: 1 * GiB }] }), A, ctx('block')).defaultMessage).toMatch(
      /^pool fast on the destination has 1\.0 GiB free, the copy needs 3\.0 GiB/,
    );
    expect(blockSpace([vol], landing({ pools: [] }), A, ctx('block')).defaultMessage).toBe('vm vda (fast/vm.qcow2): the destination has no storage pool fast for volume vm.qcow2');
  });
  it('cannot decide without a size or a free-space figure: undecided, not a pass', () => {
    expect(blockSpace([disk({ bytes: null })], landing(), A, ctx('cold')).undecided).toMatch(/size on the source is unknown/);
    expect(blockSpace([disk({})], landing({ dirs: [dir('/srv/local', { availableBytes: null })] }), A, ctx('cold')).undecided).toMatch(/free space unknown/);
    expect(blockSpace([disk({})], landing({ dirs: [] }), A, ctx('cold')).undecided).toMatch(/was not examined/);
  });
  it('shared disks are not copied in cold mode; in block mode one the destination does not mount is copied like a local one', () => {
    const nfs = disk({ source: '/srv/vmstore/vm.qcow2', storage: 'shared-fs', mount: NFS });
    expect(blockSpace([nfs], landing({ dirs: [] }), A, ctx('cold'))).toMatchObject({ ok: true, data: { copyBytes: 0 } });
    const l = landing({ dirs: [dir('/srv/vmstore', { mountpoint: '/' })], pools: [{ name: 'images', type: 'dir', targetPath: '/srv/vmstore/', availableBytes: null }] });
    expect(blockSpace([nfs], l, A, ctx('block'))).toMatchObject({ ok: true, data: { copyBytes: 32 * MiB } });
  });
});

describe('save mode: storage.save-space and security.save-image', () => {
  const img = (over: Partial<MigrationFacts['saveImage']> = {}): MigrationFacts['saveImage'] => ({ bytes: 2 * GiB, dir: dir('/srv/save', { mode: 0o700 }), sharedMount: null, ...over });
  it('needs the guests’ memory free on the source and, unless the directory is shared, on the destination', () => {
    expect(saveSpace(img(), { saveDir: dir('/srv/save') }).ok).toBe(true);
    const r = saveSpace(img(), { saveDir: dir('/srv/save', { availableBytes: 512 * MiB }) });
    expect(r.defaultMessage).toBe(
      "/srv/save on the destination has 512.0 MiB free, the save images need about 2.0 GiB (the guests' memory) (not shared with the source: the images are copied there to be restored): short by 1.5 GiB",
    );
    expect(saveSpace(img({ dir: dir('/srv/save', { availableBytes: 1 * GiB }) }), { saveDir: dir('/srv/save') }).defaultMessage).toMatch(/^\/srv\/save on the source has 1\.0 GiB free/);
    expect(saveSpace(img(), { saveDir: dir('/srv/save', { exists: false }) }).defaultMessage).toMatch(/^\/srv\/save does not exist on the destination/);
  });
  it('a save directory on the same network filesystem on both hosts needs the room once', () => {
    const shared = img({ dir: dir('/srv/vmstore/save', { mountpoint: '/srv/vmstore' }), sharedMount: NFS });
    const dst = { saveDir: dir('/srv/vmstore/save', { mountpoint: '/srv/vmstore', availableBytes: 0 }), mounts: [{ mountpoint: '/srv/vmstore', export: 'nas:/vmstore' }] };
    expect(saveSpace(shared, dst)).toMatchObject({ ok: true, data: { shared: true } });
    expect(saveSpace(shared, { ...dst, mounts: [{ mountpoint: '/srv/vmstore', export: 'nas:/other' }] }).ok).toBe(false);
  });
  it('others may neither read nor write the save directory', () => {
    expect(privateDir(dir('/srv/save', { mode: 0o700 })).ok).toBe(true);
    expect(privateDir(dir('/srv/save', { mode: 0o751 })).ok).toBe(true);
    expect(privateDir(dir('/srv/save', { mode: 0o755 })).detail).toBe('/srv/save is readable by others (mode 0755, root:root)');
    expect(privateDir(dir('/tmp', { mode: 0o1777 })).detail).toBe('/tmp is readable by others and writable by others (mode 1777, root:root)');
    expect(privateDir(dir('/srv/save', { exists: false, mode: null })).undecided).toMatch(/does not exist or cannot be read/);
  });
});

describe('network.migration-interface (dedicated-link)', () => {
  const addrs = [
    { ifname: 'eth0', family: 'inet', address: '10.0.0.2', prefix: 24, scope: 'global' },
    { ifname: 'mig0', family: 'inet', address: '10.99.0.2', prefix: 24, scope: 'global' },
  ];
  const t = (over: Partial<MigrationFacts['transfer']> = {}): MigrationFacts['transfer'] => ({ copyBytes: 10 * GiB, bandwidthBytesPerSec: 100 * MiB, managementAddress: '10.0.0.2', migrationAddresses: ['10.0.0.2'], ...over });
  it('fails when migration data goes to the management interface, with the bytes and the time at the bandwidth', () => {
    const r = dedicatedLink(t(), addrs);
    expect(r.ok).toBe(false);
    expect(r.defaultMessage).toMatch(/^migration data would go to 10\.0\.0\.2 \(eth0\), the interface the destination is managed through \(10\.0\.0\.2\): the block copy of 10\.0 GiB \(about 102\.4 s at 100\.0 MiB\/s\)/);
  });
  it('passes when the hostname leads to another interface', () => {
    expect(dedicatedLink(t({ migrationAddresses: ['10.99.0.2'] }), addrs)).toMatchObject({ ok: true, data: { migrationInterface: 'mig0', managementInterface: 'eth0' } });
  });
  it('cannot decide without a resolution, or for an address the destination does not have', () => {
    expect(dedicatedLink(t({ migrationAddresses: null }), addrs).undecided).toMatch(/did not resolve/);
    expect(dedicatedLink(t({ migrationAddresses: ['127.0.1.1'] }), addrs).undecided).toMatch(/127\.0\.1\.1 on the source, an address the destination does not have/);
  });
});

describe('domain.guest-cpu in cold mode', () => {
  const g: GuestCpu = { domain: 'db01', mode: 'host-passthrough', model: null, required: [], disabled: [], hostFlags: ['avx2', 'sse2'], virtType: 'kvm', check: null, srcBlockers: null };
  const support = { flags: ['sse2'], models: [{ name: 'Skylake-Server-IBRS', usable: 'no' as const, blockers: ['avx512f'] }], modelsUnknownBecause: null };
  it('a host-passthrough guest boots on the destination’s own CPU: flags no longer block', () => {
    expect(guestCpu([g], support, { op: 'guest-cpu' }, ctx('live')).defaultMessage).toMatch(/destination CPU lacks avx2/);
    expect(guestCpu([g], support, { op: 'guest-cpu' }, ctx('cold')).ok).toBe(true);
  });
  it('a pinned model the destination cannot run still fails', () => {
    const pinned: GuestCpu = { ...g, mode: 'custom', model: 'Skylake-Server-IBRS', hostFlags: null };
    expect(guestCpu([pinned], support, { op: 'guest-cpu' }, ctx('cold')).defaultMessage).toMatch(/CPU model Skylake-Server-IBRS is not usable on the destination \(missing avx512f\)/);
  });
});

describe('Domains line per mode', () => {
  const v: DomainVerdict = {
    name: 'blk01',
    uuid: null,
    state: 'shut off',
    memoryKiB: 1024 * 1024,
    vcpus: 1,
    verdict: 'go',
    blockers: [],
    disks: { shared: 0, local: 1, unknown: 0, bytesToCopy: 512 * MiB },
    convergence: { domain: 'blk01', state: 'shut off', memoryBytes: GiB, dirtyBytesPerSec: null, dirtyRateSource: null, bandwidthBytesPerSec: 100 * MiB, bandwidthSource: 'option', maxDowntimeMs: 300, missing: 'not running (shut off): it moves cold, no pre-copy', prediction: null },
  };
  it('says what the mode does with the local disks, and the time at the bandwidth', () => {
    expect(describeDomain(v, 'live')).toBe('1.0 GiB, 1 vCPU, shut off; 1 local disk: a block migration would copy 512.0 MiB; no convergence estimate: not running (shut off): it moves cold, no pre-copy');
    expect(describeDomain(v, 'block')).toMatch(/1 local disk: the block copy moves 512\.0 MiB \(~5\.1 s at 100\.0 MiB\/s\)/);
    expect(describeDomain(v, 'cold')).toBe('1.0 GiB, 1 vCPU, shut off; 1 local disk: to copy 512.0 MiB (~5.1 s at 100.0 MiB/s)');
  });
});
