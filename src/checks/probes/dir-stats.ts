import type { DirStat, DirStats, ExistingPath } from '../../model/system.js';
import { ParseError } from './parse-error.js';
import { shq } from '../shell.js';
import { num } from './disk-sizes.js';

/** Paths the shell-quoted commands and the line-based output can carry (no newline in them). */
export const statable = (path: string): boolean => path.startsWith('/') && !/[\n\r]/.test(path);

/**
 * Shell lines that describe directories (mode, owner, free space, mount point) and tell which
 * paths exist; read-only (stat only). Output: `dir PATH`, then `stat MODE OWNER GROUP TYPE`,
 * `free BLOCKS BLOCKSIZE`, `mnt MOUNTPOINT` when readable; `file SIZE PATH` per existing path.
 */
export function dirStatCommand(dirs: readonly string[], files: readonly string[] = []): string {
  return [
    ...dirs.filter(statable).map((d) => {
      const q = shq(d);
      return `printf 'dir %s\\n' ${q}; stat -L -c 'stat %a %U %G %F' -- ${q} && stat -f -L -c 'free %a %S' -- ${q} && stat -L -c 'mnt %m' -- ${q}`;
    }),
    ...files.filter(statable).map((f) => `[ -e ${shq(f)} ] && stat -L -c 'file %s %n' -- ${shq(f)}`),
    'exit 0',
  ].join('\n');
}

/**
 * Parses dirStatCommand's output. A directory whose stat failed (the reason went to stderr) comes
 * back with exists=false; a path not printed as `file` does not exist.
 * @throws ParseError on a line in none of the formats, or a field line before any `dir` line.
 */
export function parseDirStats(text: string, probe = 'dir-stats'): DirStats {
  const dirs: DirStat[] = [];
  const files: ExistingPath[] = [];
  let cur: { -readonly [K in keyof DirStat]: DirStat[K] } | null = null;
  const bad = (line: string): ParseError => new ParseError(probe, `unexpected line: ${JSON.stringify(line.slice(0, 80))}`);
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const sp = line.indexOf(' ');
    const tag = sp < 0 ? line : line.slice(0, sp);
    const rest = sp < 0 ? '' : line.slice(sp + 1);
    if (tag === 'dir') {
      cur = { path: rest, exists: false, fileType: null, mode: null, owner: null, group: null, availableBytes: null, mountpoint: null };
      dirs.push(cur);
      continue;
    }
    if (tag === 'file') {
      const m = /^(\d+) (\/[^]*)$/.exec(rest);
      if (!m) throw bad(line);
      files.push({ path: m[2] as string, sizeBytes: num(m[1]) });
      continue;
    }
    if (cur === null) throw bad(line);
    if (tag === 'stat') {
      const m = /^([0-7]{1,4}) (\S+) (\S+) (\S[^]*)$/.exec(rest);
      if (!m) throw bad(line);
      Object.assign(cur, { exists: true, mode: parseInt(m[1] as string, 8), owner: m[2], group: m[3], fileType: m[4] });
    } else if (tag === 'free') {
      const m = /^(\d+) (\d+)$/.exec(rest);
      if (!m) throw bad(line);
      const blocks = num(m[1]);
      const size = num(m[2]);
      cur.availableBytes = blocks !== null && size !== null ? blocks * size : null;
    } else if (tag === 'mnt' && rest.startsWith('/')) cur.mountpoint = rest;
    else throw bad(line);
  }
  return { dirs, files };
}
