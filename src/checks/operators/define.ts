/**
 * What an operator is: its name, the parameters a rule's assertion may give it (each a JSON Schema,
 * from which the rule-file schema and the loader's checks are derived), and its evaluation. One file
 * per operator registers one `defineOperator(...)`; operators/index.ts lists them.
 */
import type { Mode, SideSel, Transport } from '../vocabulary.js';

/** A cross-host operator's verdict with the data its message is built from. */
export interface OpResult {
  readonly ok: boolean;
  /** Set when the facts cannot decide (e.g. a firewall rule we do not understand): the rule ends in `error`. */
  readonly undecided?: string;
  /** Stable id of the failure message (e.g. "subset.missing"). */
  readonly messageId: string;
  readonly data: Readonly<Record<string, unknown>>;
  /** The message used when the rule gives none. */
  readonly defaultMessage: string;
  /** What to show as evidence when the raw operands are too bulky (a whole firewall ruleset), or with a unit. */
  readonly evidence?: { readonly src: unknown; readonly dst: unknown; readonly unit?: string };
}

/** A per-host verdict; `undecided` makes the rule `error` (facts present but not enough to decide). */
export interface HostOpResult {
  readonly ok: boolean;
  readonly detail: string;
  readonly undecided?: string;
}

export interface FirewallVerdict {
  readonly blocked: readonly string[];
  readonly unknown: readonly string[];
  readonly admitted: readonly string[];
}

/** What an operator may know about the run besides the facts. */
export interface OpContext {
  readonly transport: Transport;
  /** How the guest moves (--mode). */
  readonly mode: Mode;
  /** The destination's SSH port (the control port for qemu+ssh). */
  readonly dstSshPort: number;
  /** Evaluates a destination firewall for a source address; injected so tests can give a verdict. */
  readonly firewall?: (ruleset: unknown, srcAddr: string, transport: Transport, sshPort: number) => FirewallVerdict;
}

/** Operand types that an operator cannot compare. */
export class OperandError extends Error {}

/** What every assertion may carry, whatever its operator: the operands, the side and a message. */
export interface AssertCommon {
  op: string;
  /** The same fact on both hosts. */
  path?: string;
  /** Different facts on the source and the destination. */
  src?: string;
  dst?: string;
  /** Per-host operators: which host(s) to test (default both). */
  side?: SideSel;
  /** Failure message for this assertion (default: the rule's message, else the operator's). */
  message?: string;
}

/** A JSON Schema for one parameter (`nullable` is added where the rule schema is derived). */
export type ParamSchema = Readonly<Record<string, unknown>>;

interface Common<N extends string, P> {
  readonly name: N;
  /** One line: what it decides (`migrate-preflight rules` and the schema's description). */
  readonly summary: string;
  /** Every parameter it reads, and only those: a rule giving it another one is refused. */
  readonly params: { readonly [K in keyof P]-?: ParamSchema };
  /** Parameters a rule must give. */
  readonly required?: readonly (keyof P & string)[];
  /** A check of the parameters beyond their schemas (a regular expression compiles): the problem, or null. */
  readonly check?: (p: Readonly<P>) => { param: keyof P & string; problem: string } | null;
}

/** Compares a fact on the source with one on the destination. */
export interface CrossOperatorDef<N extends string = string, P = object> extends Common<N, P> {
  readonly kind: 'cross';
  /**
   * Parameters whose value is a fact path, and the host it is read on: the engine reads them
   * (a missing one ends the rule as a missing operand does) and passes the values in `facts`.
   */
  readonly factParams?: { readonly [K in keyof P & string]?: 'src' | 'dst' };
  evaluate(src: unknown, dst: unknown, p: Readonly<P>, ctx: OpContext, facts?: Readonly<Partial<Record<keyof P & string, unknown>>>): OpResult;
  /**
   * What the result depends on of the two operands, where that is less than both values (disjoint:
   * the values on both hosts): the fleet keys a pair on it rather than on each host's value, so
   * hosts with unique values (names, UUIDs) cost an evaluation per host, not per pair. `fields`:
   * the message data it determines; an assertion whose message names other data is keyed on the values.
   * `members`: a set relation's members of an operand; `of(src, dst)` then depends on `dst` only
   * through which of the source's members it has too, so where the two share none it equals
   * `of(src, [])`: the fleet indexes the members and evaluates the relation only where they meet.
   */
  /** Its `undecided` comes from members of the source operand that were not collected (nulls): the evaluation adds why. */
  readonly unknownMembers?: true;
  readonly relation?: { readonly fields: readonly string[]; of(src: unknown, dst: unknown, p: Readonly<P>): unknown; readonly members?: (v: unknown) => readonly string[] };
}

/** Tests a fact on each host named by `side`. */
export interface HostOperatorDef<N extends string = string, P = object> extends Common<N, P> {
  readonly kind: 'host';
  evaluate(value: unknown, p: Readonly<P>): HostOpResult;
}

export type OperatorDef<N extends string = string, P = object> = CrossOperatorDef<N, P> | HostOperatorDef<N, P>;

/** Registers nothing by itself: it types an operator's definition (the name stays a literal type). */
export function defineOperator<const N extends string, P extends object = object>(def: CrossOperatorDef<N, P>): CrossOperatorDef<N, P>;
export function defineOperator<const N extends string, P extends object = object>(def: HostOperatorDef<N, P>): HostOperatorDef<N, P>;
export function defineOperator<D>(def: D): D {
  return def;
}
