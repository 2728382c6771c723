import { readFileSync } from 'node:fs';
import type { AgentAuthMethod, Client as ClientType, ClientChannel, ConnectConfig, PublicKeyAuthMethod } from 'ssh2';
type AuthMethod = AgentAuthMethod | PublicKeyAuthMethod;
import { HostKeyError, SshAuthError, SshConfigError, SshConnectError } from '../errors.js';
import { fingerprint, keyTypeOf, knownKeyTypes, parseKnownHosts, verifyHostKey, type KnownHostEntry } from './known-hosts.js';
import type { ResolvedTarget } from './target.js';
import { describe, dial, loadSsh2, PreBannerClose, proxyCommandSocket, retryPreBanner, type Dialed, type Ssh2 } from './ways.js';
import type { Chunk } from '../checks/collect.js';

export interface ConnectOptions {
  readonly connectTimeoutMs: number;
  /** ssh-agent socket; default $SSH_AUTH_SOCK. */
  readonly agentSocket?: string | undefined;
}

/** What we learned about the host key while connecting: recorded in the report. */
export interface HostKeyInfo {
  readonly type: string;
  readonly fingerprint: string;
  /** 'known' (in known_hosts) or 'accepted-new' (unknown, accepted by --accept-new-host-keys / accept-new). */
  readonly status: 'known' | 'accepted-new';
}

export interface ExecResult {
  readonly stdout: readonly Chunk[];
  readonly stderr: readonly Chunk[];
  readonly exitCode: number | null;
  readonly signal: string | null;
  /** 'timeout' when the overall timeout cut the run, 'dropped' when the connection went away. */
  readonly interrupted: 'timeout' | 'dropped' | null;
}

/**
 * A command fed its stdin in parts: a script in rounds, where a later round depends on what an
 * earlier one printed. One exec however many rounds: no second channel, no second session on the host.
 */
export interface RunningCommand {
  /** Both streams so far, with arrival times. */
  readonly stdout: readonly Chunk[];
  readonly stderr: readonly Chunk[];
  /** Writes to stdin and (re)starts the timeout clock: the command has `timeoutMs` to answer this part. */
  write(text: string, timeoutMs: number): void;
  /** Resolves when `test` holds for the streams (checked as data arrives) or the command has ended. */
  until(test: () => boolean): Promise<void>;
  /** Stops the clock: between parts, waiting on us is not the host's time. */
  pause(): void;
  /** Ends stdin; `result` settles when the command exits, its channel closes or the clock (restarted with `timeoutMs`) runs out. */
  end(timeoutMs?: number): void;
  readonly result: Promise<ExecResult>;
}

/** One SSH connection (and its jump hosts, if any). */
export interface SshSession {
  readonly hostKey: HostKeyInfo;
  /** Runs one command, feeding `stdin`, and collects both streams with arrival times. */
  exec(command: string, stdin: string, timeoutMs: number): Promise<ExecResult>;
  /** Starts one command whose stdin is written in parts (see RunningCommand). */
  run(command: string): RunningCommand;
  /** Opens an exec channel and hands it over as a duplex stream (for the bandwidth relay). */
  channel(command: string): Promise<ClientChannel>;
  close(): void;
}

/** ssh2 algorithm names for a known_hosts key type. */
function hostKeyAlgorithms(keyType: string): string[] {
  return keyType === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : [keyType];
}

function loadKnownHosts(files: readonly string[]): KnownHostEntry[] {
  const entries: KnownHostEntry[] = [];
  for (const f of files) {
    let text: string;
    try {
      text = readFileSync(f, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw new SshConfigError(`cannot read known_hosts ${f}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
    }
    entries.push(...parseKnownHosts(text, f));
  }
  return entries;
}

/** Private keys to offer, in order; encrypted keys are skipped (no prompts: use ssh-agent for them). */
function authMethods(utils: Ssh2['utils'], t: ResolvedTarget, agentSocket: string | undefined): { methods: AuthMethod[]; notes: string[] } {
  const methods: AuthMethod[] = [];
  const notes: string[] = [];
  if (agentSocket && !t.identitiesOnly) methods.push({ type: 'agent', username: t.user, agent: agentSocket });
  for (const f of t.identityFiles) {
    let data: Buffer;
    try {
      data = readFileSync(f);
    } catch (e) {
      notes.push(`${f}: ${(e as NodeJS.ErrnoException).code ?? 'unreadable'}`);
      continue;
    }
    const parsed = utils.parseKey(data);
    if (parsed instanceof Error) {
      notes.push(`${f}: ${/encrypt|passphrase/i.test(parsed.message) ? 'encrypted (load it into ssh-agent)' : parsed.message}`);
      continue;
    }
    methods.push({ type: 'publickey', username: t.user, key: data });
  }
  if (agentSocket && t.identitiesOnly && t.identityFiles.length === 0) {
    methods.push({ type: 'agent', username: t.user, agent: agentSocket });
  }
  return { methods, notes };
}

/** The way to one hop: a TCP connection of ours (direct), or a ProxyCommand's or jump host's stream. */
type Way = { readonly direct: Dialed } | { readonly stream: NodeJS.ReadableStream };

function connectOne(lib: Ssh2, t: ResolvedTarget, o: ConnectOptions, way: Way): Promise<{ client: ClientType; hostKey: HostKeyInfo }> {
  const known = loadKnownHosts([...t.knownHostsFiles, ...t.globalKnownHostsFiles]);
  const { methods, notes } = authMethods(lib.utils, t, o.agentSocket ?? process.env.SSH_AUTH_SOCK);
  const preferred = knownKeyTypes(known, t.host, t.port).flatMap(hostKeyAlgorithms);
  const timeoutMs = t.connectTimeoutS !== null ? Math.min(o.connectTimeoutMs, t.connectTimeoutS * 1000) : o.connectTimeoutMs;

  return new Promise((resolve, reject) => {
    const client = new lib.Client();
    let hostKeyError: HostKeyError | null = null;
    let hostKey: HostKeyInfo | null = null;
    let settled = false;
    const fail = (e: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      client.end();
      client.destroy();
      reject(e);
    };
    // ssh2's readyTimeout starts when it takes the socket over; this one covers the whole way to "ready".
    const timer = setTimeout(() => fail(new SshConnectError(`${describe(t)}: connection timed out after ${timeoutMs} ms`)), timeoutMs);

    const config: ConnectConfig = {
      host: t.host,
      port: t.port,
      username: t.user,
      readyTimeout: timeoutMs,
      keepaliveInterval: 5000,
      keepaliveCountMax: 3,
      authHandler: methods.length > 0 ? methods : ['none'],
      algorithms: preferred.length > 0 ? { serverHostKey: { prepend: preferred } as never } : {},
      hostVerifier: (key: Buffer) => {
        const fp = fingerprint(key);
        const type = keyTypeOf(key);
        const v = verifyHostKey(known, t.host, t.port, key);
        const files = t.knownHostsFiles.join(', ');
        if (v.kind === 'match') {
          hostKey = { type, fingerprint: fp, status: 'known' };
          return true;
        }
        if (v.kind === 'revoked') {
          hostKeyError = new HostKeyError(`${describe(t)}: host key ${type} ${fp} is REVOKED in ${v.entry.file}:${v.entry.line}`, 'changed', fp);
          return false;
        }
        if (v.kind === 'changed') {
          const where = v.entries.map((e) => `${e.file}:${e.line}`).join(', ');
          hostKeyError = new HostKeyError(
            `${describe(t)}: HOST KEY CHANGED (possible man-in-the-middle): got ${type} ${fp}, known_hosts has a different key at ${where}; refusing`,
            'changed',
            fp,
          );
          return false;
        }
        if (t.strictHostKeyChecking === 'accept-new') {
          hostKey = { type, fingerprint: fp, status: 'accepted-new' };
          return true;
        }
        hostKeyError = new HostKeyError(
          `${describe(t)}: unknown host key ${type} ${fp} (not in ${files}); verify it and add it, or pass --accept-new-host-keys`,
          'unknown',
          fp,
        );
        return false;
      },
    };
    config.sock = ('direct' in way ? way.direct.sock : way.stream) as ConnectConfig['sock'];

    let handshaken = false;
    client.on('handshake', () => {
      handshaken = true;
    });
    client.on('ready', () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ client, hostKey: hostKey ?? { type: 'unknown', fingerprint: 'unknown', status: 'known' } });
    });
    const onError = (err: Error & { level?: string; code?: string }): void => {
      if (hostKeyError) return fail(hostKeyError);
      if (err.level === 'client-authentication') {
        const why = methods.length === 0 ? 'no identity to offer (give -i, an IdentityFile, or run ssh-agent)' : 'every key was rejected';
        return fail(new SshAuthError(`${describe(t)}: authentication failed: ${why}${notes.length ? ` [${notes.join('; ')}]` : ''}`));
      }
      if (err.level === 'client-timeout') return fail(new SshConnectError(`${describe(t)}: SSH handshake timed out after ${timeoutMs} ms`));
      // Connected straight (no ProxyCommand or jump: those say why they ended), and closed before the
      // key exchange: sshd past MaxStartups drops new connections so, as a close before its banner or,
      // when our banner was already on the way, as a reset.
      const dropped = err.message === 'Connection lost before handshake' || (err.code === 'ECONNRESET' && !handshaken);
      if (dropped && 'direct' in way) return fail(new PreBannerClose(`${describe(t)}: the server closed the connection before its SSH banner (sshd's MaxStartups?)`, { cause: err }));
      const code = err.code ? `${err.code} ` : '';
      fail(new SshConnectError(`${describe(t)}: cannot connect: ${code}${err.message.replace(/^connect \S+ /, '')}`, { cause: err }));
    };
    client.on('error', onError);
    client.on('close', () => fail(hostKeyError ?? new SshConnectError(`${describe(t)}: connection closed during the handshake`)));
    client.connect(config);
    // The TCP connection failed before ssh2 had it (refused, unreachable): as ssh2 reports a socket error.
    const early = 'direct' in way ? way.direct.handOver() : null;
    if (early) onError(early);
  });
}

function forward(client: ClientType, host: string, port: number): Promise<ClientChannel> {
  return new Promise((resolve, reject) => {
    client.forwardOut('127.0.0.1', 0, host, port, (err, stream) => (err ? reject(err) : resolve(stream)));
  });
}

/** Connects to a target through its jump hosts (ProxyJump) or its ProxyCommand, verifying every host key on the way. */
export async function connect(t: ResolvedTarget, o: ConnectOptions): Promise<SshSession> {
  const chain: ClientType[] = [];
  let kill = (): void => {};
  const closeAll = (): void => {
    for (const c of chain.reverse()) c.end();
    kill();
  };
  // The first hop reached straight is dialled before ssh2 is loaded (the library's start-up overlaps sshd's).
  const head = t.jump[0] ?? t;
  let dialed: Dialed | null = head.proxyCommand === null ? dial(head) : null;
  try {
    const lib = await loadSsh2();
    let stream: NodeJS.ReadableStream | null = null;
    for (const hop of [...t.jump, t]) {
      // Only the first host can have a ProxyCommand: later ones are reached through the hosts before them.
      if (chain.length === 0 && hop.proxyCommand !== null) {
        const proxy = proxyCommandSocket(hop, hop.proxyCommand);
        stream = proxy.sock;
        kill = proxy.kill;
      } else if (chain.length > 0) {
        const via = chain[chain.length - 1] as ClientType;
        try {
          stream = await forward(via, hop.host, hop.port);
        } catch (e) {
          throw new SshConnectError(`${describe(hop)}: jump host could not reach it: ${(e as Error).message}`);
        }
      }
      // Only a direct connection ends in PreBannerClose (connectOne): a ProxyCommand's or jump host's stream is never tried twice.
      const through = stream;
      const { client, hostKey } = await retryPreBanner(() => {
        if (through !== null) return connectOne(lib, hop, o, { stream: through });
        const d = dialed ?? dial(hop);
        dialed = null;
        return connectOne(lib, hop, o, { direct: d });
      });
      chain.push(client);
      if (hop === t) return session(client, hostKey, closeAll);
    }
    throw new Error('unreachable');
  } catch (e) {
    dialed?.sock.destroy();
    closeAll();
    throw e;
  }
}

function session(client: ClientType, hostKey: HostKeyInfo, close: () => void): SshSession {
  let dropped = false;
  client.on('close', () => {
    dropped = true;
  });
  client.on('error', () => {
    dropped = true;
  });
  return {
    hostKey,
    close,
    channel(command) {
      return new Promise((resolve, reject) => {
        if (dropped) return reject(new Error('connection closed'));
        client.exec(command, (err, stream) => (err ? reject(err) : resolve(stream)));
      });
    },
    exec(command, stdin, timeoutMs) {
      const r = run(command);
      r.write(stdin, timeoutMs);
      r.end();
      return r.result;
    },
    run,
  };

  function run(command: string): RunningCommand {
    const stdout: Chunk[] = [];
    const stderr: Chunk[] = [];
    const waiters = new Set<() => void>();
    const wake = (): void => {
      for (const w of [...waiters]) w();
    };
    let done = false;
    let timer: NodeJS.Timeout | undefined;
    let stream: ClientChannel | null = null;
    let pending = '';
    let ending = false;
    let timeoutMs = 0;
    let resolveResult: (r: ExecResult) => void = () => {};
    const result = new Promise<ExecResult>((resolve) => (resolveResult = resolve));
    const finish = (r: Omit<ExecResult, 'stdout' | 'stderr'>): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      client.off('close', onDrop);
      resolveResult({ stdout, stderr, ...r });
      wake();
    };
    const onDrop = (): void => finish({ exitCode: null, signal: null, interrupted: 'dropped' });
    const onTimeout = (): void => {
      finish({ exitCode: null, signal: null, interrupted: 'timeout' });
      if (!stream) return;
      // Leave nothing running on the host: ask sshd to kill the script, then close the channel.
      try {
        stream.signal('KILL');
      } catch {
        /* the server may not take signal requests; the probes' own timeouts still end them */
      }
      stream.close();
    };
    const arm = (): void => {
      clearTimeout(timer);
      if (!done) timer = setTimeout(onTimeout, timeoutMs);
    };
    if (dropped) onDrop();
    else {
      client.once('close', onDrop);
      client.exec(command, (err, ch) => {
        if (err) return onDrop();
        if (done) return void ch.close();
        stream = ch;
        ch.on('data', (d: Buffer) => {
          stdout.push({ data: d, at: performance.now() });
          wake();
        });
        ch.stderr.on('data', (d: Buffer) => {
          stderr.push({ data: d, at: performance.now() });
          wake();
        });
        let exit: { code: number | null; signal: string | null } | null = null;
        ch.on('exit', (code: number | null, signal?: string) => {
          exit = { code: typeof code === 'number' ? code : null, signal: signal ?? null };
        });
        // A channel that closes without an exit status went away with its connection (sshd killed, link cut).
        ch.on('close', () => finish(exit ? { exitCode: exit.code, signal: exit.signal, interrupted: null } : { exitCode: null, signal: null, interrupted: 'dropped' }));
        if (pending) ch.write(pending);
        pending = '';
        if (ending) ch.end();
      });
    }
    return {
      stdout,
      stderr,
      write(text, ms) {
        timeoutMs = ms;
        arm();
        if (done) return;
        if (stream) stream.write(text);
        else pending += text;
      },
      until(test) {
        return new Promise<void>((resolve) => {
          const check = (): void => {
            if (!done && !test()) return;
            waiters.delete(check);
            resolve();
          };
          waiters.add(check);
          check();
        });
      },
      pause() {
        clearTimeout(timer);
      },
      end(ms) {
        if (ms !== undefined) {
          timeoutMs = ms;
          arm();
        }
        if (ending) return;
        ending = true;
        if (stream) stream.end();
      },
      result,
    };
  }
}
