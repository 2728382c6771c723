import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseDomainXmlList } from '../../src/checks/probes/libvirt-xml.js';
import { ParseError } from '../../src/checks/probes/parse-error.js';

// Real `virsh dumpxml --migratable` of three running lab guests (test/fixtures/README.md).
const TEXT = readFileSync(new URL('../fixtures/libvirt-qemu/dumpxml-migratable-graphics.xml', import.meta.url), 'utf8');

describe('graphics in virsh dumpxml', () => {
  it('an address listen (attribute and <listen> both), and a qemu.conf listen without address', () => {
    expect(parseDomainXmlList(TEXT).map((d) => [d.name, d.graphics])).toEqual([
      ['g-vnc-src', [{ type: 'vnc', listens: [{ type: 'address', address: '10.203.40.11', network: null }] }]],
      ['g-spice-src', [{ type: 'spice', listens: [{ type: 'address', address: '10.203.40.11', network: null }] }]],
      ['g-vnc-def', [{ type: 'vnc', listens: [{ type: 'address', address: null, network: null }] }]],
    ]);
  });

  it("the attribute alone (libvirt before <listen>), a network listen, and a <graphics> without type refused", () => {
    const one = TEXT.slice(0, TEXT.indexOf('</domain>') + 9);
    const attrOnly = one.replace(/(<graphics [^>]*)>\s*<listen [^>]*\/>\s*<\/graphics>/, '$1/>');
    expect(parseDomainXmlList(attrOnly)[0]?.graphics).toEqual([{ type: 'vnc', listens: [{ type: 'address', address: '10.203.40.11', network: null }] }]);
    const net = one.replace("<listen type='address' address='10.203.40.11'/>", "<listen type='network' network='default'/>").replace(" listen='10.203.40.11'", '');
    expect(parseDomainXmlList(net)[0]?.graphics).toEqual([{ type: 'vnc', listens: [{ type: 'network', address: null, network: 'default' }] }]);
    expect(() => parseDomainXmlList(one.replace("<graphics type='vnc'", '<graphics'))).toThrow(ParseError);
  });
});
