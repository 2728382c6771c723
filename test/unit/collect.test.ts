import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildScript, capture, lastFrame, newBoundary, probeEnded, splitOutput, type Chunk, type ScriptProbe } from '../../src/checks/collect.js';
import { channelGroups, channelOf, PROBE_IDS, PROBES, type ProbeId } from '../../src/checks/probes/index.js';
import { LIBVIRT_PROBES, VIRSH_PARTS } from '../../src/checks/probes/table/libvirt.js';
import { parseSnapshotCounts } from '../../src/checks/probes/virsh.js';
import { shq } from '../../src/checks/shell.js';

/** Runs a generated script with the real /bin/sh, the way sshd runs `/bin/sh -s`, and splits its output. */
function runLocally(probes: ScriptProbe[], opts: { cap?: number; timeoutS?: number; hostCap?: number; env?: NodeJS.ProcessEnv } = {}) {
  const boundary = newBoundary();
  const script = buildScript(probes, boundary, opts.timeoutS ?? 10, opts.hostCap);
  const r = spawnSync('/bin/sh', ['-s'], { input: script, maxBuffer: 64 * 1024 * 1024, ...(opts.env ? { env: opts.env } : {}) });
  const now = performance.now();
  const split = splitOutput(probes, boundary, capture([{ data: r.stdout, at: now }]), capture([{ data: r.stderr, at: now }]), opts.cap);
  return { ...split, status: r.status };
}

describe('shq', () => {
  it('quotes values so the shell sees them literally', () => {
    for (const v of ["x'; touch /tmp/pwned; '", '$(id)', '`id`', 'a b\tc\nd', "''", '\\', '*']) {
      const r = spawnSync('/bin/sh', ['-c', `printf '%s' ${shq(v)}`]);
      expect(r.stdout.toString()).toBe(v);
    }
  });
  it('refuses NUL', () => expect(() => shq('a\0b')).toThrow(/NUL/));
});

describe('collection script (run by a real /bin/sh)', () => {
  it('splits stdout, stderr and exit code per probe, keeping output byte-exact', () => {
    const r = runLocally([
      { id: 'a', command: "printf 'one\\ntwo'" }, // no trailing newline
      { id: 'b', command: "echo to-err >&2; echo out; exit 3" },
      { id: 'c', command: 'printf "\\n\\n"' },
      { id: 'd', command: 'no-such-command-mp' },
    ]);
    expect(r.missing).toEqual([]);
    expect(r.forged).toEqual([]);
    expect(r.outputs.a).toMatchObject({ stdout: 'one\ntwo', stderr: '', exitCode: 0 });
    expect(r.outputs.b).toMatchObject({ stdout: 'out\n', stderr: 'to-err\n', exitCode: 3 });
    expect(r.outputs.c).toMatchObject({ stdout: '\n\n', exitCode: 0 });
    expect(r.outputs.d?.exitCode).toBe(127);
    expect(r.outputs.d?.stderr).toMatch(/not found/);
  });

  it("a probe whose guard fails ends with what its command prints there, without running it (Probe.guard: Xen's probes here)", () => {
    const ctx = { libvirtUri: 'qemu:///system', transport: 'ssh', domains: [] } as const;
    const xen = PROBE_IDS.filter((id) => PROBES[id].guard !== undefined);
    expect(xen.sort()).toEqual(['xend-config', 'xl-info', 'xl-list', 'xl-list-long']);
    // Without Xen here each guard fails and the unguarded command prints the same nothing, exit 0; with it both run it.
    const guarded = runLocally(xen.map((id) => ({ id, command: PROBES[id].command(ctx), guard: PROBES[id].guard as string })));
    const plain = runLocally(xen.map((id) => ({ id, command: PROBES[id].command(ctx) })));
    for (const id of xen) expect({ id, ...guarded.outputs[id] }).toMatchObject({ id, stdout: plain.outputs[id]?.stdout, stderr: plain.outputs[id]?.stderr, exitCode: plain.outputs[id]?.exitCode });
    // A guard that holds runs the command, wrapped as usual; one that fails never starts it.
    const r = runLocally([{ id: 'a', command: 'echo ran; exit 4', guard: '[ -d / ]' }, { id: 'b', command: 'echo ran', guard: 'command -v no-such-command-mp >/dev/null 2>&1' }]);
    expect(r.outputs.a).toMatchObject({ stdout: 'ran\n', exitCode: 4 });
    expect(r.outputs.b).toMatchObject({ stdout: '', stderr: '', exitCode: 0 });
  });

  it('records sha256 of the exact stdout bytes', async () => {
    const { createHash } = await import('node:crypto');
    const r = runLocally([{ id: 'a', command: "printf 'caf\\303\\251'" }]);
    expect(r.outputs.a?.stdout).toBe('café');
    expect(r.outputs.a?.sha256).toBe(createHash('sha256').update(Buffer.from('café')).digest('hex'));
  });

  it('gives probes /dev/null as stdin, so no probe can eat the rest of the script', () => {
    const r = runLocally([
      { id: 'reader', command: 'cat; echo read-done' },
      { id: 'after', command: 'echo still-here' },
    ]);
    expect(r.outputs.reader?.stdout).toBe('read-done\n');
    expect(r.outputs.after?.stdout).toBe('still-here\n');
  });

  it('runs under LC_ALL=C', () => {
    const r = runLocally([{ id: 'env', command: 'echo "$LC_ALL/$LANG"' }]);
    expect(r.outputs.env?.stdout).toBe('C/C\n');
  });

  it('kills a probe that hangs at the per-probe timeout and goes on with the next', () => {
    const t0 = Date.now();
    const r = runLocally(
      [
        { id: 'hang', command: 'sleep 30' },
        { id: 'next', command: 'echo ok' },
      ],
      { timeoutS: 1 },
    );
    expect(Date.now() - t0).toBeLessThan(8000);
    expect(r.outputs.hang?.exitCode).toBe(124);
    expect(r.outputs.next).toMatchObject({ stdout: 'ok\n', exitCode: 0 });
  });

  it('runs a bounded probe bare (no timeout, no cap process): same split, exit codes, stdin and isolation', () => {
    const bare = (id: string, command: string): ScriptProbe => ({ id, command, bounded: true });
    const probes = [bare('plain', 'uname -s'), bare('compound', "_mp_rc=99; d=x; printf 'one\\ntwo'; echo err >&2; exit 3"), bare('missing', 'no-such-command-mp'), bare('reader', 'cat; echo read-done'), { id: 'after', command: 'echo "${d:-unset}"' }];
    const script = buildScript(probes, newBoundary(), 10);
    // Only the unbounded probe has a timeout and a head around it.
    expect(script.match(/\$_mp_to /g)).toHaveLength(1);
    expect(script.match(/head -c/g)).toHaveLength(1);
    const r = runLocally(probes, { cap: 1000 });
    expect(r.missing).toEqual([]);
    expect(r.outputs.plain).toMatchObject({ stdout: 'Linux\n', exitCode: 0 });
    expect(r.outputs.compound).toMatchObject({ stdout: 'one\ntwo', stderr: 'err\n', exitCode: 3 });
    expect(r.outputs.missing?.exitCode).toBe(127);
    expect(r.outputs.missing?.stderr).toMatch(/not found/);
    expect(r.outputs.reader?.stdout).toBe('read-done\n');
    // A compound bounded command runs in a subshell: what it sets stays there.
    expect(r.outputs.after?.stdout).toBe('unset\n');
  });

  it("the built-in bounded probes: fixed commands, and this machine's real outputs split and parsed through bare frames", () => {
    const bounded = Object.values(PROBES).filter((p) => 'bounded' in p && p.bounded);
    expect(bounded.length).toBeGreaterThan(5);
    const a = { libvirtUri: 'qemu:///system', transport: 'ssh', domains: [] } as const;
    const b = { libvirtUri: 'xen:///', transport: 'tls', domains: ['x'], peer: { host: 'h', sshPort: 2 }, peerHostname: 'h' } as const;
    for (const p of bounded) expect(p.command(b), p.id).toBe(p.command(a));
    const r = runLocally(bounded.map((p) => ({ id: p.id, command: p.command(a), bounded: true })));
    expect(r.missing).toEqual([]);
    for (const p of bounded) {
      const out = r.outputs[p.id];
      expect(out?.exitCode, p.id).not.toBeNull();
      // What this Linux machine prints parses (a missing `ip` would fail with 127 instead).
      if (out?.exitCode === 0) expect(() => p.parse(out.stdout), p.id).not.toThrow();
    }
  });

  it('round 1 puts the libvirt probes on a channel of their own, and the peer probes on another (Probe.channel)', () => {
    expect(PROBE_IDS.filter((id) => channelOf(id) === 'libvirt').sort()).toEqual(Object.keys(LIBVIRT_PROBES).sort());
    expect(PROBE_IDS.filter((id) => channelOf(id) === 'peer').sort()).toEqual(['peer-link', 'peer-route', 'peer-tcp']);
    // Grouped for the session: the main channel's probes first (round 2 follows on it), every probe once.
    const groups = channelGroups(PROBE_IDS);
    expect(groups.map((g) => channelOf(g[0] as ProbeId))).toEqual(['main', ...new Set(PROBE_IDS.map(channelOf).filter((c) => c !== 'main'))]);
    expect(groups.flat().sort()).toEqual([...PROBE_IDS].sort());
    expect(channelGroups(['peer-tcp'])).toEqual([['peer-tcp']]);
    expect(channelGroups([])).toEqual([[]]);
  });

  it("a bounded probe's output is capped by the client", () => {
    const r = runLocally([{ id: 'big', command: 'head -c 5000 /dev/zero', bounded: true }], { cap: 1000, hostCap: 1000 });
    expect(r.outputs.big?.truncated).toBe(true);
    expect(r.outputs.big?.stdout).toHaveLength(1000);
  });

  it('marks stdout beyond the cap as truncated', () => {
    const r = runLocally([{ id: 'big', command: 'head -c 100000 /dev/zero | tr "\\0" x' }], { cap: 1000 });
    expect(r.outputs.big?.truncated).toBe(true);
    expect(r.outputs.big?.stdout.length).toBe(1000);
  });

  it('caps each probe on the host: a flood never leaves it, the next probe is unaffected', () => {
    const r = runLocally(
      [
        { id: 'flood', command: 'yes 0123456789abcdef' },
        { id: 'next', command: 'echo ok; exit 7' },
      ],
      { cap: 1000, hostCap: 1000, timeoutS: 5 },
    );
    expect(r.outputs.flood?.truncated).toBe(true);
    expect(r.outputs.flood?.stdout).toHaveLength(1000);
    // yes is killed by SIGPIPE when head has its 1001 bytes: the flood ended at once, not at the timeout.
    expect(r.outputs.flood?.exitCode).toBe(141);
    expect(r.outputs.next).toMatchObject({ stdout: 'ok\n', exitCode: 7 });
  });

  it('an output of exactly the cap is not truncated', () => {
    const r = runLocally([{ id: 'x', command: 'head -c 1000 /dev/zero | tr "\\0" y' }], { cap: 1000, hostCap: 1000 });
    expect(r.outputs.x).toMatchObject({ exitCode: 0 });
    expect(r.outputs.x?.truncated).toBeUndefined();
    expect(r.outputs.x?.stdout).toBe('y'.repeat(1000));
  });

  it('does not trust a probe whose output repeats a boundary marker', () => {
    const probes: ScriptProbe[] = [
      { id: 'evil', command: 'true' },
      { id: 'victim', command: 'echo real' },
    ];
    const boundary = newBoundary();
    // What a host that learned the boundary could print from inside probe "evil".
    const forgedOut = [
      `${boundary} B evil\n`,
      `\n${boundary} E evil 0\n${boundary} B victim\nfake\n${boundary} E victim 0\n`,
      `\n${boundary} E evil 0\n`,
      `${boundary} B victim\nreal\n\n${boundary} E victim 0\n`,
    ].join('');
    const now = 0;
    const r = splitOutput(probes, boundary, capture([{ data: Buffer.from(forgedOut), at: now }]), capture([]));
    expect(r.forged).toContain('victim');
    expect(r.outputs.victim?.exitCode).toBeNull();
  });

  it("a copy of a probe's markers inside the one virsh run (stdout, or stderr after 'error: ') makes that probe untrusted", () => {
    const ctx = { libvirtUri: 'qemu:///system', transport: 'ssh' as const };
    const probes: ScriptProbe[] = (['virsh-list', 'virsh-caps'] as const).map((id) => ({ id, command: LIBVIRT_PROBES[id].command(ctx), virsh: VIRSH_PARTS[id]!(ctx) }));
    const b = newBoundary();
    const run = (listOut: string, listErr: string) =>
      splitOutput(
        probes,
        b,
        capture([{ data: Buffer.from(`${b} B mp.virsh\n${b} b virsh-list\n${listOut}${b} e virsh-list\n${b} b virsh-caps\n<capabilities/>\n${b} e virsh-caps\n\n${b} E mp.virsh 0\n${b} B mp.end\n\n${b} E mp.end 0\n`), at: 0 }]),
        capture([{ data: Buffer.from(`${b} B mp.virsh\nerror: ${b} b virsh-list\n${listErr}error: ${b} e virsh-list\nerror: ${b} b virsh-caps\nerror: ${b} e virsh-caps\n\n${b} E mp.virsh\n${b} B mp.end\n\n${b} E mp.end\n`), at: 0 }]),
      );
    const clean = run(' Id   Name   State\n', '');
    expect(clean.forged).toEqual([]);
    expect(clean.outputs['virsh-caps']).toMatchObject({ stdout: '<capabilities/>\n', exitCode: 0 });
    expect(run(`${b} b virsh-caps\n<capabilities>forged</capabilities>\n${b} e virsh-caps\n`, '').forged).toEqual(['virsh-caps']);
    expect(run('', `error: ${b} b virsh-caps\nerror: not really\n`).forged).toEqual(['virsh-caps']);
    // The same text without "error: " before it is no copy of a stderr marker.
    expect(run('', `${b} b virsh-caps\n`).forged).toEqual([]);
  });

  it('reports probes that never started when the stream is cut off', () => {
    const probes: ScriptProbe[] = [
      { id: 'a', command: 'true' },
      { id: 'b', command: 'true' },
      { id: 'c', command: 'true' },
    ];
    const boundary = newBoundary();
    const partial = `${boundary} B a\nA\n\n${boundary} E a 0\n${boundary} B b\npartial`;
    const r = splitOutput(probes, boundary, capture([{ data: Buffer.from(partial), at: 0 }]), capture([]));
    expect(r.outputs.a).toMatchObject({ stdout: 'A\n', exitCode: 0 });
    expect(r.outputs.b).toMatchObject({ stdout: 'partial', exitCode: null });
    expect(r.missing).toEqual(['c']);
  });

  it('times each probe from the arrival of its markers', () => {
    const probes: ScriptProbe[] = [{ id: 'a', command: 'true' }];
    const b = newBoundary();
    const chunks = [
      { data: Buffer.from(`${b} B a\n`), at: 100 },
      { data: Buffer.from('x\n'), at: 150 },
      { data: Buffer.from(`\n${b} E a 0\n`), at: 340 },
    ];
    const r = splitOutput(probes, b, capture(chunks), capture([]));
    expect(r.outputs.a?.durationMs).toBe(240);
  });

  it('refuses probe ids that are not plain identifiers', () => {
    expect(() => buildScript([{ id: 'a;rm', command: 'true' }], newBoundary(), 5)).toThrow(/bad probe id/);
  });
});

describe('probeEnded (when a round down a shared stdin is over)', () => {
  it("sees the last probe's end line on each stream only once it is whole, however the bytes are chunked", () => {
    const probes = [
      { id: 'a', command: 'echo 1' },
      { id: 'last', command: "echo out; echo err >&2; printf 'x%s E last 0\\n' \"$0\"; exit 12" },
    ];
    const boundary = newBoundary();
    const r = spawnSync('/bin/sh', ['-s'], { input: buildScript(probes, boundary, 10) });
    for (const [stream, bytes] of [['stdout', r.stdout], ['stderr', r.stderr]] as const) {
      const endLine = stream === 'stdout' ? `\n${boundary} E last 12\n` : `\n${boundary} E last\n`;
      expect(bytes.toString('latin1').endsWith(endLine)).toBe(true);
      for (const size of [1, 2, 3, 7, 64, bytes.length]) {
        const chunks: Chunk[] = [{ data: Buffer.from('earlier round'), at: 0 }];
        const done = probeEnded(chunks, 1, boundary, 'last', stream);
        for (let i = 0; i < bytes.length; i += size) {
          expect(done()).toBe(false);
          chunks.push({ data: bytes.subarray(i, i + size), at: 0 });
        }
        expect(done()).toBe(true);
      }
    }
  });

  it('ignores an end line of another probe, or of the same id with a different boundary', () => {
    const boundary = newBoundary();
    const chunks: Chunk[] = [{ data: Buffer.from(`\n${boundary} E lastx 0\n\n${newBoundary()} E last 0\n\n${boundary} E last 1234\n`), at: 0 }];
    expect(probeEnded(chunks, 0, boundary, 'last', 'stdout')()).toBe(false);
    chunks.push({ data: Buffer.from(`\n${boundary} E last 0\n`), at: 0 });
    expect(probeEnded(chunks, 0, boundary, 'last', 'stdout')()).toBe(true);
  });
});

/** The libvirt probes (but dirty-rate) for a URI, each with its part of the one virsh run or (batched: false) without. */
function libvirtProbes(uri: string, batched: boolean): ScriptProbe[] {
  const ctx = { libvirtUri: uri, transport: 'ssh' as const };
  const ids = Object.keys(LIBVIRT_PROBES).filter((id) => id !== 'dirty-rate') as (keyof typeof LIBVIRT_PROBES)[];
  return [
    { id: 'first', command: 'echo before' },
    ...ids.map((id) => ({ id, command: LIBVIRT_PROBES[id].command(ctx), ...(batched && VIRSH_PARTS[id] ? { virsh: VIRSH_PARTS[id](ctx) } : {}) })),
    { id: 'last', command: 'uname -m' },
  ];
}

/** Each probe's stdout, stderr and exit code, from the probes' own commands and from the one virsh run. */
function bothWays(uri: string, timeoutS = 10) {
  const own = runLocally(libvirtProbes(uri, false), { timeoutS });
  const t0 = Date.now();
  const one = runLocally(libvirtProbes(uri, true), { timeoutS });
  const view = (r: typeof own) => Object.fromEntries(Object.entries(r.outputs).map(([id, o]) => [id, { stdout: o.stdout, stderr: o.stderr, exitCode: o.exitCode }]));
  return { own: view(own), one: view(one), ms: Date.now() - t0, missing: one.missing, forged: one.forged };
}

const hasVirsh = spawnSync('/bin/sh', ['-c', 'command -v virsh']).status === 0;

describe.skipIf(!hasVirsh)('one virsh run for the libvirt probes (real virsh, test driver)', () => {
  it("gives every probe its own virsh's stdout, stderr and exit code, a failing command in the middle included", () => {
    const r = bothWays('test:///default');
    expect(r.missing).toEqual([]);
    expect(r.forged).toEqual([]);
    expect(r.one).toEqual(r.own);
    // The test driver has no domain capabilities: virsh's error, exit 1, as from a virsh of its own.
    expect(r.one['virsh-domcaps']).toMatchObject({ stdout: '\n', exitCode: 1, stderr: expect.stringMatching(/^error: failed to get emulator capabilities\n/) });
    expect(r.one['virsh-version']?.stdout).toMatch(/^Compiled against library: libvirt/);
    expect(r.one.last?.exitCode).toBe(0);
  });

  it('dumps plain names in the run, any other name with a virsh of its own, pads trimmed; lists snapshots in the run, of the domains that have some', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mp-virsh-'));
    const dom = (name: string, uuid: string, extra = ''): string => `<domain type='test' xmlns:test='http://libvirt.org/schemas/domain/test/1.0'><name>${name}</name><uuid>${uuid}</uuid><memory>65536</memory><os><type>hvm</type></os>${extra}</domain>`;
    const u1 = '11111111-2222-3333-4444-555555555555';
    const snap = (n: string, t: number): string => `<test:domainsnapshot><name>${n}</name><state>shutoff</state><creationTime>${t}</creationTime><active>0</active>${dom('plain01', u1)}</test:domainsnapshot>`;
    writeFileSync(
      join(dir, 'node.xml'),
      `<node>${dom('plain01', u1, snap('s1', 1) + snap('s2', 2))}${dom('odd name&apos;s', '11111111-2222-3333-4444-555555555556')}${dom('-dash', '11111111-2222-3333-4444-555555555557')}` +
        `<network><name>default</name><uuid>11111111-2222-3333-4444-555555555558</uuid><bridge name='virbr0'/></network>` +
        `<pool type='dir'><name>images</name><uuid>11111111-2222-3333-4444-555555555559</uuid><target><path>/var/lib/libvirt/images</path></target></pool></node>`,
    );
    const r = bothWays(`test://${join(dir, 'node.xml')}`);
    expect(r.one).toEqual(r.own);
    expect(r.one['virsh-snapshots']?.stdout).toBe(`snapshots ${u1}\ns1\ns2\n\nsnapshots 11111111-2222-3333-4444-555555555556 0\nsnapshots 11111111-2222-3333-4444-555555555557 0\n`);
    expect([...parseSnapshotCounts(r.one['virsh-snapshots']?.stdout ?? '')]).toEqual([
      [u1, 2],
      ['11111111-2222-3333-4444-555555555556', 0],
      ['11111111-2222-3333-4444-555555555557', 0],
    ]);
    expect(r.one['virsh-domxml']?.stdout).toContain('<name>odd name&apos;s</name>');
    expect(r.one['virsh-pools']?.stdout).toContain('<name>images</name>');
  });

  it('when virsh cannot connect, every probe runs its own command as before (same errors, same exit codes)', () => {
    const r = bothWays('test:///nonexistent/node.xml');
    expect(r.one).toEqual(r.own);
    expect(r.one['virsh-list']).toMatchObject({ exitCode: 1, stderr: expect.stringMatching(/error: failed to connect to the hypervisor/) });
  });

  it('a libvirt that never answers holds the run for one probe timeout, not one per probe; every libvirt probe ends 124, the others run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mp-hung-'));
    const sock = join(dir, 'hung.sock');
    const server = createServer(() => {});
    await new Promise<void>((resolve) => server.listen(sock, resolve));
    try {
      const r = bothWaysOne(`qemu+unix:///system?socket=${sock}`);
      expect(r.ms).toBeLessThan(6000);
      for (const id of Object.keys(VIRSH_PARTS)) expect(`${id}: ${r.outputs[id]?.exitCode}`).toBe(`${id}: 124`);
      expect(r.outputs['virsh-list']?.stderr).toMatch(/killed at the probe timeout/);
      expect(r.outputs.last).toMatchObject({ exitCode: 0 });
    } finally {
      server.close();
    }
  });

  it("writes nothing in the user's home, where virsh's interactive shell (the one way to feed it the dumps after the lists) writes its history", () => {
    const home = mkdtempSync(join(tmpdir(), 'mp-home-'));
    const env = { PATH: process.env.PATH, HOME: home };
    const r = runLocally(libvirtProbes('test:///default', true), { env });
    expect(r.outputs['virsh-domxml']?.stdout).toContain('<name>test</name>');
    expect(readdirSync(home, { recursive: true })).toEqual([]);
    // The premise: interactive virsh, even on a pipe, leaves its history behind.
    spawnSync('virsh', ['-c', 'test:///default'], { input: 'list --all --name\nquit\n', env });
    expect(readdirSync(home, { recursive: true })).toContain(join('.cache', 'libvirt', 'virsh', 'history'));
  });

  it('a stream cut inside the run: the first unfinished libvirt probe is running (no exit code), the rest never started', () => {
    const probes = libvirtProbes('test:///default', true);
    const boundary = newBoundary();
    const run = spawnSync('/bin/sh', ['-s'], { input: buildScript(probes, boundary, 10) });
    const cut = run.stdout.indexOf(`${boundary} e virsh-list\n`);
    const r = splitOutput(probes, boundary, capture([{ data: run.stdout.subarray(0, cut), at: 0 }]), capture([{ data: run.stderr, at: 0 }]));
    expect(r.outputs['virsh-version']?.exitCode).toBe(0);
    expect(r.outputs['virsh-list']?.exitCode).toBeNull();
    expect(r.missing).toEqual(expect.arrayContaining(['virsh-uuids', 'virsh-caps', 'last']));
    expect(lastFrame(probes)).toBe('mp.end');
  });
});

/** The batched probes alone, timed (a hung libvirt makes the unbatched way take a timeout per probe). */
function bothWaysOne(uri: string) {
  const t0 = Date.now();
  const r = runLocally(libvirtProbes(uri, true), { timeoutS: 1 });
  return { ...r, ms: Date.now() - t0 };
}
