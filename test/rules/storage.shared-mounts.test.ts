import { readFileSync } from 'node:fs';
import { parseProcMounts } from '../../src/checks/probes/system/mounts.js';
import { testRule } from './rule-tester.js';

// /proc/mounts of a real lab host (test/fixtures/libvirt-qemu/proc-mounts-sshfs.txt): the NAS's export mounted with
// sshfs at /srv/shared, the rest local. The facts keep the network mounts apart, as the mounts probe does.
const MOUNTS = readFileSync(new URL('../fixtures/libvirt-qemu/proc-mounts-sshfs.txt', import.meta.url), 'utf8');
const host = (text: string) => {
  const mounts = parseProcMounts(text);
  return { storage: { mounts, networkMounts: mounts.filter((m) => m.network) } };
};
const shared = host(MOUNTS);
// The same host mounting another export there (as the lab's hv3 does), or nothing at /srv/shared.
const otherExport = host(MOUNTS.replace('/nas/exports/shared /srv/shared', '/nas/exports/other /srv/shared'));
const unmounted = host(MOUNTS.replace(/^.* \/srv\/shared fuse\.sshfs .*\n/m, ''));

testRule('storage.shared-mounts', [
  { name: 'the same export at the same path passes', src: shared, dst: shared, status: 'pass' },
  {
    name: 'another export at the same path fails',
    src: shared,
    dst: otherExport,
    status: 'fail',
    messageId: 'match.differs',
    message: 'differs: /srv/shared export: source root@10.203.40.10:/tmp/mp-lab0-JXjTA6/nas/exports/shared, destination root@10.203.40.10:/tmp/mp-lab0-JXjTA6/nas/exports/other',
  },
  { name: 'the mount point not mounted on the destination fails', src: shared, dst: unmounted, status: 'fail', messageId: 'match.missing', message: 'destination lacks /srv/shared' },
  { name: 'no network filesystem on the source: skip', src: unmounted, dst: unmounted, status: 'skip', messageId: 'skip.when', message: 'not applicable: source storage.networkMounts is (none)' },
  { name: 'block migration copies the disks: skip', src: shared, dst: unmounted, ctx: { mode: 'block' }, status: 'skip', messageId: 'skip.mode' },
  { name: 'a save image is restored from the same path: compared', src: shared, dst: unmounted, ctx: { mode: 'save' }, status: 'fail' },
  { name: "the destination's mounts not collected: error, never a pass", src: shared, dst: {}, status: 'error', messageId: 'error.fact-missing', message: 'destination: fact storage.networkMounts was not collected' },
  { name: "the source's mounts not collected: error, not a skip", src: {}, dst: shared, status: 'error', message: 'source: fact storage.networkMounts was not collected' },
]);
