/**
 * Run by `npm test` before vitest: installs on a fresh Debian machine (as root) every command the
 * lab, the tests and the demo run, from the one list in ./packages.ts, and the hypervisor lab's guest.
 */
import { ensureGuest } from './guest.js';
import { ensurePackages, labUnavailable } from './lab.js';

const why = labUnavailable();
if (why) process.stderr.write(`*** lab: ${why}; the lab tests will not run ***\n`);
else {
  const log = (s: string): boolean => process.stderr.write(`${s}\n`);
  ensurePackages(log);
  // The real-hypervisor lab's guest: a kernel download, once per machine.
  ensureGuest(log);
}
