/**
 * What in a domain definition makes libvirt refuse to live-migrate it, as libvirt 9's
 * qemuMigrationSrcIsAllowed checks it (src/qemu/qemu_migration.c), each with libvirt's own words.
 * Pure: reads the <domain> element `virsh dumpxml --migratable` printed.
 */
import { all, attrValue, first, type XmlNode } from './xml-doc.js';

const P = 'virsh-domxml';

/**
 * Host devices (qemuMigrationSrcIsAllowedHostdev): only USB ones are re-plugged on the
 * destination; a PCI device is allowed only as the transient half of a failover team (QEMU
 * unplugs it for the move). <interface type='hostdev'> is a PCI hostdev too.
 */
function hostdevBlockers(devices: XmlNode | undefined): string[] {
  const out: string[] = [];
  const transient = (n: XmlNode): boolean => attrValue(first(n, 'teaming'), 'type', P) === 'transient';
  for (const h of all(devices, 'hostdev')) {
    if (attrValue(h, 'mode', P) === 'capabilities') out.push("cannot migrate a domain with <hostdev mode='capabilities'>");
    else {
      const type = attrValue(h, 'type', P) ?? 'pci';
      if (type !== 'usb' && !(type === 'pci' && transient(h))) out.push(`cannot migrate a domain with <hostdev mode='subsystem' type='${type}'>`);
    }
  }
  for (const n of all(devices, 'interface')) {
    if (attrValue(n, 'type', P) === 'hostdev' && !transient(n)) out.push("cannot migrate a domain with <hostdev mode='subsystem' type='pci'> (an <interface type='hostdev'>)");
  }
  return out;
}

function shmemBlockers(devices: XmlNode | undefined): string[] {
  return all(devices, 'shmem').flatMap((s) => {
    const name = attrValue(s, 'name', P) ?? '?';
    const model = attrValue(first(s, 'model'), 'type', P) ?? 'ivshmem-plain';
    if (model === 'ivshmem') return [`shmem '${name}': migration with legacy shmem device is not supported`];
    // libvirt 9.0 leaves this to QEMU, which blocks it ("Migration is disabled when using feature
    // 'peer mode' in device 'ivshmem'"); later libvirt refuses it itself, in the words below.
    if (attrValue(s, 'role', P) !== 'master') return [`shmem device '${name}' cannot be migrated, only shmem with role='master' can be migrated (QEMU: migration is disabled in 'peer mode')`];
    return [];
  });
}

/** QEMU refuses to migrate a guest that sees an invariant TSC unless its frequency is pinned. */
function invtscBlocker(d: XmlNode): string[] {
  const cpu = first(d, 'cpu');
  const invtsc = all(cpu, 'feature').some((f) => attrValue(f, 'name', P) === 'invtsc' && ['require', 'force', null].includes(attrValue(f, 'policy', P)));
  const passthrough = attrValue(cpu, 'mode', P) === 'host-passthrough';
  if (!invtsc || passthrough) return []; // host-passthrough: libvirt cannot tell (QEMU decides at run time)
  const tsc = all(first(d, 'clock'), 'timer').find((t) => attrValue(t, 'name', P) === 'tsc');
  return attrValue(tsc, 'frequency', P) ? [] : ["domain has 'invtsc' CPU feature but TSC frequency is not specified"];
}

function deviceBlockers(devices: XmlNode | undefined): string[] {
  const out: string[] = [];
  for (const fs of all(devices, 'filesystem')) {
    if (attrValue(first(fs, 'driver'), 'type', P) === 'virtiofs') out.push('migration with virtiofs device is not supported');
  }
  for (const disk of all(devices, 'disk')) {
    if (first(disk, 'transient') !== undefined) out.push(`migration with transient disk is not supported (${attrValue(first(disk, 'target'), 'dev', P) ?? '?'})`);
  }
  for (const net of all(devices, 'interface')) {
    if (attrValue(net, 'type', P) === 'vdpa') out.push('vDPA devices cannot be migrated');
  }
  for (const mem of all(devices, 'memory')) {
    if (attrValue(mem, 'model', P) === 'dimm' && attrValue(first(mem, 'address'), 'type', P) !== 'dimm') out.push("domain's dimm info lacks slot ID or base address");
  }
  return out;
}

/** libvirt's reasons to refuse a live migration of this domain, in its words; empty when none. */
export function migrationBlockers(d: XmlNode): string[] {
  const devices = first(d, 'devices');
  return [...hostdevBlockers(devices), ...shmemBlockers(devices), ...invtscBlocker(d), ...deviceBlockers(devices)];
}
