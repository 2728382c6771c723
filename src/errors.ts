/**
 * Known failures carry a stable `code` so scripts and tests can tell them apart, and print as
 * one line; anything else is a bug and prints its stack.
 */
export abstract class PreflightError extends Error {
  abstract readonly code: string;
  /** Exit code this error maps to when it ends the run (2: usage, 3: a host could not be probed). */
  abstract readonly exitCode: 2 | 3;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Bad command line (unknown option, missing host, bad value). */
export class UsageError extends PreflightError {
  readonly code = 'MP_USAGE';
  readonly exitCode = 2;
}

/** A rule file that cannot be read, parsed or validated. */
export class RuleFileError extends PreflightError {
  readonly code = 'MP_RULE_FILE';
  readonly exitCode = 2;
}

/** An ssh_config or known_hosts file that cannot be read. */
export class SshConfigError extends PreflightError {
  readonly code = 'MP_SSH_CONFIG';
  readonly exitCode = 2;
}

/** TCP connect refused, timed out, no route, DNS failure. */
export class SshConnectError extends PreflightError {
  readonly code = 'MP_SSH_CONNECT';
  readonly exitCode = 3;
}

/** Every offered key / agent identity was rejected. */
export class SshAuthError extends PreflightError {
  readonly code = 'MP_SSH_AUTH';
  readonly exitCode = 3;
}

/** The host presented a key that is not in known_hosts, or one that differs from it. */
export class HostKeyError extends PreflightError {
  readonly code: 'MP_HOST_KEY_UNKNOWN' | 'MP_HOST_KEY_CHANGED';
  readonly exitCode = 3;
  constructor(
    message: string,
    readonly kind: 'unknown' | 'changed',
    readonly fingerprint: string,
  ) {
    super(message);
    this.code = kind === 'unknown' ? 'MP_HOST_KEY_UNKNOWN' : 'MP_HOST_KEY_CHANGED';
  }
}

/** The remote collection script failed as a whole (timeout, dropped connection, sudo refused). */
export class CollectError extends PreflightError {
  readonly code = 'MP_COLLECT';
  readonly exitCode = 3;
}

/** The run was interrupted (SIGINT, SIGTERM) before this host was fully probed. */
export class InterruptedError extends PreflightError {
  readonly code = 'MP_INTERRUPTED';
  readonly exitCode = 3;
}

/** A report file could not be written. */
export class ReportWriteError extends PreflightError {
  readonly code = 'MP_REPORT_WRITE';
  readonly exitCode = 3;
}

export function isPreflightError(e: unknown): e is PreflightError {
  return e instanceof PreflightError;
}

/** One line for known errors, the stack for anything else. */
export function formatError(e: unknown): string {
  if (isPreflightError(e)) return `${e.code}: ${e.message}`;
  if (e instanceof Error) return e.stack ?? String(e);
  return String(e);
}

/** A waivers file that cannot be read, parsed or validated. */
export class WaiverFileError extends PreflightError {
  readonly code = 'MP_WAIVER_FILE';
  readonly exitCode = 2;
}

/** A report given to replay or --baseline that cannot be read or is not a report. */
export class ReportReadError extends PreflightError {
  readonly code = 'MP_REPORT_READ';
  readonly exitCode = 2;
}

/** An inventory file (fleet) that cannot be read or understood. */
export class InventoryError extends PreflightError {
  readonly code = 'MP_INVENTORY';
  readonly exitCode = 2;
}
