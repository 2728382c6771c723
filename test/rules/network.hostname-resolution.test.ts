import { readFileSync } from 'node:fs';
import type { HostFacts } from '../../src/types.js';
import { testRule } from './rule-tester.js';

// Real lab reports (test/fixtures/reports/clean.json): the source resolves hv2's hostname (getent ahosts) to
// 10.203.40.12, one of hv2's addresses; hv2 calls itself hv2.
const { src, dst } = JSON.parse(readFileSync(new URL('../fixtures/reports/clean.json', import.meta.url), 'utf8')).hosts as Record<'src' | 'dst', { facts: HostFacts }>;
const resolving = (...addrs: string[]) => ({ peer: { ...src.facts.peer, dstHostnameResolution: addrs } });
const named = (hostname: string) => ({ host: { hostname }, network: dst.facts.network });
const hv2 = named('hv2');

testRule('network.hostname-resolution', [
  { name: "the name resolves to the destination's address: pass", src: resolving('10.203.40.12'), dst: hv2, status: 'pass' },
  {
    name: 'a stale DNS record pointing elsewhere fails',
    src: resolving('10.203.40.13'),
    dst: hv2,
    status: 'fail',
    messageId: 'subset.missing',
    message: "the source resolves the destination's hostname to 10.203.40.13, which is not an address of the destination",
  },
  {
    name: 'a destination called localhost fails (libvirt refuses)',
    src: resolving('127.0.0.1', '::1'),
    dst: named('localhost.localdomain'),
    status: 'fail',
    messageId: 'matches.failed',
    message: /^the destination's hostname is localhost\.localdomain: libvirt refuses \("hostname on destination resolved to localhost, but migration requires an FQDN"\)/,
  },
  {
    name: "the name resolves to nothing on the source (getent exit 2, the fleet's []): fail",
    src: resolving(),
    dst: hv2,
    status: 'fail',
    messageId: 'present.failed',
    message: "the source resolves the destination's hostname to no address: QEMU on the source has nowhere to send the migration data",
  },
  // QEMU on the source would connect to itself: its /etc/hosts maps the name to loopback (a clone of hv2 keeping
  // "127.0.0.1 localhost hv2"); the destination's own 127.0.0.1 is not where that goes.
  {
    name: "the name resolves to the source's loopback: fail",
    src: resolving('127.0.0.1'),
    dst: hv2,
    status: 'fail',
    messageId: 'matches.failed',
    message: /^the source resolves the destination's hostname to a loopback address \(127\.0\.0\.1\): QEMU on the source would connect to the source itself/,
  },
  { name: 'a loopback among real addresses (IPv6 ::1 first): fail', src: resolving('::1', '10.203.40.12'), dst: hv2, status: 'fail', messageId: 'matches.failed' },
  { name: 'a cold move sends no migration data: skip', src: resolving('10.203.40.13'), dst: hv2, ctx: { mode: 'cold' }, status: 'skip', messageId: 'skip.mode' },
  { name: 'Xen pairs: skip', src: resolving('10.203.40.13'), dst: hv2, ctx: { hypervisor: 'xen' }, status: 'skip', messageId: 'skip.hypervisor' },
  { name: "the source's resolution not collected: error", src: { peer: { srcAddr: '10.203.40.11' } }, dst: hv2, status: 'error', messageId: 'error.fact-missing', message: 'source: fact peer.dstHostnameResolution was not collected' },
  { name: "the destination's hostname not collected: error", src: resolving('10.203.40.12'), dst: { network: dst.facts.network }, status: 'error', message: 'destination: fact host.hostname was not collected' },
]);
