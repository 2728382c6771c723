import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  fingerprint,
  keyTypeOf,
  knownHostsName,
  knownKeyTypes,
  parseKnownHosts,
  patternsMatch,
  verifyHostKey,
  type KnownHostEntry,
} from '../../../src/ssh/known-hosts.js';

// Every key, known_hosts line, hash and fingerprint here comes from the real OpenSSH ssh-keygen.

interface Key {
  /** `type base64` as ssh-keygen wrote it to the .pub file (comment dropped). */
  readonly line: string;
  readonly type: string;
  readonly blob: Buffer;
  readonly pub: string;
}

let dir: string;
const keys: Record<'edA' | 'edB' | 'rsa' | 'ecdsa' | 'ecdsa384', Key> = {} as never;

function keygen(name: string, args: string[]): Key {
  const path = join(dir, name);
  execFileSync('ssh-keygen', ['-q', ...args, '-N', '', '-C', `${name}@test`, '-f', path]);
  const pub = readFileSync(`${path}.pub`, 'utf8').trim();
  const [type, b64] = pub.split(' ') as [string, string];
  return { line: `${type} ${b64}`, type, blob: Buffer.from(b64, 'base64'), pub: `${path}.pub` };
}

function write(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** The lines `ssh-keygen -F name -f file` reports as matching (OpenSSH's own lookup). */
function opensshMatches(file: string, name: string): number[] {
  const r = spawnSync('ssh-keygen', ['-F', name, '-f', file], { encoding: 'utf8' });
  return [...r.stdout.matchAll(/^# Host .* found: line (\d+)/gm)].map((m) => Number(m[1]));
}

/** Lines of `entries` whose host patterns match `name`, by our patternsMatch. */
function ourMatches(entries: readonly KnownHostEntry[], name: string): number[] {
  return entries.filter((e) => patternsMatch(e.patterns, name)).map((e) => e.line);
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mp-known-hosts-'));
  keys.edA = keygen('ed_a', ['-t', 'ed25519']);
  keys.edB = keygen('ed_b', ['-t', 'ed25519']);
  keys.rsa = keygen('rsa', ['-t', 'rsa', '-b', '2048']);
  keys.ecdsa = keygen('ecdsa', ['-t', 'ecdsa', '-b', '256']);
  keys.ecdsa384 = keygen('ecdsa384', ['-t', 'ecdsa', '-b', '384']);
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('knownHostsName', () => {
  it('uses the bare name on port 22 and [host]:port elsewhere, as OpenSSH stores them', () => {
    expect(knownHostsName('hv1', 22)).toBe('hv1');
    expect(knownHostsName('hv1', 2222)).toBe('[hv1]:2222');
    expect(knownHostsName('10.0.0.5', 22)).toBe('10.0.0.5');
    expect(knownHostsName('10.0.0.5', 2200)).toBe('[10.0.0.5]:2200');
    expect(knownHostsName('2001:db8::5', 22)).toBe('2001:db8::5');
    expect(knownHostsName('2001:db8::5', 2222)).toBe('[2001:db8::5]:2222');
  });

  it('names the line that ssh-keygen -F finds for a non-standard port', () => {
    const file = write('port.kh', `hv1 ${keys.edA.line}\n[hv1]:2222 ${keys.ecdsa.line}\n`);
    const entries = parseKnownHosts(readFileSync(file, 'utf8'), file);
    expect(opensshMatches(file, knownHostsName('hv1', 2222))).toEqual([2]);
    expect(ourMatches(entries, knownHostsName('hv1', 2222))).toEqual([2]);
    expect(opensshMatches(file, knownHostsName('hv1', 22))).toEqual([1]);
    expect(ourMatches(entries, knownHostsName('hv1', 22))).toEqual([1]);
    // hv1:2222 is not a spelling OpenSSH uses: nothing matches it.
    expect(opensshMatches(file, 'hv1:2222')).toEqual([]);
    expect(ourMatches(entries, 'hv1:2222')).toEqual([]);
  });
});

describe('parseKnownHosts', () => {
  it('reads fields, markers and line numbers, skipping comments, blank and malformed lines', () => {
    const edBb64 = keys.edB.line.split(' ')[1] as string;
    const text = [
      '# lab hosts', // 1
      `hv1,10.0.0.1 ${keys.edA.line} root@hv1 trailing comment`, // 2
      '', // 3
      `   [hv1]:2222 ${keys.ecdsa.line}\r`, // 4: leading blanks, CRLF
      `@revoked * ${keys.rsa.line}`, // 5
      `@cert-authority *.lab ${keys.edB.line}`, // 6
      'oldhost 1024 35 1234567890', // 7: SSH-1 RSA line
      `liar ssh-rsa ${edBb64}`, // 8: blob is ed25519, named ssh-rsa
      'nokey ssh-ed25519', // 9
      'badkey ssh-ed25519 not*base64', // 10
      `@revoked`, // 11
      '   # indented comment', // 12
    ].join('\n');
    const entries = parseKnownHosts(text, '/etc/kh');
    expect(entries).toEqual([
      { file: '/etc/kh', line: 2, marker: null, patterns: 'hv1,10.0.0.1', keyType: 'ssh-ed25519', key: keys.edA.line.split(' ')[1] },
      { file: '/etc/kh', line: 4, marker: null, patterns: '[hv1]:2222', keyType: 'ecdsa-sha2-nistp256', key: keys.ecdsa.line.split(' ')[1] },
      { file: '/etc/kh', line: 5, marker: '@revoked', patterns: '*', keyType: 'ssh-rsa', key: keys.rsa.line.split(' ')[1] },
      { file: '/etc/kh', line: 6, marker: '@cert-authority', patterns: '*.lab', keyType: 'ssh-ed25519', key: edBb64 },
    ]);
  });

  it('keeps exactly the plain keys ssh-keygen -l lists for the same file', () => {
    const file = write(
      'list.kh',
      [
        `hv1 ${keys.edA.line}`,
        `@revoked hv9 ${keys.edB.line}`,
        'oldhost 1024 35 1234567890',
        `liar ssh-rsa ${keys.edB.line.split(' ')[1]}`,
        `hv2,hv2.lab ${keys.rsa.line} c`,
        `[hv3]:2222 ${keys.ecdsa384.line}`,
        `@cert-authority * ${keys.ecdsa.line}`,
      ].join('\n'),
    );
    const out = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', file], { encoding: 'utf8' });
    const opensshFps = [...out.matchAll(/SHA256:[A-Za-z0-9+/]+/g)].map((m) => m[0]);
    const ours = parseKnownHosts(readFileSync(file, 'utf8'), file).filter((e) => e.marker === null);
    expect(ours.map((e) => e.line)).toEqual([1, 5, 6]);
    expect(ours.map((e) => fingerprint(Buffer.from(e.key, 'base64')))).toEqual(opensshFps);
    expect(opensshFps).toHaveLength(3);
  });

  it('returns nothing for empty or comment-only text', () => {
    expect(parseKnownHosts('', 'f')).toEqual([]);
    expect(parseKnownHosts('# only\n\n   \n', 'f')).toEqual([]);
  });
});

describe('patternsMatch', () => {
  it('agrees with ssh-keygen -F on comma lists, globs, negation and [host]:port', () => {
    const lines = [
      `hv1,10.0.0.1 ${keys.edA.line}`, // 1
      `[hv1]:2222 ${keys.ecdsa.line}`, // 2
      `*.lab.example,!bad.lab.example ${keys.edB.line}`, // 3
      `hv?,!hv3 ${keys.rsa.line}`, // 4
      `[10.0.0.*]:2222 ${keys.edA.line}`, // 5
      `HV9 ${keys.edA.line}`, // 6
      `h.st ${keys.edA.line}`, // 7: '.' is literal
      `@revoked web* ${keys.rsa.line}`, // 8
      `!10.0.0.1 ${keys.edB.line}`, // 9: only a negation: never matches
      `[hv1]:* ${keys.edB.line}`, // 10
    ];
    const file = write('match.kh', lines.join('\n') + '\n');
    const entries = parseKnownHosts(readFileSync(file, 'utf8'), file);
    expect(entries).toHaveLength(10);
    const expected: Record<string, number[]> = {
      hv1: [1, 4],
      '10.0.0.1': [1],
      '10.0.0.2': [],
      '[hv1]:2222': [2, 10],
      '[hv1]:22': [10],
      '[10.0.0.1]:2222': [5],
      '[10.0.0.77]:2222': [5],
      '[10.0.0.1]:2200': [],
      'x.lab.example': [3],
      'bad.lab.example': [],
      'lab.example': [],
      hv2: [4],
      hv3: [],
      hv10: [],
      hv9: [4, 6],
      'h.st': [7],
      hxst: [],
      web7: [8],
      h: [],
    };
    for (const [name, want] of Object.entries(expected)) {
      expect({ name, lines: opensshMatches(file, name) }).toEqual({ name, lines: want });
      expect({ name, lines: ourMatches(entries, name) }).toEqual({ name, lines: want });
    }
  });

  it('agrees with ssh-keygen -F on the |1|salt|hash entries written by ssh-keygen -H', () => {
    const plain = [
      `hv1,10.0.0.1 ${keys.edA.line}`,
      `[hv1]:2222 ${keys.ecdsa.line}`,
      `HV2 ${keys.rsa.line}`,
      `*.lab,!bad.lab ${keys.edB.line}`, // wildcards cannot be hashed: ssh-keygen -H keeps them
      `@revoked hv9 ${keys.rsa.line}`,
    ];
    const file = write('hashed.kh', plain.join('\n') + '\n');
    const r = spawnSync('ssh-keygen', ['-H', '-f', file], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    const text = readFileSync(file, 'utf8');
    const entries = parseKnownHosts(text, file);
    // The comma list became two lines; plain names are hashed, wildcards and marker lines are left alone.
    expect(entries.map((e) => (e.patterns.startsWith('|1|') ? 'hashed' : e.patterns))).toEqual([
      'hashed',
      'hashed',
      'hashed',
      'hashed',
      '*.lab,!bad.lab',
      'hv9',
    ]);
    for (const e of entries.filter((x) => x.patterns.startsWith('|1|'))) {
      expect(e.patterns).toMatch(/^\|1\|[A-Za-z0-9+/]{27}=\|[A-Za-z0-9+/]{27}=$/);
    }
    expect(text).not.toContain('hv1');
    const names = ['hv1', '10.0.0.1', '[hv1]:2222', 'hv2', 'x.lab', 'bad.lab', 'hv9', 'hv1.lab', '[hv1]:22', 'hv'];
    const want: Record<string, number[]> = {
      hv1: [1],
      '10.0.0.1': [2],
      '[hv1]:2222': [3],
      hv2: [4], // ssh-keygen -H lowercased HV2 before hashing
      'x.lab': [5],
      'bad.lab': [],
      hv9: [6],
      'hv1.lab': [5],
      '[hv1]:22': [],
      hv: [],
    };
    for (const name of names) {
      expect({ name, lines: opensshMatches(file, name) }).toEqual({ name, lines: want[name] });
      expect({ name, lines: ourMatches(entries, name) }).toEqual({ name, lines: want[name] });
    }
  });

  it('matches hashed entries case-insensitively, as ssh does after lowercasing the host name', () => {
    const file = write('case.kh', `hv1 ${keys.edA.line}\n`);
    execFileSync('ssh-keygen', ['-H', '-f', file], { stdio: 'ignore' });
    const [entry] = parseKnownHosts(readFileSync(file, 'utf8'), file);
    // ssh itself lowercases the name it looks up: `ssh -G HV1` resolves to hostname hv1.
    const g = spawnSync('ssh', ['-G', '-F', '/dev/null', 'HV1'], { encoding: 'utf8' });
    expect(g.stdout).toMatch(/^hostname hv1$/m);
    expect(patternsMatch(entry?.patterns ?? '', 'HV1')).toBe(true);
    expect(patternsMatch(entry?.patterns ?? '', 'hv1')).toBe(true);
    expect(patternsMatch(entry?.patterns ?? '', 'hv2')).toBe(false);
    expect(patternsMatch('HV1,*.LAB', 'hv1')).toBe(true);
    expect(patternsMatch('HV1,*.LAB', 'x.lab')).toBe(true);
  });

  it('rejects malformed hashed fields instead of matching loosely', () => {
    const file = write('one.kh', `hv1 ${keys.edA.line}\n`);
    execFileSync('ssh-keygen', ['-H', '-f', file], { stdio: 'ignore' });
    const good = parseKnownHosts(readFileSync(file, 'utf8'), file)[0]?.patterns ?? '';
    const [, , salt, hash] = good.split('|') as [string, string, string, string];
    expect(patternsMatch(good, 'hv1')).toBe(true);
    expect(patternsMatch(`${good}|junk`, 'hv1')).toBe(false);
    expect(patternsMatch(`|1|${salt}|`, 'hv1')).toBe(false);
    expect(patternsMatch(`|1||${hash}`, 'hv1')).toBe(false);
    expect(patternsMatch(`|1|${Buffer.from('short').toString('base64')}|${hash}`, 'hv1')).toBe(false);
    expect(patternsMatch(`|2|${salt}|${hash}`, 'hv1')).toBe(false);
  });

  it('treats regex metacharacters in patterns literally', () => {
    expect(patternsMatch('a+b', 'a+b')).toBe(true);
    expect(patternsMatch('a+b', 'aab')).toBe(false);
    expect(patternsMatch('(x)|y', 'y')).toBe(false);
    expect(patternsMatch('(x)|y', '(x)|y')).toBe(true);
    expect(patternsMatch('[ab]', 'a')).toBe(false);
    expect(patternsMatch('[ab]', '[ab]')).toBe(true);
    expect(patternsMatch('a\\b', 'a\\b')).toBe(true);
    expect(patternsMatch('h?', 'h')).toBe(false);
    expect(patternsMatch('h?', 'hx')).toBe(true);
    expect(patternsMatch('*', '[anything]:2222')).toBe(true);
  });
});

describe('fingerprint', () => {
  it('equals ssh-keygen -lf -E sha256 for ed25519, rsa and ecdsa keys', () => {
    for (const k of Object.values(keys)) {
      const out = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', k.pub], { encoding: 'utf8' });
      const fp = /(SHA256:\S+)/.exec(out)?.[1];
      expect(fp).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
      expect(fingerprint(k.blob)).toBe(fp);
    }
  });

  it('has no base64 padding', () => {
    expect(fingerprint(Buffer.from('abc'))).toBe('SHA256:ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0');
  });
});

describe('keyTypeOf', () => {
  it('reads the type name inside real key blobs', () => {
    expect(keyTypeOf(keys.edA.blob)).toBe('ssh-ed25519');
    expect(keyTypeOf(keys.rsa.blob)).toBe('ssh-rsa');
    expect(keyTypeOf(keys.ecdsa.blob)).toBe('ecdsa-sha2-nistp256');
    expect(keyTypeOf(keys.ecdsa384.blob)).toBe('ecdsa-sha2-nistp384');
    for (const k of Object.values(keys)) expect(keyTypeOf(k.blob)).toBe(k.type);
  });

  it('says unknown for a blob too short to hold a length', () => {
    expect(keyTypeOf(Buffer.alloc(0))).toBe('unknown');
    expect(keyTypeOf(Buffer.from([0, 0, 1]))).toBe('unknown');
  });
});

describe('verifyHostKey', () => {
  let entries: KnownHostEntry[];
  let hashed: KnownHostEntry[];
  const text = (): string =>
    [
      `hv1,10.0.0.1 ${keys.edA.line}`, // 1
      `[hv1]:2222 ${keys.ecdsa.line}`, // 2
      `hv2 ${keys.rsa.line}`, // 3
      `hv2 ${keys.edB.line}`, // 4
      `*.lab,!bad.lab ${keys.edB.line}`, // 5
      `@revoked * ${keys.ecdsa384.line}`, // 6
      `@cert-authority ca.lab,hv3 ${keys.edA.line}`, // 7
      `hv4 ${keys.ecdsa384.line}`, // 8: known, but also revoked
    ].join('\n');

  beforeAll(() => {
    const file = write('verify.kh', text());
    entries = parseKnownHosts(readFileSync(file, 'utf8'), file);
    const hfile = write('verify-hashed.kh', text());
    execFileSync('ssh-keygen', ['-H', '-f', hfile], { stdio: 'ignore' });
    hashed = parseKnownHosts(readFileSync(hfile, 'utf8'), hfile);
  });

  it('matches the known key, by name, address and [host]:port', () => {
    expect(verifyHostKey(entries, 'hv1', 22, keys.edA.blob)).toEqual({ kind: 'match', entry: entries[0] });
    expect(verifyHostKey(entries, '10.0.0.1', 22, keys.edA.blob)).toMatchObject({ kind: 'match', entry: { line: 1 } });
    expect(verifyHostKey(entries, 'hv1', 2222, keys.ecdsa.blob)).toMatchObject({ kind: 'match', entry: { line: 2 } });
    expect(verifyHostKey(entries, 'hv2', 22, keys.rsa.blob)).toMatchObject({ kind: 'match', entry: { line: 3 } });
    expect(verifyHostKey(entries, 'hv2', 22, keys.edB.blob)).toMatchObject({ kind: 'match', entry: { line: 4 } });
    expect(verifyHostKey(entries, 'node.lab', 22, keys.edB.blob)).toMatchObject({ kind: 'match', entry: { line: 5 } });
    expect(verifyHostKey(entries, 'HV1', 22, keys.edA.blob)).toMatchObject({ kind: 'match', entry: { line: 1 } });
  });

  it('matches through hashed entries written by ssh-keygen -H', () => {
    const file = hashed[0]?.file;
    expect(hashed[0]?.patterns.startsWith('|1|')).toBe(true);
    expect(verifyHostKey(hashed, 'hv1', 22, keys.edA.blob)).toEqual({ kind: 'match', entry: hashed[0] });
    expect(verifyHostKey(hashed, '10.0.0.1', 22, keys.edA.blob)).toMatchObject({ kind: 'match', entry: { file, line: 2 } });
    expect(verifyHostKey(hashed, 'hv1', 2222, keys.ecdsa.blob)).toMatchObject({ kind: 'match', entry: { file, line: 3 } });
    expect(verifyHostKey(hashed, 'HV1', 22, keys.edA.blob)).toMatchObject({ kind: 'match', entry: { file, line: 1 } });
    expect(verifyHostKey(hashed, 'hv1', 22, keys.edB.blob)).toMatchObject({ kind: 'changed', entries: [{ file, line: 1 }] });
  });

  it('reports a changed key when the host is known under another key of the same type', () => {
    expect(verifyHostKey(entries, 'hv1', 22, keys.edB.blob)).toEqual({ kind: 'changed', entries: [entries[0]] });
    // Off port 22 only the [hv1]:2222 line counts: its ecdsa key, not hv1's ed25519.
    expect(verifyHostKey(entries, 'hv1', 2222, keys.ecdsa384.blob)).toEqual({ kind: 'revoked', entry: entries[5] });
    const other = keygen('ecdsa_other', ['-t', 'ecdsa', '-b', '256']);
    expect(verifyHostKey(entries, 'hv1', 2222, other.blob)).toMatchObject({ kind: 'changed', entries: [{ line: 2 }] });
    expect(verifyHostKey(entries, 'x.lab', 22, keys.edA.blob)).toMatchObject({ kind: 'changed', entries: [{ line: 5 }] });
  });

  it('reports unknown when nothing of that key type is known for the host', () => {
    expect(verifyHostKey(entries, 'hv-new', 22, keys.edA.blob)).toEqual({ kind: 'unknown' });
    // hv1 on port 22 is known only by ed25519: an ecdsa key is new, not changed.
    expect(verifyHostKey(entries, 'hv1', 22, keys.ecdsa.blob)).toEqual({ kind: 'unknown' });
    // nistp256 and nistp384 are different types.
    expect(verifyHostKey(entries, 'hv1', 2222, keygen('ecdsa_521', ['-t', 'ecdsa', '-b', '521']).blob)).toEqual({ kind: 'unknown' });
    // Negated pattern and port mismatch.
    expect(verifyHostKey(entries, 'bad.lab', 22, keys.edB.blob)).toEqual({ kind: 'unknown' });
    expect(verifyHostKey(entries, '10.0.0.1', 2222, keys.edA.blob)).toEqual({ kind: 'unknown' });
    // @cert-authority lines are not host keys.
    expect(verifyHostKey(entries, 'hv3', 22, keys.edA.blob)).toEqual({ kind: 'unknown' });
    expect(verifyHostKey([], 'hv1', 22, keys.edA.blob)).toEqual({ kind: 'unknown' });
  });

  it('reports revoked before anything else, even when the key is also listed as known', () => {
    expect(verifyHostKey(entries, 'hv4', 22, keys.ecdsa384.blob)).toEqual({ kind: 'revoked', entry: entries[5] });
    expect(verifyHostKey(entries, 'anything', 22, keys.ecdsa384.blob)).toMatchObject({ kind: 'revoked', entry: { line: 6, marker: '@revoked' } });
    const narrow = parseKnownHosts(`@revoked old-hv ${keys.rsa.line}\nhv2 ${keys.rsa.line}\n`, 'n');
    // Stricter than OpenSSH by design: the revoked key is refused for other hosts too.
    expect(verifyHostKey(narrow, 'hv2', 22, keys.rsa.blob)).toMatchObject({ kind: 'revoked', entry: { line: 1 } });
  });

  it('lists every same-type line when the key changed', () => {
    const two = parseKnownHosts(`hv1 ${keys.edA.line}\n# x\n*.lab,hv1 ${keys.edB.line}\nhv1 ${keys.rsa.line}\n`, 'two');
    const fresh = keygen('ed_c', ['-t', 'ed25519']);
    expect(verifyHostKey(two, 'hv1', 22, fresh.blob)).toMatchObject({ kind: 'changed', entries: [{ line: 1 }, { line: 3 }] });
  });
});

describe('knownKeyTypes', () => {
  it('lists the plain key types known for the host, in file order, without duplicates', () => {
    const text = [
      `hv1 ${keys.rsa.line}`,
      `hv1,hv2 ${keys.edA.line}`,
      `*.lab,hv1 ${keys.edB.line}`,
      `[hv1]:2222 ${keys.ecdsa.line}`,
      `@revoked hv1 ${keys.ecdsa384.line}`,
      `@cert-authority hv1 ${keys.ecdsa.line}`,
    ].join('\n');
    const entries = parseKnownHosts(text, 'k');
    expect(knownKeyTypes(entries, 'hv1', 22)).toEqual(['ssh-rsa', 'ssh-ed25519']);
    expect(knownKeyTypes(entries, 'HV1', 22)).toEqual(['ssh-rsa', 'ssh-ed25519']);
    expect(knownKeyTypes(entries, 'hv1', 2222)).toEqual(['ecdsa-sha2-nistp256']);
    expect(knownKeyTypes(entries, 'hv2', 22)).toEqual(['ssh-ed25519']);
    expect(knownKeyTypes(entries, 'x.lab', 22)).toEqual(['ssh-ed25519']);
    expect(knownKeyTypes(entries, 'hv9', 22)).toEqual([]);
  });

  it('never offers the type of a legacy SSH-1 line', () => {
    const entries = parseKnownHosts(`hv1 1024 35 1234567890\nhv1 ${keys.edA.line}\n`, 'k');
    expect(knownKeyTypes(entries, 'hv1', 22)).toEqual(['ssh-ed25519']);
  });
});
