/** Parsers for the network outputs: `ip -o link` (and bridges), `ip -o addr`, `ip route get`, `getent ahosts`. */
import { ipVersion } from '../../../net/addr.js';
import type { IpAddr, IpLink, RouteGetFacts } from '../../../model/system.js';
import { ParseError } from '../parse-error.js';
import { lines, show } from './text.js';

/** Records of ip's output: with -o one line each ("\" marks the folded newlines), else a header plus indented lines. */
function ipRecords(text: string): { header: string; rest: string[] }[] {
  const out: { header: string; rest: string[] }[] = [];
  for (const line of lines(text)) {
    const parts = line.split(/\\\s+/);
    if (/^\s/.test(line)) {
      const last = out[out.length - 1];
      // An indented first line is kept as a header, which then fails its parser.
      if (last) last.rest.push(...parts.map((p) => p.trim()));
      else out.push({ header: line, rest: [] });
    } else {
      out.push({ header: (parts[0] as string).trim(), rest: parts.slice(1).map((p) => p.trim()) });
    }
  }
  return out;
}

function word(s: string, key: string): string | null {
  const m = new RegExp(`(?:^|\\s)${key} (\\S+)`).exec(s);
  return m ? (m[1] as string) : null;
}

function splitPeer(nameAt: string): { name: string; peer: string | null } {
  const at = nameAt.indexOf('@');
  return at <= 0 ? { name: nameAt, peer: null } : { name: nameAt.slice(0, at), peer: nameAt.slice(at + 1) };
}

/**
 * Parses `ip -o link show` (one line per link:
 * `4: eth2: <BROADCAST,MULTICAST,SLAVE,UP,LOWER_UP> mtu 1500 qdisc fq_codel master bond0 state UP ... \    link/ether 08:00:27:29:dc:a5 brd ...`).
 * The multi-line form of plain `ip link show` (and `-s`/`-d`) is accepted too: indented lines
 * continue the link above them.
 * @throws ParseError on a line that is not a link header.
 */
export function parseIpOLink(text: string): IpLink[] {
  return ipRecords(text).map(({ header, rest }) => {
    const m = /^(\d+):\s+([^\s:]+):\s+<([^>]*)>(.*)$/.exec(header);
    const mtu = m ? word(m[4] as string, 'mtu') : null;
    if (!m || mtu === null || !/^\d+$/.test(mtu)) throw new ParseError('ip-link', `not an \`ip link\` header: ${show(header)}`);
    const tail = m[4] as string;
    const link = rest.map((r) => /^link\/(\S+)(?:\s+(\S+))?/.exec(r)).find((x) => x !== null);
    return {
      index: Number(m[1]),
      ...splitPeer(m[2] as string),
      flags: (m[3] as string).split(',').filter(Boolean),
      mtu: Number(mtu),
      master: word(tail, 'master'),
      state: word(tail, 'state'),
      linkType: link ? (link[1] as string) : null,
      address: link?.[2] ?? null,
    };
  });
}

/**
 * Parses `ip -o link show type bridge`: the bridge names, "@peer" suffixes stripped, in the
 * order ip prints them; empty output (no bridges) gives [].
 * The `type bridge` filter is ip's, so the parser trusts it, but it refuses output that cannot
 * come from it (a loopback or non-Ethernet link, a bonding MASTER/SLAVE): that is unfiltered
 * `ip link` output, whose names would pass for bridges.
 * @throws ParseError on such a link or on a line that is not a link header.
 */
export function parseIpLinkBridges(text: string): string[] {
  return parseIpOLink(text).map((l) => {
    if (l.linkType !== 'ether' || l.flags.includes('MASTER') || l.flags.includes('SLAVE')) {
      throw new ParseError('bridges', `${l.name} (link/${l.linkType ?? '?'} <${l.flags.join(',')}>) cannot be a bridge: output not filtered by \`type bridge\``);
    }
    return l.name;
  });
}

/**
 * Parses `ip -o addr show`: `1: lo    inet 127.0.0.1/8 scope host lo\       valid_lft forever ...`.
 * Point-to-point addresses (`inet 10.0.0.1 peer 10.0.0.2/32`) take the prefix printed after the
 * peer. Lines of other families (link/ether with -0) are skipped.
 * @throws ParseError on a line that is not an address line or an address that is not an IP.
 */
export function parseIpOAddr(text: string): IpAddr[] {
  const out: IpAddr[] = [];
  for (const { header } of ipRecords(text)) {
    // `[^]*`, not `.*`: a CR or U+2028 in the line made `(.*)$` fail and the `\S+` before it backtrack quadratically.
    const m = /^(\d+):\s+(\S+)\s+(\S+)\s+(\S+)([^]*)$/.exec(header);
    // "2: eth0: <...>" is the multi-line `ip addr` form, whose address lines would all be lost.
    if (!m || (m[2] as string).endsWith(':')) throw new ParseError('ip-addr', `not an \`ip -o addr\` line: ${show(header)}`);
    const family = m[3] as string;
    if (family !== 'inet' && family !== 'inet6') continue;
    const rest = m[5] as string;
    const [addr, len] = (m[4] as string).split('/');
    const plen = len ?? /(?:^|\s)peer \S+\/(\d+)/.exec(rest)?.[1];
    const address = family === 'inet6' ? (addr as string).toLowerCase() : (addr as string);
    if (ipVersion(address) !== (family === 'inet' ? 4 : 6) || plen === undefined || !/^\d+$/.test(plen)) {
      throw new ParseError('ip-addr', `bad ${family} address: ${show(header)}`);
    }
    out.push({ ifname: splitPeer(m[2] as string).name, family, address, prefix: Number(plen), scope: word(rest, 'scope') });
  }
  return out;
}

const ROUTE_TYPES = new Set(['unicast', 'local', 'broadcast', 'multicast', 'anycast', 'blackhole', 'unreachable', 'prohibit', 'throw', 'nat']);

/**
 * Parses `ip -o route get ADDR`: `10.0.0.5 via 10.0.0.1 dev eth0 src 10.0.0.4 uid 0 \    cache`;
 * `local 127.0.0.1 dev lo src 127.0.0.1 uid 0 \    cache <local>`;
 * `fd00::9 from :: dev eth0 proto kernel src fd00::2 metric 256 pref medium`.
 * An unreachable destination prints nothing on stdout (the error goes to stderr): that is a
 * ParseError here, the caller's exit-code check comes first.
 * @throws ParseError on empty output, more than one route, or no dev.
 */
export function parseIpRouteGet(text: string): RouteGetFacts {
  const recs = ipRecords(text);
  if (recs.length !== 1) throw new ParseError('route-get', recs.length === 0 ? 'empty output (no route)' : `${recs.length} routes, expected one`);
  const tokens = (recs[0] as { header: string }).header.split(/\s+/);
  const type = ROUTE_TYPES.has(tokens[0] as string) ? (tokens.shift() as string) : 'unicast';
  const dst = tokens.shift() ?? '';
  if (ipVersion(dst) === 0) throw new ParseError('route-get', `not a destination address: ${show(dst)}`);
  const kv: Record<string, string> = {};
  for (let i = 0; i < tokens.length; i++) {
    const k = tokens[i] as string;
    if (k !== 'via' && k !== 'dev' && k !== 'src') continue;
    // "via inet6 fe80::1" (an IPv4 route over an IPv6 gateway) names the family first.
    if (k === 'via' && (tokens[i + 1] === 'inet' || tokens[i + 1] === 'inet6')) i++;
    kv[k] ??= tokens[++i] ?? '';
  }
  if (!kv.dev) throw new ParseError('route-get', `no dev in ${show(recs[0]?.header ?? '')}`);
  return { type, dst, dev: kv.dev, src: kv.src || null, via: kv.via || null };
}

/**
 * Parses `getent ahosts NAME`: one "ADDRESS SOCKTYPE [CANONNAME]" line per address and socket
 * type ("%-15s %-6s %s", so short lines end in spaces). Returns the distinct addresses in order;
 * a name that does not resolve prints nothing (exit 2) and gives [].
 * @throws ParseError on a line that is not an address line.
 */
export function parseGetentAhosts(text: string): string[] {
  const seen = new Set<string>();
  for (const line of lines(text)) {
    const m = /^(\S+)\s+([A-Z]+|\d+)(?:\s+\S+)?\s*$/.exec(line);
    if (!m || ipVersion(m[1] as string) === 0) throw new ParseError('getent-ahosts', `not an address line: ${show(line)}`);
    seen.add((m[1] as string).toLowerCase());
  }
  return [...seen];
}

/**
 * Parses `getent hosts KEY` (glibc's print_hosts): one "ADDRESS NAME [ALIAS ...]" line per
 * address of the answer ("%-15s %s", then " ALIAS" for each alias), the canonical name (h_name)
 * first. KEY an address: gethostbyaddr's answer, one line, as Python's socket.gethostbyaddr gets
 * it through the same NSS (h_name, then h_aliases); KEY a name: gethostbyname2's, a line per
 * address. A key that does not resolve prints nothing (exit 2), which gives null.
 * @throws ParseError on a line that is not an address followed by names, or on lines naming
 *   different hosts (one answer prints the same names on every line).
 */
export function parseGetentHosts(text: string): { addresses: string[]; names: string[] } | null {
  const addresses: string[] = [];
  let names: string[] | null = null;
  for (const line of lines(text)) {
    const m = /^(\S+) +(\S.*)$/.exec(line);
    if (!m || ipVersion(m[1] as string) === 0) throw new ParseError('getent-hosts', `not an address line: ${show(line)}`);
    const these = (m[2] as string).trim().split(/\s+/);
    if (names !== null && these.join(' ') !== names.join(' ')) throw new ParseError('getent-hosts', `names differ from the first line's (${show(names.join(' '))}): ${show(line)}`);
    names = these;
    addresses.push((m[1] as string).toLowerCase());
  }
  return names === null ? null : { addresses, names };
}
