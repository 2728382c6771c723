/**
 * The code cache's training run as a pair check (scripts/bundle.ts): the built command line checks
 * this machine against itself, reached as two hosts over SSH through an ssh2 server in this
 * process that runs each command it is sent with /bin/sh here. So the cache holds what a check
 * compiles (ssh2's client, the collection, the parsers, evaluation, the console report). The
 * probes are read-only (they are the check's own); their verdict does not matter. Throws when it
 * could not probe both; the cache then keeps what the earlier training runs compiled.
 * MP_TRAIN_DEBUG=1 shows the check's output.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ssh2 from 'ssh2';

const { Server, utils } = ssh2;

/** Runs `bin` as a pair check of two names for this machine, writing its code cache to `cache`. */
export async function trainOnPair(bin: string, cache: string): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'mp-train-'));
  const hostKey = utils.generateKeyPairSync('ed25519');
  const clientKey = utils.generateKeyPairSync('ed25519');
  // Two servers, on two loopback addresses: the check refuses one address and port as both hosts.
  const addresses = ['127.0.0.1', '127.0.0.2'];
  const servers = addresses.map(() => new Server({ hostKeys: [hostKey.private] }, (client) => {
    client.on('authentication', (ctx) => (ctx.method === 'publickey' ? ctx.accept() : ctx.reject(['publickey'])));
    client.on('error', () => {});
    client.on('ready', () => {
      client.on('session', (accept) => {
        accept().on('exec', (acceptExec, _reject, info) => {
          const stream = acceptExec();
          const sh = spawn('/bin/sh', ['-c', info.command], { stdio: 'pipe' });
          stream.pipe(sh.stdin).on('error', () => {});
          sh.stdout.pipe(stream);
          sh.stderr.pipe(stream.stderr);
          sh.on('close', (code) => {
            stream.exit(code ?? 1);
            stream.end();
          });
        });
      });
    });
  }));
  try {
    const ports = await Promise.all(
      servers.map((server, i) => new Promise<number>((resolve, reject) => server.listen(0, addresses[i], () => resolve((server.address() as AddressInfo).port)).on('error', reject))),
    );
    writeFileSync(join(dir, 'id'), clientKey.private, { mode: 0o600 });
    writeFileSync(join(dir, 'known_hosts'), ports.map((port, i) => `[${addresses[i]}]:${port} ${hostKey.public}\n`).join(''));
    const host = (name: string, i: number): string =>
      `Host ${name}\n  HostName ${addresses[i]}\n  Port ${ports[i]}\n  User root\n  IdentityFile ${join(dir, 'id')}\n  UserKnownHostsFile ${join(dir, 'known_hosts')}\n`;
    writeFileSync(join(dir, 'ssh_config'), host('train-src', 0) + host('train-dst', 1));
    const code = await new Promise<number | null>((resolve, reject) => {
      const p = spawn(process.execPath, [bin, '-F', join(dir, 'ssh_config'), '--quiet', '--no-color', '--json', join(dir, 'report.json'), '--dirty-rate', '10', '--bandwidth', '1000', 'train-src', 'train-dst'], {
        env: { ...process.env, MIGRATE_PREFLIGHT_WRITE_CODE_CACHE: cache, SSH_AUTH_SOCK: '' },
        stdio: process.env.MP_TRAIN_DEBUG ? 'inherit' : 'ignore',
        timeout: 60_000,
      });
      p.on('error', reject).on('close', resolve);
    });
    // Any verdict will do (this machine is neither a hypervisor pair nor two hosts), as long as both were probed.
    const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as { hosts: Record<'src' | 'dst', { reachable: boolean; error: { message: string } | null }> };
    const bad = (['src', 'dst'] as const).find((s) => !report.hosts[s].reachable || report.hosts[s].error !== null);
    if (code === null || bad) throw new Error(`the training check (exit ${code}) did not probe both hosts: ${bad ? report.hosts[bad].error?.message : ''}`);
  } finally {
    for (const server of servers) server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
