import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { check } from '../../src/index.js';
import type { Report } from '../../src/types.js';
import { cli, labGate } from './helpers.js';
import { startLab, type Lab } from './lab.js';
import { COMMANDS } from './packages.js';
import { FAULTS, HOSTILE_DOMAINS } from './scenarios.js';

const why = labGate();
const HUNG_URI = 'qemu+unix:///system?socket=/srv/hung.sock';
const BIN = fileURLToPath(new URL('../../dist/bin/migrate-preflight.js', import.meta.url));

/** Faults and hostile hosts over real SSH: keep working, lose nothing, let nobody in. */
describe.skipIf(why !== null)('faults, hostile hosts and bad input', () => {
  let lab: Lab;
  // The lab's test driver cannot sample dirty rates: the convergence inputs are given.
  const base = (): string[] => ['-F', lab.sshConfig, '--libvirt-uri', lab.libvirtUri, '--dirty-rate', '20', '--bandwidth', '1000'];
  const json = async (...args: string[]): Promise<{ code: number | null; rep: Report; ms: number; stderr: string }> => {
    const r = await cli([...base(), '--json', '-', '--quiet', ...args]);
    return { code: r.code, rep: JSON.parse(r.stdout) as Report, ms: r.ms, stderr: r.stderr };
  };
  const res = (rep: Report, id: string) => rep.results.find((r) => r.id === id);

  beforeAll(async () => {
    lab = await startLab(FAULTS);
  });
  afterAll(async () => {
    await lab?.stop();
  });

  it('read-only guarantee: on hosts whose / is mounted read-only the full rule set gives the same verdicts, and no probe tried to write', async () => {
    const rw = await json('a', 'b');
    const ro = await json('ro-a', 'ro-b');
    expect(ro.code).toBe(0);
    expect(ro.rep.results.map((r) => `${r.id}:${r.status}`)).toEqual(rw.rep.results.map((r) => `${r.id}:${r.status}`));
    // The namespaces really are read-only: a write there fails.
    const ns = lab.hosts.get('ro-b')!.ns;
    const pid = execFileSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' }).trim().split('\n')[0] as string;
    expect(() => execFileSync('nsenter', ['-t', pid, '-m', 'touch', '/tmp/mp-write-test'], { stdio: 'pipe' })).toThrow(/Read-only file system/);
    for (const side of ['src', 'dst'] as const) {
      for (const [id, p] of Object.entries(ro.rep.hosts[side].probes)) expect(`${id}: ${p.stderr}`).not.toMatch(/read-only file system/i);
    }
  });

  it('missing commands (no virsh, nft, iptables-save): only the rules that need them end in error, with the reason; the rest are evaluated', async () => {
    const { code, rep } = await json('a', 'bare');
    expect(code).toBe(3);
    expect(res(rep, 'domain.names-unique')).toMatchObject({ status: 'error', message: 'destination: probe virsh-list failed: command not found: sh: 1: virsh: not found' });
    expect(res(rep, 'firewall.migration-ports')).toMatchObject({ status: 'error', message: expect.stringMatching(/^destination: probe nft failed: command not found/) });
    // virsh missing is the finding of hypervisor.present.
    expect(res(rep, 'hypervisor.present')).toMatchObject({ status: 'fail', message: 'destination: probe virsh-version failed: command not found: sh: 1: virsh: not found' });
    for (const id of ['cpu.arch', 'cpu.nx', 'cpu.flags', 'network.reachability', 'network.hostname-resolution', 'time.skew', 'host.uuid-distinct']) {
      expect(`${id}:${res(rep, id)?.status}`).toBe(`${id}:pass`);
    }
  });

  it('no iptables on the destination: the iptables probe fails "command not found", the firewall verdict rests on nft alone', async () => {
    const open = await json('a', 'nft-open');
    const drop = await json('a', 'nft-drop');
    for (const { rep } of [open, drop]) {
      expect(rep.hosts.dst.probes.iptables).toMatchObject({ exitCode: 127 });
      expect(rep.hosts.dst.probeErrors).toContainEqual({ probe: 'iptables', reason: expect.stringMatching(/^command not found/) });
      expect(rep.hosts.dst.facts.firewall).toMatchObject({ iptables: null, nft: expect.objectContaining({ kind: 'nft' }) });
    }
    expect(open.code).toBe(0);
    expect(res(open.rep, 'firewall.migration-ports')?.status).toBe('pass');
    expect(drop.code).toBe(1);
    expect(res(drop.rep, 'firewall.migration-ports')).toMatchObject({ status: 'fail', message: expect.stringMatching(/drop 49152 .*by nftables rule "tcp dport 49152-49215 drop"/) });
  });

  it('a probe that hangs (libvirt socket that never answers) is killed at --probe-timeout; the others are kept', async () => {
    const { code, rep, ms } = await json('--probe-timeout', '1', '--libvirt-uri', HUNG_URI, 'a', 'hung');
    expect(code).toBe(3);
    for (const id of ['virsh-version', 'virsh-list', 'virsh-uuids', 'virsh-domxml', 'virsh-nets', 'virsh-pools']) {
      expect(`${id}: ${rep.hosts.dst.probes[id]?.exitCode}`).toBe(`${id}: 124`);
    }
    expect(rep.hosts.dst.probeErrors).toContainEqual({ probe: 'virsh-list', reason: 'timed out on the host' });
    expect(res(rep, 'hypervisor.present')).toMatchObject({ status: 'fail' });
    expect(res(rep, 'cpu.nx')?.status).toBe('pass');
    expect(ms).toBeLessThan(6 * 3000 + 5000); // six virsh probes, each killed within 1 s (+2 s grace)
  });

  it('the overall --timeout ends a hung collection: exit 3, what was collected is kept, never a hang', async () => {
    const { code, rep, ms } = await json('--timeout', '3', '--probe-timeout', '30', '--libvirt-uri', HUNG_URI, 'a', 'hung');
    expect(code).toBe(3);
    expect(ms).toBeLessThan(3000 + 3000);
    expect(rep.hosts.dst.error).toMatchObject({ code: 'MP_COLLECT_TIMEOUT' });
    expect(rep.hosts.dst.probes.cpuinfo?.exitCode).toBe(0);
    expect(rep.hosts.dst.probes['virsh-version']?.exitCode).toBeNull();
    expect(res(rep, 'cpu.nx')?.status).toBe('pass');
  });

  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)('%s during a hung collection: every report is written with what was collected, marked interrupted; exit %i at once', async (sig, code) => {
    const dir = mkdtempSync(join(tmpdir(), 'mp-int-'));
    const args = [...base(), '--probe-timeout', '30', '--libvirt-uri', HUNG_URI, '--json', join(dir, 'r.json'), '--html', join(dir, 'r.html'), '--markdown', join(dir, 'r.md'), 'a', 'hung'];
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, NO_COLOR: '1' } });
    let stderr = '';
    let stdout = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    // Both hosts are collecting (their virsh hangs on the socket): interrupt then.
    for (let i = 0; i < 200 && (stderr.match(/\] collecting/g) ?? []).length < 2; i++) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 1000));
    const t0 = performance.now();
    child.kill(sig);
    const exit = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(exit).toBe(code);
    expect(performance.now() - t0).toBeLessThan(3000);
    expect(stderr).toContain(`migrate-preflight: interrupted (${sig}): writing what was collected, then exiting`);
    expect(stdout).toMatch(new RegExp(`^Interrupted \\(${sig}\\): this report holds what was collected until then\\.$`, 'm'));
    expect(stdout).toMatch(new RegExp(`^INCOMPLETE .*exit ${code},`, 'm'));
    const rep = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8')) as Report;
    expect(rep.summary).toMatchObject({ interrupted: sig, exitCode: code });
    expect(rep.hosts.dst.error).toMatchObject({ code: 'MP_INTERRUPTED' });
    expect(rep.hosts.dst.probes.cpuinfo?.exitCode).toBe(0);
    expect(res(rep, 'cpu.nx')?.status).toBe('pass');
    expect(readFileSync(join(dir, 'r.html'), 'utf8')).toContain(`The run was interrupted (${sig})`);
    expect(readFileSync(join(dir, 'r.md'), 'utf8')).toMatch(new RegExp(`The run was interrupted \\\\?\\(${sig}\\\\?\\)`));
  });

  it('SIGINT during a fleet collection: the fleet reports are written with what was collected, exit 130', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mp-int-fleet-'));
    const args = ['fleet', ...base(), '--probe-timeout', '30', '--libvirt-uri', HUNG_URI, '--json', join(dir, 'f.json'), '--html', join(dir, 'f.html'), 'a', 'hung'];
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    await new Promise((r) => setTimeout(r, 3000));
    const t0 = performance.now();
    child.kill('SIGINT');
    expect(await new Promise<number | null>((resolve) => child.on('close', resolve))).toBe(130);
    expect(performance.now() - t0).toBeLessThan(3000);
    expect(stdout).toMatch(/^Interrupted \(SIGINT\): this report holds what was collected until then\.$/m);
    const rep = JSON.parse(readFileSync(join(dir, 'f.json'), 'utf8')) as { summary: { interrupted: string; exitCode: number }; hosts: Report['hosts']['src'][] };
    expect(rep.summary).toMatchObject({ interrupted: 'SIGINT', exitCode: 130 });
    expect(rep.hosts.map((h) => h.error?.code)).toEqual(['MP_INTERRUPTED', 'MP_INTERRUPTED']);
    expect(rep.hosts[1]?.probes.cpuinfo?.exitCode).toBe(0);
    expect(readFileSync(join(dir, 'f.html'), 'utf8')).toContain('The run was interrupted (SIGINT)');
  });

  it('a connection dropped mid-collection: exit 3 at once with what was collected', async () => {
    const ns = lab.hosts.get('hung')!.ns;
    const nsPids = (): string[] => execFileSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' }).trim().split('\n').filter(Boolean);
    const earlier = new Set(nsPids()); // stragglers of the previous test's cut-off session are not ours
    const t0 = performance.now();
    const run = cli([...base(), '--json', '-', '--quiet', '--probe-timeout', '30', '--libvirt-uri', HUNG_URI, 'a', 'hung']);
    // Wait until the hung host's virsh is stuck, then kill that SSH session: every process in the
    // host's namespace except its sshd listener and the hung socket's listener.
    const listener = Number(readFileSync(`${lab.dir}/hung/sshd.pid`, 'utf8'));
    const argsOf = (pid: string): string => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      } catch {
        return '';
      }
    };
    let session: string[] = [];
    for (let i = 0; i < 100; i++) {
      const pids = nsPids().filter((p) => !earlier.has(p));
      if (pids.some((p) => argsOf(p).includes('qemu+unix'))) {
        session = pids.filter((p) => Number(p) !== listener && !argsOf(p).includes('socket.AF_UNIX'));
        break;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(session.length).toBeGreaterThan(0);
    // The other probes run beside the libvirt ones, on a second channel: let them finish (a
    // fraction of a second on the lab), so the cut leaves something collected to keep.
    await new Promise((r) => setTimeout(r, 1500));
    session = nsPids().filter((p) => !earlier.has(p) && Number(p) !== listener && !argsOf(p).includes('socket.AF_UNIX'));
    // Some of them (the other channel's probes) may have ended on their own meanwhile.
    for (const pid of session) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
    const r = await run;
    expect(r.code).toBe(3);
    expect(performance.now() - t0).toBeLessThan(15_000);
    const rep = JSON.parse(r.stdout) as Report;
    expect(rep.hosts.dst.error?.code).toMatch(/^MP_COLLECT_(DROPPED|TIMEOUT)$/);
    expect(rep.hosts.dst.probes.cpuinfo?.exitCode).toBe(0);
  });

  it('sshd past MaxStartups drops the login before its banner: tried again after a short pause, and the check completes', async () => {
    // A connection that waits to authenticate holds busy's only startup slot; it lets go after 400 ms.
    const hold = createConnection({ host: lab.hosts.get('busy')!.ip, port: 22 });
    await new Promise((resolve, reject) => hold.once('connect', resolve).once('error', reject));
    const released = new Promise((resolve) => setTimeout(resolve, 400)).then(() => hold.destroy());
    const { code, rep, ms } = await json('a', 'busy');
    await released;
    expect(rep.hosts.dst.error).toBeNull();
    expect(code).toBe(0);
    expect(ms).toBeGreaterThan(400);
    // Dropped for good (the slot never frees): the host is unprobed, and the report says why, after a few tries.
    const stuck = createConnection({ host: lab.hosts.get('busy')!.ip, port: 22 });
    await new Promise((resolve, reject) => stuck.once('connect', resolve).once('error', reject));
    try {
      const r = await json('a', 'busy');
      expect(r.code).toBe(3);
      expect(r.rep.hosts.dst.error).toMatchObject({ code: 'MP_SSH_CONNECT', message: expect.stringContaining('closed the connection before its SSH banner') });
    } finally {
      stuck.destroy();
    }
  });

  it('sudo that wants a password: "needs root" at once, no hang; NOPASSWD sudo works; without --sudo nft says it needs root', async () => {
    const pw = await json('--sudo', 'ops@sudo', 'a');
    expect(pw.code).toBe(3);
    expect(pw.ms).toBeLessThan(5000);
    expect(pw.rep.hosts.src.error).toMatchObject({ code: 'MP_COLLECT', message: expect.stringMatching(/sudo -n needs a password.*\(needs root\)/) });
    expect((await json('--sudo', 'opsnp@sudo', 'a')).code).toBe(0);
    const plain = await json('a', 'ops@sudo');
    expect(res(plain.rep, 'firewall.migration-ports')).toMatchObject({ status: 'error', message: expect.stringMatching(/^destination: probe nft failed: needs root \(use --sudo\)/) });
  });

  it('names with shell metacharacters run nothing on the host: domain names, -d values and the libvirt URI are quoted', async () => {
    const { rep } = await json('-d', HOSTILE_DOMAINS[0], 'evil', 'a');
    expect(rep.hosts.src.facts.libvirt?.domains?.map((d) => d.xml?.name)).toEqual([...HOSTILE_DOMAINS]);
    expect(rep.hosts.src.facts.migration?.domains.map((d) => d.name)).toEqual([HOSTILE_DOMAINS[0]]);
    const uri = "test:///etc/lab/node.xml'; touch mp-pwned-uri; '";
    const bad = await json('--libvirt-uri', uri, 'evil', 'a');
    expect(res(bad.rep, 'hypervisor.present')?.status).toBe('fail');
    expect(bad.rep.hosts.src.probes['virsh-version']?.command).toBe(`virsh -c 'test:///etc/lab/node.xml'\\''; touch mp-pwned-uri; '\\''' version`);
    // The sessions ran as root in the host's own /root: nothing was created there.
    expect(readdirSync(`${lab.dir}/evil/root`)).toEqual([]);
  });

  it('hostile output (escapes, NUL, invalid UTF-8, HTML/XML breakers, > 4 MiB) is capped, neutralised in every format, and memory stays bounded', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mp-loud-'));
    const out = (f: string): string => join(dir, f);
    const r = spawnSync(
      COMMANDS.time.path,
      ['-f', '%M', process.execPath, BIN, ...base(), '--json', out('r.json'), '--junit', out('r.xml'), '--html', out('r.html'), '--markdown', out('r.md'), 'a', 'loud'],
      { encoding: 'buffer', env: { ...process.env, NO_COLOR: '1' } },
    );
    const stdout = r.stdout;
    const peakKiB = Number(r.stderr.toString().trim().split('\n').pop());
    expect(stdout.includes(0x1b)).toBe(false); // no escape sequence reaches the terminal
    expect(stdout.includes(0x00)).toBe(false);
    expect(peakKiB / 1024).toBeLessThan(250);
    const rep = JSON.parse(readFileSync(out('r.json'), 'utf8')) as Report;
    const probe = rep.hosts.dst.probes.cpuinfo!;
    expect(probe.truncated).toBe(true);
    expect(Buffer.byteLength(probe.stdout)).toBeLessThanOrEqual(4 * 1024 * 1024 + 4 * 1024); // the cap (+ U+FFFD for cut bytes)
    // Partial output would give partial facts: the rules that need it say why they cannot decide.
    expect(res(rep, 'cpu.nx')).toMatchObject({ status: 'error', message: expect.stringMatching(/^destination: probe cpuinfo failed: output larger than the per-probe cap/) });
    expect(res(rep, 'cpu.arch')?.status).toBe('pass');
    execFileSync('xmllint', ['--noout', out('r.xml')]);
    const html = readFileSync(out('r.html'), 'utf8');
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<img src=x');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html.includes('\u001b')).toBe(false);
    expect(readFileSync(out('r.md'), 'utf8').includes('\u001b')).toBe(false);
  });

  it('200 checks in one process leak no file descriptors, SSH sessions or memory', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const fds = (): number => readdirSync('/proc/self/fd').length;
    const listener = readFileSync(`${lab.dir}/b/sshd.pid`, 'utf8').trim();
    // SSH sessions still open on b: children of its sshd listener (ps exits 1 when there are none).
    const sessions = (): number => spawnSync('ps', ['-o', 'pid=', '--ppid', listener], { encoding: 'utf8' }).stdout.trim().split('\n').filter(Boolean).length;
    const one = (): Promise<Report> => check({ src: 'a', dst: 'b', sshConfigFile: lab.sshConfig, libvirtUri: lab.libvirtUri, dirtyRateMiBs: 20, bandwidthMiBs: 1000 });
    for (let i = 0; i < 8; i++) await one(); // warm-up: modules, JIT, ARP
    gc();
    const before = { fds: fds(), heap: process.memoryUsage().heapUsed };
    for (let round = 0; round < 25; round++) {
      const reps = await Promise.all(Array.from({ length: 8 }, one));
      for (const r of reps) expect(r.summary.exitCode, r.results.filter((x) => x.status !== 'pass' && x.status !== 'skip').map((x) => `${x.id} ${x.status}: ${x.message}`).join('; ')).toBe(0);
    }
    // sshd reaps a session shortly after our side closes it: give it up to 3 s.
    for (let i = 0; i < 60 && sessions() > 0; i++) await new Promise((r) => setTimeout(r, 50));
    // Our sockets are released when their close completes, a moment after check() returns (ssh2's
    // end() is asynchronous); under a loaded full suite that can trail the sshd side. A leak never settles.
    for (let i = 0; i < 60 && fds() - before.fds > 2; i++) await new Promise((r) => setTimeout(r, 50));
    gc();
    const after = { fds: fds(), heap: process.memoryUsage().heapUsed };
    expect(after.fds - before.fds).toBeLessThanOrEqual(2);
    expect(sessions()).toBe(0);
    expect((after.heap - before.heap) / 1024 / 1024).toBeLessThan(20);
  }, 180_000);
});
