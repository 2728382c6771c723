import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { SshConfigError, UsageError } from '../errors.js';
import { resolveSshConfig } from './ssh-config.js';
import { clientTokens, configFiles, expandPath, machineEnv, percentExpand, tilde, type ConfigEnv, type ConfigFile } from './ssh-env.js';

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
  /** GlobalKnownHostsFile (default /etc/ssh/ssh_known_hosts and ssh_known_hosts2): looked up too, as ssh does. */
  readonly globalKnownHostsFiles: readonly string[];
  /** 'yes' refuses unknown keys; 'accept-new' (and 'no') accept unknown keys; a changed key is always refused. */
  readonly strictHostKeyChecking: 'yes' | 'accept-new';
  readonly connectTimeoutS: number | null;
  /** ProxyCommand, expanded, for `$SHELL -c`; null: connect directly (or through the jump hosts). */
  readonly proxyCommand: string | null;
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

/** The ssh_config files to read and the machine to read them on (file reads are cached). */
export interface SshConfigSource {
  readonly files: readonly ConfigFile[];
  readonly env: ConfigEnv;
}

/**
 * The ssh_config files ssh would read: `file` (-F) alone, else ~/.ssh/config and /etc/ssh/ssh_config.
 * @throws SshConfigError when `file` cannot be read.
 */
export function loadSshConfig(file: string | undefined, env: ConfigEnv = machineEnv()): SshConfigSource {
  const cache = new Map<string, string | null>();
  const read = (path: string): string | null => {
    if (!cache.has(path)) cache.set(path, env.read(path));
    return cache.get(path) as string | null;
  };
  const files = configFiles(file, env);
  for (const f of files) if (f.required && read(f.path) === null) throw new SshConfigError(`cannot read ssh config ${f.path}: ENOENT`);
  return { files, env: { ...env, read } };
}

const DEFAULT_IDENTITIES = ['id_ed25519', 'id_ecdsa', 'id_rsa'];

/**
 * Resolves a host spec or ssh_config alias to connection parameters, the way OpenSSH does for
 * the directives we honour: command line first, then the first value ssh_config gives.
 */
export function resolveTarget(spec: string, config: SshConfigSource | null, o: TargetOverrides = {}, depth = 0): ResolvedTarget {
  if (depth > 8) throw new UsageError(`ProxyJump chain for "${spec}" is deeper than 8 hops (a loop?)`);
  const parsed = parseTarget(spec);
  const env = config?.env ?? machineEnv();
  const c = resolveSshConfig(config?.files ?? [], { host: parsed.host, user: parsed.user ?? o.user, port: parsed.port ?? undefined, jump: o.jump }, env);
  const host = c.hostname;
  const user = c.user ?? env.localUser;
  const port = c.port ?? 22;
  const tokens = clientTokens({ host, hostArg: parsed.host, port, user }, env);
  const path = (p: string, what: string): string => expandPath(p, tokens, env, `${spec}: ${what}`);

  const fromConfig = c.identityFiles.filter((p) => p.toLowerCase() !== 'none').map((p) => path(p, 'IdentityFile'));
  const explicit = (o.identityFiles ?? []).map((p) => resolve(path(p, '-i')));
  const defaults = DEFAULT_IDENTITIES.map((n) => join(env.home, '.ssh', n)).filter((p) => existsSync(p));
  const identityFiles = [...new Set([...explicit, ...fromConfig, ...(c.identityFiles.length + explicit.length === 0 ? defaults : [])])];

  const listed = (files: readonly string[] | null, dflt: readonly string[], what: string): string[] =>
    files === null ? [...dflt] : files.length === 1 && files[0]?.toLowerCase() === 'none' ? [] : files.map((p) => path(p, what));
  const knownHostsFiles = o.knownHostsFile
    ? [tilde(o.knownHostsFile, env.home)]
    : listed(c.userKnownHostsFiles, [join(env.home, '.ssh', 'known_hosts'), join(env.home, '.ssh', 'known_hosts2')], 'UserKnownHostsFile');
  const globalKnownHostsFiles = listed(c.globalKnownHostsFiles, ['/etc/ssh/ssh_known_hosts', '/etc/ssh/ssh_known_hosts2'], 'GlobalKnownHostsFile');
  const strictHostKeyChecking = o.acceptNewHostKeys || c.strictHostKeyChecking === 'accept-new' || c.strictHostKeyChecking === 'false' ? 'accept-new' : 'yes';

  const jumpSpec = c.proxyJump;
  const jump: ResolvedTarget[] = [];
  if (jumpSpec !== null) {
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
    identitiesOnly: c.identitiesOnly,
    knownHostsFiles,
    globalKnownHostsFiles,
    strictHostKeyChecking,
    // 0 means "no timeout of its own" in OpenSSH.
    connectTimeoutS: c.connectTimeout === 0 ? null : c.connectTimeout,
    // As ssh runs it: `exec` prepended, then %h %k %n %p %r (expand_proxy_command).
    proxyCommand: c.proxyCommand === null ? null : percentExpand(`exec ${c.proxyCommand}`, { h: host, k: parsed.host, n: parsed.host, p: String(port), r: user }, `${spec}: ProxyCommand`),
    jump,
  };
}
