/**
 * parseCapabilities, parseDomCapabilities, parseDomstatsDirtyRate and parseDomblkinfo on the
 * real outputs saved under test/fixtures (origins in test/fixtures/README.md), on what this
 * machine's virsh prints for libvirt's test driver, and on hand-written edge cases and hostile input.
 * (The shared-corpus capabilities/domcapabilities files are in test/corpus/libvirt-caps.corpus.test.ts.)
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseCapabilities, parseDomCapabilities } from '../../src/checks/probes/libvirt-xml.js';
import { parseDomblkinfo, parseDomstatsDirtyRate } from '../../src/checks/probes/virsh.js';
import { parseErrorOf } from './parse-error-of.js';

const fixture = (path: string): string => readFileSync(new URL(`../fixtures/${path}`, import.meta.url), 'utf8');

const HAVE_VIRSH = spawnSync('virsh', ['--version'], { encoding: 'utf8' }).status === 0;
if (!HAVE_VIRSH) {
  console.warn(
    '\n!!! VIRSH MISSING: `virsh --version` failed.\n' +
      '!!! The live libvirt test-driver checks in libvirt-caps.test.ts are SKIPPED (not passed). Install libvirt-clients (Debian) to run them.\n',
  );
}
const virsh = (...args: string[]): string => execFileSync('virsh', ['-c', 'test:///default', ...args], { encoding: 'utf8' });


const caps = (guests: string, host = '<host><cpu><arch>x86_64</arch><model>Haswell</model></cpu></host>'): string =>
  `<capabilities>${host}${guests}</capabilities>`;

describe('parseCapabilities', () => {
  it('test-driver fixture (virsh 9.0.0 here): i686 host without a model, hvm and xen guests of type test, no machines', () => {
    expect(parseCapabilities(fixture('virsh-caps/debian12-test-driver.xml'))).toEqual({
      hostArch: 'i686',
      hostCpuModel: null, // <secmodel><model>testSecurity</model> is not the CPU model
      guests: [
        { osType: 'hvm', arch: 'i686', domainTypes: ['test'], machines: [] },
        { osType: 'xen', arch: 'i686', domainTypes: ['test'], machines: [] },
      ],
    });
  });

  it.skipIf(!HAVE_VIRSH)('live: `virsh -c test:///default capabilities` parses to the same facts as the saved fixture', () => {
    expect(parseCapabilities(virsh('capabilities'))).toEqual(parseCapabilities(fixture('virsh-caps/debian12-test-driver.xml')));
  });

  it('machines: alias then canonical, deduplicated in document order, machines under <domain type=kvm> included', () => {
    const text = caps(`<guest><os_type>hvm</os_type><arch name='x86_64'><wordsize>64</wordsize>
      <machine maxCpus='255'>pc-i440fx-7.2</machine>
      <machine canonical='pc-i440fx-7.2' maxCpus='255'>pc</machine>
      <machine canonical='pc-q35-7.2'>q35</machine>
      <domain type='qemu'/>
      <domain type='kvm'><emulator>/usr/bin/qemu-kvm</emulator><machine canonical='pc-q35-7.2'>q35</machine><machine>pc-q35-7.1</machine></domain>
      <domain type='kvm'/>
    </arch></guest>`);
    expect(parseCapabilities(text).guests).toEqual([
      { osType: 'hvm', arch: 'x86_64', domainTypes: ['qemu', 'kvm'], machines: ['pc-i440fx-7.2', 'pc', 'q35', 'pc-q35-7.2', 'pc-q35-7.1'] },
    ]);
  });

  it('a saved copy: <?xml?> declaration, BOM and a leading comment are accepted; entities decode', () => {
    const text = `\uFEFF<?xml version="1.0"?>\n<!-- saved by hand -->\n${caps("<guest><os_type>hvm</os_type><arch name='x86_64'><machine>a&amp;b</machine><domain type='kvm'/></arch></guest>")}\n`;
    expect(parseCapabilities(text)).toEqual({
      hostArch: 'x86_64',
      hostCpuModel: 'Haswell',
      guests: [{ osType: 'hvm', arch: 'x86_64', domainTypes: ['kvm'], machines: ['a&b'] }],
    });
  });

  it('no <host> / no <guest>: nulls and an empty list', () => {
    expect(parseCapabilities('<capabilities/>')).toEqual({ hostArch: null, hostCpuModel: null, guests: [] });
  });

  it('malformed input is a ParseError with probe virsh-caps', () => {
    const guest = (inner: string) => caps(`<guest>${inner}</guest>`);
    const cases = [
      '',
      'error: failed to connect to the hypervisor\n',
      '<capabilities>',
      `${caps('')}${caps('')}`, // two documents
      '<domainCapabilities/>',
      guest("<arch name='x86_64'><domain type='kvm'/></arch>"), // no os_type
      guest('<os_type>hvm</os_type>'), // no arch
      guest('<os_type>hvm</os_type><arch><domain type="kvm"/></arch>'), // arch without name
      guest("<os_type>hvm</os_type><arch name='x86_64'><domain/></arch>"), // domain without type
      guest("<os_type>hvm</os_type><arch name='x86_64'><machine></machine></arch>"), // empty machine
      guest("<os_type>hvm</os_type><arch name='x86_64'><machine>&nbsp;</machine></arch>"), // undefined entity
    ];
    for (const text of cases) {
      expect(parseErrorOf(() => parseCapabilities(text)).probe, text).toBe('virsh-caps');
    }
    expect(parseErrorOf(() => parseCapabilities(`${caps('')}${caps('')}`)).message).toBe('virsh-caps: expected one <capabilities> document, got 2');
    expect(parseErrorOf(() => parseCapabilities('')).message).toBe('virsh-caps: expected one <capabilities> document, got 0');
  });

  it('hostile: a DOCTYPE with entities is refused before any expansion; deep nesting and __proto__ are ParseErrors', () => {
    const lol = Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i};`.repeat(10)}">`).join('');
    const bomb = `<?xml version="1.0"?><!DOCTYPE capabilities [<!ENTITY lol0 "lol">${lol}]><capabilities><host><cpu><arch>&lol9;</arch></cpu></host></capabilities>`;
    const started = Date.now();
    expect(parseErrorOf(() => parseCapabilities(bomb)).message).toBe('virsh-caps: DOCTYPE/ENTITY declarations are not accepted (virsh never prints them)');
    expect(parseErrorOf(() => parseCapabilities(`<capabilities>${'<x>'.repeat(50_000)}${'</x>'.repeat(50_000)}</capabilities>`)).probe).toBe('virsh-caps');
    expect(Date.now() - started).toBeLessThan(5000);
    expect(parseErrorOf(() => parseCapabilities(caps('<guest><__proto__><polluted>1</polluted></__proto__></guest>'))).probe).toBe('virsh-caps');
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(parseErrorOf(() => parseCapabilities(caps('<guest><constructor/></guest>'))).probe).toBe('virsh-caps'); // refused by fast-xml-parser too
    // Other Object.prototype member names are plain data, never inherited lookups.
    expect(parseCapabilities(caps('<toString/>', '<host><cpu><hasOwnProperty/><valueOf/></cpu></host>'))).toEqual({ hostArch: null, hostCpuModel: null, guests: [] });
  });
});

/** A domcapabilities <cpu> section in the shape libvirt prints. */
const domcaps = (cpu: string): string =>
  `<domainCapabilities><path>/usr/bin/qemu-system-x86_64</path><domain>kvm</domain><machine>pc-q35-9.2</machine><arch>x86_64</arch><cpu>${cpu}</cpu></domainCapabilities>`;

describe('parseDomCapabilities', () => {
  it('recent libvirt: <blockers model=...> after an unusable model lists the features that block it; canonical= is ignored', () => {
    // Shaped like libvirt's own tests/domaincapsdata/qemu_11.1.0-q35.x86_64.xml (libvirt master): each
    // usable='no' model is followed by a sibling <blockers model='NAME'> with <feature name=.../> children.
    const text = domcaps(`
      <mode name='host-passthrough' supported='yes'><enum name='hostPassthroughMigratable'><value>on</value><value>off</value></enum></mode>
      <mode name='maximum' supported='yes'/>
      <mode name='host-model' supported='yes'>
        <model fallback='forbid'>EPYC-Turin</model>
        <vendor>AMD</vendor>
        <maxphysaddr mode='passthrough' limit='64'/>
        <feature policy='require' name='cmp_legacy'/>
        <feature policy='disable' name='la57'/>
        <feature name='x2apic'/>
      </mode>
      <mode name='custom' supported='yes'>
        <model usable='yes' vendor='unknown' canonical='486-v1'>486</model>
        <model usable='no' vendor='Intel' canonical='Broadwell-v1'>Broadwell</model>
        <blockers model='Broadwell'>
          <feature name='hle'/>
          <feature name='pcid'/>
          <feature name='rdseed'/>
          <feature name='rtm'/>
        </blockers>
        <model usable='no' vendor='Intel' canonical='Broadwell-v2'>Broadwell-noTSX</model>
        <blockers model='Broadwell-noTSX'>
          <feature name='pcid'/>
          <feature name='rdseed'/>
        </blockers>
        <model usable='unknown' vendor='Intel'>Conroe</model>
        <model vendor='Intel'>Penryn</model>
      </mode>`);
    expect(parseDomCapabilities(text)).toEqual({
      arch: 'x86_64',
      machine: 'pc-q35-9.2',
      domainType: 'kvm',
      hostPassthrough: true,
      models: [
        { name: '486', usable: 'yes', blockers: [] },
        { name: 'Broadwell', usable: 'no', blockers: ['hle', 'pcid', 'rdseed', 'rtm'] },
        { name: 'Broadwell-noTSX', usable: 'no', blockers: ['pcid', 'rdseed'] },
        { name: 'Conroe', usable: 'unknown', blockers: [] },
        { name: 'Penryn', usable: 'unknown', blockers: [] }, // no usable= attribute
      ],
      hostModel: {
        model: 'EPYC-Turin',
        features: [
          { name: 'cmp_legacy', policy: 'require' },
          { name: 'la57', policy: 'disable' },
          { name: 'x2apic', policy: 'require' }, // policy defaults to require
        ],
      },
    });
  });

  it("host-passthrough supported='no' is false; an absent mode is null; unsupported host-model and custom give null and []", () => {
    const text = domcaps(`
      <mode name='host-passthrough' supported='no'/>
      <mode name='host-model' supported='no'/>
      <mode name='custom' supported='no'><model usable='yes'>qemu64</model></mode>`);
    expect(parseDomCapabilities(text)).toMatchObject({ hostPassthrough: false, hostModel: null, models: [] });
    expect(parseDomCapabilities(domcaps(''))).toEqual({ arch: 'x86_64', machine: 'pc-q35-9.2', domainType: 'kvm', hostPassthrough: null, models: [], hostModel: null });
    expect(parseDomCapabilities('<domainCapabilities/>')).toEqual({ arch: null, machine: null, domainType: null, hostPassthrough: null, models: [], hostModel: null });
  });

  it('a <blockers> list for a model not listed is ignored; two lists for one model are joined', () => {
    const text = domcaps(`<mode name='custom' supported='yes'>
      <model usable='no'>A</model>
      <blockers model='A'><feature name='x'/></blockers>
      <blockers model='A'><feature name='y'/></blockers>
      <blockers model='Ghost'><feature name='z'/></blockers>
    </mode>`);
    expect(parseDomCapabilities(text).models).toEqual([{ name: 'A', usable: 'no', blockers: ['x', 'y'] }]);
  });

  it('malformed input is a ParseError with probe virsh-domcaps', () => {
    const cases = [
      '',
      'error: failed to get emulator capabilities\n',
      `${domcaps('')}${domcaps('')}`,
      '<capabilities/>',
      domcaps("<mode name='custom' supported='yes'><model usable='maybe'>qemu64</model></mode>"),
      domcaps("<mode name='custom' supported='yes'><model usable='yes'></model></mode>"),
      domcaps("<mode name='custom' supported='yes'><model usable='no'>A</model><blockers><feature name='x'/></blockers></mode>"),
      domcaps("<mode name='custom' supported='yes'><model usable='no'>A</model><blockers model='A'><feature/></blockers></mode>"),
      domcaps("<mode name='host-model' supported='yes'><model>Haswell</model><feature policy='require'/></mode>"),
      `<!DOCTYPE domainCapabilities [<!ENTITY x "y">]>${domcaps('')}`,
    ];
    for (const text of cases) {
      expect(parseErrorOf(() => parseDomCapabilities(text)).probe, text).toBe('virsh-domcaps');
    }
    expect(parseErrorOf(() => parseDomCapabilities(domcaps("<mode name='custom' supported='yes'><model usable='maybe'>qemu64</model></mode>"))).message).toBe(
      'virsh-domcaps: model "qemu64": usable="maybe" is not yes, no or unknown',
    );
  });

  it.skipIf(!HAVE_VIRSH)('live: the test driver has no domcapabilities (virsh fails, nothing on stdout: a ParseError)', () => {
    const r = spawnSync('virsh', ['-c', 'test:///default', 'domcapabilities'], { encoding: 'utf8' });
    expect(r.status).not.toBe(0);
    expect(r.stdout.trim()).toBe('');
    expect(parseErrorOf(() => parseDomCapabilities(r.stdout)).probe).toBe('virsh-domcaps');
  });

  it('hostile: many <blockers> for one model stay fast (no quadratic re-copy)', () => {
    const n = 20_000;
    const text = domcaps(`<mode name='custom' supported='yes'><model usable='no'>A</model>${"<blockers model='A'><feature name='f'/></blockers>".repeat(n)}</mode>`);
    const started = Date.now();
    expect(parseDomCapabilities(text).models[0]?.blockers).toHaveLength(n);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

describe('parseDomstatsDirtyRate', () => {
  it('libvirt 7.2 patch example: a finished measurement (calc_status=2) of 5 MiB/s over 1 s', () => {
    expect(parseDomstatsDirtyRate(fixture('virsh-domstats/libvirt-7.2-patch-vm0-measured.txt'))).toEqual([
      { domain: 'vm0', status: 'measured', mibPerSecond: 5, periodSeconds: 1, mode: null, rssKiB: null },
    ]);
  });

  it('a real full `virsh domstats` (every group): only the dirtyrate fields and balloon.rss are read; calc_status=0 is unstarted', () => {
    const text = fixture('virsh-domstats/thinkbox-ubuntu-cloud-vm-all-groups.txt');
    expect(text).toMatch(/^ {2}block\.0\.capacity=21474836480$/m);
    expect(parseDomstatsDirtyRate(text)).toEqual([{ domain: 'ubuntu-cloud-vm', status: 'unstarted', mibPerSecond: null, periodSeconds: 0, mode: 'page-sampling', rssKiB: 1388484 }]);
  });

  it('test-driver fixture: a domain header and no dirtyrate fields give nulls', () => {
    expect(fixture('virsh-domstats/debian12-test-driver-dirtyrate.txt')).toBe("Domain: 'test'\n\n");
    expect(parseDomstatsDirtyRate(fixture('virsh-domstats/debian12-test-driver-dirtyrate.txt'))).toEqual([
      { domain: 'test', status: null, mibPerSecond: null, periodSeconds: null, mode: null, rssKiB: null },
    ]);
  });

  it.skipIf(!HAVE_VIRSH)('live: `virsh -c test:///default domstats --dirtyrate` (and with the name) parse to the fixture', () => {
    const expected = parseDomstatsDirtyRate(fixture('virsh-domstats/debian12-test-driver-dirtyrate.txt'));
    expect(parseDomstatsDirtyRate(virsh('domstats', '--dirtyrate'))).toEqual(expected);
    expect(parseDomstatsDirtyRate(virsh('domstats', '--dirtyrate', 'test'))).toEqual(expected);
  });

  it('several domains, dirty-ring mode with per-vCPU rates (ignored), measuring, CRLF line ends', () => {
    const text = [
      "Domain: 'web1'",
      '  dirtyrate.calc_status=2',
      '  dirtyrate.calc_start_time=348414',
      '  dirtyrate.calc_period=1',
      '  dirtyrate.megabytes_per_second=4',
      '  dirtyrate.calc_mode=dirty-ring',
      '  dirtyrate.vcpu.0.megabytes_per_second=1',
      '  dirtyrate.vcpu.1.megabytes_per_second=2',
      '',
      "Domain: 'db1'",
      '  dirtyrate.calc_status=1',
      '  dirtyrate.calc_start_time=348500',
      '  dirtyrate.calc_period=10',
      '  dirtyrate.calc_mode=page-sampling',
      '',
      '',
    ].join('\r\n');
    expect(parseDomstatsDirtyRate(text)).toEqual([
      { domain: 'web1', status: 'measured', mibPerSecond: 4, periodSeconds: 1, mode: 'dirty-ring', rssKiB: null },
      { domain: 'db1', status: 'measuring', mibPerSecond: null, periodSeconds: 10, mode: 'page-sampling', rssKiB: null },
    ]);
  });

  it('domain names with quotes and spaces: everything between "Domain: \'" and the last quote of the line', () => {
    const text = "Domain: 'it's a 'vm''  \n  dirtyrate.calc_status=0\n\nDomain: ' '\n\nDomain: ''\n";
    expect(parseDomstatsDirtyRate(text).map((d) => d.domain)).toEqual(["it's a 'vm'", ' ', '']);
  });

  it('an unknown calc_status number gives status null; empty output gives []', () => {
    expect(parseDomstatsDirtyRate("Domain: 'a'\n  dirtyrate.calc_status=3\n")[0]?.status).toBeNull();
    expect(parseDomstatsDirtyRate("Domain: 'a'\n  dirtyrate.calc_status=99999999999\n")[0]?.status).toBeNull();
    expect(parseDomstatsDirtyRate('')).toEqual([]);
    expect(parseDomstatsDirtyRate('\n\n')).toEqual([]);
  });

  it('malformed input is a ParseError with probe dirty-rate', () => {
    const cases = [
      'error: failed to connect to the hypervisor\n',
      '  dirtyrate.calc_status=2\n', // stat before any Domain line
      "Domain: 'a\n", // unterminated name
      "Domain: 'a'\ndirtyrate.calc_status=2\n", // not indented
      "Domain: 'a'\n  garbage\n",
      "Domain: 'a'\n  =2\n",
      "Domain: 'a'\n  dirty rate=2\n",
      "Domain: 'a'\n  dirtyrate.calc_status=measured\n", // the unmerged v1 format
      "Domain: 'a'\n  dirtyrate.megabytes_per_second=-1\n",
      "Domain: 'a'\n  dirtyrate.megabytes_per_second=1.5\n",
      "Domain: 'a'\n  dirtyrate.megabytes_per_second=\n",
      "Domain: 'a'\n  dirtyrate.megabytes_per_second=9007199254740993\n", // beyond 2^53: not exact
      `Domain: 'a'\n  dirtyrate.calc_period=${'9'.repeat(400)}\n`, // huge
    ];
    for (const text of cases) {
      expect(parseErrorOf(() => parseDomstatsDirtyRate(text)).probe, JSON.stringify(text.slice(0, 60))).toBe('dirty-rate');
    }
    expect(parseErrorOf(() => parseDomstatsDirtyRate("Domain: 'a'\n  dirtyrate.calc_status=measured\n")).message).toBe(
      'dirty-rate: dirtyrate.calc_status is not an unsigned integer: "measured"',
    );
  });

  it('hostile: very long lines and many blocks stay linear', () => {
    const started = Date.now();
    expect(parseDomstatsDirtyRate(`Domain: '${"'".repeat(500_000)}\n`)[0]?.domain).toBe("'".repeat(499_999));
    expect(parseErrorOf(() => parseDomstatsDirtyRate(`Domain: 'a'\n  ${'='.repeat(500_000)}\n`)).probe).toBe('dirty-rate');
    expect(parseErrorOf(() => parseDomstatsDirtyRate(`Domain: 'a'\n ${' '.repeat(500_000)}x\n`)).probe).toBe('dirty-rate');
    expect(parseDomstatsDirtyRate(`Domain: 'a'\n  dirtyrate.calc_mode=${' '.repeat(500_000)}x\n`)[0]?.mode).toBe('x');
    expect(parseDomstatsDirtyRate("Domain: 'v'\n  dirtyrate.calc_status=2\n\n".repeat(50_000))).toHaveLength(50_000);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('stat keys that are Object.prototype members are just ignored', () => {
    expect(parseDomstatsDirtyRate("Domain: 'a'\n  __proto__=1\n  constructor=2\n  toString=x\n")).toEqual([
      { domain: 'a', status: null, mibPerSecond: null, periodSeconds: null, mode: null, rssKiB: null },
    ]);
    expect(({} as Record<string, unknown>)['1']).toBeUndefined();
  });
});

describe('parseDomblkinfo', () => {
  it('real outputs: test driver (1 TiB), a 100 GiB sparse image (libvirt-rust #4), a 10 GiB qcow2 (tp-libvirt #4624)', () => {
    expect(parseDomblkinfo(fixture('virsh-domblkinfo/debian12-test-driver-test-vda.txt'))).toEqual({
      capacityBytes: 1099506450432,
      allocationBytes: 1099511627776,
      physicalBytes: 1099511627776,
    });
    expect(parseDomblkinfo(fixture('virsh-domblkinfo/libvirt-rust-issue4-100g-sparse.txt'))).toEqual({
      capacityBytes: 107374182400,
      allocationBytes: 12066435072,
      physicalBytes: 107390828544,
    });
    expect(parseDomblkinfo(fixture('virsh-domblkinfo/tp-libvirt-pr4624-jeos27-qcow2.txt'))).toEqual({
      capacityBytes: 10737418240,
      allocationBytes: 1011150848,
      physicalBytes: 1011144192,
    });
  });

  it.skipIf(!HAVE_VIRSH)('live: `virsh -c test:///default domblkinfo test vda` equals the saved fixture', () => {
    expect(virsh('domblkinfo', 'test', 'vda')).toBe(fixture('virsh-domblkinfo/debian12-test-driver-test-vda.txt'));
  });

  it('CRLF, tabs, other "Key: value" lines and a different order are fine', () => {
    expect(parseDomblkinfo('Physical:\t3\r\nNote: ignored\r\nCapacity:  1\r\nAllocation: 2\r\n')).toEqual({ capacityBytes: 1, allocationBytes: 2, physicalBytes: 3 });
    expect(parseDomblkinfo('Capacity: 0\nAllocation: 0\nPhysical: 0\n')).toEqual({ capacityBytes: 0, allocationBytes: 0, physicalBytes: 0 });
  });

  it('a missing, repeated, non-numeric or inexact field is a ParseError with probe disk-sizes', () => {
    const ok = 'Capacity:       1\nAllocation:     2\nPhysical:       3\n';
    const cases = [
      '',
      "error: invalid argument: invalid path vdz not assigned to domain\n",
      'Capacity:       1\nAllocation:     2\n', // no Physical
      `${ok}Physical:       3\n`, // repeated
      'Capacity:       20.000 GiB\nAllocation:     322.125 MiB\nPhysical:       322.074 MiB\n', // --human
      'Capacity:       -1\nAllocation:     2\nPhysical:       3\n',
      'Capacity:\nAllocation:     2\nPhysical:       3\n',
      'Capacity:       18446744073709551615\nAllocation:     2\nPhysical:       3\n', // u64 max: not exact as a number
      `Capacity:       ${'9'.repeat(1000)}\nAllocation:     2\nPhysical:       3\n`,
    ];
    for (const text of cases) {
      expect(parseErrorOf(() => parseDomblkinfo(text)).probe, JSON.stringify(text.slice(0, 60))).toBe('disk-sizes');
    }
    expect(parseErrorOf(() => parseDomblkinfo('Capacity:       1\nAllocation:     2\n')).message).toBe(
      'disk-sizes: no "Physical:" line: not `virsh domblkinfo DOMAIN TARGET` output',
    );
    expect(parseErrorOf(() => parseDomblkinfo(cases[4] as string)).message).toBe('disk-sizes: Capacity is not a byte count: "20.000 GiB"');
  });

  it('hostile: a huge line and prototype-member keys stay harmless', () => {
    const started = Date.now();
    expect(parseErrorOf(() => parseDomblkinfo(`Capacity:${' '.repeat(500_000)}x\n`)).probe).toBe('disk-sizes');
    expect(parseErrorOf(() => parseDomblkinfo('__proto__: 1\nconstructor: 2\n')).probe).toBe('disk-sizes');
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
