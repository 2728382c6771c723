import type { HostReport, RuleResult, Side } from '../types.js';
import { notProbed } from './evaluate.js';
import { HYPERVISOR_NAME } from './probes/hypervisor.js';
import type { Hypervisor } from './vocabulary.js';

/** --hypervisor: detect per host, or insist on one. */
export type HypervisorChoice = Hypervisor | 'auto';
export const HYPERVISOR_CHOICES = ['auto', 'kvm', 'xen'] as const satisfies readonly HypervisorChoice[];

const SIDE: Record<Side, string> = { src: 'source', dst: 'destination' };

function described(h: HostReport): string {
  const k = h.facts.hypervisor;
  if (!k?.kind) return 'an unknown hypervisor';
  return `${HYPERVISOR_NAME[k.kind]}${k.evidence.length ? ` (${k.evidence.join('; ')})` : ''}`;
}

/**
 * Which rule set a pair gets, and the `hypervisor.match` result saying why. A pair whose hosts
 * run different hypervisors is refused: no guest migrates between KVM and Xen, so every other
 * rule is skipped and this one fails. With --hypervisor, a host that plainly runs the other one
 * refuses the pair too; a host that shows no sign either way is taken at the operator's word.
 */
export function pairHypervisor(choice: HypervisorChoice, hosts: { readonly src: HostReport; readonly dst: HostReport }): { hypervisor: Hypervisor; refused: string | null; result: RuleResult } {
  const base = { id: 'hypervisor.match', title: 'Both hosts run the same hypervisor', severity: 'critical', domain: null, references: [], waiver: null } as const;
  const kinds = { src: hosts.src.facts.hypervisor?.kind ?? null, dst: hosts.dst.facts.hypervisor?.kind ?? null };
  const evidence = { src: hosts.src.facts.hypervisor ?? null, dst: hosts.dst.facts.hypervisor ?? null };
  const refuse = (hypervisor: Hypervisor, message: string, remediation: string): ReturnType<typeof pairHypervisor> => ({
    hypervisor,
    refused: message,
    result: { ...base, status: 'fail', message, messageId: 'hypervisor.mismatch', data: { ...kinds, choice }, evidence, remediation },
  });
  const convert = 'A guest cannot migrate between KVM and Xen: convert it (virt-v2v, or export its disks and define it anew) and boot it cold on the destination, or pick a destination running the same hypervisor.';
  if (choice === 'auto' && kinds.src && kinds.dst && kinds.src !== kinds.dst) {
    return refuse(kinds.src, `the source runs ${described(hosts.src)} and the destination runs ${described(hosts.dst)}: no live or cold migration between different hypervisors`, convert);
  }
  if (choice !== 'auto') {
    const other = (['src', 'dst'] as const).filter((s) => kinds[s] !== null && kinds[s] !== choice);
    if (other.length > 0) {
      const which = other.map((s) => `the ${SIDE[s]} runs ${described(hosts[s])}`).join(' and ');
      return refuse(choice, `--hypervisor ${choice}, but ${which}`, `Check the host names, or drop --hypervisor to let each host say what it runs. ${convert}`);
    }
  }
  const hypervisor = choice !== 'auto' ? choice : (kinds.src ?? kinds.dst ?? 'kvm');
  const unprobed = (['src', 'dst'] as const).find((s) => notProbed(hosts[s]));
  if (unprobed) {
    const h = hosts[unprobed];
    const message = `${SIDE[unprobed]} host ${h.target} was not probed: ${h.error?.message ?? 'unreachable'}`;
    return { hypervisor, refused: null, result: { ...base, status: 'error', message, messageId: 'error.unreachable', data: { side: unprobed }, evidence, remediation: null } };
  }
  const unknown = (['src', 'dst'] as const).filter((s) => kinds[s] === null);
  if (choice === 'auto' && unknown.length > 0) {
    const message = `cannot tell which hypervisor the ${unknown.map((s) => SIDE[s]).join(' and the ')} runs (no Xen toolstack answered, no /dev/kvm, libvirt did not answer); checked with the ${HYPERVISOR_NAME[hypervisor]} rules`;
    return {
      hypervisor,
      refused: null,
      result: { ...base, status: 'error', message, messageId: 'hypervisor.unknown', data: { ...kinds, choice }, evidence, remediation: 'Give --hypervisor kvm or --hypervisor xen, and check that virsh or xl works for the SSH user (or use --sudo).' },
    };
  }
  const message =
    choice === 'auto'
      ? `both hosts run ${HYPERVISOR_NAME[hypervisor]}: source ${described(hosts.src)}; destination ${described(hosts.dst)}`
      : `--hypervisor ${choice}: source ${described(hosts.src)}; destination ${described(hosts.dst)}`;
  return { hypervisor, refused: null, result: { ...base, status: 'pass', message, messageId: 'pass', data: { ...kinds, choice }, evidence, remediation: null } };
}
