/**
 * One virsh run for all of a host's libvirt probes (virsh runs `cmd; cmd; ...` given as one
 * argument, in one connection). Each probe's commands sit between `echo` markers, on stdout
 * (`echo`) and on stderr (`echo --err`, which virsh prints as "error: <text>"), so the client
 * cuts every probe's own stdout and stderr out of the run; virsh prints a newline after every
 * command, as it does after a single one, so a probe's stdout is byte for byte what its own virsh
 * printed. virsh reports no exit status per command: a command failed when virsh reported an
 * error for it (its "error: " lines), which is when a virsh of its own would have exited 1.
 *
 * The probes that dump each object of a list (domains, networks, pools) and the snapshot lists
 * need the lists first: one more virsh, captured by the shell, lists them all; only when it ran
 * clean (exit 0, nothing on stderr) and every name is a plain word do the dumps join the run.
 * Otherwise, and whenever the run could not start (no `echo --err` in an old virsh, no
 * connection: exit 1 with nothing run), each probe runs its own command as before. The lists get
 * one probe timeout (a hung libvirtd costs that once); the run gets the timeouts of the probes in
 * it added up. A run killed at its timeout is not retried: the probes it did not finish end with
 * its exit code.
 *
 * Two virsh, not one: the dumps need the lists' names, and virsh reads commands in two ways only,
 * one argument (fixed before it starts) or its interactive shell on stdin, which could be fed the
 * dumps after the lists. That shell is not read-only: it writes its history
 * (~/.cache/libvirt/virsh/history, through history-PID.tmp and a rename, libvirt 9; strace) on
 * quit, whatever stdin is, and the operator would find our commands in their virsh history.
 */
import { shq } from './shell.js';

/** A probe's share of the run: one virsh command; a list and a dump of each listed name; or the snapshot counts. */
export type VirshWork =
  | { readonly kind: 'run'; readonly args: readonly string[] }
  | { readonly kind: 'each'; readonly list: readonly string[]; readonly each: readonly string[] }
  | { readonly kind: 'snapshots' };

export interface VirshPart {
  readonly uri: string;
  readonly work: VirshWork;
}

/** What the batch needs of a probe (a ScriptProbe with a virsh part). */
export interface BatchedProbe {
  readonly id: string;
  readonly command: string;
  readonly virsh: VirshPart;
}

/** The frame the run prints in (its own begin and end lines, like a probe's), and the one that always ends a script with a run. */
export const BATCH_FRAME = 'mp.virsh';
export const END_FRAME = 'mp.end';

const WORD = /^(?:[A-Za-z0-9][A-Za-z0-9._=-]*|--?[a-z][a-z0-9-]*)$/;

function words(ws: readonly string[]): string {
  for (const w of ws) if (!WORD.test(w)) throw new Error(`bad virsh word ${JSON.stringify(w)}`);
  return ws.join(' ');
}

/** Strips a listed name's leading and trailing blanks, as the probes' `read -r n` does (virsh pads pool-list's names). */
const TRIM = `_mp_n=\${_mp_n#"\${_mp_n%%[! \t]*}"}; _mp_n=\${_mp_n%"\${_mp_n##*[! \t]}"};`;

/** virsh commands around one probe's part of the run. */
const around = (b: string, id: string, body: string): string => `echo --err ${b} b ${id}; echo ${b} b ${id};${body} echo ${b} e ${id}; echo --err ${b} e ${id};`;

/**
 * The virsh commands that list each domain's snapshots, from the domains' UUIDs ($all: checked,
 * hex and '-' only) and those `list --with-snapshot` gives ($with): `echo snapshots UUID 0` for a
 * domain it leaves out, `echo snapshots UUID` and its `snapshot-list --name` for the others
 * (parseSnapshotCounts counts them), added to the variable `out`. One virsh runs them all.
 */
export const snapshotCommands = (all: string, withSnapshots: string, out: string): string =>
  `for _mp_n in ${all}; do case " ${withSnapshots} " in *" $_mp_n "*) ${out}="$${out} echo snapshots $_mp_n; snapshot-list --name -- $_mp_n;";; ` +
  `*) ${out}="$${out} echo snapshots $_mp_n 0;";; esac; done`;

/**
 * The script lines of the run. `frame(probe)` gives a probe's ordinary frame (its own command);
 * `cap` the stdout cap of one probe.
 */
export function batchLines(group: readonly BatchedProbe[], b: string, cap: number, frame: (p: BatchedProbe) => string[]): string[] {
  const first = group[0];
  if (!first) return [];
  const u = shq(first.virsh.uri);
  const lists: string[] = [];
  const parse: string[] = [];
  const batch: string[] = [];
  const after: string[] = [];
  group.forEach((p, i) => {
    const w = p.virsh.work;
    const x = `_mp_x${i}`;
    if (w.kind === 'run') {
      batch.push(`_mp_vc="$_mp_vc ${around(b, p.id, ` ${words(w.args)};`)}"`);
      after.push(`if [ "$_mp_vr" = 1 ]; then`, ...frame(p), 'fi');
      return;
    }
    parse.push(`${x}=0; _mp_s=\${_mp_p%%'${b} l'*}; _mp_p=\${_mp_p#*'${b} l'}`);
    if (w.kind === 'each') {
      lists.push(words(w.list));
      const each = words(w.each);
      // The names' own check, as the probe's command makes it: a plain word, not an option.
      parse.push(`for _mp_n in $_mp_s; do ${TRIM} case $_mp_n in '') ;; -*|*[!A-Za-z0-9._-]*) ${x}=1;; *) _mp_d${i}="$_mp_d${i} ${each} -- $_mp_n;";; esac; done`);
      batch.push(`[ "$${x}" = 1 ] || _mp_vc="$_mp_vc ${around(b, p.id, `$_mp_d${i}`)}"`);
      after.push(`if [ "$_mp_vt" = 0 ] && { [ "$_mp_vr" = 1 ] || [ "$${x}" = 1 ]; }; then`, ...frame(p), 'fi');
    } else {
      lists.push('list --all --uuid', 'list --all --uuid --with-snapshot');
      parse.push(
        `for _mp_n in $_mp_s; do ${TRIM} case $_mp_n in '') ;; *[!0-9a-fA-F-]*) ${x}=1;; *) _mp_sa="$_mp_sa $_mp_n";; esac; done`,
        `_mp_s=\${_mp_p%%'${b} l'*}; _mp_p=\${_mp_p#*'${b} l'}`,
        `for _mp_n in $_mp_s; do ${TRIM} case $_mp_n in '') ;; *[!0-9a-fA-F-]*) ${x}=1;; *) _mp_sw="$_mp_sw $_mp_n";; esac; done`,
      );
      // Listed in the run when the lists were clean, else the probe's own command.
      batch.push(`[ "$${x}" = 1 ] || { ${snapshotCommands('$_mp_sa', '$_mp_sw', `_mp_d${i}`)}; _mp_vc="$_mp_vc ${around(b, p.id, `$_mp_d${i}`)}"; }`);
      after.push(`if [ "$_mp_vt" = 0 ] && { [ "$_mp_vr" = 1 ] || [ "$${x}" = 1 ]; }; then`, ...frame(p), 'fi');
    }
  });
  const nl = '\n';
  const lines = [
    `printf '%s B %s\\n' ${b} ${BATCH_FRAME}; printf '%s B %s\\n' ${b} ${BATCH_FRAME} >&2`,
    // vr: the run's exit code (1: it could not run, every probe runs on its own); vt: it timed out.
    `_mp_vr=1; _mp_vt=0; _mp_vc=; _mp_sa=; _mp_sw=; ${group.map((_, i) => `_mp_x${i}=1; _mp_d${i}=`).join('; ')}`,
    'if command -v virsh >/dev/null 2>&1; then',
    '_mp_vr=0',
  ];
  if (lists.length > 0) {
    lines.push(
      // The lists, stdout and stderr kept apart: stderr (fd 3) comes first, then a marker, stdout and the exit code.
      `_mp_p=$( { _mp_q=$($_mp_to virsh -c ${u} ${shq(lists.map((l) => `${l}; echo ${b} l;`).join(' '))} 2>&3 3>&- </dev/null 4>&-; echo "${b} r $?"); printf '%s' "${b} o$_mp_q"; } 3>&1 )`,
      'case $_mp_p in',
      `*'${b} r 124'|*'${b} r 137') _mp_vr=\${_mp_p##*'${b} r '}; _mp_vt=1;;`,
      `'${b} o'*'${b} r 0') _mp_p=\${_mp_p#'${b} o'}; IFS='${nl}'; set -f`,
      ...parse,
      'set +f; unset IFS;;',
      'esac',
    );
  }
  lines.push(
    ...batch,
    `if [ "$_mp_vt" = 0 ] && [ -n "$_mp_vc" ]; then`,
    // The run does the work of every probe in it: each probe's timeout, added up (a hung libvirtd already timed out the lists above).
    `case $_mp_to in '') _mp_tb=;; *) _mp_tb="timeout -k 2 $(( \${_mp_to##* } * ${group.length} ))";; esac`,
    `_mp_vr=$( { { $_mp_tb virsh -c ${u} "$_mp_vc" </dev/null 4>&- 5>&-; echo $? >&5; } | head -c ${cap * group.length + 1} >&4; } 5>&1 )`,
    `case $_mp_vr in 124|137) _mp_vt=1;; esac`,
    'fi',
    'fi',
    `printf '\\n%s E %s %s\\n' ${b} ${BATCH_FRAME} "$_mp_vr"; printf '\\n%s E %s\\n' ${b} ${BATCH_FRAME} >&2`,
    ...after,
  );
  return lines;
}

/** One probe's part of a run's output, as offsets into the run's streams. */
export interface SubSegment {
  readonly out: { readonly start: number; readonly end: number } | null;
  readonly err: { readonly start: number; readonly end: number } | null;
  /** Its commands' output was seen to its end on stdout. */
  readonly complete: boolean;
}

/** Finds a probe's markers in the run's stdout and stderr (within [from, to) of each). */
export function subSegment(stdout: Buffer, out: { start: number; end: number }, stderr: Buffer, err: { start: number; end: number } | null, b: string, id: string): SubSegment {
  const find = (buf: Buffer, range: { start: number; end: number }, begin: string, end: string): { start: number; end: number; complete: boolean } | null => {
    const s = buf.indexOf(begin, range.start);
    if (s < 0 || s >= range.end) return null;
    const start = s + Buffer.byteLength(begin);
    const e = buf.indexOf(end, start);
    return e < 0 || e + Buffer.byteLength(end) > range.end ? { start, end: range.end, complete: false } : { start, end: e, complete: true };
  };
  const o = find(stdout, out, `${b} b ${id}\n`, `${b} e ${id}\n`);
  const e = err ? find(stderr, err, `error: ${b} b ${id}\n`, `error: ${b} e ${id}\n`) : null;
  return { out: o, err: e, complete: o?.complete === true };
}

/**
 * What follows the boundary in a probe's markers in the run (subSegment's), whose repetition means
 * an output forged the probe's place: on stdout, and on stderr after "error: ".
 */
export const subMarkers = (id: string): { out: string[]; err: string[] } => ({ out: [` b ${id}\n`, ` e ${id}\n`], err: [` b ${id}\n`, ` e ${id}\n`] });

/** Whether a probe's stderr from the run says its command failed: virsh reported an error for it. */
export const failedInRun = (stderr: string): boolean => /^error: /m.test(stderr);
