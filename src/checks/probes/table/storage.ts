import { landingQuery } from '../../landing.js';
import { diskQueries, selectDomains } from '../../moving.js';
import { shq } from '../../shell.js';
import { xenMoveFacts } from '../../xen-move.js';
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
    // The moving domains' disks, as round 1 found them.
    selfReads: ['libvirt.domains'],
    plan: (k) => {
      const disks = diskQueries(k.self.libvirt?.domains ? selectDomains(k.self.libvirt.domains, k.domains).domains : []);
      return disks.length > 0 ? { disks } : null;
    },
    // stat reads an image's allocation without opening it, one stat for all of them (a line each,
    // on past a missing one); other disks ask libvirt. Missing ones stay unknown.
    command: (c) => {
      const files = (c.disks ?? []).flatMap((d) => (d.kind === 'file' ? [shq(d.path)] : []));
      return [
        ...(files.length > 0 ? [`stat -L -c 'file %s %b %B %n' -- ${files.join(' ')}`] : []),
        ...(c.disks ?? []).flatMap((d) =>
          d.kind === 'blk' ? [`printf 'blk %s %s\n' ${shq(d.uuid)} ${shq(d.target)}; virsh -c ${shq(c.libvirtUri)} domblkinfo -- ${shq(d.uuid)} ${shq(d.target)}`] : [],
        ),
        'exit 0',
      ].join('\n');
    },
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
    peer: 'one',
    provides: ['storage.landing'],
    // The source's moving disks (domains, their XML, the mounts and pools that classify them) and its Xen guests.
    peerReads: ['libvirt.domains', 'libvirt.pools', 'storage.mounts', 'hypervisor', 'libvirt.hypervisor', 'xen.domains', 'xen.configs'],
    // From the source's first round: where its disks would land in the copying modes; in any mode a Xen guest's host block devices (they must exist here).
    plan: (k) => {
      const src = k.peers[0]?.facts;
      if (!src) return null;
      if (k.mode !== 'live') return { landing: landingQuery(src, k.domains) };
      const devices = [...new Set((xenMoveFacts(src, k.domains)?.disks ?? []).flatMap((d) => (d.kind === 'phy' && d.path && !d.cdrom ? [d.path] : [])))];
      return devices.length > 0 ? { landing: { dirs: [], files: devices } } : null;
    },
    // Block, cold and save modes: the directories the source's local disks would be copied into, and which of those paths exist already.
    command: (c) => dirStatCommand(c.landing?.dirs ?? [], c.landing?.files ?? []),
    parse: (text) => parseDirStats(text, 'landing'),
  }),
} as const satisfies Record<string, Probe>;
