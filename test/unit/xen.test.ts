/**
 * parseXlInfo, parseXlList, parseXlListLong, parseXendConfig and relocationAdmits on the real outputs saved under
 * test/fixtures/xen (origins in test/fixtures/README.md), and on hand-written cases built from the
 * printf formats of xl (tools/xl/xl_info.c, xl_list.c, xl_sxp.c; libxl's JSON of libxl_types.idl),
 * xm (xm/main.py) and xend's sxp.py /
 * XendOptions.py / relocate.py, each saying which. (The shared-corpus files are in
 * test/corpus/xen.corpus.test.ts.)
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseXendConfig, parseXlInfo, parseXlList, parseXlListLong, relocationAdmits } from '../../src/checks/probes/xen.js';
import type { XenDiskConfig, XenDomain, XenDomainConfig, XlInfo } from '../../src/model/xen.js';
import { parseErrorOf } from './parse-error-of.js';

const fixture = (name: string): string => readFileSync(new URL(`../fixtures/xen/${name}`, import.meta.url), 'utf8');

const X86_CAPS = ['xen-3.0-x86_64', 'xen-3.0-x86_32p', 'hvm-3.0-x86_32', 'hvm-3.0-x86_32p', 'hvm-3.0-x86_64'];

describe('parseXlInfo on real outputs', () => {
  const cases: readonly { file: string; keys: number; facts: Omit<XlInfo, 'raw'> }[] = [
    {
      file: 'xm-info-3.3.0-ubuntu-i686.txt',
      keys: 28,
      facts: {
        hostname: 'chetan-laptop',
        machine: 'i686',
        xenVersion: '3.3.0',
        xenMajor: 3,
        xenMinor: 3,
        xenExtra: '.0',
        xenPatch: 0,
        xenCaps: ['xen-3.0-x86_32p'], // 32-bit PAE hypervisor, no hvm-* entry
        virtCaps: [], // "virt_caps              : " with nothing after it
        hvm: false,
        hwCaps: 'bfebfbff:20100000:00000000:00000140:0008e3bd:00000000:00000001:00000000',
        nrCpus: 2,
        nrNodes: 1,
        coresPerSocket: 2,
        threadsPerCore: 1,
        totalMemoryMiB: 2046,
        freeMemoryMiB: 126,
        scheduler: 'credit',
        commandline: null, // Xen 3.3 has no xen_commandline line
      },
    },
    {
      file: 'xm-info-4.2.1-centos6.txt',
      keys: 28,
      facts: {
        hostname: 'gentlexen1.paulvps.com',
        machine: 'x86_64',
        xenVersion: '4.2.1',
        xenMajor: 4,
        xenMinor: 2,
        xenExtra: '.1',
        xenPatch: 1,
        xenCaps: X86_CAPS,
        virtCaps: ['hvm', 'hvm_directio'],
        hvm: true,
        hwCaps: 'bfebfbff:28100800:00000000:00007f40:77bae3ff:00000000:00000001:00000281',
        nrCpus: 8,
        nrNodes: 1,
        coresPerSocket: 4,
        threadsPerCore: 2,
        totalMemoryMiB: 32662,
        freeMemoryMiB: 9697,
        scheduler: 'credit',
        commandline: 'dom0_mem=1024M cpufreq=xen dom0_max_vcpus=1 dom0_vcpus_pin',
      },
    },
    {
      file: 'xl-info-4.4.3-centos6.txt',
      keys: 33,
      facts: {
        hostname: 'localhost.localdomain',
        machine: 'x86_64',
        xenVersion: '4.4.3-12.el6',
        xenMajor: 4,
        xenMinor: 4,
        xenExtra: '.3-12.el6',
        xenPatch: 3,
        xenCaps: X86_CAPS,
        virtCaps: ['hvm'], // no IOMMU: no hvm_directio
        hvm: true,
        hwCaps: '0fabfbff:2c100800:00000000:00003f00:f6fa3223:00000000:00000001:00000281',
        nrCpus: 4,
        nrNodes: 1,
        coresPerSocket: 1,
        threadsPerCore: 1,
        totalMemoryMiB: 1663,
        freeMemoryMiB: 617,
        scheduler: 'credit',
        commandline: 'dom0_mem=1024M,max:1024M cpuinfo com1=115200,8n1 console=com1,tty loglvl=all guest_loglvl=all',
      },
    },
    {
      file: 'xl-info-4.13.0-rc-fedora31-ryzen.txt',
      keys: 34,
      facts: {
        hostname: 'cly-xen-1.int.umd.com.au',
        machine: 'x86_64',
        xenVersion: '4.13.0-rc',
        xenMajor: 4,
        xenMinor: 13,
        xenExtra: '.0-rc',
        xenPatch: 0,
        xenCaps: X86_CAPS,
        virtCaps: ['pv', 'hvm', 'hvm_directio', 'pv_directio', 'hap', 'shadow'],
        hvm: true,
        hwCaps: '178bf3ff:f6d8320b:2e500800:244037ff:0000000f:219c91a9:00400004:00000500',
        nrCpus: 24,
        nrNodes: 1,
        coresPerSocket: 12,
        threadsPerCore: 2,
        totalMemoryMiB: 65485,
        freeMemoryMiB: 52299,
        scheduler: 'credit2',
        commandline: 'placeholder dom0_mem=4096M,max:4096M ucode=scan dom0_max_vcpus=4 loglvl=all guest_loglvl=all com1=115200,8n1 console=com1',
      },
    },
    {
      file: 'xl-info-4.16-unstable-aarch64-salvator-x.txt',
      keys: 34,
      facts: {
        hostname: 'salvator-x',
        machine: 'aarch64',
        xenVersion: '4.16-unstable',
        xenMajor: 4,
        xenMinor: 16,
        xenExtra: '-unstable',
        xenPatch: null,
        xenCaps: ['xen-3.0-aarch64', 'xen-3.0-armv7l'], // Arm: no hvm-* caps, yet every guest is HVM-style
        virtCaps: ['hvm', 'hap'],
        hvm: true,
        hwCaps: '00000000:00000000:00000000:00000000:00000000:00000000:00000000:00000000',
        nrCpus: 6,
        nrNodes: 1,
        coresPerSocket: 1,
        threadsPerCore: 1,
        totalMemoryMiB: 8064,
        freeMemoryMiB: 6111,
        scheduler: 'credit2',
        commandline: 'dom0_mem=1G console=dtuart dtuart=serial0 dom0_max_vcpus=4 bootscrub=1 loglvl=all xsm=dummy hmp-unsafe=true guest_loglvl=all console_timestamps=boot',
      },
    },
  ];

  it.each(cases)('$file', ({ file, keys, facts }) => {
    const text = fixture(file);
    const { raw, ...parsed } = parseXlInfo(text);
    expect(parsed).toEqual(facts);
    expect(Object.keys(raw)).toHaveLength(keys);
    expect(Object.keys(raw)).toHaveLength(text.trim().split('\n').length); // one key a line, none dropped
    expect(raw['xend_config_format']).toBe('4'); // printed by xm and, as a constant, by xl
    // Where xl prints xen_version (4.4+), it is exactly major.minor+extra.
    if (raw['xen_version'] !== undefined) expect(raw['xen_version']).toBe(facts.xenVersion);
  });

  it('values are trimmed: the trailing blank xm/xl leave after xen_caps and cc_compiler is dropped', () => {
    const text = fixture('xm-info-3.3.0-ubuntu-i686.txt');
    expect(text).toContain('xen_caps               : xen-3.0-x86_32p \n');
    const { raw } = parseXlInfo(text);
    expect(raw['xen_caps']).toBe('xen-3.0-x86_32p');
    expect(raw['cc_compiler']).toBe('gcc version 4.3.2 (Ubuntu 4.3.2-1ubuntu12)');
    expect(raw['virt_caps']).toBe('');
    // Keys only xm on Xen 3.x printed, and values holding ':' themselves, are kept whole.
    expect(raw['node_to_cpu']).toBe('node0:0-1');
    expect(raw['cc_compile_date']).toBe('Mon Mar  9 10:34:08 UTC 2009');
  });

  it('keys only newer xl prints are kept in raw (unknown to the typed fields)', () => {
    const { raw } = parseXlInfo(fixture('xl-info-4.13.0-rc-fedora31-ryzen.txt'));
    expect(raw).toMatchObject({
      max_cpu_id: '31',
      cpu_mhz: '3800.030',
      outstanding_claims: '0',
      xen_changeset: 'Mon Oct 14 11:31:31 2019 +0100 git:518c935fac',
      build_id: '12253ccd35be24bf9773afbfdc3ae3d704f1af28',
      platform_params: 'virt_start=0xffff800000000000',
    });
  });

  it('nr_cpus counts online CPUs only: the 4.4.3 host reports max_cpu_id 63 for 4 CPUs', () => {
    const info = parseXlInfo(fixture('xl-info-4.4.3-centos6.txt'));
    expect(info.nrCpus).toBe(4);
    expect(info.raw['max_cpu_id']).toBe('63');
  });

  it('CRLF line ends parse identically', () => {
    for (const file of ['xm-info-4.2.1-centos6.txt', 'xl-info-4.13.0-rc-fedora31-ryzen.txt']) {
      const text = fixture(file);
      expect(parseXlInfo(text.replace(/\n/g, '\r\n'))).toEqual(parseXlInfo(text));
    }
  });

  it('a warning line before the first key (xm on Xen 4.4 prints one) is skipped', () => {
    const text = `WARNING: xend/xm is deprecated.\n${fixture('xm-info-4.2.1-centos6.txt')}`;
    expect(parseXlInfo(text)).toEqual(parseXlInfo(fixture('xm-info-4.2.1-centos6.txt')));
  });

  it('`xl info -n` tables stay under their key (printf formats of xl_info.c output_topologyinfo / output_numainfo)', () => {
    // Hand-written from xl_info.c: "cpu_topology           :\n", "cpu:    core    socket     node\n",
    // "%3d:    %4d     %4d     %4d\n", "device topology        :\n", "device           node\n",
    // "%04x:%02x:%02x.%01x      %d\n", "numa_info              :\n", "node:    memsize    memfree    distances\n".
    const base = fixture('xl-info-4.13.0-rc-fedora31-ryzen.txt');
    const at = base.indexOf('xen_major');
    const tables =
      'cpu_topology           :\n' +
      'cpu:    core    socket     node\n' +
      '  0:       0        0        0\n' +
      '  1:       0        0        0\n' +
      'device topology        :\n' +
      'device           node\n' +
      '0000:00:00.0      0\n' +
      'numa_info              :\n' +
      'node:    memsize    memfree    distances\n' +
      '   0:     65485      52299      10\n';
    const info = parseXlInfo(base.slice(0, at) + tables + base.slice(at));
    expect(info.raw['cpu_topology']).toBe('cpu:    core    socket     node\n  0:       0        0        0\n  1:       0        0        0');
    expect(info.raw['device topology']).toBe('device           node\n0000:00:00.0      0');
    expect(info.raw['numa_info']).toBe('node:    memsize    memfree    distances\n   0:     65485      52299      10');
    expect(info.raw).not.toHaveProperty('cpu');
    expect(info.raw).not.toHaveProperty('node');
    const { raw: _raw, ...facts } = info;
    const { raw: _base, ...expected } = parseXlInfo(base);
    expect(facts).toEqual(expected);
  });

  it('virt_caps absent (older xm info): HVM is read from the hvm-* entries of xen_caps', () => {
    const text = fixture('xm-info-4.2.1-centos6.txt').replace(/^virt_caps .*\n/m, '');
    expect(parseXlInfo(text)).toMatchObject({ virtCaps: [], hvm: true });
    const pvOnly = fixture('xm-info-3.3.0-ubuntu-i686.txt').replace(/^virt_caps .*\n/m, '');
    expect(parseXlInfo(pvOnly)).toMatchObject({ virtCaps: [], hvm: false });
  });

  it('a key that fills the 23 columns is still a key; "__proto__" stays data', () => {
    const text = 'host                   : h\nxen_major              : 4\nxen_minor              : 19\nabcdefghijklmnopqrstuvw: wide\n__proto__              : x\n';
    const info = parseXlInfo(text);
    expect(info.raw['abcdefghijklmnopqrstuvw']).toBe('wide');
    expect(Object.getOwnPropertyDescriptor(info.raw, '__proto__')?.value).toBe('x');
    expect(info.xenVersion).toBe('4.19');
  });

  const errors: readonly { name: string; text: string; message: RegExp }[] = [
    { name: 'empty output', text: '', message: /empty output/ },
    { name: 'blank lines only', text: '\n  \n', message: /empty output/ },
    { name: 'xl list output fed to the info parser', text: fixture('xl-list-4.9-tab-header.txt'), message: /no "key : value" lines/ },
    { name: 'an error message (hand-written)', text: "ERROR:  Can't find hypervisor information in sysfs!\n", message: /no "key : value" lines.*ERROR/ },
    {
      name: 'no xen_major line',
      text: fixture('xl-info-4.4.3-centos6.txt').replace(/^xen_major .*\n/m, ''),
      message: /no "xen_major" line/,
    },
    { name: 'no host line', text: fixture('xl-info-4.4.3-centos6.txt').replace(/^host .*\n/m, ''), message: /no "host" line/ },
    {
      name: 'two outputs run together',
      text: fixture('xl-info-4.4.3-centos6.txt') + fixture('xm-info-4.2.1-centos6.txt'),
      message: /"host" appears twice/,
    },
    {
      // As xen-devel archives keep some xl info pastes: quoted-printable soft breaks ("=" at the line end).
      name: 'a value wrapped by a mail client',
      text: fixture('xl-info-4.13.0-rc-fedora31-ryzen.txt').replace('244037ff:0000000f:', '244037ff:0000000f:=\n'),
      message: /unexpected line after "hw_caps": "219c91a9:00400004:00000500"/,
    },
    {
      name: 'a stray line under an empty value that heads no table',
      text: fixture('xm-info-3.3.0-ubuntu-i686.txt').replace('virt_caps              : \n', 'virt_caps              : \nhvm\n'),
      message: /unexpected line after "virt_caps": "hvm"/,
    },
    {
      name: 'a count that is not a number',
      text: fixture('xl-info-4.4.3-centos6.txt').replace('nr_cpus                : 4', 'nr_cpus                : four'),
      message: /nr_cpus is not an unsigned integer: "four"/,
    },
    {
      name: 'xen_minor that is not a number',
      text: fixture('xl-info-4.4.3-centos6.txt').replace('xen_minor              : 4', 'xen_minor              : x'),
      message: /xen_major\/xen_minor are not numbers/,
    },
  ];

  it.each(errors)('ParseError: $name', ({ text, message }) => {
    const e = parseErrorOf(() => parseXlInfo(text));
    expect(e.probe).toBe('xl-info');
    expect(e.code).toBe('MP_PARSE');
    expect(e.message).toMatch(/^xl-info: /);
    expect(e.message).toMatch(message);
  });

  it('hostile input stays linear (long blank runs, no colon, many lines)', () => {
    const started = Date.now();
    expect(parseErrorOf(() => parseXlInfo(`${' '.repeat(500_000)}x`)).probe).toBe('xl-info');
    expect(parseErrorOf(() => parseXlInfo(`a${' '.repeat(500_000)}b`)).probe).toBe('xl-info');
    expect(parseXlInfo(`host${' '.repeat(500_000)}: h\nxen_major : 4\nxen_minor : 1\n`).hostname).toBe('h');
    expect(parseXlInfo(`host : h\nxen_major : 4\nxen_minor : 1\ncpu_topology :\n${'x\n'.repeat(200_000)}`).raw['cpu_topology']).toHaveLength(399_999);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

const dom = (name: string, id: number | null, memoryMiB: number, vcpus: number, raw: string, cpuTimeSeconds: number): XenDomain => ({
  name,
  id,
  memoryMiB,
  vcpus,
  state: {
    raw,
    running: raw[0] === 'r',
    blocked: raw[1] === 'b',
    paused: raw[2] === 'p',
    shutdown: raw[3] === 's',
    crashed: raw[4] === 'c',
    dying: raw[5] === 'd',
    shutdownReason: null,
  },
  cpuTimeSeconds,
});

describe('parseXlList on real outputs', () => {
  const cases: readonly { file: string; domains: XenDomain[] }[] = [
    {
      file: 'xl-list-4.9-tab-header.txt', // xl: "VCPUs\tState\tTime(s)" in the header
      domains: [
        dom('Domain-0', 0, 13036, 8, 'r-----', 998.1),
        dom('guest-01', 1, 1024, 2, '-b----', 26.8),
        dom('Avignon-live-mig', 18, 1024, 2, '-b----', 0.4),
      ],
    },
    {
      file: 'xm-list-4.4.3-centos6-deprecated-warning.txt', // xm's warning line comes first
      domains: [dom('Domain-0', 0, 1024, 4, 'r-----', 11.6)],
    },
    {
      file: 'xm-list-3.0.1-mem-mib-header.txt', // Xen 3.0: "ID Mem(MiB) VCPUs State  Time(s)"
      domains: [dom('Domain-0', 0, 463, 1, 'r-----', 42.3)],
    },
    {
      file: 'xm-list-3.1-forum-collapsed-spaces.txt', // the forum collapsed the padding to single blanks
      domains: [dom('Domain-0', 0, 922, 2, 'r-----', 67.4)],
    },
  ];

  it.each(cases)('$file', ({ file, domains }) => {
    expect(parseXlList(fixture(file))).toEqual(domains);
  });

  it('the header is recognised with tabs (xl) and with blanks (xm) alike', () => {
    const xl = fixture('xl-list-4.9-tab-header.txt');
    expect(xl.split('\n')[0]).toContain('VCPUs\tState\tTime(s)');
    expect(parseXlList(xl.replace(/\t/g, '      '))).toEqual(parseXlList(xl));
    expect(parseXlList(xl.replace(/\n/g, '\r\n'))).toEqual(parseXlList(xl));
  });
});

describe('parseXlList on hand-written rows', () => {
  // xl_list.c: printf("%-40s %5d %5lu %5d     %c%c%c%c%c%c  %8.1f", name, domid, mem, vcpus, r b p s <reason> d, time).
  const XL_HEADER = 'Name                                        ID   Mem VCPUs\tState\tTime(s)\n';
  const row = (name: string, id: number, mem: number, vcpus: number, state: string, time: string): string =>
    `${name.padEnd(40)} ${String(id).padStart(5)} ${String(mem).padStart(5)} ${String(vcpus).padStart(5)}     ${state}  ${time.padStart(8)}\n`;

  it.each([
    { state: '---sc-', shutdown: true, crashed: true, reason: 'crash' },
    { state: '---s--', shutdown: true, crashed: false, reason: 'poweroff' },
    { state: '---sr-', shutdown: true, crashed: false, reason: 'reboot' },
    { state: '---ss-', shutdown: true, crashed: false, reason: 'suspend' },
    { state: '---sw-', shutdown: true, crashed: false, reason: 'watchdog' },
    { state: '---sS-', shutdown: true, crashed: false, reason: 'soft_reset' },
    { state: '---s?-', shutdown: true, crashed: false, reason: 'unknown' },
    { state: '--p---', shutdown: false, crashed: false, reason: null },
    { state: '-----d', shutdown: false, crashed: false, reason: null },
  ] as const)('state $state decodes to shutdown=$shutdown crashed=$crashed reason=$reason', ({ state, shutdown, crashed, reason }) => {
    const [d] = parseXlList(XL_HEADER + row('vm', 7, 512, 1, state, '3.5'));
    expect(d?.state).toMatchObject({ raw: state, shutdown, crashed, shutdownReason: reason });
    expect(d?.state.paused).toBe(state[2] === 'p');
    expect(d?.state.dying).toBe(state[5] === 'd');
  });

  it('a name with blanks, and a name longer than the 40-column pad, are read whole', () => {
    const long = 'a-domain-name-that-is-longer-than-forty-columns';
    expect(parseXlList(XL_HEADER + row('my test vm', 3, 2048, 2, '-b----', '12.0') + row(long, 4, 1024, 1, 'r-----', '123456.7'))).toEqual([
      dom('my test vm', 3, 2048, 2, '-b----', 12),
      dom(long, 4, 1024, 1, 'r-----', 123456.7),
    ]);
  });

  it('an xend-managed domain that is not running has no id (xm main.py: "%(domid)5s" of \'\')', () => {
    // xm main.py xm_brief_list: "%(name)-40s %(domid)5s %(mem)5d %(vcpus)5d %(state)10s %(cpu_time)8.1f".
    const xm = (name: string, domid: string, mem: number, vcpus: number, state: string, time: string): string =>
      `${name.padEnd(40)} ${domid.padStart(5)} ${String(mem).padStart(5)} ${String(vcpus).padStart(5)} ${state.padStart(10)} ${time.padStart(8)}\n`;
    const text =
      'Name                                        ID   Mem VCPUs      State   Time(s)\n' +
      xm('Domain-0', '0', 656, 4, 'r-----', '48140.9') +
      xm('sles11', '', 512, 1, '------', '0.0') +
      xm('2024', '', 256, 1, '------', '0.0');
    expect(parseXlList(text)).toEqual([
      dom('Domain-0', 0, 656, 4, 'r-----', 48140.9),
      dom('sles11', null, 512, 1, '------', 0),
      dom('2024', null, 256, 1, '------', 0), // an all-digit name alone on its row is a name, not an id
    ]);
  });

  it('header only gives []', () => {
    expect(parseXlList(XL_HEADER)).toEqual([]);
  });

  const errors: readonly { name: string; text: string; message: RegExp }[] = [
    { name: 'empty output', text: '', message: /no "Name ID Mem VCPUs State Time\(s\)" header/ },
    { name: 'xl info output', text: fixture('xl-info-4.4.3-centos6.txt'), message: /no "Name ID Mem VCPUs State Time\(s\)" header/ },
    {
      name: 'virsh list output',
      text: ' Id    Name                           State\n----------------------------------------------------\n 0     Domain-0                       running\n',
      message: /header/,
    },
    {
      name: '`xl list -v` columns (xl_list.c header)',
      text: 'Name                                        ID   Mem VCPUs\tState\tTime(s)   UUID                            Reason-Code\tSecurity Label\n',
      message: /extra columns "UUID/,
    },
    { name: 'a state that is not six flags', text: XL_HEADER + row('vm', 1, 512, 1, 'running', '1.0'), message: /state is not six flag letters/ },
    { name: 'memory that is not a number', text: XL_HEADER + 'vm 1 lots 1 r----- 1.0\n', message: /memory or vcpus is not an unsigned integer/ },
    { name: 'a time that is not a number', text: XL_HEADER + 'vm 1 512 1 r----- soon\n', message: /time is not a number/ },
    { name: 'no name', text: XL_HEADER + '   512     1     r-----      1.0\n', message: /no domain name/ },
    { name: 'an error line after the header', text: `${XL_HEADER}libxl: error: libxl.c:1: cannot list\n`, message: /libxl: error/ },
  ];

  it.each(errors)('ParseError: $name', ({ text, message }) => {
    const e = parseErrorOf(() => parseXlList(text));
    expect(e.probe).toBe('xl-list');
    expect(e.message).toMatch(/^xl-list: /);
    expect(e.message).toMatch(message);
  });

  it('hostile input stays linear', () => {
    const started = Date.now();
    expect(parseXlList(`${XL_HEADER}vm${' '.repeat(500_000)}1 512 1 r----- 1.0\n`)).toEqual([dom('vm', 1, 512, 1, 'r-----', 1)]);
    expect(parseErrorOf(() => parseXlList(`${XL_HEADER}${' '.repeat(500_000)}x\n`)).probe).toBe('xl-list');
    expect(parseErrorOf(() => parseXlList(`Name${' '.repeat(500_000)}\n`)).probe).toBe('xl-list');
    expect(parseXlList(XL_HEADER + row('vm', 1, 512, 1, 'r-----', '1.0').repeat(50_000))).toHaveLength(50_000);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

describe('parseXendConfig on real files', () => {
  it('Ubuntu 7.10 / Xen 3.1 host: relocation on, hosts-allow localhost only', () => {
    expect(parseXendConfig(fixture('xend-config-3.1-ubuntu-relocation-hosts-allow.txt'))).toEqual({
      relocationServer: true,
      relocationPort: 8002,
      relocationAddress: '',
      relocationHostsAllow: ['^localhost$', '^localhost\\.localdomain$'], // the file's '\\.' is one backslash after sxp decoding
      invalidHostsAllow: [],
      relocationSslServer: false,
      relocationSslPort: 8003,
      settings: {
        'xend-relocation-server': ['yes'],
        'xend-relocation-hosts-allow': ['^localhost$ ^localhost\\.localdomain$'],
        'network-script': ['network-bridge'],
        'vif-script': ['vif-bridge'],
        'dom0-min-mem': ['196'],
        'dom0-cpus': ['0'],
        vncpasswd: [''],
      },
    });
  });

  it('the same host admits only peers named localhost: a migration source is refused', () => {
    const { relocationHostsAllow: allow } = parseXendConfig(fixture('xend-config-3.1-ubuntu-relocation-hosts-allow.txt'));
    expect(relocationAdmits(allow, 'localhost')).toBe(true);
    expect(relocationAdmits(allow, 'localhost.localdomain')).toBe(true);
    expect(relocationAdmits(allow, 'localhostx')).toBe(false); // '$' anchors the end
    expect(relocationAdmits(allow, 'localhost-localdomain')).toBe(false); // '\.' is a literal dot
    expect(relocationAdmits(allow, '127.0.0.1')).toBe(false); // by address: xend also tries the FQDN, "localhost"
    expect(relocationAdmits(allow, 'xen2.example.org')).toBe(false);
  });

  it('a fragment with an unanchored, unescaped IP: re.match anchors only the start and "." is any character', () => {
    const config = parseXendConfig(fixture('xend-config-xen4.9-os3-relocation-ip-fragment.txt'));
    expect(config).toMatchObject({ relocationServer: true, relocationPort: 8002, relocationHostsAllow: ['145.100.104.103'] });
    const allow = config.relocationHostsAllow;
    expect(relocationAdmits(allow, '145.100.104.103')).toBe(true);
    expect(relocationAdmits(allow, '145.100.104.103.evil.example')).toBe(true); // prefix match
    expect(relocationAdmits(allow, '145x100y104z103')).toBe(true); // '.' is any character
    expect(relocationAdmits(allow, '145.100.104.10')).toBe(false);
    expect(relocationAdmits(allow, '10.145.100.104.103')).toBe(false); // anchored at the start
  });
});

describe('parseXendConfig semantics (sxp.py, XendOptions.py, relocate.py)', () => {
  const DEFAULTS = {
    relocationServer: false,
    relocationPort: 8002,
    relocationAddress: '',
    relocationHostsAllow: [],
    invalidHostsAllow: [],
    relocationSslServer: false,
    relocationSslPort: 8003,
    settings: {},
  };

  it.each([
    { name: 'empty file', text: '' },
    { name: 'comments only', text: '# (xend-relocation-server yes)\n#(xend-relocation-port 9000)\n' },
    { name: 'CRLF comments', text: '#(xend-relocation-server yes)\r\n\r\n' },
  ])('$name gives the defaults (xend runs on defaults without a file, too)', ({ text }) => {
    expect(parseXendConfig(text)).toEqual(DEFAULTS);
  });

  it('the first form of a name wins (sxp.child_value stops at the first)', () => {
    expect(parseXendConfig('(xend-relocation-server no)\n(xend-relocation-server yes)\n').relocationServer).toBe(false);
  });

  it.each(['yes', 'YES', 'y', '1', 'on', 'True', 't'])('boolean %s is true', (word) => {
    expect(parseXendConfig(`(xend-relocation-server ${word})`).relocationServer).toBe(true);
  });

  it.each(['no', 'N', '0', 'off', 'false', 'F'])('boolean %s is false', (word) => {
    expect(parseXendConfig(`(xend-relocation-ssl-server ${word})`).relocationSslServer).toBe(false);
  });

  it('a form without a value falls back to the default; "(network-script )" keeps an empty list', () => {
    const c = parseXendConfig('(xend-relocation-port)\n(xend-relocation-server)\n(network-script )\n');
    expect(c).toMatchObject({ relocationPort: 8002, relocationServer: false });
    expect(c.settings['network-script']).toEqual([]);
  });

  it('ports, address, SSL server, quoted values and nested lists', () => {
    const c = parseXendConfig(
      "(xend-relocation-port 8012)\n(xend-relocation-ssl-server yes)\n(xend-relocation-ssl-port '8013')\n" +
        "(xend-relocation-address 192.0.2.10)\n(xen-api-server ((9363 pam '^localhost$ example\\\\.com$') (unix none)))\n",
    );
    expect(c).toMatchObject({ relocationPort: 8012, relocationSslServer: true, relocationSslPort: 8013, relocationAddress: '192.0.2.10' });
    expect(c.settings['xen-api-server']).toEqual([
      [
        ['9363', 'pam', '^localhost$ example\\.com$'],
        ['unix', 'none'],
      ],
    ]);
  });

  it('two blanks in hosts-allow make an empty pattern, which admits every host (split(" ") keeps it)', () => {
    const c = parseXendConfig("(xend-relocation-hosts-allow '^a$  ^b$')");
    expect(c.relocationHostsAllow).toEqual(['^a$', '', '^b$']);
    expect(relocationAdmits(c.relocationHostsAllow, 'anyone.example')).toBe(true);
  });

  it("a single backslash before '.' is lost: sxp.py keeps the backslash and drops the escaped character", () => {
    const c = parseXendConfig("(xend-relocation-hosts-allow '^a\\.b$')"); // the file holds ^a\.b$
    expect(c.relocationHostsAllow).toEqual(['^a\\b$']); // ^a\b$: "a" then a word boundary
    expect(relocationAdmits(c.relocationHostsAllow, 'a.b')).toBe(false);
    expect(relocationAdmits(c.relocationHostsAllow, 'a')).toBe(true);
  });

  it('string escapes, "#" inside strings, atoms ended by "#" (the comment runs on to the line end) and by separators', () => {
    const c = parseXendConfig(`(vncpasswd "a\\"b\\tc")\n(keymap 'x#y')\n(dom0-cpus 0#two)\n)\n(a b;c)\n(o '\\101\\0z')\n`);
    expect(c.settings).toEqual({ vncpasswd: ['a"b\tc'], keymap: ['x#y'], 'dom0-cpus': ['0'], a: ['b', ';c'], o: ['A\0z'] });
  });

  it('hosts-allow patterns JavaScript cannot compile are listed and never match', () => {
    const c = parseXendConfig("(xend-relocation-hosts-allow '^ok$ (unclosed')");
    expect(c.invalidHostsAllow).toEqual(['(unclosed']);
    expect(relocationAdmits(c.relocationHostsAllow, 'ok')).toBe(true);
    expect(relocationAdmits(c.relocationHostsAllow, '(unclosed')).toBe(false);
  });

  const errors: readonly { name: string; text: string; message: RegExp }[] = [
    { name: 'an error message instead of the file', text: 'cat: /etc/xen/xend-config.sxp: No such file or directory\n', message: /bare word "cat:" outside/ },
    { name: 'an unclosed form', text: '(xend-relocation-server yes\n', message: /line 2: unexpected end of file/ },
    { name: 'a stray ")"', text: '(a b))\n', message: /line 1: "\)" without "\("/ },
    { name: 'an unterminated string', text: "(vncpasswd 'abc)\n", message: /unterminated string/ },
    { name: 'a non-ASCII character outside atoms and strings', text: '(a b)\n\u00e9\n', message: /line 2: invalid character: code 233/ },
    { name: 'a \\x escape', text: "(a '\\x41')", message: /"\\x" escapes are not supported/ },
    { name: 'a boolean that is not one', text: '(xend-relocation-server maybe)', message: /\(xend-relocation-server "maybe"\) is not a boolean/ },
    { name: 'a port that is not a number', text: '(xend-relocation-port http)', message: /\(xend-relocation-port "http"\) is not a port number/ },
    { name: 'a port past 65535', text: '(xend-relocation-port 80020)', message: /is not a port number/ },
    { name: 'a list where a value belongs', text: '(xend-relocation-hosts-allow (a b))', message: /holds a list, not a single value/ },
  ];

  it.each(errors)('ParseError: $name', ({ text, message }) => {
    const e = parseErrorOf(() => parseXendConfig(text));
    expect(e.probe).toBe('xend-config');
    expect(e.message).toMatch(/^xend-config: /);
    expect(e.message).toMatch(message);
  });

  it('hostile input stays linear', () => {
    const started = Date.now();
    expect(parseXendConfig(`(a ${'b '.repeat(200_000)})`).settings['a']).toHaveLength(200_000);
    expect(parseXendConfig(`#${' '.repeat(500_000)}\n`)).toEqual(DEFAULTS);
    expect(parseErrorOf(() => parseXendConfig('('.repeat(100_000))).probe).toBe('xend-config');
    expect(parseXendConfig(`(vncpasswd '${'\\\\'.repeat(100_000)}')`).settings['vncpasswd']?.[0]).toHaveLength(100_000);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

describe('relocationAdmits', () => {
  it.each([
    { allow: [], peer: 'anything', admitted: true }, // '' in the file: every peer
    { allow: ['^xen[0-9]+\\.example\\.org$'], peer: 'xen12.example.org', admitted: true },
    { allow: ['^xen[0-9]+\\.example\\.org$'], peer: 'xen12.example.org.evil', admitted: false },
    { allow: ['^xen[0-9]+\\.example\\.org$'], peer: 'XEN12.example.org', admitted: false }, // Python re is case-sensitive
    { allow: ['example\\.org$'], peer: 'xen1.example.org', admitted: false }, // re.match: no search inside
    { allow: ['.*example\\.org$'], peer: 'xen1.example.org', admitted: true },
    { allow: ['^192\\.0\\.2\\.[0-9]+$', '^localhost$'], peer: '192.0.2.7', admitted: true },
    { allow: ['a|b'], peer: 'xb', admitted: false }, // the alternation is anchored too
  ])('$allow admits $peer: $admitted', ({ allow, peer, admitted }) => {
    expect(relocationAdmits(allow, peer)).toBe(admitted);
  });
});

const disk = (target: string | null, path: string | null, kind: XenDiskConfig['kind'], extra: Partial<XenDiskConfig> = {}): XenDiskConfig => ({
  target,
  path,
  kind,
  format: null,
  readonly: false,
  cdrom: false,
  ...extra,
});

describe('parseXlListLong on real xm outputs', () => {
  it('xm-list-l-ovs3-pv-hvm-dom0.txt: Oracle VM Server 3 (xend): a PV guest, an HVM guest and Domain-0', () => {
    const domains = parseXlListLong(fixture('xm-list-l-ovs3-pv-hvm-dom0.txt'));
    expect(domains).toEqual<XenDomainConfig[]>([
      {
        name: '0004fb0000060000236e45007b980aa1',
        domid: 1,
        uuid: '0004fb00-0006-0000-236e-45007b980aa1',
        type: 'pv', // (image (linux ...))
        memoryMiB: 2048,
        maxMemoryMiB: 2048,
        vcpus: 2,
        // The uname is printed on a line of its own, between "(uname" and ")".
        disks: [disk('xvda', '/OVS/Repositories/0004fb0000030000a5c9b5cf920f93e3/VirtualDisks/0004fb0000120000e77ab5d916c6c3c2.img', 'file')],
        nics: [{ bridge: '10e69b4de3', mac: '00:21:f6:00:08:b8', ip: null }],
      },
      {
        name: '0004fb00000600007c522c7d71072a52',
        domid: 11,
        uuid: '0004fb00-0006-0000-7c52-2c7d71072a52',
        type: 'hvm',
        memoryMiB: 1030, // (memory 1030) below (maxmem 1032)
        maxMemoryMiB: 1032,
        vcpus: 1,
        disks: [disk('xvda', '/OVS/Repositories/0004fb00000300002160f6433014d23a/VirtualDisks/0004fb00001200006a75694a0a25bea8.img', 'file')],
        nics: [{ bridge: '10e69b4de3', mac: '00:21:f6:00:08:b5', ip: null }],
      },
      {
        name: 'Domain-0', // kept: callers filter
        domid: 0,
        uuid: '00000000-0000-0000-0000-000000000000',
        type: 'pv',
        memoryMiB: 1098,
        maxMemoryMiB: 1104,
        vcpus: 2,
        disks: [],
        nics: [],
      },
    ]);
  });

  it('xm-list-l-3.3.1-centos5-pv-phy.txt: Xen 3.3.1 (xend), a pygrub PV guest on a host partition', () => {
    expect(parseXlListLong(fixture('xm-list-l-3.3.1-centos5-pv-phy.txt'))).toEqual<XenDomainConfig[]>([
      {
        name: 'UbuntuPVS810',
        domid: 15,
        uuid: 'd9a1b362-c834-67ab-4e9d-d4b706699297',
        type: 'pv',
        memoryMiB: 4096,
        maxMemoryMiB: 4096,
        vcpus: 1,
        disks: [disk('xvda', '/dev/sdb7', 'phy')], // (uname phy:/dev/sdb7) (mode w)
        nics: [{ bridge: 'eth0', mac: '00:16:3e:1b:8b:d2', ip: null }],
      },
    ]);
  });

  it('xm-list-l-hvm-elided-by-poster.txt: the poster cut the output ("......"), which is a ParseError; closed, it reads', () => {
    const text = fixture('xm-list-l-hvm-elided-by-poster.txt');
    const e = parseErrorOf(() => parseXlListLong(text));
    expect(e.probe).toBe('xl-list-long');
    expect(e.message).toMatch(/"\(" without "\)"/);
    // What the poster left out are the devices and the closing parenthesis: put the latter back.
    const closed = text.replace(/^\.{6}\n$/m, ')\n');
    expect(parseXlListLong(closed)).toEqual<XenDomainConfig[]>([
      {
        name: 'My-HVM-VM',
        domid: 11,
        uuid: '43f8cbea-5295-418a-bf26-f887a6d4623d',
        type: 'hvm',
        memoryMiB: 16384,
        maxMemoryMiB: 16384,
        vcpus: 8, // (cpus ...) is a nested list of pinnings, not read as a count
        disks: [],
        nics: [],
      },
    ]);
  });
});

describe('parseXlListLong on xend S-expressions (hand-written from xend XendConfig/blkif forms)', () => {
  const xm = (devices: string, extra = ''): string =>
    `(domain\n    (domid 3)\n    (uuid 11111111-2222-3333-4444-555555555555)\n    (vcpus 2)\n    (name guest)\n    (maxmem 1024)\n    (memory 512)\n${extra}    (image (hvm (kernel ) (boot dc)))\n${devices})\n`;

  it.each([
    { uname: 'phy:/dev/vg0/guest-root', expected: disk('xvda', '/dev/vg0/guest-root', 'phy') },
    { uname: 'phy:sdb7', expected: disk('xvda', 'sdb7', 'phy') }, // xend also takes a name under /dev, kept as written
    { uname: 'file:/srv/xen/guest.img', expected: disk('xvda', '/srv/xen/guest.img', 'file') },
    { uname: 'tap:aio:/srv/xen/guest.img', expected: disk('xvda', '/srv/xen/guest.img', 'file', { format: 'raw' }) },
    { uname: 'tap:qcow2:/srv/xen/guest.qcow2', expected: disk('xvda', '/srv/xen/guest.qcow2', 'file', { format: 'qcow2' }) },
    { uname: 'tap:tapdisk:vhd:/srv/xen/guest.vhd', expected: disk('xvda', '/srv/xen/guest.vhd', 'file', { format: 'vhd' }) },
    { uname: 'tap2:tapdisk:aio:/dev/vg0/lv', expected: disk('xvda', '/dev/vg0/lv', 'phy', { format: 'raw' }) },
    { uname: 'drbd:r0', expected: disk('xvda', 'r0', 'other') },
    { uname: 'iscsi:iqn.2001-05.com.example:vol1', expected: disk('xvda', 'iqn.2001-05.com.example:vol1', 'other') },
  ])('(uname $uname)', ({ uname, expected }) => {
    const [d] = parseXlListLong(xm(`    (device (vbd (dev xvda:disk) (uname ${uname}) (mode w)))\n`));
    expect(d?.disks).toEqual([expected]);
  });

  it('an empty cdrom, a read-only cdrom image, "ioemu:" and (device (tap ...)) blocks', () => {
    const [d] = parseXlListLong(
      xm(
        '    (device (vbd (dev ioemu:hda:disk) (uname phy:/dev/vg0/win) (mode w!)))\n' +
          '    (device (tap (dev hdb) (uname tap:aio:/srv/data.img) (mode w)))\n' +
          '    (device (vbd (dev hdc:cdrom) (uname file:/srv/iso/install.iso) (mode r)))\n' +
          '    (device (vbd (dev hdd:cdrom) (uname ) (mode r)))\n',
      ),
    );
    expect(d?.disks).toEqual([
      disk('hda', '/dev/vg0/win', 'phy'),
      disk('hdb', '/srv/data.img', 'file', { format: 'raw' }),
      disk('hdc', '/srv/iso/install.iso', 'file', { readonly: true, cdrom: true }),
      disk('hdd', null, 'other', { readonly: true, cdrom: true }),
    ]);
  });

  it('nics: bridge, mac and ip; no (device (vif ...)) gives []', () => {
    const [with2] = parseXlListLong(
      xm("    (device (vif (bridge xenbr0) (mac 00:16:3e:00:00:01) (ip 192.0.2.5)))\n    (device (vif (mac 00:16:3e:00:00:02) (script vif-route)))\n"),
    );
    expect(with2?.nics).toEqual([
      { bridge: 'xenbr0', mac: '00:16:3e:00:00:01', ip: '192.0.2.5' },
      { bridge: null, mac: '00:16:3e:00:00:02', ip: null },
    ]);
    expect(parseXlListLong(xm(''))[0]?.nics).toEqual([]);
  });

  it('a managed domain that is not running has no (domid ...); an image of neither kind has no type', () => {
    const [d] = parseXlListLong(xm('').replace('    (domid 3)\n', '').replace('(image (hvm (kernel ) (boot dc)))', '(image (unknown))'));
    expect(d).toMatchObject({ name: 'guest', domid: null, type: null, memoryMiB: 512, maxMemoryMiB: 1024, vcpus: 2 });
  });

  it("xm's deprecation warning before the forms is skipped", () => {
    const text = fixture('xm-list-l-3.3.1-centos5-pv-phy.txt');
    expect(parseXlListLong(`WARNING: xend/xm is deprecated.\n${text}`)).toEqual(parseXlListLong(text));
  });
});

/**
 * libxl's JSON for libxl_domain_config (gentypes.py; libxl_types.idl), as `xl list -l` prints it
 * (xl_info.c printf_info_one_json): hand-written, since no real output was found to save. Xen 4.5+
 * leaves out fields at their defaults (readwrite 0, is_cdrom 0, a missing format), names the
 * build-info union by "type.hvm" / "type.pv" / "type.pvh", and lists Domain-0 with its c_info only.
 */
const XL_JSON_MODERN = `[
    {
        "domid": 0,
        "config": {
            "c_info": {
                "type": "pv",
                "name": "Domain-0"
            },
            "b_info": {
                "max_memkb": 4194304,
                "target_memkb": 4194304
            }
        }
    },
    {
        "domid": 7,
        "config": {
            "c_info": {
                "type": "hvm",
                "name": "win10",
                "uuid": "2147d599-9cc6-c0dc-92ab-4064b5446e9b"
            },
            "b_info": {
                "max_vcpus": 4,
                "avail_vcpus": [0, 1, 2, 3],
                "max_memkb": 4194304,
                "target_memkb": 2097152,
                "device_model_version": "qemu_xen",
                "type.hvm": {
                    "boot": "dc"
                }
            },
            "disks": [
                {
                    "pdev_path": "/dev/vg0/win10",
                    "vdev": "hda",
                    "backend": "phy",
                    "format": "raw",
                    "readwrite": 1
                },
                {
                    "pdev_path": "/srv/xen/win10-data.qcow2",
                    "vdev": "hdb",
                    "backend": "qdisk",
                    "format": "qcow2",
                    "readwrite": 1
                },
                {
                    "vdev": "hdc",
                    "backend": "qdisk",
                    "format": "empty",
                    "removable": 1,
                    "is_cdrom": 1
                }
            ],
            "nics": [
                {
                    "devid": 0,
                    "mac": "00:16:3e:66:12:b4",
                    "bridge": "xenbr0",
                    "script": "vif-bridge",
                    "nictype": "vif_ioemu"
                }
            ],
            "on_reboot": "restart"
        }
    },
    {
        "domid": 8,
        "config": {
            "c_info": {
                "type": "pvh",
                "name": "router",
                "uuid": "039e9ee6-4a84-3055-4c81-8ba426ae2656"
            },
            "b_info": {
                "max_vcpus": 1,
                "max_memkb": 262144,
                "target_memkb": 262144,
                "type.pvh": {
                }
            },
            "disks": [
                {
                    "pdev_path": "iqn.2016-01.org.example:router",
                    "vdev": "xvda",
                    "backend": "phy",
                    "script": "block-iscsi"
                }
            ],
            "nics": [
                {
                    "mac": "00:16:3e:00:00:08",
                    "ip": "192.0.2.8",
                    "bridge": "br-dmz"
                }
            ]
        }
    }
]
`;

describe('parseXlListLong on xl JSON (hand-written from libxl_types.idl and xl_info.c)', () => {
  it('Domain-0, an HVM guest (phy, qcow2 file, empty cdrom) and a PVH guest on a script-resolved disk', () => {
    expect(parseXlListLong(XL_JSON_MODERN)).toEqual<XenDomainConfig[]>([
      { name: 'Domain-0', domid: 0, uuid: null, type: 'pv', memoryMiB: 4096, maxMemoryMiB: 4096, vcpus: null, disks: [], nics: [] },
      {
        name: 'win10',
        domid: 7,
        uuid: '2147d599-9cc6-c0dc-92ab-4064b5446e9b',
        type: 'hvm',
        memoryMiB: 2048,
        maxMemoryMiB: 4096,
        vcpus: 4,
        disks: [
          disk('hda', '/dev/vg0/win10', 'phy', { format: 'raw' }),
          disk('hdb', '/srv/xen/win10-data.qcow2', 'file', { format: 'qcow2' }),
          disk('hdc', null, 'other', { format: 'empty', readonly: true, cdrom: true }), // readwrite left out: 0
        ],
        nics: [{ bridge: 'xenbr0', mac: '00:16:3e:66:12:b4', ip: null }],
      },
      {
        name: 'router',
        domid: 8,
        uuid: '039e9ee6-4a84-3055-4c81-8ba426ae2656',
        type: 'pvh',
        memoryMiB: 256,
        maxMemoryMiB: 256,
        vcpus: 1,
        disks: [disk('xvda', 'iqn.2016-01.org.example:router', 'other', { readonly: true })], // a block script resolves it
        nics: [{ bridge: 'br-dmz', mac: '00:16:3e:00:00:08', ip: '192.0.2.8' }],
      },
    ]);
  });

  it('the type from b_info when c_info has none: "type.pv" (4.5+ union key), a b_info "type" string or object', () => {
    const one = (bInfo: string): XenDomainConfig['type'] =>
      parseXlListLong(`[{"domid": 3, "config": {"c_info": {"name": "g"}, "b_info": ${bInfo}}}]`)[0]?.type ?? null;
    expect(one('{"type.pv": {"bootloader": "pygrub"}}')).toBe('pv');
    expect(one('{"type.hvm": {}}')).toBe('hvm');
    expect(one('{"type": "pvh"}')).toBe('pvh');
    expect(one('{"type": {"hvm": {}}}')).toBe('hvm');
    expect(one('{}')).toBeNull();
  });

  it('Xen 4.2-4.4 style: every field printed, the union as "u", a 4.4 PVH flag, objects one after the other', () => {
    // xl 4.2 printed one JSON object per domain without an enclosing array.
    const dom = (domid: number, name: string, type: string, pvh: string, rw: number): string =>
      `{\n    "domid": ${domid},\n    "config": {\n        "c_info": {\n            "type": "${type}",\n            "pvh": "${pvh}",\n            "name": "${name}",\n            "uuid": "00000000-0000-0000-0000-00000000000${domid}"\n        },\n        "b_info": {\n            "max_vcpus": 1,\n            "max_memkb": 1049600,\n            "target_memkb": 1048576,\n            "u": {\n                "kernel": null\n            }\n        },\n        "disks": [\n            {\n                "backend_domid": 0,\n                "pdev_path": "file:/srv/${name}.img",\n                "vdev": "xvda",\n                "backend": "unknown",\n                "format": "unknown",\n                "script": null,\n                "removable": 0,\n                "readwrite": ${rw},\n                "is_cdrom": 0\n            }\n        ],\n        "nics": [\n            {\n                "mac": "00:16:3e:00:00:0${domid}",\n                "ip": null,\n                "bridge": "xenbr0",\n                "ifname": null\n            }\n        ]\n    }\n}\n`;
    const parsed = parseXlListLong(dom(1, 'a', 'pv', 'False', 1) + dom(2, 'b', 'pv', 'True', 0));
    expect(parsed.map((d) => [d.name, d.type, d.memoryMiB, d.maxMemoryMiB])).toEqual([
      ['a', 'pv', 1024, 1025],
      ['b', 'pvh', 1024, 1025],
    ]);
    // "file:" is split off; "unknown" is no format.
    expect(parsed.map((d) => d.disks)).toEqual([[disk('xvda', '/srv/a.img', 'file')], [disk('xvda', '/srv/b.img', 'file', { readonly: true })]]);
    expect(parsed[1]?.nics).toEqual([{ bridge: 'xenbr0', mac: '00:16:3e:00:00:02', ip: null }]);
  });

  it('a pdev_path with a prefix other than file:/phy:/tap: stays whole', () => {
    const [d] = parseXlListLong('[{"domid": 4, "config": {"c_info": {"name": "c"}, "disks": [{"pdev_path": "rbd:pool/image", "vdev": "xvda", "readwrite": 1}]}}]');
    expect(d?.disks).toEqual([disk('xvda', 'rbd:pool/image', 'other')]);
    const [t] = parseXlListLong('[{"domid": 4, "config": {"c_info": {"name": "c"}, "disks": [{"pdev_path": "tap:aio:/srv/c.img", "vdev": "xvda", "readwrite": 1}]}}]');
    expect(t?.disks).toEqual([disk('xvda', '/srv/c.img', 'file', { format: 'raw' })]);
  });

  it('counts out of range for a number (libxl default -1, above 2^53) are null; "[]" and empty output give []', () => {
    const [d] = parseXlListLong('[{"domid": 0, "config": {"c_info": {"name": "Domain-0"}, "b_info": {"max_memkb": -1, "target_memkb": 18446744073709551615}}}]');
    expect(d).toMatchObject({ maxMemoryMiB: null, memoryMiB: null });
    expect(parseXlListLong('[\n]\n')).toEqual([]);
    expect(parseXlListLong('')).toEqual([]);
    expect(parseXlListLong(' \n\n')).toEqual([]);
  });

  it('prototype names are data: "__proto__" keys are ignored, names such as "constructor" are kept as names', () => {
    const text =
      '[{"domid": 5, "__proto__": {"config": {}}, "config": {"__proto__": {"disks": [{}]}, "c_info": {"name": "constructor", "type": "toString"}, "b_info": {"__proto__": {"max_vcpus": 9}}}}]';
    const [d] = parseXlListLong(text);
    expect(d).toEqual({ name: 'constructor', domid: 5, uuid: null, type: null, memoryMiB: null, maxMemoryMiB: null, vcpus: null, disks: [], nics: [] });
    expect(Object.getPrototypeOf(d)).toBe(Object.prototype);
    const [x] = parseXlListLong('(domain (name __proto__) (memory toString))'.replace('toString', '1'));
    expect(x?.name).toBe('__proto__');
  });
});

describe("parseXlListLong on xl's legacy SXP (hand-written from xl_sxp.c)", () => {
  // printf_info_sexp's lines for an HVM guest: everything nests as printed.
  const HVM =
    '(domain\n\t(domid 2)\n\t(create_info)\n\t(hvm 1)\n\t(hap <default>)\n\t(oos <default>)\n\t(ssidref 0)\n\t(name win7)\n' +
    '\t(uuid 6b8c5e2a-1f0e-4c1e-9a7d-3c2b1a0f9e8d)\n\t(xsdata (null))\n\t(platformdata (null))\n\t(build_info)\n\t(max_vcpus 2)\n' +
    '\t(tsc_mode default)\n\t(max_memkb 2097152)\n\t(target_memkb 2097152)\n\t(nomigrate <default>)\n\t(image\n\t\t(hvm\n' +
    '\t\t\t(firmware (null))\n\t\t\t(boot cd)\n\t\t)\n\t)\n' +
    '\t(device\n\t\t(tap\n\t\t\t(backend_domid 0)\n\t\t\t(frontend_domid 2)\n\t\t\t(physpath /dev/vg0/win7)\n\t\t\t(phystype 1)\n' +
    '\t\t\t(virtpath hda)\n\t\t\t(unpluggable 0)\n\t\t\t(readwrite 1)\n\t\t\t(is_cdrom 0)\n\t\t)\n\t)\n' +
    '\t(device\n\t\t(tap\n\t\t\t(backend_domid 0)\n\t\t\t(frontend_domid 2)\n\t\t\t(physpath (null))\n\t\t\t(phystype 3)\n' +
    '\t\t\t(virtpath hdc)\n\t\t\t(unpluggable 1)\n\t\t\t(readwrite 0)\n\t\t\t(is_cdrom 1)\n\t\t)\n\t)\n' +
    '\t(device\n\t\t(vif\n\t\t\t(backend_domid 0)\n\t\t\t(frontend_domid 2)\n\t\t\t(devid 0)\n\t\t\t(mtu 0)\n\t\t\t(model e1000)\n' +
    '\t\t\t(mac 00163e5a0b01)\n\t\t)\n\t)\n' +
    '\t(device\n\t\t(vfb\n\t\t\t(backend_domid 0)\n\t\t\t(name not-a-domain-name)\n\t\t)\n\t)\n)\n';
  // The PV branch prints "\t\t(linux 0)" and then closes "(image" and "(domain" early: unbalanced by design.
  const PV =
    '(domain\n\t(domid 3)\n\t(create_info)\n\t(hvm 0)\n\t(name web)\n\t(uuid <unknown>)\n\t(build_info)\n\t(max_vcpus 1)\n' +
    '\t(max_memkb 524288)\n\t(target_memkb 524288)\n\t(image\n\t\t(linux 0)\n\t\t\t(kernel /boot/vmlinuz)\n' +
    '\t\t\t(cmdline root=/dev/xvda1 ro)\n\t\t)\n\t)\n\t(device\n\t\t(tap\n\t\t\t(physpath /srv/web.img)\n\t\t\t(virtpath xvda)\n' +
    '\t\t\t(readwrite 1)\n\t\t\t(is_cdrom 0)\n\t\t)\n\t)\n)\n';

  it('an HVM and a PV domain (the PV one with its early closing parentheses)', () => {
    expect(parseXlListLong(HVM + PV)).toEqual<XenDomainConfig[]>([
      {
        name: 'win7',
        domid: 2,
        uuid: '6b8c5e2a-1f0e-4c1e-9a7d-3c2b1a0f9e8d',
        type: 'hvm',
        memoryMiB: 2048,
        maxMemoryMiB: 2048,
        vcpus: 2,
        disks: [disk('hda', '/dev/vg0/win7', 'phy'), disk('hdc', null, 'other', { readonly: true, cdrom: true })],
        nics: [{ bridge: null, mac: '00:16:3e:5a:0b:01', ip: null }], // xl_sxp prints no bridge
      },
      { name: 'web', domid: 3, uuid: null, type: 'pv', memoryMiB: 512, maxMemoryMiB: 512, vcpus: 1, disks: [disk('xvda', '/srv/web.img', 'file')], nics: [] },
    ]);
  });

  it('ParseError: a line that is not SXP, a count that is not a number, a domain without a name', () => {
    expect(parseErrorOf(() => parseXlListLong(`${HVM}libxl: error: cannot read\n`)).message).toMatch(/^xl-list-long: line \d+: not an SXP line/);
    expect(parseErrorOf(() => parseXlListLong(PV.replace('(max_vcpus 1)', '(max_vcpus one)'))).message).toMatch(/max_vcpus is not an integer/);
    expect(parseErrorOf(() => parseXlListLong(PV.replace('\t(name web)\n', ''))).message).toMatch(/no \(name \.\.\.\)/);
  });
});

describe('parseXlListLong: malformed input is a ParseError', () => {
  const errors: readonly { name: string; text: string; message: RegExp }[] = [
    { name: 'plain `xl list`', text: fixture('xl-list-4.9-tab-header.txt'), message: /neither JSON nor "\(domain" S-expressions/ },
    { name: 'an xl error message', text: 'libxl: error: libxl_utils.c:68:libxl_domid_to_name: failed\n', message: /not `xl list -l` output/ },
    { name: 'cut JSON', text: XL_JSON_MODERN.slice(0, 400), message: /cut JSON/ },
    { name: 'invalid JSON', text: '[{"domid": 1, "config": {"c_info": {"name": "a",}}}]', message: /invalid JSON/ },
    { name: 'text after the JSON', text: '[]\nlibxl: error\n', message: /text between JSON values/ },
    { name: 'a "]" too many', text: '[]]', message: /unbalanced JSON/ },
    { name: 'an entry without config', text: '[{"domid": 1}]', message: /domain 0: no "config" object/ },
    { name: 'a domain without a name', text: '[{"domid": 1, "config": {"c_info": {"type": "pv"}}}]', message: /no c_info "name"/ },
    { name: 'a domid that is a string', text: '[{"domid": "1", "config": {"c_info": {"name": "a"}}}]', message: /"domid" is not an integer/ },
    { name: 'disks that are no list', text: '[{"domid": 1, "config": {"c_info": {"name": "a"}, "disks": {"vdev": "xvda"}}}]', message: /"disks" is not a list/ },
    { name: 'a pdev_path that is a number', text: '[{"domid": 1, "config": {"c_info": {"name": "a"}, "disks": [{"pdev_path": 5}]}}]', message: /"pdev_path" is not a string/ },
    { name: 'xm: unbalanced', text: fixture('xm-list-l-3.3.1-centos5-pv-phy.txt').replace(/\)\n$/, ''), message: /"\(" without "\)"/ },
    { name: 'xm: a form other than (domain ...)', text: '(xend-relocation-server yes)\n', message: /not \(domain \.\.\.\)/ },
    { name: 'xm: no name', text: '(domain (domid 1) (memory 512))', message: /no \(name \.\.\.\)/ },
    { name: 'xm: memory that is not a number', text: '(domain (name a) (memory lots))', message: /\(memory "lots"\) is not an unsigned integer/ },
  ];

  it.each(errors)('$name', ({ text, message }) => {
    const e = parseErrorOf(() => parseXlListLong(text));
    expect(e.probe).toBe('xl-list-long');
    expect(e.message).toMatch(/^xl-list-long: /);
    expect(e.message).toMatch(message);
  });

  it('hostile input stays linear', () => {
    const started = Date.now();
    expect(parseErrorOf(() => parseXlListLong('['.repeat(200_000))).probe).toBe('xl-list-long');
    expect(parseErrorOf(() => parseXlListLong(`[${'"\\\\'.repeat(100_000)}`)).probe).toBe('xl-list-long');
    expect(parseErrorOf(() => parseXlListLong('('.repeat(200_000))).probe).toBe('xl-list-long');
    expect(parseXlListLong(`${' '.repeat(200_000)}\n${'\n'.repeat(200_000)}`)).toEqual([]);
    const many = `[${Array.from({ length: 20_000 }, (_, i) => `{"domid": ${i}, "config": {"c_info": {"name": "d${i}"}}}`).join(',')}]`;
    expect(parseXlListLong(many)).toHaveLength(20_000);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
