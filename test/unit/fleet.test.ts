import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { cellsOfPairs, newHostGate } from '../../src/fleet/cells.js';
import { cpuBaseline } from '../../src/fleet/matrix.js';
import { parsePeers, peersCommand, type PeerQuery } from '../../src/fleet/peers.js';
import type { FleetPair } from '../../src/fleet/types.js';
import type { HostReport } from '../../src/types.js';
import { parseErrorOf } from './parse-error-of.js';

const Q: PeerQuery[] = [
  { host: '10.0.0.2', hostname: 'hv2', ports: [22, 49152], xendPort: null },
  { host: 'hv3.example', hostname: 'hv3', ports: [22, 49152], xendPort: 8002 },
  { host: 'gone.example', hostname: null, ports: [22, 49152], xendPort: null },
];

describe('fleet peers probe', () => {
  it('parses routes by address, TCP results in the order of the ports asked for, and resolutions', () => {
    const text = [
      '0 addr 10.0.0.2',
      '1 addr 10.0.0.3',
      '2 addr ',
      'R 10.0.0.2 dev eth0 src 10.0.0.1 uid 0 \\    cache ',
      'R 10.0.0.3 via 10.0.0.254 dev eth0 src 10.0.0.1 uid 0 \\    cache ',
      // Jobs finish in any order.
      '1 tcp port=8002 state=closed',
      '0 tcp port=49152 state=timeout',
      '0 tcp port=22 state=open',
      '1 tcp port=49152 state=open',
      '1 tcp port=22 state=open',
      '2 tcp port=22 state=closed',
      '0 resolve-rc 0',
      '0 resolve 10.0.0.2    STREAM hv2',
      '0 resolve 10.0.0.2    DGRAM  ',
      '1 resolve-rc 2',
      '',
    ].join('\n');
    const [a, b, c] = parsePeers(text, Q);
    expect(a).toEqual({
      route: { type: 'unicast', dst: '10.0.0.2', dev: 'eth0', src: '10.0.0.1', via: null },
      routeError: null,
      tcp: [
        { port: 22, state: 'open' },
        { port: 49152, state: 'timeout' },
      ],
      xendTcp: [],
      resolution: ['10.0.0.2'],
    });
    expect(b?.route?.via).toBe('10.0.0.254');
    // The pair probe's ports in their order; xend's by its port, wherever its line came.
    expect(b?.tcp.map((t) => t.port)).toEqual([22, 49152]);
    expect(b?.xendTcp).toEqual([{ port: 8002, state: 'closed' }]);
    // getent's exit 2: the name does not resolve here (the rule says so), not an unknown.
    expect(b?.resolution).toEqual([]);
    expect(c).toMatchObject({ route: null, routeError: 'cannot resolve gone.example on this host', resolution: null });
  });

  it('refuses lines it does not know', () => {
    expect(parseErrorOf(() => parsePeers('7 addr 10.0.0.9\n', Q))?.message).toMatch(/unexpected line/);
    expect(parseErrorOf(() => parsePeers('0 oops\n', Q))?.message).toMatch(/unexpected line/);
  });

  it('quotes every host and hostname, and runs as POSIX sh on this machine (real getent, ip, bash)', () => {
    const evil: PeerQuery[] = [
      { host: "127.0.0.1'; touch /tmp/mp-pwned-peer; '", hostname: '$(touch /tmp/mp-pwned-peer2)', ports: [9], xendPort: null },
      { host: '127.0.0.1', hostname: 'localhost', ports: [9, 1], xendPort: 2 },
    ];
    const cmd = peersCommand(evil);
    const r = spawnSync('sh', ['-c', cmd], { encoding: 'utf8', timeout: 20_000 });
    expect(r.status).toBe(0);
    const facts = parsePeers(r.stdout, evil);
    expect(facts[1]?.route?.dst).toBe('127.0.0.1');
    expect(facts[1]?.tcp.map((t) => `${t.port}:${t.state}`)).toEqual(['9:closed', '1:closed']);
    expect(facts[1]?.xendTcp.map((t) => `${t.port}:${t.state}`)).toEqual(['2:closed']);
    expect(facts[1]?.resolution).toEqual(expect.arrayContaining(['127.0.0.1']));
    expect(facts[0]?.routeError).toMatch(/^cannot resolve/);
    expect(spawnSync('ls', ['/tmp/mp-pwned-peer', '/tmp/mp-pwned-peer2']).status).not.toBe(0);
  });
});

const host = (target: string, flags: string[] | null, models: { name: string; usable: 'yes' | 'no' }[] | null = null): HostReport => ({
  target,
  connection: null,
  hostname: target,
  reachable: flags !== null,
  error: flags === null ? { code: 'MP_SSH_CONNECT', message: 'refused' } : null,
  hostKey: null,
  facts:
    flags === null
      ? {}
      : {
          cpu: { vendor: 'GenuineIntel', modelName: 'x', family: 6, model: 79, flags, count: 1, nx: true, virtExt: 'vmx' } as never,
          libvirt: { cpuSupport: { flags, models: models?.map((m) => ({ ...m, blockers: [] })) ?? null, modelsUnknownBecause: models ? null : 'virsh domcapabilities: no answer' } },
        },
  probes: {},
  probeErrors: [],
});

describe('cpu baseline', () => {
  it('keeps the flags every host has, leaves out ignored ones, and names the hosts that hold it back', () => {
    const b = cpuBaseline(
      [
        host('a', ['sse4_2', 'avx2', 'avx512f', 'hypervisor']),
        host('b', ['sse4_2', 'avx2', 'avx512f', 'hypervisor']),
        host('old', ['sse4_2', 'hypervisor']),
        host('down', null),
      ],
      ['hypervisor'],
    );
    expect(b.common).toEqual(['sse4_2']);
    expect(b.draggers).toEqual([{ host: 'old', lacks: ['avx2', 'avx512f'] }]);
    expect(b.without).toEqual([{ host: 'down', why: 'not probed' }]);
    expect(b.vendors).toEqual(['GenuineIntel']);
    expect(b.modelsEverywhere).toBeNull();
  });

  it('lists the named models libvirt finds usable on every host', () => {
    const b = cpuBaseline(
      [
        host('a', ['sse2'], [{ name: 'Skylake-Server', usable: 'yes' }, { name: 'Broadwell', usable: 'yes' }]),
        host('b', ['sse2'], [{ name: 'Skylake-Server', usable: 'no' }, { name: 'Broadwell', usable: 'yes' }]),
      ],
      [],
    );
    expect(b.modelsEverywhere).toEqual(['Broadwell']);
  });
});

describe('--new-host gate', () => {
  const pair = (src: string, dst: string, verdict: FleetPair['verdict']): FleetPair => ({
    src,
    dst,
    verdict,
    summary: { total: 1, pass: 0, fail: verdict === 'no-go' ? 1 : 0, error: 0, skip: 0, waived: 0, exitCode: verdict === 'go' ? 0 : 1 },
    problems: verdict === 'go' ? [] : [{ id: 'network.bridges', domain: 'vm', severity: 'critical', status: 'fail', message: 'x', messageId: 'subset.missing' }],
    domains: [],
  });
  const all = (hosts: string[], verdict: (s: string, d: string) => FleetPair['verdict']): FleetPair[] => hosts.flatMap((s) => hosts.filter((d) => d !== s).map((d) => pair(s, d, verdict(s, d))));

  it('blames the new host for pairs that work with the others, not for what fails everywhere', () => {
    const hosts = ['a', 'b', 'c', 'new'];
    // new cannot take guests (bad bridges); c cannot take guests from anyone (full): not the new host's fault.
    const pairs = all(hosts, (_s, d) => (d === 'new' || d === 'c' ? 'no-go' : 'go'));
    const g = newHostGate('new', hosts, cellsOfPairs(hosts, pairs));
    expect(g.ok).toBe(false);
    expect(g.broken.map((b) => `${b.src}->${b.dst}`)).toEqual(['a->new', 'b->new', 'c->new']);
    expect(g.broken[0]?.problems).toEqual(['network.bridges [vm]']);
    expect(g.preExisting).toEqual([{ src: 'new', dst: 'c' }]);
    expect(newHostGate('b', hosts, cellsOfPairs(hosts, pairs))).toMatchObject({ ok: true, broken: [] });
  });
});
