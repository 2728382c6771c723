/** Which domains a run moves, and which of their disks the source sizes: what both the planner and the move facts read. */
import type { DomainFact } from '../model/libvirt.js';
import type { HostFacts } from '../model/facts.js';
import type { DiskQuery } from './probes/probe.js';

/**
 * Where a domain's definition comes from, for the words that say it is unknown (DomainFact.xml
 * null): the command and the probe that should have given it. The probe may have failed, or the
 * domain gone between `virsh list` and its dump.
 */
export const DEFINITION_SOURCE = 'virsh dumpxml, probe virsh-domxml';

/** Whether a domain's snapshots were not counted (`virsh snapshot-list` failed, or the virsh-snapshots probe gave nothing). */
export const snapshotsUncounted = (d: DomainFact): boolean => d.snapshots === null || d.snapshots === undefined;

/**
 * Why a fact of the move (`migration.*`, `xenMove.*`) is absent though the probes behind it did not
 * fail: the derivation left it out because something about a moving guest is unknown (its libvirt
 * definition, its snapshot count, its `xl list -l` configuration). null: nothing of that kind.
 */
export function moveUnknownBecause(facts: HostFacts, path: string): string | null {
  if (path.startsWith('migration.') && facts.migration) {
    const m = facts.migration;
    const noXml = m.domains.filter((d) => !d.xml).map((d) => d.name);
    if (noXml.length > 0) return `no definition of ${noXml.join(', ')} (${DEFINITION_SOURCE})`;
    const uncounted = m.domains.filter(snapshotsUncounted).map((d) => d.name);
    if (path === 'migration.blockers' && uncounted.length > 0) return `the snapshots of ${uncounted.join(', ')} were not counted (virsh snapshot-list, probe virsh-snapshots)`;
  }
  if (path.startsWith('xenMove.') && facts.xenMove && facts.xenMove.unconfigured.length > 0) {
    return `\`xl list -l\` (probe xl-list-long) has no configuration for ${facts.xenMove.unconfigured.join(', ')}`;
  }
  return null;
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
