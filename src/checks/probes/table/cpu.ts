import { cpuCompareCommand, cpuCompareQueries, parseCpuCompare } from '../cpu-compare.js';
import { probe, type Probe } from '../probe.js';

/** The destination's libvirt on the moving guests' CPUs (round 2: it reads the source's definitions). */
export const CPU_PROBES = {
  'guest-cpu-compare': probe({
    id: 'guest-cpu-compare',
    hypervisor: 'kvm',
    side: 'dst',
    round: 2,
    peer: 'one',
    provides: ['libvirt.cpuSupport.compared'],
    // The source's moving domains and their definitions (its first round).
    peerReads: ['libvirt.domains'],
    // Guests that arrive with a named model libvirt checks (check partial or full): this libvirt compares each definition.
    plan: (k) => {
      const src = k.peers[0]?.facts;
      const q = src ? cpuCompareQueries(src, k.domains) : [];
      return q.length > 0 ? { cpuCompare: q } : null;
    },
    command: (c) => cpuCompareCommand(c.libvirtUri, c.cpuCompare ?? []),
    parse: parseCpuCompare,
  }),
} as const satisfies Record<string, Probe>;
