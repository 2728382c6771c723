import { parseCpuinfo } from '../cpuinfo.js';
import { parseIptablesSave, parseNftRuleset } from '../firewall/index.js';
import { parseHugepages } from '../hugepages.js';
import { HV_DETECT_COMMAND, parseHvDetect } from '../hypervisor.js';
import { probe, type Probe } from '../probe.js';
import { parseClock, parseHostname, parseLongBit, parseUnameM } from '../simple.js';
import {
  parseGetentAhosts,
  parseHostIds,
  parseIpLinkBridges,
  parseIpOAddr,
  parseLsm,
  parseMeminfo,
  parseOnlineCpus,
  parseProcMounts,
} from '../system.js';

/** The host's own probes: CPU, OS, identity, memory, security, clock, mounts, interfaces, firewall, which hypervisor. */
export const HOST_PROBES = {
  cpuinfo: probe({ id: 'cpuinfo', bounded: true, provides: ['cpu'], command: () => 'cat /proc/cpuinfo', parse: parseCpuinfo }),
  'uname-m': probe({ id: 'uname-m', bounded: true, provides: ['os.arch', 'os.bits'], command: () => 'uname -m', parse: parseUnameM }),
  'long-bit': probe({ id: 'long-bit', bounded: true, provides: ['os.longBit'], command: () => 'getconf LONG_BIT', parse: parseLongBit }),
  hostname: probe({ id: 'hostname', bounded: true, provides: ['host.hostname'], command: () => 'uname -n', parse: parseHostname }),
  'host-ids': probe({
    id: 'host-ids',
    bounded: true,
    provides: ['host.uuid'],
    command: () => `printf 'product_uuid=%s\\n' "$(cat /sys/class/dmi/id/product_uuid 2>/dev/null)"; printf 'machine_id=%s\\n' "$(cat /etc/machine-id 2>/dev/null)"`,
    parse: parseHostIds,
  }),
  'online-cpus': probe({ id: 'online-cpus', bounded: true, provides: ['host.cpus'], command: () => 'cat /sys/devices/system/cpu/online', parse: parseOnlineCpus }),
  meminfo: probe({ id: 'meminfo', bounded: true, provides: ['host.memory'], command: () => 'cat /proc/meminfo', parse: parseMeminfo }),
  // The destination's huge page pools, every size (a guest may ask for one that is not the default).
  hugepages: probe({
    id: 'hugepages',
    bounded: true,
    side: 'dst',
    hypervisor: 'kvm',
    provides: ['host.hugepages'],
    command: () =>
      `for d in /sys/kernel/mm/hugepages/hugepages-*kB; do [ -d "$d" ] || continue; printf '%s %s %s %s\\n' "\${d##*/hugepages-}" "$(cat "$d/nr_hugepages")" "$(cat "$d/free_hugepages")" "$(cat "$d/resv_hugepages")"; done`,
    parse: parseHugepages,
  }),
  lsm: probe({
    id: 'lsm',
    bounded: true,
    provides: ['security'],
    command: () =>
      // selinuxfs at /sys/fs/selinux, or /selinux before 3.0 (RHEL 6); '-': no selinuxfs, no AppArmor module (neither is on).
      `printf 'lsm=%s\\n' "$(cat /sys/kernel/security/lsm 2>/dev/null)"; printf 'selinux=%s\\n' "$(cat /sys/fs/selinux/enforce 2>/dev/null || cat /selinux/enforce 2>/dev/null || echo -)"; printf 'apparmor=%s\\n' "$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null || echo -)"`,
    parse: parseLsm,
  }),
  clock: probe({ id: 'clock', bounded: true, provides: ['clock'], command: () => 'date +%s.%N', parse: parseClock }),
  mounts: probe({ id: 'mounts', bounded: true, provides: ['storage.mounts', 'storage.networkMounts', 'migration.sharedMounts'], command: () => 'cat /proc/mounts', parse: parseProcMounts }),
  bridges: probe({ id: 'bridges', bounded: true, provides: ['network.bridges'], command: () => 'ip -o link show type bridge', parse: parseIpLinkBridges }),
  addresses: probe({ id: 'addresses', bounded: true, provides: ['network.addresses'], command: () => 'ip -o addr show', parse: parseIpOAddr }),
  'self-resolve': probe({ id: 'self-resolve', provides: ['host.selfResolution'], command: () => 'getent ahosts "$(uname -n)"', parse: parseGetentAhosts }),
  nft: probe({ id: 'nft', provides: ['firewall.nft'], command: () => 'nft list ruleset', parse: parseNftRuleset }),
  iptables: probe({ id: 'iptables', provides: ['firewall.iptables'], command: () => 'iptables-save', parse: parseIptablesSave }),
  'hv-detect': probe({ id: 'hv-detect', bounded: true, provides: ['hypervisor', 'xen.toolstack'], command: () => HV_DETECT_COMMAND, parse: parseHvDetect }),
} as const satisfies Record<string, Probe>;
