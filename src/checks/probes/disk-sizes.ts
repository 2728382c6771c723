import type { DiskSize } from '../../types.js';
import { ParseError } from './parse-error.js';
import { parseDomblkinfo } from './virsh.js';

const PROBE = 'disk-sizes';
/** A decimal count as stat prints it (%s, %b, %B, %a, %S); null when the field is not one. */
export const num = (s: string | undefined): number | null => (s !== undefined && /^\d{1,20}$/.test(s) ? Number(s) : null);

/**
 * Parses the disk-sizes probe: for file disks `stat -L -c 'file %s %b %B %n'` lines (size,
 * blocks, block size, path: allocation = blocks x block size); for the others a
 * `blk UUID TARGET` line followed by `virsh domblkinfo` output (parseDomblkinfo). A disk whose
 * command printed nothing (stat or virsh failed; the reason went to stderr) stays unknown.
 * @throws ParseError on a `file` or `blk` line that is not in that format, or domblkinfo output
 *   that parseDomblkinfo refuses.
 */
export function parseDiskSizes(text: string): DiskSize[] {
  const out: DiskSize[] = [];
  let blk: { uuid: string; target: string; lines: string[] } | null = null;
  const flush = (): void => {
    if (!blk) return;
    const info = blk.lines.some((l) => l.trim() !== '') ? parseDomblkinfo(blk.lines.join('\n')) : null;
    out.push({ kind: 'blk', path: null, uuid: blk.uuid.toLowerCase(), target: blk.target, capacityBytes: info?.capacityBytes ?? null, allocationBytes: info?.allocationBytes ?? null });
    blk = null;
  };
  for (const line of text.split('\n')) {
    if (line.startsWith('file ')) {
      flush();
      const m = /^file (\d+) (\d+) (\d+) (.+)$/.exec(line);
      if (!m) throw new ParseError(PROBE, `not a stat line: ${JSON.stringify(line.slice(0, 80))}`);
      const blocks = num(m[2]);
      const bsize = num(m[3]);
      out.push({ kind: 'file', path: m[4] as string, uuid: null, target: null, capacityBytes: num(m[1]), allocationBytes: blocks !== null && bsize !== null ? blocks * bsize : null });
    } else if (line.startsWith('blk ')) {
      flush();
      const m = /^blk (\S+) (\S+)$/.exec(line);
      if (!m) throw new ParseError(PROBE, `not a blk line: ${JSON.stringify(line.slice(0, 80))}`);
      blk = { uuid: m[1] as string, target: m[2] as string, lines: [] };
    } else if (blk) blk.lines.push(line);
  }
  flush();
  return out;
}
