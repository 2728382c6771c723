import type { MigrationFacts } from '../../types.js';
import type { DirStat } from '../../model/system.js';
import { DEFINITION_SOURCE } from '../moving.js';
import { human } from '../units.js';
import { defineOperator, type OpResult } from './define.js';

type SaveImage = MigrationFacts['saveImage'];
type StorageFacts = { saveDir?: DirStat | null; mounts?: readonly { mountpoint: string; export: string | null }[] };

/**
 * src: migration.saveImage; dst: storage. The save images (about the guests' memory) must fit in
 * --save-dir on the source, and on the destination too unless that directory is the same network
 * filesystem there (virsh restore reads the image on the destination). With a guest's memory
 * unknown (its definition was not collected) the size is unknown: only a missing directory fails.
 */
function saveSpace(src: unknown, dst: unknown): OpResult {
  const img = src as SaveImage;
  const bytes = img.bytes ?? null;
  const storage = (dst ?? {}) as StorageFacts;
  const problems: string[] = [];
  const unknown: string[] = [];
  const room = (dir: DirStat | null | undefined, host: string, why: string): void => {
    if (!dir) unknown.push(`the save directory was not examined on the ${host}`);
    else if (!dir.exists || dir.fileType !== 'directory') problems.push(`${dir.path} does not exist on the ${host}${why}`);
    else if (dir.availableBytes === null) unknown.push(`free space in ${dir.path} on the ${host} is unknown`);
    else if (bytes !== null && dir.availableBytes < bytes) {
      problems.push(`${dir.path} on the ${host} has ${human(dir.availableBytes)} free, the save images need about ${human(bytes)} (the guests' memory)${why}: short by ${human(bytes - dir.availableBytes)}`);
    }
  };
  room(img.dir, 'source', '');
  const m = img.sharedMount;
  const shared = m !== null && storage.saveDir?.mountpoint === m.mountpoint && (storage.mounts ?? []).some((x) => x.mountpoint === m.mountpoint && x.export === m.export);
  if (!shared) room(storage.saveDir, 'destination', ' (not shared with the source: the images are copied there to be restored)');
  if (bytes === null) {
    const whose = (img.definitionsUnknown ?? []).join(', ') || 'a moving domain';
    unknown.push(`the memory of ${whose} is unknown (definition not collected: ${DEFINITION_SOURCE})`);
  }
  const data = { bytes, shared, problems, unknown };
  if (problems.length > 0) return { ok: false, messageId: 'save-space.short', data, defaultMessage: problems.join('; ') };
  if (unknown.length > 0) return { ok: false, undecided: `cannot tell whether the save images fit: ${unknown.join('; ')}`, messageId: 'save-space.unknown', data, defaultMessage: '' };
  return { ok: true, messageId: 'pass', data, defaultMessage: '' };
}

export const saveSpaceOp = defineOperator({
  name: 'save-space',
  kind: 'cross',
  summary: 'the save images fit in --save-dir on the source, and on the destination unless it is the same network filesystem',
  params: {},
  evaluate: (src, dst) => saveSpace(src, dst),
});
