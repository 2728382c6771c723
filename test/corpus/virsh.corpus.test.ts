/**
 * parseVirshList against real `virsh list --all` outputs, read in place from the shared corpus
 * (/work/shared/corpus/virsh, from RedHatInsights/insights-core's test constants; see SOURCES.md).
 * The files keep the unstripped value, e.g. the leading space of " Id    Name ...".
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { corpusDirs } from './corpus-dir.js';
import { ParseError } from '../../src/checks/probes/parse-error.js';
import { parseVirshList } from '../../src/checks/probes/virsh.js';

const { dirs: [VIRSH_DIR = ''], present: PRESENT } = corpusDirs('virsh', 'virsh');

const read = (file: string): string => readFileSync(`${VIRSH_DIR}${file}`, 'utf8');

describe.skipIf(!PRESENT)('virsh list --all corpus', () => {
  it('full table (RHEL workstation): every row with its id, name and state', () => {
    const text = read('insights-virsh-list-all.txt');
    expect(text.startsWith(' Id    Name')).toBe(true); // unstripped, as virsh prints it
    expect(parseVirshList(text)).toEqual([
      { id: 2, name: 'rhel7.4', state: 'running' },
      { id: 4, name: 'rhel7.0', state: 'paused' },
      { id: null, name: 'centos6.8-router', state: 'shut off' },
      { id: null, name: 'cfme-5.7.13', state: 'shut off' },
      { id: null, name: 'cfme-rhos-5.9.0.15', state: 'shut off' },
      { id: null, name: 'fedora-24-kernel', state: 'shut off' },
      { id: null, name: 'fedora-saio_fedoraSaio', state: 'shut off' },
      { id: null, name: 'fedora24-misc', state: 'shut off' },
      { id: null, name: 'freebsd11.0', state: 'shut off' },
      { id: null, name: 'guixSD', state: 'shut off' },
      { id: null, name: 'miq-gap-1', state: 'shut off' },
      { id: null, name: 'rhel7.2', state: 'shut off' },
      { id: null, name: 'RHOSP10', state: 'shut off' },
    ]);
  });

  it('full table: states and ids are consistent (only active domains carry an id)', () => {
    const rows = parseVirshList(read('insights-virsh-list-all.txt'));
    expect(rows).toHaveLength(13);
    expect(rows.filter((r) => r.state === 'running').map((r) => r.name)).toEqual(['rhel7.4']);
    expect(rows.find((r) => r.state === 'paused')).toEqual({ id: 4, name: 'rhel7.0', state: 'paused' });
    expect(rows.filter((r) => r.state === 'shut off')).toHaveLength(11);
    expect(rows.every((r) => (r.state === 'shut off') === (r.id === null))).toBe(true);
    expect(rows.some((r) => r.state === 'other')).toBe(false);
    // Names are exact: no column padding, no state word left in them.
    expect(rows.every((r) => r.name === r.name.trim() && !/\s/.test(r.name))).toBe(true);
  });

  it('the same table with CRLF line ends parses identically', () => {
    const text = read('insights-virsh-list-all.txt');
    expect(parseVirshList(text.replace(/\n/g, '\r\n'))).toEqual(parseVirshList(text));
  });

  it('header only (no domains) gives []', () => {
    const text = read('insights-virsh-list-all-empty.txt');
    expect(text).toMatch(/^\s*Id\s+Name\s+State\s*$/m);
    expect(parseVirshList(text)).toEqual([]);
  });

  it('libvirtd unreachable (error text) throws a ParseError, not an empty list', () => {
    const text = read('insights-virsh-list-all-error.txt');
    expect(text).toMatch(/^error: Failed to reconnect to the hypervisor/);
    expect(() => parseVirshList(text)).toThrow(ParseError);
    try {
      parseVirshList(text);
      expect.unreachable('parseVirshList accepted error output');
    } catch (e) {
      expect(e).toBeInstanceOf(ParseError);
      expect((e as ParseError).probe).toBe('virsh-list');
      expect((e as ParseError).code).toBe('MP_PARSE');
    }
  });
});
