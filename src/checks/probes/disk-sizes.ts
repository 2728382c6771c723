import type { DiskSize } from '../../types.js';
import { ParseError } from './parse-error.js';

const PROBE = 'disk-sizes';
const num = (s: string | undefined): number | null => (s !== undefined && /^\d{1,20}$/.test(s) ? Number(s) : null);

/**
 * Parses the disk-sizes probe: for file disks `stat -L -c 'file %s %b %B %n'` lines (size,
 * blocks, block size, path: allocation = blocks x block size); for the others a
 * `blk UUID TARGET` line followed by `virsh domblkinfo` output (Capacity/Allocation/Physical).
 * Lines it does not know (a stat error went to stderr) are ignored: that disk stays unknown.
 * @throws ParseError on a `file` or `blk` line that is not in that format.
 */
export function parseDiskSizes(text: string): DiskSize[] {
  const out: DiskSize[] = [];
  let blk: { uuid: string; target: string; capacity: number | null; allocation: number | null } | null = null;
  const flush = (): void => {
    if (blk) out.push({ kind: 'blk', path: null, uuid: blk.uuid.toLowerCase(), target: blk.target, capacityBytes: blk.capacity, allocationBytes: blk.allocation });
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
      blk = { uuid: m[1] as string, target: m[2] as string, capacity: null, allocation: null };
    } else if (blk) {
      const f = /^(Capacity|Allocation):\s+(\d+)\s*$/.exec(line);
      if (f?.[1] === 'Capacity') blk.capacity = num(f[2]);
      else if (f?.[1] === 'Allocation') blk.allocation = num(f[2]);
    }
  }
  flush();
  return out;
}
