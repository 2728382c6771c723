import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { migrationFacts } from '../../src/checks/migration.js';
import { parseHugepages } from '../../src/checks/probes/hugepages.js';
import { parseDomainXmlList } from '../../src/checks/probes/libvirt-xml.js';
import { migrationPlan, testRule } from './rule-tester.js';

const fixture = (name: string) => parseHugepages(readFileSync(new URL(`../fixtures/hugepages/${name}`, import.meta.url), 'utf8'));
// Real sysfs readings (test/fixtures/hugepages): three free 2 MiB pages; none at all.
const three = { host: { hugepages: fixture('debian12-6.18-three-2m-pages.txt'), memory: { hugepageSizeKiB: 2048 } } } as never;
const none = { host: { hugepages: fixture('debian12-6.18-none.txt'), memory: { hugepageSizeKiB: 2048 } } } as never;
const moving = (...g: { domain: string; memoryKiB: number; pageKiB: number | null; unsure?: string }[]) => ({ migration: { hugepages: g.map((x) => ({ unsure: null, ...x })) } }) as never;
// The move as a run derives it from a source whose `virsh dumpxml` gave no definition of db (the probe failed): its memoryBacking unknown.
const noXml = { migration: migrationFacts({ libvirt: { domains: [{ name: 'db', id: 1, uuid: null, state: 'running', xml: null }] } } as never, migrationPlan()) } as never;

testRule('resources.hugepages', [
  { name: 'no moving domain uses huge pages: skip', src: moving(), dst: none, status: 'skip' },
  { name: '6 MiB in default-size pages fit in three free 2 MiB pages', src: moving({ domain: 'db', memoryKiB: 6144, pageKiB: null }), dst: three, status: 'pass' },
  {
    name: 'two domains drawing on one pool: together they do not fit',
    src: moving({ domain: 'db', memoryKiB: 4096, pageKiB: 2048 }, { domain: 'web', memoryKiB: 4096, pageKiB: 2048 }),
    dst: three,
    status: 'fail',
    messageId: 'hugepages.short',
    message: 'db, web need 4 free 2.0 MiB pages (8.0 MiB), the destination has 3 of 3 free',
  },
  {
    name: 'a 1 GiB page guest on a destination with no free 1 GiB pages',
    src: moving({ domain: 'big', memoryKiB: 1048576, pageKiB: 1048576 }),
    dst: three,
    status: 'fail',
    message: 'big need 1 free 1.0 GiB pages (1.0 GiB), the destination has 0 of 0 free',
  },
  { name: 'pages given per NUMA node: undecided, said so', src: moving({ domain: 'numa', memoryKiB: 8192, pageKiB: null, unsure: 'numa backs guest NUMA nodes with huge pages' }), dst: three, status: 'error', message: /numa backs guest NUMA nodes/ },
  { name: 'pools not collected: error, never a pass', src: moving({ domain: 'db', memoryKiB: 2048, pageKiB: 2048 }), dst: { host: {} } as never, status: 'error', message: /huge page pools were not collected/ },
  {
    name: "the domain's XML not collected: whether it uses huge pages unknown, error, not a skip",
    src: noXml,
    dst: none,
    status: 'error',
    messageId: 'hugepages.unknown',
    message: 'cannot tell whether the huge pages suffice: the definition of db was not collected (virsh dumpxml, probe virsh-domxml): whether huge pages back it is unknown',
  },
  {
    name: "one domain's XML not collected, the known one alone does not fit: fail",
    src: moving({ domain: 'db', memoryKiB: 8192, pageKiB: 2048 }, { domain: 'web', memoryKiB: 0, pageKiB: null, unsure: 'the definition of web was not collected (virsh dumpxml, probe virsh-domxml): whether huge pages back it is unknown' }),
    dst: three,
    status: 'fail',
    messageId: 'hugepages.short',
    message: 'db need 4 free 2.0 MiB pages (8.0 MiB), the destination has 3 of 3 free',
  },
]);


// The facts the rule reads, from real outputs: libvirt's domain XML and this machine's sysfs.
describe('resources.hugepages facts', () => {
  const xml = parseDomainXmlList(readFileSync(new URL('../fixtures/hugepages/virsh-dumpxml-libvirt9-test-driver.txt', import.meta.url), 'utf8'));

  it('reads <memoryBacking><hugepages> as libvirt 9 writes it', () => {
    expect(xml.map((d) => [d.name, d.memoryKiB, d.hugepages])).toEqual([
      ['hp-default', 1048576, [{ sizeKiB: null, nodeset: null }]],
      ['hp-1g', 4194304, [{ sizeKiB: 1048576, nodeset: null }]],
      ['hp-numa', 4194304, [{ sizeKiB: 2048, nodeset: '0' }, { sizeKiB: 1048576, nodeset: '1' }]],
    ]);
  });

  it("gives the move each domain's backing, and leaves its memory out of resources.memory", () => {
    const src = { libvirt: { domains: xml.map((x) => ({ name: x.name, uuid: null, state: 'running', xml: x })) } } as never;
    const m = migrationFacts(src, migrationPlan());
    expect(m?.hugepages).toEqual([
      { domain: 'hp-default', memoryKiB: 1048576, pageKiB: null, unsure: null },
      { domain: 'hp-1g', memoryKiB: 4194304, pageKiB: 1048576, unsure: null },
      { domain: 'hp-numa', memoryKiB: 4194304, pageKiB: null, unsure: 'hp-numa backs guest NUMA nodes with huge pages (2048 KiB for NUMA nodes 0, 1048576 KiB for NUMA nodes 1): how much memory each size takes is not worked out' },
    ]);
    expect(m?.memoryKiB).toEqual([0, 0, 0]);
  });

  it('reads the pools from sysfs, and refuses a line that is not four counts', () => {
    expect(fixture('debian12-6.18-three-2m-pages.txt')).toEqual([
      { sizeKiB: 2048, total: 3, free: 3, reserved: 0 },
      { sizeKiB: 1048576, total: 0, free: 0, reserved: 0 },
    ]);
    expect(parseHugepages('')).toEqual([]);
    expect(() => parseHugepages('2048kB 3 x 0\n')).toThrow(/not "<size>kB <total> <free> <reserved>"/);
  });
});
