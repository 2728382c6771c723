import { readFileSync } from 'node:fs';
import { migrationFacts } from '../../src/checks/migration.js';
import { parseDirStats } from '../../src/checks/probes/dir-stats.js';
import { parseDomainXmlList } from '../../src/checks/probes/libvirt-xml.js';
import { parseProcMounts } from '../../src/checks/probes/system/mounts.js';
import { migrationPlan, testRule } from './rule-tester.js';

const fx = (path: string) => readFileSync(new URL(`../fixtures/libvirt-qemu/${path}`, import.meta.url), 'utf8');
const MOUNTS = parseProcMounts(fx('proc-mounts-sshfs.txt'));
// The save-dir probe's output for --save-dir /var/lib/libvirt on this project's machine (78.9 GiB free on /), and where stat failed.
const LIBVIRT_DIR = 'dir /var/lib/libvirt\nstat 755 root root directory\nfree 20680715 4096\nmnt /\n';
const NO_DIR = 'dir /var/lib/libvirt\n';
const saveDir = (out: string) => parseDirStats(out, 'save-dir').dirs[0];
/** The source saving the lab guest g1 (160 MiB, test/fixtures/libvirt-qemu), or g1 grown to `memoryMiB`. */
function g1(saveDirOut: string | null, memoryMiB = 160, o: { noXml?: boolean } = {}) {
  const [x] = parseDomainXmlList(fx('dumpxml-migratable-tcg.xml').replace(/(<(?:current)?[mM]emory unit='KiB'>)\d+/g, `$1${memoryMiB * 1024}`));
  const storage = { mounts: MOUNTS, ...(saveDirOut === null ? {} : { saveDir: saveDir(saveDirOut) }) };
  // noXml: `virsh dumpxml` gave no definition of g1 (the probe failed): the source lists it, its memory is unknown.
  const facts = { storage, libvirt: { domains: [{ name: 'g1', id: 1, uuid: x?.uuid, state: 'running', xml: o.noXml ? null : x }] } } as never;
  return { migration: migrationFacts(facts, migrationPlan({ mode: 'save' })) } as never;
}
const dst = (out: string) => ({ storage: { mounts: MOUNTS, saveDir: saveDir(out) } }) as never;
const save = { mode: 'save' } as const;

testRule('storage.save-space', [
  { name: 'a 160 MiB image fits on both hosts', src: g1(LIBVIRT_DIR), dst: dst(LIBVIRT_DIR), ctx: save, status: 'pass' },
  {
    name: 'a 96 GiB guest: short on both, the destination because the image is copied there',
    src: g1(LIBVIRT_DIR, 96 * 1024),
    dst: dst(LIBVIRT_DIR),
    ctx: save,
    status: 'fail',
    messageId: 'save-space.short',
    message:
      "/var/lib/libvirt on the source has 78.9 GiB free, the save images need about 96.0 GiB (the guests' memory): short by 17.1 GiB; " +
      "/var/lib/libvirt on the destination has 78.9 GiB free, the save images need about 96.0 GiB (the guests' memory) (not shared with the source: the images are copied there to be restored): short by 17.1 GiB",
  },
  { name: 'the directory missing on the destination', src: g1(LIBVIRT_DIR), dst: dst(NO_DIR), ctx: save, status: 'fail', messageId: 'save-space.short', message: '/var/lib/libvirt does not exist on the destination (not shared with the source: the images are copied there to be restored)' },
  { name: 'the source save directory not examined: error, never a pass', src: g1(null), dst: dst(LIBVIRT_DIR), ctx: save, status: 'error', messageId: 'save-space.unknown', message: 'cannot tell whether the save images fit: the save directory was not examined on the source' },
  { name: 'the destination save directory not examined: error', src: g1(LIBVIRT_DIR), dst: { storage: { mounts: MOUNTS } } as never, ctx: save, status: 'error', messageId: 'save-space.unknown', message: /the save directory was not examined on the destination/ },
  { name: 'no storage facts on the destination: error', src: g1(LIBVIRT_DIR), dst: {}, ctx: save, status: 'error', messageId: 'error.fact-missing', message: /destination: fact storage was not collected/ },
  {
    name: "the domain's XML not collected: the images' size unknown, error naming it, never a pass",
    src: g1(LIBVIRT_DIR, 160, { noXml: true }),
    dst: dst(LIBVIRT_DIR),
    ctx: save,
    status: 'error',
    messageId: 'save-space.unknown',
    message: 'cannot tell whether the save images fit: the memory of g1 is unknown (definition not collected: virsh dumpxml, probe virsh-domxml)',
  },
  { name: 'its XML not collected, but the directory missing on the destination fails whatever the size', src: g1(LIBVIRT_DIR, 160, { noXml: true }), dst: dst(NO_DIR), ctx: save, status: 'fail', messageId: 'save-space.short', message: '/var/lib/libvirt does not exist on the destination (not shared with the source: the images are copied there to be restored)' },
  { name: 'a live migration writes no save image: skip', src: g1(LIBVIRT_DIR, 96 * 1024), dst: dst(LIBVIRT_DIR), status: 'skip', messageId: 'skip.mode' },
]);
