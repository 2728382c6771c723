/**
 * fast-xml-parser, as the libvirt parsers used it before xml-parse.ts, as an oracle: the same text
 * must give the same tree (the reader's is prototype-free and leaves out empty text).
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';

const PARSER = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  textNodeName: '#text',
  cdataPropName: '#cdata',
  alwaysCreateTextNode: true,
  parseTagValue: false,
  parseAttributeValue: false,
  processEntities: false,
  htmlEntities: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  allowBooleanAttributes: false,
  isArray: (_tag, _path, _leaf, isAttribute) => !isAttribute,
});

/** The top level of `text` as fast-xml-parser reads it (wrapped in a root of its own), empty texts left out; null when its validator refuses it. */
export function oracle(text: string): unknown {
  const wrapped = `<oracle-root>${text}</oracle-root>`;
  if (XMLValidator.validate(wrapped, { allowBooleanAttributes: false }) !== true) return null;
  return plain((PARSER.parse(wrapped) as { 'oracle-root': unknown[] })['oracle-root'][0]);
}

/** A tree as plain JSON data, empty '#text' left out (the reader does not write it). */
export function plain(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(plain);
  if (typeof v !== 'object' || v === null) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) if (!(k === '#text' && x === '')) out[k] = plain(x);
  return out;
}
