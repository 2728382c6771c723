import { existsSync, readFileSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
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

/** Parses `[user@]host[:port]`, with `[v6addr]:port` for IPv6. */
export function parseTarget(spec: string): ParsedTarget {
  const m = /^(?:([^@\s]+)@)?(\[[0-9a-fA-F:.]+\]|[^@:\s[\]]+)(?::(\d{1,5}))?$/.exec(spec);
  if (!m) throw new UsageError(`bad host "${spec}": expected [user@]host[:port] or an ssh_config alias`);
  const port = m[3] === undefined ? null : Number(m[3]);
  if (port !== null && (port < 1 || port > 65535)) throw new UsageError(`bad port in "${spec}"`);
  const host = (m[2] as string).replace(/^\[(.*)\]$/, '$1');
  return { user: m[1] ?? null, host, port };
}

function expandHome(p: string): string {
  if (p === '~') return homedir();
  if (p.startsWith('~/')) return join(homedir(), p.slice(2));
  return p;
}

/** ssh_config's %-tokens that make sense here (ssh_config(5) TOKENS). */
function expandTokens(p: string, t: { host: string; user: string; port: number; alias: string }): string {
  return expandHome(p).replace(/%([%dhupnrl])/g, (_all, c: string) => {
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

function all(c: Computed, key: string): string[] {
  const v = c[key];
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : [v]).flatMap((s) => s.split(/\s+/)).filter(Boolean);
}

const DEFAULT_IDENTITIES = ['id_ed25519', 'id_ecdsa', 'id_rsa'];

/**
 * Resolves a host spec or ssh_config alias to connection parameters, the way OpenSSH does for
 * the directives we honour: command line first, then the first value ssh_config gives.
 */
export function resolveTarget(spec: string, config: SSHConfig | null, o: TargetOverrides = {}, depth = 0): ResolvedTarget {
  if (depth > 8) throw new UsageError(`ProxyJump chain for "${spec}" is deeper than 8 hops (a loop?)`);
  const parsed = parseTarget(spec);
  const c: Computed = config ? (config.compute(parsed.host.toLowerCase(), { ignoreCase: true, matchExec: false }) as Computed) : {};
  const host = first(c, 'hostname') ?? parsed.host;
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
  const strictHostKeyChecking = o.acceptNewHostKeys || strict === 'accept-new' || strict === 'no' || strict === 'off' ? 'accept-new' : 'yes';

  const ct = first(c, 'connecttimeout');
  const jumpSpec = o.jump ?? first(c, 'proxyjump');
  const jump =
    jumpSpec === undefined || jumpSpec.toLowerCase() === 'none'
      ? []
      : jumpSpec.split(',').map((j) =>
          // Jump hosts take their own settings from ssh_config, not the target's -l / -i.
          resolveTarget(j.trim(), config, { knownHostsFile: o.knownHostsFile, acceptNewHostKeys: o.acceptNewHostKeys }, depth + 1),
        );

  return {
    target: spec,
    host,
    port,
    user,
    identityFiles,
    identitiesOnly: (first(c, 'identitiesonly') ?? 'no').toLowerCase() === 'yes',
    knownHostsFiles,
    strictHostKeyChecking,
    connectTimeoutS: ct === undefined ? null : Number(ct),
    jump,
  };
}
