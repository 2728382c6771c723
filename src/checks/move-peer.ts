/**
 * The source facts a move derives from the source's way to the destination (its `peer.` facts),
 * and which peer facts each is derived from. Everything else of `migration.` and `xenMove.` is a
 * function of the source alone (its facts and the plan): the fleet evaluates a source's move once
 * and keys only these paths per destination. test/unit/move-peer.test.ts checks the list against
 * migrationFacts and xenMoveFacts.
 */
const PEER_DERIVED: readonly { readonly path: string; readonly from: readonly string[] }[] = [
  // migration.ts factsFor: where the migration data goes (the management address, the destination's hostname as resolved here).
  { path: 'migration.transfer', from: ['peer.route', 'peer.dstHostnameResolution'] },
  // convergence-estimate.ts bandwidthRange: the link speed when no bandwidth is given.
  { path: 'migration.convergence', from: ['peer.link'] },
  // xen-move.ts xenMoveFacts.
  { path: 'xenMove.route', from: ['peer.route'] },
  { path: 'xenMove.relocation', from: ['peer.srcAddr', 'peer.xendTcp'] },
];

const overlaps = (a: string, b: string): boolean => a === b || a.startsWith(`${b}.`) || b.startsWith(`${a}.`);

/** The peer facts a source fact path depends on: itself for a `peer.` path, none for a fact of the source alone. */
export function peerInputsOf(path: string): string[] {
  if (path === 'peer' || path.startsWith('peer.')) return [path];
  return [...new Set(PEER_DERIVED.filter((d) => overlaps(path, d.path)).flatMap((d) => d.from))];
}
