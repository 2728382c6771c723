import { createHash, createHmac } from 'node:crypto';

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

/** Parses known_hosts text (sshd(8) SSH_KNOWN_HOSTS FILE FORMAT); bad lines are skipped like OpenSSH does. */
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
    out.push({ file, line: i + 1, marker, patterns, keyType, key });
  });
  return out;
}

/** The name known_hosts stores for a host: `host`, or `[host]:port` off port 22. */
export function knownHostsName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

function globMatch(pattern: string, name: string): boolean {
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i');
  return re.test(name);
}

/** Whether a host-pattern field (comma list, globs, `!` negation, hashed `|1|salt|hash`) names `name`. */
export function patternsMatch(patterns: string, name: string): boolean {
  if (patterns.startsWith('|1|')) {
    const [, , salt, hash] = patterns.split('|');
    if (!salt || !hash) return false;
    const mac = createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64');
    return mac === hash;
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
  const b64 = keyBlob.toString('base64');
  const forHost = entries.filter((e) => e.marker !== '@cert-authority' && patternsMatch(e.patterns, name));
  const revoked = entries.find((e) => e.marker === '@revoked' && e.key === b64);
  if (revoked) return { kind: 'revoked', entry: revoked };
  const hit = forHost.find((e) => e.marker === null && e.key === b64);
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
