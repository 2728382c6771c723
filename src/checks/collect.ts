import { createHash, randomBytes } from 'node:crypto';
import type { ProbeOutput } from '../types.js';
import { shq } from './shell.js';
import { BATCH_FRAME, batchLines, END_FRAME, failedInRun, subMarkers, subSegment, type BatchedProbe, type VirshPart } from './virsh-batch.js';

/** A probe as the collection script sees it: an id and a ready-quoted command. */
export interface ScriptProbe {
  readonly id: string;
  readonly command: string;
  /** Its share of the host's one virsh run (virsh-batch.ts); `command` runs instead when the run cannot take it. */
  readonly virsh?: VirshPart;
  /** Cannot block and prints what the kernel holds (Probe.bounded): run as it is, with no timeout or cap process around it. */
  readonly bounded?: boolean;
  /** A builtin-only test; when it fails the probe prints nothing and exits 0 without running (Probe.guard). */
  readonly guard?: string;
}

/** Per-probe cap on stdout kept as evidence; the rest is dropped and the output marked truncated. */
export const DEFAULT_PROBE_OUTPUT_CAP = 4 * 1024 * 1024;

export function newBoundary(): string {
  return `MPB${randomBytes(16).toString('hex')}`;
}

/**
 * A command of plain words (no quoting, expansion, redirection or glob): the script runs it under
 * `timeout` directly, without a `sh -c` of its own, when the host has the program (else through
 * `sh -c`, so a missing one fails with the shell's own "not found" as before).
 */
const PLAIN = /^[A-Za-z0-9_][A-Za-z0-9_./:+%,=-]*(?: [A-Za-z0-9_./:+%,=-]+)*$/;

/** The probes of the host's virsh run: those with a virsh part for the URI of the first one. */
function virshGroup(probes: readonly ScriptProbe[]): BatchedProbe[] {
  const uri = probes.find((p) => p.virsh)?.virsh?.uri;
  return probes.filter((p): p is BatchedProbe => p.virsh !== undefined && p.virsh.uri === uri);
}

/** The frame a probe's output has ended with once its end line is in: its own, or the virsh run's end for a probe of the host's virsh run. */
export function frameOf(probes: readonly ScriptProbe[], id: string): string {
  return virshGroup(probes).some((p) => p.id === id) ? END_FRAME : id;
}

/** The id of the last frame the script prints: a round is over once it has ended on both streams. */
export function lastFrame(probes: readonly ScriptProbe[]): string {
  return virshGroup(probes).length > 0 ? END_FRAME : (probes[probes.length - 1]?.id ?? '');
}

/**
 * Builds the one script that runs every probe on a host in one exec. Read-only by construction:
 * it only prints markers and runs the probes' commands; stdin of each probe is /dev/null so no
 * probe can read the rest of the script, and the whole body is one compound command, parsed
 * before anything runs. Markers go to both stdout and stderr so each stream can be split. Each
 * probe's stdout is capped on the host, so a runaway or hostile command cannot flood the link or
 * this process's memory, and each runs under `timeout`; a bounded probe (kernel facts, a fixed
 * command) runs bare, a process or two fewer each. The libvirt probes share one virsh run
 * (virsh-batch.ts), printed where the first of them stands.
 */
export function buildScript(probes: readonly ScriptProbe[], boundary: string, probeTimeoutS: number, cap: number = DEFAULT_PROBE_OUTPUT_CAP): string {
  if (!/^MPB[0-9a-f]{32}$/.test(boundary)) throw new Error(`bad boundary ${boundary}`);
  if (!Number.isInteger(cap) || cap < 1) throw new Error(`bad cap ${cap}`);
  const t = Math.max(1, Math.ceil(probeTimeoutS));
  const lines = [
    'LC_ALL=C; LANG=C; export LC_ALL LANG',
    'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin${PATH:+:$PATH}; export PATH',
    `if command -v timeout >/dev/null 2>&1; then _mp_to='timeout -k 2 ${t}'; else _mp_to=''; fi`,
    // fd 4 is the script's stdout: each probe's output goes there through head, its exit code
    // comes back through the command substitution (POSIX sh has no pipefail).
    'exec 4>&1',
    '{',
  ];
  const frame = (p: ScriptProbe): string[] => {
    if (!/^[a-z0-9][a-z0-9.-]*$/.test(p.id) || p.id.startsWith('mp.')) throw new Error(`bad probe id ${p.id}`);
    const begin = `printf '%s B %s\n' ${boundary} ${p.id}; printf '%s B %s\n' ${boundary} ${p.id} >&2`;
    const end = `printf '\n%s E %s %s\n' ${boundary} ${p.id} "$_mp_rc"; printf '\n%s E %s\n' ${boundary} ${p.id} >&2`;
    // One process (a plain command), or a subshell: no timeout, no head, no command substitution for the exit code.
    if (p.bounded) return [begin, `${PLAIN.test(p.command) ? p.command : `( ${p.command} )`} </dev/null 4>&-; _mp_rc=$?`, end];
    const program = p.command.split(' ')[0] as string;
    const run = PLAIN.test(p.command)
      ? `if command -v ${program} >/dev/null 2>&1; then $_mp_to ${p.command}; else $_mp_to sh -c ${shq(p.command)}; fi`
      : `$_mp_to sh -c ${shq(p.command)}`;
    // At most cap+1 bytes leave the host per probe (one more than the cap marks it truncated).
    const capped = `_mp_rc=$( { { ${run} </dev/null 4>&- 5>&-; echo $? >&5; } | head -c ${cap + 1} >&4; } 5>&1 )`;
    return [begin, p.guard === undefined ? capped : `if ${p.guard}; then ${capped}; else _mp_rc=0; fi`, end];
  };
  const group = virshGroup(probes);
  for (const p of probes) {
    if (!group.includes(p as BatchedProbe)) lines.push(...frame(p));
    else if (p === group[0]) lines.push(...batchLines(group, boundary, cap, frame));
  }
  if (group.length > 0) lines.push(`printf '%s B %s\n\n%s E %s 0\n' ${boundary} ${END_FRAME} ${boundary} ${END_FRAME}; printf '%s B %s\n\n%s E %s\n' ${boundary} ${END_FRAME} ${boundary} ${END_FRAME} >&2`);
  lines.push('}', '');
  return lines.join('\n');
}

/** A chunk of one stream with the time it arrived: lets the client time each probe with no remote `date`. */
export interface Chunk {
  readonly data: Buffer;
  readonly at: number;
}

/**
 * Watches a growing stream (chunks are only appended) for the end line buildScript prints after
 * the probe `id` on that stream: with the script's last probe, the round is over and the shell
 * waits for more stdin. Each byte is looked at about once.
 */
export function probeEnded(chunks: readonly Chunk[], from: number, boundary: string, id: string, stream: 'stdout' | 'stderr'): () => boolean {
  const end = `\n${boundary} E ${id}${stream === 'stdout' ? ' ' : '\n'}`;
  let next = from;
  let tail = '';
  let seen = false;
  return () => {
    for (; !seen && next < chunks.length; next++) {
      const text = tail + (chunks[next] as Chunk).data.toString('latin1');
      let keep = Math.max(0, text.length - end.length);
      for (let at = text.indexOf(end); at >= 0 && !seen; at = text.indexOf(end, at + 1)) {
        // On stdout the line goes on with the exit code (at most 3 digits): whole once its newline is in.
        const rest = text.slice(at + end.length, at + end.length + 4);
        if (stream === 'stderr' || /^\d{0,3}\n/.test(rest)) seen = true;
        else if (/^\d{0,3}$/.test(rest)) keep = Math.min(keep, at);
      }
      tail = text.slice(keep);
    }
    return seen;
  };
}

export interface StreamCapture {
  readonly buffer: Buffer;
  /** Arrival time of the byte at a given offset. */
  timeAt(offset: number): number;
}

export function capture(chunks: readonly Chunk[]): StreamCapture {
  const starts: number[] = [];
  let n = 0;
  for (const c of chunks) {
    starts.push(n);
    n += c.data.length;
  }
  const buffer = Buffer.concat(chunks.map((c) => c.data));
  return {
    buffer,
    timeAt(offset) {
      let lo = 0;
      let hi = starts.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if ((starts[mid] ?? 0) <= offset) lo = mid;
        else hi = mid - 1;
      }
      return chunks[lo]?.at ?? 0;
    },
  };
}

interface Segment {
  readonly start: number;
  readonly end: number;
  readonly complete: boolean;
  readonly exitCode: number | null;
}

/**
 * How often each marker occurs in a stream, forged copies included, from one pass over it (a
 * search per probe and marker was probes x 8 passes over both streams). A marker is the boundary,
 * then ` K ID` and a space or a newline (K: B, E, b or e); it is counted by what precedes the
 * boundary ('\n', 'error: ' or neither) and that rest.
 */
class Markers {
  private readonly n = new Map<string, number>();
  constructor(buf: Buffer, boundary: string) {
    const len = Buffer.byteLength(boundary);
    for (let i = buf.indexOf(boundary); i >= 0; i = buf.indexOf(boundary, i + len)) {
      const from = i + len;
      if (buf[from] !== 0x20 || buf[from + 2] !== 0x20) continue;
      let end = from + 3;
      while (end < buf.length && buf[end] !== 0x20 && buf[end] !== 0x0a) end++;
      if (end >= buf.length) continue;
      const before = buf[i - 1] === 0x0a ? '\n' : i >= 7 && buf.toString('latin1', i - 7, i) === 'error: ' ? 'error: ' : '';
      const key = `${before}|${buf.toString('latin1', from, end + 1)}`;
      this.n.set(key, (this.n.get(key) ?? 0) + 1);
    }
  }
  /** Occurrences of `${before}${boundary}${rest}`; before '' matches whatever precedes. */
  count(rest: string, before: '' | '\n' | 'error: ' = ''): number {
    const at = (b: string): number => this.n.get(`${b}|${rest}`) ?? 0;
    return before === '' ? at('') + at('\n') + at('error: ') : at(before);
  }
}

/** A frame of the script: a probe's, or the virsh run's; an optional one (a probe's own run after the virsh run) may be absent. */
interface Frame {
  readonly id: string;
  readonly optional: boolean;
}

/** The frames buildScript prints, in order. */
function framesOf(probes: readonly ScriptProbe[]): Frame[] {
  const group = virshGroup(probes);
  if (group.length === 0) return probes.map((p) => ({ id: p.id, optional: false }));
  const out: Frame[] = [];
  for (const p of probes) {
    if (!group.includes(p as BatchedProbe)) out.push({ id: p.id, optional: false });
    else if (p === group[0]) out.push({ id: BATCH_FRAME, optional: false }, ...group.map((g) => ({ id: g.id, optional: true })));
  }
  return [...out, { id: END_FRAME, optional: false }];
}

/** Finds each frame's bytes in one stream, in script order. Stops at the first frame that did not finish. */
function segments(buf: Buffer, frames: readonly Frame[], boundary: string, withRc: boolean): Map<string, Segment> {
  const out = new Map<string, Segment>();
  let pos = 0;
  for (const [i, { id, optional }] of frames.entries()) {
    const begin = `${boundary} B ${id}\n`;
    const b = buf.indexOf(begin, pos);
    if (b < 0 && !optional) break;
    if (optional) {
      const next = frames.slice(i + 1).find((f) => !f.optional);
      const limit = next ? buf.indexOf(`${boundary} B ${next.id}\n`, pos) : -1;
      if (b < 0 || (limit >= 0 && b > limit)) continue;
    }
    const start = b + Buffer.byteLength(begin);
    const endMark = `\n${boundary} E ${id}${withRc ? ' ' : '\n'}`;
    const e = buf.indexOf(endMark, start);
    if (e < 0) {
      out.set(id, { start, end: buf.length, complete: false, exitCode: null });
      break;
    }
    let next = e + Buffer.byteLength(endMark);
    let exitCode: number | null = null;
    if (withRc) {
      const nl = buf.indexOf('\n', next);
      if (nl < 0) {
        // Cut inside the end line: "12" of "124" is no exit code, so the probe did not finish.
        out.set(id, { start, end: e, complete: false, exitCode: null });
        break;
      }
      const rcText = buf.subarray(next, nl).toString('latin1');
      exitCode = /^\d{1,3}$/.test(rcText) ? Number(rcText) : null;
      next = nl + 1;
    }
    out.set(id, { start, end: e, complete: true, exitCode });
    pos = next;
  }
  return out;
}

export interface SplitResult {
  readonly outputs: Record<string, ProbeOutput>;
  /** Probes that never started (the script was cut off before them). */
  readonly missing: string[];
  /** Probes whose output carried a copy of a boundary marker: their results are not trusted. */
  readonly forged: string[];
}

/**
 * Splits the framed stdout and stderr of one collection run into per-probe outputs. Pure.
 * A marker that appears more than once means some output forged it; those probes are kept
 * as evidence but given exit code null so no rule trusts them.
 */
export function splitOutput(
  probes: readonly ScriptProbe[],
  boundary: string,
  stdout: StreamCapture,
  stderr: StreamCapture,
  cap: number = DEFAULT_PROBE_OUTPUT_CAP,
): SplitResult {
  const frames = framesOf(probes);
  const so = segments(stdout.buffer, frames, boundary, true);
  const se = segments(stderr.buffer, frames, boundary, false);
  const group = virshGroup(probes);
  // Both streams: a copy of a marker on stderr would hand another probe's stderr (its failure reason) to the forger.
  const outMarks = new Markers(stdout.buffer, boundary);
  const errMarks = new Markers(stderr.buffer, boundary);
  const forgedFrame = (id: string): boolean =>
    outMarks.count(` B ${id}\n`) > 1 || outMarks.count(` E ${id} `, '\n') > 1 || errMarks.count(` B ${id}\n`) > 1 || errMarks.count(` E ${id}\n`, '\n') > 1;
  const runForged = group.length > 0 && forgedFrame(BATCH_FRAME);
  const forged = probes
    .filter((p) => {
      if (forgedFrame(p.id)) return true;
      if (!group.includes(p as BatchedProbe)) return false;
      const sub = subMarkers(p.id);
      return runForged || sub.out.some((m) => outMarks.count(m) > 1) || sub.err.some((m) => errMarks.count(m, 'error: ') > 1);
    })
    .map((p) => p.id);
  const output = (p: ScriptProbe, raw: Buffer, errRaw: Buffer, exitCode: number | null, at: { start: number; end: number }): ProbeOutput => {
    const bad = forged.includes(p.id);
    const o: ProbeOutput = {
      command: p.command,
      exitCode: bad ? null : exitCode,
      stdout: raw.subarray(0, cap).toString('utf8'),
      stderr: (bad ? 'boundary marker forged in output; result not trusted\n' : '') + errRaw.subarray(0, 64 * 1024).toString('utf8'),
      sha256: createHash('sha256').update(raw).digest('hex'),
      durationMs: Math.max(0, Math.round(stdout.timeAt(at.end) - stdout.timeAt(at.start > 0 ? at.start - 1 : 0))),
      receivedAt: Math.round(performance.timeOrigin + stdout.timeAt(at.end)),
    };
    return raw.length > cap ? { ...o, truncated: true } : o;
  };
  const outputs: Record<string, ProbeOutput> = {};
  const missing: string[] = [];
  const run = so.get(BATCH_FRAME);
  const runErr = se.get(BATCH_FRAME) ?? null;
  // What the run printed on stderr before any probe's part (at connecting): each probe's, as its own virsh would have printed it.
  const firstPart = runErr ? Math.min(runErr.end, ...group.map((g) => stderr.buffer.indexOf(`error: ${boundary} b ${g.id}\n`, runErr.start)).filter((x) => x >= 0)) : 0;
  const before = runErr ? stderr.buffer.subarray(runErr.start, firstPart) : Buffer.alloc(0);
  let waiting = false;
  for (const p of probes) {
    const s = so.get(p.id);
    if (s) {
      const e = se.get(p.id);
      outputs[p.id] = output(p, stdout.buffer.subarray(s.start, s.end), e ? stderr.buffer.subarray(e.start, e.end) : Buffer.alloc(0), s.complete ? s.exitCode : null, s);
      continue;
    }
    const work = (p as Partial<BatchedProbe>).virsh?.work;
    if (!run || !work || !group.includes(p as BatchedProbe)) {
      missing.push(p.id);
      continue;
    }
    const sub = subSegment(stdout.buffer, run, stderr.buffer, runErr, boundary, p.id);
    const rc = run.complete ? run.exitCode : null;
    if (sub.out) {
      const err = Buffer.concat([before, sub.err ? stderr.buffer.subarray(sub.err.start, sub.err.end) : Buffer.alloc(0)]);
      const ok = work.kind !== 'run' || !failedInRun(err.toString('utf8'));
      outputs[p.id] = output(p, stdout.buffer.subarray(sub.out.start, sub.out.end), err, sub.complete ? (ok ? 0 : 1) : rc === 0 ? null : rc, sub.out);
      // One probe of the run at a time: after one still running, none has begun.
      if (!sub.complete) waiting = true;
    } else if (rc !== null && rc > 1) {
      const how = rc === 124 || rc === 137 ? 'was killed at the probe timeout' : `ended with exit code ${rc}`;
      const note = Buffer.from(`not run: the host's one virsh run for its libvirt probes ${how} before this probe's commands\n`);
      outputs[p.id] = output(p, Buffer.alloc(0), Buffer.concat([before, note]), rc, { start: run.end, end: run.end });
    } else if (!run.complete && !waiting) {
      // The run was cut before this probe's part began (virsh still connecting): it was running, as far as anyone can tell.
      waiting = true;
      outputs[p.id] = output(p, Buffer.alloc(0), before, null, { start: run.start, end: run.end });
    } else missing.push(p.id);
  }
  return { outputs, missing, forged };
}
