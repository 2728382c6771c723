/**
 * A strict XML reader for what virsh prints: elements, attributes, text, comments, CDATA and
 * processing instructions; no DTD (the caller refuses one first). One pass that checks
 * well-formedness as it builds the tree (fast-xml-parser took a validating pass and a parsing pass,
 * ~10 ms of every check's critical path for a few domains' XML). Iterative: nesting is bounded by
 * `maxDepth`, never by the stack. Entities stay as written; xml-doc.ts decodes what is read.
 */

/** An element: child elements by tag (arrays), attributes at '@name', text at '#text', CDATA at '#cdata'. No prototype. */
export type XmlElement = Record<string, unknown>;

/** Where and why the text is not well-formed, positions 1-based. */
export class XmlSyntaxError extends Error {
  constructor(
    readonly line: number,
    readonly column: number,
    readonly reason: string,
  ) {
    super(`line ${line}, column ${column}: ${reason}`);
  }
}

/** Nesting deeper than the limit (its own kind: the message says "unparsable", not "malformed"). */
export class XmlDepthError extends Error {}

// XML names (the letters of any script, digits after the first, '_', ':', '.', '-'), sticky.
const NAME = /[\p{L}_:][\p{L}\p{N}\p{M}_:.\-\u00B7]*/uy;
const SPACE = /[ \t\r\n]*/y;

const element = (): XmlElement => Object.create(null) as XmlElement;

function add(parent: XmlElement, key: string, child: XmlElement): void {
  const list = parent[key] as XmlElement[] | undefined;
  if (list) list.push(child);
  else parent[key] = [child];
}

interface Open {
  readonly tag: string;
  readonly node: XmlElement;
  readonly at: number;
  text: string;
}

/**
 * Reads the text as a sequence of top-level items into one container element (its children,
 * text and CDATA, as for any element), so a caller sees what stood at the top level. Text and
 * attribute values are trimmed, each run of text between two tags on its own, and an element's
 * runs joined (as fast-xml-parser gave them: libvirt writes neither padded values nor mixed content).
 * @throws XmlSyntaxError, XmlDepthError
 */
export function readXml(s: string, maxDepth: number): XmlElement {
  const fail = (at: number, reason: string): never => {
    const { line, column } = lineColumn(s, at);
    throw new XmlSyntaxError(line, column, reason);
  };
  const name = (at: number): string => {
    NAME.lastIndex = at;
    const m = NAME.exec(s);
    return m ? m[0] : fail(at, `a name expected, got ${JSON.stringify(s.slice(at, at + 10))}`);
  };
  const skipSpace = (at: number): number => {
    SPACE.lastIndex = at;
    SPACE.exec(s);
    return SPACE.lastIndex;
  };
  const top: Open = { tag: '', node: element(), at: 0, text: '' };
  const stack: Open[] = [top];
  let cur = top;
  let i = 0;
  while (i < s.length) {
    const lt = s.indexOf('<', i);
    const end = lt < 0 ? s.length : lt;
    if (end > i) cur.text += s.slice(i, end).trim();
    if (lt < 0) break;
    const c = s.charCodeAt(lt + 1);
    if (c === 0x21 /* ! */) {
      if (s.startsWith('<!--', lt)) {
        const close = s.indexOf('-->', lt + 4);
        if (close < 0) fail(lt, 'comment not closed');
        i = close + 3;
      } else if (s.startsWith('<![CDATA[', lt)) {
        const close = s.indexOf(']]>', lt + 9);
        if (close < 0) fail(lt, 'CDATA section not closed');
        const cdata = element();
        cdata['#text'] = s.slice(lt + 9, close);
        add(cur.node, '#cdata', cdata);
        i = close + 3;
      } else fail(lt, 'markup declarations (<!...>) are not accepted');
    } else if (c === 0x3f /* ? */) {
      const close = s.indexOf('?>', lt + 2);
      if (close < 0) fail(lt, 'processing instruction not closed');
      i = close + 2;
    } else if (c === 0x2f /* / */) {
      const tag = name(lt + 2);
      const after = skipSpace(lt + 2 + tag.length);
      if (s.charCodeAt(after) !== 0x3e) fail(after, `'>' expected after </${tag}`);
      if (cur === top) fail(lt, `closing tag </${tag}> with no element open`);
      if (tag !== cur.tag) {
        const opened = lineColumn(s, cur.at);
        fail(lt, `closing tag </${tag}> does not match <${cur.tag}> (opened at line ${opened.line}, column ${opened.column})`);
      }
      close(cur);
      stack.pop();
      cur = stack[stack.length - 1] as Open;
      i = after + 1;
    } else {
      const tag = name(lt + 1);
      const node = element();
      let j = lt + 1 + tag.length;
      for (;;) {
        const k = skipSpace(j);
        const ch = s.charCodeAt(k);
        if (ch === 0x3e /* > */ || (ch === 0x2f && s.charCodeAt(k + 1) === 0x3e) /* /> */) {
          j = k;
          break;
        }
        if (k === j) fail(k, k >= s.length ? `<${tag}> not closed` : `space expected before an attribute in <${tag}>`);
        const an = name(k);
        const eq = skipSpace(k + an.length);
        if (s.charCodeAt(eq) !== 0x3d /* = */) fail(eq, `attribute ${an} of <${tag}> without a value`);
        const q = skipSpace(eq + 1);
        const quote = s.charCodeAt(q);
        if (quote !== 0x22 && quote !== 0x27) fail(q, `attribute ${an} of <${tag}>: a quoted value expected`);
        const closeQ = s.indexOf(quote === 0x22 ? '"' : "'", q + 1);
        if (closeQ < 0) fail(q, `attribute ${an} of <${tag}>: value not closed`);
        const value = s.slice(q + 1, closeQ).trim();
        if (value.includes('<')) fail(q + 1 + value.indexOf('<'), `'<' in the value of attribute ${an} of <${tag}>`);
        if (`@${an}` in node) fail(k, `attribute ${an} repeated in <${tag}>`);
        node[`@${an}`] = value;
        j = closeQ + 1;
      }
      add(cur.node, tag, node);
      if (s.charCodeAt(j) === 0x2f) {
        i = j + 2;
      } else {
        if (stack.length > maxDepth) throw new XmlDepthError(`elements nested more than ${maxDepth} deep`);
        cur = { tag, node, at: lt, text: '' };
        stack.push(cur);
        i = j + 1;
      }
    }
  }
  if (cur !== top) fail(cur.at, `<${cur.tag}> not closed`);
  close(top);
  return top.node;
}

/** An element's text, when there is any. */
function close(o: Open): void {
  if (o.text !== '') o.node['#text'] = o.text;
}

/** The 1-based line and column of an offset. */
function lineColumn(s: string, at: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let k = s.indexOf('\n'); k >= 0 && k < at; k = s.indexOf('\n', k + 1)) {
    line++;
    lineStart = k + 1;
  }
  return { line, column: at - lineStart + 1 };
}
