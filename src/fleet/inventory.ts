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
import { YAMLException } from 'js-yaml';
import { InventoryError } from '../errors.js';
import { readIni } from './inventory/ini.js';
import type { Model } from './inventory/model.js';
import { finish, select } from './inventory/resolve.js';
import type { Inventory, InventoryFormat } from './inventory/types.js';
import { readAnsibleYaml, readPlainList } from './inventory/yaml.js';
import { buildYaml, type YNode } from './inventory/yaml-tree.js';

export type { Inventory, InventoryFormat, InventoryHost } from './inventory/types.js';

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
