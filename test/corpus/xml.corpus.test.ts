/**
 * The XML reader (xml-parse.ts) against every real libvirt XML document of the shared corpus
 * (domains, networks, pools, capabilities, domain capabilities; and the real libvirt 9 hosts'
 * virsh outputs): it must read each as fast-xml-parser, which the parsers used before, read it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readXml } from '../../src/checks/probes/xml-parse.js';
import { oracle, plain } from '../unit/xml-oracle.js';
import { corpusDirs } from './corpus-dir.js';

const { dirs: [LIBVIRT = '', REAL = ''], present: PRESENT } = corpusDirs('XML reader', 'libvirt', 'libvirt-real');

const files = (): [string, string][] => {
  if (!PRESENT) return [];
  const xml = readdirSync(LIBVIRT, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .flatMap((d) => readdirSync(join(LIBVIRT, d.name)).filter((f) => f.endsWith('.xml')).map((f) => join(d.name, f)))
    .map((f): [string, string] => [`libvirt/${f}`, readFileSync(join(LIBVIRT, f), 'utf8')]);
  const real = readdirSync(REAL)
    .filter((f) => /virsh-(domxml|caps|domcaps)\.txt$/.test(f))
    .map((f): [string, string] => [`libvirt-real/${f}`, readFileSync(join(REAL, f), 'utf8')]);
  return [...xml, ...real].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
};

describe.skipIf(!PRESENT)('the XML reader on the corpus', () => {
  const all = files();
  it('has the documents to read', () => {
    expect(all.length).toBeGreaterThan(30);
  });
  it.each(all)('%s reads as fast-xml-parser read it', (_name, text) => {
    const body = text.replace(/<\?xml(?:\s[^<>]*)?\?>/g, '');
    const want = oracle(body);
    expect(want).not.toBeNull();
    expect(plain(readXml(body, 256))).toEqual(want);
  });
});
