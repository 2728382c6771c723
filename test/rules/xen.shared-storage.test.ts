import { readFileSync } from 'node:fs';
import { mountOf } from '../../src/checks/migration.js';
import { parseProcMounts } from '../../src/checks/probes/system/mounts.js';
import { parseXlList, parseXlListLong } from '../../src/checks/probes/xen.js';
import { xenMoveFacts } from '../../src/checks/xen-move.js';
import { testRule } from './rule-tester.js';

const text = (name: string) => readFileSync(new URL(`../fixtures/xen/${name}`, import.meta.url), 'utf8');
// Real `xm list -l` outputs: two Oracle VM guests on image files in two repositories; a CentOS guest on partition /dev/sdb7.
const ovs = parseXlListLong(text('xm-list-l-ovs3-pv-hvm-dom0.txt')).filter((c) => c.domid !== 0);
const [sdb7] = parseXlListLong(text('xm-list-l-3.3.1-centos5-pv-phy.txt'));
const REPO1 = '/OVS/Repositories/0004fb0000030000a5c9b5cf920f93e3';
const REPO2 = '/OVS/Repositories/0004fb00000300002160f6433014d23a';
const mounts = (...m: string[]) => parseProcMounts(m.map((x) => `${x} rw,relatime,vers=3 0 0\n`).join(''));
const NFS = mounts(`nas:/ovs/repo1 ${REPO1} nfs`, `nas:/ovs/repo2 ${REPO2} nfs`);
// The source's move: each disk with the source mount it lies on, as xenMoveFacts derives it; `unconfigured`: guests `xl list -l` left out.
const moving = (configs: typeof ovs, on = NFS, unconfigured: string[] = []) => ({
  xen: { configs },
  xenMove: {
    unconfigured,
    disks: configs.flatMap((c) =>
      c.disks.map((d) => {
        const m = d.kind === 'file' && d.path ? mountOf(d.path, on) : null;
        return { ...d, domain: c.name, mount: m && { mountpoint: m.mountpoint, fstype: m.fstype, export: m.export } };
      }),
    ),
  },
}) as never;
const dst = (storage: object) => ({ storage }) as never;
const landing = (...files: string[]) => ({ dirs: [], files: files.map((path) => ({ path, sizeBytes: null })), pools: null });
const XEN = { hypervisor: 'xen' } as const;
const disk1 = `${ovs[0]?.name} xvda (${ovs[0]?.disks[0]?.path})`;
// A real `xl list` of a Xen 4.9 host: guest-01 and Avignon-live-mig run.
const xl49 = parseXlList(text('xl-list-4.9-tab-header.txt'));

testRule('xen.shared-storage', [
  { name: 'images on NFS repositories mounted alike on both hosts', src: moving(ovs), dst: dst({ mounts: NFS }), ctx: XEN, status: 'pass' },
  {
    name: 'a repository not mounted on the destination',
    src: moving(ovs),
    dst: dst({ mounts: mounts(`nas:/ovs/repo2 ${REPO2} nfs`) }),
    ctx: XEN,
    status: 'fail',
    messageId: 'xen-storage.unmounted',
    message: `shared storage not mounted identically: ${disk1}: nfs nas:/ovs/repo1 at ${REPO1} is not mounted there on the destination`,
  },
  { name: 'the same path mounted from another export', src: moving(ovs), dst: dst({ mounts: mounts(`nas:/ovs/repo1 ${REPO1} nfs`, `filer2:/ovs/repo2 ${REPO2} nfs`) }), ctx: XEN, status: 'fail', messageId: 'xen-storage.unmounted', message: /comes from nas:\/ovs\/repo2 on the source but from filer2:\/ovs\/repo2 on the destination$/ },
  { name: "images on the source's own disk", src: moving(ovs, []), dst: dst({ mounts: NFS }), ctx: XEN, status: 'fail', messageId: 'xen-storage.local', message: /^on the source's own disk, which the destination cannot reach/ },
  { name: 'a partition present on the destination too', src: moving([sdb7!]), dst: dst({ mounts: [], landing: landing('/dev/sdb7') }), ctx: XEN, status: 'pass' },
  { name: 'a partition missing on the destination', src: moving([sdb7!]), dst: dst({ mounts: [], landing: landing() }), ctx: XEN, status: 'fail', messageId: 'xen-storage.absent', message: /block device missing on the destination .*: UbuntuPVS810 xvda \(\/dev\/sdb7\)$/ },
  { name: "the destination's block devices not looked at: error", src: moving([sdb7!]), dst: dst({ mounts: [] }), ctx: XEN, status: 'error', messageId: 'xen-storage.unchecked' },
  { name: 'a cold move copies the images: skip', src: moving(ovs, []), dst: dst({ mounts: [] }), ctx: { ...XEN, mode: 'cold' }, status: 'skip', messageId: 'skip.mode' },
  { name: 'a KVM pair: skip', src: moving(ovs, []), dst: dst({ mounts: [] }), status: 'skip', messageId: 'skip.hypervisor' },
  { name: "the destination's storage not collected: error", src: moving(ovs), dst: {}, ctx: XEN, status: 'error', messageId: 'error.fact-missing', message: /destination: fact storage was not collected/ },
  // A real `xl list` whose `xl list -l` was not collected: xenMove.disks is [] because the disks are unknown, not because there are none.
  { name: "the guests' disks unknown: not a pass", src: { xenMove: xenMoveFacts({ xen: { domains: xl49 } }, []) } as never, dst: dst({ mounts: NFS }), ctx: XEN, status: 'error', messageId: 'error.fact-missing', message: /^source: fact xen\.configs was not collected/ },
  // `xl list -l` answered without these two guests (xl leaves out a domain whose configuration libxl cannot retrieve).
  {
    name: "guests `xl list -l` left out: their disks unknown, not a pass",
    src: { xen: { configs: ovs }, xenMove: xenMoveFacts({ xen: { domains: xl49, configs: ovs } }, []) } as never,
    dst: dst({ mounts: NFS }),
    ctx: XEN,
    status: 'error',
    messageId: 'xen-storage.unknown',
    message: 'disks unknown for guest-01, Avignon-live-mig: `xl list -l` has no configuration for them',
  },
  { name: 'a disk known to be out of reach is a failure, whatever else is unknown', src: moving(ovs, [], ['guest-01']), dst: dst({ mounts: NFS }), ctx: XEN, status: 'fail', messageId: 'xen-storage.local' },
]);
