import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Scenario } from './lab.js';

/** test/fixtures, from src (vitest) or dist (compiled demo). */
const FIXTURES = fileURLToPath(new URL(import.meta.url.includes('/dist/') ? '../../../test/fixtures/' : '../fixtures/', import.meta.url));
export const cpuinfo = (name: string): string => join(FIXTURES, 'cpuinfo', name);

interface Dom {
  name: string;
  uuid: string;
  memMiB?: number;
  vcpus?: number;
  /** Test-driver run state: running (default) or shut off. */
  state?: 'running' | 'shutoff';
  bridge?: string;
}

/** libvirt test-driver node XML with the given domains. */
export function nodeXml(domains: readonly Dom[]): string {
  const dom = (d: Dom): string => `  <domain type='test' xmlns:test='http://libvirt.org/schemas/domain/test/1.0'>
    <name>${d.name}</name>
    <uuid>${d.uuid}</uuid>
    <memory unit='MiB'>${d.memMiB ?? 1024}</memory>
    <vcpu>${d.vcpus ?? 1}</vcpu>
    <os><type arch='x86_64'>hvm</type></os>
    <devices>
      <interface type='bridge'><source bridge='${d.bridge ?? 'br0'}'/></interface>
    </devices>${d.state === 'shutoff' ? "\n    <test:runstate>5</test:runstate>" : ''}
  </domain>`;
  return `<node>\n${domains.map(dom).join('\n')}\n</node>\n`;
}

const XEON = 'lab-machine-xeon-2core.cpuinfo';
const CORE2_NO_NX = 'core2quad-q6600-nx-off.cpuinfo';

/**
 * The standard lab: hv1 -> hv2 is a clean pair; hv3 lacks NX (and newer flags) and already has a
 * domain named web01; hv4's address answers but runs no sshd; hv5 reports i686;
 * hv6 accepts SSH only from hv2 (reach it with -J hv2).
 */
export const STANDARD: Scenario = {
  hosts: [
    {
      name: 'hv1',
      cpuinfo: cpuinfo(XEON),
      bridges: ['br0'],
      nodeXml: nodeXml([
        { name: 'web01', uuid: '6695eb01-f6a4-8304-79aa-97f2502e193f', memMiB: 2048, vcpus: 2 },
        { name: 'db01', uuid: '6695eb01-f6a4-8304-79aa-97f2502e1940', memMiB: 4096, vcpus: 2 },
        { name: 'old-test', uuid: '6695eb01-f6a4-8304-79aa-97f2502e1941', state: 'shutoff' },
      ]),
    },
    {
      name: 'hv2',
      cpuinfo: cpuinfo(XEON),
      bridges: ['br0'],
      nodeXml: nodeXml([{ name: 'mail01', uuid: 'a1c0ffee-0000-4000-8000-000000000002' }]),
    },
    {
      name: 'hv3',
      cpuinfo: cpuinfo(CORE2_NO_NX),
      bridges: ['br0'],
      nodeXml: nodeXml([{ name: 'web01', uuid: 'a1c0ffee-0000-4000-8000-000000000003', state: 'shutoff' }]),
    },
    { name: 'hv4', cpuinfo: cpuinfo(XEON), nodeXml: nodeXml([]), noSshd: true },
    // A 32-bit personality (setarch i686): uname -m says i686, as on a 32-bit host kernel.
    { name: 'hv5', cpuinfo: cpuinfo(XEON), arch: 'i686', bridges: ['br0'], nodeXml: nodeXml([]) },
    // Behind a bastion: SSH only from hv2 (a real nftables ruleset drops everyone else).
    {
      name: 'hv6',
      cpuinfo: cpuinfo(XEON),
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
  ],
};
