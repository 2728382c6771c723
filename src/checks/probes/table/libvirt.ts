import { shq } from '../../shell.js';
import { snapshotCommands, type VirshPart, type VirshWork } from '../../virsh-batch.js';
import { parseCapabilities, parseDomainXmlList, parseDomCapabilities, parseNetworkXmlList, parsePoolXmlList, parseVirshVersion } from '../libvirt-xml.js';
import { probe, type Probe, type ProbeContext } from '../probe.js';
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
    `virsh -c ${u} ${list} | { c=''; while read -r n; do [ -n "$n" ] || continue; ` +
    `case $n in -*|*[!A-Za-z0-9._-]*) virsh -c ${u} ${dump} -- "$n";; *) c="$c ${dump} -- $n;";; esac; done; ` +
    `[ -z "$c" ] || virsh -c ${u} "$c"; }; exit 0`
  );
};

/** One virsh command of plain words: the probe's command, and its share of the host's one virsh run. */
const SIMPLE = {
  'virsh-version': ['version'],
  'virsh-list': ['list', '--all'],
  'virsh-uuids': ['list', '--all', '--uuid', '--name'],
  'virsh-caps': ['capabilities'],
  'virsh-domcaps': ['domcapabilities'],
  'virsh-domcaps-tcg': ['domcapabilities', '--virttype', 'qemu'],
} as const;
const simple = (id: keyof typeof SIMPLE) => (c: ProbeContext): string => `virsh -c ${shq(c.libvirtUri)} ${SIMPLE[id].join(' ')}`;

/** The lists and dumps of dumpEach, as the probes use them. */
const EACH = {
  'virsh-domxml': { list: ['list', '--all', '--name'], each: ['dumpxml', '--migratable'] },
  'virsh-nets': { list: ['net-list', '--all', '--name'], each: ['net-dumpxml'] },
  'virsh-pools': { list: ['pool-list', '--all', '--name'], each: ['pool-dumpxml'] },
} as const;
const each = (id: keyof typeof EACH) => (c: ProbeContext): string => dumpEach(c.libvirtUri, EACH[id].list.join(' '), EACH[id].each.join(' '));

/**
 * What each libvirt probe does in the host's one virsh run (src/checks/virsh-batch.ts), the same
 * work as its command: one command, a list and a dump of each name, or the snapshot counts
 * (`list --all --uuid`, `list --all --uuid --with-snapshot`, then snapshot-list of those with
 * any). dirty-rate is not here: it samples for seconds between its virsh calls (domdirtyrate-calc,
 * sleep, domstats until done), which one batch of commands cannot do.
 */
export const VIRSH_PARTS: Readonly<Record<string, (c: ProbeContext) => VirshPart>> = {
  ...Object.fromEntries(Object.entries(SIMPLE).map(([id, args]) => [id, (c: ProbeContext): VirshPart => ({ uri: c.libvirtUri, work: { kind: 'run', args } })])),
  ...Object.fromEntries(Object.entries(EACH).map(([id, w]) => [id, (c: ProbeContext): VirshPart => ({ uri: c.libvirtUri, work: { kind: 'each', ...w } satisfies VirshWork })])),
  'virsh-snapshots': (c) => ({ uri: c.libvirtUri, work: { kind: 'snapshots' } }),
};

/** A libvirt probe: in round 1 on the libvirt channel, beside the host's other probes (it waits on libvirtd). */
const libvirtProbe = <T>(p: Omit<Probe<T>, 'channel'>): Probe<T> => probe({ ...p, channel: 'libvirt' });

/** libvirt's probes (virsh): version, domains and their definitions, snapshots, networks, pools, capabilities, dirty rates. */
export const LIBVIRT_PROBES = {
  'virsh-version': libvirtProbe({ id: 'virsh-version', hypervisor: 'kvm', provides: ['libvirt.version', 'libvirt.hypervisor'], command: simple('virsh-version'), parse: parseVirshVersion }),
  'virsh-list': libvirtProbe({
    id: 'virsh-list',
    hypervisor: 'kvm',
    provides: ['libvirt.domains', 'migration'],
    command: simple('virsh-list'),
    parse: parseVirshList,
  }),
  'virsh-uuids': libvirtProbe({
    id: 'virsh-uuids',
    hypervisor: 'kvm',
    provides: ['libvirt.domains.uuid', 'migration.domains.uuid'],
    command: simple('virsh-uuids'),
    parse: parseVirshUuids,
  }),
  'virsh-domxml': libvirtProbe({
    id: 'virsh-domxml',
    hypervisor: 'kvm',
    // The move's facts derived from the definitions (migration.ts factsFor): a rule missing one of them names this probe when it failed.
    provides: [
      'libvirt.domains.xml',
      'migration.domains.xml',
      'migration.bridges',
      'migration.networks',
      'migration.pools',
      'migration.memoryKiB',
      'migration.hugepages',
      'migration.vcpus',
      'migration.cpuModes',
      'migration.disks',
      'migration.libvirtRefusals',
      'migration.blockers',
      'migration.guestCpus',
      'migration.graphicsListens',
      'migration.machines',
      'migration.virtTypes',
      'migration.convergence',
      'migration.snapshotBlockers',
      'migration.saveImage.bytes',
      'migration.transfer.copyBytes',
    ],
    // --migratable: the definition the destination will receive (expanded host-model CPU, no runtime-only devices).
    command: each('virsh-domxml'),
    parse: parseDomainXmlList,
  }),
  'virsh-snapshots': libvirtProbe({
    id: 'virsh-snapshots',
    hypervisor: 'kvm',
    side: 'src',
    provides: ['libvirt.domains.snapshots', 'migration.blockers'],
    // Domains by UUID (no quoting of names); snapshot-list --name lists names only. The same virsh
    // commands as the host's one virsh run gives it (virsh-batch.ts), in one virsh of their own.
    command: (c) => {
      const u = shq(c.libvirtUri);
      return (
        `set -f; a=$(virsh -c ${u} list --all --uuid) && w=$(virsh -c ${u} list --all --uuid --with-snapshot) || exit 0; ` +
        `s=; for x in $w; do case $x in *[!0-9a-fA-F-]*) ;; *) s="$s $x";; esac; done; ` +
        `ids=; for x in $a; do case $x in *[!0-9a-fA-F-]*) ;; *) ids="$ids $x";; esac; done; ` +
        `c=; ${snapshotCommands('$ids', '$s', 'c')}; [ -z "$c" ] || virsh -c ${u} "$c"; exit 0`
      );
    },
    parse: parseSnapshotCounts,
  }),
  'virsh-nets': libvirtProbe({ id: 'virsh-nets', hypervisor: 'kvm', provides: ['libvirt.networks', 'migration.networks', 'migration.bridges'], command: each('virsh-nets'), parse: parseNetworkXmlList }),
  'virsh-pools': libvirtProbe({ id: 'virsh-pools', hypervisor: 'kvm', provides: ['libvirt.pools', 'migration.pools'], command: each('virsh-pools'), parse: parsePoolXmlList }),
  'virsh-caps': libvirtProbe({ id: 'virsh-caps', hypervisor: 'kvm', provides: ['libvirt.machineTypes', 'libvirt.virtTypes'], command: simple('virsh-caps'), parse: parseCapabilities }),
  'virsh-domcaps': libvirtProbe({ id: 'virsh-domcaps', hypervisor: 'kvm', provides: ['libvirt.cpuSupport.models'], command: simple('virsh-domcaps'), parse: parseDomCapabilities }),
  // TCG guests (domain type qemu) get QEMU's emulated CPU, whose usable models differ from KVM's.
  'virsh-domcaps-tcg': libvirtProbe({
    id: 'virsh-domcaps-tcg',
    hypervisor: 'kvm',
    provides: ['libvirt.cpuSupport.tcg'],
    command: simple('virsh-domcaps-tcg'),
    parse: parseDomCapabilities,
  }),
  'dirty-rate': libvirtProbe({
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
