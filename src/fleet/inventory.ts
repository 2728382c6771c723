/**
 * Reads a host inventory for `fleet`: a plain YAML host list, an Ansible YAML inventory or an
 * Ansible INI inventory, told apart by content (never by the file name).
 *
 * ## Plain host list (format `list`)
 *
 * ```yaml
 * - hv1                      # an ssh_config alias
 * - root@hv2.example:2222    # [user@]host[:port], as the command line takes it
 * ```
 * or a mapping whose only key is `hosts`, a list of strings or of `{name, target?}` mappings
 * (`target` defaults to `name`; `name` is what reports call the host):
 * ```yaml
 * hosts:
 *   - hv1
 *   - { name: hv2, target: root@10.0.0.2:2222 }
 * ```
 * Entries are taken literally: no ranges, no groups (every host's `groups` is `[]`; only the
 * group `all` can be selected).
 *
 * ## Ansible inventories (formats `ansible-yaml` and `ansible-ini`)
 *
 * Read as Ansible's `yaml` and `ini` inventory plugins read them:
 * - groups with hosts, `children` (`[g:children]`) and `vars` (`[g:vars]`); the implicit groups
 *   `all` (every host) and `ungrouped` (hosts in no other group); top-level YAML groups and INI
 *   sections are children of `all`; INI hosts before the first section are `ungrouped`;
 * - host patterns with a port (`hv1:2222`, `[fe80::1]:2222`) and ranges (`hv[01:32]`, `db-[a:f]`,
 *   `hv[1:10:2]`, several per name): zero padding kept when the begin has a leading zero (begin
 *   and end must then be equally long), letters range over a-z then A-Z; an empty range
 *   (begin > end) is an error here (Ansible silently yields no host);
 * - variables: `all` first, then groups by depth (parents before children), then by
 *   `ansible_group_priority`, then by name, later ones winning; host variables win over all group
 *   variables; a host listed several times keeps the last value of each of its variables;
 * - the connection: address `ansible_host`/`ansible_ssh_host`, port `ansible_port`/
 *   `ansible_ssh_port` (or the pattern's port), user `ansible_user`/`ansible_ssh_user`; when both
 *   spellings are set, the legacy `ansible_ssh_*` one wins, as in Ansible's ssh connection plugin
 *   (so a group's `ansible_ssh_user` beats a host's `ansible_user`); a YAML `null` counts as unset.
 *   They are folded into `target` as `user@address:port` (`[v6]:port` for IPv6 addresses).
 * - INI: `#` and `;` comment lines, inline `key=value` host variables split like a POSIX shell
 *   (quotes, backslashes, `#` starts a comment), `[g:vars]` values taken whole; both lose one more
 *   level of Python string quotes (`"'x'"` is `x`), as Ansible's literal_eval does; `[g:vars]` for a group never declared, or a `[g:children]` entry naming one,
 *   is an error, as in Ansible.
 * - YAML: anchors, aliases and `<<` merge keys; `!vault` and other tags are accepted but a
 *   vault-encrypted or Jinja2-templated (`{{ }}`) connection variable is an error, since nothing
 *   here can decrypt or evaluate it.
 *
 * Stricter than Ansible, which would warn and go on: unknown keys in a YAML group, a group or host
 * entry that is not a mapping, duplicate YAML keys.
 *
 * Results: hosts in first-seen order, each once (its groups merged); after folding, hosts with the
 * same target are kept once (the first, with the groups of all). `groups` lists a host's groups and
 * their ancestors in the order the inventory first names them, without `all` and `ungrouped`.
 * `opts.group` keeps the hosts of that group and of its children (`all` and `ungrouped` included).
 *
 * Errors are {@link InventoryError}s with one-line messages `<file>:<line>: <what>` (`<file>: <what>`
 * when no line applies: an unknown or empty `--group`).
 */
import { readFileSync } from 'node:fs';
import { EVENT_ID, getScalarValue, parseEvents, SCALAR_STYLE, YAMLException } from 'js-yaml';
import { InventoryError } from '../errors.js';
import { parseTarget } from '../ssh/target.js';

export interface InventoryHost {
  /** The name to connect to: an ssh_config alias or [user@]host[:port] as the CLI accepts (Ansible's ansible_host/ansible_port/ansible_user folded in: user@address:port). */
  readonly target: string;
  /** The inventory's own name for the host (Ansible inventory_hostname; for a plain list the entry itself). */
  readonly name: string;
  /** Groups the host belongs to (Ansible; [] for a plain list), including parents via :children. */
  readonly groups: readonly string[];
}
export type InventoryFormat = 'list' | 'ansible-yaml' | 'ansible-ini';
export interface Inventory {
  readonly format: InventoryFormat;
  readonly hosts: readonly InventoryHost[];
}

/** No inventory, after range expansion, may hold more hosts than this. */
const MAX_HOSTS = 10_000;
const MAX_ALIASES = 100;
/** Bounds the walk of a YAML document whose aliases share subtrees. */
const MAX_YAML_VISITS = 1_000_000;

/** Reads the file and parses it (the only I/O). */
export function loadInventory(file: string, opts: { group?: string } = {}): Inventory {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new InventoryError(`${file}: cannot read inventory: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  return parseInventory(text, file, opts);
}

/** Parses inventory text; `file` only names the source in errors. Throws InventoryError with file:line on bad input. */
export function parseInventory(text: string, file: string, opts: { group?: string } = {}): Inventory {
  const src = text.replace(/^\uFEFF/, '');
  const fail = (line: number, what: string): never => {
    throw new InventoryError(`${file}:${line}: ${what}`);
  };
  const lines = src.split(/\r?\n/);
  let firstLine = -1;
  let semicolonComment = false;
  for (let i = 0; i < lines.length; i++) {
    const l = (lines[i] as string).trim();
    if (l === '') continue;
    if (l.startsWith(';')) {
      semicolonComment = true;
      continue;
    }
    if (l.startsWith('#')) continue;
    firstLine = i;
    break;
  }
  if (firstLine < 0) fail(1, 'no hosts: the inventory is empty');
  const first = (lines[firstLine] as string).trim();

  let model: Model;
  let format: InventoryFormat;
  if (semicolonComment || /^\[[^\s,[\]]+\]\s*(?:[#;].*)?$/.test(first)) {
    format = 'ansible-ini';
    model = readIni(lines, fail);
  } else {
    let root: YNode | null = null;
    let yamlError: YAMLException | null = null;
    try {
      root = buildYaml(src, file, fail);
    } catch (e) {
      if (!(e instanceof YAMLException)) throw e;
      yamlError = e;
    }
    const looksLikeYaml = /^(?:---|- |-$|\{|[^\s=]+:(?:\s|$))/.test(first);
    const yamlTree = root !== null && root.kind !== 'scalar' && !(root.kind === 'map' && /[\s=]/.test(root.entries[0]?.key ?? ''));
    if (yamlError && looksLikeYaml) {
      fail(yamlError.mark ? yamlError.mark.line + 1 : 1, `bad YAML: ${yamlError.reason}`);
    }
    if (yamlTree && root) {
      const list = readPlainList(root, fail);
      if (list) return select({ format: 'list', hosts: list }, [], file, opts.group, fail);
      format = 'ansible-yaml';
      model = readAnsibleYaml(root, fail);
    } else {
      format = 'ansible-ini';
      model = readIni(lines, fail);
    }
  }
  return finish(model, format, file, opts.group, fail);
}

type Fail = (line: number, what: string) => never;

// ---------------------------------------------------------------------------------------------
// The Ansible model both Ansible formats fill in.

/** A variable's value as written: null for YAML null, `complex` for a mapping or list. */
interface Var {
  readonly text: string | null;
  readonly line: number;
  readonly complex?: boolean;
  readonly vault?: boolean;
}
interface Group {
  readonly name: string;
  readonly order: number;
  readonly children: string[];
  readonly vars: Map<string, Var>;
}
interface Host {
  readonly name: string;
  readonly line: number;
  readonly groups: Set<string>;
  readonly vars: Map<string, Var>;
}

class Model {
  readonly groups = new Map<string, Group>();
  readonly hosts = new Map<string, Host>();
  constructor(private readonly fail: Fail) {
    this.group('all');
    this.group('ungrouped');
  }
  group(name: string, line = 0): Group {
    let g = this.groups.get(name);
    if (!g) {
      if (name === '' || /[\s\x00-\x1f\x7f]/.test(name)) this.fail(line, `bad group name ${JSON.stringify(name)}: empty or with blanks or control characters`);
      g = { name, order: this.groups.size, children: [], vars: new Map() };
      this.groups.set(name, g);
    }
    return g;
  }
  addChild(parent: string, child: string, line: number): void {
    if (child === 'all') this.fail(line, `group "all" cannot be a child of "${parent}"`);
    if (parent === child || this.descendants(child).has(parent)) {
      this.fail(line, `group "${child}" cannot be a child of "${parent}": "${parent}" is already among its children (a loop)`);
    }
    const p = this.group(parent, line);
    this.group(child, line);
    if (!p.children.includes(child)) p.children.push(child);
  }
  descendants(name: string): Set<string> {
    const seen = new Set<string>();
    const walk = (g: string): void => {
      for (const c of this.groups.get(g)?.children ?? []) {
        if (!seen.has(c)) {
          seen.add(c);
          walk(c);
        }
      }
    };
    walk(name);
    return seen;
  }
  /** Adds each host of an expanded pattern to a group; a port in the pattern becomes ansible_port, entry vars come after. */
  addHosts(names: readonly string[], group: string, line: number, port: string | null, vars: ReadonlyMap<string, Var>): void {
    this.group(group, line);
    for (const name of names) {
      if (/[\x00-\x1f\x7f]/.test(name)) this.fail(line, `host name ${JSON.stringify(name)} contains control characters`);
      let h = this.hosts.get(name);
      if (!h) {
        if (this.hosts.size >= MAX_HOSTS) this.fail(line, `more than ${MAX_HOSTS} hosts`);
        h = { name, line, groups: new Set(), vars: new Map() };
        this.hosts.set(name, h);
      }
      h.groups.add(group);
      if (port !== null) h.vars.set('ansible_port', { text: port, line });
      for (const [k, v] of vars) h.vars.set(k, v);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Host patterns: ports and ranges, as Ansible's parse_address and expand_hostname_range.

const LETTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

const RANGE_BODY = /^(?:[0-9]*:[0-9]+|[a-zA-Z]:[a-zA-Z])(?::[0-9]+)?$/;
/** An IPv6 address in brackets: two or more colons, and not a host range such as [1:10:2]. */
const isV6 = (inner: string): boolean => (inner.match(/:/g) ?? []).length >= 2 && !RANGE_BODY.test(inner) && /^[0-9a-fA-F:.]+(?:%[\w.-]+)?$/.test(inner);

/**
 * Splits `host:port` and `[v6]:port`; `[v6]` and a bare IPv6 address (two or more colons) have no
 * port and no ranges (`literal`).
 */
function splitHostPattern(pattern: string): { host: string; port: string | null; literal: boolean } {
  let m = /^\[([^\]]+)\]:(\d+)$/.exec(pattern);
  if (m && isV6(m[1] as string)) return { host: m[1] as string, port: m[2] as string, literal: true };
  m = /^\[([^\]]+)\]$/.exec(pattern);
  if (m && isV6(m[1] as string)) return { host: m[1] as string, port: null, literal: true };
  if (!pattern.includes('[') && (pattern.match(/:/g) ?? []).length >= 2) return { host: pattern, port: null, literal: true };
  m = /^((?:[^:[\]]|\[[^\]]*\])+):(\d+)$/.exec(pattern);
  if (m) return { host: m[1] as string, port: m[2] as string, literal: false };
  return { host: pattern, port: null, literal: false };
}

/** Expands every `[begin:end(:step)]` in a host name, the first range outermost. */
function expandHostRange(pattern: string, line: number, fail: Fail, budget = { left: MAX_HOSTS }, whole = pattern): string[] {
  const open = pattern.indexOf('[');
  if (open < 0) {
    if (pattern.includes(']')) fail(line, `bad host pattern "${pattern}": "]" without "["`);
    if (--budget.left < 0) fail(line, `host pattern "${whole}" expands to more than ${MAX_HOSTS} hosts`);
    return [pattern];
  }
  const close = pattern.indexOf(']', open);
  if (close < 0) fail(line, `bad host pattern "${pattern}": "[" without "]"`);
  const head = pattern.slice(0, open);
  const body = pattern.slice(open + 1, close);
  const tail = pattern.slice(close + 1);
  const bad = (why: string): never => fail(line, `bad host range "[${body}]" in "${pattern}": ${why}`);
  const parts = body.split(':');
  if (parts.length !== 2 && parts.length !== 3) bad('expected [begin:end] or [begin:end:step]');
  const beg = (parts[0] as string) === '' ? '0' : (parts[0] as string);
  const end = parts[1] as string;
  if (end === '') bad('no end');
  const stepText = parts[2] ?? '1';
  if (!/^\d+$/.test(stepText) || Number(stepText) === 0) bad(`step "${stepText}" is not a positive integer`);
  const step = Number(stepText);
  const seq: string[] = [];
  if (/^[a-zA-Z]$/.test(beg) && /^[a-zA-Z]$/.test(end)) {
    const i = LETTERS.indexOf(beg);
    const j = LETTERS.indexOf(end);
    if (i > j) bad('begin comes after end');
    for (let k = i; k <= j; k += step) seq.push(LETTERS[k] as string);
  } else if (/^\d+$/.test(beg) && /^\d+$/.test(end)) {
    const width = beg.length > 1 && beg.startsWith('0') ? beg.length : 0;
    if (width > 0 && end.length !== width) bad('a zero-padded begin needs an end of the same length');
    const b = Number(beg);
    const e = Number(end);
    if (b > e) bad('begin is greater than end (an empty range)');
    if ((e - b) / step + 1 > MAX_HOSTS) fail(line, `host pattern "${pattern}" expands to more than ${MAX_HOSTS} hosts`);
    for (let k = b; k <= e; k += step) seq.push(String(k).padStart(width, '0'));
  } else {
    bad('begin and end must both be numbers or both single letters');
  }
  return seq.flatMap((s) => expandHostRange(head + s + tail, line, fail, budget, whole));
}

function expandPattern(pattern: string, line: number, fail: Fail): { names: string[]; port: string | null } {
  if (pattern.trim() === '') fail(line, 'empty host name');
  const { host, port, literal } = splitHostPattern(pattern);
  return { names: literal ? [host] : expandHostRange(host, line, fail), port };
}

// ---------------------------------------------------------------------------------------------
// Resolution: groups, variables, targets, selection.

const TEMPLATE = /\{\{|\{%/;

function finish(model: Model, format: InventoryFormat, file: string, groupOpt: string | undefined, fail: Fail): Inventory {
  const { groups } = model;
  const all = groups.get('all') as Group;
  // Every group without a parent hangs below all; hosts in no group but all/ungrouped are ungrouped.
  const hasParent = new Set<string>();
  for (const g of groups.values()) for (const c of g.children) hasParent.add(c);
  for (const g of groups.values()) if (g.name !== 'all' && !hasParent.has(g.name)) all.children.push(g.name);
  for (const h of model.hosts.values()) {
    if ([...h.groups].every((g) => g === 'all' || g === 'ungrouped')) h.groups.add('ungrouped');
    else h.groups.delete('ungrouped');
  }
  const parents = new Map<string, string[]>();
  for (const g of groups.values()) for (const c of g.children) parents.set(c, [...(parents.get(c) ?? []), g.name]);
  const depthMemo = new Map<string, number>();
  const depth = (g: string): number => {
    const d = depthMemo.get(g);
    if (d !== undefined) return d;
    const v = g === 'all' ? 0 : Math.max(0, ...(parents.get(g) ?? ['all']).map((p) => depth(p) + 1));
    depthMemo.set(g, v);
    return v;
  };
  const ancestors = (direct: Iterable<string>): Set<string> => {
    const out = new Set<string>();
    const up = (g: string): void => {
      if (out.has(g)) return;
      out.add(g);
      for (const p of parents.get(g) ?? []) up(p);
    };
    for (const g of direct) up(g);
    out.add('all');
    return out;
  };
  const priority = (g: Group): number => {
    const v = g.vars.get('ansible_group_priority');
    const n = v?.text != null ? Number(v.text) : 1;
    return Number.isFinite(n) ? n : 1;
  };

  const resolved: Array<{ host: InventoryHost; member: Set<string> }> = [];
  for (const h of model.hosts.values()) {
    const member = ancestors(h.groups);
    const ordered = [...member]
      .map((n) => groups.get(n) as Group)
      .sort((a, b) => depth(a.name) - depth(b.name) || priority(a) - priority(b) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const vars = new Map<string, Var>();
    for (const g of ordered) for (const [k, v] of g.vars) vars.set(k, v);
    for (const [k, v] of h.vars) vars.set(k, v);
    const target = foldTarget(h, vars, fail);
    const shown = [...member].filter((g) => g !== 'all' && g !== 'ungrouped').sort((a, b) => (groups.get(a) as Group).order - (groups.get(b) as Group).order);
    resolved.push({ host: { target, name: h.name, groups: shown }, member });
  }

  let chosen = resolved;
  if (groupOpt !== undefined) {
    if (!groups.has(groupOpt)) {
      throw new InventoryError(`${file}: unknown group "${groupOpt}"; the inventory has: ${[...groups.keys()].join(', ')}`);
    }
    chosen = resolved.filter((r) => r.member.has(groupOpt));
  }
  return select({ format, hosts: chosen.map((r) => r.host) }, [...groups.keys()], file, groupOpt, fail, groupOpt !== undefined);
}

/** Picks the value of the first name set (not null) in the later-wins order Ansible's ssh plugin uses. */
function connectionVar(vars: ReadonlyMap<string, Var>, names: readonly string[]): { name: string; v: Var } | null {
  let found: { name: string; v: Var } | null = null;
  for (const name of names) {
    const v = vars.get(name);
    if (v && (v.text !== null || v.complex || v.vault)) found = { name, v };
  }
  return found;
}

function foldTarget(h: Host, vars: ReadonlyMap<string, Var>, fail: Fail): string {
  const pick = (names: readonly string[]): { name: string; value: string; line: number } | null => {
    const f = connectionVar(vars, names);
    if (!f) return null;
    const { name, v } = f;
    if (v.vault) fail(v.line, `${name} of host "${h.name}" is vault-encrypted, which migrate-preflight cannot decrypt`);
    if (v.complex || v.text === null) fail(v.line, `${name} of host "${h.name}" must be a string, not a mapping or list`);
    const value = v.text as string;
    if (TEMPLATE.test(value)) fail(v.line, `${name} of host "${h.name}" is a Jinja2 template (${JSON.stringify(value)}), which migrate-preflight does not evaluate`);
    return { name, value, line: v.line };
  };
  const address = pick(['ansible_host', 'ansible_ssh_host']);
  const port = pick(['ansible_port', 'ansible_ssh_port']);
  const user = pick(['ansible_user', 'ansible_ssh_user']);

  let host = address ? address.value : h.name;
  const hostLine = address ? address.line : h.line;
  const what = address ? `${address.name} ${JSON.stringify(host)} of host "${h.name}"` : `host name ${JSON.stringify(host)}`;
  checkPart(host, what, hostLine, fail);
  const v6 = /^\[(.*)\]$/.exec(host);
  if (v6) host = v6[1] as string;
  if (port) {
    if (!/^\d{1,5}$/.test(port.value) || Number(port.value) < 1 || Number(port.value) > 65535) {
      fail(port.line, `${port.name} ${JSON.stringify(port.value)} of host "${h.name}" is not a port number (1-65535)`);
    }
  }
  if (user) {
    checkPart(user.value, `${user.name} ${JSON.stringify(user.value)} of host "${h.name}"`, user.line, fail);
    if (user.value === '') fail(user.line, `${user.name} of host "${h.name}" is empty`);
  }
  const hostPort = port ? (host.includes(':') ? `[${host}]:${Number(port.value)}` : `${host}:${Number(port.value)}`) : host;
  const target = user ? `${user.value}@${hostPort}` : hostPort;
  try {
    parseTarget(target);
  } catch (e) {
    fail(hostLine, `host "${h.name}" gives target ${JSON.stringify(target)}, which is not [user@]host[:port]: ${(e as Error).message}`);
  }
  return target;
}

/** Rejects what ssh would misread: blanks or control characters anywhere, a leading '-' (an option). */
function checkPart(value: string, what: string, line: number, fail: Fail): void {
  if (/[\s\x00-\x1f\x7f]/.test(value)) fail(line, `${what} contains whitespace or control characters`);
  if (value.startsWith('-')) fail(line, `${what} starts with "-" (ssh would read it as an option)`);
  if (value === '') fail(line, `${what} is empty`);
}

/** Deduplicates by target (first kept, groups merged), applies a group to a list, and refuses no hosts. */
function select(
  inv: { format: InventoryFormat; hosts: InventoryHost[] },
  groupOrder: readonly string[],
  file: string,
  groupOpt: string | undefined,
  fail: Fail,
  alreadySelected = false,
): Inventory {
  let hosts = inv.hosts;
  if (groupOpt !== undefined && !alreadySelected) {
    if (groupOpt !== 'all') throw new InventoryError(`${file}: unknown group "${groupOpt}"; a plain host list has no groups (only "all")`);
  }
  const byTarget = new Map<string, { target: string; name: string; groups: Set<string> }>();
  for (const h of hosts) {
    const seen = byTarget.get(h.target);
    if (seen) for (const g of h.groups) seen.groups.add(g);
    else byTarget.set(h.target, { target: h.target, name: h.name, groups: new Set(h.groups) });
  }
  const rank = (g: string): number => groupOrder.indexOf(g);
  hosts = [...byTarget.values()].map((h) => ({ target: h.target, name: h.name, groups: [...h.groups].sort((a, b) => rank(a) - rank(b)) }));
  if (hosts.length === 0) {
    if (groupOpt !== undefined && groupOpt !== 'all') throw new InventoryError(`${file}: group "${groupOpt}" has no hosts`);
    fail(1, 'no hosts in the inventory');
  }
  return { format: inv.format, hosts };
}

// ---------------------------------------------------------------------------------------------
// INI

const INI_SECTION = /^\[([^:\]\s]+)(?::(\w+))?\]\s*(?:#.*)?$/;
const INI_GROUP_NAME = /^([^:\]\s]+)\s*(?:#.*)?$/;

function readIni(lines: readonly string[], fail: Fail): Model {
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

// ---------------------------------------------------------------------------------------------
// YAML: a small tree built from js-yaml's events, so every node keeps its line.

type YNode =
  | { readonly kind: 'scalar'; readonly text: string; readonly isNull: boolean; readonly tag: string | null; readonly line: number }
  | { readonly kind: 'seq'; readonly items: YNode[]; readonly line: number }
  | { readonly kind: 'map'; readonly entries: YEntry[]; readonly line: number };
interface YEntry {
  readonly key: string;
  readonly keyLine: number;
  readonly value: YNode;
  readonly merge: boolean;
}

function buildYaml(text: string, file: string, fail: Fail): YNode | null {
  const events = parseEvents(text, { filename: file });
  const newlines: number[] = [];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) newlines.push(i);
  const lineOf = (offset: number): number => {
    let lo = 0;
    let hi = newlines.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((newlines[mid] as number) < offset) lo = mid + 1;
      else hi = mid;
    }
    return lo + 1;
  };
  type Frame = { node: Extract<YNode, { kind: 'seq' | 'map' }>; anchor: string | null; key: { text: string; line: number; plain: boolean } | null; keys: Set<string> };
  const stack: Frame[] = [];
  const anchors = new Map<string, YNode>();
  let root: YNode | null = null;
  let documents = 0;
  let aliases = 0;
  let lastLine = 1;
  const attach = (node: YNode, plainKey: boolean, keyText: string | null): void => {
    const top = stack[stack.length - 1];
    if (!top) {
      if (documents === 1) root = node;
      return;
    }
    if (top.node.kind === 'seq') {
      top.node.items.push(node);
    } else if (top.key === null) {
      if (keyText === null) fail(node.line, 'a mapping key must be a plain string, not a mapping or list');
      top.key = { text: keyText as string, line: node.line, plain: plainKey };
    } else {
      const k = top.key;
      const merge = k.plain && k.text === '<<';
      if (!merge && top.keys.has(k.text)) fail(k.line, `duplicate key "${k.text}"`);
      top.keys.add(k.text);
      top.node.entries.push({ key: k.text, keyLine: k.line, value: node, merge });
      top.key = null;
    }
  };
  for (const ev of events) {
    switch (ev.type) {
      case EVENT_ID.DOCUMENT:
        documents++;
        if (documents > 1) fail(lastLine, 'more than one YAML document (---) in the inventory');
        break;
      case EVENT_ID.MAPPING:
      case EVENT_ID.SEQUENCE: {
        const line = lineOf(ev.start);
        lastLine = line;
        const node: Frame['node'] = ev.type === EVENT_ID.MAPPING ? { kind: 'map', entries: [], line } : { kind: 'seq', items: [], line };
        attach(node, false, null);
        stack.push({ node, anchor: ev.anchorStart >= 0 ? text.slice(ev.anchorStart, ev.anchorEnd) : null, key: null, keys: new Set() });
        break;
      }
      case EVENT_ID.SCALAR: {
        const at = ev.valueStart >= 0 ? ev.valueStart : ev.tagStart >= 0 ? ev.tagStart : ev.anchorStart;
        const line = at >= 0 ? lineOf(at) : lastLine;
        lastLine = line;
        const value = getScalarValue(text, ev);
        const tag = ev.tagStart >= 0 ? text.slice(ev.tagStart, ev.tagEnd) : null;
        const isNull = (ev.style === SCALAR_STYLE.PLAIN && tag === null && /^(?:|~|null|Null|NULL)$/.test(value)) || tag === '!!null';
        const node: YNode = { kind: 'scalar', text: value, isNull, tag, line };
        if (ev.anchorStart >= 0) anchors.set(text.slice(ev.anchorStart, ev.anchorEnd), node);
        attach(node, ev.style === SCALAR_STYLE.PLAIN, value);
        break;
      }
      case EVENT_ID.ALIAS: {
        const name = text.slice(ev.anchorStart, ev.anchorEnd);
        const line = lineOf(ev.anchorStart);
        lastLine = line;
        if (++aliases > MAX_ALIASES) fail(line, `more than ${MAX_ALIASES} YAML aliases`);
        const node = anchors.get(name);
        if (!node) return fail(line, `unknown YAML alias *${name}`);
        attach(node, false, node.kind === 'scalar' ? node.text : null);
        break;
      }
      case EVENT_ID.POP: {
        const f = stack.pop();
        if (f?.anchor) anchors.set(f.anchor, f.node);
        break;
      }
    }
  }
  return root;
}

/** A mapping's entries with `<<` merges applied (explicit keys win, then earlier merged sources). */
function entriesOf(node: Extract<YNode, { kind: 'map' }>, fail: Fail, visits: { n: number }): YEntry[] {
  const explicit = node.entries.filter((e) => !e.merge);
  const have = new Set(explicit.map((e) => e.key));
  const merged: YEntry[] = [];
  for (const m of node.entries.filter((e) => e.merge)) {
    const sources = m.value.kind === 'seq' ? m.value.items : [m.value];
    for (const s of sources) {
      if (s.kind !== 'map') return fail(m.keyLine, 'a << merge key needs a mapping or a list of mappings');
      for (const e of entriesOf(s, fail, visits)) {
        if (!have.has(e.key)) {
          have.add(e.key);
          merged.push(e);
        }
      }
    }
  }
  visits.n += explicit.length + merged.length;
  if (visits.n > MAX_YAML_VISITS) fail(node.line, 'the inventory is too large once its YAML aliases are expanded');
  return [...explicit, ...merged];
}

const describe = (n: YNode): string => (n.kind === 'map' ? 'a mapping' : n.kind === 'seq' ? 'a list' : n.isNull ? 'null' : `the string ${JSON.stringify(n.text)}`);

/** The plain list format, or null when the document is not one. */
function readPlainList(root: YNode, fail: Fail): InventoryHost[] | null {
  let items: YNode[];
  const visits = { n: 0 };
  if (root.kind === 'seq') {
    items = root.items;
  } else if (root.kind === 'map') {
    const entries = entriesOf(root, fail, visits);
    const hosts = entries.find((e) => e.key === 'hosts');
    if (!hosts || hosts.value.kind !== 'seq') return null;
    const other = entries.find((e) => e.key !== 'hosts');
    if (other) fail(other.keyLine, `unexpected key "${other.key}" in a host list (only "hosts")`);
    items = hosts.value.items;
  } else {
    return null;
  }
  const out: InventoryHost[] = [];
  for (const item of items) {
    let name: string;
    let target: string;
    let line = item.line;
    if (item.kind === 'scalar' && !item.isNull) {
      name = target = item.text;
    } else if (item.kind === 'map') {
      const entries = entriesOf(item, fail, visits);
      const field = (k: string): { text: string; line: number } | null => {
        const e = entries.find((x) => x.key === k);
        if (!e) return null;
        if (e.value.kind !== 'scalar' || e.value.isNull) return fail(e.value.line, `"${k}" must be a string, not ${describe(e.value)}`);
        return { text: e.value.text, line: e.value.line };
      };
      const extra = entries.find((e) => e.key !== 'name' && e.key !== 'target');
      if (extra) fail(extra.keyLine, `unexpected key "${extra.key}" in a host entry (expected name and target)`);
      const n = field('name');
      if (!n) return fail(item.line, 'host entry without "name"');
      const t = field('target');
      name = n.text;
      target = t ? t.text : n.text;
      line = t ? t.line : n.line;
    } else {
      return fail(item.line, `a host list entry must be a string or a {name, target} mapping, not ${describe(item)}`);
    }
    if (/[\x00-\x1f\x7f]/.test(name)) fail(item.line, `host name ${JSON.stringify(name)} contains control characters`);
    checkPart(target, `target ${JSON.stringify(target)}`, line, fail);
    try {
      parseTarget(target);
    } catch (e) {
      fail(line, `target ${JSON.stringify(target)} is not [user@]host[:port] or an ssh_config alias: ${(e as Error).message}`);
    }
    out.push({ target, name, groups: [] });
  }
  return out;
}

function readAnsibleYaml(root: YNode, fail: Fail): Model {
  if (root.kind !== 'map') return fail(root.line, `an Ansible YAML inventory is a mapping of groups, not ${describe(root)}`);
  const model = new Model(fail);
  const visits = { n: 0 };
  const top = entriesOf(root, fail, visits);
  const plugin = top.find((e) => e.key === 'plugin');
  if (plugin && plugin.value.kind === 'scalar' && !plugin.value.isNull) {
    fail(plugin.keyLine, `this is the configuration of the inventory plugin ${JSON.stringify(plugin.value.text)}, not an inventory; export one with: ansible-inventory -i FILE --list --yaml`);
  }
  const meta = top.find((e) => e.key === '_meta');
  if (meta) fail(meta.keyLine, 'this looks like `ansible-inventory --list` (JSON) output; export the YAML inventory instead with: ansible-inventory -i FILE --list --yaml');

  const toVar = (n: YNode): Var =>
    n.kind === 'scalar' ? { text: n.isNull ? null : n.text, line: n.line, vault: n.tag === '!vault' } : { text: null, line: n.line, complex: true };
  const varsOf = (n: YNode, what: string): Map<string, Var> => {
    const vars = new Map<string, Var>();
    if (n.kind === 'scalar' && n.isNull) return vars;
    if (n.kind !== 'map') return fail(n.line, `${what} must be a mapping of variables, not ${describe(n)}`);
    for (const e of entriesOf(n, fail, visits)) vars.set(e.key, toVar(e.value));
    return vars;
  };
  /** `hosts:`/`children:` hold a mapping, or (as Ansible allows) a single name as a string. */
  const namesOf = (n: YNode, what: string, hint: string): Array<{ key: string; line: number; value: YNode | null }> => {
    if (n.kind === 'scalar') return n.isNull ? [] : [{ key: n.text, line: n.line, value: null }];
    if (n.kind === 'seq') return fail(n.line, `${what} must be a mapping (${hint}), not a list`);
    return entriesOf(n, fail, visits).map((e) => ({ key: e.key, line: e.keyLine, value: e.value }));
  };
  const parseGroup = (name: string, node: YNode | null, line: number): void => {
    model.group(name, line);
    if (node === null || (node.kind === 'scalar' && node.isNull)) return;
    if (node.kind !== 'map') fail(line, `group "${name}" must be a mapping with hosts, children or vars, not ${describe(node)}`);
    for (const e of entriesOf(node as Extract<YNode, { kind: 'map' }>, fail, visits)) {
      if (e.key === 'vars') {
        for (const [k, v] of varsOf(e.value, `vars of group "${name}"`)) model.group(name).vars.set(k, v);
      } else if (e.key === 'children') {
        for (const c of namesOf(e.value, `children of group "${name}"`, 'child group names ending in ":"')) {
          model.addChild(name, c.key, c.line);
          parseGroup(c.key, c.value, c.line);
        }
      } else if (e.key === 'hosts') {
        for (const h of namesOf(e.value, `hosts of group "${name}"`, 'host names ending in ":", one per line')) {
          const vars = h.value ? varsOf(h.value, `host "${h.key}"`) : new Map<string, Var>();
          const { names, port } = expandPattern(h.key, h.line, fail);
          model.addHosts(names, name, h.line, port, vars);
        }
      } else {
        fail(e.keyLine, `unexpected key "${e.key}" in group "${name}" (a group has hosts, children and vars)`);
      }
    }
  };
  for (const e of top) parseGroup(e.key, e.value, e.keyLine);
  return model;
}
