import type { DomainFact } from '../../types.js';
import type { Hypervisor } from '../vocabulary.js';
import type { DiskQuery, Probe } from './probe.js';
import { PROBES, type ProbeId } from './table.js';

export const PROBE_IDS = Object.keys(PROBES) as ProbeId[];

/** Probes that tell the hypervisors apart: they run even when --hypervisor names one (a host running the other refuses the pair). */
const DETECTION: ReadonlySet<ProbeId> = new Set(['xl-info', 'virsh-version']);

/**
 * The probes one host runs in one round; `without` leaves some out (dirty-rate when --dirty-rate
 * is given); a named hypervisor leaves out the other one's probes (auto runs both kinds: the Xen
 * ones print nothing where there is no Xen toolstack).
 */
export function probesFor(side: 'src' | 'dst', round: 1 | 2, without: readonly ProbeId[] = [], hypervisor: Hypervisor | 'auto' = 'auto'): ProbeId[] {
  return PROBE_IDS.filter((id) => {
    const p: Probe = PROBES[id];
    return (
      (p.round ?? 1) === round &&
      (p.side === undefined || p.side === 'both' || p.side === side) &&
      !without.includes(id) &&
      (hypervisor === 'auto' || p.hypervisor === undefined || p.hypervisor === hypervisor || DETECTION.has(id))
    );
  });
}

/** The disks of the moving domains that the second source round sizes. */
export function diskQueries(domains: readonly DomainFact[]): DiskQuery[] {
  const out: DiskQuery[] = [];
  for (const d of domains) {
    for (const k of d.xml?.disks ?? []) {
      if (k.source === null) continue;
      if (k.type === 'file') out.push({ kind: 'file', path: k.source });
      else if (d.xml?.uuid && k.target) out.push({ kind: 'blk', uuid: d.xml.uuid, target: k.target });
    }
  }
  return out;
}

/**
 * The domains this run moves: the names given with -d, or (host evacuation) every running
 * domain. Names asked for but absent on the source are reported as missing.
 */
export function selectDomains(
  domains: readonly DomainFact[],
  requested: readonly string[],
): { domains: DomainFact[]; missing: string[] } {
  if (requested.length === 0) return { domains: domains.filter((d) => d.state === 'running' || d.state === 'paused'), missing: [] };
  const byName = new Map(domains.map((d) => [d.name, d]));
  return {
    domains: requested.flatMap((n) => byName.get(n) ?? []),
    missing: requested.filter((n) => !byName.has(n)),
  };
}
