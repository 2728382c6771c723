/** The Ansible INI inventory. */
import { type Fail, Model, type Var } from './model.js';
import { expandPattern, splitHostPattern } from './ranges.js';

const INI_SECTION = /^\[([^:\]\s]+)(?::(\w+))?\]\s*(?:#.*)?$/;
const INI_GROUP_NAME = /^([^:\]\s]+)\s*(?:#.*)?$/;

export function readIni(lines: readonly string[], fail: Fail): Model {
  const model = new Model(fail);
  let group = 'ungrouped';
  let state: 'hosts' | 'children' | 'vars' = 'hosts';
  /** Groups declared by [g] or [g:children] (all and ungrouped always are). */
  const declared = new Set(['all', 'ungrouped']);
  const varsSections: Array<{ group: string; line: number }> = [];
  const childRefs: Array<{ parent: string; child: string; line: number }> = [];
  lines.forEach((raw, i) => {
    const n = i + 1;
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) return;
    const sec = INI_SECTION.exec(line);
    if (sec) {
      const kind = sec[2] ?? 'hosts';
      if (kind !== 'hosts' && kind !== 'children' && kind !== 'vars') fail(n, `section [${sec[1]}:${kind}] has unknown type "${kind}" (expected children or vars)`);
      group = sec[1] as string;
      state = kind as typeof state;
      if (state === 'vars') varsSections.push({ group, line: n });
      else declared.add(group);
      model.group(group, n);
      return;
    }
    const bracketedV6 = state === 'hosts' && splitHostPattern(line.split(/\s/)[0] as string).literal;
    if (line.startsWith('[') && !bracketedV6) fail(n, `bad section header ${JSON.stringify(line)}: expected [group], [group:vars] or [group:children], without blanks`);
    if (state === 'hosts') {
      let tokens: string[];
      try {
        tokens = shellSplit(line);
      } catch (e) {
        return fail(n, `${(e as Error).message} in ${JSON.stringify(line)}`);
      }
      const pattern = tokens[0];
      if (pattern === undefined) return; // only a comment after blanks
      if (pattern.endsWith(':')) fail(n, `bad host pattern "${pattern}": a ":" must be followed by a port`);
      const vars = new Map<string, Var>();
      for (const t of tokens.slice(1)) {
        const eq = t.indexOf('=');
        if (eq <= 0) fail(n, `expected key=value after the host, got ${JSON.stringify(t)}`);
        vars.set(t.slice(0, eq), { text: unquote(t.slice(eq + 1)), line: n });
      }
      const { names, port } = expandPattern(pattern, n, fail);
      model.addHosts(names, group, n, port, vars);
    } else if (state === 'vars') {
      const eq = line.indexOf('=');
      if (eq < 0) fail(n, `expected key=value in [${group}:vars], got ${JSON.stringify(line)}`);
      const key = line.slice(0, eq).trim();
      if (key === '') fail(n, `expected key=value in [${group}:vars], got ${JSON.stringify(line)}`);
      model.group(group).vars.set(key, { text: unquote(line.slice(eq + 1).trim()), line: n });
    } else {
      const m = INI_GROUP_NAME.exec(line);
      if (!m) fail(n, `bad group name ${JSON.stringify(line)} in [${group}:children]`);
      childRefs.push({ parent: group, child: (m as RegExpExecArray)[1] as string, line: n });
    }
  });
  const problems: Array<{ line: number; what: string }> = [];
  for (const v of varsSections) if (!declared.has(v.group)) problems.push({ line: v.line, what: `[${v.group}:vars] for group "${v.group}", which is never declared` });
  for (const c of childRefs) if (!declared.has(c.child)) problems.push({ line: c.line, what: `[${c.parent}:children] names group "${c.child}", which is never declared` });
  problems.sort((a, b) => a.line - b.line);
  if (problems[0]) fail(problems[0].line, problems[0].what);
  for (const c of childRefs) model.addChild(c.parent, c.child, c.line);
  return model;
}

/** POSIX shell-like split as Python's shlex.split(line, comments=True): quotes, backslashes, '#' comments. */
function shellSplit(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let inToken = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    if (/\s/.test(c)) {
      if (inToken) out.push(cur);
      cur = '';
      inToken = false;
    } else if (c === '#') {
      break;
    } else if (c === '\\') {
      if (i + 1 >= line.length) throw new Error('no character after a backslash');
      cur += line[++i];
      inToken = true;
    } else if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) throw new Error('no closing quotation');
      cur += line.slice(i + 1, end);
      i = end;
      inToken = true;
    } else if (c === '"') {
      let j = i + 1;
      for (;;) {
        if (j >= line.length) throw new Error('no closing quotation');
        const d = line[j] as string;
        if (d === '"') break;
        if (d === '\\' && j + 1 < line.length && '"\\$`'.includes(line[j + 1] as string)) {
          cur += line[j + 1];
          j += 2;
        } else {
          cur += d;
          j++;
        }
      }
      i = j;
      inToken = true;
    } else {
      cur += c;
      inToken = true;
    }
  }
  if (inToken) out.push(cur);
  return out;
}

/** One level of Python string quotes, as Ansible's ast.literal_eval of an INI value (inline or in [g:vars]) removes. */
function unquote(v: string): string {
  const m = /^(['"])(.*)\1$/s.exec(v);
  if (!m) return v;
  return (m[2] as string).replace(/\\(.)/g, (_a, c: string) => ({ n: '\n', t: '\t', r: '\r' })[c] ?? c);
}
