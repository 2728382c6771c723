/**
 * ssh_config, read the way OpenSSH 9.2's ssh reads it (readconf.c, ssh.c): files in order
 * (-F FILE, else ~/.ssh/config then /etc/ssh/ssh_config), the first value obtained wins (IdentityFile
 * adds up), Host patterns are case-sensitive, Match host/originalhost/user/localuser/exec/all/
 * canonical/final with negation, Include with globs (relative to ~/.ssh, or /etc/ssh for the system
 * file), a final pass when `Match final` asks for one, and every unknown keyword refused unless
 * IgnoreUnknown names it. Keywords this tool cannot honour are refused, with where they were set.
 * Pure but for the environment it is given (files, glob, exec), so tests can run it beside `ssh -G`.
 */
import { join } from 'node:path';
import { SshConfigError } from '../errors.js';
import { globToRegExp } from '../glob.js';
import { clientTokens, machineEnv, percentExpand, tilde, type ConfigEnv, type ConfigFile } from './ssh-env.js';

/** What the command line fixed before any file was read. */
export interface ConfigQuery {
  /** The host as typed (ssh's host_arg). */
  readonly host: string;
  readonly user?: string | undefined;
  readonly port?: number | undefined;
  /** -J on the command line: ProxyCommand and ProxyJump from the files are then ignored. */
  readonly jump?: string | undefined;
}

/** The keywords this tool reads, as resolved (values raw: %-tokens are expanded at use, as ssh does). */
export interface SshConfigResolution {
  readonly host: string;
  /** HostName with %h expanded, lowercased unless an address (ssh.c). */
  readonly hostname: string;
  readonly user: string | null;
  readonly port: number | null;
  /** IdentityFile values in order, tokens unexpanded. */
  readonly identityFiles: readonly string[];
  readonly identitiesOnly: boolean;
  /** Tilde-expanded, tokens unexpanded; null: ssh's defaults. */
  readonly userKnownHostsFiles: readonly string[] | null;
  readonly globalKnownHostsFiles: readonly string[] | null;
  readonly strictHostKeyChecking: 'true' | 'false' | 'ask' | 'accept-new';
  /** Seconds; null: none. 0 stays 0 (ssh -G prints it; ssh treats it as none). */
  readonly connectTimeout: number | null;
  /** Raw, with tokens; null when none. */
  readonly proxyCommand: string | null;
  /** The hop list as written, or null (also for `none`). */
  readonly proxyJump: string | null;
}

/** Every keyword OpenSSH 9.2's ssh accepts (readconf.c keywords[]); any other is an error. */
const KNOWN = new Set(
  ('protocol cipher fallbacktorsh globalknownhostsfile2 rhostsauthentication userknownhostsfile2 useroaming usersh useprivilegedport ' +
    'afstokenpassing kerberosauthentication kerberostgtpassing rsaauthentication rhostsrsaauthentication compressionlevel ' +
    'gssapiauthentication gssapidelegatecredentials pkcs11provider smartcarddevice forwardagent forwardx11 forwardx11trusted ' +
    'forwardx11timeout exitonforwardfailure xauthlocation gatewayports passwordauthentication kbdinteractiveauthentication ' +
    'kbdinteractivedevices challengeresponseauthentication skeyauthentication tisauthentication pubkeyauthentication ' +
    'dsaauthentication hostbasedauthentication identityfile identityfile2 identitiesonly certificatefile addkeystoagent ' +
    'identityagent hostname hostkeyalias proxycommand port ciphers macs remoteforward localforward permitremoteopen user host ' +
    'match escapechar globalknownhostsfile userknownhostsfile connectionattempts batchmode checkhostip stricthostkeychecking ' +
    'compression tcpkeepalive keepalive numberofpasswordprompts syslogfacility loglevel logverbose dynamicforward ' +
    'preferredauthentications hostkeyalgorithms casignaturealgorithms bindaddress bindinterface clearallforwardings ' +
    'enablesshkeysign verifyhostkeydns nohostauthenticationforlocalhost rekeylimit connecttimeout addressfamily ' +
    'serveraliveinterval serveralivecountmax sendenv setenv controlpath controlmaster controlpersist hashknownhosts include ' +
    'tunnel tunneldevice localcommand permitlocalcommand remotecommand visualhostkey kexalgorithms ipqos requesttty sessiontype ' +
    'stdinnull forkafterauthentication proxyusefdpass canonicaldomains canonicalizefallbacklocal canonicalizehostname ' +
    'canonicalizemaxdots canonicalizepermittedcnames streamlocalbindmask streamlocalbindunlink revokedhostkeys fingerprinthash ' +
    'updatehostkeys hostbasedacceptedalgorithms hostbasedkeytypes pubkeyacceptedalgorithms pubkeyacceptedkeytypes ignoreunknown ' +
    'proxyjump securitykeyprovider knownhostscommand requiredrsasize enableescapecommandline').split(' '),
);

/**
 * Keywords that change which host is reached or how its key or the login is checked, which this
 * tool does not implement: set (to other than their default) they are refused, never ignored.
 */
const REFUSED: Record<string, (value: string) => boolean> = {
  hostkeyalias: () => true,
  knownhostscommand: (v) => v.toLowerCase() !== 'none',
  canonicalizehostname: (v) => !['no', 'false'].includes(v.toLowerCase()),
  proxyusefdpass: (v) => ['yes', 'true'].includes(v.toLowerCase()),
  certificatefile: () => true,
  pkcs11provider: (v) => v.toLowerCase() !== 'none',
  bindaddress: () => true,
  bindinterface: () => true,
};

const FLAG: Record<string, boolean> = { yes: true, true: true, no: false, false: false };
const STRICT: Record<string, SshConfigResolution['strictHostKeyChecking']> = { yes: 'true', true: 'true', no: 'false', false: 'false', off: 'false', ask: 'ask', 'accept-new': 'accept-new' };

/** The first values obtained, as readconf's Options. */
interface Options {
  hostname?: string;
  user?: string;
  port?: number;
  identityFiles: string[];
  identitiesOnly?: boolean;
  userKnownHostsFiles?: string[];
  globalKnownHostsFiles?: string[];
  strict?: SshConfigResolution['strictHostKeyChecking'];
  connectTimeout?: number | null;
  proxyCommand?: string;
  jumpHost?: string;
  ignoreUnknown?: string;
  refused: Map<string, string>;
}

interface Pass {
  readonly env: ConfigEnv;
  readonly o: Options;
  /** The name Host lines match: the host as typed, then the final hostname on the final pass. */
  readonly host: string;
  readonly originalHost: string;
  readonly final: boolean;
  wantFinal: boolean;
}

/** One line's state: whether the current Host/Match block applies. */
interface Scope {
  active: boolean;
}


/** argv_split(…, terminate_on_comment): whitespace-separated words, '' and "" quoting, \-escapes. */
function splitArgs(s: string): string[] | null {
  const out: string[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i] as string;
    if (c === ' ' || c === '\t') {
      i++;
      continue;
    }
    if (c === '#') break;
    let arg = '';
    let quote = '';
    for (; i < s.length; i++) {
      const ch = s[i] as string;
      const next = s[i + 1];
      if (ch === '\\') {
        if (next === "'" || next === '"' || next === '\\' || (quote === '' && next === ' ')) {
          arg += next;
          i++;
        } else arg += ch;
      } else if (quote === '' && (ch === ' ' || ch === '\t')) break;
      else if (quote === '' && (ch === '"' || ch === "'")) quote = ch;
      else if (quote !== '' && ch === quote) quote = '';
      else arg += ch;
    }
    if (quote !== '') return null;
    out.push(arg);
  }
  return out;
}

/** match_pattern_list: comma-separated patterns, a negated match wins (-1). */
function matchList(s: string, list: string, lower: boolean): 1 | 0 | -1 {
  let got: 1 | 0 = 0;
  for (const raw of list.split(',')) {
    const neg = raw.startsWith('!');
    const pat = neg ? raw.slice(1) : raw;
    if (globToRegExp(lower ? pat.toLowerCase() : pat).test(s)) {
      if (neg) return -1;
      got = 1;
    }
  }
  return got;
}

/** Naive address test, as ssh.c's is_addr: addresses are not lowercased. */
const isAddr = (h: string): boolean => /^[\d.]+$/.test(h) || h.includes(':');

function matchLine(p: Pass, rest: string, where: string): boolean {
  const args = splitArgs(rest);
  if (args === null || args.length === 0) throw new SshConfigError(`${where}: One or more attributes required for Match`);
  const o = p.o;
  const ruser = o.user ?? p.env.localUser;
  const host = p.final ? (o.hostname as string) : o.hostname !== undefined ? percentExpand(o.hostname, { h: p.originalHost }, where) : p.originalHost;
  let result = true;
  let attributes = 0;
  for (let i = 0; i < args.length; i++) {
    const raw = args[i] as string;
    const neg = raw.startsWith('!');
    const attr = (neg ? raw.slice(1) : raw).toLowerCase();
    if (attr === 'all') {
      if (attributes > 1 || i + 1 < args.length) throw new SshConfigError(`${where}: '${raw}' cannot be combined with other Match attributes`);
      return result ? !neg : false;
    }
    attributes++;
    if (attr === 'canonical' || attr === 'final') {
      if (attr === 'final') p.wantFinal = true;
      if (p.final === neg) result = false;
      continue;
    }
    const arg = args[++i];
    if (arg === undefined || arg === '') throw new SshConfigError(`${where}: Missing Match criteria for ${attr}`);
    let r: boolean;
    if (attr === 'host') r = matchList(host, arg, true) === 1;
    else if (attr === 'originalhost') r = matchList(p.originalHost, arg, true) === 1;
    else if (attr === 'user') r = matchList(ruser, arg, false) === 1;
    else if (attr === 'localuser') r = matchList(p.env.localUser, arg, false) === 1;
    else if (attr === 'exec') {
      if (!result) continue; // a failed predicate before it: not run
      // The client tokens (%C included); %k is the host here, not the name as typed.
      const tokens = { ...clientTokens({ host, hostArg: p.originalHost, port: o.port ?? 22, user: ruser }, p.env), k: host };
      const cmd = percentExpand(arg, tokens, where);
      r = p.env.exec(cmd);
    } else throw new SshConfigError(`${where}: Unsupported Match attribute ${attr}`);
    if (r === neg) result = false;
  }
  return result;
}

function firstArg(kw: string, args: readonly string[], where: string): string {
  const a = args[0];
  if (a === undefined || a === '') throw new SshConfigError(`${where}: Missing argument for ${kw}.`);
  if (args.length > 1) throw new SshConfigError(`${where}: keyword ${kw} extra arguments at end of line`);
  return a;
}

function include(p: Pass, args: readonly string[], file: ConfigFile, where: string, scope: Scope, depth: number): void {
  for (const arg of args) {
    if (arg === '') throw new SshConfigError(`${where}: keyword include empty argument`);
    if (arg.startsWith('~') && !file.user) throw new SshConfigError(`${where}: bad include path ${arg}.`);
    const pattern = arg.startsWith('/') || arg.startsWith('~') ? tilde(arg, p.env.home) : file.user ? join(p.env.home, '.ssh', arg) : join('/etc/ssh', arg);
    const outer = scope.active;
    for (const path of p.env.glob(pattern)) {
      // Lines of a file included from a block that does not apply are parsed, never applied.
      readFile(p, { path, user: file.user }, scope, depth + 1, !outer);
      scope.active = outer;
    }
  }
}

function line(p: Pass, text: string, file: ConfigFile, lineNo: number, scope: Scope, depth: number, neverMatch: boolean): void {
  const where = `${file.path} line ${lineNo}`;
  const s = text.replace(/[ \t\r\n\f]+$/, '');
  const m = /^[ \t\r\n]*([^ \t\r\n"=]*)/.exec(s) as RegExpExecArray;
  const keyword = (m[1] as string).toLowerCase();
  if (keyword === '' || keyword.startsWith('#')) return;
  // One '=' may separate the keyword from its value, with whitespace around it.
  const rest = s.slice(m[0].length).replace(/^[ \t\r\n]*(?:=[ \t\r\n]*)?/, '');
  if (rest === '') throw new SshConfigError(`${where}: no argument after keyword "${keyword}"`);
  const o = p.o;
  if (!KNOWN.has(keyword)) {
    if (o.ignoreUnknown !== undefined && matchList(keyword, o.ignoreUnknown, true) === 1) return;
    throw new SshConfigError(`${where}: Bad configuration option: ${keyword}`);
  }
  const args = splitArgs(rest);
  if (args === null) throw new SshConfigError(`${where}: invalid quotes`);
  const on = scope.active;
  switch (keyword) {
    case 'host': {
      scope.active = false;
      for (const a of args) {
        if (a === '') throw new SshConfigError(`${where}: keyword host empty argument`);
        if (neverMatch) break;
        const neg = a.startsWith('!');
        if (globToRegExp(neg ? a.slice(1) : a).test(p.host)) {
          if (neg) {
            scope.active = false;
            break;
          }
          scope.active = true;
        }
      }
      return;
    }
    case 'match':
      scope.active = matchLine(p, rest, where) && !neverMatch;
      return;
    case 'include':
      if (depth >= 16) throw new SshConfigError(`${where}: Too many recursive configuration includes`);
      include(p, args, file, where, scope, depth);
      return;
    case 'hostname':
    case 'user':
    case 'ignoreunknown': {
      const v = firstArg(keyword, args, where);
      const k = keyword === 'hostname' ? 'hostname' : keyword === 'user' ? 'user' : 'ignoreUnknown';
      if (on && o[k] === undefined) o[k] = v;
      return;
    }
    case 'port': {
      const v = firstArg(keyword, args, where);
      const n = /^\d+$/.test(v) ? Number(v) : 0;
      if (n <= 0 || n > 65535) throw new SshConfigError(`${where}: Bad port '${v}'.`);
      if (on && o.port === undefined) o.port = n;
      return;
    }
    case 'identityfile':
    case 'identityfile2': {
      const v = firstArg(keyword, args, where);
      if (on && !o.identityFiles.includes(v)) o.identityFiles.push(v);
      return;
    }
    case 'identitiesonly': {
      const v = FLAG[firstArg(keyword, args, where).toLowerCase()];
      if (v === undefined) throw new SshConfigError(`${where}: unsupported option "${args[0]}".`);
      if (on && o.identitiesOnly === undefined) o.identitiesOnly = v;
      return;
    }
    case 'stricthostkeychecking': {
      const v = STRICT[firstArg(keyword, args, where).toLowerCase()];
      if (v === undefined) throw new SshConfigError(`${where}: unsupported option "${args[0]}".`);
      if (on && o.strict === undefined) o.strict = v;
      return;
    }
    case 'connecttimeout': {
      const a = firstArg(keyword, args, where);
      const v = a === 'none' ? null : convtime(a);
      if (v === undefined) throw new SshConfigError(`${where}: invalid time value.`);
      if (on && o.connectTimeout === undefined) o.connectTimeout = v;
      return;
    }
    case 'userknownhostsfile':
    case 'globalknownhostsfile': {
      if (args.some((a) => a === '')) throw new SshConfigError(`${where}: keyword ${keyword} empty argument`);
      if (args.length > 1 && args.some((a) => a.toLowerCase() === 'none')) throw new SshConfigError(`${where}: keyword ${keyword} "none" argument must appear alone.`);
      const k = keyword === 'userknownhostsfile' ? 'userKnownHostsFiles' : 'globalKnownHostsFiles';
      if (on && o[k] === undefined) o[k] = [...args];
      return;
    }
    case 'proxycommand':
      // The rest of the line, verbatim (comments too), as readconf keeps it; ignored after a ProxyJump.
      // (ssh 9.2 lets a ProxyCommand follow `ProxyJump none`.)
      if (on && o.proxyCommand === undefined && (o.jumpHost === undefined || o.jumpHost.toLowerCase() === 'none')) o.proxyCommand = rest;
      return;
    case 'proxyjump': {
      const spec = (rest.split('#')[0] as string).replace(/[ \t\r\n]+$/, '');
      const hops = spec.split(',');
      if (spec.toLowerCase() !== 'none' && !hops.every(validHop)) throw new SshConfigError(`${where}: Invalid ProxyJump "${spec}"`);
      if (on && o.proxyCommand === undefined && o.jumpHost === undefined) {
        o.jumpHost = spec;
        if (spec.toLowerCase() !== 'none') o.proxyCommand = 'none';
      }
      return;
    }
    default: {
      const refuse = REFUSED[keyword];
      if (refuse && on && !o.refused.has(keyword) && args[0] !== undefined && refuse(args[0])) o.refused.set(keyword, `${keyword} ${rest} (${where})`);
    }
  }
}

/** A ProxyJump hop as parse_ssh_uri / parse_user_host_port accept it: [ssh://][user@]host[:port][/]. */
function validHop(hop: string): boolean {
  let s = hop;
  if (/^ssh:\/\//i.test(s)) {
    s = s.slice(6).replace(/\/$/, '');
    if (s.includes('/')) return false;
  }
  const at = s.lastIndexOf('@');
  if (at === 0 || at === s.length - 1) return false;
  const m = /^(\[[^\]]*\]|[^:]+)(?::(\d*))?$/.exec(s.slice(at + 1));
  if (!m) return false;
  const port = m[2] ? Number(m[2]) : 1;
  return port >= 1 && port <= 65535;
}

/** convtime: `90`, `1m30s`, `2h`; undefined when malformed. */
function convtime(text: string): number | undefined {
  if (!/^(\d+[smhdwSMHDW]?)+$/.test(text)) return undefined;
  const unit: Record<string, number> = { '': 1, s: 1, m: 60, h: 3600, d: 86400, w: 604800 };
  let total = 0;
  for (const [, n, u] of text.toLowerCase().matchAll(/(\d+)([smhdw]?)/g)) total += Number(n) * (unit[u as string] as number);
  return total;
}

function readFile(p: Pass, file: ConfigFile, scope: Scope, depth: number, neverMatch: boolean): void {
  const text = p.env.read(file.path);
  if (text === null) {
    if (file.required) throw new SshConfigError(`Can't open user config file ${file.path}: No such file or directory`);
    return;
  }
  text.split('\n').forEach((l, i) => line(p, l, file, i + 1, scope, depth, neverMatch));
}

function pass(p: Pass, files: readonly ConfigFile[]): void {
  // Each top-level file starts applying (before its first Host or Match line).
  for (const f of files) readFile(p, f, { active: true }, 0, false);
}

/**
 * Resolves `q.host` against `files` as `ssh -G` does.
 * @throws SshConfigError naming the file and line of anything ssh would refuse, and of any keyword
 *   this tool does not implement.
 */
export function resolveSshConfig(files: readonly ConfigFile[], q: ConfigQuery, env: ConfigEnv = machineEnv()): SshConfigResolution {
  const o: Options = { identityFiles: [], refused: new Map() };
  if (q.user !== undefined) o.user = q.user;
  if (q.port !== undefined) o.port = q.port;
  if (q.jump !== undefined) {
    o.jumpHost = q.jump;
    if (q.jump.toLowerCase() !== 'none') o.proxyCommand = 'none';
  }
  const first: Pass = { env, o, host: q.host, originalHost: q.host, final: false, wantFinal: false };
  pass(first, files);
  let host = o.hostname !== undefined ? percentExpand(o.hostname, { h: q.host }, 'HostName') : q.host;
  if (!isAddr(host)) host = host.toLowerCase();
  if (first.wantFinal) {
    o.hostname = host;
    pass({ env, o, host, originalHost: q.host, final: true, wantFinal: false }, files);
  }
  const refused = [...o.refused.values()];
  if (refused.length > 0) throw new SshConfigError(`${q.host}: ssh_config sets what migrate-preflight does not implement: ${refused.join('; ')}`);
  const none = (v: string | undefined): boolean => v === undefined || v.toLowerCase() === 'none';
  const known = (v: string[] | undefined): string[] | null => (v === undefined ? null : v.map((f) => tilde(f, env.home)));
  return {
    host: q.host,
    hostname: host,
    user: o.user ?? null,
    port: o.port ?? null,
    identityFiles: o.identityFiles,
    identitiesOnly: o.identitiesOnly ?? false,
    userKnownHostsFiles: known(o.userKnownHostsFiles),
    globalKnownHostsFiles: known(o.globalKnownHostsFiles),
    strictHostKeyChecking: o.strict ?? 'ask',
    connectTimeout: o.connectTimeout ?? null,
    proxyCommand: none(o.proxyCommand) ? null : (o.proxyCommand as string),
    proxyJump: none(o.jumpHost) ? null : (o.jumpHost as string),
  };
}
