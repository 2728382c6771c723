/**
 * The mount and `ip link` parsers against real outputs, read in place from the shared corpus
 * (/work/shared/corpus/{mounts,net}; origins in its SOURCES.md: RedHatInsights/insights-core test
 * constants, prometheus/procfs and node_exporter fixtures, util-linux's libmount test files,
 * puppetlabs/facter fixtures). Quirks of the samples, kept as found:
 * - insights-proc-mounts-nfs3: NFS server addresses sanitised to "10.xx.xx.xx", and the sources
 *   lost their "server:" part ("/vol/vol3/wpsanet");
 * - insights-mountinfo-nfs4-nfs: the two NFS lines are cut short mid-option ("...,ret", "wsize=32");
 * - procfs-mountinfo-nfs4-nfs3: "1 1 0:5 /  /root" has two spaces between root and mount point;
 * - util-linux mountinfo: a mount point with a raw CR in it ("/mnt/test/foo\rbar");
 * - facter-proc-self-mounts: the file starts and ends with a single quote (Ruby fixture);
 * - insights-ip-s-link-all-bond-lacp is an excerpt: eth0_1/eth0_2 name master bond0, which is not in it.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { corpusDirs } from './corpus-dir.js';
import { ParseError } from '../../src/checks/probes/parse-error.js';
import { parseIpLinkBridges, parseIpOLink, parseMountinfo, parseProcMounts } from '../../src/checks/probes/system.js';
import type { MountFacts } from '../../src/model/system.js';

const {
  dirs: [MOUNTS_DIR = '', NET_DIR = ''],
  present: PRESENT,
} = corpusDirs('mounts / ip link', 'mounts', 'net');

const mounts = (file: string): string => readFileSync(`${MOUNTS_DIR}${file}`, 'utf8');
const net = (file: string): string => readFileSync(`${NET_DIR}${file}`, 'utf8');
const lineCount = (text: string): number => text.split('\n').filter((l) => l.trim() !== '').length;

/** Every non-network mount has no export; every network one has options and a source. */
function expectConsistent(all: readonly MountFacts[]): void {
  for (const m of all) {
    if (!m.network) expect(m.export, m.mountpoint).toBeNull();
    expect(m.mountpoint.startsWith('/'), m.mountpoint).toBe(true);
    expect(m.options.length, m.mountpoint).toBeGreaterThan(0);
  }
}

const expectParseError = (fn: () => unknown, probe: string): void => {
  try {
    fn();
    expect.unreachable('accepted output of another format');
  } catch (e) {
    expect(e).toBeInstanceOf(ParseError);
    expect((e as ParseError).probe).toBe(probe);
  }
};

describe.skipIf(!PRESENT)('/proc/mounts corpus', () => {
  it('RHEL 6 host with two NFSv3 mounts: exports, options, and nothing else network', () => {
    const text = mounts('insights-proc-mounts-nfs3.mounts');
    const all = parseProcMounts(text);
    expect(all).toHaveLength(lineCount(text));
    expect(all).toHaveLength(19);
    expectConsistent(all);
    const nfs = all.filter((m) => m.network);
    expect(nfs.map((m) => [m.mountpoint, m.fstype, m.source, m.export])).toEqual([
      // The sample lost "server:"; the server comes from mountaddr= (first) and addr= (second).
      ['/sa/net', 'nfs', '/vol/vol3/wpsanet', '10.xx.xx.xx:/vol/vol3/wpsanet'],
      ['/users', 'nfs', '/vol/vol9/home', '10.xx.xx.xx:/vol/vol9/home'],
    ]);
    expect(nfs[0]?.options).toEqual([
      'rw', 'relatime', 'vers=3', 'rsize=8192', 'wsize=8192', 'namlen=255', 'soft', 'proto=tcp', 'timeo=14', 'retrans=2',
      'sec=sys', 'mountaddr=10.xx.xx.xx', 'mountvers=3', 'mountport=4046', 'mountproto=udp', 'local_lock=none',
    ]);
    expect(nfs[1]?.options.at(-1)).toBe('addr=10.xx.xx.xx');
    // autofs is only the trigger, rpc_pipefs the NFS client's plumbing: neither is shared storage.
    expect(all.find((m) => m.mountpoint === '/misc')).toMatchObject({ fstype: 'autofs', source: '/etc/auto.misc', network: false });
    expect(all.find((m) => m.fstype === 'rpc_pipefs')).toMatchObject({ mountpoint: '/var/lib/nfs/rpc_pipefs', network: false });
    expect(all.find((m) => m.mountpoint === '/')).toEqual({
      source: '/dev/mapper/rootvg-rootlv', mountpoint: '/', fstype: 'ext4', options: ['rw', 'relatime', 'barrier=1', 'data=ordered'], network: false, export: null,
    });
    // The same block device mounted twice (/tmp and /var/tmp) stays two entries.
    expect(all.filter((m) => m.source === '/dev/mapper/rootvg-tmplv').map((m) => m.mountpoint)).toEqual(['/tmp', '/var/tmp']);
  });

  it('facter /proc/self/mounts (Ubuntu, LVM root, no network fs) once the Ruby quotes are stripped', () => {
    const raw = mounts('facter-proc-self-mounts.mounts');
    expect(raw.startsWith("'sysfs ")).toBe(true);
    // As stored, the quote glued to the last "pass" field makes it no /proc/mounts line.
    expectParseError(() => parseProcMounts(raw), 'mounts');
    const all = parseProcMounts(raw.replace(/^'/, '').replace(/'\s*$/, '\n'));
    expect(all.map((m) => [m.source, m.mountpoint, m.fstype])).toEqual([
      ['sysfs', '/sys', 'sysfs'],
      ['proc', '/proc', 'proc'],
      ['udev', '/dev', 'devtmpfs'],
      ['devpts', '/dev/pts', 'devpts'],
      ['tmpfs', '/run', 'tmpfs'],
      ['/dev/mapper/localhost--vg-root', '/', 'ext4'],
    ]);
    expect(all.every((m) => !m.network && m.export === null)).toBe(true);
    expect(all.find((m) => m.fstype === 'devtmpfs')?.options).toEqual(['rw', 'nosuid', 'relatime', 'size=3023708k', 'nr_inodes=755927', 'mode=755']);
  });

  it('`mount` command output and /proc/PID/mountstats are other formats: ParseError', () => {
    expectParseError(() => parseProcMounts(mounts('insights-mount-command.txt')), 'mounts');
    expectParseError(() => parseMountinfo(mounts('insights-mount-command.txt')), 'mountinfo');
    expectParseError(() => parseProcMounts(mounts('procfs-mountstats-nfs4.mountstats')), 'mounts');
    expectParseError(() => parseProcMounts(mounts('insights-mountinfo-nfs4-nfs.mountinfo')), 'mounts');
  });
});

describe.skipIf(!PRESENT)('/proc/self/mountinfo corpus', () => {
  it('RHEL host with nfs4 and nfs v3 mounts (lines cut short in the sample)', () => {
    const text = mounts('insights-mountinfo-nfs4-nfs.mountinfo');
    const all = parseMountinfo(text);
    expect(all).toHaveLength(16);
    expectConsistent(all);
    const nfs = all.filter((m) => m.network);
    expect(nfs.map((m) => [m.mountpoint, m.fstype, m.export])).toEqual([
      ['/shared/dir1', 'nfs4', 'hostname1:/shared_dir1'],
      ['/shared/dir2', 'nfs', 'hostname2:/shared/some/dir2'],
    ]);
    // Per-mount options first (nosuid lives only there), then the super-block ones (sync, vers=...).
    expect(nfs[0]?.options).toEqual(['rw', 'nosuid', 'relatime', 'sync', 'vers=4', 'rsize=32768', 'wsize=32768', 'namlen=255', 'hard', 'proto=tcp', 'port=0', 'timeo=600', 'ret']);
    expect(nfs[1]?.options).toEqual(['rw', 'nosuid', 'relatime', 'sync', 'vers=3', 'rsize=32768', 'wsize=32']);
    expect(all.filter((m) => m.fstype === 'autofs').map((m) => [m.source, m.mountpoint, m.network])).toEqual([
      ['/etc/auto.misc', '/misc', false],
      ['-hosts', '/autofshost', false],
    ]);
  });

  it('procfs: the same NFS export mounted three times (nfs4 twice, nfs v3 over UDP) at one path', () => {
    const all = parseMountinfo(mounts('procfs-mountinfo-nfs4-nfs3.mountinfo'));
    expect(all).toHaveLength(8);
    expectConsistent(all);
    const nfs = all.filter((m) => m.network);
    expect(nfs.map((m) => [m.fstype, m.mountpoint, m.export])).toEqual([
      ['nfs4', '/mnt/nfs/test', '192.168.1.1:/srv/test'],
      ['nfs4', '/mnt/nfs/test', '192.168.1.1:/srv/test'],
      ['nfs', '/mnt/nfs/test', '192.168.1.1:/srv/test'],
    ]);
    expect(nfs[0]?.options).toContain('vers=4.0');
    expect(nfs[0]?.options).toContain('proto=tcp');
    expect(nfs[0]?.options).toContain('clientaddr=192.168.1.5');
    expect(nfs[2]?.options).toContain('vers=3');
    expect(nfs[2]?.options).toContain('proto=udp');
    expect(nfs[2]?.options).toContain('relatime');
    // The double space of the first line does not shift the fields.
    expect(all[0]).toEqual({ source: 'rootfs', mountpoint: '/root', fstype: 'rootfs', options: ['rw', 'nosuid'], network: false, export: null });
    expect(all.find((m) => m.fstype === 'xfs')).toMatchObject({ mountpoint: '/var/lib/containers/storage/overlay', source: '/dev/mapper/rhel-root', network: false });
  });

  it("procfs: mountinfo's NFS source is the device mountstats reports for the same mount", () => {
    const stats = mounts('procfs-mountstats-nfs4.mountstats');
    const dev = /^device (\S+) mounted on (\S+) with fstype nfs4/m.exec(stats);
    expect(dev).not.toBeNull();
    const nfs4 = parseMountinfo(mounts('procfs-mountinfo-nfs4-nfs3.mountinfo')).find((m) => m.fstype === 'nfs4');
    expect([nfs4?.source, nfs4?.mountpoint]).toEqual([dev?.[1], dev?.[2]]);
  });

  it('util-linux (Fedora laptop): a CIFS share, a raw CR in a mount point, FUSE gvfs not shared', () => {
    const text = mounts('util-linux-libmount-mountinfo.mountinfo');
    const all = parseMountinfo(text);
    expect(all).toHaveLength(lineCount(text));
    expect(all).toHaveLength(33);
    expectConsistent(all);
    const net = all.filter((m) => m.network);
    expect(net).toHaveLength(1);
    expect(net[0]).toMatchObject({ source: '//foo.home/bar/', mountpoint: '/mnt/sounds', fstype: 'cifs', export: '//foo.home/bar' });
    // The UNC option keeps its backslashes: no \ooo escape there to decode.
    expect(net[0]?.options).toContain('unc=\\\\foo.home\\bar');
    expect(net[0]?.options).toContain('username=kzak');
    expect(all.at(-1)).toMatchObject({ mountpoint: '/mnt/test/foo\rbar', fstype: 'tmpfs', network: false });
    expect(all.find((m) => m.fstype === 'fuse.gvfs-fuse-daemon')).toMatchObject({ mountpoint: '/home/kzak/.gvfs', network: false, export: null });
    expect(all.filter((m) => m.fstype === 'autofs')).toHaveLength(5);
  });

  it('node_exporter /proc/1/mountinfo: \\040 and \\011 decoded, ro mounts, no network fs', () => {
    const all = parseMountinfo(mounts('node_exporter-proc1-mountinfo.mountinfo'));
    expect(all).toHaveLength(32);
    expectConsistent(all);
    expect(all.some((m) => m.network)).toBe(false);
    const vmdk = all.filter((m) => m.mountpoint.includes('[vsanDatastore]'));
    expect(vmdk.map((m) => m.mountpoint.slice(m.mountpoint.indexOf('['), m.mountpoint.indexOf('[') + 17))).toEqual(['[vsanDatastore] b', '[vsanDatastore]\tb']);
    expect(vmdk.every((m) => !m.mountpoint.includes('\\'))).toBe(true);
    // A read-only mount of a tmpfs: "ro" once, the super-block's "ro" folded in.
    expect(all.find((m) => m.mountpoint === '/sys/fs/cgroup')?.options).toEqual(['ro', 'nosuid', 'nodev', 'noexec', 'mode=755']);
    expect(all.find((m) => m.mountpoint === '/')).toEqual({
      source: '/dev/dm-2', mountpoint: '/', fstype: 'ext4', options: ['rw', 'relatime', 'errors=remount-ro', 'data=ordered'], network: false, export: null,
    });
  });

  it('/proc/mounts text is not mountinfo', () => {
    expectParseError(() => parseMountinfo(mounts('insights-proc-mounts-nfs3.mounts')), 'mountinfo');
  });
});

describe.skipIf(!PRESENT)('ip link corpus', () => {
  it('facter `ip -o link show`: names, flags, MTUs, bond masters, link types', () => {
    const links = parseIpOLink(net('facter-ip-o-link-show.txt'));
    expect(links.map((l) => [l.index, l.name, l.mtu, l.master, l.linkType])).toEqual([
      [1, 'lo', 65536, null, 'loopback'],
      [2, 'ens160', 1500, null, 'ether'],
      [3, 'ib0', 4092, null, 'infiniband'],
      [4, 'eth2', 1500, 'bond0', 'ether'],
      [5, 'eth3', 1500, 'bond0', 'ether'],
      [6, 'bond0', 1500, null, 'ether'],
    ]);
    expect(links.find((l) => l.name === 'bond0')?.flags).toEqual(['BROADCAST', 'MULTICAST', 'MASTER', 'UP', 'LOWER_UP']);
    expect(links.find((l) => l.name === 'ib0')).toMatchObject({ flags: ['NO-CARRIER', 'BROADCAST', 'MULTICAST', 'UP'], state: 'DOWN' });
    expect(links.find((l) => l.name === 'ens160')).toMatchObject({ state: 'UP', address: '00:50:56:9a:51:af', peer: null });
  });

  it('the bridge parser refuses unfiltered link lists (loopback, bonds), and gives [] for no bridges', () => {
    // `ip -o link show type bridge` prints nothing on this machine: it has no bridge.
    expect(parseIpLinkBridges('')).toEqual([]);
    for (const f of ['facter-ip-o-link-show.txt', 'facter-ip-link-show.txt', 'insights-ip-s-link-all-bond-lacp.txt']) {
      expectParseError(() => parseIpLinkBridges(net(f)), 'bridges');
    }
    // Each facter line on its own: only ens160 could be a bridge by its looks (ether, no bonding flag).
    const verdicts = net('facter-ip-o-link-show.txt')
      .split('\n')
      .map((line) => {
        try {
          return parseIpLinkBridges(line);
        } catch {
          return 'not a bridge';
        }
      });
    expect(verdicts).toEqual(['not a bridge', ['ens160'], 'not a bridge', 'not a bridge', 'not a bridge', 'not a bridge']);
  });

  it('the multi-line `ip link show` form parses to the same shape', () => {
    const links = parseIpOLink(net('facter-ip-link-show.txt'));
    expect(links.map((l) => [l.name, l.mtu, l.linkType, l.address, l.state])).toEqual([
      ['lo', 65536, 'loopback', '00:00:00:00:00:00', 'UNKNOWN'],
      ['ens160', 1500, 'ether', '00:50:56:9a:cb:a4', 'UP'],
    ]);
  });

  it('`ip -s link` with an 802.3ad bond, Open vSwitch and tunnels ("@NONE" peers stripped)', () => {
    const links = parseIpOLink(net('insights-ip-s-link-all-bond-lacp.txt'));
    expect(links).toHaveLength(14);
    expect(links.filter((l) => l.master === 'bond0').map((l) => [l.name, l.mtu])).toEqual([
      ['eth0_1', 9000],
      ['eth0_2', 9000],
    ]);
    expect(links.find((l) => l.name === 'vxlan_sys_4789')).toMatchObject({ master: 'ovs-system', mtu: 65520 });
    expect(links.filter((l) => l.peer !== null).map((l) => [l.name, l.peer, l.linkType])).toEqual([
      ['gre0', 'NONE', 'gre'],
      ['gretap0', 'NONE', 'ether'],
      ['gre1', 'NONE', 'gre'],
    ]);
    // br-int / br-tun are Open vSwitch bridges (kind "openvswitch"), not kernel bridges.
    expect(net('insights-ip-s-link-all-bond-lacp.txt')).toMatch(/^9: br-int: .*\n.*\n\s+openvswitch /m);
    expect(links.find((l) => l.name === 'br-int')).toMatchObject({ mtu: 8950, flags: ['BROADCAST', 'MULTICAST'] });
  });

  it('`ip -d -s link` with an active-backup bond: details and altnames do not disturb the header fields', () => {
    const links = parseIpOLink(net('insights-ip-d-s-link-bond.txt'));
    expect(links.map((l) => [l.name, l.master, l.flags.includes('SLAVE'), l.flags.includes('MASTER')])).toEqual([
      ['lo', null, false, false],
      ['enp1s0', 'bond0', true, false],
      ['enp2s0', 'bond0', true, false],
      ['bond0', null, false, true],
    ]);
    // enp2s0 carries the bond's MAC (its own is in permaddr).
    expect(links.find((l) => l.name === 'enp2s0')?.address).toBe('52:54:00:36:37:ea');
  });

  it('a non-link line is a ParseError', () => {
    expectParseError(() => parseIpOLink(net('insights-brctl-show.txt')), 'ip-link');
  });
});
