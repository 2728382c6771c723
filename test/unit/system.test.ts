/**
 * The system parsers on what the real commands print on this machine at test time, checked
 * against facts read another way (sysfs, os.*, dns.lookup, a second /proc file). Root-only
 * parts run in throwaway namespaces (a network namespace with real bridges, private mount
 * namespaces with escaped mount points and a real fuse.sshfs mount) and are skipped, loudly,
 * when not root or when a tool is missing. The hand-written cases say where their format is from.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { cpus, networkInterfaces, release, totalmem } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROBES, type ProbeContext } from '../../src/checks/probes/index.js';
import { ParseError } from '../../src/checks/probes/parse-error.js';
import {
  parseGetentAhosts,
  parseHostIds,
  parseIpLinkBridges,
  parseIpOAddr,
  parseIpOLink,
  parseIpRouteGet,
  parseLsm,
  parseMeminfo,
  parseMountinfo,
  parseOnlineCpus,
  parseProcMounts,
} from '../../src/checks/probes/system.js';

const run = (cmd: string, args: readonly string[]): string => execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const sh = (script: string, ...args: string[]): string => run('/bin/sh', ['-c', script, 'sh', ...args]);
/** A script in a private mount namespace: its mounts vanish with it and never touch this machine's table. */
const unshareSh = (script: string, ...args: string[]): string => run('unshare', ['-m', '--propagation', 'private', '/bin/sh', '-c', script, 'sh', ...args]);
const has = (tool: string): boolean => spawnSync('/bin/sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status === 0;

const ROOT = process.getuid?.() === 0;
const CAN_NETNS = ROOT && has('ip');
const CAN_UNSHARE = ROOT && has('unshare');
const CAN_SSHFS = CAN_UNSHARE && has('sshfs') && existsSync('/dev/fuse') && existsSync('/usr/lib/openssh/sftp-server') && (has('fusermount3') || has('fusermount'));
if (!CAN_NETNS) console.warn('\n!!! NOT ROOT (or no `ip`): the network-namespace bridge/route tests are SKIPPED (not passed).\n');
if (!CAN_UNSHARE) console.warn('\n!!! NOT ROOT (or no `unshare`): the private-mount-namespace mount tests are SKIPPED (not passed).\n');
if (CAN_UNSHARE && !CAN_SSHFS) console.warn('\n!!! sshfs, /dev/fuse or sftp-server missing: the real fuse.sshfs mount test is SKIPPED (not passed).\n');

/** Links and mounts of the root namespace may change while the lab runs: retry a comparison of two reads. */
function settled(check: () => void, attempts = 5): void {
  for (let i = 1; ; i++) {
    try {
      check();
      return;
    } catch (e) {
      if (i >= attempts) throw e;
    }
  }
}

const expectParseError = (fn: () => unknown, probe: string): void => {
  try {
    fn();
    expect.unreachable('parser accepted bad input');
  } catch (e) {
    expect(e).toBeInstanceOf(ParseError);
    expect((e as ParseError).probe).toBe(probe);
  }
};

/** The probe scripts exactly as collected on a host (see parseLsm / parseHostIds). */
const LSM_SCRIPT = PROBES.lsm.command({} as ProbeContext);
const HOST_IDS_SCRIPT = `printf 'product_uuid=%s\\n' "$(cat /sys/class/dmi/id/product_uuid 2>/dev/null)"; printf 'machine_id=%s\\n' "$(cat /etc/machine-id 2>/dev/null)"`;

const readOr = (path: string): string | null => {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return null;
  }
};

describe('ip -o link / addr on this machine', () => {
  it('every link of `ip -o link show` matches /sys/class/net (names, MTU, master), lo is a loopback', () => {
    settled(() => {
      const links = parseIpOLink(run('ip', ['-o', 'link', 'show']));
      expect(links.map((l) => l.name).sort()).toEqual(readdirSync('/sys/class/net').sort());
      for (const l of links) {
        expect(l.mtu, l.name).toBe(Number(readFileSync(`/sys/class/net/${l.name}/mtu`, 'utf8')));
        expect(l.index, l.name).toBe(Number(readFileSync(`/sys/class/net/${l.name}/ifindex`, 'utf8')));
        const master = existsSync(`/sys/class/net/${l.name}/master`) ? basename(readlinkSync(`/sys/class/net/${l.name}/master`)) : null;
        expect(l.master, l.name).toBe(master);
      }
      expect(links.find((l) => l.name === 'lo')).toMatchObject({ linkType: 'loopback', mtu: 65536, master: null });
      expect(links.find((l) => l.name === 'lo')?.flags).toContain('LOOPBACK');
    });
  });

  it('`ip -o addr show`: lo has 127.0.0.1/8, and every address Node sees on an up interface is there', () => {
    settled(() => {
      const addrs = parseIpOAddr(run('ip', ['-o', 'addr', 'show']));
      expect(addrs).toContainEqual({ ifname: 'lo', family: 'inet', address: '127.0.0.1', prefix: 8, scope: 'host' });
      const ours = new Set(addrs.map((a) => `${a.ifname} ${a.address}/${a.prefix}`));
      // libuv lists only interfaces that are UP and RUNNING, so Node's view is a subset.
      const node = Object.entries(networkInterfaces()).flatMap(([name, list]) => (list ?? []).map((a) => `${name} ${a.address.replace(/%.*$/, '')}/${a.cidr?.split('/')[1]}`));
      expect(node.length).toBeGreaterThan(0);
      for (const n of node) expect(ours.has(n), n).toBe(true);
    });
  });

  it('the multi-line `ip addr show` form is refused, not read as "no addresses"', () => {
    expectParseError(() => parseIpOAddr(run('ip', ['addr', 'show'])), 'ip-addr');
  });
});

describe('name resolution and routes on this machine', () => {
  it('`getent ahosts localhost`: the loopback address(es), each once, as getaddrinfo gives them', async () => {
    const raw = run('getent', ['ahosts', 'localhost']);
    const addrs = parseGetentAhosts(raw);
    expect(addrs).toContain('127.0.0.1');
    // One line per socket type (STREAM, DGRAM, RAW): three lines, one address.
    expect(raw.split('\n').filter((l) => l.startsWith('127.0.0.1 ')).length).toBeGreaterThan(1);
    expect(new Set(addrs).size).toBe(addrs.length);
    const viaNode = new Set((await lookup('localhost', { all: true })).map((a) => a.address));
    for (const a of addrs) expect(viaNode.has(a), a).toBe(true);
  });

  it('a name that does not resolve prints nothing (exit 2): []', () => {
    const r = spawnSync('getent', ['ahosts', `mp-sys-${randomBytes(4).toString('hex')}.invalid`], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(parseGetentAhosts(r.stdout)).toEqual([]);
  });

  it('`ip -o route get 127.0.0.1`: a local route on lo ("local" type, trailing "cache <local>")', () => {
    const raw = run('ip', ['-o', 'route', 'get', '127.0.0.1']);
    expect(raw).toMatch(/^local 127\.0\.0\.1 /);
    expect(parseIpRouteGet(raw)).toEqual({ type: 'local', dst: '127.0.0.1', dev: 'lo', src: '127.0.0.1', via: null });
  });

  it('`ip -o route get` to a neighbour on a directly connected network: our interface and address, no gateway', () => {
    const v4 = parseIpOAddr(run('ip', ['-o', 'addr', 'show'])).find((a) => a.family === 'inet' && a.scope === 'global' && a.prefix <= 29);
    if (!v4) {
      console.warn('!!! no global IPv4 address on this machine: neighbour route test SKIPPED');
      return;
    }
    // Another host of the same network: neither ours, nor the network or broadcast address.
    const ip = v4.address.split('.').reduce((n, o) => n * 256 + Number(o), 0);
    const net = ip - (ip % 2 ** (32 - v4.prefix));
    const host = net + 1 === ip ? net + 2 : net + 1;
    const dst = [24, 16, 8, 0].map((sh) => Math.floor(host / 2 ** sh) % 256).join('.');
    expect(parseIpRouteGet(run('ip', ['-o', 'route', 'get', dst]))).toEqual({ type: 'unicast', dst, dev: v4.ifname, src: v4.address, via: null });
  });
});

describe('memory and CPUs on this machine', () => {
  it('/proc/meminfo: MemTotal is os.totalmem(), MemAvailable is real, huge page size is a sysfs size', () => {
    const raw = run('cat', ['/proc/meminfo']);
    const m = parseMeminfo(raw);
    expect(m.memTotalKiB * 1024).toBe(totalmem());
    const [major, minor] = release().split('.').map(Number) as [number, number];
    if (major > 3 || (major === 3 && minor >= 14)) expect(m.availableEstimated).toBe(false);
    expect(m.memAvailableKiB).toBeLessThanOrEqual(m.memTotalKiB);
    expect(m.memFreeKiB).toBeLessThanOrEqual(m.memTotalKiB);
    expect(m.hugePagesFree).toBeLessThanOrEqual(m.hugePagesTotal);
    if (existsSync('/sys/kernel/mm/hugepages')) expect(readdirSync('/sys/kernel/mm/hugepages')).toContain(`hugepages-${m.hugepageSizeKiB}kB`);
  });

  it('the same file without MemAvailable (as before Linux 3.14): MemFree + Buffers + Cached, flagged', () => {
    const raw = run('cat', ['/proc/meminfo']);
    const kib = (k: string): number => Number(new RegExp(`^${k}:\\s+(\\d+) kB$`, 'm').exec(raw)?.[1]);
    const m = parseMeminfo(raw.replace(/^MemAvailable:.*\n/m, ''));
    expect(m.availableEstimated).toBe(true);
    expect(m.memAvailableKiB).toBe(kib('MemFree') + kib('Buffers') + kib('Cached'));
  });

  it('/sys/devices/system/cpu/online: as many CPUs as os.cpus() and getconf _NPROCESSORS_ONLN', () => {
    const n = parseOnlineCpus(run('cat', ['/sys/devices/system/cpu/online']));
    expect(n).toBe(cpus().length);
    expect(n).toBe(Number(run('getconf', ['_NPROCESSORS_ONLN'])));
  });
});

describe('mount tables on this machine', () => {
  it('/proc/self/mounts and /proc/self/mountinfo describe the same mounts, in the same order', () => {
    // Other tests may add mounts (ip netns) meanwhile: retry until one read of both agrees.
    for (let attempt = 0; ; attempt++) {
      const [m, i] = sh('cat /proc/self/mounts; echo @@MP@@; cat /proc/self/mountinfo').split('@@MP@@\n') as [string, string];
      const mounts = parseProcMounts(m);
      const info = parseMountinfo(i);
      if (mounts.length !== info.length && attempt < 5) continue;
      expect(mounts.length).toBe(m.split('\n').filter((l) => l !== '').length);
      expect(info.map((x) => [x.source, x.mountpoint, x.fstype])).toEqual(mounts.map((x) => [x.source, x.mountpoint, x.fstype]));
      expect(mounts.some((x) => x.mountpoint === '/')).toBe(true);
      for (const x of mounts) if (!x.network) expect(x.export).toBeNull();
      break;
    }
  });

  it('`cat /proc/mounts` parses line for line', () => {
    const raw = run('cat', ['/proc/mounts']);
    const all = parseProcMounts(raw);
    expect(all.length).toBe(raw.split('\n').filter((l) => l !== '').length);
    expect(all.find((x) => x.mountpoint === '/proc')?.fstype).toBe('proc');
  });
});

describe.skipIf(!CAN_UNSHARE)('real kernel escapes in a private mount namespace (root)', () => {
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync('/tmp/mp-sys-mnt.');
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('space, tab, newline and backslash in mount points and sources; an empty source; a read-only bind', () => {
    const names = ['a b', 't\tab', 'new\nline', 'back\\slash', 'empty'];
    for (const n of names) mkdirSync(join(dir, n));
    const [ab, tab, nl, bs, empty] = names.map((n) => join(dir, n)) as [string, string, string, string, string];
    const out = unshareSh(
      `mount -t tmpfs 'src with space' "$1" && mount -t tmpfs 'x\\y' "$2" && mount -t tmpfs tmpfs "$3" &&
       mount -t tmpfs -o ro tmpfs "$4" && mount -t tmpfs '' "$5" && mount --bind -o ro "$1" "$5" || exit 1
       cat /proc/self/mounts; echo @@MP@@; cat /proc/self/mountinfo`,
      ab, tab, nl, bs, empty,
    );
    const [m, i] = out.split('@@MP@@\n') as [string, string];
    // What the kernel wrote: octal escapes, and a leading space for the empty source.
    expect(m).toContain(`src\\040with\\040space ${dir}/a\\040b tmpfs rw`);
    expect(m).toContain(`x\\134y ${dir}/t\\011ab tmpfs`);
    expect(m).toContain(`${dir}/new\\012line`);
    expect(m).toMatch(new RegExp(`^ ${dir.replace(/\./g, '\\.')}/empty tmpfs `, 'm'));
    const mine = (all: ReturnType<typeof parseProcMounts>): [string, string, string[]][] =>
      all.filter((x) => x.mountpoint.startsWith(`${dir}/`)).map((x) => [x.source, x.mountpoint, x.options.filter((o) => o === 'ro' || o === 'rw')]);
    const expected: [string, string, string[]][] = [
      ['src with space', ab, ['rw']],
      ['x\\y', tab, ['rw']],
      ['tmpfs', nl, ['rw']],
      ['tmpfs', bs, ['ro']],
      ['', empty, ['rw']],
      // A read-only bind of a read-write tmpfs: mountinfo says ro per mount, rw in the super block.
      ['src with space', empty, ['ro']],
    ];
    expect(mine(parseProcMounts(m))).toEqual(expected);
    expect(mine(parseMountinfo(i))).toEqual(expected);
    expect(i).toMatch(/ ro,relatime - tmpfs src\\040with\\040space rw/);
    expect(parseMountinfo(i).every((x) => !x.network)).toBe(true);
  });
});

describe.skipIf(!CAN_SSHFS)('a real fuse.sshfs mount (root, private mount namespace, sftp-server over a pipe)', () => {
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync('/tmp/mp-sys-sshfs.');
    mkdirSync(join(dir, 'export dir'));
    mkdirSync(join(dir, 'mnt'));
    // sshfs runs ssh_command with ssh's arguments; this one ignores them and speaks SFTP itself.
    writeFileSync(join(dir, 'fake-ssh'), '#!/bin/sh\nexec /usr/lib/openssh/sftp-server\n');
    chmodSync(join(dir, 'fake-ssh'), 0o755);
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('is a network mount whose export is user@host:/path (host lower-cased, trailing slash gone)', () => {
    const out = unshareSh(
      `trap 'fusermount3 -u "$1/mnt" 2>/dev/null || fusermount -u "$1/mnt" 2>/dev/null || umount "$1/mnt"' EXIT
       sshfs -o ssh_command="$1/fake-ssh" "Alice@NAS1.Lab:$1/export dir/" "$1/mnt" || exit 1
       touch "$1/mnt/written-through-sshfs"
       cat /proc/self/mounts; echo @@MP@@; cat /proc/self/mountinfo`,
      dir,
    );
    expect(existsSync(join(dir, 'export dir', 'written-through-sshfs'))).toBe(true);
    const [m, i] = out.split('@@MP@@\n') as [string, string];
    expect(m).toContain(`Alice@NAS1.Lab:${dir}/export\\040dir/ ${dir}/mnt fuse.sshfs `);
    for (const all of [parseProcMounts(m), parseMountinfo(i)]) {
      const s = all.filter((x) => x.fstype === 'fuse.sshfs');
      expect(s).toHaveLength(1);
      expect(s[0]).toMatchObject({ source: `Alice@NAS1.Lab:${dir}/export dir/`, mountpoint: `${dir}/mnt`, network: true, export: `Alice@nas1.lab:${dir}/export dir` });
      expect(s[0]?.options).toContain('user_id=0');
    }
  });
});

describe.skipIf(!CAN_NETNS)('bridges, addresses and routes in a throwaway network namespace (root)', () => {
  const ns = `mp-sys-${randomBytes(4).toString('hex')}`;
  let created = false;
  const ipn = (...args: string[]): string => run('ip', ['-n', ns, ...args]);
  beforeAll(() => {
    run('ip', ['netns', 'add', ns]);
    created = true;
    for (const cmd of [
      'link set lo up',
      'link add br7 type bridge',
      'link add br8 type bridge',
      'link set br8 up',
      'link add vbr0 type veth peer name vbr1',
      'link set vbr0 master br7',
      'addr add 203.0.113.4/24 dev br8',
      'addr add 2001:db8::4/64 dev br8 nodad',
      'addr add 198.51.100.7 peer 198.51.100.8/32 dev br8',
      'route add 10.9.0.0/16 via 203.0.113.1',
    ]) ipn(...cmd.split(' '));
  });
  afterAll(() => {
    if (created) run('ip', ['netns', 'del', ns]);
  });

  it('`ip -o link show type bridge` lists exactly the two bridges', () => {
    const raw = ipn('-o', 'link', 'show', 'type', 'bridge');
    expect(parseIpLinkBridges(raw)).toEqual(['br7', 'br8']);
    // -d adds the bridge's settings on the same line; the names stay.
    expect(parseIpLinkBridges(ipn('-d', '-o', 'link', 'show', 'type', 'bridge'))).toEqual(['br7', 'br8']);
  });

  it('`ip -o link show`: veth peers after "@", the port\'s master, and the bridge parser refuses the unfiltered list', () => {
    const raw = ipn('-o', 'link', 'show');
    expect(raw).toMatch(/^\d+: vbr0@vbr1: /m);
    const links = parseIpOLink(raw);
    expect(links.map((l) => [l.name, l.peer, l.master])).toEqual([
      ['lo', null, null],
      ['br7', null, null],
      ['br8', null, null],
      ['vbr1', 'vbr0', null],
      ['vbr0', 'vbr1', 'br7'],
    ]);
    expect(links.find((l) => l.name === 'br8')?.flags).toContain('UP');
    expect(links.find((l) => l.name === 'br7')?.flags).not.toContain('UP');
    expectParseError(() => parseIpLinkBridges(raw), 'bridges');
  });

  it('`ip -o addr show`: IPv4, IPv6 (and its link-local), and a point-to-point address with its peer prefix', () => {
    const addrs = parseIpOAddr(ipn('-o', 'addr', 'show'));
    expect(addrs.filter((a) => a.ifname === 'br8' && a.scope === 'global')).toEqual([
      { ifname: 'br8', family: 'inet', address: '203.0.113.4', prefix: 24, scope: 'global' },
      { ifname: 'br8', family: 'inet', address: '198.51.100.7', prefix: 32, scope: 'global' },
      { ifname: 'br8', family: 'inet6', address: '2001:db8::4', prefix: 64, scope: 'global' },
    ]);
    expect(ipn('-o', 'addr', 'show')).toContain('inet 198.51.100.7 peer 198.51.100.8/32');
    expect(addrs.filter((a) => a.ifname === 'lo').map((a) => `${a.address}/${a.prefix}`)).toEqual(['127.0.0.1/8', '::1/128']);
    expect(addrs.some((a) => a.ifname === 'br8' && a.scope === 'link' && a.address.startsWith('fe80:'))).toBe(true);
  });

  it('`ip -o route get`: on-link, via a gateway, our own address (local), IPv6 with "from ::"', () => {
    expect(parseIpRouteGet(ipn('-o', 'route', 'get', '203.0.113.5'))).toEqual({ type: 'unicast', dst: '203.0.113.5', dev: 'br8', src: '203.0.113.4', via: null });
    expect(parseIpRouteGet(ipn('-o', 'route', 'get', '10.9.1.1'))).toEqual({ type: 'unicast', dst: '10.9.1.1', dev: 'br8', src: '203.0.113.4', via: '203.0.113.1' });
    expect(parseIpRouteGet(ipn('-o', 'route', 'get', '203.0.113.4'))).toEqual({ type: 'local', dst: '203.0.113.4', dev: 'lo', src: '203.0.113.4', via: null });
    const v6 = ipn('-o', 'route', 'get', '2001:db8::9');
    expect(v6).toContain(' from :: ');
    expect(parseIpRouteGet(v6)).toEqual({ type: 'unicast', dst: '2001:db8::9', dev: 'br8', src: '2001:db8::4', via: null });
  });

  it('no route: ip prints nothing on stdout (exit 2, "Network is unreachable" on stderr), a ParseError', () => {
    const r = spawnSync('ip', ['-n', ns, '-o', 'route', 'get', '192.0.2.99'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/unreachable/i);
    expectParseError(() => parseIpRouteGet(r.stdout), 'route-get');
  });
});

describe('lsm probe script', () => {
  it('run on this machine with /bin/sh: matches the three files read directly', () => {
    const out = sh(LSM_SCRIPT);
    expect(out.split('\n')).toHaveLength(4); // three lines and the final newline
    const lsmFile = readOr('/sys/kernel/security/lsm');
    const lsms = lsmFile ? lsmFile.split(',') : [];
    const enforce = readOr('/sys/fs/selinux/enforce') ?? readOr('/selinux/enforce');
    const aa = readOr('/sys/module/apparmor/parameters/enabled');
    const parsed = parseLsm(out);
    expect(parsed.lsms).toEqual(lsms);
    expect(parsed.selinux).toBe(enforce === '1' ? 'enforcing' : enforce === '0' ? 'permissive' : 'disabled');
    expect(parsed.apparmor).toBe(aa === 'Y' ? 'enabled' : 'disabled');
    if (lsmFile === null && enforce === null && aa === null) {
      // This machine: no securityfs mounted, no selinuxfs, no AppArmor module: neither is on, as libvirt sees it.
      expect(out).toBe('lsm=\nselinux=-\napparmor=-\n');
      expect(parsed).toEqual({ lsms: [], selinux: 'disabled', apparmor: 'disabled' });
    }
  });

  // The LSM lists are as /sys/kernel/security/lsm prints them on those distributions' stock kernels
  // (no trailing newline in the file; $(...) would strip one anyway); enforce holds "1"/"0",
  // the AppArmor parameter "Y"/"N".
  it.each([
    ['Ubuntu 24.04, AppArmor on', 'lsm=lockdown,capability,landlock,yama,apparmor,ima,evm\nselinux=\napparmor=Y\n', { selinux: 'disabled', apparmor: 'enabled' }],
    ['EL9, SELinux enforcing, no AppArmor module', 'lsm=lockdown,capability,landlock,yama,selinux,bpf\nselinux=1\napparmor=\n', { selinux: 'enforcing', apparmor: 'disabled' }],
    ['EL8, SELinux permissive', 'lsm=capability,yama,selinux,bpf\nselinux=0\napparmor=\n', { selinux: 'permissive', apparmor: 'disabled' }],
    ['Debian, AppArmor built in but booted apparmor=0', 'lsm=lockdown,capability,landlock,yama,tomoyo,bpf\nselinux=\napparmor=N\n', { selinux: 'disabled', apparmor: 'disabled' }],
    ['RHEL 7 (3.10: no lsm file), SELinux enforcing, as the probe printed it before "-"', 'lsm=\nselinux=1\napparmor=\n', { selinux: 'enforcing', apparmor: null }],
    ['RHEL 7, SELinux enforcing, no AppArmor module', 'lsm=\nselinux=1\napparmor=-\n', { selinux: 'enforcing', apparmor: 'disabled' }],
    ['RHEL 6 booted selinux=0: no selinuxfs anywhere', 'lsm=\nselinux=-\napparmor=-\n', { selinux: 'disabled', apparmor: 'disabled' }],
  ] as const)('%s', (_name, text, want) => {
    const f = parseLsm(text);
    expect({ selinux: f.selinux, apparmor: f.apparmor }).toEqual(want);
    expect(f.lsms).toEqual(text.split('\n')[0]?.slice(4).split(',').filter(Boolean));
  });

  it.each([
    ['a value the file never holds', 'lsm=capability\nselinux=2\napparmor=\n'],
    ['apparmor "yes"', 'lsm=\nselinux=\napparmor=yes\n'],
    ['a missing key', 'lsm=capability,selinux\nselinux=1\n'],
    ['a repeated key', 'lsm=\nselinux=\napparmor=\napparmor=Y\n'],
    ['an error message instead', 'sh: 1: cat: not found\n'],
    ['not an LSM list', 'lsm=Capability, Yama\nselinux=\napparmor=\n'],
  ])('%s is a ParseError', (_name, text) => {
    expectParseError(() => parseLsm(text), 'lsm');
  });
});

describe('host-ids probe script', () => {
  it('run on this machine with /bin/sh: matches product_uuid and /etc/machine-id read directly', () => {
    const out = sh(HOST_IDS_SCRIPT);
    const product = readOr('/sys/class/dmi/id/product_uuid')?.toLowerCase() || null;
    const machine = readOr('/etc/machine-id') || null;
    const ids = parseHostIds(out);
    expect(ids.productUuid).toBe(product);
    expect(ids.machineId).toBe(machine);
    expect(ids.hostUuid).toBe(product ?? (machine ? machine.replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5') : null));
    if (!existsSync('/sys/class/dmi')) {
      // This machine has no DMI: libvirt would make up a random UUID; machine-id stands in.
      expect(out.startsWith('product_uuid=\n')).toBe(true);
      expect(ids.hostUuidSource).toBe(machine ? 'machine-id' : null);
      expect(ids.productUuidPlaceholder).toBe(false);
    }
  });

  it.skipIf(!CAN_UNSHARE || !has('setpriv'))('product_uuid is mode 0400: root reads it, another user gets an empty value (root, private mount namespace)', () => {
    // A tmpfs over /sys/class in a private mount namespace stands in for DMI, with the kernel's mode and format.
    const out = unshareSh(
      `mount -t tmpfs none /sys/class && mkdir -p /sys/class/dmi/id && printf '%s\\n' 4C4C4544-0042-3510-8052-B4C04F4E4D32 > /sys/class/dmi/id/product_uuid &&
       chmod 0400 /sys/class/dmi/id/product_uuid || exit 1
       /bin/sh -c "$1"; echo @@MP@@; setpriv --reuid=65534 --regid=65534 --clear-groups /bin/sh -c "$1"`,
      HOST_IDS_SCRIPT,
    );
    const [asRoot, asNobody] = out.split('@@MP@@\n') as [string, string];
    expect(parseHostIds(asRoot)).toMatchObject({ productUuid: '4c4c4544-0042-3510-8052-b4c04f4e4d32', hostUuid: '4c4c4544-0042-3510-8052-b4c04f4e4d32', hostUuidSource: 'smbios' });
    const nobody = parseHostIds(asNobody);
    expect(nobody.productUuid).toBeNull();
    expect(nobody.hostUuidSource).toBe(nobody.machineId ? 'machine-id' : null);
  });

  const MID = '3d1219c7c4c5404aaa1f6d2a48adfda4';
  const MID_UUID = '3d1219c7-c4c5-404a-aa1f-6d2a48adfda4';
  // product_uuid as the kernel prints it (lower-case "%pUl"; old kernels printed upper case), machine-id
  // as systemd writes it (32 lower-case hex digits, "uninitialized" during first boot).
  it.each([
    ['a real board UUID', `product_uuid=4c4c4544-0042-3510-8052-b4c04f4e4d32\nmachine_id=${MID}\n`, { productUuid: '4c4c4544-0042-3510-8052-b4c04f4e4d32', productUuidPlaceholder: false, machineId: MID, machineIdUuid: MID_UUID, hostUuid: '4c4c4544-0042-3510-8052-b4c04f4e4d32', hostUuidSource: 'smbios' }],
    ['upper case from an old kernel', `product_uuid=4C4C4544-0042-3510-8052-B4C04F4E4D32\nmachine_id=${MID.toUpperCase()}\n`, { productUuid: '4c4c4544-0042-3510-8052-b4c04f4e4d32', machineId: MID, hostUuid: '4c4c4544-0042-3510-8052-b4c04f4e4d32' }],
    // libvirt takes any SMBIOS UUID that parses, placeholders included: two such boards collide.
    ['the AMI placeholder', `product_uuid=03000200-0400-0500-0006-000700080009\nmachine_id=${MID}\n`, { productUuidPlaceholder: true, hostUuid: '03000200-0400-0500-0006-000700080009', hostUuidSource: 'smbios' }],
    ['the AMI placeholder, SMBIOS >= 2.6 byte order', `product_uuid=00020003-0004-0005-0006-000700080009\nmachine_id=${MID}\n`, { productUuidPlaceholder: true, hostUuidSource: 'smbios' }],
    ['all zeros', `product_uuid=00000000-0000-0000-0000-000000000000\nmachine_id=${MID}\n`, { productUuidPlaceholder: true, hostUuid: '00000000-0000-0000-0000-000000000000' }],
    ['all Fs', `product_uuid=FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF\nmachine_id=${MID}\n`, { productUuidPlaceholder: true, hostUuid: 'ffffffff-ffff-ffff-ffff-ffffffffffff' }],
    ['no DMI (ARM board, or not root)', `product_uuid=\nmachine_id=${MID}\n`, { productUuid: null, hostUuid: MID_UUID, hostUuidSource: 'machine-id' }],
    ['nothing at all (container image, first boot)', 'product_uuid=\nmachine_id=uninitialized\n', { productUuid: null, machineId: null, machineIdUuid: null, hostUuid: null, hostUuidSource: null }],
  ] as const)('%s', (_name, text, want) => {
    expect(parseHostIds(text)).toMatchObject(want);
  });

  it.each([
    ['a product_uuid that is no UUID', `product_uuid=Not Settable\nmachine_id=${MID}\n`],
    ['a short machine-id', 'product_uuid=\nmachine_id=3d1219c7\n'],
    ['a missing key', `machine_id=${MID}\n`],
    ['an unknown key', `product_uuid=\nmachine_id=${MID}\nserial=1\n`],
  ])('%s is a ParseError', (_name, text) => {
    expectParseError(() => parseHostIds(text), 'host-ids');
  });
});

describe('hand-written cases for formats this machine does not show', () => {
  it('/proc/meminfo of a 2.6.32 kernel (CentOS 6 layout: no MemAvailable) and of a kernel without hugetlbfs', () => {
    const centos6 = [
      'MemTotal:        3922556 kB', 'MemFree:          254764 kB', 'Buffers:          160828 kB', 'Cached:          2663044 kB',
      'SwapCached:         1020 kB', 'Active:          1875284 kB', 'Inactive:        1413788 kB', 'Active(anon):     322576 kB',
      'HugePages_Total:      16', 'HugePages_Free:        4', 'HugePages_Rsvd:        0', 'HugePages_Surp:        0',
      'Hugepagesize:       2048 kB', 'DirectMap4k:        8192 kB', '',
    ].join('\n');
    expect(parseMeminfo(centos6)).toEqual({
      memTotalKiB: 3922556, memFreeKiB: 254764, memAvailableKiB: 254764 + 160828 + 2663044, availableEstimated: true,
      hugePagesTotal: 16, hugePagesFree: 4, hugepageSizeKiB: 2048,
    });
    expect(parseMeminfo('MemTotal: 1024 kB\nMemFree: 512 kB\nMemAvailable: 700 kB\n')).toMatchObject({ hugePagesTotal: 0, hugepageSizeKiB: null, availableEstimated: false, memAvailableKiB: 700 });
    expectParseError(() => parseMeminfo('MemFree: 1 kB\n'), 'meminfo');
    expectParseError(() => parseMeminfo('processor\t: 0\n'), 'meminfo');
  });

  it('CPU lists as the kernel prints them (cpulist format)', () => {
    expect(parseOnlineCpus('0-3,8-11\n')).toBe(8);
    expect(parseOnlineCpus('0\n')).toBe(1);
    expect(parseOnlineCpus('0-63\n')).toBe(64);
    expect(parseOnlineCpus('0,2,4-5\n')).toBe(4);
    for (const bad of ['', '3-1', 'cpu0', '0-3,', '0 - 3']) expectParseError(() => parseOnlineCpus(bad), 'online-cpus');
  });

  it('getent ahosts for a dual-stack name (glibc "%-15s %-6s %s" lines)', () => {
    const text = [
      'fd00::5         STREAM hv2.lab', 'fd00::5         DGRAM  ', 'fd00::5         RAW    ',
      '10.0.0.5        STREAM ', '10.0.0.5        DGRAM  ', '10.0.0.5        RAW    ', '',
    ].join('\n');
    expect(parseGetentAhosts(text)).toEqual(['fd00::5', '10.0.0.5']);
    expectParseError(() => parseGetentAhosts('hv2.lab has address 10.0.0.5\n'), 'getent-ahosts');
  });

  it('ip route get: the non -o form (cache on its own line) and an IPv4 route over an IPv6 gateway', () => {
    expect(parseIpRouteGet('10.0.0.5 dev eth0 src 10.0.0.4 uid 0 \n    cache \n')).toEqual({ type: 'unicast', dst: '10.0.0.5', dev: 'eth0', src: '10.0.0.4', via: null });
    expect(parseIpRouteGet('192.0.2.9 via inet6 fe80::1 dev eth0 src 10.0.0.4 uid 0 \\    cache \n')).toMatchObject({ via: 'fe80::1', dev: 'eth0' });
    expectParseError(() => parseIpRouteGet(''), 'route-get');
    expectParseError(() => parseIpRouteGet('RTNETLINK answers: Network is unreachable\n'), 'route-get');
  });

  it('mount sources of network filesystems this machine cannot mount (formats from mount.nfs, mount.cifs, mount.ceph, glusterfs, sshfs 2.x, 9p)', () => {
    const one = (line: string): { network: boolean; export: string | null } => {
      const [m] = parseProcMounts(`${line}\n`);
      return { network: m?.network ?? false, export: m?.export ?? null };
    };
    expect(one('NAS1.Example.COM:/export/vms/ /var/lib/libvirt/images nfs4 rw,relatime,vers=4.2 0 0')).toEqual({ network: true, export: 'nas1.example.com:/export/vms' });
    expect(one('[FD00::1]:/srv//vms /mnt nfs rw,vers=3 0 0')).toEqual({ network: true, export: '[fd00::1]:/srv/vms' });
    expect(one('nas:/ /mnt nfs4 rw 0 0')).toEqual({ network: true, export: 'nas:/' });
    expect(one('//FileSrv/VMs/ /mnt/vms cifs rw,vers=3.1.1 0 0')).toEqual({ network: true, export: '//filesrv/VMs' });
    expect(one('10.0.0.2:6789,10.0.0.1:6789:/vms/ /mnt/ceph ceph rw,name=admin 0 0')).toEqual({ network: true, export: '10.0.0.1:6789,10.0.0.2:6789:/vms' });
    expect(one('Gluster1:gv0 /mnt/gv0 fuse.glusterfs rw,user_id=0 0 0')).toEqual({ network: true, export: 'gluster1:/gv0' });
    expect(one('sshfs#Bob@Store:/vms /mnt/vms fuse rw,nosuid 0 0')).toEqual({ network: true, export: 'Bob@store:/vms' });
    expect(one('ceph-fuse /mnt/cephfs fuse.ceph-fuse rw 0 0')).toEqual({ network: true, export: null });
    expect(one('/dev/mapper/mpatha /vms gfs2 rw,relatime 0 0')).toEqual({ network: true, export: null });
    expect(one('10.0.0.9 /mnt/9p 9p rw,trans=tcp,aname=/srv/vms 0 0')).toEqual({ network: true, export: '10.0.0.9:/srv/vms' });
    expect(one('hostshare /mnt/9p 9p rw,trans=virtio 0 0')).toEqual({ network: false, export: null });
    expect(one('s3fs /mnt/bucket fuse.s3fs rw,nosuid,nodev 0 0')).toEqual({ network: false, export: null });
    expect(one('myfs /mnt/virtiofs virtiofs rw 0 0')).toEqual({ network: false, export: null });
  });
});
