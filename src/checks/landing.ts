/**
 * Where the block, cold and save modes land disks on the destination: what the landing probe
 * looks at, and how many bytes a copy writes.
 */
import type { HostFacts, MigrationDisk } from '../types.js';
import { movingDisks } from './migration.js';

export const dirname = (p: string): string => p.replace(/\/[^/]*$/, '') || '/';
export const trimSlash = (p: string): string => p.replace(/(.)\/+$/, '$1');

/**
 * What the destination's landing probe looks at (block, cold and save modes): the directories of
 * the moving file disks not on shared-pool or network storage, and every such disk's path.
 */
export function landingQuery(src: HostFacts, requested: readonly string[]): { dirs: string[]; files: string[] } {
  const disks = movingDisks(src, requested).filter((d) => d.source !== null && (d.storage === 'local' || d.storage === 'block' || d.storage === 'shared-fs'));
  return { dirs: [...new Set(disks.filter((d) => d.type === 'file').map((d) => dirname(d.source as string)))], files: [...new Set(disks.map((d) => d.source as string))] };
}

/**
 * What a copy writes on the destination: the virtual size for raw images (they are created at
 * full size), the allocation for the others (qcow2 grows as the copy writes).
 */
export function landingBytes(d: MigrationDisk): number | null {
  return (d.format ?? 'raw') === 'raw' ? (d.capacityBytes ?? d.bytes) : d.bytes;
}
