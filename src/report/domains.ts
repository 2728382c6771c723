import { duration, human, mibs } from '../checks/units.js';
import type { DomainVerdict } from '../types.js';

/** One line about a moving domain's move: size, storage, and the convergence estimate or why there is none. Pure. */
export function describeDomain(v: DomainVerdict): string {
  const parts = [`${human(v.memoryKiB * 1024)}, ${v.vcpus} vCPU${v.vcpus === 1 ? '' : 's'}, ${v.state}`];
  const d = v.disks;
  if (d.local > 0) parts.push(`${d.local} local disk${d.local === 1 ? '' : 's'}: block migration copies ${d.bytesToCopy === null ? 'an unknown amount' : human(d.bytesToCopy)}`);
  else if (d.shared > 0) parts.push(`${d.shared} disk${d.shared === 1 ? '' : 's'} on shared storage`);
  if (d.unknown > 0) parts.push(`${d.unknown} host block device${d.unknown === 1 ? '' : 's'} (shared? cannot tell)`);
  const c = v.convergence;
  if (c?.prediction && c.bandwidthBytesPerSec !== null && c.dirtyBytesPerSec !== null) {
    const p = c.prediction;
    const at = `at ${mibs(c.bandwidthBytesPerSec)} (${c.bandwidthSource}), dirtying ${mibs(c.dirtyBytesPerSec)} (${c.dirtyRateSource})`;
    parts.push(
      p.converges
        ? `live migration ~${duration(p.totalSeconds)}: ${p.rounds} round${p.rounds === 1 ? '' : 's'}, ${human(p.bytesSent)} sent, pause ${duration(p.downtimeMs / 1000)} ${at}`
        : `live migration will not converge ${at}`,
    );
  } else if (c?.missing) parts.push(`no convergence estimate: ${c.missing}`);
  return parts.join('; ');
}

export const VERDICT_LABEL: Record<DomainVerdict['verdict'], string> = { go: 'GO', 'no-go': 'NO-GO', unknown: 'UNKNOWN' };

/** A blocker as the Domains tables list it: the rule id, marked when the result is about the pair rather than the domain. */
export const blockerLabel = (b: DomainVerdict['blockers'][number]): string => (b.domain ? b.id : `${b.id} (pair)`);
