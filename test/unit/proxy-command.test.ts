import { describe, expect, it } from 'vitest';
import { proxyCommandSocket } from '../../src/ssh/ways.js';
import type { ResolvedTarget } from '../../src/ssh/target.js';

const T = { target: 'hv6', user: 'root', host: 'hv6', port: 22 } as unknown as ResolvedTarget;

/** What the connection ends with when the client keeps writing (as ssh2 sends its banner at once). */
function endOf(command: string): Promise<{ error: string | null; data: string }> {
  const { sock } = proxyCommandSocket(T, command);
  let data = '';
  return new Promise((resolve) => {
    sock.on('data', (d: Buffer) => (data += d.toString()));
    sock.on('error', (e) => resolve({ error: e.message, data }));
    sock.on('end', () => resolve({ error: null, data }));
    const pump = (): void => {
      if (sock.destroyed) return;
      sock.write('SSH-2.0-test\r\n'.repeat(4096));
      setTimeout(pump, 1);
    };
    pump();
  });
}

describe('ProxyCommand socket (a real /bin/sh)', () => {
  it('a command that fails at once ends the connection with its exit status and last line, not the EPIPE of a write', async () => {
    for (let i = 0; i < 5; i++) expect(await endOf("echo no route to the moon >&2; exit 7")).toEqual({ error: 'ProxyCommand exited 7: no route to the moon', data: '' });
  });

  it('its output reaches the client, and a clean exit is an end, not an error', async () => {
    expect(await endOf("head -c 14 >/dev/null; printf 'SSH-2.0-relay\\r\\n'")).toEqual({ error: null, data: 'SSH-2.0-relay\r\n' });
  });

  it('a command that fails after printing still says why', async () => {
    expect(await endOf("printf 'hello'; echo 'bastion: connection refused' >&2; exit 255")).toEqual({ error: 'ProxyCommand exited 255: bastion: connection refused', data: 'hello' });
  });
});
