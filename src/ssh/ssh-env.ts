/**
 * The machine side of ssh_config: the files ssh reads, glob(3), Match exec, and the %-token and
 * ~ expansion ssh applies to HostName, IdentityFile, UserKnownHostsFile and ProxyCommand values.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { homedir, hostname as localHostname, userInfo } from 'node:os';
import { join } from 'node:path';
import { SshConfigError } from '../errors.js';

/** What ssh_config resolution needs from the machine. */
export interface ConfigEnv {
  readonly home: string;
  readonly localUser: string;
  readonly uid: number;
  /** The local host name (%l; %L is its first label). */
  readonly localHost: string;
  /** A file's text, or null when it does not exist. */
  readonly read: (path: string) => string | null;
  /** glob(3) of an absolute pattern: the existing paths, sorted. */
  readonly glob: (pattern: string) => string[];
  /** Runs a Match exec command with /bin/sh -c; true when it exits 0. */
  readonly exec: (command: string) => boolean;
}

/** A config file and how ssh reads it: user files may Include `~/` and relative paths go to ~/.ssh. */
export interface ConfigFile {
  readonly path: string;
  readonly user: boolean;
  /** -F FILE: a missing file is an error (the default files may be absent). */
  readonly required?: boolean;
}

/** percent_expand with the tokens given; an unknown %x is an error, as in OpenSSH. */
export function percentExpand(text: string, tokens: Readonly<Record<string, string>>, what: string): string {
  return text.replace(/%(.?)/g, (_all, c: string) => {
    if (c === '%') return '%';
    const v = tokens[c];
    if (v === undefined) throw new SshConfigError(`${what}: unknown token %${c} in "${text}"`);
    return v;
  });
}

/** ~ and ~/ expansion (tilde_expand_filename for the running user). */
export function tilde(p: string, home: string): string {
  if (p === '~') return home;
  if (p.startsWith('~/')) return join(home, p.slice(2));
  return p;
}

/** The files ssh reads: -F FILE alone (`none`: no file), else ~/.ssh/config then /etc/ssh/ssh_config. */
export function configFiles(file: string | undefined, env: Pick<ConfigEnv, 'home'> = { home: homedir() }): ConfigFile[] {
  if (file !== undefined) return file.toLowerCase() === 'none' ? [] : [{ path: file, user: true, required: true }];
  return [
    { path: join(env.home, '.ssh', 'config'), user: true },
    { path: '/etc/ssh/ssh_config', user: false },
  ];
}

/** glob(3) for absolute patterns: `*`, `?` and `[...]` within one path component; dot files only when asked. */
function globFs(pattern: string): string[] {
  const parts = pattern.split('/').filter((x, i) => x !== '' || i === 0);
  let paths = [parts[0] === '' ? '/' : (parts[0] as string)];
  for (const part of parts.slice(1)) {
    if (!/[*?[]/.test(part)) {
      paths = paths.map((d) => join(d, part));
      continue;
    }
    const re = new RegExp(`^${part.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\[!/g, '[^').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
    paths = paths.flatMap((d) => {
      let names: string[];
      try {
        names = readdirSync(d);
      } catch {
        return [];
      }
      return names.filter((n) => re.test(n) && (part.startsWith('.') || !n.startsWith('.'))).sort().map((n) => join(d, n));
    });
  }
  return paths.filter((f) => {
    try {
      return statSync(f).isFile();
    } catch {
      return false;
    }
  });
}

/** This machine, as ssh sees it. */
export function machineEnv(): ConfigEnv {
  const me = userInfo();
  return {
    home: homedir(),
    localUser: me.username,
    uid: me.uid,
    localHost: localHostname(),
    read: (path) => {
      try {
        return readFileSync(path, 'utf8');
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'ENOENT' || code === 'EISDIR') return null;
        throw new SshConfigError(`cannot read ssh config ${path}: ${code ?? String(e)}`);
      }
    },
    glob: globFs,
    // As ssh: $SHELL -c, else /bin/sh.
    exec: (command) => spawnSync(process.env.SHELL || '/bin/sh', ['-c', command], { stdio: 'ignore' }).status === 0,
  };
}

/** What ssh knows of a connection once resolved: the tokens IdentityFile and UserKnownHostsFile take. */
export interface ConnInfo {
  /** The final host name (%h). */
  readonly host: string;
  /** The host as typed (%n, and %k without HostKeyAlias). */
  readonly hostArg: string;
  readonly port: number;
  readonly user: string;
}

/** ssh's DEFAULT_CLIENT_PERCENT_EXPAND_ARGS: %C %L %i %k %l %n %p %d %h %r %u. */
export function clientTokens(c: ConnInfo, env: ConfigEnv): Record<string, string> {
  const port = String(c.port);
  return {
    C: createHash('sha1').update(env.localHost + c.host + port + c.user).digest('hex'),
    L: env.localHost.split('.')[0] ?? '',
    i: String(env.uid),
    k: c.hostArg,
    l: env.localHost,
    n: c.hostArg,
    p: port,
    d: env.home,
    h: c.host,
    r: c.user,
    u: env.localUser,
  };
}

/** A path keyword's value as ssh uses it: ~ expanded, then %-tokens and ${VAR} (percent_dollar_expand). */
export function expandPath(p: string, tokens: Readonly<Record<string, string>>, env: ConfigEnv, what: string): string {
  const expanded = percentExpand(tilde(p, env.home), tokens, what);
  return expanded.replace(/\$\{([^}]*)\}/g, (_all, name: string) => {
    const v = process.env[name];
    if (v === undefined) throw new SshConfigError(`${what}: environment variable \${${name}} is not set (in "${p}")`);
    return v;
  });
}
