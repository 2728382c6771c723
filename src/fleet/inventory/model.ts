/** The Ansible model both Ansible formats fill in: groups with children and vars, hosts with groups and vars. */

/** Reports a problem at a line of the inventory (throws). */
export type Fail = (line: number, what: string) => never;

/** No inventory, after range expansion, may hold more hosts than this. */
export const MAX_HOSTS = 10_000;

/** A variable's value as written: null for YAML null, `complex` for a mapping or list. */
export interface Var {
  readonly text: string | null;
  readonly line: number;
  readonly complex?: boolean;
  readonly vault?: boolean;
}
export interface Group {
  readonly name: string;
  readonly order: number;
  readonly children: string[];
  readonly vars: Map<string, Var>;
}
export interface Host {
  readonly name: string;
  readonly line: number;
  readonly groups: Set<string>;
  readonly vars: Map<string, Var>;
}

export class Model {
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
