import type { BandwidthMeasurement } from '../types.js';
import type { SshSession } from './connect.js';

/** Default bound of the transfer: 64 MiB or 5 s, whichever comes first. */
export const RELAY_BYTES = 64 * 1024 * 1024;
export const RELAY_MS = 5000;

/**
 * Measures the throughput of a bounded transfer from the source to the destination, relayed
 * through this machine over the two open SSH sessions: the source reads /dev/zero (`head -c`),
 * the destination counts what arrives (`wc -c`), nothing is written on either host. The figure
 * is a lower bound of the direct source-to-destination path when this machine sits beside them
 * (it includes both SSH ciphers and this machine's network); it is what the report says it is.
 */
export async function measureBandwidth(src: SshSession, dst: SshSession, bytes = RELAY_BYTES, limitMs = RELAY_MS): Promise<BandwidthMeasurement> {
  const fail = (error: string): BandwidthMeasurement => ({ method: 'ssh-relay', bytes: 0, seconds: 0, bytesPerSec: 0, error });
  let sink;
  let source;
  try {
    sink = await dst.channel('wc -c');
    source = await src.channel(`head -c ${Math.floor(bytes)} /dev/zero`);
  } catch (e) {
    sink?.close();
    return fail(`could not open the transfer: ${(e as Error).message}`);
  }
  const s = source;
  const k = sink;
  return new Promise((resolve) => {
    let sent = 0;
    let first: number | null = null;
    let counted = '';
    let done = false;
    const finish = (m: BandwidthMeasurement): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      s.close();
      k.close();
      resolve(m);
    };
    // At the limit, stop the source; what has arrived by the end of the sink counts.
    const timer = setTimeout(() => {
      s.unpipe(k);
      s.close();
      k.end();
    }, limitMs);
    s.on('data', (d: Buffer) => {
      first ??= performance.now();
      sent += d.length;
    });
    s.pipe(k);
    k.on('data', (d: Buffer) => {
      counted += d.toString('latin1');
    });
    k.on('close', () => {
      const arrived = Number(counted.trim());
      if (first === null || !Number.isFinite(arrived) || arrived <= 0) return finish(fail(`the destination received nothing (${counted.trim() || 'no count'})`));
      const seconds = (performance.now() - first) / 1000;
      finish({ method: 'ssh-relay', bytes: arrived, seconds, bytesPerSec: arrived / seconds, error: arrived > sent ? 'the destination counted more than was sent' : null });
    });
    s.on('error', (e: Error) => finish(fail(`source: ${e.message}`)));
    k.on('error', (e: Error) => finish(fail(`destination: ${e.message}`)));
  });
}
