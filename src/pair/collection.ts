import { CollectError } from '../errors.js';
import { buildScript, capture, frameOf, lastFrame, newBoundary, probeEnded, splitOutput, type ScriptProbe } from '../checks/collect.js';
import { PROBES, type ProbeContext, type ProbeId } from '../checks/probes/index.js';
import { VIRSH_PARTS } from '../checks/probes/table/libvirt.js';
import type { RunningCommand, SshSession } from '../ssh/connect.js';
import type { ResolvedTarget } from '../ssh/target.js';
import type { HostReport, ProbeOutput } from '../types.js';
import { DEFAULTS } from './options.js';
import type { SessionOptions } from './sessions.js';

/** One exec's outputs. @internal (fleet) */
export interface Round {
  readonly outputs: Record<string, ProbeOutput>;
  readonly missing: string[];
  readonly error: HostReport['error'];
}

/**
 * One host's collection. Every round of probes goes down the stdin of the same `/bin/sh -s`
 * exec: the shell runs a round, then waits for the next one, which can depend on what the
 * first printed. One exec per host however many rounds: a second exec cost a channel and a new
 * session on the host (~40 ms on the lab) on the critical path. @internal (fleet)
 */
export interface Collection {
  /** Runs a round; resolves once its last probe has ended (or the command did), split for planning the next round. */
  /** `extra`: probes of the caller's own (fleet), after the built-in ones. */
  round(ids: readonly ProbeId[], ctx: ProbeContext, extra?: readonly ScriptProbe[]): Promise<Round>;
  /**
   * Some probes' outputs, each from the round that ran it, once it has ended on both streams (so a
   * peer's second round can be planned before this host's round is over); those in no round, or not
   * ended when the command did, are left out.
   */
  outputsOf(ids: readonly string[]): Promise<Record<string, ProbeOutput>>;
  /** No more rounds: ends stdin, waits for the shell to exit and splits every round from the complete streams. */
  finish(): Promise<Round[]>;
}

/** A built-in probe as the script runs it: its command, its share of the virsh run, how it is wrapped. @internal (bench) */
export function scriptProbe(id: ProbeId, ctx: ProbeContext): ScriptProbe {
  const p = PROBES[id];
  return { id, command: p.command(ctx), ...(VIRSH_PARTS[id] ? { virsh: VIRSH_PARTS[id](ctx) } : {}), ...(p.bounded ? { bounded: true } : {}), ...(p.guard ? { guard: p.guard } : {}) };
}

export function collection(session: SshSession, t: ResolvedTarget, o: SessionOptions): Collection {
  const timeoutMs = o.timeoutMs ?? DEFAULTS.timeoutMs;
  const probeTimeoutMs = Math.min(o.probeTimeoutMs ?? DEFAULTS.probeTimeoutMs, timeoutMs);
  // done: a complete round's split, made once. seen: the outputs handed out so far, by probe: a later split (the peer
  // read some early; the round's end; finish) gives the same object for the same output, so it is parsed once (facts.ts).
  const rounds: { probes: ScriptProbe[]; boundary: string; from: { out: number; err: number }; complete: boolean; done?: Round; seen: Map<string, ProbeOutput> }[] = [];
  let run: RunningCommand | null = null;
  // A round's bytes: from where it started to where the next one did (each has its own boundary too).
  const split = (i: number, cmd: RunningCommand, interrupted: 'timeout' | 'dropped' | null, exitCode: number | null): Round => {
    const r = rounds[i] as (typeof rounds)[number];
    const to = rounds[i + 1]?.from ?? { out: cmd.stdout.length, err: cmd.stderr.length };
    const stdout = cmd.stdout.slice(r.from.out, to.out);
    const stderrChunks = cmd.stderr.slice(r.from.err, to.err);
    const out = splitOutput(r.probes, r.boundary, capture(stdout), capture(stderrChunks));
    for (const [id, got] of Object.entries(out.outputs)) {
      const had = r.seen.get(id);
      if (had && had.stdout === got.stdout && had.stderr === got.stderr && had.exitCode === got.exitCode && had.truncated === got.truncated) out.outputs[id] = had;
      else r.seen.set(id, got);
    }
    let error: HostReport['error'] = null;
    if (!r.complete && interrupted === 'timeout') error = { code: 'MP_COLLECT_TIMEOUT', message: `collection timed out after ${timeoutMs} ms; ${out.missing.length} probes did not run` };
    else if (!r.complete && interrupted === 'dropped') error = { code: 'MP_COLLECT_DROPPED', message: `connection dropped during collection; ${out.missing.length} probes did not run` };
    else if (Object.keys(out.outputs).length === 0) {
      const stderr = Buffer.concat(stderrChunks.map((c) => c.data)).toString('utf8').trim();
      const e = new CollectError(
        /sudo:.*password/i.test(stderr)
          ? `${t.target}: sudo -n needs a password here; grant NOPASSWD for the probe commands or run as root (needs root)`
          : `${t.target}: the probe script did not run (exit ${exitCode ?? 'none'}): ${stderr.slice(0, 200) || 'no output'}`,
      );
      error = { code: e.code, message: e.message };
    }
    return { outputs: out.outputs, missing: out.missing, error };
  };
  return {
    async round(ids, ctx, extra = []) {
      // The libvirt probes share one virsh run on the host (checks/virsh-batch.ts).
      const probes: ScriptProbe[] = [...ids.map((id) => scriptProbe(id, ctx)), ...extra];
      const boundary = newBoundary();
      const script = buildScript(probes, boundary, Math.max(1, Math.floor(probeTimeoutMs / 1000)));
      const cmd = (run ??= session.run(o.sudo ? 'sudo -n /bin/sh -s' : '/bin/sh -s'));
      const r: (typeof rounds)[number] = { probes, boundary, from: { out: cmd.stdout.length, err: cmd.stderr.length }, complete: false, seen: new Map() };
      rounds.push(r);
      const last = lastFrame(probes);
      const outDone = probeEnded(cmd.stdout, r.from.out, boundary, last, 'stdout');
      const errDone = probeEnded(cmd.stderr, r.from.err, boundary, last, 'stderr');
      cmd.write(script, timeoutMs);
      await cmd.until(() => outDone() && errDone());
      r.complete = outDone() && errDone();
      if (r.complete) {
        cmd.pause();
        r.done = split(rounds.length - 1, cmd, null, null);
        return r.done;
      }
      const res = await cmd.result;
      return split(rounds.length - 1, cmd, res.interrupted, res.exitCode);
    },
    async outputsOf(ids) {
      const cmd = run;
      if (!cmd) return {};
      // Each from the round that ran it (a later round may have started since).
      const parts = await Promise.all(
        rounds.map(async (r, i) => {
          const wanted = ids.filter((id) => r.probes.some((p) => p.id === id));
          if (wanted.length === 0) return {};
          const ended = [...new Set(wanted.map((id) => frameOf(r.probes, id)))].flatMap((f) => [probeEnded(cmd.stdout, r.from.out, r.boundary, f, 'stdout'), probeEnded(cmd.stderr, r.from.err, r.boundary, f, 'stderr')]);
          await cmd.until(() => ended.every((e) => e()));
          const { outputs } = split(i, cmd, null, null);
          return Object.fromEntries(wanted.flatMap((id) => (outputs[id] ? [[id, outputs[id]]] : [])));
        }),
      );
      return Object.assign({}, ...parts) as Record<string, ProbeOutput>;
    },
    async finish() {
      if (!run) return [];
      const cmd = run;
      cmd.end(timeoutMs);
      const res = await cmd.result;
      return rounds.map((r, i) => r.done ?? split(i, cmd, res.interrupted, res.exitCode));
    },
  };
}
