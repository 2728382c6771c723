import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { evaluateHosts, reportOptions } from '../../src/pair/evaluate.js';
import { pairHypervisor } from '../../src/checks/hypervisor-pair.js';
import { detectHypervisor, parseHvDetect } from '../../src/checks/probes/hypervisor.js';
import type { HvSigns } from '../../src/model/system.js';
import { buildFacts } from '../../src/checks/probes/index.js';
import { parseXlInfo } from '../../src/checks/probes/xen.js';
import { loadRules } from '../../src/checks/rules.js';
import type { OpContext } from '../../src/checks/operators/define.js';
import { sameSubnetOp } from '../../src/checks/operators/same-subnet.js';
import { xendRelocationOp } from '../../src/checks/operators/xend-relocation.js';
import { xenStorageOp } from '../../src/checks/operators/xen-storage.js';
import { xenDomainVerdicts } from '../../src/checks/verdicts.js';
import { describeDomain } from '../../src/report/domains.js';
import type { XenMove, XenMovingDisk } from '../../src/model/move.js';
import type { HostReport, ProbeOutput, ReportOptions, RuleResult } from '../../src/types.js';
import { parseErrorOf } from './parse-error-of.js';

const ANY: OpContext = { transport: 'ssh', mode: 'live', dstSshPort: 22 };
const sameSubnet = (s: unknown, d: unknown) => sameSubnetOp.evaluate(s, d, {}, ANY);
const xenStorage = (s: unknown, d: unknown, _a?: object) => xenStorageOp.evaluate(s, d, {}, ANY);
const xendRelocation = (s: unknown, d: unknown) => xendRelocationOp.evaluate(s, d, {}, ANY);

const fixture = (name: string): string => readFileSync(new URL(`../fixtures/xen/${name}`, import.meta.url), 'utf8');
const INFO_413 = fixture('xl-info-4.13.0-rc-fedora31-ryzen.txt');
const INFO_443 = fixture('xl-info-4.4.3-centos6.txt');

const SIGNS: HvSigns = { xl: '/usr/sbin/xl', xm: null, virsh: null, kvmDevice: false, sysHypervisor: 'xen', xenCapabilities: 'control_d' };

describe('hypervisor detection', () => {
  it('parses the hv-detect lines', () => {
    const text = 'xl=/usr/sbin/xl\nxm=\nvirsh=/usr/bin/virsh\nkvm=no\nsys_hypervisor=xen\nxen_capabilities=control_d\n';
    expect(parseHvDetect(text)).toEqual({ xl: '/usr/sbin/xl', xm: null, virsh: '/usr/bin/virsh', kvmDevice: false, sysHypervisor: 'xen', xenCapabilities: 'control_d' });
    expect(parseErrorOf(() => parseHvDetect('xl=\n'))?.message).toMatch(/no xm= line/);
    expect(parseErrorOf(() => parseHvDetect(`${text}rm -rf=1\n`))?.message).toMatch(/unexpected line/);
  });

  it('trusts a toolstack that answers, then dom0, then libvirt, then /dev/kvm', () => {
    const xl = parseXlInfo(INFO_413);
    expect(detectHypervisor(SIGNS, xl, null)).toEqual({ kind: 'xen', toolstack: 'xl', evidence: ['xl info: Xen 4.13.0-rc'] });
    // xl info failed (xenstored down), but the kernel says this is dom0.
    expect(detectHypervisor(SIGNS, null, null)).toMatchObject({ kind: 'xen', evidence: ['/proc/xen/capabilities: control_d (Xen control domain)'] });
    // A Xen guest (HVM domU) with xl installed but no control_d: not a Xen host.
    const guest: HvSigns = { ...SIGNS, xenCapabilities: '', kvmDevice: true };
    expect(detectHypervisor(guest, null, 'QEMU')).toEqual({ kind: 'kvm', toolstack: null, evidence: ['libvirt driver: QEMU'] });
    expect(detectHypervisor({ ...guest, kvmDevice: false }, null, null)).toEqual({ kind: null, toolstack: null, evidence: [] });
    expect(detectHypervisor({ ...guest, xl: null, xm: '/usr/sbin/xm' }, null, 'Xen')).toMatchObject({ kind: 'xen', toolstack: 'xm' });
    expect(detectHypervisor({ ...guest, xl: null }, null, 'TEST').evidence).toEqual(['/dev/kvm present', 'libvirt driver: TEST']);
    expect(detectHypervisor(null, null, 'TEST')).toMatchObject({ kind: 'kvm', evidence: ['libvirt driver: TEST'] });
  });
});

const out = (stdout: string, exitCode = 0): ProbeOutput => ({ command: 'x', exitCode, stdout, stderr: '', sha256: '0'.repeat(64), durationMs: 1 });
const HV = (xl: boolean): string => `xl=${xl ? '/usr/sbin/xl' : ''}\nxm=\nvirsh=\nkvm=${xl ? 'no' : 'yes'}\nsys_hypervisor=\nxen_capabilities=\n`;
const XL_LIST = (rows: string[]): string =>
  ['Name                                        ID   Mem VCPUs\tState\tTime(s)', 'Domain-0                                     0  4096     4     r-----    4211.7', ...rows, ''].join('\n');
const row = (name: string, id: number, mem: number): string => `${name.padEnd(40)} ${String(id).padStart(5)} ${String(mem).padStart(5)}     2     -b----     352.4`;
const LONG = (doms: { name: string; id: number; type: string; bridges: string[]; disks: string[] }[]): string =>
  JSON.stringify(
    doms.map((d) => ({
      domid: d.id,
      config: {
        c_info: { type: d.type, name: d.name },
        b_info: { max_vcpus: 2, max_memkb: 1048576, target_memkb: 1048576 },
        disks: d.disks.map((p, i) => ({ pdev_path: p, vdev: `xvd${'ab'[i]}`, format: 'raw', readwrite: 1 })),
        nics: d.bridges.map((b, i) => ({ devid: i, bridge: b })),
      },
    })),
  );

/** A host report built the way a run builds one: probe outputs through buildFacts. */
function host(target: string, outputs: Record<string, string>): HostReport {
  const probes = Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, out(v)]));
  const { facts, failures } = buildFacts(probes);
  return { target, connection: { user: 'root', host: target, port: 22 }, hostname: target, reachable: true, error: null, hostKey: null, facts, probes, probeErrors: failures };
}

const OPTIONS: ReportOptions = reportOptions({});
const RULES = loadRules();
const evaluate = (src: HostReport, dst: HostReport, options: Partial<ReportOptions> = {}) =>
  evaluateHosts({ hosts: { src, dst }, ruleSet: RULES, options: { ...OPTIONS, ...options }, waivers: [], baseline: null, now: new Date('2026-11-22T00:00:00Z'), bandwidth: null });
const get = (results: readonly RuleResult[], id: string): RuleResult => {
  const r = results.find((x) => x.id === id);
  if (!r) throw new Error(`no ${id}`);
  return r;
};

describe('Xen rules on real xl info outputs', () => {
  const MOUNTS = 'nas:/export/xen /srv/xen nfs4 rw,relatime,vers=4.2 0 0\n';
  const src = host('xa', {
    'hv-detect': HV(true),
    'xl-info': INFO_413,
    'xl-list': XL_LIST([row('web', 3, 1024), row('db', 4, 2048)]),
    'xl-list-long': LONG([
      { name: 'web', id: 3, type: 'hvm', bridges: ['xenbr0'], disks: ['/srv/xen/web.img'] },
      { name: 'db', id: 4, type: 'pv', bridges: ['xenbr0'], disks: ['/dev/vg0/db'] },
    ]),
    'xend-config': '',
    bridges: '5: xenbr0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP mode DEFAULT group default qlen 1000\\    link/ether 02:00:00:00:00:01 brd ff:ff:ff:ff:ff:ff\n',
    mounts: MOUNTS,
  });

  it('an older destination with little free memory fails xen.version and xen.memory; the same caps pass', () => {
    const dst = host('xb', { 'hv-detect': HV(true), 'xl-info': INFO_443, 'xl-list': XL_LIST([]), 'xl-list-long': '[]', 'xend-config': '', mounts: MOUNTS });
    const r = evaluate(src, dst);
    expect(get(r.results, 'hypervisor.match').status).toBe('pass');
    expect(get(r.results, 'xen.version')).toMatchObject({ status: 'fail', message: "the destination runs Xen 4.4.3-12.el6, older than the source's Xen 4.13.0-rc" });
    expect(get(r.results, 'xen.memory')).toMatchObject({ status: 'fail', messageId: 'capacity.short' });
    expect(get(r.results, 'xen.caps').status).toBe('pass');
    expect(get(r.results, 'xen.hvm').status).toBe('pass');
    // The destination's bridges were not collected here: the rule says so instead of guessing.
    expect(get(r.results, 'xen.bridges')).toMatchObject({ status: 'error', messageId: 'error.fact-missing' });
    // The block device was not looked at on the destination (no landing round in this test).
    expect(get(r.results, 'xen.shared-storage')).toMatchObject({ status: 'error', messageId: 'xen-storage.unchecked' });
    expect(r.summary.exitCode).toBe(3);
  });

  it('a KVM destination refuses the pair, every other rule skipped', () => {
    const dst = host('k', { 'hv-detect': HV(false), 'xl-info': '' });
    const r = evaluate(src, dst);
    expect(get(r.results, 'hypervisor.match')).toMatchObject({ status: 'fail', severity: 'critical', messageId: 'hypervisor.mismatch' });
    expect(get(r.results, 'hypervisor.match').message).toBe(
      'the source runs Xen (xl info: Xen 4.13.0-rc) and the destination runs KVM (/dev/kvm present): no live or cold migration between different hypervisors',
    );
    expect(r.results.filter((x) => x.id !== 'hypervisor.match').every((x) => x.status === 'skip' && x.messageId === 'skip.refused')).toBe(true);
    expect(r.summary.exitCode).toBe(1);
  });
});

describe('pairHypervisor', () => {
  const h = (kind: 'kvm' | 'xen' | null, extra: Partial<HostReport> = {}): HostReport => ({
    target: `${kind}-host`,
    connection: null,
    hostname: null,
    reachable: true,
    error: null,
    hostKey: null,
    facts: { hypervisor: { kind, toolstack: null, evidence: kind ? [`${kind} sign`] : [] } },
    probes: { 'hv-detect': out('') },
    probeErrors: [],
    ...extra,
  });
  it('passes a same-hypervisor pair, refuses a mixed one, and takes --hypervisor at its word only where no host contradicts it', () => {
    expect(pairHypervisor('auto', { src: h('kvm'), dst: h('kvm') })).toMatchObject({ hypervisor: 'kvm', refused: null, result: { status: 'pass' } });
    const mixed = pairHypervisor('auto', { src: h('kvm'), dst: h('xen') });
    expect(mixed.refused).toBe('the source runs KVM (kvm sign) and the destination runs Xen (xen sign): no live or cold migration between different hypervisors');
    expect(pairHypervisor('xen', { src: h(null), dst: h(null) })).toMatchObject({ hypervisor: 'xen', refused: null, result: { status: 'pass' } });
    expect(pairHypervisor('xen', { src: h('kvm'), dst: h(null) }).refused).toBe('--hypervisor xen, but the source runs KVM (kvm sign)');
    expect(pairHypervisor('auto', { src: h('xen'), dst: h(null) })).toMatchObject({ hypervisor: 'xen', refused: null, result: { status: 'error', messageId: 'hypervisor.unknown' } });
    const down = pairHypervisor('auto', { src: h('xen'), dst: h(null, { reachable: false, probes: {}, error: { code: 'MP_SSH_CONNECT', message: 'refused' } }) });
    expect(down.result).toMatchObject({ status: 'error', messageId: 'error.unreachable', message: 'destination host null-host was not probed: refused' });
  });
});

const move = (over: Partial<XenMove>): XenMove => ({
  domains: [],
  missing: [],
  names: [],
  memoryKiB: [],
  hvm: false,
  hvmDomains: [],
  bridges: [],
  unconfigured: [],
  disks: [],
  bridgeNetworks: [],
  route: { via: null, dev: 'eth0' },
  relocation: { srcAddr: '10.0.0.1', names: ['hva'], tcp: { port: 8002, state: 'open' } },
  ...over,
});
const addr = (ifname: string, address: string, prefix: number) => ({ ifname, family: 'inet' as const, address, prefix, scope: 'global' });

describe('same-subnet', () => {
  it('compares the hosts addresses on each guest bridge, else the route between them', () => {
    const m = move({ bridgeNetworks: [{ bridge: 'xenbr0', cidrs: ['192.168.10.11/24'] }] });
    expect(sameSubnet(m, [addr('xenbr0', '192.168.10.12', 24)]).ok).toBe(true);
    expect(sameSubnet(m, [addr('xenbr0', '192.168.20.12', 24)])).toMatchObject({ ok: false, messageId: 'subnet.apart', data: { apart: ['xenbr0: source 192.168.10.11/24, destination 192.168.20.12/24'] } });
    const l2 = move({ bridgeNetworks: [{ bridge: 'xenbr1', cidrs: [] }], route: { via: '10.0.0.254', dev: 'eth0' } });
    expect(sameSubnet(l2, [])).toMatchObject({ ok: false, messageId: 'subnet.routed' });
    expect(sameSubnet({ ...l2, route: { via: null, dev: 'eth0' } }, []).ok).toBe(true);
    expect(sameSubnet({ ...l2, route: null }, []).undecided).toMatch(/no route from the source/);
    expect(sameSubnet(move({ unconfigured: ['web'] }), []).undecided).toBe('bridges unknown for web: `xl list -l` has no configuration for them');
    // IPv6 prefixes too.
    const v6 = move({ bridgeNetworks: [{ bridge: 'xenbr0', cidrs: ['fd00:10::11/64'] }] });
    expect(sameSubnet(v6, [{ ...addr('xenbr0', 'fd00:10::12', 64), family: 'inet6' }]).ok).toBe(true);
  });
});

describe('xen-storage', () => {
  const d = (over: Partial<XenMovingDisk>): XenMovingDisk => ({ domain: 'web', target: 'xvda', path: '/srv/xen/web.img', kind: 'file', format: 'raw', readonly: false, cdrom: false, mount: null, ...over });
  const NFS = { mountpoint: '/srv/xen', fstype: 'nfs4', export: 'nas:/export/xen' };
  const dstMount = (exp: string) => ({ source: exp, mountpoint: '/srv/xen', fstype: 'nfs4', options: [], network: true, export: exp });
  it('wants image files on identically mounted network storage and block devices present on the destination', () => {
    expect(xenStorage([d({ mount: NFS })], { mounts: [dstMount('nas:/export/xen')] }, { op: 'xen-storage' }).ok).toBe(true);
    expect(xenStorage([d({ mount: NFS })], { mounts: [dstMount('other:/xen')] }, { op: 'xen-storage' }).defaultMessage).toBe(
      'shared storage not mounted identically: web xvda (/srv/xen/web.img): /srv/xen comes from nas:/export/xen on the source but from other:/xen on the destination',
    );
    expect(xenStorage([d({})], { mounts: [] }, { op: 'xen-storage' })).toMatchObject({ ok: false, messageId: 'xen-storage.local' });
    const phy = d({ kind: 'phy', path: '/dev/vg0/web' });
    const landing = (files: string[]) => ({ dirs: [], files: files.map((path) => ({ path, sizeBytes: null })), pools: null });
    expect(xenStorage([phy], { mounts: [], landing: landing(['/dev/vg0/web']) }, { op: 'xen-storage' }).ok).toBe(true);
    expect(xenStorage([phy], { mounts: [], landing: landing([]) }, { op: 'xen-storage' })).toMatchObject({ ok: false, messageId: 'xen-storage.absent' });
    expect(xenStorage([phy], { mounts: [] }, { op: 'xen-storage' }).undecided).toMatch(/not looked at/);
    // An empty cdrom drive and other backends (iscsi:, drbd:) need nothing here.
    expect(xenStorage([d({ cdrom: true, path: null }), d({ kind: 'other', path: 'drbd:r0' })], { mounts: [] }, { op: 'xen-storage' }).ok).toBe(true);
  });
});

describe('xend-relocation', () => {
  const config = (over: object = {}) => ({
    relocationServer: true,
    relocationPort: 8002,
    relocationAddress: '',
    relocationHostsAllow: ['^hva$'],
    invalidHostsAllow: [],
    relocationSslServer: false,
    relocationSslPort: 8003,
    settings: {},
    ...over,
  });
  // The destination's xen facts: its xend-config.sxp, and where its round 2 looked the source's address up, that lookup.
  const xend = (over: object = {}, relocationPeer?: object) => ({ xend: config(over), ...(relocationPeer ? { relocationPeer } : {}) });
  const rel = move({}).relocation;
  it('needs the server on, its port reachable and the allow list admitting the source', () => {
    // Only a pattern matching the address admits for sure: xend matches the name the destination resolves it to, not the source's own.
    expect(xendRelocation(rel, xend({ relocationHostsAllow: ['^10\\.0\\.0\\.1$'] })).ok).toBe(true);
    expect(xendRelocation(rel, xend())).toMatchObject({ ok: false, messageId: 'xend.allow-unknown', undecided: expect.stringMatching(/admits the source's own name hva but not its address 10\.0\.0\.1/) });
    expect(xendRelocation(rel, { xend: null })).toMatchObject({ ok: false, messageId: 'xend.no-config' });
    expect(xendRelocation(rel, xend({ relocationServer: false }))).toMatchObject({ ok: false, messageId: 'xend.server-off' });
    expect(xendRelocation({ ...rel, tcp: { port: 8002, state: 'timeout' } }, xend()).defaultMessage).toMatch(/^port 8002 of the destination does not answer the source: dropped/);
    expect(xendRelocation(rel, xend({ relocationHostsAllow: ['^hvb$'] })).undecided).toMatch(/^xend-relocation-hosts-allow '\^hvb\$' matches neither the source's address 10\.0\.0\.1 nor its own names \(hva\)/);
    // Anchored at the start only, as xend's re.match: '10.0.0' admits 10.0.0.1.
    expect(xendRelocation(rel, xend({ relocationHostsAllow: ['10.0.0'] })).ok).toBe(true);
    expect(xendRelocation({ ...rel, tcp: null }, xend()).undecided).toMatch(/not tried/);
    // The destination's xen.xend not collected: not a verdict (the rule's condition names the fact first).
    expect(() => xendRelocation(rel, {})).toThrow(/xen\.xend/);
  });

  it("decides the allow list on the name the destination resolves the source's address to (socket.getfqdn there)", () => {
    // getent hosts 10.0.0.1 there: "10.0.0.1        hva.lab hva" (the lab's /etc/hosts layout).
    const lab = { address: '10.0.0.1', names: ['hva.lab', 'hva'], fqdn: 'hva.lab' };
    expect(xendRelocation(rel, xend({ relocationHostsAllow: ['^hva\\.lab$'] }, lab))).toMatchObject({ ok: true, data: { fqdn: 'hva.lab', resolvedNames: ['hva.lab', 'hva'] } });
    // '^hva$' matches the source's uname -n and an alias, never what xend matches.
    expect(xendRelocation(rel, xend({}, lab))).toMatchObject({
      ok: false,
      messageId: 'xend.not-allowed',
      defaultMessage:
        "xend-relocation-hosts-allow '^hva$' admits neither the source's address 10.0.0.1 nor hva.lab, the name xend matches: the destination resolves 10.0.0.1 to hva.lab hva (getent hosts; socket.getfqdn takes the first with a dot, else the first); it admits the source's own name hva, which xend never matches; xend rejects the connection (admit ^hva\\.lab$ or ^10\\.0\\.0\\.1$)",
    });
    // No name with a dot: the canonical name; an alias with a dot wins over a canonical name without.
    expect(xendRelocation(rel, xend({}, { address: '10.0.0.1', names: ['hva', 'hva-mig'], fqdn: 'hva' })).ok).toBe(true);
    // The address does not resolve there: getfqdn gives the address, and only the address can match.
    expect(xendRelocation(rel, xend({}, { address: '10.0.0.1', names: [], fqdn: '10.0.0.1' }))).toMatchObject({
      ok: false,
      messageId: 'xend.not-allowed',
      defaultMessage: "xend-relocation-hosts-allow '^hva$' does not admit the source's address 10.0.0.1, which does not resolve on the destination (getent hosts: no answer), so xend matches the address alone; it admits the source's own name hva, which xend never matches; xend rejects the connection (admit ^10\\.0\\.0\\.1$)",
    });
    // A refusal with the port closed too: both reasons, as a refusal of the connection.
    expect(xendRelocation({ ...rel, tcp: { port: 8002, state: 'closed' } }, xend({}, lab))).toMatchObject({ ok: false, messageId: 'xend.refused', defaultMessage: /^nothing listens on port 8002 .*; xend-relocation-hosts-allow '\^hva\$' admits neither/ });
    // A certain refusal needs no port test; a certain admission still does.
    expect(xendRelocation({ ...rel, tcp: null }, xend({}, lab))).toMatchObject({ ok: false, messageId: 'xend.not-allowed' });
    expect(xendRelocation({ ...rel, tcp: null }, xend({ relocationHostsAllow: ['^hva\\.lab$'] }, lab))).toMatchObject({ ok: false, messageId: 'xend.untested' });
    // A pattern this check cannot compile may match in Python: undecided, not refused.
    expect(xendRelocation(rel, xend({ relocationHostsAllow: ['^hva$', '(?P<x>hv)'], invalidHostsAllow: ['(?P<x>hv)'] }, lab))).toMatchObject({ ok: false, messageId: 'xend.allow-unknown', undecided: /nor hva\.lab, the name xend matches: .*, as far as can be told here: '\(\?P<x>hv\)' cannot be compiled here/ });
    // The evidence is what was read of the destination, not its whole xen facts.
    expect(xendRelocation(rel, { ...xend({}, lab), domains: [], info: null }).evidence).toEqual({ src: rel, dst: { xend: config(), relocationPeer: lab } });
    // A lookup of another address says nothing of this one.
    expect(xendRelocation(rel, xend({}, { ...lab, address: '10.0.0.9' }))).toMatchObject({ ok: false, messageId: 'xend.allow-unknown', undecided: /was not looked up/ });
  });
});

describe('Xen domain verdicts', () => {
  const disk = (over: Partial<XenMovingDisk>): XenMovingDisk => ({ domain: 'web', target: 'xvda', path: '/srv/xen/web.img', kind: 'file', format: null, readonly: false, cdrom: false, mount: null, ...over });
  const m = move({
    domains: [{ name: 'web', id: 3, memoryKiB: 1048576, vcpus: 2, type: 'hvm', bridges: ['xenbr0'], configured: true }],
    disks: [
      disk({ mount: { mountpoint: '/srv/xen', fstype: 'nfs4', export: 'nas:/xen' } }),
      disk({ target: 'xvdb', path: '/var/lib/xen/web-data.img' }),
      disk({ target: 'xvdc', path: '/dev/vg0/web', kind: 'phy' }),
      disk({ target: 'xvdd', path: 'drbd:r0', kind: 'other' }),
      disk({ target: 'hdc', path: null, kind: 'other', cdrom: true }),
    ],
  });
  const fail = (id: string, severity: RuleResult['severity']): RuleResult =>
    ({ id, domain: null, title: id, severity, status: 'fail', message: 'x', messageId: 'x', data: {}, evidence: {}, remediation: null, references: [], waiver: null }) as RuleResult;

  it("give every guest the pair's verdict and count its disks by where they live", () => {
    const [v] = xenDomainVerdicts(m, [fail('xen.shared-storage', 'critical'), fail('xen.subnet', 'major')], 'critical');
    expect(v).toMatchObject({ name: 'web', state: 'running (HVM)', verdict: 'no-go', blockers: [{ id: 'xen.shared-storage', status: 'fail', domain: null }] });
    expect(v?.disks).toEqual({ shared: 2, local: 1, unknown: 1, bytesToCopy: null });
    expect(describeDomain(v!, 'live', 'xen')).toBe("1.0 GiB, 2 vCPUs, running (HVM); disks: 2 on shared storage, 1 on the host's own disk, 1 host block device");
    expect(xenDomainVerdicts(m, [fail('xen.subnet', 'major')], 'critical')[0]?.verdict).toBe('go');
    expect(xenDomainVerdicts(undefined, [], 'major')).toEqual([]);
  });
});
