/** Parsers for the mount tables: /proc/mounts and /proc/self/mountinfo. */
import type { MountFacts } from '../../../model/system.js';
import { ParseError } from '../parse-error.js';
import { lines, show } from './text.js';

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
