/** Connection variables folded into an ssh target, and the checks on its parts. */
import { parseTarget } from '../../ssh/target.js';
import type { Fail, Host, Var } from './model.js';

const TEMPLATE = /\{\{|\{%/;

/** Picks the value of the first name set (not null) in the later-wins order Ansible's ssh plugin uses. */
function connectionVar(vars: ReadonlyMap<string, Var>, names: readonly string[]): { name: string; v: Var } | null {
  let found: { name: string; v: Var } | null = null;
  for (const name of names) {
    const v = vars.get(name);
    if (v && (v.text !== null || v.complex || v.vault)) found = { name, v };
  }
  return found;
}

export function foldTarget(h: Host, vars: ReadonlyMap<string, Var>, fail: Fail): string {
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
export function checkPart(value: string, what: string, line: number, fail: Fail): void {
  if (/[\s\x00-\x1f\x7f]/.test(value)) fail(line, `${what} contains whitespace or control characters`);
  if (value.startsWith('-')) fail(line, `${what} starts with "-" (ssh would read it as an option)`);
  if (value === '') fail(line, `${what} is empty`);
}
