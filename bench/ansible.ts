/**
 * Pair check against what operators would otherwise run: an Ansible playbook
 * (bench/ansible/playbook.yml) that collects the same facts with command/shell tasks and asserts
 * the same rules in Jinja. Runs on the lab (STANDARD): RUNS interleaved iterations of both on
 * hv1 -> hv2 (a warm-up iteration first, discarded), medians, the ratio ansible/ours and the raw
 * numbers; then one run of each on the failing pair hv1 -> hv3, with the failures each reported.
 *
 *   npm run build && node dist/bench/ansible.js     (root; brings the lab up and down)
 *   RUNS=15 node dist/bench/ansible.js
 *
 * Ansible is Debian's package (installed with apt-get when ansible-playbook is missing). Its SSH
 * runs the way its users run it: ControlMaster=auto, ControlPersist=60s, pipelining
 * (bench/ansible/ansible.cfg), so after the warm-up every timed run reuses a live master
 * connection per host (checked with `ssh -O check` before each run and printed); ours makes two
 * fresh SSH handshakes (ssh2) every run. Both timings include interpreter start-up (node, python).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startLab, type Lab } from '../test/lab/lab.js';
import { COMMANDS, ensureCommands } from '../test/lab/packages.js';
import { STANDARD } from '../test/lab/scenarios.js';

const RUNS = Number(process.env.RUNS ?? 7);
if (!Number.isInteger(RUNS) || RUNS < 1) throw new Error(`RUNS must be a positive integer, got ${process.env.RUNS}`);
const BIN = fileURLToPath(new URL('../bin/migrate-preflight.js', import.meta.url));
/** bench/ansible in the source tree (this file runs from dist/bench). */
const ANSIBLE_DIR = fileURLToPath(new URL('../../bench/ansible/', import.meta.url));
const PLAYBOOK = join(ANSIBLE_DIR, 'playbook.yml');
const ANSIBLE_CFG = join(ANSIBLE_DIR, 'ansible.cfg');
/** A run that takes longer than this is stuck: it fails the bench. */
const RUN_TIMEOUT_MS = 180_000;

interface Run {
  ms: number;
  code: number | null;
  stdout: string;
  stderr: string;
}

function timed(cmd: string, args: readonly string[], env?: NodeJS.ProcessEnv): Promise<Run> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: env ?? process.env, timeout: RUN_TIMEOUT_MS, killSignal: 'SIGKILL' });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    p.stdout.on('data', (b: Buffer) => out.push(b));
    p.stderr.on('data', (b: Buffer) => err.push(b));
    p.on('error', reject);
    p.on('close', (code) => resolve({ ms: performance.now() - t0, code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }));
  });
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

const tail = (s: string, n = 15): string => s.trim().split('\n').slice(-n).join('\n');

function fail(what: string, r: Run): never {
  throw new Error(`${what} (exit ${r.code}, ${r.ms.toFixed(0)} ms)\n--- stdout (tail)\n${tail(r.stdout)}\n--- stderr (tail)\n${tail(r.stderr)}`);
}

function ensureAnsible(): string {
  ensureCommands(['ansible-playbook'], (s) => process.stderr.write(`bench: ${s}\n`));
  const v = spawnSync(COMMANDS['ansible-playbook'].path, ['--version'], { encoding: 'utf8' });
  return (v.stdout ?? '').split('\n')[0]?.trim() ?? 'ansible-playbook (version unknown)';
}

/** An INI inventory from the lab: the pair's addresses, the lab key and known_hosts (strict checking). */
function writeInventory(lab: Lab, dir: string, src: string, dst: string): string {
  const ip = (h: string): string => {
    const x = lab.hosts.get(h);
    if (!x) throw new Error(`bench: lab has no host ${h}`);
    return x.ip;
  };
  const file = join(dir, `inventory-${src}-${dst}.ini`);
  writeFileSync(
    file,
    [
      '[src]',
      `${src} ansible_host=${ip(src)}`,
      '[dst]',
      `${dst} ansible_host=${ip(dst)}`,
      '[all:vars]',
      'ansible_user=root',
      `ansible_ssh_private_key_file=${lab.identity}`,
      `ansible_ssh_common_args='-o IdentitiesOnly=yes -o UserKnownHostsFile=${lab.knownHosts} -o StrictHostKeyChecking=yes -o BatchMode=yes'`,
      // Operators usually pin it; it spares Ansible an interpreter-discovery round trip per host.
      'ansible_python_interpreter=/usr/bin/python3',
      '',
    ].join('\n'),
  );
  return file;
}

/** What an ansible-playbook run reported: the failed tasks (asserts) in order, and the recap. */
function parseAnsible(stdout: string): { failed: { task: string; host: string; msg: string }[]; recap: Map<string, Record<string, number>> } {
  const failed: { task: string; host: string; msg: string }[] = [];
  const recap = new Map<string, Record<string, number>>();
  let task = '';
  let inRecap = false;
  for (const line of stdout.split('\n')) {
    const t = /^TASK \[(.*)\] \**$/.exec(line);
    if (t) task = t[1] as string;
    if (line.startsWith('PLAY RECAP')) inRecap = true;
    const f = /^fatal: \[([^\]]+)\]: FAILED! => (.*)$/.exec(line);
    if (f) {
      let msg = f[2] as string;
      try {
        msg = String((JSON.parse(msg) as { msg?: unknown }).msg ?? msg);
      } catch {
        /* not JSON: keep the text */
      }
      failed.push({ task, host: f[1] as string, msg });
    }
    const r = inRecap ? /^(\S+)\s+:\s+(.*)$/.exec(line) : null;
    if (r) recap.set(r[1] as string, Object.fromEntries([...(r[2] as string).matchAll(/(\w+)=(\d+)/g)].map((m) => [m[1] as string, Number(m[2])])));
  }
  return { failed, recap };
}

interface ReportResult {
  id: string;
  domain?: string | null;
  status: string;
  message?: string;
}

function readReport(file: string): { results: ReportResult[]; summary: Record<string, number> } {
  return JSON.parse(readFileSync(file, 'utf8')) as { results: ReportResult[]; summary: Record<string, number> };
}

/** The rules the playbook has an assert for (bench/ansible/playbook.yml). */
const PLAYBOOK_RULES = new Set([
  'cpu.arch', 'cpu.bits', 'cpu.vendor', 'cpu.flags', 'cpu.nx', 'cpu.model', 'cpu.virt-ext', 'hypervisor.present', 'hypervisor.version',
  'host.uuid-distinct', 'domain.names-unique', 'domain.uuids-unique', 'network.bridges', 'network.libvirt-networks', 'storage.pools',
  'storage.shared-mounts', 'resources.memory', 'resources.cpu', 'time.skew', 'security.lsm', 'network.reachability',
  'network.hostname-resolution', 'firewall.migration-ports',
]);

const ansibleVersion = ensureAnsible();
const work = mkdtempSync(join(tmpdir(), 'mp-bench-ansible-'));
const controlDir = join(work, 'cp');
const env: NodeJS.ProcessEnv = {
  ...process.env,
  ANSIBLE_CONFIG: ANSIBLE_CFG,
  // Per bench run: lab addresses are reused by later labs with new host keys; a master from
  // another run must never be picked up.
  ANSIBLE_SSH_CONTROL_PATH_DIR: controlDir,
  ANSIBLE_NOCOLOR: '1',
  ANSIBLE_FORCE_COLOR: '0',
  ANSIBLE_LOCAL_TEMP: join(work, 'tmp'),
};

/** Live ControlPersist masters in our control directory (`ssh -O check`). */
function liveMasters(): number {
  let n = 0;
  let entries: string[] = [];
  try {
    entries = readdirSync(controlDir);
  } catch {
    return 0;
  }
  for (const s of entries) {
    if (spawnSync('ssh', ['-o', `ControlPath=${join(controlDir, s)}`, '-O', 'check', 'x'], { stdio: 'ignore' }).status === 0) n++;
  }
  return n;
}

function closeMasters(): void {
  let entries: string[] = [];
  try {
    entries = readdirSync(controlDir);
  } catch {
    return;
  }
  for (const s of entries) spawnSync('ssh', ['-o', `ControlPath=${join(controlDir, s)}`, '-O', 'exit', 'x'], { stdio: 'ignore' });
}

const lab = await startLab(STANDARD);
try {
  const ours = (dst: string, json: string): Promise<Run> =>
    timed(process.execPath, [BIN, '-F', lab.sshConfig, '--libvirt-uri', lab.libvirtUri, '--dirty-rate', '20', '--bandwidth', '1000', '--quiet', '--json', json, 'hv1', dst]);
  const ansible = (inventory: string): Promise<Run> =>
    timed('ansible-playbook', ['-i', inventory, '-e', `libvirt_uri=${lab.libvirtUri}`, PLAYBOOK], env);

  const inv2 = writeInventory(lab, work, 'hv1', 'hv2');
  const json2 = join(work, 'ours-hv2.json');
  const oursMs: number[] = [];
  const ansibleMs: number[] = [];
  const warmBefore: number[] = [];
  for (let i = 0; i < RUNS + 1; i++) {
    // Alternate which goes first, so neither always runs on a machine the other just warmed.
    const order = i % 2 === 0 ? (['ours', 'ansible'] as const) : (['ansible', 'ours'] as const);
    for (const which of order) {
      if (which === 'ours') {
        rmSync(json2, { force: true });
        const r = await ours('hv2', json2);
        if (r.code !== 0) fail('ours on hv1 -> hv2 did not pass', r);
        const rep = readReport(json2);
        if (rep.summary.fail !== 0 || rep.summary.error !== 0) fail(`ours on hv1 -> hv2 reported ${rep.summary.fail} fail, ${rep.summary.error} error`, r);
        if (i > 0) oursMs.push(r.ms);
      } else {
        const masters = liveMasters();
        const r = await ansible(inv2);
        const p = parseAnsible(r.stdout);
        const bad = [...p.recap.values()].some((x) => (x.failed ?? 0) > 0 || (x.unreachable ?? 0) > 0);
        if (r.code !== 0 || p.recap.size !== 2 || bad) fail('ansible-playbook on hv1 -> hv2 did not pass', r);
        if (i > 0) {
          ansibleMs.push(r.ms);
          warmBefore.push(masters);
        }
      }
    }
  }

  const mo = median(oursMs);
  const ma = median(ansibleMs);
  const out: string[] = [];
  out.push(`${ansibleVersion}; pipelining on, ssh ControlMaster=auto ControlPersist=60s; forks 5`);
  out.push(`hv1 -> hv2 (passes), ${RUNS} timed runs each, interleaved, after 1 discarded warm-up iteration:`);
  out.push(`  ours (node start-up included, 2 fresh SSH handshakes per run):  median ${mo.toFixed(0)} ms`);
  out.push(`  ansible-playbook (python start-up included, warm SSH masters):  median ${ma.toFixed(0)} ms`);
  out.push(`  ratio ansible/ours: ${(ma / mo).toFixed(1)}x (target >= 5x)`);
  out.push(`  live ControlPersist masters before each timed ansible run: ${warmBefore.join(' ')} (of 2 hosts)`);
  out.push(`  raw ours ms:    ${oursMs.map((x) => x.toFixed(0)).join(' ')}`);
  out.push(`  raw ansible ms: ${ansibleMs.map((x) => x.toFixed(0)).join(' ')}`);

  // One run of each on the failing pair. hv3 has had no SSH master yet: that run is cold for it.
  const inv3 = writeInventory(lab, work, 'hv1', 'hv3');
  const json3 = join(work, 'ours-hv3.json');
  const r3 = await ours('hv3', json3);
  if (r3.code !== 1) fail('ours on hv1 -> hv3: expected exit 1 (a rule failed)', r3);
  const rep3 = readReport(json3);
  const failing = rep3.results.filter((x) => x.status === 'fail');
  const failingIds = [...new Set(failing.map((x) => x.id))];
  const mastersBefore3 = liveMasters();
  const a3 = await ansible(inv3);
  const p3 = parseAnsible(a3.stdout);
  if (a3.code !== 2 || p3.failed.length === 0 || [...p3.recap.values()].some((x) => (x.unreachable ?? 0) > 0)) {
    fail('ansible-playbook on hv1 -> hv3: expected exit 2 with failed asserts', a3);
  }
  const ansibleIds = [...new Set(p3.failed.map((f) => f.task.replace(/ \(.*$/, '')))];
  out.push('');
  out.push('hv1 -> hv3 (fails), one run each:');
  out.push(
    `  ours: exit ${r3.code}, ${r3.ms.toFixed(0)} ms; ${failing.length} failing results from ${failingIds.length} rules ` +
      `(${failingIds.filter((id) => PLAYBOOK_RULES.has(id)).length} of them rules the playbook asserts too):`,
  );
  out.push(`    ${failingIds.map((id) => `${id}${failing.filter((x) => x.id === id).length > 1 ? ` x${failing.filter((x) => x.id === id).length}` : ''}`).join(', ')}`);
  out.push(
    `  ansible: exit ${a3.code}, ${a3.ms.toFixed(0)} ms (live masters before: ${mastersBefore3}; hv3's first connection is new); ` +
      `${p3.failed.length} failing assert(s) before the failing host's play stopped:`,
  );
  for (const f of p3.failed) out.push(`    ${f.task} on ${f.host}: ${f.msg.length > 160 ? `${f.msg.slice(0, 157)}...` : f.msg}`);
  out.push(`  ansible recap: ${[...p3.recap].map(([h, x]) => `${h} ok=${x.ok} failed=${x.failed} skipped=${x.skipped}`).join('; ')}`);
  out.push(`  rules ours reports failing that the playbook never got to: ${failingIds.filter((id) => PLAYBOOK_RULES.has(id) && !ansibleIds.includes(id)).join(', ') || 'none'}`);
  process.stdout.write(`${out.join('\n')}\n`);
} finally {
  closeMasters();
  await lab.stop();
  rmSync(work, { recursive: true, force: true });
}
