/** Resolution: groups, variables, targets, selection. */
import { InventoryError } from '../../errors.js';
import type { Fail, Group, Model, Var } from './model.js';
import { foldTarget } from './targets.js';
import type { Inventory, InventoryFormat, InventoryHost } from './types.js';

export function finish(model: Model, format: InventoryFormat, file: string, groupOpt: string | undefined, fail: Fail): Inventory {
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

/** Deduplicates by target (first kept, groups merged), applies a group to a list, and refuses no hosts. */
export function select(
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
