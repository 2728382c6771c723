import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { labUnavailable } from './lab.js';

const BIN = fileURLToPath(new URL('../../dist/bin/migrate-preflight.js', import.meta.url));

/** Why the lab cannot run here (null: it can). In CI a missing lab is an error, elsewhere a loud skip. */
export function labGate(): string | null {
  const why = labUnavailable();
  if (why) {
    const msg = `LAB TESTS NOT RUN: ${why}. Run the suite as root on Linux to test against real SSH hosts.`;
    if (process.env.CI) throw new Error(msg);
    console.warn(`\n*** ${msg} ***\n`);
  }
  return why;
}

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs the built CLI as a user would. */
export function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, NO_COLOR: '1', SSH_AUTH_SOCK: '', ...env } });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('close', (code) => resolve({ code, stdout, stderr, ms: performance.now() - t0 }));
  });
}
