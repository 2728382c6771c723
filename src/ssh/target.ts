import { existsSync, readFileSync } from 'node:fs';
import { homedir, hostname, userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import SSHConfig from 'ssh-config';
import { SshConfigError, UsageError } from '../errors.js';

/** Where and how to reach one host, after the command line and ssh_config are merged. */
export interface ResolvedTarget {
  /** What the user typed (`hv1`, `root@10.0.0.5:2222`): names the host in messages and reports. */
  readonly target: string;
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly identityFiles: readonly string[];
  /** Explicit identity files only: do not offer agent keys (IdentitiesOnly yes). */
  readonly identitiesOnly: boolean;
  readonly knownHostsFiles: readonly string[];
  /** 'yes' refuses unknown keys; 'accept-new' (and 'no') accept unknown keys; a changed key is always refused. */
  readonly strictHostKeyChecking: 'yes' | 'accept-new';
  readonly connectTimeoutS: number | null;
  /** Jump hosts, outermost first. */
  readonly jump: readonly ResolvedTarget[];
}

/** Command-line values that override ssh_config. */
export interface TargetOverrides {
  readonly sshConfigFile?: string | undefined;
  readonly user?: string | undefined;
  readonly identityFiles?: readonly string[] | undefined;
  readonly jump?: string | undefined;
  readonly knownHostsFile?: string | undefined;
  readonly acceptNewHostKeys?: boolean | undefined;
}

export interface ParsedTarget {
  readonly user: string | null;
  readonly host: string;
  readonly port: number | null;
}

/**
 * Parses `[user@]host[:port]`, with `[v6addr]:port` (or a bare v6 address, no port) for IPv6, and
 * OpenSSH's `ssh://[user@]host[:port]` URI form. The user ends at the last `@`, as in OpenSSH, so
 * `user@REALM@host` works.
 */
export function parseTarget(spec: string): ParsedTarget {
  const bad = (): UsageError => new UsageError(`bad host "${spec}": expected [user@]host[:port] or an ssh_config alias`);
  const uri = /^ssh:\/\/([^/]*)\/?$/i.exec(spec);
  const rest = uri ? (uri[1] as string) : spec;
  const at = rest.lastIndexOf('@');
  const user = at < 0 ? null : rest.slice(0, at);
  const hostPort = rest.slice(at + 1);
  if (user !== null && (user === '' || /\s/.test(user))) throw bad();
  let host: string;
  let portText: string | undefined;
  let m: RegExpExecArray | null;
  if ((m = /^\[([0-9a-fA-F:.]+(?:%[\w.-]+)?)\](?::(\d{1,5}))?$/.exec(hostPort))) {
    host = m[1] as string;
    portText = m[2];
  } else if (/^[0-9a-fA-F.]*:[0-9a-fA-F.]*:[0-9a-fA-F:.]*(?:%[\w.-]+)?$/.test(hostPort)) {
    host = hostPort; // two or more colons: an IPv6 address, which cannot carry a port without brackets
  } else if ((m = /^([^@:\s[\]]+)(?::(\d{1,5}))?$/.exec(hostPort))) {
    host = m[1] as string;
    portText = m[2];
  } else {
    throw bad();
  }
  const port = portText === undefined ? null : Number(portText);
  if (port !== null && (port < 1 || port > 65535)) throw new UsageError(`bad port in "${spec}"`);
  return { user, host, port };
}

function expandHome(p: string): string {
  if (p === '~') return homedir();
  if (p.startsWith('~/')) return join(homedir(), p.slice(2));
  return p;
}

/** ssh_config's %-tokens that make sense here (ssh_config(5) TOKENS). */
function expandTokens(p: string, t: { host: string; user: string; port: number; alias: string }): string {
  return expandHome(p).replace(/%([%dhupnrlLi])/g, (_all, c: string) => {
    switch (c) {
      case '%':
        return '%';
      case 'd':
        return homedir();
      case 'h':
        return t.host;
      case 'n':
        return t.alias;
      case 'p':
        return String(t.port);
      case 'r':
        return t.user;
      case 'u':
        return userInfo().username;
      case 'l':
        return hostname();
      case 'L':
        return hostname().split('.')[0] ?? '';
      case 'i':
        return String(userInfo().uid);
      default:
        return '';
    }
  });
}

/** Loads and parses an ssh_config file (null when none is given and ~/.ssh/config is absent). */
export function loadSshConfig(file: string | undefined): SSHConfig | null {
  const path = file ?? join(homedir(), '.ssh', 'config');
  if (file === undefined && !existsSync(path)) return null;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new SshConfigError(`cannot read ssh config ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  try {
    return SSHConfig.parse(text);
  } catch (e) {
    throw new SshConfigError(`${path}: cannot parse: ${(e as Error).message}`);
  }
}

type Computed = Record<string, string | string[]>;

function first(c: Computed, key: string): string | undefined {
  const v = c[key];
  return Array.isArray(v) ? v[0] : v;
}

/** Every value of a directive; ssh-config has already split multi-value ones, honouring quotes (`"/a b/key"`). */
function all(c: Computed, key: string): string[] {
  const v = c[key];
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : [v]).filter((s) => s !== '');
}

/** ssh_config time values (`30`, `1m30s`), as OpenSSH's convtime; null when malformed. */
function seconds(text: string): number | null {
  if (!/^(\d+[smhdw]?)+$/i.test(text)) return null;
  const unit: Record<string, number> = { '': 1, s: 1, m: 60, h: 3600, d: 86400, w: 604800 };
  let total = 0;
  for (const [, n, u] of text.toLowerCase().matchAll(/(\d+)([smhdw]?)/g)) total += Number(n) * (unit[u as string] ?? 1);
  return total;
}

// ssh-config matches Host patterns case-sensitively; lowercase them (the name is lowercased too) so
// `Host HV1` and `Host hv1` both match hv1, HV1, Hv1.
const caseFolded = new WeakMap<SSHConfig, SSHConfig>();
function foldHostPatterns(config: SSHConfig): SSHConfig {
  let folded = caseFolded.get(config);
  if (folded) return folded;
  folded = new SSHConfig();
  for (const line of config) {
    if (line.type === SSHConfig.DIRECTIVE && /^host$/i.test(line.param)) {
      const value = typeof line.value === 'string' ? line.value.toLowerCase() : line.value.map((v) => ({ ...v, val: v.val.toLowerCase() }));
      folded.push({ ...line, value });
    } else {
      folded.push(line);
    }
  }
  caseFolded.set(config, folded);
  return folded;
}

const yes = (v: string | undefined): boolean => v !== undefined && ['yes', 'true'].includes(v.toLowerCase());

const DEFAULT_IDENTITIES = ['id_ed25519', 'id_ecdsa', 'id_rsa'];

/**
 * Resolves a host spec or ssh_config alias to connection parameters, the way OpenSSH does for
 * the directives we honour: command line first, then the first value ssh_config gives.
 */
export function resolveTarget(spec: string, config: SSHConfig | null, o: TargetOverrides = {}, depth = 0): ResolvedTarget {
  if (depth > 8) throw new UsageError(`ProxyJump chain for "${spec}" is deeper than 8 hops (a loop?)`);
  const parsed = parseTarget(spec);
  const c: Computed = config ? (foldHostPatterns(config).compute(parsed.host.toLowerCase(), { ignoreCase: true, matchExec: false }) as Computed) : {};
  // HostName takes %h (the name as given) and %%, as in ssh_config(5).
  const host = first(c, 'hostname')?.replace(/%([%h])/g, (_all, t: string) => (t === '%' ? '%' : parsed.host)) ?? parsed.host;
  const user = parsed.user ?? o.user ?? first(c, 'user') ?? userInfo().username;
  const portText = parsed.port ?? first(c, 'port');
  const port = portText === undefined ? 22 : Number(portText);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new UsageError(`bad port for "${spec}": ${portText}`);
  const tokens = { host, user, port, alias: parsed.host };

  const fromConfig = all(c, 'identityfile').map((p) => expandTokens(p, tokens));
  const explicit = (o.identityFiles ?? []).map((p) => resolve(expandTokens(p, tokens)));
  const defaults = DEFAULT_IDENTITIES.map((n) => join(homedir(), '.ssh', n)).filter((p) => existsSync(p));
  const identityFiles = [...new Set([...explicit, ...fromConfig, ...(explicit.length + fromConfig.length === 0 ? defaults : [])])];

  const khFromConfig = all(c, 'userknownhostsfile').map((p) => expandTokens(p, tokens));
  const knownHostsFiles = o.knownHostsFile
    ? [expandHome(o.knownHostsFile)]
    : khFromConfig.length > 0
      ? khFromConfig
      : [join(homedir(), '.ssh', 'known_hosts'), join(homedir(), '.ssh', 'known_hosts2')];

  const strict = (first(c, 'stricthostkeychecking') ?? 'ask').toLowerCase();
  const strictHostKeyChecking = o.acceptNewHostKeys || ['accept-new', 'no', 'off', 'false'].includes(strict) ? 'accept-new' : 'yes';

  const ct = first(c, 'connecttimeout');
  const ctS = ct === undefined ? null : seconds(ct);
  if (ct !== undefined && ctS === null) throw new UsageError(`bad ConnectTimeout for "${spec}": ${ct}`);

  const jumpSpec = o.jump ?? first(c, 'proxyjump');
  const jump: ResolvedTarget[] = [];
  if (jumpSpec !== undefined && jumpSpec.toLowerCase() !== 'none') {
    const specs = jumpSpec.split(',').map((j) => j.trim());
    if (specs.includes('')) throw new UsageError(`bad ProxyJump for "${spec}": ${jumpSpec}`);
    // Jump hosts take their own settings from ssh_config, not the target's -l / -i.
    const hopOverrides: TargetOverrides = { knownHostsFile: o.knownHostsFile, acceptNewHostKeys: o.acceptNewHostKeys };
    // OpenSSH runs `ssh -J h1,..,hn-1 -W target hn`: the first hop keeps its own ProxyJump (its chain
    // goes first), later hops are reached through the hops before them. connect() walks this flat list.
    specs.forEach((j, i) => {
      const hop = resolveTarget(j, config, i === 0 ? hopOverrides : { ...hopOverrides, jump: 'none' }, depth + 1);
      if (i === 0) jump.push(...hop.jump, hop);
      else jump.push({ ...hop, jump: [...jump] });
    });
  }

  return {
    target: spec,
    host,
    port,
    user,
    identityFiles,
    identitiesOnly: yes(first(c, 'identitiesonly')),
    knownHostsFiles,
    strictHostKeyChecking,
    // 0 means "no timeout of its own" in OpenSSH.
    connectTimeoutS: ctS === 0 ? null : ctS,
    jump,
  };
}
