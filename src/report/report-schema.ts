/**
 * JSON Schema of the JSON report, schemaVersion 1 (published by `migrate-preflight schema report`).
 * Top-level shape, hosts, probes, results and summary are strict; facts are open (they grow
 * with every probe) but typed where rules and renderers depend on them.
 */
const str = { type: 'string' } as const;
const strOrNull = { type: ['string', 'null'] } as const;
const int = { type: 'integer', minimum: 0 } as const;
const SEVERITY = { enum: ['critical', 'major', 'minor', 'info'] } as const;

const waiver = {
  type: 'object',
  additionalProperties: false,
  required: ['rule', 'hosts', 'justification', 'approver', 'expires', 'source'],
  properties: {
    rule: str,
    hosts: strOrNull,
    domain: strOrNull,
    justification: str,
    approver: str,
    expires: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' },
    source: { type: 'object', additionalProperties: false, required: ['file', 'line'], properties: { file: str, line: int } },
  },
} as const;

const probe = {
  type: 'object',
  additionalProperties: false,
  required: ['command', 'exitCode', 'stdout', 'stderr', 'sha256', 'durationMs'],
  properties: {
    command: str,
    exitCode: { type: ['integer', 'null'] },
    stdout: str,
    stderr: str,
    sha256: { type: 'string', pattern: '^[0-9a-f]{64}$' },
    durationMs: int,
    receivedAt: { type: 'number' },
    truncated: { type: 'boolean' },
  },
} as const;

const host = {
  type: 'object',
  additionalProperties: false,
  required: ['target', 'connection', 'hostname', 'reachable', 'error', 'hostKey', 'facts', 'probes', 'probeErrors'],
  properties: {
    target: str,
    connection: {
      oneOf: [
        { type: 'null' },
        { type: 'object', additionalProperties: false, required: ['user', 'host', 'port'], properties: { user: str, host: str, port: { type: 'integer', minimum: 1, maximum: 65535 } } },
      ],
    },
    hostname: strOrNull,
    reachable: { type: 'boolean' },
    error: { oneOf: [{ type: 'null' }, { type: 'object', additionalProperties: false, required: ['code', 'message'], properties: { code: str, message: str } }] },
    hostKey: {
      oneOf: [
        { type: 'null' },
        {
          type: 'object',
          additionalProperties: false,
          required: ['type', 'fingerprint', 'status'],
          properties: { type: str, fingerprint: str, status: { enum: ['known', 'accepted-new'] } },
        },
      ],
    },
    facts: { type: 'object' },
    probes: { type: 'object', additionalProperties: probe },
    probeErrors: {
      type: 'array',
      items: { type: 'object', additionalProperties: false, required: ['probe', 'reason'], properties: { probe: str, reason: str } },
    },
  },
} as const;

const result = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'title', 'severity', 'status', 'message', 'messageId', 'data', 'evidence', 'remediation', 'references', 'waiver'],
  properties: {
    id: str,
    domain: strOrNull,
    title: str,
    severity: SEVERITY,
    status: { enum: ['pass', 'fail', 'error', 'skip', 'waived'] },
    message: str,
    messageId: str,
    data: { type: 'object' },
    evidence: { type: 'object', properties: { src: {}, dst: {}, unit: { type: 'string', description: 'the unit of src and dst (ms), where the rule gives one' } }, additionalProperties: false },
    remediation: strOrNull,
    references: { type: 'array', items: str },
    waiver: { oneOf: [{ type: 'null' }, waiver] },
  },
  if: { properties: { status: { const: 'waived' } } },
  then: { properties: { waiver: waiver } },
} as const;

const num = { type: 'number' } as const;
const numOrNull = { type: ['number', 'null'] } as const;

const prediction = {
  type: 'object',
  additionalProperties: false,
  required: ['converges', 'rounds', 'bytesSent', 'totalSeconds', 'downtimeMs', 'reason', 'neededBandwidthBytesPerSec', 'maxDirtyBytesPerSec'],
  properties: {
    converges: { type: 'boolean' },
    rounds: int,
    bytesSent: num,
    totalSeconds: num,
    downtimeMs: num,
    reason: { enum: ['dirty-rate-exceeds-bandwidth', 'round-limit', null] },
    // Infinity (no bandwidth is enough; any dirty rate converges) serialises as null.
    neededBandwidthBytesPerSec: numOrNull,
    maxDirtyBytesPerSec: numOrNull,
  },
} as const;

const domainVerdict = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'uuid', 'state', 'memoryKiB', 'vcpus', 'verdict', 'blockers', 'disks', 'convergence'],
  properties: {
    name: str,
    uuid: strOrNull,
    state: str,
    memoryKiB: int,
    vcpus: int,
    verdict: { enum: ['go', 'no-go', 'unknown'] },
    blockers: {
      type: 'array',
      items: { type: 'object', additionalProperties: false, required: ['id', 'status', 'domain'], properties: { id: str, status: { enum: ['fail', 'error'] }, domain: strOrNull } },
    },
    disks: {
      type: 'object',
      additionalProperties: false,
      required: ['shared', 'local', 'unknown', 'bytesToCopy'],
      properties: { shared: int, local: int, unknown: int, bytesToCopy: numOrNull },
    },
    convergence: {
      oneOf: [
        { type: 'null' },
        {
          type: 'object',
          additionalProperties: false,
          required: ['domain', 'state', 'memoryBytes', 'dirtyBytesPerSec', 'dirtyRateSource', 'bandwidthBytesPerSec', 'bandwidthSource', 'maxDowntimeMs', 'missing', 'prediction'],
          properties: {
            domain: str,
            state: str,
            memoryBytes: num,
            firstRoundBytes: num,
            memoryAssumption: str,
            workingSetBytes: num,
            workingSetAssumption: str,
            dirtyBytesPerSec: numOrNull,
            dirtyRateSource: { enum: ['measured', 'option', null] },
            bandwidthBytesPerSec: numOrNull,
            bandwidthSource: { enum: ['measured', 'option', 'link', null] },
            bandwidthAssumption: str,
            dirtyRateAssumption: str,
            maxDowntimeMs: num,
            missing: strOrNull,
            prediction: { oneOf: [{ type: 'null' }, prediction] },
          },
        },
      ],
    },
  },
} as const;

export const REPORT_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://migrate-preflight.dev/schema/report-1.json',
  title: 'migrate-preflight report',
  type: 'object',
  additionalProperties: false,
  required: [
    'schemaVersion', 'tool', 'startedAt', 'finishedAt', 'durationMs', 'runBy', 'options', 'rulesets',
    'hosts', 'results', 'waivers', 'drift', 'replayOf', 'summary',
  ],
  properties: {
    schemaVersion: { const: 1 },
    tool: { type: 'object', additionalProperties: false, required: ['name', 'version'], properties: { name: str, version: str } },
    startedAt: { type: 'string', format: 'date-time' },
    finishedAt: { type: 'string', format: 'date-time' },
    durationMs: int,
    runBy: { type: 'object', additionalProperties: false, required: ['user', 'host'], properties: { user: str, host: str } },
    options: {
      type: 'object',
      additionalProperties: false,
      required: ['libvirtUri', 'domains', 'transport', 'failOn', 'sudo', 'rules', 'only', 'skip', 'waivers', 'baseline'],
      properties: {
        libvirtUri: str,
        domains: { type: 'array', items: str },
        transport: { enum: ['ssh', 'tcp', 'tls', 'tunnelled'] },
        failOn: { enum: ['critical', 'major', 'minor', 'info', 'never'] },
        sudo: { type: 'boolean' },
        rules: { type: 'array', items: str },
        only: { type: 'array', items: str },
        skip: { type: 'array', items: str },
        waivers: strOrNull,
        baseline: strOrNull,
        bandwidthMiBs: { type: ['number', 'null'], exclusiveMinimum: 0 },
        dirtyRateMiBs: { type: ['number', 'null'], minimum: 0 },
        maxDowntimeMs: { type: 'number', minimum: 0 },
        memoryReserveMiB: { type: 'number', minimum: 0 },
        measureBandwidth: { type: 'boolean' },
        mode: { enum: ['live', 'block', 'cold', 'save'] },
        saveDir: strOrNull,
        unsafe: { type: 'boolean' },
        hypervisor: { enum: ['auto', 'kvm', 'xen'] },
        changeId: strOrNull,
      },
    },
    rulesets: {
      type: 'array',
      items: { type: 'object', additionalProperties: false, required: ['path', 'sha256'], properties: { path: str, sha256: { type: 'string', pattern: '^[0-9a-f]{64}$' } } },
    },
    hosts: { type: 'object', additionalProperties: false, required: ['src', 'dst'], properties: { src: host, dst: host } },
    results: { type: 'array', items: result },
    domains: { type: 'array', items: domainVerdict },
    measurements: {
      type: 'object',
      additionalProperties: false,
      required: ['bandwidth'],
      properties: {
        bandwidth: {
          oneOf: [
            { type: 'null' },
            {
              type: 'object',
              additionalProperties: false,
              required: ['method', 'bytes', 'seconds', 'bytesPerSec', 'error'],
              properties: { method: { const: 'ssh-relay' }, bytes: int, seconds: { type: 'number', minimum: 0 }, bytesPerSec: { type: 'number', minimum: 0 }, error: strOrNull },
            },
          ],
        },
      },
    },
    waivers: {
      type: 'array',
      items: { ...waiver, required: [...waiver.required, 'state'], properties: { ...waiver.properties, state: { enum: ['applied', 'expired', 'unused'] } } },
    },
    drift: {
      oneOf: [
        { type: 'null' },
        {
          type: 'object',
          additionalProperties: false,
          required: ['baseline', 'new', 'resolved', 'changed'],
          properties: {
            baseline: { type: 'object', additionalProperties: false, required: ['path', 'sha256', 'startedAt'], properties: { path: str, sha256: str, startedAt: str } },
            new: { type: 'array', items: str },
            resolved: { type: 'array', items: str },
            changed: {
              type: 'array',
              items: { type: 'object', additionalProperties: false, required: ['id', 'before', 'after'], properties: { id: str, before: str, after: str } },
            },
          },
        },
      ],
    },
    replayOf: {
      oneOf: [
        { type: 'null' },
        {
          type: 'object',
          additionalProperties: false,
          required: ['path', 'sha256', 'replayedAt'],
          properties: { path: str, sha256: str, replayedAt: { type: 'string', format: 'date-time' }, altered: { type: 'array', items: str }, unverifiable: { type: 'array', items: str } },
        },
      ],
    },
    summary: {
      type: 'object',
      additionalProperties: false,
      required: ['total', 'pass', 'fail', 'error', 'skip', 'waived', 'exitCode'],
      properties: { total: int, pass: int, fail: int, error: int, skip: int, waived: int, leftOut: int, ungated: { const: true }, interrupted: { enum: ['SIGINT', 'SIGTERM'] }, exitCode: { enum: [0, 1, 2, 3, 130, 143] } },
    },
  },
} as const;

/** One host of a report (the fleet report's hosts are the same). */
export const HOST_SCHEMA = host;
