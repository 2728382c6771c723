import { readFileSync } from 'node:fs';
import { migrationFacts } from '../../src/checks/migration.js';
import { parseDomainXmlList } from '../../src/checks/probes/libvirt-xml.js';
import { testRule } from './rule-tester.js';

const fx = (path: string) => readFileSync(new URL(`../fixtures/${path}`, import.meta.url), 'utf8');
const MiB = 1024 * 1024;
// The lab guest g1 (160 MiB, test/fixtures/libvirt-qemu), moved with --bandwidth and --dirty-rate as given.
function g1(bandwidthMiBs: number, dirtyMiBs: number, memoryMiB = 160, o: { noXml?: boolean } = {}) {
  const xml = fx('libvirt-qemu/dumpxml-migratable-tcg.xml').replace(/(<(?:current)?[mM]emory unit='KiB'>)\d+/g, `$1${memoryMiB * 1024}`);
  const [x] = parseDomainXmlList(xml);
  // noXml: `virsh dumpxml` gave no definition of g1 (the probe failed): the source lists it running, its memory is unknown.
  const facts = { libvirt: { domains: [{ name: 'g1', id: 1, uuid: x?.uuid, state: 'running', xml: o.noXml ? null : x }] } } as never;
  const plan = { domains: [], bandwidth: { bytesPerSec: bandwidthMiBs * MiB, source: 'option' }, dirtyBytesPerSec: dirtyMiBs * MiB, maxDowntimeMs: 300, memoryReserveKiB: 0, mode: 'live', unsafe: false } as const;
  return { migration: migrationFacts(facts, plan) } as never;
}
// A real lab report whose source could not measure dirty rates (the test driver) and had no --dirty-rate.
const unmeasured = JSON.parse(fx('reports/unreachable.json')).hosts.src.facts;

testRule('migration.convergence', [
  { name: 'dirtying 2 MiB/s over 16 MiB/s converges', src: g1(16, 2), dst: {}, status: 'pass' },
  {
    name: 'dirtying faster than the link carries never converges',
    src: g1(16, 30),
    dst: {},
    status: 'fail',
    messageId: 'converges.failed',
    message:
      'g1 will not converge: dirty rate 30.0 MiB/s is not below the bandwidth 16.0 MiB/s; it needs at least 32.8 MiB/s of bandwidth, or a dirty rate under 14.3 MiB/s: ' +
      'raise the bandwidth (dedicated migration network, virsh migrate-setspeed), enable auto-converge (--auto-converge) or post-copy (--postcopy), raise --max-downtime, or migrate in a quieter window',
  },
  {
    name: 'just under the bandwidth with 4 GiB: it may finish, late, beyond the round bound: error',
    src: g1(16, 15, 4096),
    dst: {},
    ctx: { mode: 'block' },
    status: 'error',
    messageId: 'converges.undecided',
    message: /^cannot predict convergence: g1: uncertain: even at 16\.0 MiB\/s dirtying 15\.0 MiB\/s the remainder shrinks so slowly that it takes more than 30 rounds/,
  },
  { name: 'no dirty rate measured or given: error, never a pass', src: unmeasured, dst: {}, status: 'error', messageId: 'converges.undecided', message: /^cannot predict convergence: web01: no dirty rate \(the hypervisor could not measure it: .*give --dirty-rate MiB\/s\); db01: no dirty rate/ },
  { name: 'no move facts: error', src: {}, dst: {}, status: 'error', messageId: 'error.fact-missing', message: /source: fact migration.convergence was not collected/ },
  {
    name: "the domain's XML not collected: its memory unknown, error naming it, never a pass",
    src: g1(16, 2, 160, { noXml: true }),
    dst: {},
    status: 'error',
    messageId: 'converges.undecided',
    message: 'cannot predict convergence: g1: its definition was not collected (virsh dumpxml, probe virsh-domxml): its memory size is unknown',
  },
  { name: 'a cold move has no pre-copy: skip', src: g1(16, 30), dst: {}, ctx: { mode: 'cold' }, status: 'skip', messageId: 'skip.mode' },
]);
