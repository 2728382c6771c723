/** The YAML formats: the plain host list and the Ansible YAML inventory. */
import { parseTarget } from '../../ssh/target.js';
import { type Fail, Model, type Var } from './model.js';
import { expandPattern } from './ranges.js';
import { checkPart } from './targets.js';
import type { InventoryHost } from './types.js';
import { describe, entriesOf, type YNode } from './yaml-tree.js';

/** The plain list format, or null when the document is not one. */
export function readPlainList(root: YNode, fail: Fail): InventoryHost[] | null {
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

export function readAnsibleYaml(root: YNode, fail: Fail): Model {
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
