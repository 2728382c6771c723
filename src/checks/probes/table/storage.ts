import { shq } from '../../shell.js';
import { dirStatCommand, parseDirStats } from '../dir-stats.js';
import { parseDiskSizes } from '../disk-sizes.js';
import { probe, type Probe } from '../probe.js';

/** Where the moving guests' disks and memory go: the source's disk sizes, the save directory, the destination's landing. */
export const STORAGE_PROBES = {
  'disk-sizes': probe({
    id: 'disk-sizes',
    hypervisor: 'kvm',
    side: 'src',
    round: 2,
    provides: ['libvirt.diskSizes'],
    // stat reads an image's allocation without opening it; other disks ask libvirt. Missing ones stay unknown.
    command: (c) =>
      [
        ...(c.disks ?? []).map((d) =>
          d.kind === 'file'
            ? `stat -L -c 'file %s %b %B %n' -- ${shq(d.path)}`
            : `printf 'blk %s %s\n' ${shq(d.uuid)} ${shq(d.target)}; virsh -c ${shq(c.libvirtUri)} domblkinfo -- ${shq(d.uuid)} ${shq(d.target)}`,
        ),
        'exit 0',
      ].join('\n'),
    parse: parseDiskSizes,
  }),
  'save-dir': probe({
    id: 'save-dir',
    hypervisor: 'kvm',
    provides: ['storage.saveDir'],
    // Save mode only: where `virsh save` writes the guest's memory image, and who may read it there.
    command: (c) => dirStatCommand([c.saveDir ?? '']),
    parse: (text) => parseDirStats(text, 'save-dir'),
  }),
  landing: probe({
    id: 'landing',
    side: 'dst',
    round: 2,
    provides: ['storage.landing'],
    // Block, cold and save modes: the directories the source's local disks would be copied into, and which of those paths exist already.
    command: (c) => dirStatCommand(c.landing?.dirs ?? [], c.landing?.files ?? []),
    parse: (text) => parseDirStats(text, 'landing'),
  }),
} as const satisfies Record<string, Probe>;
