/**
 * ssh_config resolution against the real OpenSSH client: for every config of the corpus below and
 * every host name, `ssh -G -F FILE HOST` and resolveSshConfig must give the same value of every
 * keyword this tool reads, and refuse the same files (naming the same line). Needs `ssh` (Debian's
 * openssh-client, 9.2 on bookworm); absent, the suite says so and fails in CI.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SshConfigError } from '../../../src/errors.js';
import { resolveSshConfig } from '../../../src/ssh/ssh-config.js';
import { clientTokens, configFiles, expandPath, machineEnv } from '../../../src/ssh/ssh-env.js';
import { loadSshConfig, resolveTarget } from '../../../src/ssh/target.js';

const hasSsh = spawnSync('ssh', ['-V']).status === 0;
if (!hasSsh) console.warn('\n*** ssh (openssh-client) is not installed: the ssh -G comparison is SKIPPED ***\n');
if (!hasSsh && process.env.CI) throw new Error('CI: ssh (openssh-client) must be installed for the ssh_config comparison');

const me = userInfo().username;
const KEYS = ['hostname', 'user', 'port', 'identityfile', 'identitiesonly', 'userknownhostsfile', 'stricthostkeychecking', 'connecttimeout', 'proxycommand', 'proxyjump'] as const;
const DEFAULT_IDS = ['id_rsa', 'id_ecdsa', 'id_ecdsa_sk', 'id_ed25519', 'id_ed25519_sk', 'id_xmss', 'id_dsa'].map((n) => `~/.ssh/${n}`);

let dir: string;
/** Under the real ~/.ssh: relative Include paths resolve there, for ssh and for us alike. */
let rel: string;
let relName: string;
let madeSshDir = false;

interface Case {
  readonly name: string;
  /** The config (`config`) and the files it includes, relative to the case's directory; REL is the ~/.ssh subdirectory. */
  readonly files: Readonly<Record<string, string>>;
  /** Hosts as typed, with `user@` for a command-line user. */
  readonly hosts: readonly string[];
}

const CASES: readonly Case[] = [
  {
    name: 'first value wins, Host negation, = syntax, keyword case',
    files: {
      config: `Host hv1 hv1-alias
  HOSTNAME 10.0.0.11
  Port=2201
  User = admin
Host hv1
  HostName 10.9.9.9
  User other
Host *.lab !no.lab
  User labuser
  IdentitiesOnly yes
Host HV*
  HostName %h.upper.example
Host *
  User dflt
  Port 2299
  ConnectTimeout 1m30s
  StrictHostKeyChecking accept-new
`,
    },
    hosts: ['hv1', 'hv1-alias', 'HV1', 'x.lab', 'no.lab', 'other', 'ops@hv1', 'ops@x.lab'],
  },
  {
    name: 'Include: globs in order, a relative path under ~/.ssh, inside a Host block, Match in an include not leaking',
    files: {
      config: `Include DIR/conf.d/*.conf
Host inc-block
  Include DIR/block.conf
  Port 2002
Include REL/rel.conf
Host *
  User fallback
`,
      'conf.d/20-b.conf': 'Host glob-order\n  User from-20\n  Port 2020\n',
      'conf.d/10-a.conf': 'Host glob-order\n  User from-10\nMatch host never-this\n  Port 1111\n',
      'conf.d/notconf.txt': 'Host glob-order\n  HostName never.example\n',
      'block.conf': 'HostName block.example\nHost *\n  User from-block-star\n',
      'REL/rel.conf': 'Host rel-host\n  HostName rel.example\n  User rel\n',
    },
    hosts: ['glob-order', 'inc-block', 'rel-host', 'never-this', 'plain'],
  },
  {
    name: 'Match host/originalhost/user/localuser/exec/all, negation, tokens in exec',
    files: {
      config: `Match originalhost alias1
  HostName real1.example
Match host real1.example user ops
  Port 2001
Match host real1.example !user ops
  Port 2002
Match localuser ${me} originalhost local-me
  User matched-localuser
Match localuser nobody-else
  User never
Match exec "test '%h %n %r %u %p %%' = 'execd.example exec1 ${me} ${me} 22 %%'" originalhost exec1
  HostName execd2.example
Host exec1
  HostName execd.example
Match exec false
  User never-exec
Match !host *.example
  IdentityFile ~/.ssh/id_not_example_%h
Match all
  IdentityFile /keys/all_%r
`,
    },
    hosts: ['alias1', 'ops@alias1', 'local-me', 'exec1', 'elsewhere'],
  },
  {
    name: 'Match canonical and final: the final pass re-reads with the HostName',
    files: {
      config: `Host short
  HostName Short.Example.Lab
Match canonical host short.example.lab
  User canon
Match final
  Port 2022
Host short.example.lab
  IdentityFile /keys/from-final-pass
`,
    },
    hosts: ['short', 'other'],
  },
  {
    name: 'ProxyCommand and ProxyJump: first one wins, none, tokens kept raw',
    files: {
      config: `Host pc-first
  ProxyCommand ssh -W %h:%p bastion # comment kept
  ProxyJump j1
Host pj-first
  ProxyJump ops@j1:2222,j2
  ProxyCommand nc %h %p
Host pj-none
  ProxyJump none
Host pc-none
  ProxyCommand none
Host pj-none pc-none
  ProxyCommand nc never %h
Host uri
  ProxyJump ssh://u@j3:2200
Host *
  ProxyJump default-jump
`,
    },
    hosts: ['pc-first', 'pj-first', 'pj-none', 'pc-none', 'uri', 'other'],
  },
  {
    name: 'known_hosts files and flags with tokens and quoting',
    files: {
      config: `Host kh
  UserKnownHostsFile /kh/%h_%p "/with space/%r" /kh/%n-%%
  StrictHostKeyChecking off
  IdentitiesOnly true
  IdentityFile "/keys dir/%h"
  IdentityFile /keys/second
  IdentityFile /keys/second
Host kh-none
  UserKnownHostsFile none
  StrictHostKeyChecking yes
  ConnectTimeout 0
Host *
  IgnoreUnknown NotAnOption*,UseKeychain
  NotAnOptionAtAll yes
  UseKeychain yes
`,
    },
    hosts: ['kh', 'kh-none', 'u@kh'],
  },
];

/** Files ssh refuses: we must refuse them too, naming the same line. */
const BAD: readonly { name: string; text: string }[] = [
  { name: 'HostName with no value', text: 'Host a\n  HostName\n' },
  { name: 'an unknown keyword', text: 'Host a\n  User x\nHost b\n  NoSuchKeyword yes\n' },
  { name: 'unbalanced quotes', text: 'Host a\n  IdentityFile "/k/x\n' },
  { name: 'a bad Match attribute', text: 'Match hostname x\n  User y\n' },
  { name: 'Match with no attribute value', text: 'Match host\n  User y\n' },
  { name: 'Match all combined', text: 'Match all host x\n  User y\n' },
  { name: 'a bad port in a block that does not apply', text: 'Host nowhere\n  Port 99999\n' },
  { name: 'extra arguments', text: 'Host a\n  HostName one two\n' },
  { name: 'a bad ProxyJump', text: 'Host a\n  ProxyJump x,\n' },
  { name: 'a bad ProxyJump port', text: 'Host a\n  User x\n  ProxyJump u@h:99999\n' },
];

function materialise(c: Case, at: string): string {
  for (const [name, text] of Object.entries(c.files)) {
    const path = name.startsWith('REL/') ? join(rel, name.slice(4)) : join(at, name);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text.replaceAll('DIR', at).replaceAll('REL', relName));
  }
  return join(at, 'config');
}

/** `ssh -G`: the values of the keywords we read (all identityfile lines). */
function sshG(config: string, host: string): Map<string, string> | { error: string } {
  const r = spawnSync('ssh', ['-G', '-F', config, host], { encoding: 'utf8', env: { ...process.env, HOME: homedir() } });
  if (r.status !== 0) return { error: r.stderr };
  const out = new Map<string, string>();
  for (const line of r.stdout.split('\n')) {
    const sp = line.indexOf(' ');
    const k = line.slice(0, sp);
    if (!(KEYS as readonly string[]).includes(k)) continue;
    out.set(k, out.has(k) ? `${out.get(k)}\n${line.slice(sp + 1)}` : line.slice(sp + 1));
  }
  return out;
}

/** Ours, printed as ssh -G prints it. */
function ours(config: string, spec: string): Map<string, string> {
  const at = spec.lastIndexOf('@');
  const host = spec.slice(at + 1);
  const env = machineEnv();
  const r = resolveSshConfig(configFiles(config), { host, user: at < 0 ? undefined : spec.slice(0, at) }, env);
  const user = r.user ?? env.localUser;
  const port = r.port ?? 22;
  const tokens = clientTokens({ host: r.hostname, hostArg: host, port, user }, env);
  const kh = r.userKnownHostsFiles ?? ['~/.ssh/known_hosts', '~/.ssh/known_hosts2'];
  const m = new Map<string, string>([
    ['hostname', r.hostname],
    ['user', user],
    ['port', String(port)],
    ['identityfile', (r.identityFiles.length > 0 ? r.identityFiles : DEFAULT_IDS).join('\n')],
    ['identitiesonly', r.identitiesOnly ? 'yes' : 'no'],
    ['stricthostkeychecking', r.strictHostKeyChecking],
    ['connecttimeout', r.connectTimeout === null ? 'none' : String(r.connectTimeout)],
  ]);
  m.set('userknownhostsfile', kh.map((p) => (p === 'none' ? p : expandPath(p, tokens, env, 'kh'))).join(' '));
  if (r.proxyCommand !== null) m.set('proxycommand', r.proxyCommand);
  if (r.proxyJump !== null) m.set('proxyjump', r.proxyJump.replace(/^ssh:\/\//, ''));
  return m;
}

const sorted = (m: Map<string, string>): Record<string, string> => Object.fromEntries([...m].sort(([a], [b]) => a.localeCompare(b)));

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mp-sshcfg-'));
  const sshDir = join(homedir(), '.ssh');
  madeSshDir = !existsSync(sshDir);
  mkdirSync(sshDir, { recursive: true, mode: 0o700 });
  rel = mkdtempSync(join(sshDir, 'mp-include-'));
  relName = rel.slice(sshDir.length + 1);
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  rmSync(rel, { recursive: true, force: true });
  if (madeSshDir) rmSync(join(homedir(), '.ssh'), { recursive: true, force: true });
});

describe.skipIf(!hasSsh)('ssh_config: every keyword we read resolves as `ssh -G` (OpenSSH 9.2) resolves it', () => {
  CASES.forEach((c, i) => {
    it(c.name, () => {
      const config = materialise(c, mkdtempSync(join(dir, `case${i}-`)));
      for (const h of c.hosts) {
        const g = sshG(config, h);
        expect('error' in g ? g : null, `ssh -G ${h} failed`).toBeNull();
        expect({ host: h, ...sorted(ours(config, h)) }).toEqual({ host: h, ...sorted(g as Map<string, string>) });
      }
    });
  });

  it.each(BAD)('refuses a file with $name, naming the line ssh names', ({ text }) => {
    const config = join(mkdtempSync(join(dir, 'bad-')), 'config');
    writeFileSync(config, text);
    const g = sshG(config, 'a');
    expect('error' in g).toBe(true);
    const sshLine = /line (\d+)/.exec((g as { error: string }).error)?.[1];
    expect(sshLine).toBeDefined();
    expect(() => ours(config, 'a')).toThrow(SshConfigError);
    expect(() => ours(config, 'a')).toThrow(new RegExp(`^${config.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} line ${sshLine}: `));
  });

  it('ProxyCommand: the command ssh would run, tokens expanded as ssh expands them', () => {
    const d = mkdtempSync(join(dir, 'proxy-'));
    const config = join(d, 'config');
    writeFileSync(config, `Host prox\n  HostName Real.Example\n  User ops\n  Port 2200\n  ProxyCommand sh -c "echo %h %p %r %n %% > ${join(d, 'OUT')}"\n`);
    // Real ssh runs it (then fails: the "connection" ends at once); we run our expansion the same way.
    // (A bare `echo … > FILE` would race: its stdout leaves ssh's pipe first and ssh hangs it up.)
    spawnSync('ssh', ['-F', config, '-o', 'BatchMode=yes', 'prox', 'true'], { encoding: 'utf8', timeout: 10_000 });
    const sshSaw = readFileSync(join(d, 'OUT'), 'utf8');
    expect(sshSaw).toBe('real.example 2200 ops prox %\n');
    const t = resolveTarget('prox', loadSshConfig(config));
    expect(t.proxyCommand).toBe(`exec sh -c "echo real.example 2200 ops prox % > ${join(d, 'OUT')}"`);
    rmSync(join(d, 'OUT'));
    spawnSync('/bin/sh', ['-c', t.proxyCommand as string]);
    expect(readFileSync(join(d, 'OUT'), 'utf8')).toBe(sshSaw);
  });

  it('Match exec gets every token ssh gives it, %C (the connection hash) and %k included', () => {
    const d = mkdtempSync(join(dir, 'exec-tokens-'));
    const out = join(d, 'TOKENS');
    const config = join(d, 'config');
    writeFileSync(config, `Host tok\n  HostName Tok.Example\n  Port 2201\nMatch exec "echo %C %k %h %n %p %r %u %l %L %d %i > ${out}"\n  User seen\n`);
    expect((sshG(config, 'ops@tok') as Map<string, string>).get('user')).toBe('ops');
    const sshSaw = readFileSync(out, 'utf8');
    rmSync(out);
    expect(ours(config, 'ops@tok').get('user')).toBe('ops');
    expect(readFileSync(out, 'utf8')).toBe(sshSaw);
  });

  it('refuses keywords it does not implement, naming where they were set; set where they do not apply, they pass', () => {
    const config = join(mkdtempSync(join(dir, 'refused-')), 'config');
    writeFileSync(config, 'Host alias-key\n  HostKeyAlias other\nHost canon\n  CanonicalizeHostname yes\nHost fine\n  CanonicalizeHostname no\n');
    expect(() => resolveTarget('alias-key', loadSshConfig(config))).toThrow(`alias-key: ssh_config sets what migrate-preflight does not implement: hostkeyalias other (${config} line 2)`);
    expect(() => resolveTarget('canon', loadSshConfig(config))).toThrow(/canonicalizehostname yes/);
    expect(resolveTarget('fine', loadSshConfig(config)).host).toBe('fine');
  });
});
