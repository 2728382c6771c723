import { readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readXml, XmlDepthError, XmlSyntaxError } from '../../src/checks/probes/xml-parse.js';
import { oracle, plain } from './xml-oracle.js';

const FIXTURES = ['libvirt-qemu', 'virsh-caps'].flatMap((d) => {
  const dir = new URL(`../fixtures/${d}/`, import.meta.url);
  return readdirSync(dir)
    .filter((f) => f.endsWith('.xml'))
    .map((f) => [`${d}/${f}`, readFileSync(new URL(f, dir), 'utf8').replace(/<\?xml[^<>]*\?>/, '')] as const);
});

const syntaxError = (text: string): XmlSyntaxError => {
  try {
    readXml(text, 256);
  } catch (e) {
    if (e instanceof XmlSyntaxError) return e;
    throw e;
  }
  throw new Error(`accepted: ${text}`);
};

describe('the XML reader (xml-parse.ts)', () => {
  it.each(FIXTURES)('%s (real virsh output) reads as fast-xml-parser read it', (_name, text) => {
    expect(FIXTURES.length).toBeGreaterThan(5);
    const want = oracle(text);
    expect(want).not.toBeNull();
    expect(plain(readXml(text, 256))).toEqual(want);
  });

  it('keeps attributes and text as written (entities are decoded by the reader of a value), CDATA apart, comments and PIs out', () => {
    const top = readXml(`<a x="1 &amp; 2" y='"'> t &lt; u <b/><!-- <c/> --><?pi x?><![CDATA[<raw>]]></a>`, 256);
    expect(plain(top)).toEqual({ a: [{ '@x': '1 &amp; 2', '@y': '"', '#text': 't &lt; u', b: [{}], '#cdata': [{ '#text': '<raw>' }] }] });
    expect(Object.getPrototypeOf(top)).toBeNull();
  });

  it.each([
    ['<a><b></a>', 1, 7, 'closing tag </a> does not match <b> (opened at line 1, column 4)'],
    ['<a>\n  <b x=1/>\n</a>', 2, 8, 'attribute x of <b>: a quoted value expected'],
    ['<a x="1" x="2"/>', 1, 10, 'attribute x repeated in <a>'],
    ['<a x="1"y="2"/>', 1, 9, 'space expected before an attribute in <a>'],
    ['<a disabled/>', 1, 12, 'attribute disabled of <a> without a value'],
    ['<a x="<"/>', 1, 7, "'<' in the value of attribute x of <a>"],
    ['</a>', 1, 1, 'closing tag </a> with no element open'],
    ['<a>\n<b>\n</b>', 1, 1, '<a> not closed'],
    ['<a><!-- x </a>', 1, 4, 'comment not closed'],
    ['<a><![CDATA[x</a>', 1, 4, 'CDATA section not closed'],
    ['<a><!ELEMENT a ANY></a>', 1, 4, 'markup declarations (<!...>) are not accepted'],
    ['<a>< b/></a>', 1, 5, 'a name expected, got " b/></a>"'],
    ['<a', 1, 3, '<a> not closed'],
  ])('refuses %j at line %i, column %i: %s', (text, line, column, reason) => {
    const e = syntaxError(text);
    expect({ line: e.line, column: e.column, reason: e.reason }).toEqual({ line, column, reason });
  });

  it('nesting deeper than the limit is its own error, without recursion (100,000 levels)', () => {
    expect(() => readXml(`${'<x>'.repeat(100_000)}${'</x>'.repeat(100_000)}`, 256)).toThrow(XmlDepthError);
    expect(() => readXml(`${'<x>'.repeat(255)}${'</x>'.repeat(255)}`, 256)).not.toThrow();
  });

  it('(property) any tree, written out, reads back as itself and as fast-xml-parser reads it', () => {
    const name = fc.stringMatching(/^[a-z_][a-z0-9_.:-]{0,6}$/);
    const value = fc.stringMatching(/^[^<&"']{0,8}$/);
    const text = fc.stringMatching(/^[^<&]{0,8}$/).map((t) => t.trim());
    type Tree = { tag: string; attrs: [string, string][]; text: string; kids: Tree[] };
    const tree: fc.Arbitrary<Tree> = fc.letrec<{ t: Tree }>((tie) => ({
      t: fc.record({
        tag: name,
        attrs: fc.uniqueArray(fc.tuple(name, value), { maxLength: 3, selector: ([k]) => k }),
        text,
        kids: fc.oneof({ maxDepth: 4, depthIdentifier: 'tree' }, fc.constant([]), fc.array(tie('t'), { maxLength: 3 })) as fc.Arbitrary<Tree[]>,
      }),
    })).t;
    const write = (t: Tree): string => `<${t.tag}${t.attrs.map(([k, v]) => ` ${k}="${v}"`).join('')}>${t.text}${t.kids.map(write).join('')}</${t.tag}>`;
    fc.assert(
      fc.property(fc.array(tree, { maxLength: 3 }), (trees) => {
        const xml = trees.map(write).join('\n');
        expect(plain(readXml(xml, 256))).toEqual(oracle(xml));
      }),
      { numRuns: 500 },
    );
  });
});
