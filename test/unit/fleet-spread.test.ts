import { execFile } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { CONNECT_SPREAD_S, netCommand, parsePeers, spreadDelayS, type PeerQuery } from '../../src/fleet/peers.js';

describe('fleet: peer connects spread so that no sshd sees the whole fleet at once', () => {
  it('in every slot each host is the target of exactly one other host (a Latin square)', () => {
    for (const n of [2, 3, 16, 101]) {
      for (let slot = 0; slot < n - 1; slot++) {
        const targets = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => j).filter((j) => j !== i && spreadDelayS(i, j, n) === Number((slot * CONNECT_SPREAD_S).toFixed(3))));
        // Each source has one peer in this slot, and together they hit every host once.
        expect(targets.every((t) => t.length === 1)).toBe(true);
        expect(new Set(targets.flat()).size).toBe(n);
      }
    }
    expect(spreadDelayS(0, 1, 1000)).toBe(0);
    expect(spreadDelayS(0, 999, 1000)).toBeCloseTo(9.98, 5);
  });

  it('the generated script waits each delay before its connect (real bash, a real listener)', async () => {
    const arrivals: number[] = [];
    const server = createServer((s) => {
      arrivals.push(performance.now());
      s.destroy();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    try {
      const q: PeerQuery[] = [
        { host: '127.0.0.1', hostname: null, ports: [port], xendPort: null, delayS: 0 },
        { host: '127.0.0.1', hostname: null, ports: [port], xendPort: null, delayS: 0.4 },
      ];
      const t0 = performance.now();
      const { stdout } = await promisify(execFile)('sh', ['-c', netCommand(q)], { encoding: 'utf8', timeout: 20_000 });
      const facts = parsePeers(stdout, q);
      expect(facts.map((f) => f.tcp.map((t) => t.state))).toEqual([['open'], ['open']]);
      expect(arrivals).toHaveLength(2);
      expect((arrivals[0] as number) - t0).toBeLessThan(350);
      expect((arrivals[1] as number) - (arrivals[0] as number)).toBeGreaterThan(350);
    } finally {
      server.close();
    }
  });
});
