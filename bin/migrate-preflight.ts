import { main } from '../src/cli.js';

// A reader that goes away (`| head`) stops the output, not the run: report files are still written
// and the exit code is still the verdict's.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
  });
}

// No top-level await: the command line is bundled as a CommonJS script (scripts/bundle.ts).
void main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
