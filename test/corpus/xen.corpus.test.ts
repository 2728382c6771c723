/**
 * parseXlList and parseXendConfig against the Xen files of the shared corpus, read in place
 * (/work/shared/corpus/xen: puppetlabs/facter's xl/xm list fixtures and the Xen 4.2.2 release
 * tree's tools/examples; see SOURCES.md section 8).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { corpusDirs } from './corpus-dir.js';
import { ParseError } from '../../src/checks/probes/parse-error.js';
import { parseXendConfig, parseXlInfo, parseXlList, relocationAdmits } from '../../src/checks/probes/xen.js';
import type { XenDomain } from '../../src/model/xen.js';

const { dirs: [XEN_DIR = ''], present: PRESENT } = corpusDirs('xen', 'xen');

const read = (file: string): string => readFileSync(`${XEN_DIR}${file}`, 'utf8');

const up = (name: string, id: number, memoryMiB: number, vcpus: number, raw: 'r-----' | '-b----', cpuTimeSeconds: number): XenDomain => ({
  name,
  id,
  memoryMiB,
  vcpus,
  state: { raw, running: raw === 'r-----', blocked: raw === '-b----', paused: false, shutdown: false, crashed: false, dying: false, shutdownReason: null },
  cpuTimeSeconds,
});

describe.skipIf(!PRESENT)('xl list / xm list corpus', () => {
  it('facter xl list (xl columns, no trailing newline): Domain-0 and two running domUs', () => {
    const text = read('facter-xl-list.txt');
    expect(text.endsWith('\n')).toBe(false);
    expect(parseXlList(text)).toEqual([
      up('Domain-0', 0, 750, 4, 'r-----', 11794.3),
      up('win', 1, 1019, 1, 'r-----', 0.3),
      up('linux', 2, 2048, 2, 'r-----', 5624.2),
    ]);
  });

  it('facter 2 xm list: Domain-0 running, web01 and mailserver blocked (idle)', () => {
    expect(parseXlList(read('facter2-xm-list.txt'))).toEqual([
      up('Domain-0', 0, 656, 4, 'r-----', 48140.9),
      up('web01', 48, 512, 2, '-b----', 97651.5),
      up('mailserver', 53, 512, 4, '-b----', 7536.1),
    ]);
  });

  it('both tables: every row has an id, only Domain-0 has id 0, names carry no padding', () => {
    for (const file of ['facter-xl-list.txt', 'facter2-xm-list.txt']) {
      const rows = parseXlList(read(file));
      expect(rows).toHaveLength(3);
      expect(rows.filter((r) => r.id === 0).map((r) => r.name)).toEqual(['Domain-0']);
      expect(rows.every((r) => r.id !== null && r.name === r.name.trim() && !/\s/.test(r.name))).toBe(true);
      expect(rows.some((r) => r.state.shutdown || r.state.crashed || r.state.paused || r.state.dying)).toBe(false);
    }
  });

  it('the list files are not `xl info` output, and config files are not lists', () => {
    expect(() => parseXlInfo(read('facter-xl-list.txt'))).toThrow(ParseError);
    for (const file of ['xen-4.2.2-xend-config.sxp', 'xen-4.2.2-xlexample.hvm.cfg']) {
      expect(() => parseXlList(read(file))).toThrow(/^xl-list: no "Name ID Mem VCPUs State Time\(s\)" header/);
    }
  });
});

describe.skipIf(!PRESENT)('xend-config.sxp corpus', () => {
  it('upstream Xen 4.2.2 default: relocation server commented out, so off on the default port and address', () => {
    const config = parseXendConfig(read('xen-4.2.2-xend-config.sxp'));
    expect(config).toEqual({
      relocationServer: false, // "#(xend-relocation-server no)" is a comment: xend's default "no"
      relocationPort: 8002,
      relocationAddress: '',
      // The one uncommented relocation line; the file's '\\.' decodes to '\.'. The commented
      // example "#  (xend-relocation-hosts-allow '^localhost$ ^.*\\.example\\.org$')" is not read.
      relocationHostsAllow: ['^localhost$', '^localhost\\.localdomain$'],
      invalidHostsAllow: [],
      relocationSslServer: false,
      relocationSslPort: 8003,
      settings: {
        'xend-unix-server': ['yes'],
        'xend-relocation-hosts-allow': ['^localhost$ ^localhost\\.localdomain$'],
        'network-script': [], // "(network-script )": the form is there, its value is not
        'vif-script': ['vif-bridge'],
        'dom0-min-mem': ['512'],
        'enable-dom0-ballooning': ['yes'],
        total_available_memory: ['0'], // "(total_available_memory 0) " with a trailing blank
        'dom0-cpus': ['0'],
        vncpasswd: [''],
      },
    });
  });

  it('upstream default: even were the server switched on, only localhost could migrate in', () => {
    const { relocationHostsAllow: allow } = parseXendConfig(read('xen-4.2.2-xend-config.sxp'));
    expect(relocationAdmits(allow, 'localhost')).toBe(true);
    expect(relocationAdmits(allow, 'localhost.localdomain')).toBe(true);
    expect(relocationAdmits(allow, 'xen-source.example.org')).toBe(false);
    expect(relocationAdmits(allow, '192.0.2.10')).toBe(false);
  });

  it('switching the server on in the upstream file (uncommenting its line) is read, the rest unchanged', () => {
    const text = read('xen-4.2.2-xend-config.sxp');
    expect(text).toContain('\n#(xend-relocation-server no)\n');
    const on = parseXendConfig(text.replace('\n#(xend-relocation-server no)\n', '\n(xend-relocation-server yes)\n'));
    expect(on.relocationServer).toBe(true);
    expect({ ...on, relocationServer: false, settings: {} }).toEqual({ ...parseXendConfig(text), settings: {} });
  });

  it('the same file with CRLF line ends parses identically', () => {
    const text = read('xen-4.2.2-xend-config.sxp');
    expect(parseXendConfig(text.replace(/\n/g, '\r\n'))).toEqual(parseXendConfig(text));
  });

  it('an xl domain config (key = value) is not an xend config: a bare word outside "( )"', () => {
    try {
      parseXendConfig(read('xen-4.2.2-xlexample.hvm.cfg'));
      expect.unreachable('parseXendConfig accepted an xl domain config');
    } catch (e) {
      expect(e).toBeInstanceOf(ParseError);
      expect((e as ParseError).probe).toBe('xend-config');
      expect((e as ParseError).message).toBe('xend-config: bare word "builder" outside "( )": not an xend-config.sxp file');
    }
  });

  it('limit: xl.conf is all comments, so it reads as an xend config of defaults (a probe must name the file)', () => {
    expect(parseXendConfig(read('xen-4.2.2-xl.conf'))).toMatchObject({ relocationServer: false, settings: {} });
  });
});
