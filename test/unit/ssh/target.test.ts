import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SshConfigError, UsageError } from '../../../src/errors.js';
import { loadSshConfig, parseTarget, resolveTarget, type ResolvedTarget, type SshConfigSource } from '../../../src/ssh/target.js';

let dir: string;
let home: string;
let savedHome: string | undefined;
let labConfigPath: string;
let lab: SshConfigSource;
const GLOBAL_KH = ['/etc/ssh/ssh_known_hosts', '/etc/ssh/ssh_known_hosts2'];
const me = userInfo().username;

// ssh_config fixture: real files on disk, loaded with loadSshConfig(path) and cross-checked with `ssh -G`.
const LAB_CONFIG = `# lab fixture
Host hv1
  HostName 10.0.0.11
  User root
  Port 2222
  IdentityFile ~/.ssh/hv1_key
  IdentityFile "%d/keys dir/id_%h_%r_%p"
  IdentityFile /keys/%n-%u-%%
  IdentitiesOnly yes
  UserKnownHostsFile ~/.ssh/kh_lab "/tmp/with space/kh" %d/kh_%h_%p
  StrictHostKeyChecking accept-new
  ConnectTimeout 7

Host HV2 hv2-alias
  HostName %h.lab.example
  StrictHostKeyChecking no
  ProxyJump bastion

Host bastion
  HostName 192.0.2.10
  User jump
  Port 2200
  IdentityFile ~/.ssh/bastion_key
  ProxyJump outer

Host outer
  HostName outer.example
  User o
  StrictHostKeyChecking yes

Host chain
  HostName 10.9.0.1
  ProxyJump ops@bastion:2201,inner

Host inner
  HostName 10.1.0.1
  ProxyJump elsewhere

Host strict-off
  StrictHostKeyChecking off
Host strict-false
  StrictHostKeyChecking false
Host strict-ask
  StrictHostKeyChecking ask
Host slow
  ConnectTimeout 1m30s
Host notimeout
  ConnectTimeout 0
Host ionly-true
  IdentitiesOnly true

Host loop1
  ProxyJump loop2
Host loop2
  ProxyJump loop1

Host *.lab !nope.lab
  User labuser

Host *
  User dflt
  ConnectTimeout 15
`;

function writeConfig(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** `ssh -G`: what OpenSSH itself resolves for a host from the same config file (no connection made). */
function sshG(config: string, host: string): Map<string, string> {
  const r = spawnSync('ssh', ['-G', '-F', config, host], { encoding: 'utf8' });
  expect(r.status).toBe(0);
  const out = new Map<string, string>();
  for (const line of r.stdout.split('\n')) {
    const sp = line.indexOf(' ');
    if (sp > 0 && !out.has(line.slice(0, sp))) out.set(line.slice(0, sp), line.slice(sp + 1));
  }
  return out;
}

const pick = (t: ResolvedTarget): { host: string; user: string } => ({ host: t.host, user: t.user });

function usageError(f: () => unknown): UsageError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return e as UsageError;
  }
  throw new Error('expected a UsageError');
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mp-target-'));
  home = join(dir, 'home');
  mkdirSync(join(home, '.ssh'), { recursive: true });
  // Default identities: real keys, so the "existing defaults only" rule sees real files.
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(home, '.ssh', 'id_ed25519')]);
  execFileSync('ssh-keygen', ['-q', '-t', 'rsa', '-b', '2048', '-N', '', '-f', join(home, '.ssh', 'id_rsa')]);
  savedHome = process.env.HOME;
  process.env.HOME = home;
  labConfigPath = writeConfig('lab_config', LAB_CONFIG);
  lab = loadSshConfig(labConfigPath);
});

afterAll(() => {
  if (savedHome === undefined) delete process.env.HOME;
  else process.env.HOME = savedHome;
  rmSync(dir, { recursive: true, force: true });
});

describe('parseTarget', () => {
  it.each([
    ['hv1', { user: null, host: 'hv1', port: null }],
    ['root@hv1', { user: 'root', host: 'hv1', port: null }],
    ['root@hv1:2222', { user: 'root', host: 'hv1', port: 2222 }],
    ['hv1.lab.example:22', { user: null, host: 'hv1.lab.example', port: 22 }],
    ['10.0.0.5:65535', { user: null, host: '10.0.0.5', port: 65535 }],
    ['ops@10.0.0.5:1', { user: 'ops', host: '10.0.0.5', port: 1 }],
    ['[::1]:2222', { user: null, host: '::1', port: 2222 }],
    ['admin@[2001:db8::5]', { user: 'admin', host: '2001:db8::5', port: null }],
    ['[fe80::1%eth0]:22', { user: null, host: 'fe80::1%eth0', port: 22 }],
    ['::1', { user: null, host: '::1', port: null }],
    ['root@2001:db8::5', { user: 'root', host: '2001:db8::5', port: null }],
    ['::ffff:10.0.0.1', { user: null, host: '::ffff:10.0.0.1', port: null }],
    ['alice@CORP.EXAMPLE@hv1:2200', { user: 'alice@CORP.EXAMPLE', host: 'hv1', port: 2200 }],
    ['ssh://root@hv1:2222', { user: 'root', host: 'hv1', port: 2222 }],
    ['ssh://hv1/', { user: null, host: 'hv1', port: null }],
    ['ssh://[::1]:2200', { user: null, host: '::1', port: 2200 }],
  ])('parses %s', (spec, want) => {
    expect(parseTarget(spec)).toEqual(want);
  });

  it('agrees with ssh -G on the user, host and port of the same destinations', () => {
    const empty = writeConfig('empty_config', '');
    for (const spec of ['root@hv1', 'alice@CORP.EXAMPLE@hv1', 'ssh://bob@hv1:2200', '::1', 'root@2001:db8::5']) {
      const g = sshG(empty, spec);
      const p = parseTarget(spec);
      expect({ spec, user: p.user ?? me, host: p.host.toLowerCase(), port: p.port ?? 22 }).toEqual({
        spec,
        user: g.get('user'),
        host: g.get('hostname'),
        port: Number(g.get('port')),
      });
    }
  });

  it.each(['', 'hv1:', 'hv1:0', 'hv1:65536', 'hv1:99999', 'hv1:22x', 'hv1:port', '@hv1', 'root@', 'a b', 'ro ot@hv1', '[::1', '[hv1]:22', 'hv1::22', 'ssh://', 'x:y:z'])(
    'rejects %j with a UsageError',
    (spec) => {
      const e = usageError(() => parseTarget(spec));
      expect(e.code).toBe('MP_USAGE');
      expect(e.exitCode).toBe(2);
      expect(e.message).toContain(`"${spec}"`);
    },
  );
});

describe('loadSshConfig', () => {
  it('reports an unreadable file as SshConfigError', () => {
    const missing = join(dir, 'no-such-config');
    try {
      loadSshConfig(missing);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(SshConfigError);
      expect((e as SshConfigError).code).toBe('MP_SSH_CONFIG');
      expect((e as SshConfigError).message).toBe(`cannot read ssh config ${missing}: ENOENT`);
    }
  });

  it('uses ~/.ssh/config when no file is given (then /etc/ssh/ssh_config, as ssh), and nothing when there is none', () => {
    expect(resolveTarget('hv9', loadSshConfig(undefined))).toMatchObject({ host: 'hv9', port: 22 });
    const path = join(home, '.ssh', 'config');
    writeFileSync(path, 'Host hv9\n  HostName 10.0.0.99\n  User nine\n');
    try {
      const c = loadSshConfig(undefined);
      expect(resolveTarget('hv9', c)).toMatchObject({ host: '10.0.0.99', user: 'nine', port: 22 });
    } finally {
      rmSync(path);
    }
  });
});

describe('resolveTarget without ssh_config', () => {
  it('takes everything from the spec and the OpenSSH defaults', () => {
    expect(resolveTarget('root@10.0.0.5:2222', null)).toEqual({
      target: 'root@10.0.0.5:2222',
      host: '10.0.0.5',
      port: 2222,
      user: 'root',
      identityFiles: [join(home, '.ssh', 'id_ed25519'), join(home, '.ssh', 'id_rsa')],
      identitiesOnly: false,
      knownHostsFiles: [join(home, '.ssh', 'known_hosts'), join(home, '.ssh', 'known_hosts2')],
      globalKnownHostsFiles: GLOBAL_KH,
      strictHostKeyChecking: 'yes',
      connectTimeoutS: null,
      proxyCommand: null,
      jump: [],
    } satisfies ResolvedTarget);
    expect(resolveTarget('hv1', null)).toMatchObject({ host: 'hv1', port: 22, user: me });
  });

  it('applies the command-line overrides', () => {
    const t = resolveTarget('hv1', null, {
      user: 'ops',
      identityFiles: ['rel/key', '~/.ssh/other'],
      knownHostsFile: '~/kh',
      acceptNewHostKeys: true,
      jump: 'gw:2022',
    });
    expect(t.user).toBe('ops');
    expect(t.identityFiles).toEqual([resolve('rel/key'), join(home, '.ssh', 'other')]);
    expect(t.knownHostsFiles).toEqual([join(home, 'kh')]);
    expect(t.strictHostKeyChecking).toBe('accept-new');
    expect(t.jump).toHaveLength(1);
    // The jump host gets --known-hosts and --accept-new-host-keys, not -l or -i.
    expect(t.jump[0]).toMatchObject({
      target: 'gw:2022',
      host: 'gw',
      port: 2022,
      user: me,
      identityFiles: [join(home, '.ssh', 'id_ed25519'), join(home, '.ssh', 'id_rsa')],
      knownHostsFiles: [join(home, 'kh')],
      strictHostKeyChecking: 'accept-new',
      jump: [],
    });
  });
});

describe('resolveTarget with ssh_config', () => {
  it('resolves every honoured directive of a Host block', () => {
    expect(resolveTarget('hv1', lab)).toEqual({
      target: 'hv1',
      host: '10.0.0.11',
      port: 2222,
      user: 'root',
      identityFiles: [join(home, '.ssh', 'hv1_key'), join(home, 'keys dir', 'id_10.0.0.11_root_2222'), `/keys/hv1-${me}-%`],
      identitiesOnly: true,
      knownHostsFiles: [join(home, '.ssh', 'kh_lab'), '/tmp/with space/kh', join(home, 'kh_10.0.0.11_2222')],
      globalKnownHostsFiles: GLOBAL_KH,
      strictHostKeyChecking: 'accept-new',
      connectTimeoutS: 7,
      proxyCommand: null,
      jump: [],
    } satisfies ResolvedTarget);
  });

  it('agrees with ssh -G on HostName, User, Port, ConnectTimeout, ProxyJump and first-match-wins', () => {
    for (const name of ['hv1', 'hv2-alias', 'bastion', 'outer', 'chain', 'inner', 'x.lab', 'nope.lab', 'other', 'slow', 'strict-off']) {
      const g = sshG(labConfigPath, name);
      const t = resolveTarget(name, lab);
      const ct = g.get('connecttimeout');
      const pj = g.get('proxyjump');
      expect({ name, host: t.host, user: t.user, port: t.port, ct: t.connectTimeoutS, jump: t.jump.slice(pj ? -pj.split(',').length : t.jump.length).map((j) => j.target) }).toEqual({
        name,
        host: g.get('hostname'),
        user: g.get('user'),
        port: Number(g.get('port')),
        ct: ct === undefined || ct === 'none' ? null : Number(ct),
        jump: pj ? pj.split(',') : [],
      });
    }
  });

  it('expands %h/%r/%p in IdentityFile from the spec user and port and the -l override', () => {
    expect(resolveTarget('admin@hv1:2200', lab).identityFiles[1]).toBe(join(home, 'keys dir', 'id_10.0.0.11_admin_2200'));
    expect(resolveTarget('hv1', lab, { user: 'ops' }).identityFiles[1]).toBe(join(home, 'keys dir', 'id_10.0.0.11_ops_2222'));
    expect(resolveTarget('hv1', lab, { user: 'ops' }).knownHostsFiles[2]).toBe(join(home, 'kh_10.0.0.11_2222'));
  });

  it('puts -i files first and adds no default keys once any identity is configured', () => {
    expect(resolveTarget('hv1', lab, { identityFiles: ['/k/cli'] }).identityFiles).toEqual([
      '/k/cli',
      join(home, '.ssh', 'hv1_key'),
      join(home, 'keys dir', 'id_10.0.0.11_root_2222'),
      `/keys/hv1-${me}-%`,
    ]);
    expect(resolveTarget('other', lab, { identityFiles: ['/k/cli'] }).identityFiles).toEqual(['/k/cli']);
    expect(resolveTarget('other', lab).identityFiles).toEqual([join(home, '.ssh', 'id_ed25519'), join(home, '.ssh', 'id_rsa')]);
  });

  it('takes the user from user@ first, then -l, then ssh_config User, then Host * defaults', () => {
    expect(resolveTarget('admin@hv1', lab, { user: 'ops' }).user).toBe('admin');
    expect(resolveTarget('hv1', lab, { user: 'ops' }).user).toBe('ops');
    expect(resolveTarget('hv1', lab).user).toBe('root');
    expect(resolveTarget('x.lab', lab).user).toBe('labuser');
    expect(resolveTarget('nope.lab', lab).user).toBe('dflt');
    expect(resolveTarget('other', lab).user).toBe('dflt');
  });

  it('takes the port from the spec before ssh_config Port', () => {
    expect(resolveTarget('hv1:2200', lab).port).toBe(2200);
    expect(resolveTarget('hv1', lab).port).toBe(2222);
    expect(resolveTarget('other', lab).port).toBe(22);
  });

  it('matches Host patterns case-sensitively and lowercases the final HostName, as ssh -G', () => {
    // `Host hv1` is not `HV1`; `Host HV2 hv2-alias` takes HV2 and hv2-alias, not hv2 or Hv2-Alias.
    for (const [name, host, user] of [
      ['HV1', 'hv1', 'dflt'],
      ['HV2', 'hv2.lab.example', 'dflt'],
      ['hv2', 'hv2', 'dflt'],
      ['Hv2-Alias', 'hv2-alias', 'dflt'],
      ['X.LAB', 'x.lab', 'dflt'],
      ['x.lab', 'x.lab', 'labuser'],
    ] as const) {
      expect({ name, ...pick(resolveTarget(name, lab)) }).toEqual({ name, host, user });
      const g = sshG(labConfigPath, name);
      expect({ name, host: g.get('hostname'), user: g.get('user') }).toEqual({ name, host, user });
    }
  });

  it('expands %h and %% in HostName like ssh -G', () => {
    const path = writeConfig('hostname_config', 'Host pct\n  HostName 10.0.0.%%\nHost sub\n  HostName %h.inner.lab\n');
    const c = loadSshConfig(path);
    expect(resolveTarget('pct', c).host).toBe('10.0.0.%');
    expect(resolveTarget('sub', c).host).toBe('sub.inner.lab');
    expect(sshG(path, 'pct').get('hostname')).toBe('10.0.0.%');
    expect(sshG(path, 'sub').get('hostname')).toBe('sub.inner.lab');
  });

  it('maps StrictHostKeyChecking to yes or accept-new', () => {
    const cases: Record<string, 'yes' | 'accept-new'> = {
      hv1: 'accept-new',
      'hv2-alias': 'accept-new',
      outer: 'yes',
      'strict-off': 'accept-new',
      'strict-false': 'accept-new',
      'strict-ask': 'yes',
      other: 'yes',
    };
    for (const [name, want] of Object.entries(cases)) {
      expect({ name, strict: resolveTarget(name, lab).strictHostKeyChecking }).toEqual({ name, strict: want });
    }
    // ssh -G agrees on which of them mean "do not refuse unknown keys".
    expect(sshG(labConfigPath, 'strict-false').get('stricthostkeychecking')).toBe('false');
    expect(sshG(labConfigPath, 'strict-off').get('stricthostkeychecking')).toBe('false');
    expect(sshG(labConfigPath, 'outer').get('stricthostkeychecking')).toBe('true');
    expect(resolveTarget('outer', lab, { acceptNewHostKeys: true }).strictHostKeyChecking).toBe('accept-new');
  });

  it('reads IdentitiesOnly yes/true and defaults to false', () => {
    expect(resolveTarget('hv1', lab).identitiesOnly).toBe(true);
    expect(resolveTarget('ionly-true', lab).identitiesOnly).toBe(true);
    expect(resolveTarget('other', lab).identitiesOnly).toBe(false);
  });

  it('reads ConnectTimeout in OpenSSH time format; 0 means none', () => {
    expect(resolveTarget('hv1', lab).connectTimeoutS).toBe(7);
    expect(resolveTarget('other', lab).connectTimeoutS).toBe(15);
    expect(resolveTarget('slow', lab).connectTimeoutS).toBe(90);
    expect(sshG(labConfigPath, 'slow').get('connecttimeout')).toBe('90');
    expect(resolveTarget('notimeout', lab).connectTimeoutS).toBeNull();
  });

  it('uses several UserKnownHostsFile entries, quoted ones included, unless --known-hosts is given', () => {
    expect(resolveTarget('hv1', lab).knownHostsFiles).toEqual([join(home, '.ssh', 'kh_lab'), '/tmp/with space/kh', join(home, 'kh_10.0.0.11_2222')]);
    expect(resolveTarget('hv1', lab, { knownHostsFile: '/etc/kh' }).knownHostsFiles).toEqual(['/etc/kh']);
    expect(resolveTarget('other', lab).knownHostsFiles).toEqual([join(home, '.ssh', 'known_hosts'), join(home, '.ssh', 'known_hosts2')]);
  });

  it('refuses a file with a bad Port or ConnectTimeout for every host, naming the line, as ssh -G does', () => {
    const path = writeConfig('bad_config', 'Host badport\n  Port http\nHost badct\n  ConnectTimeout soon\n');
    const c = loadSshConfig(path);
    for (const h of ['badport', 'badct', 'other']) {
      expect(() => resolveTarget(h, c)).toThrow(new SshConfigError(`${path} line 2: Bad port 'http'.`));
      expect(spawnSync('ssh', ['-G', '-F', path, h], { encoding: 'utf8' }).status).toBe(255);
    }
    const ct = writeConfig('bad_ct', 'Host badct\n  ConnectTimeout soon\n');
    expect(() => resolveTarget('x', loadSshConfig(ct))).toThrow(new SshConfigError(`${ct} line 2: invalid time value.`));
  });
});

describe('resolveTarget ProxyJump', () => {
  const summary = (hops: readonly ResolvedTarget[]): string[] => hops.map((h) => `${h.target}=${h.user}@${h.host}:${h.port}`);

  it('resolves each hop through ssh_config and puts a hop’s own ProxyJump first', () => {
    const t = resolveTarget('hv2-alias', lab, { user: 'cli', identityFiles: ['/k/cli'] });
    expect(t).toMatchObject({ host: 'hv2-alias.lab.example', user: 'cli', identityFiles: ['/k/cli'] });
    expect(summary(t.jump)).toEqual(['outer=o@outer.example:22', 'bastion=jump@192.0.2.10:2200']);
    // Each hop carries the chain that reaches it.
    expect(t.jump[0]?.jump).toEqual([]);
    expect(t.jump[1]?.jump).toEqual([t.jump[0]]);
    expect(t.jump[1]).toMatchObject({ identityFiles: [join(home, '.ssh', 'bastion_key')], strictHostKeyChecking: 'yes', connectTimeoutS: 15 });
    expect(t.jump[0]).toMatchObject({ identityFiles: [join(home, '.ssh', 'id_ed25519'), join(home, '.ssh', 'id_rsa')] });
  });

  it('follows a comma chain with user@host:port hops, later hops reached through earlier ones', () => {
    const t = resolveTarget('chain', lab);
    expect(t.host).toBe('10.9.0.1');
    // OpenSSH: ssh -J ops@bastion:2201 -W ... inner, so inner's own ProxyJump (elsewhere) is not used.
    expect(summary(t.jump)).toEqual(['outer=o@outer.example:22', 'ops@bastion:2201=ops@192.0.2.10:2201', 'inner=dflt@10.1.0.1:22']);
    expect(summary(t.jump[2]?.jump ?? [])).toEqual(['outer=o@outer.example:22', 'ops@bastion:2201=ops@192.0.2.10:2201']);
    expect(summary(resolveTarget('inner', lab).jump)).toEqual(['elsewhere=dflt@elsewhere:22']);
  });

  it('lets -J override ssh_config ProxyJump, and -J none drop it', () => {
    expect(summary(resolveTarget('hv1', lab, { jump: 'bastion' }).jump)).toEqual(['outer=o@outer.example:22', 'bastion=jump@192.0.2.10:2200']);
    expect(summary(resolveTarget('hv1', lab, { jump: 'admin@10.0.0.99:2022, outer' }).jump)).toEqual([
      'admin@10.0.0.99:2022=admin@10.0.0.99:2022',
      'outer=o@outer.example:22',
    ]);
    expect(summary(resolveTarget('hv1', lab, { jump: 'ssh://ops@bastion:2201' }).jump)).toEqual([
      'outer=o@outer.example:22',
      'ssh://ops@bastion:2201=ops@192.0.2.10:2201',
    ]);
    expect(resolveTarget('hv2-alias', lab, { jump: 'none' }).jump).toEqual([]);
    expect(resolveTarget('hv2-alias', lab, { jump: 'NONE' }).jump).toEqual([]);
  });

  it('honours ProxyJump none before a Host * ProxyJump default, like ssh -G', () => {
    const path = writeConfig('star_config', 'Host gw\n  HostName gw.example\n  ProxyJump none\nHost *\n  ProxyJump gw\n  User star\n');
    const c = loadSshConfig(path);
    expect(summary(resolveTarget('hvx', c).jump)).toEqual(['gw=star@gw.example:22']);
    expect(resolveTarget('gw', c).jump).toEqual([]);
    expect(sshG(path, 'hvx').get('proxyjump')).toBe('gw');
    expect(sshG(path, 'gw').get('proxyjump')).toBeUndefined();
  });

  it('refuses loops, empty hops and bad hop specs with a UsageError', () => {
    expect(usageError(() => resolveTarget('loop1', lab)).message).toMatch(/^ProxyJump chain for "loop\d" is deeper than 8 hops/);
    expect(usageError(() => resolveTarget('hv1', lab, { jump: 'a,,b' })).message).toBe('bad ProxyJump for "hv1": a,,b');
    expect(usageError(() => resolveTarget('hv1', lab, { jump: 'gw:0' })).message).toBe('bad port in "gw:0"');
  });
});
