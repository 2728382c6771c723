/**
 * Run by `npm test` before vitest: installs what the tests drive on a fresh Debian machine (as
 * root): the lab's packages, and the real consumers the report tests check our files with.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { aptInstall, ensurePackages, labUnavailable } from './lab.js';

const why = labUnavailable();
if (why) {
  process.stderr.write(`*** lab: ${why}; the lab tests will not run ***\n`);
} else {
  ensurePackages((s) => process.stderr.write(`${s}\n`));
  const tools: [string, () => boolean][] = [
    ['chromium', () => existsSync('/usr/bin/chromium')],
    ['libxml2-utils', () => existsSync('/usr/bin/xmllint')],
    ['python3-junitparser', () => spawnSync('python3', ['-c', 'import junitparser'], { stdio: 'ignore' }).status === 0],
  ];
  const missing = tools.filter(([, ok]) => !ok()).map(([pkg]) => pkg);
  if (missing.length > 0) {
    process.stderr.write(`test tools: installing ${missing.join(' ')} with apt-get\n`);
    // With recommends: chromium needs its fonts to render text a screenshot can be judged by.
    aptInstall(missing, { recommends: true });
  }
}
