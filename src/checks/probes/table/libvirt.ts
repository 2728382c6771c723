import { shq } from '../../shell.js';
import { parseCapabilities, parseDomainXmlList, parseDomCapabilities, parseNetworkXmlList, parsePoolXmlList, parseVirshVersion } from '../libvirt-xml.js';
import { probe, type Probe } from '../probe.js';
import { DIRTY_PERIODS, parseDomstatsDirtyRate, parseSnapshotCounts, parseVirshList, parseVirshUuids } from '../virsh.js';

/**
 * Lists objects of one kind and dumps each, read-only. One virsh for all the dumps (virsh runs
 * `cmd; cmd; ...` in one connection): a host with many domains would otherwise start a virsh per
 * domain. Only names made of letters, digits, '.', '_' and '-' (and not starting with '-') go
 * into that command line, which the shell checks; any other name (any text a guest owner chose)
 * gets a virsh of its own, passed as an argument, never spliced.
 */
const dumpEach = (uri: string, list: string, dump: string): string => {
  const u = shq(uri);
  return (
    `virsh -c ${u} ${list} --all --name | { c=''; while read -r n; do [ -n "$n" ] || continue; ` +
    `case $n in -*|*[!A-Za-z0-9._-]*) virsh -c ${u} ${dump} -- "$n";; *) c="$c ${dump} -- $n;";; esac; done; ` +
    `[ -z "$c" ] || virsh -c ${u} "$c"; }; exit 0`
  );
};

/** libvirt's probes (virsh): version, domains and their definitions, snapshots, networks, pools, capabilities, dirty rates. */
export const LIBVIRT_PROBES = {
  'virsh-version': probe({ id: 'virsh-version', hypervisor: 'kvm', provides: ['libvirt.version', 'libvirt.hypervisor'], command: (c) => `virsh -c ${shq(c.libvirtUri)} version`, parse: parseVirshVersion }),
  'virsh-list': probe({
    id: 'virsh-list',
    hypervisor: 'kvm',
    provides: ['libvirt.domains', 'migration'],
    command: (ctx) => `virsh -c ${shq(ctx.libvirtUri)} list --all`,
    parse: parseVirshList,
  }),
  'virsh-uuids': probe({
    id: 'virsh-uuids',
    hypervisor: 'kvm',
    provides: ['libvirt.domains.uuid', 'migration.domains.uuid'],
    command: (ctx) => `virsh -c ${shq(ctx.libvirtUri)} list --all --uuid --name`,
    parse: parseVirshUuids,
  }),
  'virsh-domxml': probe({
    id: 'virsh-domxml',
    hypervisor: 'kvm',
    provides: ['libvirt.domains.xml', 'migration.domains.xml', 'migration.bridges', 'migration.networks', 'migration.pools', 'migration.cpuModes', 'migration.virtTypes'],
    // --migratable: the definition the destination will receive (expanded host-model CPU, no runtime-only devices).
    command: (c) => dumpEach(c.libvirtUri, 'list', 'dumpxml --migratable'),
    parse: parseDomainXmlList,
  }),
  'virsh-snapshots': probe({
    id: 'virsh-snapshots',
    hypervisor: 'kvm',
    side: 'src',
    provides: ['libvirt.domains.snapshots', 'migration.blockers'],
    // Domains by UUID (no quoting of names); snapshot-list --name lists names only.
    command: (c) => {
      const u = shq(c.libvirtUri);
      return (
        `virsh -c ${u} list --all --uuid | while read -r id; do [ -n "$id" ] || continue; ` +
        `if n=$(virsh -c ${u} snapshot-list --name -- "$id" 2>/dev/null); then c=$(printf '%s\\n' "$n" | grep -c .); else c=; fi; ` +
        `printf 'snapshots %s %s\\n' "$id" "$c"; done; exit 0`
      );
    },
    parse: parseSnapshotCounts,
  }),
  'virsh-nets': probe({ id: 'virsh-nets', hypervisor: 'kvm', provides: ['libvirt.networks', 'migration.networks', 'migration.bridges'], command: (c) => dumpEach(c.libvirtUri, 'net-list', 'net-dumpxml'), parse: parseNetworkXmlList }),
  'virsh-pools': probe({ id: 'virsh-pools', hypervisor: 'kvm', provides: ['libvirt.pools', 'migration.pools'], command: (c) => dumpEach(c.libvirtUri, 'pool-list', 'pool-dumpxml'), parse: parsePoolXmlList }),
  'virsh-caps': probe({ id: 'virsh-caps', hypervisor: 'kvm', provides: ['libvirt.machineTypes', 'libvirt.virtTypes'], command: (c) => `virsh -c ${shq(c.libvirtUri)} capabilities`, parse: parseCapabilities }),
  'virsh-domcaps': probe({ id: 'virsh-domcaps', hypervisor: 'kvm', provides: ['libvirt.cpuSupport.models'], command: (c) => `virsh -c ${shq(c.libvirtUri)} domcapabilities`, parse: parseDomCapabilities }),
  // TCG guests (domain type qemu) get QEMU's emulated CPU, whose usable models differ from KVM's.
  'virsh-domcaps-tcg': probe({
    id: 'virsh-domcaps-tcg',
    hypervisor: 'kvm',
    provides: ['libvirt.cpuSupport.tcg'],
    command: (c) => `virsh -c ${shq(c.libvirtUri)} domcapabilities --virttype qemu`,
    parse: parseDomCapabilities,
  }),
  'dirty-rate': probe({
    id: 'dirty-rate',
    hypervisor: 'kvm',
    side: 'src',
    provides: ['libvirt.dirtyRates'],
    // QEMU samples the guest's page dirtying (calc-dirty-rate, page-sampling: it changes nothing in
    // the guest), then domstats reads the result and the QEMU process's resident memory; once per
    // period of DIRTY_PERIODS (short ones, then a long one that shows a working set). Runs only
    // without --dirty-rate. Names are arguments, never spliced.
    command: (c) => {
      const u = shq(c.libvirtUri);
      const base = Math.max(1, Math.round(c.dirtyRateSeconds ?? 1));
      const names = (c.domains ?? []).map(shq).join(' ');
      return [
        names ? `set -- ${names}` : `IFS='\n'; set -f; set -- $(virsh -c ${u} list --name --state-running); unset IFS; set +f`,
        '[ $# -gt 0 ] || exit 0',
        `for s in ${DIRTY_PERIODS.map((p) => p * base).join(' ')}; do`,
        'ok=0',
        `for n in "$@"; do virsh -c ${u} domdirtyrate-calc --seconds "$s" -- "$n" >/dev/null && ok=1; done`,
        '[ $ok = 1 ] || exit 1',
        'sleep "$s"',
        'i=0',
        `while :; do out=$(virsh -c ${u} domstats --dirtyrate --balloon -- "$@") || exit $?; case $out in *calc_status=1*) if [ $i -lt 5 ]; then i=$((i+1)); sleep 1; continue; fi;; esac; printf '%s\n' "$out"; break; done`,
        'done',
      ].join('\n');
    },
    parse: parseDomstatsDirtyRate,
  }),
} as const satisfies Record<string, Probe>;
