/**
 * The operator registry: every operator a rule's `assert` may name, one file each. The rule-file
 * schema (rule-schema.ts), the loader's parameter checks (rules.ts) and the evaluator
 * (evaluate.ts) all read this list; adding an operator is adding its file and a line here.
 */
import { atLeastOp } from './at-least.js';
import { blockSpaceOp } from './block-space.js';
import { capacityOp } from './capacity.js';
import { convergesOp } from './converges.js';
import { dedicatedLinkOp } from './dedicated-link.js';
import type { OperatorDef } from './define.js';
import { disjointOp } from './disjoint.js';
import { disksSharedOp } from './disks-shared.js';
import { emptyOp } from './empty.js';
import { equalOp } from './equal.js';
import { firewallAdmitsOp } from './firewall-admits.js';
import { guestCpuOp } from './guest-cpu.js';
import { hugepagesFitOp } from './hugepages-fit.js';
import { inOp } from './in.js';
import { listensLocalOp } from './listens-local.js';
import { matchOp } from './match.js';
import { matchesOp } from './matches.js';
import { notOlderOp } from './not-older.js';
import { presentOp } from './present.js';
import { privateDirOp } from './private-dir.js';
import { sameSubnetOp } from './same-subnet.js';
import { saveSpaceOp } from './save-space.js';
import { subsetOp } from './subset.js';
import { supersetOp } from './superset.js';
import { withinOp } from './within.js';
import { xendRelocationOp } from './xend-relocation.js';
import { xenStorageOp } from './xen-storage.js';

export const OPERATOR_DEFS = [
  equalOp,
  subsetOp,
  supersetOp,
  disjointOp,
  matchOp,
  notOlderOp,
  withinOp,
  capacityOp,
  firewallAdmitsOp,
  disksSharedOp,
  guestCpuOp,
  blockSpaceOp,
  saveSpaceOp,
  dedicatedLinkOp,
  sameSubnetOp,
  xenStorageOp,
  xendRelocationOp,
  hugepagesFitOp,
  presentOp,
  emptyOp,
  matchesOp,
  inOp,
  atLeastOp,
  convergesOp,
  privateDirOp,
  listensLocalOp,
] as const;

type Defs = (typeof OPERATOR_DEFS)[number];
export type Operator = Defs['name'];
export type CrossOperator = Extract<Defs, { kind: 'cross' }>['name'];
export type HostOperator = Extract<Defs, { kind: 'host' }>['name'];

/** Every operator's name, in registry order (the schema's enum, error messages). */
export const OPERATORS: readonly Operator[] = OPERATOR_DEFS.map((d) => d.name);

const BY_NAME: ReadonlyMap<string, OperatorDef> = new Map(OPERATOR_DEFS.map((d) => [d.name, d as OperatorDef]));

/** The definition of `name`, or undefined for an unknown operator. */
export function operatorNamed(name: string): OperatorDef | undefined {
  return BY_NAME.get(name);
}

/** The parameters of every operator, each with the operators that take it (one schema per name). */
export function paramSchemas(): Map<string, { schema: Readonly<Record<string, unknown>>; operators: string[] }> {
  const out = new Map<string, { schema: Readonly<Record<string, unknown>>; operators: string[] }>();
  for (const d of OPERATOR_DEFS) {
    for (const [name, schema] of Object.entries(d.params as Record<string, Readonly<Record<string, unknown>>>)) {
      const seen = out.get(name);
      if (seen && JSON.stringify(seen.schema) !== JSON.stringify(schema)) throw new Error(`operator ${d.name}: parameter ${name} differs from ${seen.operators.join(', ')}'s`);
      if (seen) seen.operators.push(d.name);
      else out.set(name, { schema, operators: [d.name] });
    }
  }
  return out;
}

type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void ? I : never;
type ParamsOf<D> = D extends { evaluate(...args: infer A): unknown } ? (A extends [unknown, unknown, infer P, ...unknown[]] ? P : A extends [unknown, infer P] ? P : never) : never;

/** Every parameter any operator takes, typed (an assertion carries those of its operator). */
export type OperatorParams = Partial<UnionToIntersection<ParamsOf<Defs>>>;
