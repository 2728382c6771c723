import { InterruptedError, isPreflightError, type PreflightError } from '../errors.js';
import { connect, type SshSession } from '../ssh/connect.js';
import type { ResolvedTarget } from '../ssh/target.js';
import type { HostReport } from '../types.js';
import { DEFAULTS, type CheckOptions } from './options.js';

/** What connecting and collecting read of the options. */
export type SessionOptions = Pick<CheckOptions, 'connectTimeoutMs' | 'timeoutMs' | 'probeTimeoutMs' | 'sudo' | 'signal'>;

/** The signal an aborted run was interrupted by. */
export const signalName = (s: AbortSignal): 'SIGINT' | 'SIGTERM' => (s.reason === 'SIGTERM' ? 'SIGTERM' : 'SIGINT');

/** A host that could not be reached: its report says why. @internal (fleet) */
export function unprobed(t: ResolvedTarget, e: PreflightError): HostReport {
  return { target: t.target, connection: { user: t.user, host: t.host, port: t.port }, hostname: null, reachable: false, error: { code: e.code, message: e.message }, hostKey: null, facts: {}, probes: {}, probeErrors: [] };
}

export type Progress = (phase: 'connecting' | 'collecting', detail?: string) => void;

/** @internal (fleet) */
export async function open(t: ResolvedTarget, o: SessionOptions, progress: Progress): Promise<SshSession | PreflightError> {
  progress('connecting', `${t.user}@${t.host}:${t.port}`);
  const signal = o.signal;
  const interrupted = (): InterruptedError => new InterruptedError(`${t.target}: interrupted (${signalName(signal as AbortSignal)}) before it was probed`);
  if (signal?.aborted) return interrupted();
  try {
    const connecting = connect(t, { connectTimeoutMs: o.connectTimeoutMs ?? DEFAULTS.connectTimeoutMs });
    if (!signal) return await connecting;
    // An interrupt does not wait for the handshake; a session that arrives after it is closed at once.
    return await new Promise<SshSession | PreflightError>((resolve, reject) => {
      const onAbort = (): void => {
        connecting.then((s) => s.close(), () => {});
        resolve(interrupted());
      };
      signal.addEventListener('abort', onAbort, { once: true });
      connecting.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    });
  } catch (e) {
    if (isPreflightError(e)) return e;
    throw e;
  }
}
