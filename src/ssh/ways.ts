/**
 * The ways to a host before SSH is spoken: a TCP connection dialled before ssh2 has loaded, a
 * ProxyCommand's stdio, and the retry of a login sshd dropped before its banner (MaxStartups).
 */
import { spawn } from 'node:child_process';
import { connect as dialTcp, type Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { SshConnectError } from '../errors.js';
import type { ResolvedTarget } from './target.js';

/** What the check uses of ssh2: its client and its key parser. */
export interface Ssh2 {
  readonly Client: typeof import('ssh2').Client;
  readonly utils: { readonly parseKey: typeof import('ssh2').utils.parseKey };
}
/**
 * ssh2, loaded at the first connection: a direct connection's TCP socket is opened first, so sshd
 * accepts it and sends its banner while the library loads. Its client and key parser only, not
 * its index (which loads node's http, https and tls for its HTTP agents, its server, its keygen).
 */
let ssh2: Promise<Ssh2> | null = null;
export const loadSsh2 = (): Promise<Ssh2> =>
  (ssh2 ??= Promise.all([import('ssh2/lib/client.js'), import('ssh2/lib/protocol/keyParser.js')]).then(([client, keys]) => ({
    Client: client.default,
    utils: { parseKey: keys.default.parseKey },
  })));

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
 * A command that fails ends the connection with its exit status and last line, whatever its end
 * looked like first to the client (a write to its closed stdin, EPIPE; its stdout's end).
 */
export function proxyCommandSocket(t: ResolvedTarget, command: string): { sock: Duplex; kill: () => void } {
  const child = spawn(process.env.SHELL || '/bin/sh', ['-c', command], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString('utf8')).slice(-400);
  });
  const why = (): string => {
    const last = stderr.replace(/[\x00-\x08\x0b-\x1f\x7f]/g, '').trim().split('\n').pop();
    return last ? `: ${last}` : '';
  };
  const sock = new Duplex({
    read: () => void child.stdout.resume(),
    // A write the ended command cannot take fails silently: its exit says why.
    write: (chunk: Buffer, _enc, cb) => void child.stdin.write(chunk, () => cb()),
    final: (cb) => {
      child.stdin.end();
      cb();
    },
    destroy: (err, cb) => {
      child.stdout.destroy();
      child.stdin.destroy();
      cb(err);
    },
  });
  child.stdin.on('error', () => {});
  child.stdout.on('data', (d: Buffer) => {
    if (!sock.push(d)) child.stdout.pause();
  });
  // The connection ends when both the output has ended and the command has: with an error unless it exited 0.
  let ended = false;
  let exit: string | null | undefined;
  const settle = (): void => {
    if (sock.destroyed || exit === undefined) return;
    if (exit !== null) sock.destroy(new Error(exit));
    else if (ended) sock.push(null);
  };
  child.stdout.on('end', () => {
    ended = true;
    settle();
  });
  child.on('error', (e) => sock.destroy(new Error(`${describe(t)}: ProxyCommand could not start: ${e.message}`)));
  child.on('exit', (code, signal) => {
    exit = code === 0 ? null : `ProxyCommand exited ${code ?? signal}${why()}`;
    // Its stderr may still be arriving: the last line is read once the streams are in.
    setImmediate(settle);
  });
  return { sock, kill: () => child.kill() };
}
