import { isIP } from 'node:net';
import type { HostIds, IpAddr, IpLink, LsmFacts, MeminfoFacts, MountFacts, RouteGetFacts } from '../../model/system.js';
import { ParseError } from './parse-error.js';

/** Non-empty lines, a trailing CR dropped (CRs inside a line are data: a mount point may hold one). */
function lines(text: string): string[] {
  return text
    .split('\n')
    .map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l))
    .filter((l) => l.trim() !== '');
}

const show = (s: string): string => JSON.stringify(s.slice(0, 100));

// ---------------------------------------------------------------------------------------------
// Mounts

/** The kernel writes space, tab, newline and backslash in mount fields as \ooo (fs/proc_namespace.c). */
function unescapeOctal(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

/** Split before decoding, so an escaped comma (\054, seq_show_option) stays inside its option. */
function splitOptions(s: string): string[] {
  return s === '' ? [] : s.split(',').map(unescapeOctal);
}

/**
 * Filesystems whose contents live off the host and that two hypervisors can mount alike, so
 * a guest's disk on them is shared storage. Decisions beyond the obvious:
 * - fuse.s3fs, rclone, gcsfuse and other object-store FUSE mounts are NOT counted: no coherent
 *   POSIX semantics under two writers, and their source ("s3fs") says nothing about the bucket;
 * - 9p only over a network transport (trans=tcp|rdma); trans=virtio/xen is a host-guest channel;
 * - virtiofs is a host-guest channel too, autofs only a trigger (the real mount is listed apart).
 */
const NETWORK_FSTYPES: ReadonlySet<string> = new Set([
  'nfs', 'nfs4', 'cifs', 'smb3', 'smbfs', 'glusterfs', 'fuse.glusterfs', 'ceph', 'fuse.ceph',
  'fuse.ceph-fuse', 'ceph-fuse', 'cephfs', 'fuse.sshfs', 'afs', 'lustre', 'beegfs', 'gpfs', 'ocfs2',
  'gfs2', 'moosefs', 'fuse.mfs', 'mfs', 'quobyte', 'fuse.quobyte', 'acfs',
]);

/** Shared, but the source names no server: "ceph-fuse", "beegfs_nodev", or a local block device. */
const OPAQUE_SOURCE: ReadonlySet<string> = new Set(['fuse.ceph', 'fuse.ceph-fuse', 'ceph-fuse', 'beegfs', 'ocfs2', 'gfs2', 'acfs']);

/** Trailing slashes removed, in linear time (`/\/+$/` rescans a long run of slashes from each of them). */
function trimSlashes(s: string): string {
  let end = s.length;
  while (end > 0 && s.charCodeAt(end - 1) === 0x2f) end--;
  return s.slice(0, end);
}

/** "server:/a//b/" → "/a/b"; the root stays "/". */
function normPath(p: string): string {
  const c = p.replace(/\/{2,}/g, '/');
  return c.length > 1 ? trimSlashes(c) : c;
}

/** Splits "host:path" at the first ':' outside [...]; for lists ("m1:6789,m2:6789:/p") at the first ":/". */
function splitHostPath(source: string): { host: string; path: string } | null {
  const slash = source.indexOf(':/');
  if (slash > 0) return { host: source.slice(0, slash), path: source.slice(slash + 1) };
  const m = /^(\[[^\]]*\]|[^:[\]]+):(.*)$/.exec(source);
  return m ? { host: m[1] as string, path: m[2] as string } : null;
}

function optionValue(options: readonly string[], key: string): string | null {
  const o = options.find((x) => x.startsWith(`${key}=`));
  return o === undefined ? null : o.slice(key.length + 1);
}

/** The comparable export of a network mount (see {@link parseProcMounts}); null when the source names no server. */
function exportOf(type: string, source: string, options: readonly string[]): string | null {
  if (OPAQUE_SOURCE.has(type)) return null;
  switch (type) {
    case 'nfs':
    case 'nfs4': {
      const hp = splitHostPath(source);
      if (hp) return `${hp.host.toLowerCase()}:${normPath(hp.path)}`;
      // No "server:" (sanitised or odd samples): the server address the client actually uses.
      const addr = optionValue(options, 'addr') ?? optionValue(options, 'mountaddr');
      return addr ? `${addr.toLowerCase()}:${normPath(source)}` : normPath(source);
    }
    case 'cifs':
    case 'smb3':
    case 'smbfs': {
      // `[^]*`, not `.*`: a newline (\012) after the share made the server part backtrack quadratically.
      const m = /^[\\/]{2}([^\\/]+)([^]*)$/.exec(source);
      if (!m) return source.toLowerCase();
      const rest = normPath((m[2] as string).replace(/\\/g, '/'));
      return `//${(m[1] as string).toLowerCase()}${rest === '/' ? '' : rest}`;
    }
    case 'fuse.sshfs': {
      const hp = splitHostPath(source);
      if (!hp) return source;
      // The user part is case-sensitive, the host part is not.
      const at = hp.host.lastIndexOf('@');
      const host = at < 0 ? hp.host.toLowerCase() : `${hp.host.slice(0, at + 1)}${hp.host.slice(at + 1).toLowerCase()}`;
      return `${host}:${hp.path.startsWith('/') ? normPath(hp.path) : trimSlashes(hp.path)}`;
    }
    case 'glusterfs':
    case 'fuse.glusterfs': {
      const hp = splitHostPath(source);
      if (!hp) return source.toLowerCase();
      // "server:vol" and "server:/vol" name the same volume.
      return `${hp.host.toLowerCase()}:${normPath(hp.path.startsWith('/') ? hp.path : `/${hp.path}`)}`;
    }
    case 'ceph':
    case 'cephfs': {
      const hp = splitHostPath(source);
      if (!hp || !hp.path.startsWith('/')) return trimSlashes(source.toLowerCase());
      // The same monitors listed in another order are the same cluster.
      const mons = hp.host.toLowerCase().split(',').sort().join(',');
      return `${mons}:${normPath(hp.path)}`;
    }
    case '9p': {
      const aname = optionValue(options, 'aname');
      return aname === null ? source.toLowerCase() : `${source.toLowerCase()}:${normPath(aname)}`;
    }
    case 'lustre': {
      const hp = splitHostPath(source);
      return hp ? `${hp.host.toLowerCase()}:${normPath(hp.path)}` : source.toLowerCase();
    }
    default:
      // afs ("AFS", "#cell:root.cell."), gpfs (cluster-wide device name), moosefs, quobyte.
      return source.length > 1 ? trimSlashes(source) : source;
  }
}

/** Old FUSE mounts carry the subtype in the source ("sshfs#user@host:/p" on type fuse). */
function effectiveType(fstype: string, source: string): { type: string; source: string } {
  const m = /^([A-Za-z0-9_.-]+)#(.*)$/.exec(source);
  if ((fstype === 'fuse' || fstype === 'fuseblk') && m) return { type: `fuse.${(m[1] as string).toLowerCase()}`, source: m[2] as string };
  return { type: fstype, source };
}

function mountFacts(source: string, mountpoint: string, fstype: string, options: readonly string[]): MountFacts {
  const eff = effectiveType(fstype, source);
  const trans = optionValue(options, 'trans');
  const network = NETWORK_FSTYPES.has(eff.type) || (eff.type === '9p' && (trans === 'tcp' || trans === 'rdma'));
  return { source, mountpoint, fstype, options, network, export: network ? exportOf(eff.type, eff.source, options) : null };
}

/**
 * Parses /proc/mounts (= /proc/self/mounts): one mount per line,
 * `source mountpoint fstype options dump pass`, fields separated by ONE space. Octal escapes
 * (\040 space, \011 tab, \012 newline, \134 backslash) are decoded; a source may be empty (the
 * line then starts with a space), a mount point may hold a raw CR.
 *
 * `network` is true for shared network/cluster filesystems: nfs, nfs4, cifs, smb3, smbfs,
 * glusterfs, fuse.glusterfs, ceph (kernel), fuse.ceph(-fuse), fuse.sshfs, afs, lustre, beegfs,
 * gpfs, ocfs2, gfs2, moosefs/fuse.mfs, quobyte, acfs, and 9p over trans=tcp|rdma. Not counted:
 * fuse.s3fs and other object-store FUSE mounts, virtiofs, 9p over virtio, autofs triggers.
 * (libvirt's own notion of "shared" is narrower: for FUSE it knows only fuse.glusterfs and
 * fuse.quobyte, so it treats fuse.sshfs as local.)
 *
 * `export` is the source normalised so both hosts can be compared, null for non-network mounts:
 * - nfs/nfs4: "server:/export", host lower-cased, duplicate and trailing slashes removed;
 *   a source without "server:" takes the server from the addr= (else mountaddr=) option;
 * - cifs/smb3/smbfs: "//server/share/dir", host lower-cased, backslashes made slashes;
 * - fuse.sshfs: "user@host:/path" (user kept as is, host lower-cased);
 * - glusterfs: "server:/volume"; ceph: "mon1,mon2:/path" with the monitors sorted; lustre
 *   "nid1:nid2:/fsname"; 9p: "server:aname";
 * - null for shared filesystems whose source names no server (ceph-fuse, beegfs, and the
 *   shared-block ocfs2/gfs2/acfs, whose device path differs from host to host).
 * @throws ParseError when a line does not have the six fields of the format.
 */
export function parseProcMounts(text: string): MountFacts[] {
  return lines(text).map((line) => {
    const f = line.split(' ');
    const [source, mountpoint, fstype, options, dump, pass] = f;
    if (f.length !== 6 || !/^\d+$/.test(dump ?? '') || !/^\d+$/.test(pass ?? '') || !mountpoint?.startsWith('/') || !fstype) {
      throw new ParseError('mounts', `not a /proc/mounts line (source mountpoint fstype options dump pass): ${show(line)}`);
    }
    return mountFacts(unescapeOctal(source ?? ''), unescapeOctal(mountpoint), fstype, splitOptions(options ?? ''));
  });
}

/**
 * Parses /proc/self/mountinfo (proc(5)):
 * `id parent major:minor root mountpoint mount-options [optional-fields...] - fstype source super-options`.
 * Returns the same {@link MountFacts} as {@link parseProcMounts}; `options` are the per-mount
 * options followed by the super-block options not already listed (rw/ro from the mount win: a
 * read-only bind of a read-write file system shows "ro" only). The bind root (4th field) is not
 * folded into `export`.
 * @throws ParseError on a line without the " - " separator or with too few fields.
 */
export function parseMountinfo(text: string): MountFacts[] {
  return lines(text).map((line) => {
    const bad = (why: string): ParseError => new ParseError('mountinfo', `${why}: ${show(line)}`);
    // Fields before "-" are never empty; after it the source may be (two spaces), so split exactly there.
    const sep = line.indexOf(' - ');
    if (sep < 0) throw bad('no " - " separator');
    const pre = line.slice(0, sep).trim().split(/ +/);
    const post = line.slice(sep + 3).split(' ');
    if (pre.length < 6 || !/^\d+$/.test(pre[0] ?? '') || !/^\d+$/.test(pre[1] ?? '') || !/^\d+:\d+$/.test(pre[2] ?? '')) throw bad('not a mountinfo line');
    if (post.length < 3 || !post[0]) throw bad('missing fstype, source or super options');
    const mountpoint = unescapeOctal(pre[4] as string);
    if (!mountpoint.startsWith('/')) throw bad('mount point is not absolute');
    const mountOpts = splitOptions(pre[5] as string);
    const hasAccess = mountOpts.includes('ro') || mountOpts.includes('rw');
    const superOpts = splitOptions(post.slice(2).join(' ')).filter((o) => !mountOpts.includes(o) && !(hasAccess && (o === 'ro' || o === 'rw')));
    return mountFacts(unescapeOctal(post[1] as string), mountpoint, post[0] as string, [...mountOpts, ...superOpts]);
  });
}

// ---------------------------------------------------------------------------------------------
// ip link / addr / route

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
    if (isIP(address) !== (family === 'inet' ? 4 : 6) || plen === undefined || !/^\d+$/.test(plen)) {
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
  if (isIP(dst) === 0) throw new ParseError('route-get', `not a destination address: ${show(dst)}`);
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
    if (!m || isIP(m[1] as string) === 0) throw new ParseError('getent-ahosts', `not an address line: ${show(line)}`);
    seen.add((m[1] as string).toLowerCase());
  }
  return [...seen];
}

// ---------------------------------------------------------------------------------------------
// Memory, CPUs

/**
 * Parses /proc/meminfo ("MemTotal:       24684096 kB", "HugePages_Total:       0").
 * @throws ParseError on a line that is not "Key: number [kB]" or without MemTotal/MemFree.
 */
export function parseMeminfo(text: string): MeminfoFacts {
  const v = new Map<string, number>();
  for (const line of lines(text)) {
    const m = /^([^:\s][^:]*):\s+(\d+)(?: kB)?\s*$/.exec(line);
    if (!m) throw new ParseError('meminfo', `not a meminfo line: ${show(line)}`);
    v.set(m[1] as string, Number(m[2]));
  }
  const total = v.get('MemTotal');
  const free = v.get('MemFree');
  if (total === undefined || free === undefined) throw new ParseError('meminfo', 'no MemTotal/MemFree: not /proc/meminfo');
  const avail = v.get('MemAvailable');
  return {
    memTotalKiB: total,
    memFreeKiB: free,
    memAvailableKiB: avail ?? free + (v.get('Buffers') ?? 0) + (v.get('Cached') ?? 0),
    availableEstimated: avail === undefined,
    hugePagesTotal: v.get('HugePages_Total') ?? 0,
    hugePagesFree: v.get('HugePages_Free') ?? 0,
    hugepageSizeKiB: v.get('Hugepagesize') ?? null,
  };
}

/**
 * Parses /sys/devices/system/cpu/online, a CPU list such as "0-3,8-11" (→ 8) or "0".
 * @throws ParseError on anything but a non-empty list of numbers and ascending ranges.
 */
export function parseOnlineCpus(text: string): number {
  const s = text.trim();
  if (!/^\d+(-\d+)?(,\d+(-\d+)?)*$/.test(s)) throw new ParseError('online-cpus', `not a CPU list: ${show(s)}`);
  // Counted by merging ranges, not by enumerating CPUs: "0-99999999999" must not fill a Set.
  const ranges = s.split(',').map((part) => {
    const [a, b] = part.split('-').map(Number) as [number, number | undefined];
    const hi = b ?? a;
    if (!Number.isSafeInteger(hi)) throw new ParseError('online-cpus', `CPU number out of range in ${show(part)}`);
    if (hi < a) throw new ParseError('online-cpus', `descending range ${part}`);
    return [a, hi] as const;
  });
  ranges.sort((x, y) => x[0] - y[0]);
  let count = 0;
  let end = -1;
  for (const [a, hi] of ranges) {
    if (hi > end) {
      count += hi - Math.max(a, end + 1) + 1;
      end = hi;
    }
  }
  return count;
}

// ---------------------------------------------------------------------------------------------
// key=value probe scripts

/** "key=value" lines, each expected key exactly once and nothing else. */
function keyValues<K extends string>(probe: string, text: string, keys: readonly K[]): Record<K, string> {
  const out: Partial<Record<K, string>> = {};
  for (const line of lines(text)) {
    const eq = line.indexOf('=');
    const k = line.slice(0, eq) as K;
    if (eq < 0 || !keys.includes(k)) throw new ParseError(probe, `unexpected line ${show(line)}`);
    if (out[k] !== undefined) throw new ParseError(probe, `${k} given twice`);
    out[k] = line.slice(eq + 1).trim();
  }
  const missing = keys.filter((k) => out[k] === undefined);
  if (missing.length > 0) throw new ParseError(probe, `missing ${missing.join(', ')}`);
  return out as Record<K, string>;
}

/**
 * Parses the output of the lsm probe, this exact script:
 * ```sh
 * printf 'lsm=%s\n' "$(cat /sys/kernel/security/lsm 2>/dev/null)"
 * printf 'selinux=%s\n' "$(cat /sys/fs/selinux/enforce 2>/dev/null)"
 * printf 'apparmor=%s\n' "$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null)"
 * ```
 * which always prints three lines, a value empty where the file is absent:
 * - lsm: the comma list of active LSMs (Linux ≥ 4.15, needs securityfs), e.g.
 *   "lockdown,capability,landlock,yama,apparmor" (Ubuntu), "lockdown,capability,yama,selinux,bpf,landlock" (EL9);
 * - selinux: the selinuxfs enforce flag, 1 enforcing, 0 permissive; absent → disabled when the
 *   LSM list is known and lacks "selinux", else null (older kernels; RHEL 6 mounts it at /selinux);
 * - apparmor: the module parameter, Y enabled, N disabled; absent → disabled when the LSM list
 *   is known and lacks "apparmor", else null.
 * @throws ParseError on a missing or repeated key, or a value the files never hold.
 */
export function parseLsm(text: string): LsmFacts {
  const kv = keyValues('lsm', text, ['lsm', 'selinux', 'apparmor'] as const);
  const lsms = kv.lsm === '' ? [] : kv.lsm.split(',');
  if (lsms.some((l) => !/^[a-z0-9_]+$/.test(l))) throw new ParseError('lsm', `not an LSM list: ${show(kv.lsm)}`);
  const absent = (name: string): 'disabled' | null => (lsms.length > 0 && !lsms.includes(name) ? 'disabled' : null);
  const selinux = kv.selinux === '1' ? 'enforcing' : kv.selinux === '0' ? 'permissive' : kv.selinux === '' ? absent('selinux') : undefined;
  const apparmor = kv.apparmor === 'Y' ? 'enabled' : kv.apparmor === 'N' ? 'disabled' : kv.apparmor === '' ? absent('apparmor') : undefined;
  if (selinux === undefined) throw new ParseError('lsm', `selinux enforce is 0 or 1, got ${show(kv.selinux)}`);
  if (apparmor === undefined) throw new ParseError('lsm', `apparmor enabled is Y or N, got ${show(kv.apparmor)}`);
  return { lsms, selinux, apparmor };
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Placeholders seen in shipped firmware; 03000200-... also appears byte-swapped (SMBIOS ≥ 2.6 field order). */
const PLACEHOLDER_UUIDS: ReadonlySet<string> = new Set([
  '03000200-0400-0500-0006-000700080009',
  '00020003-0004-0005-0006-000700080009',
  '00010203-0405-0607-0809-0a0b0c0d0e0f',
  '03020100-0504-0706-0809-0a0b0c0d0e0f',
  'deadbeef-dead-beef-dead-beefdeadbeef',
]);

function isPlaceholderUuid(u: string): boolean {
  const hex = u.replace(/-/g, '');
  // libvirt's own validity test (virUUIDIsValid): all 16 bytes equal is no UUID.
  return PLACEHOLDER_UUIDS.has(u) || (hex.match(/../g) ?? []).every((b) => b === hex.slice(0, 2));
}

/**
 * Parses the output of the host-ids probe, this exact script:
 * ```sh
 * printf 'product_uuid=%s\n' "$(cat /sys/class/dmi/id/product_uuid 2>/dev/null)"
 * printf 'machine_id=%s\n' "$(cat /etc/machine-id 2>/dev/null)"
 * ```
 * `hostUuid` is what libvirtd reports with its default host_uuid_source = "smbios", read from
 * libvirt's virSetHostUUIDStr (src/util/viruuid.c): the SMBIOS UUID whenever it parses, even a
 * placeholder (libvirt does not filter those, so two boards with 03000200-... collide and
 * migration between them is refused: keep it, flagged by `productUuidPlaceholder`, so the
 * collision is seen). Without an SMBIOS UUID libvirt makes a random one per daemon start; the
 * probe cannot see it (and, not root, cannot tell "no DMI" from "unreadable"), so machine-id
 * stands in (`hostUuidSource` "machine-id"); null when neither is there.
 * @throws ParseError on a missing key or a value that is neither empty nor an id.
 */
export function parseHostIds(text: string): HostIds {
  const kv = keyValues('host-ids', text, ['product_uuid', 'machine_id'] as const);
  const product = kv.product_uuid.toLowerCase();
  if (product !== '' && !UUID_RE.test(product)) throw new ParseError('host-ids', `product_uuid is not a UUID: ${show(kv.product_uuid)}`);
  const mid = kv.machine_id.toLowerCase();
  if (mid !== '' && mid !== 'uninitialized' && !/^[0-9a-f]{32}$/.test(mid)) throw new ParseError('host-ids', `machine_id is not 32 hex digits: ${show(kv.machine_id)}`);
  const productUuid = product === '' ? null : product;
  const machineId = mid === '' || mid === 'uninitialized' ? null : mid;
  const machineIdUuid = machineId === null ? null : machineId.replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5');
  return {
    productUuid,
    productUuidPlaceholder: productUuid !== null && isPlaceholderUuid(productUuid),
    machineId,
    machineIdUuid,
    hostUuid: productUuid ?? machineIdUuid,
    hostUuidSource: productUuid !== null ? 'smbios' : machineIdUuid !== null ? 'machine-id' : null,
  };
}
