/**
 * A real libvirt + QEMU hypervisor inside one lab host: Debian's libvirtd (with virtlogd and
 * virtlockd) and qemu-system-x86_64, each host with its own /etc/libvirt, /var/lib/libvirt,
 * /var/cache/libvirt, /var/log/libvirt and /run, so two hosts on one machine know nothing of each
 * other but what crosses the lab network. Guests run under TCG (no /dev/kvm needed), or KVM where /dev/kvm opens.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { shq as q } from '../../src/checks/shell.js';
import { untilOk } from './sh.js';

/** Where the lab keeps what it builds once per machine (the guest kernel, QEMU's capabilities). */
export const LAB_CACHE = '/var/cache/migrate-preflight-lab';
/** libvirt's cache of QEMU's capabilities, shared by every lab host: probing QEMU takes seconds per host. */
const CAPS_SEED = join(LAB_CACHE, 'qemu-capabilities');

const CPU_MAP = '/usr/share/libvirt/cpu_map';

/** The private state directories, each bound over the machine's own (created empty if the package did not). */
const PRIVATE = ['/etc/libvirt', '/var/lib/libvirt', '/var/cache/libvirt', '/var/log/libvirt'] as const;

/**
 * qemu.conf for a lab host. No users, no cgroups, no security driver: QEMU runs as root in the
 * host's namespaces, which is what the sandbox allows; nothing of it reaches the checks' facts.
 */
const QEMU_CONF = `# migrate-preflight lab host
user = "root"
group = "root"
dynamic_ownership = 0
security_driver = "none"
cgroup_controllers = [ ]
namespaces = [ ]
remember_owner = 0
`;

/** libvirtd.conf: the host UUID comes from /etc/machine-id (the lab has no SMBIOS), logs to a file. */
const LIBVIRTD_CONF = `# migrate-preflight lab host
host_uuid_source = "machine-id"
log_outputs = "3:file:/var/log/libvirt/libvirtd.log"
unix_sock_group = "root"
unix_sock_rw_perms = "0700"
`;

/** /run of a host's own (libvirtd's and glusterd's sockets and pid files), with sshd's privilege separation directory. */
export function privateRun(): string[] {
  return ['mount -t tmpfs -o mode=755 lab-run /run', 'mkdir -p /run/sshd /run/lock'];
}

/**
 * Writes a host's private libvirt directories under `hd` and returns the shell steps (run in the
 * host's mount namespace, before sshd) that bind them, start the daemons and wait until libvirtd
 * answers with QEMU's capabilities loaded.
 */
export function libvirtdSteps(hd: string, cpuMapWithout: readonly string[] = []): string[] {
  const base = join(hd, 'libvirt');
  for (const d of PRIVATE) mkdirSync(join(base, d.replace(/\//g, '_')), { recursive: true });
  const etc = join(base, '_etc_libvirt');
  writeFileSync(join(etc, 'qemu.conf'), QEMU_CONF);
  writeFileSync(join(etc, 'libvirtd.conf'), LIBVIRTD_CONF);
  writeFileSync(join(etc, 'virtlogd.conf'), 'log_outputs = "3:file:/var/log/libvirt/virtlogd.log"\n');
  writeFileSync(join(etc, 'virtlockd.conf'), '');
  writeFileSync(join(etc, 'libvirt.conf'), 'uri_default = "qemu:///system"\n');
  mkdirSync(join(etc, 'qemu'), { recursive: true });
  // libvirtd looks up its built-in QEMU user (libvirt-qemu) before it reads qemu.conf: the account
  // Debian's libvirt-daemon-system would create, here in the host's own copies of the files.
  const account = (file: string, line: string): string => {
    const now = readFileSync(file, 'utf8');
    writeFileSync(join(base, file.replace(/\//g, '_')), /^libvirt-qemu:/m.test(now) ? now : `${now}${line}\n`);
    return `mount --bind ${q(join(base, file.replace(/\//g, '_')))} ${q(file)}`;
  };
  const caps = '/var/cache/libvirt/qemu/capabilities';
  // The models' files stay; libvirt knows only those its index.xml includes.
  const map = join(base, 'cpu_map');
  const trimMap =
    cpuMapWithout.length === 0
      ? []
      : [
          `cp -a ${CPU_MAP} ${q(map)}`,
          `sed -i ${cpuMapWithout.map((m) => `-e ${q(`\\#<include filename='x86_${m}.xml'/>#d`)}`).join(' ')} ${q(join(map, 'index.xml'))}`,
          `mount --bind ${q(map)} ${CPU_MAP}`,
        ];
  return [
    ...trimMap,
    account('/etc/passwd', 'libvirt-qemu:x:64055:64055:Libvirt Qemu,,,:/var/lib/libvirt:/usr/sbin/nologin'),
    account('/etc/group', 'libvirt-qemu:x:64055:'),
    ...PRIVATE.flatMap((d) => [`mkdir -p ${q(d)}`, `mount --bind ${q(join(base, d.replace(/\//g, '_')))} ${q(d)}`]),
    `mkdir -p ${caps} /var/lib/libvirt/qemu /var/lib/libvirt/images /var/log/libvirt/qemu`,
    `{ [ -d ${q(CAPS_SEED)} ] && cp ${q(CAPS_SEED)}/*.xml ${caps}/ 2>/dev/null; true; }`,
    'virtlogd -d',
    'virtlockd -d',
    'libvirtd -d',
    untilOk('[ -S /run/libvirt/libvirt-sock ]', 300, 0.1),
    // The first connection probes QEMU (seconds, unless the seed was valid); sshd starts after it.
    'virsh -q -c qemu:///system version >/dev/null',
    // Seed the cache for the next hosts: atomically, one writer wins.
    `{ [ -d ${q(CAPS_SEED)} ] || { mkdir -p ${q(LAB_CACHE)} && t=$(mktemp -d ${q(`${CAPS_SEED}.XXXXXX`)}) && cp ${caps}/*.xml "$t"/ && mv -T "$t" ${q(CAPS_SEED)} 2>/dev/null || rm -rf "$t"; }; true; }`,
  ];
}
