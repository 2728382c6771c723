import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPERATORS } from '../../src/checks/operators/index.js';
import type { Report } from '../../src/types.js';
import { cli, labGate } from './helpers.js';
import { startLab, type Lab } from './lab.js';
import { cpuinfo, STANDARD } from './scenarios.js';
import { createHash } from 'node:crypto';
import { collection } from '../../src/pair/collection.js';
import { open } from '../../src/pair/sessions.js';
import { PreflightError } from '../../src/errors.js';
import { loadSshConfig, resolveTarget } from '../../src/ssh/target.js';

const why = labGate();

describe.skipIf(why !== null)('pair check against real SSH hosts in the lab', () => {
  let lab: Lab;
  let out: string;
  // The lab's test driver cannot sample dirty rates: the convergence inputs are given (rules.test.ts covers their absence).
  const base = (): string[] => ['-F', lab.sshConfig, '--libvirt-uri', lab.libvirtUri, '--dirty-rate', '20', '--bandwidth', '1000'];
  const report = (file: string): Report => JSON.parse(readFileSync(file, 'utf8')) as Report;
  const result = (r: Report, id: string) => r.results.find((x) => x.id === id);

  beforeAll(async () => {
    lab = await startLab(STANDARD);
    out = mkdtempSync(join(tmpdir(), 'mp-pair-'));
  });
  afterAll(async () => {
    await lab?.stop();
  });

  it('hands out each probe output once: the early read, the round and the final split give the same objects (so each is parsed once)', async () => {
    const t = resolveTarget('hv1', loadSshConfig(lab.sshConfig), { sshConfigFile: lab.sshConfig });
    const s = await open(t, {}, () => {});
    if (s instanceof PreflightError) throw s;
    try {
      const c = collection(s, t, {});
      const ctx = { libvirtUri: lab.libvirtUri, transport: 'ssh', domains: [] } as const;
      const first = c.round(['cpuinfo', 'hostname', 'virsh-list', 'virsh-domxml'], ctx);
      // A peer's read of some of them while the round runs (how a pair plans the other host's round 2).
      const early = c.outputsOf(['cpuinfo', 'virsh-domxml']);
      const r1 = await first;
      const r2 = await c.round(['meminfo'], ctx);
      const [f1, f2] = await c.finish();
      const e = await early;
      expect(e.cpuinfo?.stdout).toMatch(/^processor\s*:/m);
      expect(e['virsh-domxml']?.stdout).toContain('<domain');
      for (const id of ['cpuinfo', 'virsh-domxml'] as const) expect(e[id]).toBe(r1.outputs[id]);
      for (const id of Object.keys(r1.outputs)) expect(f1?.outputs[id], id).toBe(r1.outputs[id]);
      expect(f2?.outputs.meminfo).toBe(r2.outputs.meminfo);
    } finally {
      s.close();
    }
  });

  it('passes a clean pair, exit 0, with raw probe output kept as evidence', async () => {
    const json = join(out, 'clean.json');
    // The lab's test driver cannot sample dirty rates: the convergence inputs are given.
    const r = await cli([...base(), '--json', json, 'hv1', 'hv2']);
    expect(r.stderr).not.toMatch(/MP_/);
    expect(r.code).toBe(0);
    // The skips: domain.machine-type, cpu.virt-ext and storage.disk-cache per domain (the test driver
    // is not QEMU: no machine types, no domain types of QEMU's, no storage safety check),
    // resources.hugepages (no guest uses huge pages), the rules of the other migration modes and the
    // Xen rules, each of the last two kinds on one line (rules.test.ts checks each skip's reason).
    expect(r.stdout).toMatch(/^migrate-preflight \S+: hv1 -> hv2, KVM, live migration \(shared storage\) \(--mode live\)$/m);
    const counts = /^GO {2}(\d+) results: (\d+) pass, 0 fail, 0 error, (\d+) skip/m.exec(r.stdout);
    expect(counts).not.toBeNull();
    expect(r.stdout).toMatch(/^SKIP {2}11 rules not applicable to kvm hosts: (xen\.[a-z-]+(, |$)){11}/m);
    expect(r.stdout).toMatch(/^SKIP {2}5 rules not applicable to live migration \(shared storage\) \(--mode live\): /m);
    expect(r.stdout).toMatch(/^SKIP  critical domain\.machine-type \[db01\]/m);
    expect(r.stdout).toMatch(/^ {2}GO {6}web01 +2\.0 GiB, 2 vCPUs, running; 3 disks on shared storage; live migration ~\d+\.\d s: \d+ rounds?, [\d.]+ GiB sent, pause \d+ ms at 1000\.0 MiB\/s \(option\), dirtying 20\.0 MiB\/s \(option\)$/m);
    const rep = report(json);
    expect(rep).toMatchObject({ schemaVersion: 1, tool: { name: 'migrate-preflight' }, summary: { fail: 0, error: 0, exitCode: 0 } });
    // The console's counts are the report's, and everything not skipped passed.
    expect(counts?.slice(1).map(Number)).toEqual([rep.results.length, rep.summary.pass, rep.summary.skip]);
    expect(rep.summary.pass).toBe(rep.results.length - rep.summary.skip);
    expect(rep.results.filter((x) => x.status === 'skip').every((x) => x.message.startsWith('not applicable'))).toBe(true);
    expect(rep.hosts.src).toMatchObject({ target: 'hv1', hostname: 'hv1', reachable: true, error: null });
    expect(rep.hosts.dst.facts.os).toEqual({ arch: 'x86_64', bits: 64, longBit: 64 });
    const { execFileSync } = await import('node:child_process');
    const fp = execFileSync('ssh-keygen', ['-lf', join(lab.dir, 'hv2', 'ssh_host_ed25519_key.pub'), '-E', 'sha256'], { encoding: 'utf8' }).split(' ')[1];
    expect(rep.hosts.dst.hostKey).toEqual({ type: 'ssh-ed25519', status: 'known', fingerprint: fp });
    // The evidence is what the host really printed: the bind-mounted cpuinfo, byte for byte.
    const fixture = readFileSync(cpuinfo('xeon-e5-2690v4-bl460-excerpt.cpuinfo'));
    const probe = rep.hosts.src.probes.cpuinfo;
    expect(probe?.stdout).toBe(fixture.toString('utf8'));
    expect(probe?.sha256).toBe(createHash('sha256').update(fixture).digest('hex'));
    expect(probe).toMatchObject({ command: 'cat /proc/cpuinfo', exitCode: 0 });
    expect(rep.hosts.src.facts.libvirt?.domains?.map((d) => `${d.name}:${d.state}`)).toEqual([
      'web01:running', 'db01:running', 'big01:shut off', 'blk01:shut off', 'cache01:shut off', 'lab01:shut off', 'local01:shut off', 'model01:shut off',
      'old-test:shut off', 'raw01:shut off',
    ]);
    expect(rep.hosts.src.facts.migration?.domains.map((d) => d.name)).toEqual(['web01', 'db01']);
  });

  it('fails cpu.nx (and exits 1) when the destination lacks NX; a domain on both hosts fails domain.names-unique', async () => {
    const json = join(out, 'nx.json');
    const r = await cli([...base(), '--json', json, 'hv1', 'hv3']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/FAIL {2}critical cpu\.nx/);
    expect(r.stdout).toContain('NX/XD bit: source true, destination false');
    expect(r.stdout).toContain('destination already has domain(s) named web01');
    const rep = report(json);
    expect(result(rep, 'cpu.nx')).toMatchObject({ status: 'fail', evidence: { src: true, dst: false } });
    expect(result(rep, 'domain.names-unique')).toMatchObject({ status: 'fail', data: { common: ['web01'] } });
    expect(result(rep, 'cpu.vendor')?.status).toBe('pass');
    expect(result(rep, 'cpu.flags')).toMatchObject({ status: 'fail', data: { missing: expect.arrayContaining(['avx2', 'sse4_2', 'popcnt']) } });
    expect(rep.summary).toMatchObject({ total: rep.results.length, fail: rep.results.filter((x) => x.status === 'fail').length, exitCode: 1 });
  });

  it('checks only the named domains with -d', async () => {
    const r = await cli([...base(), '--json', '-', '-d', 'db01', '--quiet', 'hv1', 'hv3']);
    const rep = JSON.parse(r.stdout) as Report;
    expect(result(rep, 'domain.names-unique')).toMatchObject({ status: 'pass', evidence: { src: ['db01'] } });
    expect(r.code).toBe(1);
  });

  it('a -d name that the source does not have is an error, exit 3', async () => {
    const r = await cli([...base(), '--json', '-', '-d', 'nosuch', 'hv1', 'hv2']);
    const rep = JSON.parse(r.stdout) as Report;
    expect(result(rep, 'domain.selection')).toMatchObject({ status: 'error', message: 'requested domain(s) not found on the source: nosuch' });
    expect(r.code).toBe(3);
  });

  it('fails cpu.arch against an i686 host', async () => {
    const r = await cli([...base(), '--json', '-', '--only', 'cpu.arch', 'hv1', 'hv5']);
    const rep = JSON.parse(r.stdout) as Report;
    expect(result(rep, 'cpu.arch')).toMatchObject({ status: 'fail', message: 'source is x86_64, destination is i686: a guest cannot change architecture in flight' });
    expect(r.code).toBe(1);
  });

  it('refused connection: exit 3 at once, one-line reason, the other host still probed, JSON still written', async () => {
    const json = join(out, 'refused.json');
    const r = await cli([...base(), '--connect-timeout', '3', '--json', json, 'hv1', 'hv4']);
    expect(r.code).toBe(3);
    expect(r.ms).toBeLessThan(3000 + 1000 + 1500); // connect-timeout + 1 s, plus Node start-up
    expect(r.stdout).toMatch(/^ {2}destination hv4 not probed: MP_SSH_CONNECT|destination hv4 not probed: .*ECONNREFUSED/m);
    const rep = report(json);
    expect(rep.hosts.dst).toMatchObject({ reachable: false, error: { code: 'MP_SSH_CONNECT' } });
    expect(rep.hosts.dst.error?.message).toMatch(/ECONNREFUSED/);
    expect(rep.hosts.src.facts.cpu?.vendor).toBe('GenuineIntel');
    // Every rule of the mode errs; the other modes' rules do not apply whichever host answers.
    expect(rep.results.filter((x) => x.status !== 'error').map((x) => x.messageId).sort()).toEqual([...Array(11).fill('skip.hypervisor'), ...Array(5).fill('skip.mode')]);
    expect(rep.results.filter((x) => x.status === 'error').length).toBeGreaterThan(25);
  });

  it('silent host (no answer at all): exit 3 within connect-timeout + 1 s', async () => {
    const ip = lab.hosts.get('hv1')!.ip.replace(/\.\d+$/, '.250'); // in the lab /24, nobody there
    const json = join(out, 'silent.json');
    const r = await cli([...base(), '--connect-timeout', '2', '--json', json, 'hv1', `root@${ip}`]);
    expect(r.code).toBe(3);
    expect(r.ms).toBeLessThan(2000 + 1000 + 1500);
    expect(report(json).hosts.dst).toMatchObject({ reachable: false, error: { code: 'MP_SSH_CONNECT' } });
  });

  it('a changed host key (man in the middle) is refused with the fingerprint and the known_hosts line, exit 3', async () => {
    const json = join(out, 'mitm.json');
    const r = await cli([...base(), '--known-hosts', lab.wrongKnownHosts, '--json', json, 'hv1', 'hv2']);
    expect(r.code).toBe(3);
    const rep = report(json);
    expect(rep.hosts.src.error?.code).toBe('MP_HOST_KEY_CHANGED');
    const msg = rep.hosts.dst.error?.message ?? '';
    expect(msg).toMatch(/HOST KEY CHANGED/);
    expect(msg).toMatch(/SHA256:[A-Za-z0-9+/]{43}/);
    expect(msg).toContain(`${lab.wrongKnownHosts}:${[...lab.hosts.keys()].indexOf('hv2') + 1}`);
    expect(r.stdout.split('\n').filter((l) => l.includes('HOST KEY CHANGED'))).toHaveLength(2);
  });

  it('an unknown host key is refused unless --accept-new-host-keys', async () => {
    const empty = join(out, 'empty_known_hosts');
    writeFileSync(empty, '');
    const refused = await cli([...base(), '--known-hosts', empty, '--json', '-', 'hv1', 'hv2']);
    expect(refused.code).toBe(3);
    const rep = JSON.parse(refused.stdout) as Report;
    expect(rep.hosts.dst.error).toMatchObject({ code: 'MP_HOST_KEY_UNKNOWN' });
    expect(rep.hosts.dst.error?.message).toMatch(/unknown host key ssh-ed25519 SHA256:\S+ \(not in .*empty_known_hosts\)/);
    const accepted = await cli([...base(), '--known-hosts', empty, '--accept-new-host-keys', 'hv1', 'hv2']);
    expect(accepted.code).toBe(0);
  });

  it('a bad rule file exits 2 before any host is contacted', async () => {
    const bad = join(out, 'bad.yaml');
    writeFileSync(bad, 'rules:\n  - id: site.x\n    title: x\n    severity: major\n    assert: { op: equals, path: os.arch }\n');
    const r = await cli([...base(), '-r', bad, 'hv1', 'hv2']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(`migrate-preflight: MP_RULE_FILE: ${bad}:5:19 rule site.x: unknown operator "equals"; expected one of ${OPERATORS.join(', ')}`);
    expect(r.stderr).not.toMatch(/connecting/);
  });

  it('usage errors exit 2', async () => {
    expect((await cli(['only-one-host'])).code).toBe(2);
    expect((await cli(['--fail-on', 'sometimes', 'a', 'b'])).code).toBe(2);
    const help = await cli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--accept-new-host-keys');
  });

  it('reaches a host behind a bastion with -J, verifying both host keys; without it the host is silent', async () => {
    const direct = await cli([...base(), '--connect-timeout', '1', '--json', '-', '--quiet', 'hv1', 'hv6']);
    expect(direct.code).toBe(3);
    expect((JSON.parse(direct.stdout) as Report).hosts.dst.error?.message).toMatch(/timed out/);
    const viaJump = await cli([...base(), '-J', 'hv2', '--only', 'tag:cpu', '--json', '-', '--quiet', 'hv1', 'hv6']);
    expect(viaJump.code).toBe(0);
    expect((JSON.parse(viaJump.stdout) as Report).hosts.dst.hostname).toBe('hv6');
  });

  it('honours ProxyCommand as ssh does: spawns it (here OpenSSH relaying through the bastion) and speaks SSH over its stdio', async () => {
    const mark = join(out, 'proxy-ran');
    const config = join(out, 'proxy_config');
    // First value wins: hv6's ProxyCommand, then everything else from the lab's config (an Include under
    // `Host hv6` would apply to hv6 alone, as in ssh).
    writeFileSync(config, `Host hv6\n  ProxyCommand sh -c 'echo %h:%p:%r:%n >> ${mark}; exec ssh -F ${lab.sshConfig} -W %h:%p hv2'\nHost *\n  Include ${lab.sshConfig}\n`);
    const r = await cli(['-F', config, ...base().slice(2), '--only', 'tag:cpu', '--json', '-', '--quiet', 'hv1', 'hv6']);
    const rep = JSON.parse(r.stdout) as Report;
    expect({ code: r.code, src: rep.hosts.src.error, dst: rep.hosts.dst.error, errors: rep.results.filter((x) => x.status === 'error').map((x) => `${x.id}: ${x.message}`) }).toEqual({ code: 0, src: null, dst: null, errors: [] });
    expect((JSON.parse(r.stdout) as Report).hosts.dst.hostname).toBe('hv6');
    expect(readFileSync(mark, 'utf8')).toBe(`${lab.hosts.get('hv6')?.ip}:22:root:hv6\n`);
    // A ProxyCommand that fails says so, with the last line it printed.
    writeFileSync(config, `Host hv6\n  ProxyCommand sh -c 'echo no route to the moon >&2; exit 7'\nHost *\n  Include ${lab.sshConfig}\n`);
    const bad = await cli(['-F', config, ...base().slice(2), '--only', 'tag:cpu', '--json', '-', '--quiet', 'hv1', 'hv6']);
    expect(bad.code).toBe(3);
    expect((JSON.parse(bad.stdout) as Report).hosts.dst.error?.message).toMatch(/ProxyCommand exited 7: no route to the moon/);
  });

  it('two names that reach one machine (directly, and through a jump host) fail host.distinct with its host key', async () => {
    const config = join(out, 'twice_config');
    writeFileSync(
      config,
      `Host hv1-again\n  HostName ${lab.hosts.get('hv1')?.ip}\n  ProxyJump hv2\n  User root\n  IdentityFile ${lab.identity}\n  UserKnownHostsFile ${lab.knownHosts}\nHost *\n  Include ${lab.sshConfig}\n`,
    );
    const r = await cli(['-F', config, ...base().slice(2), '--only', 'host.distinct', '--json', '-', '--quiet', 'hv1', 'hv1-again']);
    const rep = JSON.parse(r.stdout) as Report;
    expect({ code: r.code, errors: [rep.hosts.src.error, rep.hosts.dst.error] }).toEqual({ code: 1, errors: [null, null] });
    const fp = rep.hosts.src.hostKey?.fingerprint as string;
    expect(rep.hosts.dst.hostKey?.fingerprint).toBe(fp);
    expect(result(rep, 'host.distinct')).toMatchObject({ status: 'fail', message: `both names reach a machine with SSH host key ${fp}: one machine named twice, or a clone that kept its host keys` });
    // Two machines: it passes.
    const two = JSON.parse((await cli([...base(), '--only', 'host.distinct', '--json', '-', '--quiet', 'hv1', 'hv2'])).stdout) as Report;
    expect(result(two, 'host.distinct')?.status).toBe('pass');
  });

  it('authenticates with a key from a real ssh-agent when no identity file is given', async () => {
    const { execFileSync } = await import('node:child_process');
    const sock = join(out, 'agent.sock');
    const agent = execFileSync('ssh-agent', ['-a', sock], { encoding: 'utf8' });
    const pid = Number(/SSH_AGENT_PID=(\d+)/.exec(agent)?.[1]);
    try {
      execFileSync('ssh-add', ['-q', lab.identity], { env: { ...process.env, SSH_AUTH_SOCK: sock }, stdio: 'ignore' });
      const noConfig = join(out, 'empty_ssh_config');
      writeFileSync(noConfig, '');
      const [a, b] = [lab.hosts.get('hv1')!.ip, lab.hosts.get('hv2')!.ip];
      const args = ['-F', noConfig, '--known-hosts', lab.knownHosts, '--libvirt-uri', lab.libvirtUri, '--dirty-rate', '20', '--bandwidth', '1000', '--quiet', `root@${a}`, `root@${b}`];
      const withAgent = await cli(args, { SSH_AUTH_SOCK: sock, HOME: out });
      expect(withAgent.stderr).toBe('');
      expect(withAgent.code).toBe(0);
      const without = await cli([...args, '--json', '-'], { SSH_AUTH_SOCK: '', HOME: out });
      expect(without.code).toBe(3);
      expect((JSON.parse(without.stdout) as Report).hosts.src.error).toMatchObject({ code: 'MP_SSH_AUTH', message: expect.stringMatching(/no identity to offer/) });
    } finally {
      process.kill(pid);
    }
  });

  it('a key the host does not accept is an authentication failure, exit 3', async () => {
    // No ssh_config (its IdentityFile would add the right key): only the impostor key is offered.
    const [a, b] = [lab.hosts.get('hv1')!.ip, lab.hosts.get('hv2')!.ip];
    const empty = join(out, 'empty_ssh_config2');
    writeFileSync(empty, '');
    const bad = await cli(['-F', empty, '--known-hosts', lab.knownHosts, '-i', join(lab.dir, 'impostor_key'), '--json', '-', `root@${a}`, `root@${b}`], { HOME: out });
    expect(bad.code).toBe(3);
    expect((JSON.parse(bad.stdout) as Report).hosts.dst.error).toMatchObject({ code: 'MP_SSH_AUTH', message: expect.stringMatching(/every key was rejected/) });
  });

  it('the library API gives the same verdicts as the CLI, with typed results', async () => {
    const { check, renderConsole } = await import('../../src/index.js');
    const rep = await check({ src: 'hv1', dst: 'hv3', sshConfigFile: lab.sshConfig, libvirtUri: lab.libvirtUri, dirtyRateMiBs: 20, bandwidthMiBs: 1000 });
    expect(rep.summary.exitCode).toBe(1);
    expect(rep.summary.fail).toBeGreaterThanOrEqual(3);
    const nx = rep.results.find((r) => r.id === 'cpu.nx');
    expect(nx?.status === 'fail' && nx.messageId).toBe('equal.differs');
    expect(renderConsole(rep, { color: false, quiet: true })).toContain('NO-GO');
  });

  it('the lab hosts are real sshd processes with their own identity', () => {
    for (const h of ['hv1', 'hv2', 'hv3', 'hv5']) expect(existsSync(`/proc/${lab.hosts.get(h)!.pid}`)).toBe(true);
  });
});
