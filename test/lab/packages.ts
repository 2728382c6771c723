/**
 * Every external command that the lab, the tests, the demo and the benches run, with the Debian
 * package that provides it: the one list the project's set-up installs from. A fresh machine of
 * our kind has Node, npm, python3, make and g++, and nothing else we may take for granted.
 * test/unit/packages.test.ts fails when test/ or bench/ names a command that is not here.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

interface Tool {
  /** Where Debian installs it (checked with existsSync: PATH may hold shims such as pyenv's). */
  readonly path: string;
  readonly pkg: string;
  /** Install with the package's recommends (chromium needs its fonts to render text). */
  readonly recommends?: true;
}

export const COMMANDS = {
  // The lab of real SSH hosts (test/lab/lab.ts).
  ip: { path: '/usr/sbin/ip', pkg: 'iproute2' },
  sysctl: { path: '/usr/sbin/sysctl', pkg: 'procps' },
  ps: { path: '/usr/bin/ps', pkg: 'procps' },
  kill: { path: '/usr/bin/kill', pkg: 'procps' },
  unshare: { path: '/usr/bin/unshare', pkg: 'util-linux' },
  nsenter: { path: '/usr/bin/nsenter', pkg: 'util-linux' },
  setarch: { path: '/usr/bin/setarch', pkg: 'util-linux' },
  mountpoint: { path: '/usr/bin/mountpoint', pkg: 'util-linux' },
  mount: { path: '/usr/bin/mount', pkg: 'mount' },
  hostname: { path: '/usr/bin/hostname', pkg: 'hostname' },
  mknod: { path: '/usr/bin/mknod', pkg: 'coreutils' },
  cat: { path: '/usr/bin/cat', pkg: 'coreutils' },
  ls: { path: '/usr/bin/ls', pkg: 'coreutils' },
  date: { path: '/usr/bin/date', pkg: 'coreutils' },
  uname: { path: '/usr/bin/uname', pkg: 'coreutils' },
  nproc: { path: '/usr/bin/nproc', pkg: 'coreutils' },
  getconf: { path: '/usr/bin/getconf', pkg: 'libc-bin' },
  sshd: { path: '/usr/sbin/sshd', pkg: 'openssh-server' },
  'sftp-server': { path: '/usr/lib/openssh/sftp-server', pkg: 'openssh-sftp-server' },
  ssh: { path: '/usr/bin/ssh', pkg: 'openssh-client' },
  'ssh-keygen': { path: '/usr/bin/ssh-keygen', pkg: 'openssh-client' },
  'ssh-agent': { path: '/usr/bin/ssh-agent', pkg: 'openssh-client' },
  'ssh-add': { path: '/usr/bin/ssh-add', pkg: 'openssh-client' },
  virsh: { path: '/usr/bin/virsh', pkg: 'libvirt-clients' },
  nft: { path: '/usr/sbin/nft', pkg: 'nftables' },
  // The fault scenarios hide it on one host; the others show a real iptables-save.
  'iptables-save': { path: '/usr/sbin/iptables-save', pkg: 'iptables' },
  sshfs: { path: '/usr/bin/sshfs', pkg: 'sshfs' },
  faketime: { path: '/usr/bin/faketime', pkg: 'faketime' },
  sudo: { path: '/usr/bin/sudo', pkg: 'sudo' },
  python3: { path: '/usr/bin/python3', pkg: 'python3' },
  getent: { path: '/usr/bin/getent', pkg: 'libc-bin' },
  'apt-get': { path: '/usr/bin/apt-get', pkg: 'apt' },
  // Real hypervisors (test/lab/libvirtd.ts): libvirtd with its log and lock daemons, QEMU (TCG).
  libvirtd: { path: '/usr/sbin/libvirtd', pkg: 'libvirt-daemon' },
  virtlogd: { path: '/usr/sbin/virtlogd', pkg: 'libvirt-daemon' },
  virtlockd: { path: '/usr/sbin/virtlockd', pkg: 'libvirt-daemon' },
  'libvirt-qemu-driver': { path: '/usr/lib/x86_64-linux-gnu/libvirt/connection-driver/libvirt_driver_qemu.so', pkg: 'libvirt-daemon-driver-qemu' },
  'qemu-system-x86_64': { path: '/usr/bin/qemu-system-x86_64', pkg: 'qemu-system-x86' },
  'qemu-img': { path: '/usr/bin/qemu-img', pkg: 'qemu-utils' },
  timeout: { path: '/usr/bin/timeout', pkg: 'coreutils' },
  // Shared storage libvirt counts as shared (test/lab/gluster.ts).
  glusterd: { path: '/usr/sbin/glusterd', pkg: 'glusterfs-server' },
  gluster: { path: '/usr/sbin/gluster', pkg: 'glusterfs-cli' },
  'mount.glusterfs': { path: '/sbin/mount.glusterfs', pkg: 'glusterfs-client' },
  // The lab guest (test/lab/guest.ts): Debian's kernel and a busybox initramfs.
  busybox: { path: '/bin/busybox', pkg: 'busybox-static' },
  'apt-cache': { path: '/usr/bin/apt-cache', pkg: 'apt' },
  'dpkg-deb': { path: '/usr/bin/dpkg-deb', pkg: 'dpkg' },
  cpio: { path: '/usr/bin/cpio', pkg: 'cpio' },
  find: { path: '/usr/bin/find', pkg: 'findutils' },
  // The real consumers the report tests check our files with.
  chromium: { path: '/usr/bin/chromium', pkg: 'chromium', recommends: true },
  xmllint: { path: '/usr/bin/xmllint', pkg: 'libxml2-utils' },
  junitparser: { path: '/usr/lib/python3/dist-packages/junitparser/__init__.py', pkg: 'python3-junitparser' },
  // Peak memory of the CLI runs (GNU time -f %M).
  time: { path: '/usr/bin/time', pkg: 'time' },
  // bench/ansible.ts only.
  'ansible-playbook': { path: '/usr/bin/ansible-playbook', pkg: 'ansible' },
} as const satisfies Record<string, Tool>;

export type Command = keyof typeof COMMANDS;

/** What `npm test` and `npm run demo` need: everything but the Ansible bench's ansible. */
export const TEST_COMMANDS: readonly Command[] = (Object.keys(COMMANDS) as Command[]).filter((c) => c !== 'ansible-playbook');

/** The commands of `cmds` that are not installed here. */
export function missingCommands(cmds: readonly Command[]): Command[] {
  return cmds.filter((c) => !existsSync(COMMANDS[c].path));
}

/** Installs Debian packages with apt-get, non-interactively. */
export function aptInstall(packages: readonly string[], opts: { recommends?: boolean } = {}): void {
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'ignore', env });
  execFileSync('apt-get', ['install', '-y', '-qq', ...(opts.recommends ? [] : ['--no-install-recommends']), ...packages], { stdio: 'ignore', env });
}

/** Installs the packages of whichever of `cmds` are missing, then checks that each is there. */
export function ensureCommands(cmds: readonly Command[], log: (s: string) => void = () => {}): void {
  const missing = missingCommands(cmds);
  if (missing.length === 0) return;
  const pkgs = (withRecommends: boolean): string[] => [...new Set(missing.filter((c) => ('recommends' in COMMANDS[c]) === withRecommends).map((c) => COMMANDS[c].pkg))];
  for (const recommends of [false, true]) {
    const p = pkgs(recommends);
    if (p.length === 0) continue;
    log(`set-up: installing ${p.join(' ')} with apt-get (for ${missing.filter((c) => p.includes(COMMANDS[c].pkg)).join(', ')})`);
    aptInstall(p, { recommends });
  }
  const still = missingCommands(cmds);
  if (still.length > 0) throw new Error(`set-up: still missing after apt-get: ${still.map((c) => `${c} (${COMMANDS[c].path}, package ${COMMANDS[c].pkg})`).join(', ')}`);
}
