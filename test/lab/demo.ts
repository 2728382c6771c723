/**
 * `npm run demo`: brings up the standard lab, checks a clean pair and a pair with deliberate
 * problems, then a fleet of five of its hosts, prints the reports; then, on two hosts that run
 * real libvirtd and QEMU, checks a pair and does the real live migration; tears it all down.
 */
import { mkdirSync } from 'node:fs';
import { main } from '../../src/cli.js';
import { ensureGuest } from './guest.js';
import { hypervisor, NAS } from './hv-scenario.js';
import { startLab } from './lab.js';
import { migrate, startGuest } from './oracle.js';
import { STANDARD } from './scenarios.js';

const [lab, hv] = await Promise.all([startLab(STANDARD), startLab({ hosts: [NAS, hypervisor('src'), hypervisor('dst')] })]);
const stop = (): void => void Promise.all([lab.stop(), hv.stop()]);
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
// The guest boots under TCG (~12 s) while the test-driver pairs are checked.
const booted = startGuest(hv, 'src', ensureGuest(), { name: 'web', dirtyMiBps: 2 });
let code = 0;
try {
  const common = ['-F', lab.sshConfig, '--libvirt-uri', lab.libvirtUri];
  // The lab's libvirt test driver cannot sample dirty rates (real QEMU can): give one; measure the bandwidth.
  process.stdout.write('\n$ migrate-preflight --dirty-rate 20 --measure-bandwidth hv1 hv2      # a clean pair\n');
  code = await main([...common, '--dirty-rate', '20', '--measure-bandwidth', 'hv1', 'hv2']);
  process.stdout.write(`(exit ${code})\n\n$ migrate-preflight --dirty-rate 20 --bandwidth 1000 hv1 hv3      # hv3: wrong in a dozen ways at once\n`);
  mkdirSync('reports', { recursive: true });
  code = await main([...common, '--dirty-rate', '20', '--bandwidth', '1000', '--json', 'reports/demo-hv1-hv3.json', 'hv1', 'hv3']);
  process.stdout.write(`(exit ${code}; JSON report: reports/demo-hv1-hv3.json)\n`);
  const pairCode = code;
  process.stdout.write('\n$ migrate-preflight fleet --dirty-rate 20 --bandwidth 1000 --html reports/demo-fleet.html hv1 hv2 hv3 hv5 hv7      # every ordered pair\n');
  code = await main(['fleet', ...common, '--dirty-rate', '20', '--bandwidth', '1000', '--html', 'reports/demo-fleet.html', 'hv1', 'hv2', 'hv3', 'hv5', 'hv7']);
  process.stdout.write(`(exit ${code}; heatmap: reports/demo-fleet.html)\n`);
  const fleetCode = code;
  await booted;
  process.stdout.write('\n$ migrate-preflight --libvirt-uri qemu:///system src dst      # real libvirtd 9 + QEMU 7.2 hosts, a TCG guest on GlusterFS\n');
  const real = await main(['-F', hv.sshConfig, '--libvirt-uri', 'qemu:///system', 'src', 'dst']);
  process.stdout.write(`(exit ${real})\n\n[src]$ virsh migrate --live --persistent --undefinesource web qemu+ssh://dst.lab/system\n`);
  const m = await migrate(hv, 'src', 'dst', 'web', ['--live', '--persistent', '--undefinesource']);
  process.stdout.write(m.ok ? `migrated in ${(m.ms / 1000).toFixed(1)} s; on dst: web ${m.dstState}\n` : `libvirt: ${m.error}\n`);
  // The demo succeeds when the checks ran and found what they should: problem pair 1, fleet with
  // no-go pairs 1, the real pair GO (0) and its migration done.
  code = pairCode === 1 && fleetCode === 1 && real === 0 && m.ok ? 1 : 0;
} finally {
  await Promise.all([lab.stop(), hv.stop()]);
}
process.exitCode = code === 1 ? 0 : 1;
