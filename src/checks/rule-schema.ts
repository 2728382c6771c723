import type { JSONSchemaType } from 'ajv';
import { SEVERITIES, type Severity } from '../types.js';
import type { AssertCommon } from './operators/define.js';
import { OPERATORS, paramSchemas, type Operator, type OperatorParams } from './operators/index.js';
import { HYPERVISORS, MODES, TRANSPORTS, type Hypervisor, type Mode, type Scalar, type SideSel, type Transport } from './vocabulary.js';

/** A condition on facts: when it does not hold the rule is `skip` (or, under `escalate`, not escalated). */
export interface WhenSpec {
  /** Which host the condition reads (default both: it must hold on each). */
  side?: SideSel;
  path: string;
  /** The value is one of these. */
  in?: Scalar[];
  /** The value (a list) contains this. */
  includes?: Scalar;
  /** The value is a non-empty list. */
  nonEmpty?: boolean;
}

/**
 * One assertion: its operator, the operands (`path` reads the same fact on both hosts; `src`/`dst`
 * read different ones) and the parameters its operator declares (operators/*.ts).
 */
export type AssertSpec = Omit<AssertCommon, 'op'> & OperatorParams & { op: Operator };

/** One rule as written in YAML. `when` and `assert` take one item or a list (all must hold). */
export interface RuleSpec {
  id: string;
  title: string;
  severity: Severity;
  tags?: string[];
  hypervisors?: Hypervisor[];
  transports?: Transport[];
  /** The migration modes it applies to (default every one); in the others it is `skip`. */
  modes?: Mode[];
  /** The severity in some modes (e.g. cpu.flags is minor for a cold migration: the guest boots afresh); overrides `escalate`. */
  modeSeverity?: Partial<Record<Mode, Severity>>;
  /**
   * pair (default): one result for the pair. domain: one result per moving domain, each evaluated
   * with `migration.*` narrowed to that domain (a domain's own disks, interfaces, CPU ...).
   */
  scope?: 'pair' | 'domain';
  /** The facts it reads (shown by `rules show`). */
  facts?: string[];
  when?: WhenSpec | WhenSpec[];
  /** How a fact that could not be collected counts: `error` (default) or `fail` (its absence is the finding). */
  missing?: 'error' | 'fail';
  /**
   * The severity when a condition holds: higher (cpu.model when a domain uses host-passthrough) or
   * lower (cpu.flags when no moving guest sees the host's CPU). A condition on a fact that is
   * unknown keeps the rule's own severity.
   */
  escalate?: { when: WhenSpec; severity: Severity };
  assert: AssertSpec | AssertSpec[];
  /** Failure message template; `{name}` takes a value from the operator's data (src, dst, missing, common ...). */
  message?: string;
  rationale?: string;
  remediation?: string;
  references?: string[];
}

export interface RuleFile {
  rules: RuleSpec[];
}

const id = { type: 'string', pattern: '^[a-z][a-z0-9-]*(\\.[a-z0-9][a-z0-9-]*)+$' } as const;
const factPath = { type: 'string', pattern: '^[a-zA-Z][a-zA-Z0-9]*(\\.[a-zA-Z][a-zA-Z0-9]*)*$' } as const;
// 'null' spelt out: ajv added it to this shared array when it compiled `includes` (nullable), so
// the published schema and the validator already had it; now the schema says so without a compile.
const scalar = { type: ['string', 'number', 'boolean', 'null'] } as never;
const side = { type: 'string', enum: ['src', 'dst', 'both'], nullable: true } as const;

const whenSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['path'],
  properties: {
    side,
    path: factPath,
    in: { type: 'array', minItems: 1, items: scalar, nullable: true },
    includes: { ...(scalar as object), nullable: true },
    nonEmpty: { type: 'boolean', nullable: true },
  },
} as const;

/** Each operator's parameters (operators/*.ts), every one optional here; rules.ts checks which operator takes which. */
const operatorParams = Object.fromEntries(
  [...paramSchemas()].map(([name, { schema, operators }]) => [name, { ...structuredClone(schema), nullable: true, description: `${operators.join(', ')}: ${String(schema.description ?? '')}`.replace(/: $/, '') }]),
);

const assertSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['op'],
  properties: {
    op: { type: 'string', enum: [...OPERATORS] },
    path: { ...factPath, nullable: true },
    src: { ...factPath, nullable: true },
    dst: { ...factPath, nullable: true },
    side,
    message: { type: 'string', nullable: true },
    ...operatorParams,
  },
} as const;

/** The rule-file schema; written to rules/schema.json and published by `migrate-preflight schema rules`. */
export const RULE_FILE_SCHEMA: JSONSchemaType<RuleFile> = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://migrate-preflight.dev/schema/rules-1.json',
  title: 'migrate-preflight rule file',
  type: 'object',
  additionalProperties: false,
  required: ['rules'],
  properties: {
    rules: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'title', 'severity', 'assert'],
        properties: {
          id: { ...id, description: 'Stable id, e.g. cpu.flags; waivers and --skip name it' },
          title: { type: 'string', minLength: 1 },
          severity: { type: 'string', enum: [...SEVERITIES] },
          tags: { type: 'array', items: { type: 'string' }, nullable: true },
          hypervisors: { type: 'array', items: { type: 'string', enum: [...HYPERVISORS] }, nullable: true },
          transports: { type: 'array', items: { type: 'string', enum: [...TRANSPORTS] }, nullable: true },
          modes: { type: 'array', minItems: 1, items: { type: 'string', enum: [...MODES] }, nullable: true },
          modeSeverity: {
            type: 'object',
            nullable: true,
            additionalProperties: false,
            minProperties: 1,
            properties: Object.fromEntries(MODES.map((m) => [m, { type: 'string', enum: [...SEVERITIES], nullable: true }])),
          } as never,
          scope: { type: 'string', enum: ['pair', 'domain'], nullable: true },
          facts: { type: 'array', items: factPath, nullable: true },
          when: { anyOf: [whenSchema, { type: 'array', minItems: 1, items: whenSchema }] } as never,
          missing: { type: 'string', enum: ['error', 'fail'], nullable: true },
          escalate: {
            type: 'object',
            nullable: true,
            additionalProperties: false,
            required: ['when', 'severity'],
            properties: { when: whenSchema as never, severity: { type: 'string', enum: [...SEVERITIES] } },
          },
          assert: { anyOf: [assertSchema, { type: 'array', minItems: 1, items: assertSchema }] } as never,
          message: { type: 'string', nullable: true },
          rationale: { type: 'string', nullable: true },
          remediation: { type: 'string', nullable: true },
          references: { type: 'array', items: { type: 'string' }, nullable: true },
        },
      },
    },
  },
};

/** `when` or `assert` as a list. */
export function asList<T>(v: T | T[] | undefined): T[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}
