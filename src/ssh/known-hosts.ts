import { createHash, createHmac } from 'node:crypto';
import { globToRegExp } from '../glob.js';

/** One usable line of a known_hosts file. */
export interface KnownHostEntry {
  readonly file: string;
  readonly line: number;
  readonly marker: '@revoked' | '@cert-authority' | null;
  readonly patterns: string;
  readonly keyType: string;
  /** Base64 of the public key blob. */
  readonly key: string;
}

/**
 * Parses known_hosts text (sshd(8) SSH_KNOWN_HOSTS FILE FORMAT); bad lines are skipped like OpenSSH does,
 * including legacy SSH-1 `host bits exponent modulus` lines and lines whose key blob names another type.
 */
export function parseKnownHosts(text: string, file: string): KnownHostEntry[] {
  const out: KnownHostEntry[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const parts = line.split(/\s+/);
    let marker: KnownHostEntry['marker'] = null;
    if (parts[0] === '@revoked' || parts[0] === '@cert-authority') marker = parts.shift() as KnownHostEntry['marker'];
    const [patterns, keyType, key] = parts;
    if (!patterns || !keyType || !key || !/^[A-Za-z0-9+/]+=*$/.test(key)) return;
    // OpenSSH parses the key and drops the line when the blob's own type differs from the named one.
    if (keyTypeOf(Buffer.from(key, 'base64')) !== keyType) return;
    out.push({ file, line: i + 1, marker, patterns, keyType, key });
  });
  return out;
}

/** The name known_hosts stores for a host: `host`, or `[host]:port` off port 22. */
export function knownHostsName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

// OpenSSH patterns know only `*` and `?`; everything else, `[` and `]` of `[host]:port` included, is literal.
function globMatch(pattern: string, name: string): boolean {
  return globToRegExp(pattern, { ignoreCase: true }).test(name);
}

const HASHED = /^\|1\|([A-Za-z0-9+/]+=*)\|([A-Za-z0-9+/]+=*)$/;

/**
 * Whether a host-pattern field (comma list, globs, `!` negation, hashed `|1|salt|hash`) names `name`.
 * Case-insensitive like OpenSSH, which lowercases host names before looking them up (and before
 * `ssh-keygen -H` hashes them).
 */
export function patternsMatch(patterns: string, name: string): boolean {
  if (patterns.startsWith('|1|')) {
    const m = HASHED.exec(patterns);
    if (!m) return false;
    const salt = Buffer.from(m[1] as string, 'base64');
    if (salt.length !== 20) return false;
    const mac = createHmac('sha1', salt).update(name.toLowerCase()).digest();
    return mac.equals(Buffer.from(m[2] as string, 'base64'));
  }
  let matched = false;
  for (const p of patterns.split(',')) {
    if (p.startsWith('!')) {
      if (globMatch(p.slice(1), name)) return false;
    } else if (globMatch(p, name)) matched = true;
  }
  return matched;
}

/** OpenSSH-style fingerprint: SHA256:<base64, no padding> of the key blob. */
export function fingerprint(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/** The key type named inside an SSH public key blob (string length + name). */
export function keyTypeOf(keyBlob: Buffer): string {
  if (keyBlob.length < 4) return 'unknown';
  const n = keyBlob.readUInt32BE(0);
  return keyBlob.subarray(4, 4 + n).toString('latin1');
}

export type HostKeyVerdict =
  | { readonly kind: 'match'; readonly entry: KnownHostEntry }
  | { readonly kind: 'revoked'; readonly entry: KnownHostEntry }
  | { readonly kind: 'changed'; readonly entries: readonly KnownHostEntry[] }
  | { readonly kind: 'unknown' };

/**
 * Checks a presented host key against known_hosts entries. `changed` means the host is known
 * under a key of the same type that differs: the man-in-the-middle case, never accepted.
 */
export function verifyHostKey(entries: readonly KnownHostEntry[], host: string, port: number, keyBlob: Buffer): HostKeyVerdict {
  const name = knownHostsName(host, port);
  const same = (e: KnownHostEntry): boolean => Buffer.from(e.key, 'base64').equals(keyBlob);
  const forHost = entries.filter((e) => e.marker !== '@cert-authority' && patternsMatch(e.patterns, name));
  // Stricter than OpenSSH on purpose: a key marked @revoked is refused for every host, not only the listed ones.
  const revoked = entries.find((e) => e.marker === '@revoked' && same(e));
  if (revoked) return { kind: 'revoked', entry: revoked };
  const hit = forHost.find((e) => e.marker === null && same(e));
  if (hit) return { kind: 'match', entry: hit };
  const type = keyTypeOf(keyBlob);
  const sameType = forHost.filter((e) => e.marker === null && e.keyType === type);
  if (sameType.length > 0) return { kind: 'changed', entries: sameType };
  return { kind: 'unknown' };
}

/** Key types known for a host, to ask the server for those first (as OpenSSH orders HostKeyAlgorithms). */
export function knownKeyTypes(entries: readonly KnownHostEntry[], host: string, port: number): string[] {
  const name = knownHostsName(host, port);
  return [...new Set(entries.filter((e) => e.marker === null && patternsMatch(e.patterns, name)).map((e) => e.keyType))];
}
