/**
 * `npm run demo`: brings up the standard lab, checks a clean pair and a pair with deliberate
 * problems, then a fleet of five of its hosts, prints the reports, and tears the lab down.
 */
import { mkdirSync } from 'node:fs';
import { main } from '../../src/cli.js';
import { startLab } from './lab.js';
import { STANDARD } from './scenarios.js';

const lab = await startLab(STANDARD);
const stop = (): void => void lab.stop();
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
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
  // The demo succeeds when the checks ran and found what they should: problem pair 1, fleet with no-go pairs 1.
  code = pairCode === 1 && code === 1 ? 1 : 0;
} finally {
  await lab.stop();
}
process.exitCode = code === 1 ? 0 : 1;
