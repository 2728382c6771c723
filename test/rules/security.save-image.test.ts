import { parseDirStats } from '../../src/checks/probes/dir-stats.js';
import { testRule } from './rule-tester.js';

// The save-dir probe's output (stat lines) for several --save-dir values on this project's machine; the last one does not exist there.
const saveDir = (out: string) => ({ storage: { saveDir: parseDirStats(out, 'save-dir').dirs[0] } }) as never;
const ROOT = saveDir('dir /root\nstat 700 root root directory\nfree 20680715 4096\nmnt /\n');
const LIBVIRT = saveDir('dir /var/lib/libvirt\nstat 755 root root directory\nfree 20680715 4096\nmnt /\n');
const TMP = saveDir('dir /tmp\nstat 1777 root root directory\nfree 20680715 4096\nmnt /\n');
const ABSENT = saveDir('dir /var/lib/libvirt/qemu/save\n');
const save = { mode: 'save' } as const;

testRule('security.save-image', [
  { name: 'mode 0700 on both hosts passes', src: ROOT, dst: ROOT, ctx: save, status: 'pass' },
  {
    name: 'mode 0755: others can read the images, on both hosts',
    src: LIBVIRT,
    dst: LIBVIRT,
    ctx: save,
    status: 'fail',
    messageId: 'private-dir.failed',
    message:
      "a save image holds the guest's memory unencrypted (keys, passwords, session data): source storage.saveDir: /var/lib/libvirt is readable by others (mode 0755, root:root), destination storage.saveDir: /var/lib/libvirt is readable by others (mode 0755, root:root)",
  },
  { name: 'a sticky world-writable /tmp on the destination: others can swap the image', src: ROOT, dst: TMP, ctx: save, status: 'fail', messageId: 'private-dir.failed', message: /: destination storage.saveDir: \/tmp is readable by others and writable by others \(mode 1777, root:root\)$/ },
  { name: 'the directory missing: permissions unknown, error', src: ROOT, dst: ABSENT, ctx: save, status: 'error', messageId: 'private-dir.undecided', message: '/var/lib/libvirt/qemu/save does not exist or cannot be read, so its permissions are unknown' },
  { name: 'not collected: error, never a pass', src: ROOT, dst: {}, ctx: save, status: 'error', messageId: 'error.fact-missing', message: /destination: fact storage.saveDir was not collected/ },
  { name: 'a live migration writes no save image: skip', src: TMP, dst: TMP, status: 'skip', messageId: 'skip.mode' },
]);
