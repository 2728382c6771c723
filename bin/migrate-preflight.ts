#!/usr/bin/env node
import { main } from '../src/cli.js';

// A reader that goes away (`| head`) stops the output, not the run: report files are still written
// and the exit code is still the verdict's.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
  });
}

process.exitCode = await main(process.argv.slice(2));
