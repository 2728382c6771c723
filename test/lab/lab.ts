/**
 * A lab of real OpenSSH hosts, each in its own network, mount and UTS namespace, with its own
 * /proc/cpuinfo, hostname, /etc/hosts, libvirt test-driver node XML, bridges and nftables
 * ruleset. Needs root. Tears down only what it started (by pid, namespace and link name).
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, realpathSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { shq as q } from '../../src/checks/shell.js';
import { untilOk } from './sh.js';
import { glusterMountStep, glusterServerSteps } from './gluster.js';
import { libvirtdSteps, privateRun } from './libvirtd.js';
import { COMMANDS, ensureCommands, TEST_COMMANDS, type Command } from './packages.js';

/** One host of a scenario. */
export interface HostSpec {
  /** Hostname, ssh_config alias and namespace suffix: [a-z0-9-]. */
  readonly name: string;
  /** A real /proc/cpuinfo dump to show as this host's /proc/cpuinfo (a path, or the bytes themselves). */
  readonly cpuinfo: string | Buffer;
  /** Personality for `uname -m` (setarch), e.g. i686; default the machine's own. */
  readonly arch?: string;
  /** libvirt test-driver XML (`<node>` with domains, networks, pools); not for a `libvirtd` host. */
  readonly nodeXml?: string;
  /**
   * Run a real libvirtd with QEMU (test/lab/libvirtd.ts) instead of the test driver: the host is
   * then a hypervisor that really migrates, reached at qemu:///system, and its root can ssh to
   * the other hosts by name (qemu+ssh://dst.lab/system).
   */
  readonly libvirtd?: true;
  /** net.ipv4.tcp_syn_retries in the host's namespace: how long its connects to a silent port hang (default 6, ~127 s). */
  readonly synRetries?: number;
  /** Linux bridges to create inside the host's namespace. */
  readonly bridges?: readonly string[];
  /** An nftables ruleset loaded in the host's namespace; a function gets the lab's address of each host. */
  readonly nft?: string | ((ipOf: (host: string) => string) => string);
  /** Extra /etc/hosts lines (the lab's own names are always there). */
  readonly extraHosts?: string;
  /** Start no sshd: the address exists but refuses connections. */
  readonly noSshd?: boolean;
  /**
   * sshd's MaxStartups: `default` leaves sshd's own (10:30:100: beyond ten connections not yet
   * authenticated it drops new ones at random), as on a real host; a number N drops every new one
   * while N wait. The lab's default is 200:30:400.
   */
  readonly maxStartups?: 'default' | number;
  /** /etc/machine-id (32 hex digits); default a fresh one. Give two hosts the same to clone them. */
  readonly machineId?: string;
  /**
   * libvirtd hosts: x86 CPU models taken out of this host's libvirt CPU map (a private copy of
   * /usr/share/libvirt/cpu_map), as an older libvirt release that never knew them.
   */
  readonly cpuMapWithout?: readonly string[];
  /** Map the hostname to 127.0.1.1 in /etc/hosts (the Debian installer's default) instead of the lab address. */
  readonly loopbackHostname?: boolean;
  /** The hostname the host gives itself (uname -n), when not its lab name: e.g. localhost, as on a machine never named. */
  readonly unameHostname?: string;
  /** Directories this host exports over SFTP (it is then a file server for the others' sshfs mounts). */
  readonly exports?: readonly string[];
  /**
   * Real files on the host's own /srv (a tmpfs): `allocated` bytes of data written, then extended
   * (sparse) to `size`; for disk images whose allocation the probes stat.
   */
  readonly files?: readonly { readonly path: string; readonly allocated: number; readonly size: number }[];
  /**
   * Directories on the host's own /srv, each its own tmpfs of `sizeMiB` (so its free space is
   * real and known) with permission bits `mode`: where copied disks or save images would go.
   */
  readonly dirs?: readonly { readonly path: string; readonly sizeMiB: number; readonly mode: number }[];
  /**
   * GlusterFS volumes this host serves (test/lab/gluster.ts), one brick each on its /srv: shared
   * storage libvirt counts as shared, which sshfs is not.
   */
  readonly glusterVolumes?: readonly string[];
  /**
   * Network filesystem mounts: `at` must lie under /srv. sshfs (fuse.sshfs, default) of a
   * host's `exports`, or glusterfs (fuse.glusterfs) of a host's `glusterVolumes`.
   */
  readonly mounts?: readonly { readonly from: string; readonly export: string; readonly at: string; readonly fs?: 'sshfs' | 'glusterfs' }[];
  /** Shift the clock that SSH sessions see (libfaketime), e.g. '+300s'. */
  readonly clockOffset?: string;
  /** Extra login users (same lab key as root); sudo: whether `sudo -n` asks a password. */
  readonly users?: readonly { readonly name: string; readonly sudo: 'password' | 'nopasswd' }[];
  /** Commands that do not exist on this host (hidden by an overlayfs whiteout), e.g. ['virsh', 'nft']. */
  readonly removeCommands?: readonly Command[];
  /** A unix socket /srv/hung.sock, private to this host, that accepts connections and never answers (a hung libvirtd). */
  readonly hungSocket?: boolean;
  /** After start-up, remount / read-only in the host's mount namespace: any write on it fails. */
  readonly readOnly?: boolean;
  /** Addresses (CIDR) to put on this host's bridges, e.g. { xenbr0: '192.168.10.11/24' }. */
  readonly bridgeAddrs?: Readonly<Record<string, string>>;
  /** TCP ports on which something accepts connections (and says nothing): a stand-in for a daemon such as xend's relocation server. */
  readonly listen?: readonly number[];
  /**
   * A Xen control domain, as far as the probes can see one: no hypervisor runs here, but `xl` (or
   * `xm`, an xend host) is a small script printing these saved outputs for `info`, `list` and
   * `list -l`, and /etc/xen/xend-config.sxp holds xendConfig when given.
   */
  readonly xen?: { readonly toolstack: 'xl' | 'xm'; readonly info: string; readonly list: string; readonly listLong: string; readonly xendConfig?: string };
}

export interface Scenario {
  readonly hosts: readonly HostSpec[];
}

export interface LabHost {
  readonly name: string;
  readonly ip: string;
  readonly ns: string;
  readonly pid: number | null;
}

/** Where the libvirt test driver's node file sits on every lab host. */
export const LAB_LIBVIRT_URI = 'test:///etc/lab/node.xml';

export interface Lab {
  readonly dir: string;
  readonly sshConfig: string;
  readonly knownHosts: string;
  /** known_hosts with a wrong key for every host: a man in the middle. */
  readonly wrongKnownHosts: string;
  readonly identity: string;
  readonly hosts: ReadonlyMap<string, LabHost>;
  readonly libvirtUri: string;
  stop(): Promise<void>;
}

const STATE_ROOT = '/run/migrate-preflight-lab';
const MOUNTPOINT = '/etc/lab';

/** libfaketime's preload library (its directory is architecture-specific). */
function libfaketime(): string {
  for (const d of readdirSync('/usr/lib')) {
    const f = join('/usr/lib', d, 'faketime', 'libfaketime.so.1');
    if (existsSync(f)) return f;
  }
  throw new Error('lab: libfaketime.so.1 not found (apt-get install faketime)');
}

function sh(cmd: string, args: readonly string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    const err = (e as { stderr?: string }).stderr?.trim();
    throw new Error(`lab: ${cmd} ${args.join(' ')} failed${err ? `: ${err}` : ''}`);
  }
}

/** Installs what the lab, the tests and the demo run and this machine lacks (Debian, apt-get). */
export function ensurePackages(log: (s: string) => void = () => {}): void {
  ensureCommands(TEST_COMMANDS, log);
}

/** Why the lab cannot run here, or null. */
export function labUnavailable(): string | null {
  if (process.platform !== 'linux') return 'the lab needs Linux namespaces';
  if (process.getuid?.() !== 0) return 'the lab needs root (network namespaces, bind mounts)';
  return null;
}

/** Picks a free lab slot: each lab gets its own /24 (10.203.<40+slot>.0/24), used for nothing else. */
function claimSlot(): { slot: number; stateDir: string } {
  mkdirSync(STATE_ROOT, { recursive: true });
  for (let slot = 0; slot < 16; slot++) {
    const stateDir = join(STATE_ROOT, String(slot));
    try {
      mkdirSync(stateDir); // atomic claim
      return { slot, stateDir };
    } catch {
      const stateFile = join(stateDir, 'state.json');
      if (existsSync(stateFile)) {
        const st = JSON.parse(readFileSync(stateFile, 'utf8')) as { owner: number };
        if (!isAlive(st.owner)) {
          teardownState(stateDir);
          try {
            mkdirSync(stateDir);
            return { slot, stateDir };
          } catch {
            /* somebody else took it */
          }
        }
      }
    }
  }
  throw new Error('lab: no free slot (16 labs running?)');
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

interface State {
  owner: number;
  dir: string;
  bridge: string;
  namespaces: string[];
  veths: string[];
  pids: number[];
  createdMountpoint: boolean;
  /** The kernel's ARP table limits before this lab raised them (restored when the last lab goes). */
  neighLimits?: Record<string, string>;
}

const NEIGH = ['net.ipv4.neigh.default.gc_thresh1', 'net.ipv4.neigh.default.gc_thresh2', 'net.ipv4.neigh.default.gc_thresh3'] as const;

/**
 * The kernel keeps one ARP table for every network namespace, capped at gc_thresh3 (1024 by
 * default). A fleet of 32 lab hosts that all talk to each other needs about 33 x 33 entries:
 * past the cap new neighbours fail ("neighbor table overflow") and connects time out. Raises the
 * limits when a scenario needs more, and returns what they were.
 */
function raiseNeighLimits(hosts: number): Record<string, string> | undefined {
  const need = (hosts + 1) * (hosts + 1) + 256;
  const now = Object.fromEntries(NEIGH.map((k) => [k, sh('sysctl', ['-n', k]).trim()]));
  if (Number(now['net.ipv4.neigh.default.gc_thresh3']) >= need) return undefined;
  const max = Math.max(4096, 2 * need);
  sh('sysctl', ['-q', '-w', `net.ipv4.neigh.default.gc_thresh3=${max}`, `net.ipv4.neigh.default.gc_thresh2=${max / 2}`, `net.ipv4.neigh.default.gc_thresh1=${Math.min(max / 8, 1024)}`]);
  return now;
}

function tryRun(cmd: string, args: string[]): void {
  try {
    execFileSync(cmd, args, { stdio: 'ignore' });
  } catch {
    /* already gone */
  }
}

/** Removes what a lab recorded in its state file: its processes, namespaces, bridge and files. */
export function teardownState(stateDir: string): void {
  const file = join(stateDir, 'state.json');
  if (existsSync(file)) {
    const st = JSON.parse(readFileSync(file, 'utf8')) as State;
    for (const pid of st.pids) {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        /* gone */
      }
    }
    for (const ns of st.namespaces) {
      // Session processes of that namespace's sshd (children of the listener) die with their connections;
      // kill whatever is left in the namespace that we started.
      try {
        const pids = execFileSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' }).split('\n').filter(Boolean);
        for (const p of pids) tryRun('kill', ['-KILL', p]);
      } catch {
        /* gone */
      }
      tryRun('ip', ['netns', 'del', ns]);
    }
    // Deleting the root-side end removes the pair at once; the kernel frees a namespace's links lazily.
    for (const v of st.veths ?? []) tryRun('ip', ['link', 'del', v]);
    tryRun('ip', ['link', 'del', st.bridge]);
    rmSync(st.dir, { recursive: true, force: true });
    const othersRunning = readdirSync(STATE_ROOT).some((d) => join(STATE_ROOT, d) !== stateDir);
    if (st.neighLimits && !othersRunning) tryRun('sysctl', ['-q', '-w', ...Object.entries(st.neighLimits).map(([k, v]) => `${k}=${v}`)]);
    if (st.createdMountpoint) {
      const others = readdirSync(STATE_ROOT).filter((d) => join(STATE_ROOT, d) !== stateDir);
      if (others.length === 0) {
        try {
          rmdirSync(MOUNTPOINT);
        } catch {
          /* busy or not empty: leave it */
        }
      }
    }
  }
  rmSync(stateDir, { recursive: true, force: true });
}

/** sshd writes its PidFile once it listens: readiness that does not depend on the host's firewall. */
function waitForPidFile(file: string, pid: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const poll = (): void => {
      if (existsSync(file)) return resolve();
      if (!isAlive(pid)) {
        const log = join(dirname(file), 'start.log');
        const why = existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').slice(-3).join(' / ') : '';
        return reject(new Error(`lab: sshd (pid ${pid}) of ${basename(dirname(file))} exited at start-up${why ? `: ${why}` : ''}`));
      }
      if (Date.now() > deadline) return reject(new Error(`lab: sshd (pid ${pid}) did not come up`));
      setTimeout(poll, 20);
    };
    poll();
  });
}

/** Starts the hosts of a scenario; resolves when every sshd accepts connections. */
export async function startLab(scenario: Scenario): Promise<Lab> {
  const why = labUnavailable();
  if (why) throw new Error(`lab: ${why}`);
  ensurePackages((s) => process.stderr.write(`${s}\n`));
  const { slot, stateDir } = claimSlot();
  const dir = mkdtempSync(join(tmpdir(), `mp-lab${slot}-`));
  // Non-root lab users' sshd reads authorized_keys as that user: the way there must be open (keys stay 0600).
  chmodSync(dir, 0o755);
  const subnet = `10.203.${40 + slot}`;
  const bridge = `mplab${slot}`;
  const createdMountpoint = !existsSync(MOUNTPOINT);
  if (createdMountpoint) mkdirSync(MOUNTPOINT);
  const state: State = { owner: process.pid, dir, bridge, namespaces: [], veths: [], pids: [], createdMountpoint };
  const tag = randomBytes(3).toString('hex');
  const save = (): void => writeFileSync(join(stateDir, 'state.json'), JSON.stringify(state));
  save();
  try {
    const neighLimits = raiseNeighLimits(scenario.hosts.length);
    if (neighLimits) {
      state.neighLimits = neighLimits;
      save();
    }
    mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
    sh('ip', ['link', 'add', bridge, 'type', 'bridge']);
    sh('ip', ['addr', 'add', `${subnet}.1/24`, 'dev', bridge]);
    sh('ip', ['link', 'set', bridge, 'up']);

    const identity = join(dir, 'id_ed25519');
    sh('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'migrate-preflight-lab', '-f', identity]);
    writeFileSync(join(dir, 'authorized_keys'), readFileSync(`${identity}.pub`));
    // A key no host has: the "wrong" known_hosts maps every host to it.
    sh('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'impostor', '-f', join(dir, 'impostor_key')]);
    const impostor = readFileSync(join(dir, 'impostor_key.pub'), 'utf8').split(' ').slice(0, 2).join(' ');

    const hosts = new Map<string, LabHost>();
    const ips = new Map(scenario.hosts.map((h, i) => [h.name, `${subnet}.${10 + i}`]));
    const ipOf = (n: string): string => {
      const a = ips.get(n);
      if (!a) throw new Error(`lab: unknown host ${n}`);
      return a;
    };
    const known: string[] = [];
    const knownByName: string[] = [];
    const wrong: string[] = [];
    const sshConfig: string[] = [];
    const exportPath = (host: string, e: string): string => join(dir, host, 'exports', e);

    // First every host's namespace, files and keys (sshfs mounts need the complete known_hosts) ...
    const inner = new Map<string, string>();
    for (const [i, h] of scenario.hosts.entries()) {
      if (!/^[a-z][a-z0-9-]{0,20}$/.test(h.name)) throw new Error(`lab: bad host name ${h.name}`);
      const ip = ipOf(h.name);
      const ns = `mplab${slot}-${h.name}`;
      const hd = join(dir, h.name);
      mkdirSync(join(hd, 'etc-lab'), { recursive: true });
      mkdirSync(join(hd, 'root'), { mode: 0o700 });
      sh('ip', ['netns', 'add', ns]);
      state.namespaces.push(ns);
      save();
      const veth = `mp${tag}h${i}`; // unique per run: a lingering pair from a previous lab cannot collide
      sh('ip', ['link', 'add', veth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
      state.veths.push(veth);
      save();
      sh('ip', ['link', 'set', veth, 'master', bridge, 'up']);
      sh('ip', ['-n', ns, 'addr', 'add', `${ip}/24`, 'dev', 'eth0']);
      sh('ip', ['-n', ns, 'link', 'set', 'eth0', 'up']);
      sh('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
      for (const br of h.bridges ?? []) {
        sh('ip', ['-n', ns, 'link', 'add', br, 'type', 'bridge']);
        sh('ip', ['-n', ns, 'link', 'set', br, 'up']);
        const addr = h.bridgeAddrs?.[br];
        if (addr) sh('ip', ['-n', ns, 'addr', 'add', addr, 'dev', br]);
      }
      if (h.nft) {
        writeFileSync(join(hd, 'rules.nft'), typeof h.nft === 'string' ? h.nft : h.nft(ipOf));
        sh('ip', ['netns', 'exec', ns, 'nft', '-f', join(hd, 'rules.nft')]);
      }
      if (h.synRetries !== undefined) sh('ip', ['netns', 'exec', ns, 'sysctl', '-q', '-w', `net.ipv4.tcp_syn_retries=${h.synRetries}`]);
      for (const e of h.exports ?? []) mkdirSync(exportPath(h.name, e), { recursive: true });
      if (h.nodeXml !== undefined) writeFileSync(join(hd, 'etc-lab', 'node.xml'), h.nodeXml);
      if (h.libvirtd) {
        // The hypervisor's own ssh client (virsh migrate qemu+ssh://dst.lab/system) uses the lab's key.
        mkdirSync(join(hd, 'root', '.ssh'), { mode: 0o700 });
        writeFileSync(
          join(hd, 'root', '.ssh', 'config'),
          `Host *\n  IdentityFile ${identity}\n  IdentitiesOnly yes\n  UserKnownHostsFile ${join(dir, 'known_hosts.names')}\n  StrictHostKeyChecking yes\n  BatchMode yes\n`,
        );
      }
      const self = h.loopbackHostname ? `127.0.1.1 ${h.name}.lab ${h.name}` : '';
      const others = [...ips].filter(([n]) => !(h.loopbackHostname && n === h.name)).map(([n, a]) => `${a} ${n}.lab ${n}`);
      writeFileSync(join(hd, 'hosts'), `127.0.0.1 localhost\n${self ? `${self}\n` : ''}${others.join('\n')}\n${h.extraHosts ?? ''}`);
      writeFileSync(join(hd, 'hostname'), `${h.unameHostname ?? h.name}\n`);
      writeFileSync(join(hd, 'machine-id'), `${h.machineId ?? randomBytes(16).toString('hex')}\n`);
      sh('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', h.name, '-f', join(hd, 'ssh_host_ed25519_key')]);
      const pub = readFileSync(join(hd, 'ssh_host_ed25519_key.pub'), 'utf8').split(' ').slice(0, 2).join(' ');
      known.push(`${ip} ${pub}`);
      knownByName.push(`${h.name},${h.name}.lab,${ip} ${pub}`);
      wrong.push(`${ip} ${impostor}`);
      writeFileSync(
        join(hd, 'sshd_config'),
        [
          'Port 22',
          `ListenAddress ${ip}`,
          `HostKey ${join(hd, 'ssh_host_ed25519_key')}`,
          `PidFile ${join(hd, 'sshd.pid')}`,
          `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
          'PermitRootLogin prohibit-password',
          'PasswordAuthentication no',
          'KbdInteractiveAuthentication no',
          'UsePAM no',
          'StrictModes no',
          ...(h.maxStartups === 'default' ? [] : [`MaxStartups ${h.maxStartups ?? '200:30:400'}`]),
          'MaxSessions 64',
          'LogLevel ERROR',
          'Subsystem sftp /usr/lib/openssh/sftp-server',
          ...(h.clockOffset ? [`SetEnv LD_PRELOAD=${libfaketime()} FAKETIME=${h.clockOffset}`] : []),
          '',
        ].join('\n'),
      );
      sshConfig.push(
        `Host ${h.name}`,
        `  HostName ${ip}`,
        '  User root',
        `  IdentityFile ${identity}`,
        '  IdentitiesOnly yes',
        `  UserKnownHostsFile ${join(dir, 'known_hosts')}`,
        '  StrictHostKeyChecking yes',
        '',
      );
      const sshfsOpts = `IdentityFile=${identity},UserKnownHostsFile=${join(dir, 'known_hosts')},StrictHostKeyChecking=yes,BatchMode=yes`;
      const mounts = (h.mounts ?? []).flatMap((m) => {
        if (!m.at.startsWith('/srv/')) throw new Error(`lab: mount point ${m.at} of ${h.name} is not under /srv`);
        if (m.fs === 'glusterfs') return [`mkdir -p ${q(m.at)}`, glusterMountStep(m.from, m.export, m.at, join(hd, `gluster-${m.export}.log`))];
        const src = `root@${ipOf(m.from)}:${exportPath(m.from, m.export)}`;
        // The file server may still be starting: retry for a few seconds.
        return [`mkdir -p ${q(m.at)}`, untilOk(`sshfs -o ${q(sshfsOpts)} ${q(src)} ${q(m.at)}`, 50, 0.1)];
      });
      const extra: string[] = [];
      if (h.users?.length && h.libvirtd) throw new Error(`lab: ${h.name}: a libvirtd host has no extra users`);
      if (h.users?.length) {
        // Copies of the host's account files with the lab users added, bound over the real ones.
        const uid = (i: number): number => 2000 + i;
        const passwd = readFileSync('/etc/passwd', 'utf8') + h.users.map((u, i) => `${u.name}:x:${uid(i)}:${uid(i)}::${hd}:/bin/sh\n`).join('');
        const group = readFileSync('/etc/group', 'utf8') + h.users.map((u, i) => `${u.name}:x:${uid(i)}:\n`).join('');
        const shadow = readFileSync('/etc/shadow', 'utf8') + h.users.map((u) => `${u.name}:*:19000:0:99999:7:::\n`).join('');
        const sudoers = ['Defaults env_reset', 'root ALL=(ALL:ALL) ALL', ...h.users.map((u) => `${u.name} ALL=(ALL:ALL) ${u.sudo === 'nopasswd' ? 'NOPASSWD: ' : ''}ALL`), ''].join('\n');
        writeFileSync(join(hd, 'passwd'), passwd);
        writeFileSync(join(hd, 'group'), group);
        writeFileSync(join(hd, 'shadow'), shadow, { mode: 0o640 });
        writeFileSync(join(hd, 'sudoers'), sudoers, { mode: 0o440 });
        for (const f of ['passwd', 'group', 'shadow', 'sudoers']) extra.push(`mount --bind ${q(join(hd, f))} /etc/${f}`);
      }
      const hidden = new Map<string, string[]>();
      for (const cmd of h.removeCommands ?? []) {
        // The real file: /sbin and /bin are symlinks into /usr on Debian, the overlay goes on the real directory.
        const path = realpathSync(COMMANDS[cmd].path);
        hidden.set(dirname(path), [...(hidden.get(dirname(path)) ?? []), basename(path)]);
      }
      for (const [d, names] of hidden) {
        const ov = join(hd, 'overlay', d.replace(/\//g, '_'));
        mkdirSync(join(ov, 'upper'), { recursive: true });
        mkdirSync(join(ov, 'work'), { recursive: true });
        // Overlayfs whiteouts (char devices 0:0) hide the commands in this namespace only.
        for (const n of names) extra.push(`mknod ${q(join(ov, 'upper', n))} c 0 0`);
        extra.push(`mount -t overlay lab-ov -o ${q(`lowerdir=${d},upperdir=${ov}/upper,workdir=${ov}/work`)} ${q(d)}`);
      }
      for (const d of h.dirs ?? []) {
        if (!d.path.startsWith('/srv/') || d.path.includes('..')) throw new Error(`lab: ${h.name}: dirs must lie under /srv: ${d.path}`);
        extra.push(
          'mountpoint -q /srv || mount -t tmpfs lab-srv /srv',
          `mkdir -p ${q(d.path)}`,
          `mount -t tmpfs -o ${q(`size=${d.sizeMiB}m,mode=${d.mode.toString(8)}`)} lab-dir ${q(d.path)}`,
        );
      }
      for (const f of h.files ?? []) {
        if (!f.path.startsWith('/srv/') || f.path.includes('..')) throw new Error(`lab: ${h.name}: files must lie under /srv: ${f.path}`);
        extra.push(
          'mountpoint -q /srv || mount -t tmpfs lab-srv /srv',
          `mkdir -p ${q(dirname(f.path))}`,
          `head -c ${f.allocated} /dev/urandom > ${q(f.path)}`,
          `truncate -s ${f.size} ${q(f.path)}`,
        );
      }
      const early: string[] = [];
      if (h.xen) {
        // The stand-in toolstack: its outputs under /etc/lab/xen, the script on root's PATH.
        const xd = join(hd, 'etc-lab', 'xen');
        mkdirSync(xd, { recursive: true });
        writeFileSync(join(xd, 'info'), h.xen.info);
        writeFileSync(join(xd, 'list'), h.xen.list);
        writeFileSync(join(xd, 'list-long'), h.xen.listLong);
        mkdirSync(join(hd, 'xbin'));
        writeFileSync(
          join(hd, 'xbin', h.xen.toolstack),
          [
            '#!/bin/sh',
            `# Lab stand-in for ${h.xen.toolstack}: no Xen hypervisor runs here; prints saved outputs of real hosts.`,
            'case "$*" in',
            '  info) exec cat /etc/lab/xen/info ;;',
            '  list) exec cat /etc/lab/xen/list ;;',
            '  "list -l") exec cat /etc/lab/xen/list-long ;;',
            `  *) echo "lab ${h.xen.toolstack} stand-in: $* is not supported" >&2; exit 1 ;;`,
            'esac',
            '',
          ].join('\n'),
          { mode: 0o755 },
        );
        extra.push(`mount --bind ${q(join(hd, 'xbin'))} /usr/local/sbin`);
        if (h.xen.xendConfig !== undefined) {
          // /etc/xen does not exist on this machine: an overlay on /etc adds it in this namespace only (before the other /etc binds).
          const ov = join(hd, 'etc-overlay');
          mkdirSync(join(ov, 'upper', 'xen'), { recursive: true });
          mkdirSync(join(ov, 'work'));
          writeFileSync(join(ov, 'upper', 'xen', 'xend-config.sxp'), h.xen.xendConfig);
          early.push(`mount -t overlay lab-etc -o ${q(`lowerdir=/etc,upperdir=${ov}/upper,workdir=${ov}/work`)} /etc`);
        }
      }
      for (const port of h.listen ?? []) {
        extra.push(
          `{ /usr/bin/python3 -c ${q('import socket,sys\ns=socket.socket()\ns.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1)\ns.bind(("",int(sys.argv[1])))\ns.listen(64)\nc=[]\nwhile True: c.append(s.accept())')} ${port} >/dev/null 2>&1 & }`,
        );
      }
      if (h.hungSocket) {
        extra.push(
          ...(mounts.length > 0 ? [] : ['mount -t tmpfs lab-srv /srv']),
          `{ /usr/bin/python3 -c ${q('import socket,sys\ns=socket.socket(socket.AF_UNIX)\ns.bind(sys.argv[1])\ns.listen(64)\nc=[]\nwhile True: c.append(s.accept())')} /srv/hung.sock >/dev/null 2>&1 & }`,
        );
      }
      const cpuinfoPath = typeof h.cpuinfo === 'string' ? h.cpuinfo : join(hd, 'cpuinfo');
      if (typeof h.cpuinfo !== 'string') writeFileSync(cpuinfoPath, h.cpuinfo);
      const sshd = [...(h.arch ? ['setarch', h.arch] : []), '/usr/sbin/sshd', '-D', '-e', '-f', join(hd, 'sshd_config')];
      inner.set(
        h.name,
        [
          ...early,
          `mount --bind ${q(cpuinfoPath)} /proc/cpuinfo`,
          `mount --bind ${q(join(hd, 'hosts'))} /etc/hosts`,
          `mount --bind ${q(join(hd, 'hostname'))} /etc/hostname`,
          `mount --bind ${q(join(hd, 'machine-id'))} /etc/machine-id`,
          `mount --bind ${q(join(hd, 'etc-lab'))} ${MOUNTPOINT}`,
          // A home of its own: the lab's root sessions must not run this machine's root dotfiles.
          `mount --bind ${q(join(hd, 'root'))} /root`,
          ...(mounts.length > 0 ? ['mount -t tmpfs lab-srv /srv', ...mounts] : []),
          ...extra,
          `hostname ${q(h.unameHostname ?? h.name)}`,
          ...(h.libvirtd || h.glusterVolumes?.length ? privateRun() : []),
          ...(h.glusterVolumes?.length ? ['mountpoint -q /srv || mount -t tmpfs lab-srv /srv', ...glusterServerSteps(hd, h.name, h.glusterVolumes)] : []),
          ...(h.libvirtd ? libvirtdSteps(hd, h.cpuMapWithout) : []),
          `exec ${sshd.map(q).join(' ')}`,
        ].join(' && '),
      );
      hosts.set(h.name, { name: h.name, ip, ns, pid: null });
    }
    writeFileSync(join(dir, 'known_hosts'), `${known.join('\n')}\n`);
    writeFileSync(join(dir, 'known_hosts.names'), `${knownByName.join('\n')}\n`);
    writeFileSync(join(dir, 'known_hosts.wrong'), `${wrong.join('\n')}\n`);
    writeFileSync(join(dir, 'ssh_config'), sshConfig.join('\n'));

    // ... then the sshds: file servers first, so the others' sshfs mounts find them.
    const order = [...scenario.hosts].sort((a, b) => Number((a.mounts?.length ?? 0) > 0) - Number((b.mounts?.length ?? 0) > 0));
    const start = (h: HostSpec): Promise<void> => {
      if (h.noSshd) return Promise.resolve();
      const lh = hosts.get(h.name) as LabHost;
      // Start-up errors (a failed mount, sshd refusing its config) land in <host>/start.log, except on a
      // read-only host: a file open for writing would keep / from being remounted read-only.
      const log = h.readOnly ? openSync('/dev/null', 'w') : openSync(join(dir, h.name, 'start.log'), 'w');
      const child = spawn('ip', ['netns', 'exec', lh.ns, 'unshare', '--mount', '--uts', '--propagation', 'private', 'sh', '-c', inner.get(h.name) as string], {
        detached: true,
        stdio: ['ignore', log, log],
      });
      closeSync(log);
      child.unref();
      if (child.pid === undefined) throw new Error(`lab: could not start ${h.name}`);
      state.pids.push(child.pid);
      save();
      hosts.set(h.name, { ...lh, pid: child.pid });
      const pid = child.pid;
      // A libvirtd host starts sshd once QEMU's capabilities are probed: seconds more under load.
      return waitForPidFile(join(dir, h.name, 'sshd.pid'), pid, h.libvirtd ? 90_000 : 15_000).then(() => {
        // The sshd is up: from now on nothing in this host's mount namespace can write to /.
        if (h.readOnly) sh('nsenter', ['-t', String(pid), '-m', 'mount', '-o', 'remount,bind,ro', '/']);
      });
    };
    await Promise.all(order.filter((h) => !(h.mounts?.length ?? 0)).map(start));
    await Promise.all(order.filter((h) => (h.mounts?.length ?? 0) > 0).map(start));
    let stopped = false;
    return {
      dir,
      sshConfig: join(dir, 'ssh_config'),
      knownHosts: join(dir, 'known_hosts'),
      wrongKnownHosts: join(dir, 'known_hosts.wrong'),
      identity,
      hosts,
      libvirtUri: LAB_LIBVIRT_URI,
      async stop() {
        if (stopped) return;
        stopped = true;
        // The slot may already have been cleaned up and reused by another lab: only remove our own.
        const file = join(stateDir, 'state.json');
        const st = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as State) : null;
        if (st && st.owner === process.pid && st.dir === dir) teardownState(stateDir);
      },
    };
  } catch (e) {
    teardownState(stateDir);
    throw e;
  }
}

/** Tears down every lab whose owner process is gone (or all of them with force). */
export function teardownAll(force = false): number {
  if (!existsSync(STATE_ROOT)) return 0;
  let n = 0;
  for (const d of readdirSync(STATE_ROOT)) {
    const stateDir = join(STATE_ROOT, d);
    const file = join(stateDir, 'state.json');
    const owner = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as State).owner : -1;
    if (force || !isAlive(owner)) {
      teardownState(stateDir);
      n++;
    }
  }
  return n;
}
