/**
 * Run by `npm test` before vitest: installs on a fresh Debian machine (as root) every command the
 * lab, the tests and the demo run, from the one list in ./packages.ts.
 */
import { ensurePackages, labUnavailable } from './lab.js';

const why = labUnavailable();
if (why) process.stderr.write(`*** lab: ${why}; the lab tests will not run ***\n`);
else ensurePackages((s) => process.stderr.write(`${s}\n`));
