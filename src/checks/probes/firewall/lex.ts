// ---------------------------------------------------------------------------------------------
// Shared lexing helpers

export interface Tok {
  readonly t: string;
  readonly start: number;
  readonly end: number;
}

/** nft rule tokens: quoted strings, braces/parens/commas alone, a trailing `# ...` as one token. */
export function lexNft(s: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i] as string;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    if (c === '"') {
      let j = i + 1;
      while (j < s.length && s[j] !== '"') j += s[j] === '\\' ? 2 : 1;
      out.push({ t: s.slice(i, j + 1), start: i, end: Math.min(j + 1, s.length) });
      i = j + 1;
      continue;
    }
    if ('{}(),'.includes(c)) {
      out.push({ t: c, start: i, end: i + 1 });
      i++;
      continue;
    }
    if (c === '#') {
      out.push({ t: s.slice(i).trim(), start: i, end: s.length });
      break;
    }
    let j = i;
    while (j < s.length && !' \t\r\n{}(),"'.includes(s[j] as string)) j++;
    out.push({ t: s.slice(i, j), start: i, end: j });
    i = j;
  }
  return out;
}

export const unquote = (s: string): string => (s.length >= 2 && s.startsWith('"') && s.endsWith('"') ? s.slice(1, -1).replace(/\\(.)/g, '$1') : s);

/** Shell-like split used by iptables-save (double quotes with backslash escapes, single quotes). */
export function splitArgs(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let has = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    if (c === '"' || c === "'") {
      has = true;
      for (i++; i < line.length && line[i] !== c; i++) {
        if (c === '"' && line[i] === '\\' && i + 1 < line.length) i++;
        cur += line[i];
      }
    } else if (c === ' ' || c === '\t') {
      if (has) out.push(cur);
      cur = '';
      has = false;
    } else {
      cur += c;
      has = true;
    }
  }
  if (has) out.push(cur);
  return out;
}

/** A lookup in a name table that never finds Object.prototype ("constructor", "__proto__", "toString" are unknown names). */
export function own<T>(table: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}
