import type { DirStat } from '../../model/system.js';
import { defineOperator, type HostOpResult } from './define.js';

/** A directory that only its owner (and group) can enter: others must neither read nor write it. */
function privateDir(v: unknown): HostOpResult {
  const d = v as DirStat | null;
  if (!d || !d.exists || d.mode === null) return { ok: false, detail: '', undecided: `${d?.path ?? 'the save directory'} does not exist or cannot be read, so its permissions are unknown` };
  const bad: string[] = [];
  if (d.mode & 0o004) bad.push('readable by others');
  if (d.mode & 0o002) bad.push('writable by others');
  if (bad.length === 0) return { ok: true, detail: '' };
  return { ok: false, detail: `${d.path} is ${bad.join(' and ')} (mode ${d.mode.toString(8).padStart(4, '0')}, ${d.owner ?? '?'}:${d.group ?? '?'})` };
}

export const privateDirOp = defineOperator({
  name: 'private-dir',
  kind: 'host',
  summary: 'others can neither read nor write the directory',
  params: {},
  evaluate: (v) => privateDir(v),
});
