/** Which domains a run moves, and which of their disks the source sizes: what both the planner and the move facts read. */
import type { DomainFact } from '../model/libvirt.js';
import type { DiskQuery } from './probes/probe.js';

/**
 * Where a domain's definition comes from, for the words that say it is unknown (DomainFact.xml
 * null): the command and the probe that should have given it. The probe may have failed, or the
 * domain gone between `virsh list` and its dump.
 */
export const DEFINITION_SOURCE = 'virsh dumpxml, probe virsh-domxml';

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
