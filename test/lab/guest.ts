/**
 * The lab's guest: Debian's own kernel (the package linux-image-amd64 depends on, fetched with
 * apt-get download and unpacked with dpkg-deb) and a busybox-static initramfs (cpio) whose /init
 * dirties memory at the rate its kernel command line gives. Built once per machine into
 * LAB_CACHE/guest/<kernel package>; every lab host reads the same files (QEMU opens kernel and
 * initrd on both sides of a migration).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LAB_CACHE } from './libvirtd.js';

export interface GuestImage {
  readonly kernel: string;
  readonly initrd: string;
  /** The kernel package, e.g. linux-image-6.1.0-41-amd64. */
  readonly package: string;
}

/**
 * /init: mounts what it needs, writes `fill=` MiB of memory once (non-zero: QEMU sends zero pages
 * for almost nothing), keeps a working set of `wss=` MiB in a tmpfs (zeros at first, data with
 * `wsdata=1`) and rewrites `dirty=`
 * MiB of it per second with random bytes (zero pages would cost QEMU nothing to send), paced by
 * /proc/uptime so a slow TCG guest catches up instead of drifting. Each pass over the working set
 * writes fresh bytes: QEMU's page-sampling compares page hashes, so rewriting a page with what it
 * held already goes unseen by the measurement, though migration sends it again. Prints
 * `lab-guest: ready`.
 */
const INIT = `#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
dirty=0
wss=32
fill=0
wsdata=0
for a in $(cat /proc/cmdline); do
  case "$a" in dirty=*) dirty="\${a#dirty=}" ;; wss=*) wss="\${a#wss=}" ;; fill=*) fill="\${a#fill=}" ;; wsdata=*) wsdata="\${a#wsdata=}" ;; esac
done
mkdir -p /w
mount -t tmpfs -o size=$((wss + 4))m w /w
dd if=/dev/urandom of=/w/src bs=64k count=16 2>/dev/null
# wsdata=1: the working set holds data from the start (QEMU sends zero pages for nearly nothing);
# else zeros, which boot faster.
if [ "$wsdata" = 1 ]; then
  i=0; while [ $i -lt "$wss" ]; do cat /w/src; i=$((i + 1)); done > /w/ws
else
  dd if=/dev/zero of=/w/ws bs=1M count="$wss" 2>/dev/null
fi
# fill= MiB more of non-zero memory, written once: a guest that has run for a while has few zero pages.
if [ "$fill" -gt 0 ]; then
  mkdir -p /f && mount -t tmpfs -o size=$((fill + 4))m f /f
  i=0; while [ $i -lt "$fill" ]; do cat /w/src; i=$((i + 1)); done > /f/fill
fi
echo "lab-guest: ready dirty=\${dirty}MiB/s wss=\${wss}MiB" > /dev/console
blocks=$((wss * 16))
cs() { read -r up _ < /proc/uptime; echo "\${up%.*}\${up#*.}"; }
t0=$(cs)
done_=0
off=0
while [ "$dirty" -gt 0 ]; do
  want=$(( ($(cs) - t0) * dirty * 16 / 100 ))
  n=$((want - done_))
  # More than a second behind (the guest was starved of CPU): the backlog is dropped, not written in a burst
  # far above the rate (a calm guest once read 46 MiB/s to QEMU that way).
  [ "$n" -gt $((dirty * 16)) ] && { done_=$((want - dirty * 16)); n=$((dirty * 16)); }
  [ "$n" -gt 16 ] && n=16
  if [ "$n" -gt 0 ]; then
    [ $((off + n)) -gt "$blocks" ] && n=$((blocks - off))
    dd if=/w/src of=/w/ws bs=64k count="$n" seek="$off" conv=notrunc 2>/dev/null
    done_=$((done_ + n))
    off=$(( (off + n) % blocks ))
    [ "$off" -eq 0 ] && dd if=/dev/urandom of=/w/src bs=64k count=16 2>/dev/null
  else
    sleep 0.05
  fi
done
while :; do sleep 3600; done
`;

function run(cmd: string, args: readonly string[], opts: { cwd?: string; input?: Buffer } = {}): string {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: [opts.input ? 'pipe' : 'ignore', 'pipe', 'pipe'], cwd: opts.cwd, input: opts.input, maxBuffer: 64 << 20 });
}

/** The versioned kernel package linux-image-amd64 depends on (apt's lists are refreshed if it is unknown). */
function kernelPackage(): string {
  const find = (): string | null => /Depends: (linux-image-[0-9][^\s]*)/.exec(run('apt-cache', ['depends', 'linux-image-amd64']))?.[1] ?? null;
  let pkg: string | null = null;
  try {
    pkg = find();
  } catch {
    /* no lists yet */
  }
  if (!pkg) {
    run('apt-get', ['update', '-qq']);
    pkg = find();
  }
  if (!pkg) throw new Error('lab guest: apt-cache knows no linux-image-amd64 dependency');
  return pkg;
}

/** Builds the guest's kernel and initramfs unless the cache has them. */
export function ensureGuest(log: (s: string) => void = () => {}): GuestImage {
  const root = join(LAB_CACHE, 'guest');
  mkdirSync(root, { recursive: true });
  // The cache is keyed by the kernel package and the /init script: a changed script rebuilds.
  const tag = createHash('sha256').update(INIT).digest('hex').slice(0, 8);
  const have = readdirSync(root).filter((d) => d.endsWith(`-${tag}`) && existsSync(join(root, d, 'initrd.cpio')));
  const pkg = have[0]?.slice(0, -(tag.length + 1)) ?? kernelPackage();
  const dir = join(root, `${pkg}-${tag}`);
  const image = { kernel: join(dir, 'vmlinuz'), initrd: join(dir, 'initrd.cpio'), package: pkg };
  if (existsSync(image.initrd)) return image;
  log(`lab guest: building from ${pkg} and busybox-static`);
  const work = mkdtempSync(join(root, '.build-'));
  try {
    run('apt-get', ['download', '-q', pkg], { cwd: work });
    const deb = readdirSync(work).find((f) => f.endsWith('.deb'));
    if (!deb) throw new Error(`lab guest: apt-get download ${pkg} left no .deb`);
    run('dpkg-deb', ['-x', join(work, deb), join(work, 'kernel')]);
    const boot = join(work, 'kernel', 'boot');
    const vmlinuz = readdirSync(boot).find((f) => f.startsWith('vmlinuz-'));
    if (!vmlinuz) throw new Error(`lab guest: ${deb} has no /boot/vmlinuz-*`);
    const ir = join(work, 'initramfs');
    for (const d of ['bin', 'proc', 'sys', 'dev', 'w']) mkdirSync(join(ir, d), { recursive: true });
    copyFileSync('/bin/busybox', join(ir, 'bin', 'busybox'));
    writeFileSync(join(ir, 'init'), INIT);
    chmodSync(join(ir, 'init'), 0o755);
    chmodSync(join(ir, 'bin', 'busybox'), 0o755);
    const files = run('find', ['.', '-mindepth', '1'], { cwd: ir });
    const cpio = execFileSync('cpio', ['--quiet', '-o', '-H', 'newc', '-R', '0:0'], { cwd: ir, input: files, maxBuffer: 64 << 20 });
    const out = join(work, 'out');
    mkdirSync(out);
    copyFileSync(join(boot, vmlinuz), join(out, 'vmlinuz'));
    writeFileSync(join(out, 'initrd.cpio'), cpio);
    rmSync(dir, { recursive: true, force: true });
    renameSync(out, dir);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return image;
}
