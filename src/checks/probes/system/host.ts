/** Parsers for host facts: /proc/meminfo, online CPUs, and the key=value probe scripts (LSM, host ids). */
import type { HostIds, LsmFacts, MeminfoFacts } from '../../../model/system.js';
import { ParseError } from '../parse-error.js';
import { lines, show } from './text.js';

// ---------------------------------------------------------------------------------------------
// Memory, CPUs

/**
 * Parses /proc/meminfo ("MemTotal:       24684096 kB", "HugePages_Total:       0").
 * @throws ParseError on a line that is not "Key: number [kB]" or without MemTotal/MemFree.
 */
export function parseMeminfo(text: string): MeminfoFacts {
  const v = new Map<string, number>();
  for (const line of lines(text)) {
    const m = /^([^:\s][^:]*):\s+(\d+)(?: kB)?\s*$/.exec(line);
    if (!m) throw new ParseError('meminfo', `not a meminfo line: ${show(line)}`);
    v.set(m[1] as string, Number(m[2]));
  }
  const total = v.get('MemTotal');
  const free = v.get('MemFree');
  if (total === undefined || free === undefined) throw new ParseError('meminfo', 'no MemTotal/MemFree: not /proc/meminfo');
  const avail = v.get('MemAvailable');
  return {
    memTotalKiB: total,
    memFreeKiB: free,
    memAvailableKiB: avail ?? free + (v.get('Buffers') ?? 0) + (v.get('Cached') ?? 0),
    availableEstimated: avail === undefined,
    hugePagesTotal: v.get('HugePages_Total') ?? 0,
    hugePagesFree: v.get('HugePages_Free') ?? 0,
    hugepageSizeKiB: v.get('Hugepagesize') ?? null,
  };
}

/**
 * Parses /sys/devices/system/cpu/online, a CPU list such as "0-3,8-11" (→ 8) or "0".
 * @throws ParseError on anything but a non-empty list of numbers and ascending ranges.
 */
export function parseOnlineCpus(text: string): number {
  const s = text.trim();
  if (!/^\d+(-\d+)?(,\d+(-\d+)?)*$/.test(s)) throw new ParseError('online-cpus', `not a CPU list: ${show(s)}`);
  // Counted by merging ranges, not by enumerating CPUs: "0-99999999999" must not fill a Set.
  const ranges = s.split(',').map((part) => {
    const [a, b] = part.split('-').map(Number) as [number, number | undefined];
    const hi = b ?? a;
    if (!Number.isSafeInteger(hi)) throw new ParseError('online-cpus', `CPU number out of range in ${show(part)}`);
    if (hi < a) throw new ParseError('online-cpus', `descending range ${part}`);
    return [a, hi] as const;
  });
  ranges.sort((x, y) => x[0] - y[0]);
  let count = 0;
  let end = -1;
  for (const [a, hi] of ranges) {
    if (hi > end) {
      count += hi - Math.max(a, end + 1) + 1;
      end = hi;
    }
  }
  return count;
}

// ---------------------------------------------------------------------------------------------
// key=value probe scripts

/** "key=value" lines, each expected key exactly once and nothing else. */
function keyValues<K extends string>(probe: string, text: string, keys: readonly K[]): Record<K, string> {
  const out: Partial<Record<K, string>> = {};
  for (const line of lines(text)) {
    const eq = line.indexOf('=');
    const k = line.slice(0, eq) as K;
    if (eq < 0 || !keys.includes(k)) throw new ParseError(probe, `unexpected line ${show(line)}`);
    if (out[k] !== undefined) throw new ParseError(probe, `${k} given twice`);
    out[k] = line.slice(eq + 1).trim();
  }
  const missing = keys.filter((k) => out[k] === undefined);
  if (missing.length > 0) throw new ParseError(probe, `missing ${missing.join(', ')}`);
  return out as Record<K, string>;
}

/**
 * Parses the output of the lsm probe, this exact script:
 * ```sh
 * printf 'lsm=%s\n' "$(cat /sys/kernel/security/lsm 2>/dev/null)"
 * printf 'selinux=%s\n' "$(cat /sys/fs/selinux/enforce 2>/dev/null)"
 * printf 'apparmor=%s\n' "$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null)"
 * ```
 * which always prints three lines, a value empty where the file is absent:
 * - lsm: the comma list of active LSMs (Linux ≥ 4.15, needs securityfs), e.g.
 *   "lockdown,capability,landlock,yama,apparmor" (Ubuntu), "lockdown,capability,yama,selinux,bpf,landlock" (EL9);
 * - selinux: the selinuxfs enforce flag, 1 enforcing, 0 permissive; absent → disabled when the
 *   LSM list is known and lacks "selinux", else null (older kernels; RHEL 6 mounts it at /selinux);
 * - apparmor: the module parameter, Y enabled, N disabled; absent → disabled when the LSM list
 *   is known and lacks "apparmor", else null.
 * @throws ParseError on a missing or repeated key, or a value the files never hold.
 */
export function parseLsm(text: string): LsmFacts {
  const kv = keyValues('lsm', text, ['lsm', 'selinux', 'apparmor'] as const);
  const lsms = kv.lsm === '' ? [] : kv.lsm.split(',');
  if (lsms.some((l) => !/^[a-z0-9_]+$/.test(l))) throw new ParseError('lsm', `not an LSM list: ${show(kv.lsm)}`);
  const absent = (name: string): 'disabled' | null => (lsms.length > 0 && !lsms.includes(name) ? 'disabled' : null);
  // '-': the file is not there (no selinuxfs mounted, no AppArmor in the kernel), so libvirt finds neither on; '' (outputs of the
  // probe before it said so): ruled out only by an LSM list without it.
  const selinux = kv.selinux === '1' ? 'enforcing' : kv.selinux === '0' ? 'permissive' : kv.selinux === '-' ? 'disabled' : kv.selinux === '' ? absent('selinux') : undefined;
  const apparmor = kv.apparmor === 'Y' ? 'enabled' : kv.apparmor === 'N' ? 'disabled' : kv.apparmor === '-' ? 'disabled' : kv.apparmor === '' ? absent('apparmor') : undefined;
  if (selinux === undefined) throw new ParseError('lsm', `selinux enforce is 0 or 1, got ${show(kv.selinux)}`);
  if (apparmor === undefined) throw new ParseError('lsm', `apparmor enabled is Y or N, got ${show(kv.apparmor)}`);
  return { lsms, selinux, apparmor };
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Placeholders seen in shipped firmware; 03000200-... also appears byte-swapped (SMBIOS ≥ 2.6 field order). */
const PLACEHOLDER_UUIDS: ReadonlySet<string> = new Set([
  '03000200-0400-0500-0006-000700080009',
  '00020003-0004-0005-0006-000700080009',
  '00010203-0405-0607-0809-0a0b0c0d0e0f',
  '03020100-0504-0706-0809-0a0b0c0d0e0f',
  'deadbeef-dead-beef-dead-beefdeadbeef',
]);

function isPlaceholderUuid(u: string): boolean {
  const hex = u.replace(/-/g, '');
  // libvirt's own validity test (virUUIDIsValid): all 16 bytes equal is no UUID.
  return PLACEHOLDER_UUIDS.has(u) || (hex.match(/../g) ?? []).every((b) => b === hex.slice(0, 2));
}

/**
 * Parses the output of the host-ids probe, this exact script:
 * ```sh
 * printf 'product_uuid=%s\n' "$(cat /sys/class/dmi/id/product_uuid 2>/dev/null)"
 * printf 'machine_id=%s\n' "$(cat /etc/machine-id 2>/dev/null)"
 * ```
 * `hostUuid` is what libvirtd reports with its default host_uuid_source = "smbios", read from
 * libvirt's virSetHostUUIDStr (src/util/viruuid.c): the SMBIOS UUID whenever it parses, even a
 * placeholder (libvirt does not filter those, so two boards with 03000200-... collide and
 * migration between them is refused: keep it, flagged by `productUuidPlaceholder`, so the
 * collision is seen). Without an SMBIOS UUID libvirt makes a random one per daemon start; the
 * probe cannot see it (and, not root, cannot tell "no DMI" from "unreadable"), so machine-id
 * stands in (`hostUuidSource` "machine-id"); null when neither is there.
 * @throws ParseError on a missing key or a value that is neither empty nor an id.
 */
export function parseHostIds(text: string): HostIds {
  const kv = keyValues('host-ids', text, ['product_uuid', 'machine_id'] as const);
  const product = kv.product_uuid.toLowerCase();
  if (product !== '' && !UUID_RE.test(product)) throw new ParseError('host-ids', `product_uuid is not a UUID: ${show(kv.product_uuid)}`);
  const mid = kv.machine_id.toLowerCase();
  if (mid !== '' && mid !== 'uninitialized' && !/^[0-9a-f]{32}$/.test(mid)) throw new ParseError('host-ids', `machine_id is not 32 hex digits: ${show(kv.machine_id)}`);
  const productUuid = product === '' ? null : product;
  const machineId = mid === '' || mid === 'uninitialized' ? null : mid;
  const machineIdUuid = machineId === null ? null : machineId.replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5');
  return {
    productUuid,
    productUuidPlaceholder: productUuid !== null && isPlaceholderUuid(productUuid),
    machineId,
    machineIdUuid,
    hostUuid: productUuid ?? machineIdUuid,
    hostUuidSource: productUuid !== null ? 'smbios' : machineIdUuid !== null ? 'machine-id' : null,
  };
}
