import type { JSONSchemaType } from 'ajv';
import { SEVERITIES, type Severity } from '../types.js';

/** Cross-host comparison operators (see operators.ts for what each means). */
export const OPERATORS = ['equal', 'subset', 'disjoint'] as const;
export type Operator = (typeof OPERATORS)[number];

export const HYPERVISORS = ['kvm', 'xen'] as const;
export type Hypervisor = (typeof HYPERVISORS)[number];

/** A per-host condition: the rule applies only when both hosts satisfy it, else `skip`. */
export interface WhenSpec {
  path: string;
  in: (string | number | boolean)[];
}

/** What a rule asserts about the pair. `path` reads the same fact on both hosts; `src`/`dst` read different ones. */
export interface AssertSpec {
  op: Operator;
  path?: string;
  src?: string;
  dst?: string;
  /** Values left out of set comparisons (kernel-synthesised CPU flags, say). */
  ignore?: string[];
}

/** One rule as written in YAML. */
export interface RuleSpec {
  id: string;
  title: string;
  severity: Severity;
  tags?: string[];
  hypervisors?: Hypervisor[];
  when?: WhenSpec;
  assert: AssertSpec;
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
          hypervisors: { type: 'array', items: { type: 'string', enum: ['kvm', 'xen'] }, nullable: true },
          when: {
            type: 'object',
            nullable: true,
            additionalProperties: false,
            required: ['path', 'in'],
            properties: {
              path: factPath,
              in: { type: 'array', minItems: 1, items: { type: ['string', 'number', 'boolean'] } as never },
            },
          },
          assert: {
            type: 'object',
            additionalProperties: false,
            required: ['op'],
            properties: {
              op: { type: 'string', enum: [...OPERATORS] },
              path: { ...factPath, nullable: true },
              src: { ...factPath, nullable: true },
              dst: { ...factPath, nullable: true },
              ignore: { type: 'array', items: { type: 'string' }, nullable: true },
            },
          },
          message: { type: 'string', nullable: true },
          rationale: { type: 'string', nullable: true },
          remediation: { type: 'string', nullable: true },
          references: { type: 'array', items: { type: 'string' }, nullable: true },
        },
      },
    },
  },
};
