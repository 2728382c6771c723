/** `npm run lab:down`: removes labs left behind by a killed run (owner process gone); --force removes all. */
import { teardownAll } from './lab.js';

const n = teardownAll(process.argv.includes('--force'));
process.stdout.write(`lab: removed ${n} lab(s)\n`);
