import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { evaluateRule } from '../../src/checks/evaluate.js';
import { formatMessage } from '../../src/checks/operators/message.js';
import { buildFacts } from '../../src/checks/probes/index.js';
import type { RuleSpec } from '../../src/checks/rule-schema.js';
import { loadRules } from '../../src/checks/rules.js';
import type { HostFacts, HostReport, ProbeOutput } from '../../src/types.js';

const CTX = { hypervisor: 'kvm', transport: 'ssh', mode: 'live', dstSshPort: 22 } as const;
const host = (facts: HostFacts, probeErrors: HostReport['probeErrors'] = []): HostReport => ({
  target: 'h', connection: null, hostname: 'h', reachable: true, error: null, hostKey: null, facts, probes: {}, probeErrors,
});
const rule = (r: Partial<RuleSpec> & Pick<RuleSpec, 'assert'>): RuleSpec => ({ id: 't.x', title: 't', severity: 'major', ...r });
const ev = (r: RuleSpec, src: HostFacts, dst: HostFacts) => evaluateRule(r, { src: host(src), dst: host(dst) }, CTX);

describe('operators (table)', () => {
  const cases: [string, RuleSpec, HostFacts, HostFacts, 'pass' | 'fail' | 'error' | 'skip', string?][] = [
    ['superset passes when dst has nothing extra', rule({ assert: { op: 'superset', path: 'a' } }), { a: ['x', 'y'] } as never, { a: ['x'] } as never, 'pass'],
    ['superset names what dst has extra', rule({ assert: { op: 'superset', path: 'a' } }), { a: ['x'] } as never, { a: ['x', 'z'] } as never, 'fail', 'destination has z, which the source lacks'],
    ['match: missing key', rule({ assert: { op: 'match', path: 'n', key: 'name', fields: ['bridge'] } }), { n: [{ name: 'default', bridge: 'virbr0' }] } as never, { n: [] } as never, 'fail', 'destination lacks default'],
    ['match: field differs', rule({ assert: { op: 'match', path: 'n', key: 'name', fields: ['bridge'] } }), { n: [{ name: 'default', bridge: 'virbr0' }] } as never, { n: [{ name: 'default', bridge: 'virbr1' }] } as never, 'fail', 'differs: default bridge: source virbr0, destination virbr1'],
    ['match: equal', rule({ assert: { op: 'match', path: 'n', key: 'name', fields: ['bridge'] } }), { n: [{ name: 'd', bridge: 'b' }] } as never, { n: [{ name: 'd', bridge: 'b' }, { name: 'e', bridge: 'c' }] } as never, 'pass'],
    ['not-older: equal versions pass', rule({ assert: { op: 'not-older', path: 'v' } }), { v: '8.2.2' } as never, { v: '8.2.2' } as never, 'pass'],
    ['not-older: 10.0 is newer than 9.9', rule({ assert: { op: 'not-older', path: 'v' } }), { v: '9.9.0' } as never, { v: '10.0' } as never, 'pass'],
    ['not-older: older dst fails', rule({ assert: { op: 'not-older', path: 'v' } }), { v: '8.2.2' } as never, { v: '7.2.0' } as never, 'fail', 'destination has 7.2.0, older than the source (8.2.2)'],
    ['within: inside tolerance', rule({ assert: { op: 'within', path: 'c', tolerance: 500 } }), { c: 100 } as never, { c: -300 } as never, 'pass'],
    ['within: outside tolerance', rule({ assert: { op: 'within', path: 'c', tolerance: 500 } }), { c: 100 } as never, { c: -500 } as never, 'fail', 'differs by 600 (tolerance 500)'],
    ['capacity: sum plus reserve fits exactly', rule({ assert: { op: 'capacity', src: 'm', dst: 'f', reserve: 10 } }), { m: [40, 50] } as never, { f: 100 } as never, 'pass'],
    ['capacity: one short', rule({ assert: { op: 'capacity', src: 'm', dst: 'f', reserve: 11 } }), { m: [40, 50] } as never, { f: 100 } as never, 'fail', 'destination has 100, needs 101'],
    ['capacity: max aggregate', rule({ assert: { op: 'capacity', src: 'v', dst: 'c', aggregate: 'max' } }), { v: [2, 8, 4] } as never, { c: 4 } as never, 'fail', 'destination has 4, needs 8'],
    ['capacity: not a number is an error', rule({ assert: { op: 'capacity', src: 'v', dst: 'c' } }), { v: ['x'] } as never, { c: 4 } as never, 'error'],
    ['present on both', rule({ assert: { op: 'present', path: 'p' } }), { p: 'vmx' } as never, { p: null } as never, 'fail', 'destination p: not present'],
    ['empty on one side', rule({ assert: { op: 'empty', side: 'dst', path: 'l' } }), { l: ['ignored'] } as never, { l: [] } as never, 'pass'],
    ['matches negated catches loopback', rule({ assert: { op: 'matches', side: 'dst', path: 'r', pattern: '^127\\.', negate: true } }), {} as never, { r: ['10.0.0.2', '127.0.1.1'] } as never, 'fail', 'destination r: 127.0.1.1 matches ^127\\.'],
    ['in', rule({ assert: { op: 'in', side: 'src', path: 's', values: ['open'] } }), { s: 'timeout' } as never, {} as never, 'fail', 'source s: timeout is not one of open'],
    ['at-least', rule({ assert: { op: 'at-least', path: 'n', value: 2 } }), { n: 2 } as never, { n: 1 } as never, 'fail', 'destination n: 1 is below 2'],
    ['when nonEmpty: skip when the source list is empty', rule({ when: { side: 'src', path: 'l', nonEmpty: true }, assert: { op: 'subset', path: 'l' } }), { l: [] } as never, { l: [] } as never, 'skip'],
    ['transport filter', rule({ transports: ['tls'], assert: { op: 'equal', path: 'a' } }), {} as never, {} as never, 'skip'],
  ];
  for (const [name, r, src, dst, status, message] of cases) {
    it(name, () => {
      const out = ev(r, src, dst);
      expect(out.status).toBe(status);
      if (message) expect(out.message).toBe(message);
    });
  }

  it('a list of asserts reports every failing one, with evidence per path', () => {
    const r = rule({ assert: [{ op: 'equal', path: 'a', message: 'a differs' }, { op: 'equal', path: 'b', message: 'b differs' }, { op: 'equal', path: 'c' }] });
    const out = ev(r, { a: 1, b: 2, c: 3 } as never, { a: 0, b: 0, c: 3 } as never);
    expect(out).toMatchObject({ status: 'fail', message: 'a differs; b differs', evidence: { src: { a: 1, b: 2, c: 3 }, dst: { a: 0, b: 0, c: 3 } } });
  });

  it('escalate raises the severity only when its condition holds', () => {
    const r = rule({ severity: 'minor', escalate: { when: { side: 'src', path: 'modes', includes: 'host-passthrough' }, severity: 'major' }, assert: { op: 'equal', path: 'm' } });
    expect(ev(r, { m: 'a', modes: ['host-passthrough'] } as never, { m: 'b' } as never).severity).toBe('major');
    expect(ev(r, { m: 'a', modes: ['custom'] } as never, { m: 'b' } as never).severity).toBe('minor');
    expect(ev(r, { m: 'a' } as never, { m: 'b' } as never).severity).toBe('minor'); // cannot tell: keep the rule's own
  });

  it('missing: fail turns an absent fact into the finding, when its probe ran and failed', () => {
    const r = rule({ missing: 'fail', assert: { op: 'present', path: 'libvirt.version' } });
    const ran = { ...host({}, [{ probe: 'virsh-version', reason: 'command not found: sh: virsh: not found' }]), probes: { 'virsh-version': { command: 'virsh version', exitCode: 127, stdout: '', stderr: 'sh: virsh: not found', sha256: '', durationMs: 1 } } };
    expect(evaluateRule(r, { src: ran, dst: host({}) }, CTX)).toMatchObject({ status: 'fail', message: 'source: probe virsh-version failed: command not found: sh: virsh: not found' });
    // A probe that never ran (the script was cut off) proves nothing: error, not fail.
    const cut = host({}, [{ probe: 'virsh-version', reason: 'no output collected' }]);
    expect(evaluateRule(r, { src: cut, dst: host({}) }, CTX)).toMatchObject({ status: 'error', message: 'source: probe virsh-version failed: no output collected' });
  });

  it('firewall-admits: a ruleset it cannot read is an error with the evidence, never a pass', () => {
    const r = rule({ assert: { op: 'firewall-admits', src: 'addr', dst: 'fw' } });
    const ctx = { ...CTX, firewall: () => ({ blocked: [], unknown: ['22 (ssh) by nftables rule "meta skuid 0 accept": cannot decide'], admitted: [] }) };
    const out = evaluateRule(r, { src: host({ addr: '10.0.0.1' } as never), dst: host({ fw: {} } as never) }, ctx);
    expect(out.status).toBe('error');
    expect(out.message).toMatch(/cannot decide the destination firewall for 10\.0\.0\.1: 22 \(ssh\)/);
  });

  it('formats units in messages', () => {
    expect(formatMessage('{a|kib} {b|ms} {c|ms} {d|bytes}', { a: 1048576, b: 250, c: 300000, d: 512 })).toBe('1.0 GiB 250 ms 300.0 s 512 B');
  });
});

describe('built-in rules on real outputs the lab cannot produce', () => {
  const rules = loadRules().rules;
  const builtin = (id: string): RuleSpec => {
    const r = rules.find((x) => x.id === id);
    if (!r) throw new Error(id);
    return r;
  };
  const out = (stdout: string): ProbeOutput => ({ command: 'x', exitCode: 0, stdout, stderr: '', sha256: '', durationMs: 0 });
  const version = (name: string): HostFacts =>
    buildFacts({ 'virsh-version': out(readFileSync(new URL(`../fixtures/virsh-version/${name}`, import.meta.url), 'utf8')) }).facts;

  it('hypervisor.version: Ubuntu 24.04 (libvirt 10.0.0, QEMU 8.2.2) to CentOS 7 (libvirt 1.2.17, QEMU 1.5.3): both older, a minor finding', () => {
    const r = ev(builtin('hypervisor.version'), version('ubuntu2404-libvirt-10.0.0.txt'), version('centos7-libvirt-1.2.17.txt'));
    expect(r).toMatchObject({
      status: 'fail',
      severity: 'minor',
      message: "destination libvirt 1.2.17 is older than the source's 10.0.0; destination hypervisor 1.5.3 is older than the source's 8.2.2",
    });
  });

  it('hypervisor.version: the other way round passes; only QEMU older also fails', () => {
    expect(ev(builtin('hypervisor.version'), version('centos7-libvirt-1.2.17.txt'), version('ubuntu2404-libvirt-10.0.0.txt')).status).toBe('pass');
    const r = ev(builtin('hypervisor.version'), version('libvirt-4.10.0-qemu-2.12.0.txt'), version('centos7-libvirt-1.2.17.txt'));
    expect(r.status).toBe('fail');
  });

  // The lsm probe prints the three kernel files; these are the shapes an SELinux host (RHEL) and an
  // AppArmor host (Ubuntu) give for /sys/kernel/security/lsm, /sys/fs/selinux/enforce and apparmor's enabled.
  const lsm = (text: string): HostFacts => buildFacts({ lsm: out(text) }).facts;
  it('security.lsm: SELinux enforcing vs AppArmor fails on both modules; equal modes pass', () => {
    const rhel = lsm('lsm=lockdown,capability,yama,selinux,bpf\nselinux=1\napparmor=\n');
    const ubuntu = lsm('lsm=lockdown,capability,landlock,yama,apparmor\nselinux=\napparmor=Y\n');
    const r = ev(builtin('security.lsm'), rhel, ubuntu);
    expect(r).toMatchObject({ status: 'fail', message: 'SELinux: source enforcing, destination disabled; AppArmor: source disabled, destination enabled' });
    expect(ev(builtin('security.lsm'), rhel, rhel).status).toBe('pass');
    const permissive = lsm('lsm=lockdown,capability,yama,selinux,bpf\nselinux=0\napparmor=\n');
    expect(ev(builtin('security.lsm'), rhel, permissive).message).toBe('SELinux: source enforcing, destination permissive');
  });
});
