import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { HostSpec, Scenario } from './lab.js';

/** test/fixtures, from src (vitest) or dist (compiled demo). */
const FIXTURES = fileURLToPath(new URL(import.meta.url.includes('/dist/') ? '../../../test/fixtures/' : '../fixtures/', import.meta.url));
export const cpuinfo = (name: string): string => join(FIXTURES, 'cpuinfo', name);

export interface Dom {
  name: string;
  uuid: string;
  memMiB?: number;
  vcpus?: number;
  /** Test-driver run state: running (default) or shut off. */
  state?: 'running' | 'shutoff';
  /** Interfaces: `br:NAME` (type bridge) or `net:NAME` (type network). Default br:br0. */
  nics?: string[];
  /** Disks: an image path (file disk, qcow2, cache=none), or a path with its cache mode / read-only cdrom. */
  disks?: (string | Disk)[];
  cpuMode?: 'host-passthrough' | 'host-model' | 'custom';
  /** <cpu><model> (custom mode). */
  cpuModel?: string;
}

/** A file disk: qcow2 with cache=none unless told otherwise; a cdrom is raw and read-only. */
export interface Disk {
  path: string;
  cache?: string;
  cdrom?: boolean;
  format?: 'qcow2' | 'raw';
}

export interface Net {
  name: string;
  bridge: string;
  forward?: 'nat' | 'bridge' | 'route';
}

export interface Pool {
  name: string;
  path: string;
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/'/g, '&apos;').replace(/"/g, '&quot;');

/** libvirt test-driver node XML: domains, networks and pools as `virsh` will show them. */
export function nodeXml(domains: readonly Dom[], networks: readonly Net[] = [], pools: readonly Pool[] = []): string {
  const nic = (n: string): string =>
    n.startsWith('net:')
      ? `      <interface type='network'><source network='${esc(n.slice(4))}'/></interface>`
      : `      <interface type='bridge'><source bridge='${esc(n.replace(/^br:/, ''))}'/></interface>`;
  const disk = (d: string | Disk, i: number): string => {
    const { path, cache = 'none', cdrom = false, format = 'qcow2' } = typeof d === 'string' ? { path: d } : d;
    return cdrom
      ? `      <disk type='file' device='cdrom'><driver name='qemu' type='raw'/><source file='${esc(path)}'/><target dev='sd${String.fromCharCode(97 + i)}' bus='sata'/><readonly/></disk>`
      : `      <disk type='file' device='disk'><driver name='qemu' type='${format}' cache='${esc(cache)}'/><source file='${esc(path)}'/><target dev='vd${String.fromCharCode(97 + i)}' bus='virtio'/></disk>`;
  };
  const cpu = (d: Dom): string =>
    d.cpuMode ? `\n    <cpu mode='${d.cpuMode}'>${d.cpuModel ? `<model fallback='forbid'>${esc(d.cpuModel)}</model>` : ''}</cpu>` : '';
  const dom = (d: Dom): string => `  <domain type='test' xmlns:test='http://libvirt.org/schemas/domain/test/1.0'>
    <name>${esc(d.name)}</name>
    <uuid>${d.uuid}</uuid>
    <memory unit='MiB'>${d.memMiB ?? 1024}</memory>
    <vcpu>${d.vcpus ?? 1}</vcpu>
    <os><type arch='x86_64' machine='pc-q35-7.2'>hvm</type></os>${cpu(d)}
    <devices>
${[...(d.disks ?? []).map(disk), ...(d.nics ?? ['br:br0']).map(nic)].join('\n')}
    </devices>${d.state === 'shutoff' ? "\n    <test:runstate>5</test:runstate>" : ''}
  </domain>`;
  // libvirt wants an address on NAT and routed networks (the host side of the virtual LAN).
  const net = (n: Net, i: number): string => `  <network>
    <name>${esc(n.name)}</name>
    <bridge name='${esc(n.bridge)}'/>${n.forward ? `\n    <forward mode='${n.forward}'/>` : ''}${
      n.forward === 'nat' || n.forward === 'route' ? `\n    <ip address='192.168.${122 + i}.1' netmask='255.255.255.0'/>` : ''
    }
  </network>`;
  const pool = (p: Pool): string => `  <pool type='dir'>
    <name>${esc(p.name)}</name>
    <capacity unit='GiB'>500</capacity>
    <target><path>${esc(p.path)}</path></target>
  </pool>`;
  return `<node>\n${[...domains.map(dom), ...networks.map(net), ...pools.map(pool)].join('\n')}\n</node>\n`;
}

const XEON_V4 = 'xeon-e5-2690v4-bl460-excerpt.cpuinfo';
const LAB_VM = 'lab-machine-xeon-2core.cpuinfo';
const CORE2_NO_NX = 'core2quad-q6600-nx-off.cpuinfo';

/** The image pool lives on the shared storage (hv3 has it elsewhere). */
const IMAGES: Pool = { name: 'images', path: '/srv/vmstore' };
/** Local images (block and cold moves copy them): a pool on hv1 and hv2, none on hv7. */
const LOCAL: Pool = { name: 'local', path: '/srv/local' };
/** Where save images go (--save-dir): private on hv1 and hv2, world-readable and small on hv3. */
export const SAVE_DIR = '/srv/save';
const MiB = 1024 * 1024;
const DEFAULT_NET: Net = { name: 'default', bridge: 'virbr0', forward: 'nat' };
const SHARED = { from: 'nas', export: 'vmstore', at: '/srv/vmstore' } as const;
/** The source's /etc/machine-id; hv3 is a clone that kept it. */
const HV1_MACHINE_ID = '5b1f0c1e2a9d4f7e8c3b6a5d4e3f2a10';

/** A destination's firewall: SSH and the QEMU migration range from the lab network only. */
const migrationFirewall = (ip: (h: string) => string): string => `table inet filter {
  chain input {
    type filter hook input priority filter; policy drop;
    ct state established,related accept
    iif "lo" accept
    ip saddr ${ip('hv1').replace(/\.\d+$/, '.0')}/24 tcp dport { 22, 49152-49215 } accept
  }
}
`;

const hv1: HostSpec = {
  name: 'hv1',
  cpuinfo: cpuinfo(XEON_V4),
  bridges: ['br0'],
  machineId: HV1_MACHINE_ID,
  mounts: [SHARED],
  // Real local images (16 MiB allocated of a 1 GiB sparse qcow2-sized file) for the block-copy figures.
  files: [
    { path: '/srv/local/local01.qcow2', allocated: 16 * MiB, size: 1024 * MiB },
    { path: '/srv/local/blk01.qcow2', allocated: 32 * MiB, size: 2048 * MiB },
    { path: '/srv/local/raw01.img', allocated: 8 * MiB, size: 20 * 1024 * MiB },
  ],
  dirs: [{ path: SAVE_DIR, sizeMiB: 8192, mode: 0o700 }],
  nodeXml: nodeXml(
    [
      {
        name: 'web01',
        uuid: '6695eb01-f6a4-8304-79aa-97f2502e193f',
        memMiB: 2048,
        vcpus: 2,
        nics: ['br:br0', 'net:default'],
        disks: ['/srv/vmstore/web01.qcow2', '/srv/vmstore/web01-data.qcow2', { path: '/srv/vmstore/install.iso', cdrom: true }],
      },
      { name: 'db01', uuid: '6695eb01-f6a4-8304-79aa-97f2502e1940', memMiB: 2048, vcpus: 2, cpuMode: 'host-passthrough', disks: ['/srv/vmstore/db01.qcow2'] },
      { name: 'old-test', uuid: '6695eb01-f6a4-8304-79aa-97f2502e1941', state: 'shutoff' },
      // Shut off, so only -d big01 moves it: more memory and vCPUs than any lab host has.
      { name: 'big01', uuid: '6695eb01-f6a4-8304-79aa-97f2502e1942', state: 'shutoff', memMiB: 65536, vcpus: 16 },
      { name: 'lab01', uuid: '6695eb01-f6a4-8304-79aa-97f2502e1943', state: 'shutoff', nics: ['br:br-storage'] },
      // Shut off, moved only with -d: one problem each for the per-domain rules.
      { name: 'local01', uuid: '6695eb01-f6a4-8304-79aa-97f2502e1944', state: 'shutoff', disks: ['/srv/vmstore/local01-os.qcow2', '/srv/local/local01.qcow2'] },
      { name: 'cache01', uuid: '6695eb01-f6a4-8304-79aa-97f2502e1945', state: 'shutoff', disks: [{ path: '/srv/vmstore/cache01.qcow2', cache: 'writeback' }, { path: '/srv/vmstore/tools.iso', cdrom: true }] },
      { name: 'model01', uuid: '6695eb01-f6a4-8304-79aa-97f2502e1946', state: 'shutoff', cpuMode: 'custom', cpuModel: 'Skylake-Server-IBRS' },
      // Shut off, moved only with -d and a --mode: all-local disks (qcow2: 32 MiB allocated), and a raw one of 20 GiB virtual size.
      { name: 'blk01', uuid: '6695eb01-f6a4-8304-79aa-97f2502e1947', state: 'shutoff', memMiB: 1024, disks: ['/srv/local/blk01.qcow2'] },
      { name: 'raw01', uuid: '6695eb01-f6a4-8304-79aa-97f2502e1948', state: 'shutoff', disks: [{ path: '/srv/local/raw01.img', format: 'raw' }] },
    ],
    [DEFAULT_NET],
    [IMAGES, LOCAL],
  ),
};

/** SSH from anywhere, but the QEMU migration range is dropped. */
const MIGRATION_DROP = `table inet filter {
  chain input {
    type filter hook input priority filter; policy accept;
    tcp dport 49152-49215 drop
  }
}
`;

/**
 * The standard lab. hv1 -> hv2 is a clean pair on every rule. hv3 is a bad destination for
 * almost every reason at once (each rule's message says which). hv4 answers but runs no sshd;
 * hv5 reports i686; hv6 accepts SSH only from hv2 (reach it with -J hv2); hv7 is a nested host
 * (no vmx) with another CPU model; nas serves the shared storage over SFTP (sshfs).
 */
export const STANDARD: Scenario = {
  hosts: [
    { name: 'nas', cpuinfo: cpuinfo(LAB_VM), nodeXml: nodeXml([]), exports: ['vmstore', 'other'] },
    hv1,
    {
      name: 'hv2',
      cpuinfo: cpuinfo(XEON_V4),
      bridges: ['br0'],
      mounts: [SHARED],
      nft: migrationFirewall,
      // Room for blk01 (32 MiB) but not for raw01 (20 GiB virtual, raw).
      dirs: [
        { path: '/srv/local', sizeMiB: 1024, mode: 0o755 },
        { path: SAVE_DIR, sizeMiB: 8192, mode: 0o700 },
      ],
      nodeXml: nodeXml([{ name: 'mail01', uuid: 'a1c0ffee-0000-4000-8000-000000000002' }], [DEFAULT_NET], [IMAGES, LOCAL]),
    },
    {
      name: 'hv3',
      cpuinfo: cpuinfo(CORE2_NO_NX),
      machineId: HV1_MACHINE_ID,
      loopbackHostname: true,
      clockOffset: '+300s',
      mounts: [{ ...SHARED, export: 'other' }],
      // No /srv/local; a save directory anyone can read, too small for web01's 2 GiB.
      dirs: [{ path: SAVE_DIR, sizeMiB: 512, mode: 0o755 }],
      nft: MIGRATION_DROP,
      nodeXml: nodeXml(
        [{ name: 'web01', uuid: '6695eb01-f6a4-8304-79aa-97f2502e193f', state: 'shutoff' }],
        [{ ...DEFAULT_NET, bridge: 'virbr1' }],
        [{ ...IMAGES, path: '/data/images' }],
      ),
    },
    { name: 'hv4', cpuinfo: cpuinfo(XEON_V4), nodeXml: nodeXml([]), noSshd: true },
    // A 32-bit personality (setarch i686): uname -m says i686, as on a 32-bit host kernel.
    { name: 'hv5', cpuinfo: cpuinfo(XEON_V4), arch: 'i686', bridges: ['br0'], nodeXml: nodeXml([]) },
    // Behind a bastion: SSH only from hv2 (a real nftables ruleset drops everyone else).
    {
      name: 'hv6',
      cpuinfo: cpuinfo(XEON_V4),
      bridges: ['br0'],
      nodeXml: nodeXml([]),
      nft: (ip) => `table inet filter {
  chain input {
    type filter hook input priority 0; policy accept;
    tcp dport 22 ip saddr != ${ip('hv2')} drop
  }
}
`,
    },
    // /srv/local exists but no pool targets it: libvirt cannot create a missing image there in a block migration.
    { name: 'hv7', cpuinfo: cpuinfo(LAB_VM), bridges: ['br0'], mounts: [SHARED], dirs: [{ path: '/srv/local', sizeMiB: 1024, mode: 0o755 }], nodeXml: nodeXml([], [DEFAULT_NET], [IMAGES]) },
  ],
};

/** A domain name built to break out of any shell quoting it meets (issue: quote every value). */
export const HOSTILE_DOMAINS = ["x'; touch mp-pwned-1; '", '$(touch mp-pwned-2)', 'a"b`touch mp-pwned-3`'] as const;

const plain = (name: string, extra: Partial<HostSpec> = {}): HostSpec => ({
  name,
  cpuinfo: cpuinfo(XEON_V4),
  bridges: ['br0'],
  nodeXml: nodeXml([{ name: `${name}-vm`, uuid: `0000${name.padEnd(4, '0').slice(0, 4).replace(/[^0-9a-f]/g, 'a')}-0000-4000-8000-000000000001` }], [DEFAULT_NET], [IMAGES]),
  ...extra,
});

/**
 * A /proc/cpuinfo a hostile or broken host could serve: a real CPU block, then terminal escapes
 * (colour, OSC 8 hyperlink, title), HTML and XML breakers, NUL, invalid UTF-8, and padding to
 * well past the per-probe cap (4 MiB).
 */
export function hostileCpuinfo(): Buffer {
  const real = readFileSync(cpuinfo(XEON_V4));
  const evil = Buffer.concat([
    Buffer.from('bugs\t\t: <script>alert(1)</script> </pre><img src=x onerror=alert(2)> ]]> & "q" \u001b[31mRED\u001b[0m \u001b]8;;http://evil.example/\u0007link\u001b]8;;\u0007 \u001b]0;pwned-title\u0007 '),
    Buffer.from([0x00, 0x4e, 0x55, 0x4c, 0x20, 0xff, 0xfe, 0xc3, 0x28, 0x0a]),
  ]);
  const pad = Buffer.from(`padding\t: ${'x'.repeat(1000)}\n`);
  return Buffer.concat([real.subarray(0, real.indexOf('bogomips')), evil, ...Array.from({ length: 5200 }, () => pad), real.subarray(real.indexOf('bogomips'))]);
}

/**
 * Hosts that misbehave: read-only twins (ro-a, ro-b) of a plain pair (a, b); a host without virsh
 * and nft (bare); one whose libvirt socket accepts and never answers (hung); one with non-root
 * users whose sudo wants a password or not (sudo); one whose domain name is a shell injection (evil).
 */
export const FAULTS: Scenario = {
  hosts: [
    plain('a'),
    plain('b'),
    plain('ro-a', { readOnly: true }),
    plain('ro-b', { readOnly: true }),
    plain('bare', { removeCommands: ['virsh', 'nft', 'iptables-save'] }),
    // No iptables at all (many current hosts): the firewall verdict rests on nftables alone.
    plain('nft-open', { removeCommands: ['iptables-save'], nft: MIGRATION_DROP.replace('drop', 'accept') }),
    plain('nft-drop', { removeCommands: ['iptables-save'], nft: MIGRATION_DROP }),
    plain('hung', { hungSocket: true }),
    plain('loud', { cpuinfo: hostileCpuinfo() }),
    plain('sudo', { users: [{ name: 'ops', sudo: 'password' }, { name: 'opsnp', sudo: 'nopasswd' }] }),
    // sshd drops every new connection while one waits to authenticate (MaxStartups 1).
    plain('busy', { maxStartups: 1 }),
    {
      ...plain('evil'),
      nodeXml: nodeXml(
        HOSTILE_DOMAINS.map((name, i) => ({ name, uuid: `0e0e0e0e-0000-4000-8000-00000000000${i}` })),
        [DEFAULT_NET],
        [IMAGES],
      ),
    },
  ],
};
