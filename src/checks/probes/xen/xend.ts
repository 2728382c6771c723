/** /etc/xen/xend-config.sxp, xend's relocation-server host check and the name it matches (the xend-peer-name probe). */
import { ipVersion } from '../../../net/addr.js';
import type { Sxp, XendConfig, XendPeerName } from '../../../model/xen.js';
import { ParseError } from '../parse-error.js';
import { parseGetentHosts } from '../system/net.js';
import { lines, show } from '../system/text.js';
import { readSxp } from './sxp.js';

const TRUE_WORDS = ['yes', 'y', '1', 'on', 'true', 't'];
const FALSE_WORDS = ['no', 'n', '0', 'off', 'false', 'f'];

/**
 * Parses /etc/xen/xend-config.sxp: `(name value)` forms, '#' comments (most of the shipped file
 * is commented out). Settings are looked up as xend's XendOptions does: the first form with the
 * name, its first value, the default when the form is missing or has no value; booleans are
 * yes/y/1/on/true/t or no/n/0/off/false/f in any case. An empty or comment-only file gives the
 * defaults (xend runs on defaults when the file is missing too).
 * @throws ParseError ('xend-config') on text that is not an S-expression file (a bare word at
 *   top level, e.g. an error message; unbalanced parentheses; an unterminated string), or on a
 *   relocation value xend itself refuses (a boolean that is not one, a port that is not a number).
 */
export function parseXendConfig(text: string): XendConfig {
  const forms = readSxp(text, 'xend-config');
  const settings = new Map<string, readonly Sxp[]>();
  for (const form of forms) {
    if (typeof form === 'string') {
      throw new ParseError('xend-config', `bare word ${JSON.stringify(form.slice(0, 40))} outside "( )": not an xend-config.sxp file`);
    }
    const [name, ...rest] = form;
    if (typeof name === 'string' && !settings.has(name)) settings.set(name, rest);
  }
  const atom = (name: string, fallback: string): string => {
    const v = settings.get(name)?.[0];
    if (v === undefined) return fallback;
    if (typeof v !== 'string') throw new ParseError('xend-config', `(${name} ...) holds a list, not a single value`);
    return v;
  };
  const bool = (name: string, fallback: string): boolean => {
    const v = atom(name, fallback).toLowerCase();
    if (TRUE_WORDS.includes(v)) return true;
    if (FALSE_WORDS.includes(v)) return false;
    throw new ParseError('xend-config', `(${name} ${JSON.stringify(v.slice(0, 20))}) is not a boolean (xend refuses it too)`);
  };
  const port = (name: string, fallback: string): number => {
    const v = atom(name, fallback).trim();
    const n = /^\+?\d{1,5}$/.test(v) ? Number(v) : NaN;
    if (!(n <= 65535)) throw new ParseError('xend-config', `(${name} ${JSON.stringify(v.slice(0, 20))}) is not a port number`);
    return n;
  };
  const allowText = atom('xend-relocation-hosts-allow', '');
  // relocate.py: hosts_allow.split(" ") when not '' (single blanks: '' entries are kept).
  const allow = allowText === '' ? [] : allowText.split(' ');
  return {
    relocationServer: bool('xend-relocation-server', 'no'),
    relocationPort: port('xend-relocation-port', '8002'),
    relocationAddress: atom('xend-relocation-address', ''),
    relocationHostsAllow: allow,
    invalidHostsAllow: allow.filter((p) => compileAnchored(p) === null),
    relocationSslServer: bool('xend-relocation-ssl-server', 'no'),
    relocationSslPort: port('xend-relocation-ssl-port', '8003'),
    settings: Object.fromEntries(settings),
  };
}

/** A pattern compiled to match at the start of the string only, like Python's re.match; null when invalid. */
function compileAnchored(pattern: string): RegExp | null {
  try {
    return new RegExp(pattern, 'y');
  } catch {
    return null;
  }
}

/**
 * Whether xend's relocation server admits a peer, as tcp.py / connection.hostAllowed decide: an
 * empty list admits every peer; otherwise a peer is admitted when any pattern matches at the
 * START of the name (Python re.match: anchored at the start only, so '10.0.0.1' also admits
 * '10.0.0.12' and '10x0.0.1'; '$' is needed to anchor the end). xend tries the peer's FQDN
 * (reverse lookup of its address) and its IP address: call this with each and OR the results.
 * Patterns JavaScript cannot compile never match.
 */
export function relocationAdmits(allow: readonly string[], hostnameOrIp: string): boolean {
  if (allow.length === 0) return true;
  return allow.some((pattern) => {
    const re = compileAnchored(pattern);
    if (re === null) return false;
    re.lastIndex = 0;
    return re.test(hostnameOrIp);
  });
}

/**
 * Python's socket.getfqdn(address) from gethostbyaddr's answer (CPython Lib/socket.py, the same
 * in Python 2): the canonical name, then the aliases, the first with a dot in it; none with a dot:
 * the canonical name; no answer (gethostbyaddr raised): the address itself.
 */
export function getfqdnOf(address: string, names: readonly string[]): string {
  return names.find((n) => n.includes('.')) ?? names[0] ?? address;
}

/**
 * Parses the xend-peer-name probe's output: `lookup ADDR` (the address looked up), then what
 * `getent hosts ADDR` printed, or `not found` where getent exited 2 (the address does not
 * resolve). Gives the names and socket.getfqdn(ADDR), what xend's hosts-allow check matches.
 * @throws ParseError on any other output, or a getent answer for another address than ADDR.
 */
export function parseXendPeerName(text: string): XendPeerName {
  const [head, ...rest] = lines(text);
  const m = /^lookup (\S+)$/.exec(head ?? '');
  if (!m || ipVersion(m[1] as string) === 0) throw new ParseError('xend-peer-name', `expected "lookup ADDRESS" first, got ${show(head ?? '')}`);
  const address = m[1] as string;
  if (rest.length === 1 && rest[0] === 'not found') return { address, names: [], fqdn: address };
  const answer = parseGetentHosts(rest.join('\n'));
  if (answer === null) throw new ParseError('xend-peer-name', 'getent hosts printed nothing and did not say "not found"');
  const other = answer.addresses.find((a) => a !== address.toLowerCase());
  if (other !== undefined) throw new ParseError('xend-peer-name', `getent hosts answered for ${show(other)}, not for the address looked up (${show(address)})`);
  return { address, names: answer.names, fqdn: getfqdnOf(address, answer.names) };
}
