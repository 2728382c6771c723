/**
 * The XML layer under the libvirt parsers: several concatenated documents read as one top level
 * (xml-parse.ts), element and attribute access with entity decoding, libvirt's scaled units.
 */
import { ParseError } from './parse-error.js';
import { readXml, XmlDepthError, XmlSyntaxError } from './xml-parse.js';

/** Element depth limit (the top level counts). Deep qcow2 backing chains nest <backingStore>, so not 100. */
const MAX_DEPTH = 256;

/** One parsed element: attributes under '@name', text under '#text', CDATA under '#cdata', children as arrays. */
export type XmlNode = { readonly [key: string]: unknown };

/** `[^<>]`, not `[^>]`: each candidate then stops at the next '<', so many unclosed `<?xml` stay linear. */
const XML_DECL = /<\?xml(?:\s[^<>]*)?\?>/g;

export function parseDocuments(probe: string, text: string, rootTag: string): XmlNode[] {
  // Blanked, not removed: positions in errors stay those of the probe's own output.
  const body = text.replace(/^\uFEFF/, ' ').replace(XML_DECL, (d) => d.replace(/[^\n]/g, ' '));
  if (body.trim() === '') return [];
  // virsh never prints a DTD; refusing it up front rules out entity-expansion tricks entirely.
  if (/<!DOCTYPE|<!ENTITY/i.test(body)) {
    throw new ParseError(probe, 'DOCTYPE/ENTITY declarations are not accepted (virsh never prints them)');
  }
  let root: XmlNode;
  try {
    root = readXml(body, MAX_DEPTH);
  } catch (e) {
    if (e instanceof XmlSyntaxError) throw new ParseError(probe, `malformed XML at line ${e.line}, column ${e.column}: ${e.reason}`);
    if (e instanceof XmlDepthError) throw new ParseError(probe, `unparsable XML: ${e.message}`);
    throw e;
  }
  for (const key of Object.keys(root)) {
    if (key === rootTag) continue;
    const what = key === '#text' ? `text ${JSON.stringify(textOf(root, probe).slice(0, 80))}` : key === '#cdata' ? 'CDATA' : `<${key}>`;
    throw new ParseError(probe, `unexpected ${what} at top level, expected only <${rootTag}> documents`);
  }
  return all(root, rootTag);
}

export function asNode(v: unknown): XmlNode {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as XmlNode) : {};
}

export function all(node: XmlNode | undefined, tag: string): XmlNode[] {
  const v = node?.[tag];
  return Array.isArray(v) ? v.map(asNode) : [];
}

export function first(node: XmlNode | undefined, tag: string): XmlNode | undefined {
  return all(node, tag)[0];
}

const PREDEFINED: ReadonlyMap<string, string> = new Map([
  ['lt', '<'],
  ['gt', '>'],
  ['amp', '&'],
  ['apos', "'"],
  ['quot', '"'],
]);

/** Decodes the five predefined entities and character references; anything else is not well-formed here. */
export function decodeXml(raw: string, probe: string): string {
  if (!raw.includes('&')) return raw;
  const out = raw.replace(/&(?:#x([0-9A-Fa-f]+)|#([0-9]+)|([A-Za-z][A-Za-z0-9._-]*));/g, (m, hex?: string, dec?: string, name?: string) => {
    if (name !== undefined) {
      const c = PREDEFINED.get(name); // a Map: '&constructor;' must not find Object.prototype
      if (c === undefined) throw new ParseError(probe, `undefined entity ${m}`);
      return c;
    }
    const cp = hex !== undefined ? Number.parseInt(hex, 16) : Number(dec);
    const ok = cp === 0x9 || cp === 0xa || cp === 0xd || (cp >= 0x20 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp <= 0x10ffff);
    if (!ok) throw new ParseError(probe, `invalid character reference ${m}`);
    return String.fromCodePoint(cp);
  });
  // A stray '&' left over means the regex did not match: e.g. "a & b" or "&#xZZ;".
  if (/&(?!(?:#x[0-9A-Fa-f]+|#[0-9]+|[A-Za-z][A-Za-z0-9._-]*);)/.test(raw)) {
    throw new ParseError(probe, `bare '&' in ${JSON.stringify(raw.slice(0, 80))}`);
  }
  return out;
}

/** Element text (trimmed by the parser), entities decoded; CDATA (which libvirt does not emit) appended raw. */
export function textOf(node: XmlNode, probe: string): string {
  const t = node['#text'];
  const cdata = all(node, '#cdata').map((c) => (typeof c['#text'] === 'string' ? c['#text'] : '')).join('');
  return (typeof t === 'string' ? decodeXml(t, probe) : '') + cdata;
}

/** Attribute value, entities decoded; null when absent. */
export function attr(node: XmlNode | undefined, name: string, probe: string): string | null {
  const v = node?.[`@${name}`];
  return typeof v === 'string' ? decodeXml(v, probe) : null;
}

/** Attribute value, null when absent or empty (e.g. an empty cdrom's file=""). */
export function attrValue(node: XmlNode | undefined, name: string, probe: string): string | null {
  const v = attr(node, name, probe);
  return v === null || v === '' ? null : v;
}

/** Text of the first <tag> child, null when absent or empty. */
export function childText(node: XmlNode | undefined, tag: string, probe: string): string | null {
  const c = first(node, tag);
  if (!c) return null;
  const t = textOf(c, probe);
  return t === '' ? null : t;
}

export function requiredChildText(node: XmlNode, tag: string, probe: string, what: string): string {
  const t = childText(node, tag, probe);
  if (t === null) throw new ParseError(probe, `${what} without <${tag}>`);
  return t;
}

/**
 * Multiplier of a libvirt scaled-integer unit, as libvirt's virScaleInteger reads it
 * (case-insensitive): b/byte/bytes = 1; k, KiB, M, MiB, ... = powers of 1024; KB, MB, ... = powers of 1000.
 */
export function unitFactor(unit: string): bigint | null {
  const u = unit.toLowerCase();
  if (u === 'b' || u === 'byte' || u === 'bytes') return 1n;
  const power = 'kmgtpe'.indexOf(u[0] ?? '') + 1;
  if (power === 0) return null;
  const rest = u.slice(1);
  const base = rest === '' || rest === 'ib' ? 1024n : rest === 'b' ? 1000n : null;
  return base === null ? null : base ** BigInt(power);
}

