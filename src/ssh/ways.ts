/**
 * The ways to a host before SSH is spoken: a TCP connection dialled before ssh2 has loaded, a
 * ProxyCommand's stdio, and the retry of a login sshd dropped before its banner (MaxStartups).
 */
import { spawn } from 'node:child_process';
import { connect as dialTcp, type Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { SshConnectError } from '../errors.js';
import type { ResolvedTarget } from './target.js';

export type Ssh2 = typeof import('ssh2');
/**
 * ssh2, loaded at the first connection (~35 ms of start-up): a direct connection's TCP socket is
 * opened first, so sshd accepts it and sends its banner while the library loads.
 */
let ssh2: Promise<Ssh2> | null = null;
export const loadSsh2 = (): Promise<Ssh2> => (ssh2 ??= import('ssh2').then((m) => (m as unknown as { default: Ssh2 }).default ?? m));

/**
 * A TCP connection to a host reached straight (no ProxyCommand, no jump host), opened before ssh2
 * takes it over; an error before that is kept and handed over with it.
 */
export interface Dialed {
  readonly sock: Socket;
  /** Detaches the early error listener: returns the error the socket had before, if any. */
  handOver(): Error | null;
}

export function dial(t: ResolvedTarget): Dialed {
  const sock = dialTcp({ host: t.host, port: t.port });
  // No Nagle: the handshake, the auth exchange and the channel requests are small packets that
  // each waited for the previous one's ACK (the peer's delayed ACK, ~40 ms): ~45 ms per host on
  // the lab, as OpenSSH sets TCP_NODELAY too.
  sock.setNoDelay(true);
  let early: Error | null = null;
  const keep = (e: Error): void => {
    early ??= e;
  };
  sock.on('error', keep);
  return {
    sock,
    handOver() {
      sock.off('error', keep);
      return early;
    },
  };
}

/** A target as messages name it: its name, and where that is when they differ. */
export function describe(t: ResolvedTarget): string {
  const where = `${t.user}@${t.host}:${t.port}`;
  return t.target === t.host ? where : `${t.target} (${where})`;
}

/** A connection closed before the server's banner: what sshd does to connections past its MaxStartups. */
export class PreBannerClose extends SshConnectError {}

/** Pauses before each new try of a connection closed before the banner: short, and random so that tries spread out. */
const PRE_BANNER_PAUSES_MS = [150, 400, 1000];

/**
 * sshd drops new connections at random once MaxStartups (10:30:100 by default) connections wait
 * to authenticate: a fleet whose hosts all test each other's SSH port, or a busy jump host, can
 * make a login fail that the next try makes. Such a close is tried again a few times; every
 * other failure is final at once.
 */
export async function retryPreBanner<T>(attempt: () => Promise<T>): Promise<T> {
  for (let k = 0; ; k++) {
    try {
      return await attempt();
    } catch (e) {
      const pause = PRE_BANNER_PAUSES_MS[k];
      if (!(e instanceof PreBannerClose) || pause === undefined) throw e;
      await new Promise((r) => setTimeout(r, pause * (0.5 + Math.random())));
    }
  }
}

/**
 * ProxyCommand, as ssh runs it: `$SHELL -c 'exec CMD'` (else /bin/sh), its stdin and stdout the
 * connection. Its stderr is kept (the last lines) to say why it ended; killed when the session closes.
 */
export function proxyCommandSocket(t: ResolvedTarget, command: string): { sock: Duplex; kill: () => void } {
  const child = spawn(process.env.SHELL || '/bin/sh', ['-c', command], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString('utf8')).slice(-400);
  });
  const sock = Duplex.from({ readable: child.stdout, writable: child.stdin });
  const why = (): string => {
    const last = stderr.replace(/[\x00-\x08\x0b-\x1f\x7f]/g, '').trim().split('\n').pop();
    return last ? `: ${last}` : '';
  };
  child.on('error', (e) => sock.destroy(new Error(`${describe(t)}: ProxyCommand could not start: ${e.message}`)));
  child.on('exit', (code, signal) => {
    if (!sock.destroyed) sock.destroy(new Error(`ProxyCommand exited ${code ?? signal}${why()}`));
  });
  return { sock, kill: () => child.kill() };
}
