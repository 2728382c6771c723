/**
 * The libvirt XML and `virsh version` parsers on what the REAL virsh (Debian's libvirt-clients)
 * prints for libvirt's test driver: a node XML is written to a temp dir and queried with
 * `virsh -c test:///<dir>/node.xml dumpxml|net-dumpxml|pool-dumpxml|version`. No libvirtd needed.
 * Plus unit conversion (cross-checked against libvirt's own), compareVersions and hostile input.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DomainDisk } from '../../src/model/libvirt.js';
import {
  compareVersions,
  parseDomainXmlList,
  parseNetworkXmlList,
  parsePoolXmlList,
  parseVirshVersion,
} from '../../src/checks/probes/libvirt-xml.js';
import { parseErrorOf } from './parse-error-of.js';

const HAVE_VIRSH = spawnSync('virsh', ['--version'], { encoding: 'utf8' }).status === 0;
if (!HAVE_VIRSH) {
  console.warn(
    '\n!!! VIRSH MISSING: `virsh --version` failed.\n' +
      '!!! The libvirt test-driver tests are SKIPPED (not passed). Install libvirt-clients (Debian) to run them.\n',
  );
}

/** Memory units as written in the node XML, and the KiB libvirt itself stores (checked below against virsh). */
const MEMORY_UNITS: readonly (readonly [unit: string | null, value: string, kib: number])[] = [
  [null, '131072', 131072], // no unit: KiB
  ['b', '1000000001', 976563], // rounded up, as libvirt does
  ['bytes', '2097152', 2048],
  ['KB', '500000', 488282], // KB = 1000 bytes
  ['k', '65536', 65536],
  ['KiB', '65536', 65536],
  ['MB', '1000', 976563],
  ['M', '512', 524288],
  ['MiB', '1024', 1048576],
  ['GB', '4', 3906250],
  ['G', '2', 2097152],
  ['GiB', '1', 1048576],
  ['gib', '3', 3145728], // case-insensitive
  ['TB', '1', 976562500],
  ['T', '1', 1073741824],
  ['TiB', '1', 1073741824],
];

const memDomain = (i: number): string => {
  const [unit, value] = MEMORY_UNITS[i] as (typeof MEMORY_UNITS)[number];
  return `<domain type='test'><name>mem-${i}</name><memory${unit === null ? '' : ` unit='${unit}'`}>${value}</memory><vcpu>1</vcpu><os><type>hvm</type></os></domain>`;
};

const NODE_XML = `<node>
  <domain type='test'>
    <name>web1</name>
    <uuid>6695eb01-f6a4-8304-79aa-97f2502e193f</uuid>
    <memory unit='MiB'>2048</memory>
    <currentMemory unit='MiB'>1024</currentMemory>
    <vcpu current='2'>4</vcpu>
    <os><type arch='x86_64' machine='pc-q35-7.2'>hvm</type></os>
    <cpu mode='host-passthrough' check='none' migratable='on'/>
    <devices>
      <disk type='file' device='disk'>
        <driver name='qemu' type='qcow2' cache='none'/>
        <source file='/var/lib/libvirt/images/web1.qcow2'/>
        <target dev='vda' bus='virtio'/>
      </disk>
      <disk type='file' device='cdrom'>
        <driver name='qemu' type='raw' cache='writethrough'/>
        <source file='/srv/iso/debian-12.iso'/>
        <target dev='sda' bus='sata'/>
        <readonly/>
      </disk>
      <disk type='block' device='disk'>
        <driver name='qemu' type='raw' cache='directsync'/>
        <source dev='/dev/vg0/shared'/>
        <target dev='vdb' bus='virtio'/>
        <shareable/>
      </disk>
      <interface type='bridge'>
        <mac address='52:54:00:AA:BB:01'/>
        <source bridge='br0'/>
        <model type='virtio'/>
      </interface>
      <interface type='network'>
        <mac address='52:54:00:aa:bb:02'/>
        <source network='default'/>
      </interface>
    </devices>
  </domain>
  <domain type='test'>
    <name>db1</name>
    <uuid>8F4B4A3E-3C1D-4D7E-9D0B-2F2A7C1E5A10</uuid>
    <memory unit='GB'>4</memory>
    <vcpu>2</vcpu>
    <os><type arch='x86_64' machine='pc-i440fx-7.2'>hvm</type></os>
    <cpu mode='custom' match='exact'>
      <model fallback='forbid'>Haswell-noTSX</model>
      <feature policy='require' name='vmx'/>
      <feature policy='disable' name='hle'/>
    </cpu>
    <devices>
      <disk type='file' device='disk'>
        <driver name='qemu' type='raw' cache='writeback'/>
        <source file='/mnt/shared/db1.img'/>
        <target dev='vda' bus='virtio'/>
      </disk>
      <disk type='volume' device='disk'>
        <driver name='qemu' type='qcow2' cache='unsafe'/>
        <source pool='shared' volume='db1-data.qcow2'/>
        <target dev='vdb' bus='virtio'/>
      </disk>
      <disk type='network' device='disk'>
        <driver name='qemu' type='raw' cache='none'/>
        <source protocol='rbd' name='rbdpool/db1-log'>
          <host name='ceph-mon1.example' port='6789'/>
          <host name='ceph-mon2.example' port='6789'/>
        </source>
        <target dev='vdc' bus='virtio'/>
      </disk>
      <interface type='bridge'>
        <mac address='52:54:00:aa:bb:03'/>
        <source bridge='br-storage'/>
        <virtualport type='openvswitch'/>
      </interface>
    </devices>
  </domain>
  <domain type='test'>
    <name>odd &amp; co</name>
    <uuid>27e4c3c9-bad4-4463-a76d-48493b863bc2</uuid>
    <memory unit='b'>1000000001</memory>
    <currentMemory unit='KB'>500000</currentMemory>
    <vcpu>1</vcpu>
    <os><type>hvm</type></os>
    <cpu><topology sockets='1' cores='1' threads='1'/></cpu>
    <devices>
      <disk type='file' device='disk'>
        <source file="/srv/it's &amp; &lt;odd&gt; &quot;x&quot;.img"/>
        <target dev='vda'/>
      </disk>
      <interface type='direct'>
        <mac address='52:54:00:aa:bb:04'/>
        <source dev='eth0' mode='bridge'/>
      </interface>
    </devices>
  </domain>
  ${MEMORY_UNITS.map((_, i) => memDomain(i)).join('\n  ')}
  <network>
    <name>default</name>
    <uuid>dd8fe884-6c02-601e-7551-cca97df1c5df</uuid>
    <forward/>
    <bridge name='virbr0' stp='on' delay='0'/>
    <ip address='192.168.122.1' netmask='255.255.255.0'/>
  </network>
  <network>
    <name>isolated</name>
    <uuid>f58a1948-9ad6-48fc-ac53-28813d8d6a2e</uuid>
    <bridge name='virbr9'/>
  </network>
  <network>
    <name>host-bridge</name>
    <uuid>cb149844-cbb4-442c-8dba-980ee9400c1d</uuid>
    <forward mode='bridge'/>
    <bridge name='br0'/>
  </network>
  <network>
    <name>macvtap</name>
    <uuid>89a66e20-4719-4d03-89fb-9d95f587664d</uuid>
    <forward mode='bridge'><interface dev='eth1'/></forward>
  </network>
  <pool type='dir'>
    <name>images</name>
    <uuid>35bb2ad9-388a-cdfe-461a-b8907f6e53fe</uuid>
    <target><path>/var/lib/libvirt/images</path></target>
  </pool>
  <pool type='netfs'>
    <name>shared</name>
    <uuid>645faf28-0172-44e6-a587-b95f7d332e60</uuid>
    <source>
      <host name='nfs.example'/>
      <dir path='/export/vms'/>
      <format type='nfs'/>
    </source>
    <target><path>/mnt/shared</path></target>
  </pool>
  <pool type='logical'>
    <name>vg</name>
    <uuid>8d0b7477-ef38-4f87-9a05-cc8054191068</uuid>
    <source><device path='/dev/sdb'/><device path='/dev/sdc'/><name>vg0</name><format type='lvm2'/></source>
    <target><path>/dev/vg0</path></target>
  </pool>
</node>
`;

const disk = (over: Partial<DomainDisk>): DomainDisk => ({
  type: 'file',
  device: 'disk',
  source: null,
  pool: null,
  volume: null,
  protocol: null,
  format: null,
  cache: null,
  readonly: false,
  shareable: false,
  target: null,
  ...over,
});


describe.skipIf(!HAVE_VIRSH)('real virsh output from the libvirt test driver', () => {
  let dir = '';
  let uri = '';
  const virsh = (...args: string[]): string => execFileSync('virsh', ['-c', uri, ...args], { encoding: 'utf8' });
  /** The probes' shell loop: one dumpxml per listed name, outputs simply concatenated. */
  const loop = (listCmd: string, dumpCmd: string): string =>
    execFileSync('sh', ['-c', `virsh -c "$URI" ${listCmd} --all --name | while read -r n; do if [ -n "$n" ]; then virsh -c "$URI" ${dumpCmd} "$n"; fi; done`], {
      encoding: 'utf8',
      env: { ...process.env, URI: uri },
    });

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'mp-libvirt-xml-'));
    writeFileSync(join(dir, 'node.xml'), NODE_XML);
    uri = `test://${join(dir, 'node.xml')}`;
  });
  afterAll(() => {
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  it('dumpxml web1: host-passthrough, cache modes, readonly cdrom, shareable block disk, bridge + network NICs', () => {
    const text = virsh('dumpxml', 'web1');
    expect(text).toContain("<memory unit='KiB'>2097152</memory>"); // libvirt normalised MiB to KiB
    expect(parseDomainXmlList(text)).toEqual([
      {
        name: 'web1',
        uuid: '6695eb01-f6a4-8304-79aa-97f2502e193f',
        virtType: 'test',
        memoryKiB: 2097152,
        currentMemoryKiB: 1048576,
        vcpus: 4,
        arch: 'x86_64',
        machine: 'pc-q35-7.2',
        cpuMode: 'host-passthrough',
        cpuModel: null,
        cpuCheck: 'none',
        cpuMatch: null,
        cpuVendor: null,
        cpuFallback: null,
        cpuFeatures: [],
        interfaces: [
          { type: 'bridge', bridge: 'br0', network: null, dev: null, mac: '52:54:00:aa:bb:01', virtualport: null },
          { type: 'network', bridge: null, network: 'default', dev: null, mac: '52:54:00:aa:bb:02', virtualport: null },
        ],
        // libvirt reorders disks by bus and target: the sata cdrom moved after the virtio disks.
        disks: [
          disk({ source: '/var/lib/libvirt/images/web1.qcow2', format: 'qcow2', cache: 'none', target: 'vda' }),
          disk({ type: 'block', source: '/dev/vg0/shared', format: 'raw', cache: 'directsync', shareable: true, target: 'vdb' }),
          disk({ device: 'cdrom', source: '/srv/iso/debian-12.iso', format: 'raw', cache: 'writethrough', readonly: true, target: 'sda' }),
        ],
        blockers: [],
        hugepages: null,
        graphics: [],
      },
    ]);
  });

  it('dumpxml db1: custom model with features, volume and rbd network disks, OVS virtualport', () => {
    const [d, ...rest] = parseDomainXmlList(virsh('dumpxml', 'db1'));
    expect(rest).toEqual([]);
    expect(d).toEqual({
      name: 'db1',
      uuid: '8f4b4a3e-3c1d-4d7e-9d0b-2f2a7c1e5a10',
      virtType: 'test',
      memoryKiB: 3906250, // 4 GB = 4e9 bytes
      currentMemoryKiB: 3906250,
      vcpus: 2,
      arch: 'x86_64',
      machine: 'pc-i440fx-7.2',
      cpuMode: 'custom',
      cpuModel: 'Haswell-noTSX',
      cpuCheck: null,
      cpuMatch: 'exact',
      cpuVendor: null,
      cpuFallback: 'forbid',
      cpuFeatures: [
        { name: 'vmx', policy: 'require' },
        { name: 'hle', policy: 'disable' },
      ],
      interfaces: [{ type: 'bridge', bridge: 'br-storage', network: null, dev: null, mac: '52:54:00:aa:bb:03', virtualport: 'openvswitch' }],
      disks: [
        disk({ source: '/mnt/shared/db1.img', format: 'raw', cache: 'writeback', target: 'vda' }),
        disk({ type: 'volume', source: 'shared/db1-data.qcow2', pool: 'shared', volume: 'db1-data.qcow2', format: 'qcow2', cache: 'unsafe', target: 'vdb' }),
        disk({ type: 'network', source: 'rbd://ceph-mon1.example/rbdpool/db1-log', protocol: 'rbd', format: 'raw', cache: 'none', target: 'vdc' }),
      ],
      blockers: [],
      hugepages: null,
      graphics: [],
    });
  });

  it('dumpxml "odd & co": entities in names and paths, direct NIC, <cpu> without mode, b/KB units rounded up', () => {
    const text = virsh('dumpxml', 'odd & co');
    expect(text).toContain("<source file='/srv/it&apos;s &amp; &lt;odd&gt; &quot;x&quot;.img'/>");
    expect(text).toMatch(/<cpu>\s*<topology/); // libvirt prints no mode for the default (custom)
    const [d] = parseDomainXmlList(text);
    expect(d?.name).toBe('odd & co');
    expect([d?.memoryKiB, d?.currentMemoryKiB]).toEqual([976563, 488282]);
    expect([d?.arch, d?.machine, d?.cpuMode, d?.cpuModel]).toEqual(['i686', null, 'custom', null]);
    expect(d?.disks).toEqual([disk({ source: `/srv/it's & <odd> "x".img`, target: 'vda' })]);
    expect(d?.interfaces).toEqual([{ type: 'direct', bridge: null, network: null, dev: 'eth0', mac: '52:54:00:aa:bb:04', virtualport: null }]);
  });

  it('memory units: our conversion of the XML as written equals what libvirt itself stored', () => {
    for (const [i, [unit, value, kib]] of MEMORY_UNITS.entries()) {
      const label = `${value} ${unit ?? '(no unit)'}`;
      const ours = parseDomainXmlList(memDomain(i));
      expect(ours.map((d) => d.memoryKiB), label).toEqual([kib]);
      const libvirts = parseDomainXmlList(virsh('dumpxml', `mem-${i}`));
      expect(libvirts.map((d) => [d.name, d.memoryKiB, d.currentMemoryKiB]), label).toEqual([[`mem-${i}`, kib, kib]]);
    }
  });

  it('the shell loop over `list --all --name`: every domain, in virsh order, from one concatenated text', () => {
    const text = loop('list', 'dumpxml');
    expect(text.match(/^<domain /gm)).toHaveLength(3 + MEMORY_UNITS.length);
    const domains = parseDomainXmlList(text);
    expect(domains.map((d) => d.name)).toEqual(['web1', 'db1', 'odd & co', ...MEMORY_UNITS.map((_, i) => `mem-${i}`)]);
    expect(domains.map((d) => d.memoryKiB)).toEqual([2097152, 3906250, 976563, ...MEMORY_UNITS.map(([, , kib]) => kib)]);
    expect(domains.slice(0, 2)).toEqual([...parseDomainXmlList(virsh('dumpxml', 'web1')), ...parseDomainXmlList(virsh('dumpxml', 'db1'))]);
  });

  it('net-dumpxml: NAT (a bare <forward/> is nat), isolated, host bridge, macvtap without bridge', () => {
    expect(parseNetworkXmlList(virsh('net-dumpxml', 'default'))).toEqual([
      { name: 'default', uuid: 'dd8fe884-6c02-601e-7551-cca97df1c5df', bridge: 'virbr0', forwardMode: 'nat' },
    ]);
    expect(parseNetworkXmlList(loop('net-list', 'net-dumpxml'))).toEqual([
      { name: 'default', uuid: 'dd8fe884-6c02-601e-7551-cca97df1c5df', bridge: 'virbr0', forwardMode: 'nat' },
      { name: 'host-bridge', uuid: 'cb149844-cbb4-442c-8dba-980ee9400c1d', bridge: 'br0', forwardMode: 'bridge' },
      { name: 'isolated', uuid: 'f58a1948-9ad6-48fc-ac53-28813d8d6a2e', bridge: 'virbr9', forwardMode: null },
      { name: 'macvtap', uuid: '89a66e20-4719-4d03-89fb-9d95f587664d', bridge: null, forwardMode: 'bridge' },
    ]);
  });

  it('pool-dumpxml: dir, netfs (host + dir), logical (devices + VG name); the test driver reports 100 GiB', () => {
    const GiB100 = 107374182400;
    const sizes = { capacityBytes: GiB100, allocationBytes: 0, availableBytes: GiB100 };
    const noSource = { sourceHosts: [], sourceDir: null, sourceDevices: [], sourceName: null };
    expect(parsePoolXmlList(virsh('pool-dumpxml', 'images'))).toEqual([
      { name: 'images', uuid: '35bb2ad9-388a-cdfe-461a-b8907f6e53fe', type: 'dir', targetPath: '/var/lib/libvirt/images', ...noSource, ...sizes },
    ]);
    // pool-list --name pads names with spaces; `read -r n` (default IFS) strips them.
    expect(virsh('pool-list', '--all', '--name')).toMatch(/^images +$/m);
    expect(parsePoolXmlList(loop('pool-list', 'pool-dumpxml'))).toEqual([
      { name: 'images', uuid: '35bb2ad9-388a-cdfe-461a-b8907f6e53fe', type: 'dir', targetPath: '/var/lib/libvirt/images', ...noSource, ...sizes },
      {
        name: 'shared',
        uuid: '645faf28-0172-44e6-a587-b95f7d332e60',
        type: 'netfs',
        targetPath: '/mnt/shared',
        ...noSource,
        sourceHosts: ['nfs.example'],
        sourceDir: '/export/vms',
        ...sizes,
      },
      {
        name: 'vg',
        uuid: '8d0b7477-ef38-4f87-9a05-cc8054191068',
        type: 'logical',
        targetPath: '/dev/vg0',
        ...noSource,
        sourceDevices: ['/dev/sdb', '/dev/sdc'],
        sourceName: 'vg0',
        ...sizes,
      },
    ]);
  });

  it('version: library from `virsh --version`, hypervisor TEST 0.0.2', () => {
    const text = virsh('version');
    expect(text).toMatch(/^Using API: TEST /m);
    expect(parseVirshVersion(text)).toEqual({
      libvirt: execFileSync('virsh', ['--version'], { encoding: 'utf8' }).trim(),
      hypervisor: { name: 'TEST', version: '0.0.2' },
    });
  });

  it('version against a node file that does not exist: nothing on stdout, so a ParseError', () => {
    const r = spawnSync('virsh', ['-c', `test://${join(dir, 'missing.xml')}`, 'version'], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stdout.trim()).toBe('');
    expect(r.stderr).toMatch(/failed to connect to the hypervisor/);
    expect(parseErrorOf(() => parseVirshVersion(r.stdout)).probe).toBe('virsh-version');
  });
});

describe('units', () => {
  const dom = (memory: string) => `<domain><name>u</name>${memory}</domain>`;

  it('domain memory in every libvirt unit, to KiB (KB = 1000 bytes, KiB = k = 1024 bytes)', () => {
    const cases: [string, number][] = [
      ["<memory unit='b'>1024</memory>", 1],
      ["<memory unit='b'>1025</memory>", 2],
      ["<memory unit='bytes'>4096</memory>", 4],
      ["<memory unit='byte'>2048</memory>", 2],
      ["<memory unit='KB'>1024</memory>", 1000],
      ["<memory unit='k'>7</memory>", 7],
      ["<memory unit='KiB'>7</memory>", 7],
      ['<memory>7</memory>', 7],
      ["<memory unit=''>7</memory>", 7],
      ["<memory unit='MB'>1</memory>", 977],
      ["<memory unit='M'>1</memory>", 1024],
      ["<memory unit='MiB'>1</memory>", 1024],
      ["<memory unit='GB'>1</memory>", 976563],
      ["<memory unit='G'>1</memory>", 1048576],
      ["<memory unit='GiB'>1</memory>", 1048576],
      ["<memory unit='TB'>1</memory>", 976562500],
      ["<memory unit='T'>1</memory>", 1073741824],
      ["<memory unit='TiB'>1</memory>", 1073741824],
      ["<memory unit='PiB'>1</memory>", 1099511627776],
      ["<memory unit='mib'>1</memory>", 1024],
      ["<memory unit='mb'>1</memory>", 977],
      ["<memory unit='KIB'>1</memory>", 1],
    ];
    for (const [xml, kib] of cases) {
      expect(parseDomainXmlList(dom(xml)).map((d) => d.memoryKiB), xml).toEqual([kib]);
    }
  });

  it('currentMemory has its own unit, and defaults to memory when absent', () => {
    const [a] = parseDomainXmlList(dom("<memory unit='GiB'>2</memory><currentMemory unit='MiB'>512</currentMemory>"));
    expect([a?.memoryKiB, a?.currentMemoryKiB]).toEqual([2097152, 524288]);
    const [b] = parseDomainXmlList(dom("<memory unit='GiB'>2</memory>"));
    expect([b?.memoryKiB, b?.currentMemoryKiB, b?.vcpus, b?.cpuMode]).toEqual([2097152, 2097152, 1, null]);
  });

  it('pool sizes in bytes, default unit bytes', () => {
    const pool = (inner: string) => parsePoolXmlList(`<pool type='dir'><name>p</name>${inner}</pool>`)[0];
    expect(pool("<capacity>1000</capacity><allocation unit='KiB'>2</allocation><available unit='KB'>3</available>")).toMatchObject({
      capacityBytes: 1000,
      allocationBytes: 2048,
      availableBytes: 3000,
    });
    expect(pool("<capacity unit='T'>2</capacity><allocation unit='GB'>5</allocation><available unit='bytes'>0</available>")).toMatchObject({
      capacityBytes: 2199023255552,
      allocationBytes: 5000000000,
      availableBytes: 0,
    });
    expect(pool('')).toMatchObject({ capacityBytes: null, allocationBytes: null, availableBytes: null, targetPath: null, uuid: null });
  });

  it('unknown units and non-integers are ParseErrors naming the domain or pool', () => {
    for (const memory of ["<memory unit='KX'>1</memory>", "<memory unit='kibi'>1</memory>", "<memory unit='Q'>1</memory>", '<memory>1.5</memory>', '<memory>-1</memory>', '<memory></memory>']) {
      const e = parseErrorOf(() => parseDomainXmlList(dom(memory)));
      expect(e.probe, memory).toBe('virsh-domxml');
      expect(e.message, memory).toMatch(/^virsh-domxml: domain "u" <memory>: /);
    }
    const e = parseErrorOf(() => parsePoolXmlList("<pool type='dir'><name>p</name><capacity unit='XB'>1</capacity></pool>"));
    expect(e.message).toBe('virsh-pools: pool "p" <capacity>: unknown unit "XB"');
  });
});

describe('parseVirshVersion', () => {
  it('current virsh with QEMU', () => {
    expect(
      parseVirshVersion('Compiled against library: libvirt 9.0.0\nUsing library: libvirt 9.0.0\nUsing API: QEMU 9.0.0\nRunning hypervisor: QEMU 7.2.0\n'),
    ).toEqual({ libvirt: '9.0.0', hypervisor: { name: 'QEMU', version: '7.2.0' } });
  });

  it('old virsh ("Using API: QEMU 1.2.3"), CRLF line ends', () => {
    expect(
      parseVirshVersion('Compiled against library: libvirt 1.2.3\r\nUsing library: libvirt 1.2.3\r\nUsing API: QEMU 1.2.3\r\nRunning hypervisor: QEMU 1.5.3\r\n'),
    ).toEqual({ libvirt: '1.2.3', hypervisor: { name: 'QEMU', version: '1.5.3' } });
  });

  it('missing lines give null fields', () => {
    expect(parseVirshVersion('Compiled against library: libvirt 9.0.0\nUsing library: libvirt 9.0.0\n')).toEqual({ libvirt: '9.0.0', hypervisor: null });
    expect(parseVirshVersion('Compiled against library: libvirt 9.0.0\n')).toEqual({ libvirt: null, hypervisor: null });
    expect(parseVirshVersion('Using library: libvirt 10.1.0\nRunning hypervisor: Xen 4.17.0\n')).toEqual({
      libvirt: '10.1.0',
      hypervisor: { name: 'Xen', version: '4.17.0' },
    });
  });

  it('text without a "library: libvirt" line is a ParseError', () => {
    for (const text of ['', 'error: failed to connect to the hypervisor\n', 'Running hypervisor: QEMU 7.2.0\n', 'virsh: command not found\n']) {
      expect(parseErrorOf(() => parseVirshVersion(text)).probe, JSON.stringify(text)).toBe('virsh-version');
    }
  });
});

describe('compareVersions', () => {
  it.each([
    ['9.0.0', '10.1', -1],
    ['10.1', '9.0.0', 1],
    ['7.2.0', '7.2', 0],
    ['7.2', '7.2.0', 0],
    ['7.2.0', '7.2.1', -1],
    ['7.10.0', '7.9.9', 1],
    ['0.0.2', '0.0.2', 0],
    ['1.5.3', '1.2.3', 1],
    ['4.11.4-pre', '4.11.4', 0],
    ['8.2.0+ds', '8.1.3', 1],
  ] as const)('%s vs %s -> %d', (a, b, expected) => {
    expect(compareVersions(a, b)).toBe(expected);
  });

  it('rejects strings that do not start with a number', () => {
    expect(() => compareVersions('QEMU', '1.0')).toThrow(RangeError);
    expect(() => compareVersions('1.0', '')).toThrow(RangeError);
  });
});

describe('hostile and garbage input', () => {
  const good = "<domain><name>a</name><memory>1</memory></domain>";

  it('empty or whitespace-only text is an empty list for all three parsers', () => {
    for (const text of ['', '\n', '  \n\n']) {
      expect(parseDomainXmlList(text)).toEqual([]);
      expect(parseNetworkXmlList(text)).toEqual([]);
      expect(parsePoolXmlList(text)).toEqual([]);
    }
  });

  it('error text, truncated and mismatched XML are ParseErrors with the probe id', () => {
    const cases: [() => unknown, string][] = [
      [() => parseDomainXmlList("error: failed to get domain 'x'\n"), 'virsh-domxml'],
      [() => parseDomainXmlList(`${good}\nerror: failed to get domain 'y'\n`), 'virsh-domxml'],
      [() => parseDomainXmlList(good.slice(0, 30)), 'virsh-domxml'],
      [() => parseDomainXmlList('<domain><name>a</domain></name>'), 'virsh-domxml'],
      [() => parseDomainXmlList('<domain><name a=1>a</name></domain>'), 'virsh-domxml'],
      [() => parseDomainXmlList('<network><name>n</name></network>'), 'virsh-domxml'],
      [() => parseDomainXmlList('<domain><memory>1</memory></domain>'), 'virsh-domxml'],
      [() => parseDomainXmlList('<domain><name>a</name></domain>'), 'virsh-domxml'],
      [() => parseDomainXmlList("<domain><name>a</name><memory>1</memory><cpu><feature policy='require'/></cpu></domain>"), 'virsh-domxml'],
      [() => parseDomainXmlList(`${good}</mp-virsh-output><mp-virsh-output>${good}`), 'virsh-domxml'], // closing our wrapper early
      [() => parseNetworkXmlList('<network><name>n</name>'), 'virsh-nets'],
      [() => parseNetworkXmlList('<network><uuid>x</uuid></network>'), 'virsh-nets'],
      [() => parseNetworkXmlList(good), 'virsh-nets'],
      [() => parsePoolXmlList('<pool><name>p</name></pool>'), 'virsh-pools'],
      [() => parsePoolXmlList('pool-dumpxml: error'), 'virsh-pools'],
    ];
    for (const [fn, probe] of cases) {
      const e = parseErrorOf(fn);
      expect(e.probe, e.message).toBe(probe);
      expect(e.code).toBe('MP_PARSE');
    }
    expect(parseErrorOf(() => parseDomainXmlList('<domain><name>a</domain>')).message).toMatch(/^virsh-domxml: malformed XML at line 1, column \d+: /);
    expect(parseErrorOf(() => parseDomainXmlList('<network><name>n</name></network>')).message).toBe(
      'virsh-domxml: unexpected <network> at top level, expected only <domain> documents',
    );
  });

  it('entities: predefined and character references decode; undefined ones and bare & are rejected', () => {
    const [d] = parseDomainXmlList("<domain><name>a&amp;b &#65;&#x42; &lt;&gt;&apos;&quot;</name><memory>1</memory></domain>");
    expect(d?.name).toBe(`a&b AB <>'"`);
    expect(parseDomainXmlList("<domain><name>a&amp;lt;</name><memory>1</memory></domain>")[0]?.name).toBe('a&lt;'); // decoded once only
    for (const name of ['&lol;', 'a & b', '&#0;', '&#xD800;', '&#x110000;', '&nbsp;', '&constructor;', '&toString;']) {
      expect(parseErrorOf(() => parseDomainXmlList(`<domain><name>${name}</name><memory>1</memory></domain>`)).probe, name).toBe('virsh-domxml');
    }
  });

  it('billion laughs: a DTD with nested entities is refused before any expansion', () => {
    const lol = Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i};`.repeat(10)}">`).join('');
    const bomb = `<?xml version="1.0"?><!DOCTYPE domain [<!ENTITY lol0 "lol">${lol}]><domain><name>&lol9;</name><memory>1</memory></domain>`;
    const started = Date.now();
    const e = parseErrorOf(() => parseDomainXmlList(bomb));
    expect(e.message).toBe('virsh-domxml: DOCTYPE/ENTITY declarations are not accepted (virsh never prints them)');
    expect(Date.now() - started).toBeLessThan(1000);
    // The same behind a first, innocent document.
    expect(parseErrorOf(() => parseNetworkXmlList(`<network><name>n</name></network><!DOCTYPE x [<!ENTITY a "b">]>`)).probe).toBe('virsh-nets');
  });

  it('deep nesting is a ParseError, not a stack overflow; realistic depth (backing chains) is fine', () => {
    const deep = `<domain><name>a</name><memory>1</memory><metadata>${'<x>'.repeat(100_000)}${'</x>'.repeat(100_000)}</metadata></domain>`;
    const started = Date.now();
    expect(parseErrorOf(() => parseDomainXmlList(deep)).message).toMatch(/^virsh-domxml: unparsable XML: /);
    expect(Date.now() - started).toBeLessThan(5000);
    const chain = `${'<backingStore type="file"><source file="/b"/>'.repeat(150)}${'</backingStore>'.repeat(150)}`;
    const [d] = parseDomainXmlList(`<domain><name>a</name><memory>1</memory><devices><disk type="file"><source file="/top.qcow2"/>${chain}</disk></devices></domain>`);
    expect(d?.disks.map((x) => x.source)).toEqual(['/top.qcow2']);
  });

  it('many entity references in one value decode in linear time', () => {
    const [d] = parseDomainXmlList(`<domain><name>${'&amp;'.repeat(200_000)}</name><memory>1</memory></domain>`);
    expect(d?.name).toBe('&'.repeat(200_000));
  });

  it('JavaScript-reserved element names (prototype pollution) are ParseErrors', () => {
    expect(parseErrorOf(() => parseDomainXmlList(`${good}<__proto__><polluted>1</polluted></__proto__>`)).probe).toBe('virsh-domxml');
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });
});
