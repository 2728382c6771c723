/**
 * Shared storage libvirt counts as shared: a GlusterFS volume (Debian's glusterfs-server) served
 * by a lab file server and FUSE-mounted (fuse.glusterfs) by the hypervisor hosts. libvirt's
 * virFileIsSharedFS knows NFS, CIFS, GlusterFS, CephFS ... but not sshfs, and this machine's
 * kernel has no NFS or CIFS, so GlusterFS is the honest choice here. Everything runs inside the
 * hosts' namespaces with private state: the machine's own /var/lib/glusterd is never touched.
 */
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { shq as q } from '../../src/checks/shell.js';
import { untilOk } from './sh.js';

/** glusterd's geo-replication helper: at every start glusterd runs it ~15 times (2.5 s of python). */
const GSYNCD = '/usr/lib/x86_64-linux-gnu/glusterfs/gsyncd';
/** Brick ports: glusterd picks one inside [base, max]; a narrow range keeps it predictable. */
const BRICK_PORTS = { base: 50000, max: 50099 } as const;

/**
 * Writes the file server's private glusterd state under `hd` and returns the steps (in its
 * mount namespace, after /srv and /run are its own) that start glusterd and one started
 * single-brick volume per name, bricks on the host's /srv tmpfs.
 */
export function glusterServerSteps(hd: string, host: string, volumes: readonly string[]): string[] {
  const base = join(hd, 'gluster');
  const lib = join(base, 'var-lib-glusterd');
  const etc = join(base, 'etc-glusterfs');
  mkdirSync(join(base, 'log'), { recursive: true });
  // Copies of what the package installed (glusterd reads its groups/ and hooks/ there).
  if (existsSync('/var/lib/glusterd')) cpSync('/var/lib/glusterd', lib, { recursive: true });
  else mkdirSync(lib);
  cpSync('/etc/glusterfs', etc, { recursive: true });
  const vol = join(etc, 'glusterd.vol');
  writeFileSync(
    vol,
    readFileSync(vol, 'utf8')
      .replace(/^#* *option base-port .*$/m, `    option base-port ${BRICK_PORTS.base}`)
      .replace(/^ *option max-port .*$/m, `    option max-port ${BRICK_PORTS.max}`),
  );
  // glusterd only checks that `gsyncd --version` says gsyncd; a failing one aborts its start.
  writeFileSync(join(base, 'gsyncd'), '#!/bin/sh\n[ "$1" = --version ] && echo "gsyncd (migrate-preflight lab stand-in)"\nexit 0\n', { mode: 0o755 });
  const cli = 'gluster --mode=script';
  return [
    `mount --bind ${q(lib)} /var/lib/glusterd`,
    `mount --bind ${q(etc)} /etc/glusterfs`,
    `mkdir -p /var/log/glusterfs && mount --bind ${q(join(base, 'log'))} /var/log/glusterfs`,
    `{ [ ! -e ${GSYNCD} ] || mount --bind ${q(join(base, 'gsyncd'))} ${GSYNCD}; }`,
    'mkdir -p /run/gluster',
    // glusterd daemonizes before it initialises: its CLI answering is the readiness signal.
    'glusterd -p /run/glusterd.pid',
    untilOk(`${cli} volume list >/dev/null 2>&1`, 200, 0.05, 'glusterd did not come up'),
    ...volumes.flatMap((v) => [
      `mkdir -p ${q(`/srv/bricks/${v}`)}`,
      // force: a brick on a tmpfs (gluster wants a dedicated filesystem, which this is).
      `${cli} volume create ${q(v)} ${q(`${host}.lab:/srv/bricks/${v}`)} force >/dev/null`,
      `${cli} volume start ${q(v)} >/dev/null`,
    ]),
  ];
}

/** The step that FUSE-mounts `server`'s volume at `at`, logging to `log` (retrying while the server starts). */
export function glusterMountStep(server: string, volume: string, at: string, log: string): string {
  return untilOk(`mount -t glusterfs -o ${q(`log-file=${log}`)} ${q(`${server}.lab:/${volume}`)} ${q(at)} && stat -f ${q(at)} >/dev/null`, 100, 0.1);
}
