/** The xend S-expression reader (xen/xend/sxp.py) and the accessors over its forms. */
import type { Sxp } from '../../../model/xen.js';
import { ParseError } from '../parse-error.js';

const SXP_ESCAPES: ReadonlyMap<string, string> = new Map([
  ['a', '\x07'],
  ['b', '\b'],
  ['t', '\t'],
  ['n', '\n'],
  ['v', '\v'],
  ['f', '\f'],
  ['r', '\r'],
  ['\\', '\\'],
  ["'", "'"],
  ['"', '"'],
]);
const SXP_SPACE = ' \t\n\v\f\r';
/** sxp.py is_separator: ends an atom (and starts the next one unless it is a paren). */
const SXP_SEPARATORS = '{}()<>[]!;';

/**
 * Reads the forms of an xend S-expression file the way xen/xend/sxp.py does: '#' starts a
 * comment outside strings, atoms end at blanks, '#' and {}()<>[]!;, strings take ' or " with C
 * escapes, and an unknown escape keeps its backslash but drops the escaped character (so
 * '\.' reads as '\', which is why the upstream file writes '\\.').
 */
export function readSxp(text: string, probe: string): Sxp[] {
  const top: Sxp[] = [];
  const stack: Sxp[][] = [top];
  let i = 0;
  const fail = (why: string): ParseError => new ParseError(probe, `line ${text.slice(0, i).split('\n').length}: ${why}`);
  while (i < text.length) {
    const c = text[i] as string;
    const current = stack[stack.length - 1] as Sxp[];
    if (SXP_SPACE.includes(c)) {
      i++;
    } else if (c === '#') {
      const end = text.indexOf('\n', i);
      i = end < 0 ? text.length : end;
    } else if (c === '(') {
      const list: Sxp[] = [];
      current.push(list);
      stack.push(list);
      i++;
    } else if (c === ')') {
      if (stack.length === 1) throw fail('")" without "("');
      stack.pop();
      i++;
    } else if (c === "'" || c === '"') {
      let value = '';
      i++;
      for (;;) {
        if (i >= text.length) throw fail('unterminated string');
        const d = text[i] as string;
        if (d === c) {
          i++;
          break;
        }
        if (d !== '\\') {
          value += d;
          i++;
          continue;
        }
        const e = text[i + 1];
        if (e === undefined) throw fail('unterminated string');
        const named = SXP_ESCAPES.get(e);
        if (named !== undefined) {
          value += named;
          i += 2;
        } else if (e === 'x') {
          // sxp.py's hex escape mis-reads A-F and can crash; no real file uses it.
          throw fail('"\\x" escapes are not supported');
        } else if (e >= '0' && e <= '7') {
          let digits = '';
          i++;
          while (digits.length < 3 && i < text.length && (text[i] as string) >= '0' && (text[i] as string) <= '7') digits += text[i++];
          const code = parseInt(digits, 8);
          if (code > 0xff) throw fail(`octal escape out of range: \\${digits}`);
          value += String.fromCharCode(code);
        } else {
          value += '\\';
          i += 2;
        }
      }
      current.push(value);
    } else if (c.charCodeAt(0) < 0x21 || c.charCodeAt(0) > 0x7e) {
      throw fail(`invalid character: code ${c.charCodeAt(0)}`);
    } else {
      let j = i + 1;
      while (j < text.length && !SXP_SPACE.includes(text[j] as string) && !SXP_SEPARATORS.includes(text[j] as string) && text[j] !== '#') j++;
      current.push(text.slice(i, j));
      i = j;
    }
  }
  if (stack.length > 1) throw fail('unexpected end of file: "(" without ")"');
  return top;
}

/** The values of the first `(key ...)` child of an xend list. */
export function sxpChild(list: readonly Sxp[], key: string): readonly Sxp[] | undefined {
  for (const item of list) if (typeof item !== 'string' && item[0] === key) return item.slice(1);
  return undefined;
}

/** A child's atoms joined with blanks ("(ip 10.0.0.1 10.0.0.2)"); null when absent, empty or holding a list. */
export function sxpAtom(list: readonly Sxp[], key: string): string | null {
  const values = sxpChild(list, key);
  if (values === undefined || values.length === 0 || values.some((v) => typeof v !== 'string')) return null;
  const joined = (values as string[]).join(' ');
  return joined === '' ? null : joined;
}
