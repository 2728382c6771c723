/** Shared by the `xl list -l` / `xm list -l` readers: the probe name, disk sources, memory units. */
import type { XenDiskConfig } from '../../../model/xen.js';

export const LONG = 'xl-list-long';

/** xm's blktap drivers that name an image format ("tap:aio:/img", "tap:tapdisk:qcow2:/img", "tap2:..."). */
const TAP_FORMATS: ReadonlyMap<string, string | null> = new Map([
  ['aio', 'raw'],
  ['sync', 'raw'],
  ['ram', 'raw'],
  ['qcow', 'qcow'],
  ['qcow2', 'qcow2'],
  ['vhd', 'vhd'],
  ['qed', 'qed'],
]);

/** A path-only disk's kind: under /dev/ a block device, otherwise absolute an image file. */
const kindOfPath = (path: string | null): XenDiskConfig['kind'] =>
  path === null ? 'other' : path.startsWith('/dev/') ? 'phy' : path.startsWith('/') ? 'file' : 'other';

/**
 * Splits a disk source as xm writes it ("phy:/dev/sdb7", "file:/img", "tap:aio:/img",
 * "tap:tapdisk:qcow2:/img", "drbd:res"); a source without a prefix is kept whole and classified
 * by its path. With onlyFileLike (xl's pdev_path, which xl stores without the legacy prefix),
 * only "file:", "phy:" and "tap:"/"tap2:" are split off, so "rbd:pool/img" stays whole.
 */
export function splitUname(uname: string | null, onlyFileLike = false): Pick<XenDiskConfig, 'path' | 'kind' | 'format'> {
  if (uname === null || uname === '') return { path: null, kind: 'other', format: null };
  const colon = uname.indexOf(':');
  const prefix = colon > 0 ? uname.slice(0, colon) : '';
  const fileLike = prefix === 'file' || prefix === 'phy' || prefix === 'tap' || prefix === 'tap2';
  if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(prefix) || (onlyFileLike && !fileLike)) return { path: uname, kind: kindOfPath(uname), format: null };
  let rest = uname.slice(colon + 1);
  let format: string | null = null;
  if (prefix === 'tap' || prefix === 'tap2') {
    if (rest.startsWith('tapdisk:')) rest = rest.slice('tapdisk:'.length);
    const c = rest.indexOf(':');
    const driver = c > 0 ? rest.slice(0, c) : '';
    const known = TAP_FORMATS.get(driver);
    if (known === undefined) return { path: rest === '' ? null : rest, kind: 'other', format: null };
    format = known;
    rest = rest.slice(c + 1);
  } else if (prefix !== 'file' && prefix !== 'phy') {
    return { path: rest === '' ? null : rest, kind: 'other', format: null };
  }
  const path = rest === '' ? null : rest;
  const kind = prefix === 'phy' ? 'phy' : path !== null && path.startsWith('/dev/') ? 'phy' : 'file';
  return { path, kind, format };
}

/** KiB to MiB, rounded down as xl list's Mem column is; null for a missing, negative (libxl's "default") or inexact count. */
export const kibToMib = (kib: number | null): number | null => (kib === null ? null : Math.floor(kib / 1024));
