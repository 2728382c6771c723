/**
 * The xend-peer-name probe: an xend destination's lookup of the source's address, the name xend's
 * hosts-allow check matches (connection.hostAllowed: socket.getfqdn(address)). parseGetentHosts and
 * parseXendPeerName on real `getent hosts` outputs (test/fixtures/getent-hosts, origins in
 * test/fixtures/README.md) and on this machine, getfqdnOf against CPython's getfqdn, the probe's
 * plan and command, and the facts it gives.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildFacts, PROBES, probesOf, type ProbeContext } from '../../src/checks/probes/index.js';
import { parseGetentHosts } from '../../src/checks/probes/system.js';
import { getfqdnOf, parseXendPeerName } from '../../src/checks/probes/xen.js';
import type { Known } from '../../src/checks/probes/probe.js';
import type { ProbeOutput } from '../../src/types.js';
import { parseErrorOf } from './parse-error-of.js';

const fixture = (name: string): string => readFileSync(new URL(`../fixtures/getent-hosts/${name}`, import.meta.url), 'utf8');
const xen = (name: string): string => readFileSync(new URL(`../fixtures/xen/${name}`, import.meta.url), 'utf8');
const out = (stdout: string, exitCode = 0): ProbeOutput => ({ command: 'x', exitCode, stdout, stderr: '', sha256: '0'.repeat(64), durationMs: 1 });
const PROBE = PROBES['xend-peer-name'];

describe('parseGetentHosts on real `getent hosts` outputs', () => {
  it.each([
    // This machine's /etc/hosts has three lines for 127.0.0.1 (localhost, runsc, vm): gethostbyaddr answers with the first only.
    ['debian12-127.0.0.1-three-lines.txt', { addresses: ['127.0.0.1'], names: ['localhost'] }],
    // A forward lookup of a name in /etc/hosts prints the same layout (gethostbyname2).
    ['debian12-name-runsc.txt', { addresses: ['127.0.0.1'], names: ['runsc'] }],
    // The lab's layout, "ADDR NAME.lab NAME": the canonical name first, then the alias.
    ['lab-hosts-xen4-lab-first.txt', { addresses: ['192.168.10.14'], names: ['xen4.lab', 'xen4'] }],
    ['hosts-alias-with-dot.txt', { addresses: ['10.0.0.7'], names: ['hvb', 'hvb.example.com', 'hvb-mig'] }],
    ['hosts-no-dot.txt', { addresses: ['10.0.0.8'], names: ['nodot', 'alias2'] }],
    // An address of 15 characters or more: "%-15s %s" leaves a single blank.
    ['hosts-ipv6.txt', { addresses: ['fd00::9'], names: ['xen9.lab', 'xen9'] }],
  ])('%s', (file, expected) => {
    expect(parseGetentHosts(fixture(file))).toEqual(expected);
  });

  it('an address that does not resolve prints nothing (exit 2): null', () => {
    expect(fixture('not-found-exit2.txt')).toBe('');
    expect(parseGetentHosts('')).toBeNull();
  });

  it('refuses what print_hosts cannot print', () => {
    expect(parseErrorOf(() => parseGetentHosts('localhost 127.0.0.1\n')).message).toMatch(/^getent-hosts: not an address line/);
    expect(parseErrorOf(() => parseGetentHosts('127.0.0.1\n')).probe).toBe('getent-hosts');
    // One answer prints the same names on every line.
    expect(parseErrorOf(() => parseGetentHosts('10.0.0.1        a.lab a\n10.0.0.2        b.lab b\n')).message).toMatch(/names differ/);
  });

  it("`getent ahosts` output (a line per socket type) is not taken for `getent hosts`", () => {
    const r = spawnSync('getent', ['ahosts', '127.0.0.1'], { encoding: 'utf8' });
    if (r.status !== 0) return void console.warn('!!! getent ahosts 127.0.0.1 failed here: check SKIPPED');
    expect(r.stdout).toMatch(/ STREAM /);
    expect(parseErrorOf(() => parseGetentHosts(r.stdout)).probe).toBe('getent-hosts');
  });
});

/** What Python's socket module makes of an address on this machine: gethostbyaddr's names and getfqdn (null without python3). */
function python(addr: string): { names: string[] | null; fqdn: string } | null {
  const code = 'import socket, sys, json\na = sys.argv[1]\ntry:\n    h, al, _ = socket.gethostbyaddr(a)\n    n = [h] + al\nexcept socket.error:\n    n = None\nprint(json.dumps({"names": n, "fqdn": socket.getfqdn(a)}))\n';
  const r = spawnSync('python3', ['-c', code, addr], { encoding: 'utf8', timeout: 10_000 });
  return r.status === 0 ? (JSON.parse(r.stdout) as { names: string[] | null; fqdn: string }) : null;
}

describe('the lookup on this machine, against Python', () => {
  it('`getent hosts 127.0.0.1` gives the names socket.gethostbyaddr gives, and getfqdnOf what socket.getfqdn gives', () => {
    const r = spawnSync('getent', ['hosts', '127.0.0.1'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    const answer = parseGetentHosts(r.stdout);
    expect(answer?.addresses).toEqual(['127.0.0.1']);
    const py = python('127.0.0.1');
    if (py === null) return void console.warn('!!! no python3 here: comparison with socket.gethostbyaddr SKIPPED');
    expect(answer?.names).toEqual(py.names);
    expect(getfqdnOf('127.0.0.1', answer?.names ?? [])).toBe(py.fqdn);
  });

  it('the probe command itself, run here: lookup, answer, and an address nothing resolves (getent exit 2: "not found", exit 0)', () => {
    const run = (a: string) => spawnSync('sh', ['-c', PROBE.command({ xendPeerAddress: a } as ProbeContext)], { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } });
    const local = run('127.0.0.1');
    expect(local.status).toBe(0);
    const seen = parseXendPeerName(local.stdout);
    expect(seen).toMatchObject({ address: '127.0.0.1', names: parseGetentHosts(spawnSync('getent', ['hosts', '127.0.0.1'], { encoding: 'utf8' }).stdout)?.names });
    const py = python('127.0.0.1');
    if (py !== null) expect(seen.fqdn).toBe(py.fqdn);
    // 192.0.2.0/24 is TEST-NET-1: no reverse entry anywhere.
    const none = run('192.0.2.77');
    expect(none.status).toBe(0);
    expect(none.stdout).toBe('lookup 192.0.2.77\nnot found\n');
    expect(parseXendPeerName(none.stdout)).toEqual({ address: '192.0.2.77', names: [], fqdn: '192.0.2.77' });
    if (py !== null) expect(python('192.0.2.77')).toEqual({ names: null, fqdn: '192.0.2.77' });
  });

  it('the address reaches the shell as one quoted word (shq)', () => {
    const hostile = "127.0.0.1'; echo INJECTED; '";
    const cmd = PROBE.command({ xendPeerAddress: hostile } as ProbeContext);
    expect(cmd).toContain(`'127.0.0.1'\\''; echo INJECTED; '\\'''`);
    const r = spawnSync('sh', ['-c', cmd], { encoding: 'utf8' });
    expect(r.stdout).not.toMatch(/^INJECTED$/m);
    // Printed back as it came, which is no address: a ParseError, not a lookup of 127.0.0.1.
    expect(parseErrorOf(() => parseXendPeerName(r.stdout)).probe).toBe('xend-peer-name');
  });
});

describe('getfqdnOf: CPython Lib/socket.py getfqdn from gethostbyaddr (hostname, aliases)', () => {
  it('the first name with a dot, the canonical name first; none with a dot: the canonical name; no answer: the address', () => {
    expect(getfqdnOf('192.168.10.14', ['xen4.lab', 'xen4'])).toBe('xen4.lab');
    expect(getfqdnOf('10.0.0.7', ['hvb', 'hvb.example.com', 'hvb-mig'])).toBe('hvb.example.com');
    expect(getfqdnOf('10.0.0.8', ['nodot', 'alias2'])).toBe('nodot');
    expect(getfqdnOf('192.0.2.77', [])).toBe('192.0.2.77');
  });
});

describe('parseXendPeerName on the probe outputs (run here; test/fixtures/getent-hosts)', () => {
  it.each([
    ['xend-peer-name-lab-xen4.txt', { address: '192.168.10.14', names: ['xen4.lab', 'xen4'], fqdn: 'xen4.lab' }],
    ['xend-peer-name-alias-with-dot.txt', { address: '10.0.0.7', names: ['hvb', 'hvb.example.com', 'hvb-mig'], fqdn: 'hvb.example.com' }],
    ['xend-peer-name-not-found.txt', { address: '192.0.2.77', names: [], fqdn: '192.0.2.77' }],
  ])('%s', (file, expected) => {
    expect(parseXendPeerName(fixture(file))).toEqual(expected);
  });

  it('refuses anything else', () => {
    expect(parseErrorOf(() => parseXendPeerName('')).message).toMatch(/expected "lookup ADDRESS" first/);
    expect(parseErrorOf(() => parseXendPeerName(fixture('lab-hosts-xen4-lab-first.txt'))).probe).toBe('xend-peer-name');
    expect(parseErrorOf(() => parseXendPeerName('lookup 192.168.10.14\n')).message).toMatch(/printed nothing/);
    expect(parseErrorOf(() => parseXendPeerName(`lookup 192.168.10.15\n${fixture('lab-hosts-xen4-lab-first.txt')}`)).message).toMatch(/answered for "192\.168\.10\.14", not for the address looked up/);
    expect(parseErrorOf(() => parseXendPeerName('lookup 192.0.2.77\nnot found\n192.0.2.77      x\n')).probe).toBe('getent-hosts');
  });
});

describe('the probe: planned on an xend destination that listens, from the source route', () => {
  const HV_XM = 'xl=\nxm=/usr/sbin/xm\nvirsh=\nkvm=no\nsys_hypervisor=xen\nxen_capabilities=control_d\n';
  // Real xm info and xend-config.sxp (relocation server on, test/fixtures/xen); the lab source's real route (peer.srcAddr 10.203.40.11).
  const xm = (config: string) => buildFacts({ 'hv-detect': out(HV_XM), 'xl-info': out(xen('xm-info-4.2.1-centos6.txt')), 'xend-config': out(config) }).facts;
  const ON = xen('xend-config-3.1-ubuntu-relocation-hosts-allow.txt');
  const route = JSON.parse(readFileSync(new URL('../fixtures/reports/clean.json', import.meta.url), 'utf8')).hosts.src.probes['peer-route'] as ProbeOutput;
  const src = buildFacts({ 'peer-route': route }).facts;
  const known = (self: Known['self'], peer: Known['self'] | null): Known => ({ self, peers: [{ host: 'src', sshPort: 22, facts: peer }], mode: 'live', domains: [] });

  it('is a destination, pair-only, second-round probe of Xen hosts', () => {
    const settings = { hypervisor: 'auto' as const, without: [] };
    expect(probesOf({ src: false, dst: true, peers: 1 }, 2, settings)).toContain('xend-peer-name');
    expect(probesOf({ src: true, dst: false, peers: 1 }, 2, settings)).not.toContain('xend-peer-name');
    // A fleet host has many peers: it does not run (xen.relocation stays undecided there, as without the lookup).
    expect(probesOf({ src: true, dst: true, peers: 3 }, 2, settings)).not.toContain('xend-peer-name');
    expect(probesOf({ src: false, dst: true, peers: 1 }, 2, { hypervisor: 'kvm', without: [] })).not.toContain('xend-peer-name');
  });

  it('looks up the address the source reaches it from, only where xend listens and that address is known', () => {
    expect(src.peer?.srcAddr).toBe('10.203.40.11');
    expect(PROBE.plan?.(known(xm(ON), src))).toEqual({ xendPeerAddress: '10.203.40.11' });
    expect(PROBE.plan?.(known(xm(ON.replace('(xend-relocation-server yes)', '(xend-relocation-server no)')), src))).toBeNull();
    expect(PROBE.plan?.(known(xm(ON), buildFacts({}).facts))).toBeNull();
    expect(PROBE.plan?.(known(xm(ON), null))).toBeNull();
    // An xl host migrates over SSH: no xend to ask about.
    const xl = buildFacts({ 'hv-detect': out(HV_XM.replace('xl=\nxm=/usr/sbin/xm', 'xl=/usr/sbin/xl\nxm=')), 'xl-info': out(xen('xl-info-4.4.3-centos6.txt')), 'xend-config': out(ON) }).facts;
    expect(PROBE.plan?.(known(xl, src))).toBeNull();
  });

  it('gives the destination xen.relocationPeer next to xen.xend; a failed lookup gives none and is listed', () => {
    const ok = buildFacts({ 'hv-detect': out(HV_XM), 'xend-config': out(ON), 'xend-peer-name': out(fixture('xend-peer-name-lab-xen4.txt')) });
    expect(ok.facts.xen?.relocationPeer).toEqual({ address: '192.168.10.14', names: ['xen4.lab', 'xen4'], fqdn: 'xen4.lab' });
    expect(ok.facts.xen?.xend?.relocationHostsAllow).toEqual(['^localhost$', '^localhost\\.localdomain$']);
    const failed = buildFacts({ 'hv-detect': out(HV_XM), 'xend-config': out(ON), 'xend-peer-name': out('lookup 192.168.10.14\n', 124) });
    expect(failed.facts.xen).not.toHaveProperty('relocationPeer');
    expect(failed.failures).toEqual([{ probe: 'xend-peer-name', reason: 'timed out on the host' }]);
    expect(PROBE.provides).toEqual(['xen.relocationPeer']);
  });
});
