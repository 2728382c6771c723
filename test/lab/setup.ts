/** Run by `npm test` before vitest: installs the lab's Debian packages when they are missing. */
import { ensurePackages, labUnavailable } from './lab.js';

const why = labUnavailable();
if (why) {
  process.stderr.write(`*** lab: ${why}; the lab tests will not run ***\n`);
} else {
  ensurePackages((s) => process.stderr.write(`${s}\n`));
}
