/**
 * Xen hosts for the lab. No Xen hypervisor can run on these machines, so each Xen host's `xl`
 * (or `xm`) is a scripted stand-in (lab.ts HostSpec.xen) that prints saved outputs:
 * - `info`: real `xl info` / `xm info` outputs of real hosts, unchanged (test/fixtures/xen).
 * - `list` and `list -l`: in the exact layout of real outputs (xl's column widths and tabs,
 *   libxl's JSON, xend's S-expressions, see test/fixtures/xen), with this lab's domain names,
 *   bridges and image paths, so that the rules have something to compare across hosts.
 * - xend-config.sxp: settings as in the real files there, with this lab's allow lists.
 * Everything else (bridges and their addresses, sshfs shared storage, routes, a listener on
 * xend's relocation port) is real.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { HostSpec, Scenario } from './lab.js';
import { cpuinfo, nodeXml } from './scenarios.js';

const XEN_FIXTURES = fileURLToPath(new URL(import.meta.url.includes('/dist/') ? '../../../test/fixtures/xen/' : '../fixtures/xen/', import.meta.url));
const real = (name: string): string => readFileSync(join(XEN_FIXTURES, name), 'utf8');

interface XenDom {
  name: string;
  id: number;
  memMiB: number;
  vcpus: number;
  state: string;
  type: 'hvm' | 'pv';
  disks: string[];
  bridges: string[];
}

/** `xl list` / `xm list`: the row layout of xl_list.c ("%-40s %5d %5lu %5d     %s %8.1f"); xl's header has tabs, xm's blanks. */
function xlList(doms: readonly XenDom[], dom0MiB: number, tool: 'xl' | 'xm' = 'xl'): string {
  const row = (name: string, id: number, mem: number, vcpus: number, state: string, time: number): string =>
    `${name.padEnd(40)} ${String(id).padStart(5)} ${String(mem).padStart(5)} ${String(vcpus).padStart(5)}     ${state} ${time.toFixed(1).padStart(9)}`;
  return [
    tool === 'xl' ? 'Name                                        ID   Mem VCPUs\tState\tTime(s)' : 'Name                                        ID   Mem VCPUs      State   Time(s)',
    row('Domain-0', 0, dom0MiB, 4, 'r-----', 4211.7),
    ...doms.map((d) => row(d.name, d.id, d.memMiB, d.vcpus, d.state, 352.4 + d.id)),
    '',
  ].join('\n');
}

const mac = (d: XenDom, i: number): string => `00:16:3e:${(d.id & 0xff).toString(16).padStart(2, '0')}:${i.toString(16).padStart(2, '0')}:01`;
const uuid = (d: XenDom): string => `5e1f0000-0000-4000-8000-${String(d.id).padStart(12, '0')}`;

/** `xl list -l`: libxl's JSON (an array of { domid, config: libxl_domain_config }). */
function xlListLong(doms: readonly XenDom[]): string {
  return `${JSON.stringify(
    doms.map((d) => ({
      domid: d.id,
      config: {
        c_info: { type: d.type, name: d.name, uuid: uuid(d), run_hotplug_scripts: 'True' },
        b_info: {
          max_vcpus: d.vcpus,
          avail_vcpus: Array.from({ length: d.vcpus }, (_, i) => i),
          max_memkb: d.memMiB * 1024,
          target_memkb: d.memMiB * 1024,
          ...(d.type === 'hvm' ? { 'type.hvm': { acpi: 'True', vga: { kind: 'cirrus' } } } : { 'type.pv': { bootloader: 'pygrub' } }),
        },
        disks: d.disks.map((p, i) => ({ pdev_path: p, vdev: `xvd${String.fromCharCode(97 + i)}`, backend: 'qdisk', format: 'raw', readwrite: 1 })),
        nics: d.bridges.map((b, i) => ({ devid: i, mac: mac(d, i), bridge: b, nictype: d.type === 'hvm' ? 'vif_ioemu' : undefined })),
        on_reboot: 'restart',
      },
    })),
    null,
    4,
  )}\n`;
}

/** `xm list -l`: xend's S-expression per domain, as in xm-list-l-3.3.1-centos5-pv-phy.txt. */
function xmListLong(doms: readonly XenDom[]): string {
  return doms
    .map((d) =>
      [
        '(domain',
        `    (domid ${d.id})`,
        `    (uuid ${uuid(d)})`,
        `    (vcpus ${d.vcpus})`,
        `    (name ${d.name})`,
        `    (maxmem ${d.memMiB})`,
        `    (memory ${d.memMiB})`,
        d.type === 'hvm' ? '    (image (hvm (kernel ) (device_model /usr/lib/xen/bin/qemu-dm)))' : '    (image (linux (kernel )))',
        `    (state ${d.state})`,
        ...d.bridges.map((b, i) => `    (device\n        (vif\n            (bridge ${b})\n            (mac ${mac(d, i)})\n            (script /etc/xen/scripts/vif-bridge)\n            (backend 0)\n        )\n    )`),
        ...d.disks.map(
          (p, i) => `    (device\n        (vbd\n            (dev xvd${String.fromCharCode(97 + i)}:disk)\n            (uname file:${p})\n            (mode w)\n            (backend 0)\n        )\n    )`,
        ),
        ')',
      ].join('\n'),
    )
    .join('\n')
    .concat('\n');
}

const LAB_VM = 'lab-machine-xeon-2core.cpuinfo';
/** Guest images on a real network filesystem (sshfs from xnas), mounted at the same path on the hosts that share it. */
const XEN_SHARED = { from: 'xnas', export: 'xenimg', at: '/srv/xenimg' } as const;

const WEB: XenDom = { name: 'web-x', id: 3, memMiB: 1024, vcpus: 2, state: '-b----', type: 'hvm', disks: ['/srv/xenimg/web-x.img'], bridges: ['xenbr0'] };
const DB: XenDom = { name: 'db-x', id: 4, memMiB: 2048, vcpus: 2, state: 'r-----', type: 'pv', disks: ['/srv/xenimg/db-x.img'], bridges: ['xenbr0', 'xenbr1'] };
const MAIL: XenDom = { name: 'mail-x', id: 5, memMiB: 1024, vcpus: 1, state: '-b----', type: 'pv', disks: ['/srv/xenimg/mail-x.img'], bridges: ['xenbr0'] };

function xl(name: string, info: string, doms: XenDom[], extra: Partial<HostSpec> = {}): HostSpec {
  return {
    name,
    cpuinfo: cpuinfo(LAB_VM),
    nodeXml: nodeXml([]),
    xen: { toolstack: 'xl', info: real(info), list: xlList(doms, 4096), listLong: xlListLong(doms) },
    ...extra,
  };
}

function xm(name: string, doms: XenDom[], xendConfig: string, extra: Partial<HostSpec> = {}): HostSpec {
  return {
    name,
    cpuinfo: cpuinfo(LAB_VM),
    nodeXml: nodeXml([]),
    xen: { toolstack: 'xm', info: real('xm-info-4.2.1-centos6.txt'), list: xlList(doms, 2048, 'xm'), listLong: xmListLong(doms), xendConfig },
    ...extra,
  };
}

/**
 * xen1 -> xen2: a clean xl pair (same Xen 4.13 host type, shared images, same subnets).
 * xen1 -> xen3: wrong in six ways: Xen 4.4.3 (older), 617 MiB free, a web-x of its own, no xenbr1,
 *   xenbr0 on another subnet, no shared image mount.
 * xen1 -> xen6: an Arm64 Xen (xen_caps without x86).
 * xen4 -> xen5: a clean xend pair (relocation server on 8002, listening, allow list admits xen4 by
 *   the name xen5 resolves its address to: the lab's /etc/hosts line "ADDR xen4.lab xen4" makes
 *   xend's socket.getfqdn give xen4.lab, so the list an operator writes for this lab is '^xen4\.lab$').
 * xen4 -> xen7: the same, but xen7's list names xen4 as its uname -n ('^xen4$'), which xend never
 *   matches: it refuses xen4.
 * xen5 -> xen4: xen4's xend admits every host (empty allow list) and nothing listens on 8002.
 * kvm1: a KVM (libvirt) host, for the refused KVM<->Xen pairs.
 */
export const XEN: Scenario = {
  hosts: [
    { name: 'xnas', cpuinfo: cpuinfo(LAB_VM), nodeXml: nodeXml([]), exports: ['xenimg'] },
    xl('xen1', 'xl-info-4.13.0-rc-fedora31-ryzen.txt', [WEB, DB], {
      bridges: ['xenbr0', 'xenbr1'],
      bridgeAddrs: { xenbr0: '192.168.10.11/24' },
      mounts: [XEN_SHARED],
    }),
    xl('xen2', 'xl-info-4.13.0-rc-fedora31-ryzen.txt', [{ name: 'app-x', id: 7, memMiB: 512, vcpus: 1, state: '-b----', type: 'pv', disks: ['/srv/xenimg/app-x.img'], bridges: ['xenbr0'] }], {
      bridges: ['xenbr0', 'xenbr1'],
      bridgeAddrs: { xenbr0: '192.168.10.12/24' },
      mounts: [XEN_SHARED],
    }),
    xl('xen3', 'xl-info-4.4.3-centos6.txt', [{ ...WEB, id: 2 }], {
      bridges: ['xenbr0'],
      bridgeAddrs: { xenbr0: '192.168.20.13/24' },
    }),
    xl('xen6', 'xl-info-4.16-unstable-aarch64-salvator-x.txt', [], {
      bridges: ['xenbr0', 'xenbr1'],
      bridgeAddrs: { xenbr0: '192.168.10.16/24' },
      mounts: [XEN_SHARED],
    }),
    xm('xen4', [MAIL], "(xend-relocation-server yes)\n(xend-relocation-hosts-allow '')\n(network-script network-bridge)\n(vif-script vif-bridge)\n(dom0-min-mem 196)\n", {
      bridges: ['xenbr0'],
      bridgeAddrs: { xenbr0: '192.168.10.14/24' },
      mounts: [XEN_SHARED],
    }),
    xm('xen5', [], "(xend-relocation-server yes)\n(xend-relocation-port 8002)\n(xend-relocation-hosts-allow '^xen4\\\\.lab$ ^localhost$ ^localhost\\\\.localdomain$')\n(network-script network-bridge)\n(vif-script vif-bridge)\n", {
      bridges: ['xenbr0'],
      bridgeAddrs: { xenbr0: '192.168.10.15/24' },
      mounts: [XEN_SHARED],
      listen: [8002],
    }),
    xm('xen7', [], "(xend-relocation-server yes)\n(xend-relocation-port 8002)\n(xend-relocation-hosts-allow '^xen4$ ^localhost$ ^localhost\\\\.localdomain$')\n(network-script network-bridge)\n(vif-script vif-bridge)\n", {
      bridges: ['xenbr0'],
      bridgeAddrs: { xenbr0: '192.168.10.17/24' },
      mounts: [XEN_SHARED],
      listen: [8002],
    }),
    {
      name: 'kvm1',
      cpuinfo: cpuinfo(LAB_VM),
      bridges: ['br0'],
      nodeXml: nodeXml([{ name: 'kvm-vm', uuid: 'c0ffee00-0000-4000-8000-00000000000a' }]),
    },
  ],
};
