/**
 * `npm run fixtures:reports`: regenerates test/fixtures/reports/*.json from the standard lab, so
 * the saved reports the replay and renderer tests read are real runs of the current tool.
 * Run from the project root (the reports record the waivers and baseline paths as given).
 */
import { main } from '../../src/cli.js';
import { startLab } from './lab.js';
import { STANDARD } from './scenarios.js';

const lab = await startLab(STANDARD);
const dir = 'test/fixtures/reports';
try {
  const common = ['-F', lab.sshConfig, '--libvirt-uri', lab.libvirtUri, '--quiet', '--no-color'];
  // The test driver cannot measure dirty rates: the convergence inputs are given.
  const rates = ['--dirty-rate', '20', '--bandwidth', '1000'];
  const runs: [string, string[], number][] = [
    ['baseline', [...rates, '-d', 'db01', 'hv1', 'hv3'], 1],
    ['problems', [...rates, '--waivers', `${dir}/waivers.yaml`, '--baseline', `${dir}/baseline.json`, 'hv1', 'hv3'], 1],
    ['clean', [...rates, 'hv1', 'hv2'], 0],
    ['unreachable', ['hv1', 'hv4'], 3],
  ];
  for (const [name, args, want] of runs) {
    const code = await main([...common, '--json', `${dir}/${name}.json`, ...args]);
    if (code !== want) throw new Error(`${name}: exit ${code}, expected ${want}`);
  }
} finally {
  await lab.stop();
}
