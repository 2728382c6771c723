import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { buildScript, capture, newBoundary, probeEnded, splitOutput, type Chunk, type ScriptProbe } from '../../src/checks/collect.js';
import { shq } from '../../src/checks/shell.js';

/** Runs a generated script with the real /bin/sh, the way sshd runs `/bin/sh -s`, and splits its output. */
function runLocally(probes: ScriptProbe[], opts: { cap?: number; timeoutS?: number; hostCap?: number } = {}) {
  const boundary = newBoundary();
  const script = buildScript(probes, boundary, opts.timeoutS ?? 10, opts.hostCap);
  const r = spawnSync('/bin/sh', ['-s'], { input: script, maxBuffer: 64 * 1024 * 1024 });
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
