import { duration, human, mibs } from '../checks/units.js';
import type { Mode } from '../checks/vocabulary.js';
import type { DomainVerdict, Report } from '../types.js';
import { HYPERVISOR_NAME } from '../checks/probes/hypervisor.js';

/** The hypervisor the pair was checked as: --hypervisor, else what the hosts said; null when neither did. */
export function pairKind(report: Report): 'kvm' | 'xen' | null {
  const choice = report.options.hypervisor ?? 'auto';
  return choice !== 'auto' ? choice : (report.hosts.src.facts.hypervisor?.kind ?? report.hosts.dst.facts.hypervisor?.kind ?? null);
}

/** The pair's hypervisor as a report names it ("KVM", "Xen (xl)"), or null when neither host said. */
export function hypervisorLabel(report: Report): string | null {
  const src = report.hosts.src.facts.hypervisor;
  const dst = report.hosts.dst.facts.hypervisor;
  const kind = pairKind(report);
  if (kind === null) return null;
  const tool = kind === 'xen' ? (src?.toolstack ?? dst?.toolstack ?? null) : null;
  return `${HYPERVISOR_NAME[kind]}${tool ? ` (${tool})` : ''}`;
}

const COPY: Record<Mode, string> = { live: 'a block migration would copy', block: 'the block copy moves', cold: 'to copy', save: 'to copy' };

/** One line about a moving domain's move in this mode: size, storage, copy, and the convergence estimate or why there is none. Pure. */
export function describeDomain(v: DomainVerdict, mode: Mode = 'live', hypervisor: 'kvm' | 'xen' | null = 'kvm'): string {
  const parts = [`${human(v.memoryKiB * 1024)}, ${v.vcpus} vCPU${v.vcpus === 1 ? '' : 's'}, ${v.state}`];
  const d = v.disks;
  const c = v.convergence;
  if (hypervisor === 'xen') {
    // xl and xm migrate memory only: a disk the destination cannot reach is a finding (xen.shared-storage), not a copy.
    const on = [d.shared ? `${d.shared} on shared storage` : '', d.local ? `${d.local} on the host's own disk` : '', d.unknown ? `${d.unknown} host block device${d.unknown === 1 ? '' : 's'}` : ''].filter(Boolean);
    return [...parts, ...(on.length ? [`disks: ${on.join(', ')}`] : [])].join('; ');
  }
  if (d.local > 0) {
    const bw = c?.bandwidthBytesPerSec ?? null;
    const time = d.bytesToCopy !== null && bw !== null && mode !== 'live' ? ` (~${duration(d.bytesToCopy / bw)} at ${mibs(bw)})` : '';
    parts.push(`${d.local} local disk${d.local === 1 ? '' : 's'}: ${COPY[mode]} ${d.bytesToCopy === null ? 'an unknown amount' : human(d.bytesToCopy)}${time}`);
  } else if (d.shared > 0) parts.push(`${d.shared} disk${d.shared === 1 ? '' : 's'} on shared storage`);
  if (d.unknown > 0) parts.push(`${d.unknown} host block device${d.unknown === 1 ? '' : 's'}${mode === 'live' ? ' (shared? cannot tell)' : ''}`);
  // Cold and save moves have no pre-copy to predict.
  if (mode === 'cold' || mode === 'save') return parts.join('; ');
  if (c?.prediction && c.bandwidthBytesPerSec !== null && c.dirtyBytesPerSec !== null) {
    const p = c.prediction;
    const bwFrom = c.bandwidthSource === 'link' ? `an assumption: ${c.bandwidthAssumption ?? 'from the link speed'}` : c.bandwidthSource;
    const ws = c.workingSetBytes !== undefined ? ` of a ${human(c.workingSetBytes)} working set` : '';
    const at = `at ${mibs(c.bandwidthBytesPerSec)} (${bwFrom}), dirtying ${mibs(c.dirtyBytesPerSec)}${ws} (${c.dirtyRateSource})`;
    parts.push(
      p.converges
        ? `live migration ~${duration(p.totalSeconds)}: ${p.rounds} round${p.rounds === 1 ? '' : 's'}, ${human(p.bytesSent)} sent, pause ${duration(p.downtimeMs / 1000)} ${at}`
        : `live migration will not converge ${at}`,
    );
  } else if (c?.missing) parts.push(`no convergence estimate: ${c.missing}`);
  return parts.join('; ');
}

/** A blocker as the Domains tables list it: the rule id, marked when the result is about the pair rather than the domain. */
export const blockerLabel = (b: DomainVerdict['blockers'][number]): string => (b.domain ? b.id : `${b.id} (pair)`);
