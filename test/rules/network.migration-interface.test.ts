import { readFileSync } from 'node:fs';
import { migrationFacts } from '../../src/checks/migration.js';
import { parseDomblkinfo } from '../../src/checks/probes/virsh.js';
import { testRule } from './rule-tester.js';

// Real lab report: hv2's hostname resolves on hv1 to 10.203.40.12, the address hv1 reaches it by (eth0).
const clean = JSON.parse(readFileSync(new URL('../fixtures/reports/clean.json', import.meta.url), 'utf8')).hosts;
const plan = { domains: ['local01'], bandwidth: { bytesPerSec: 1048576000, source: 'option' }, dirtyBytesPerSec: null, maxDowntimeMs: 300, memoryReserveKiB: 1048576, mode: 'block', unsafe: false } as const;
const m = migrationFacts(clean.src.facts, plan) as NonNullable<ReturnType<typeof migrationFacts>>;
// The local disk's allocation as `virsh domblkinfo` printed it for a 100 GiB sparse image (about 11.2 GiB).
const disk = parseDomblkinfo(readFileSync(new URL('../fixtures/virsh-domblkinfo/libvirt-rust-issue4-100g-sparse.txt', import.meta.url), 'utf8'));
const to = (migrationAddresses: string[] | null, copyBytes: number | null = disk.allocationBytes) => ({ migration: { ...m, transfer: { ...m.transfer, copyBytes, migrationAddresses } } }) as never;
// hv2 with a second NIC for migration, and with an alias on its management NIC.
const addr = (ifname: string, address: string) => ({ ifname, family: 'inet', address, prefix: 24, scope: 'global' });
const hv2 = (...extra: object[]) => ({ network: { ...clean.dst.facts.network, ifaddrs: [...clean.dst.facts.network.ifaddrs, ...extra] } }) as never;
const block = { mode: 'block' } as const;

testRule('network.migration-interface', [
  { name: 'the hostname resolves to a migration NIC of its own', src: to(['10.203.41.12']), dst: hv2(addr('eth1', '10.203.41.12')), ctx: block, status: 'pass' },
  {
    name: 'the hostname is the management address: the copy shares eth0',
    src: to(['10.203.40.12']),
    dst: clean.dst.facts,
    ctx: block,
    status: 'fail',
    messageId: 'migration-interface.shared',
    message: /^migration data would go to 10\.203\.40\.12 \(eth0\), the interface the destination is managed through \(10\.203\.40\.12\): the block copy of 11\.2 GiB \(about 11\.\d s at 1000\.0 MiB\/s\) and the guests' memory would compete/,
  },
  { name: 'another address on the management NIC is no network of its own', src: to(['10.203.40.112']), dst: hv2(addr('eth0', '10.203.40.112')), ctx: block, status: 'fail', messageId: 'migration-interface.shared', message: /go to 10\.203\.40\.112 \(eth0\)/ },
  { name: 'copy size unknown: said so', src: { migration: m } as never, dst: clean.dst.facts, ctx: block, status: 'fail', message: /a block copy of disks of unknown size would compete/ },
  { name: 'the hostname did not resolve on the source: error', src: to(null), dst: clean.dst.facts, ctx: block, status: 'error', messageId: 'migration-interface.unknown' },
  { name: 'it resolves to an address the destination does not have: error', src: to(['10.203.40.99']), dst: clean.dst.facts, ctx: block, status: 'error', messageId: 'migration-interface.unknown', message: /resolves to 10\.203\.40\.99 on the source, an address the destination does not have/ },
  { name: 'managed through an address it does not have (NAT): its management NIC unknown, never a pass', src: { migration: { ...m, transfer: { ...m.transfer, managementAddress: '192.0.2.12' } } } as never, dst: clean.dst.facts, ctx: block, status: 'error' },
  { name: "destination's addresses not collected: error", src: to(['10.203.40.12']), dst: { network: { bridges: ['br0'] } } as never, ctx: block, status: 'error', messageId: 'error.fact-missing', message: /destination: fact network.ifaddrs was not collected/ },
  { name: 'a live migration over shared storage copies no disk: skip', src: to(['10.203.40.12']), dst: clean.dst.facts, status: 'skip', messageId: 'skip.mode' },
  { name: 'a Xen pair: skip', src: to(['10.203.40.12']), dst: clean.dst.facts, ctx: { mode: 'block', hypervisor: 'xen' }, status: 'skip', messageId: 'skip.hypervisor' },
]);
