import { createHash, randomBytes } from 'node:crypto';
import type { ProbeOutput } from '../types.js';
import { shq } from './shell.js';

/** A probe as the collection script sees it: an id and a ready-quoted command. */
export interface ScriptProbe {
  readonly id: string;
  readonly command: string;
}

/** Per-probe cap on stdout kept as evidence; the rest is dropped and the output marked truncated. */
export const DEFAULT_PROBE_OUTPUT_CAP = 4 * 1024 * 1024;

export function newBoundary(): string {
  return `MPB${randomBytes(16).toString('hex')}`;
}

/**
 * Builds the one script that runs every probe on a host in one exec. Read-only by construction:
 * it only prints markers and runs the probes' commands; stdin of each probe is /dev/null so no
 * probe can read the rest of the script, and the whole body is one compound command, parsed
 * before anything runs. Markers go to both stdout and stderr so each stream can be split. Each
 * probe's stdout is capped on the host, so a runaway or hostile command cannot flood the link or
 * this process's memory.
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
  for (const p of probes) {
    if (!/^[a-z0-9][a-z0-9.-]*$/.test(p.id)) throw new Error(`bad probe id ${p.id}`);
    lines.push(
      `printf '%s B %s\\n' ${boundary} ${p.id}; printf '%s B %s\\n' ${boundary} ${p.id} >&2`,
      // At most cap+1 bytes leave the host per probe (one more than the cap marks it truncated).
      `_mp_rc=$( { { $_mp_to sh -c ${shq(p.command)} </dev/null 4>&- 5>&-; echo $? >&5; } | head -c ${cap + 1} >&4; } 5>&1 )`,
      `printf '\\n%s E %s %s\\n' ${boundary} ${p.id} "$_mp_rc"; printf '\\n%s E %s\\n' ${boundary} ${p.id} >&2`,
    );
  }
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

function count(buf: Buffer, needle: string): number {
  let n = 0;
  let i = buf.indexOf(needle);
  while (i >= 0) {
    n++;
    i = buf.indexOf(needle, i + needle.length);
  }
  return n;
}

/** Finds each probe's bytes in one stream, in script order. Stops at the first probe that did not finish. */
function segments(buf: Buffer, ids: readonly string[], boundary: string, withRc: boolean): Map<string, Segment> {
  const out = new Map<string, Segment>();
  let pos = 0;
  for (const id of ids) {
    const begin = `${boundary} B ${id}\n`;
    const b = buf.indexOf(begin, pos);
    if (b < 0) break;
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
  const ids = probes.map((p) => p.id);
  const so = segments(stdout.buffer, ids, boundary, true);
  const se = segments(stderr.buffer, ids, boundary, false);
  // Both streams: a copy of a marker on stderr would hand another probe's stderr (its failure reason) to the forger.
  const forged = ids.filter(
    (id) =>
      count(stdout.buffer, `${boundary} B ${id}\n`) > 1 ||
      count(stdout.buffer, `\n${boundary} E ${id} `) > 1 ||
      count(stderr.buffer, `${boundary} B ${id}\n`) > 1 ||
      count(stderr.buffer, `\n${boundary} E ${id}\n`) > 1,
  );
  const outputs: Record<string, ProbeOutput> = {};
  const missing: string[] = [];
  for (const p of probes) {
    const s = so.get(p.id);
    if (!s) {
      missing.push(p.id);
      continue;
    }
    const raw = stdout.buffer.subarray(s.start, s.end);
    const e = se.get(p.id);
    const errRaw = e ? stderr.buffer.subarray(e.start, e.end) : Buffer.alloc(0);
    const truncated = raw.length > cap;
    const o: ProbeOutput = {
      command: p.command,
      exitCode: forged.includes(p.id) || !s.complete ? null : s.exitCode,
      stdout: raw.subarray(0, cap).toString('utf8'),
      stderr: (forged.includes(p.id) ? 'boundary marker forged in output; result not trusted\n' : '') + errRaw.subarray(0, 64 * 1024).toString('utf8'),
      sha256: createHash('sha256').update(raw).digest('hex'),
      durationMs: Math.max(0, Math.round(stdout.timeAt(s.end) - stdout.timeAt(s.start > 0 ? s.start - 1 : 0))),
      receivedAt: Math.round(performance.timeOrigin + stdout.timeAt(s.end)),
    };
    outputs[p.id] = truncated ? { ...o, truncated } : o;
  }
  return { outputs, missing, forged };
}
