import { readFileSync } from 'node:fs';
import { migrationFacts } from '../../src/checks/migration.js';
import { buildFacts } from '../../src/checks/probes/index.js';
import type { ProbeOutput } from '../../src/types.js';
import { migrationPlan, testRule } from './rule-tester.js';

// The destination's libvirt as the probes see it: `virsh version` and `virsh capabilities` of the real libvirt 9.0 /
// QEMU 7.2 lab host (test/fixtures/libvirt-qemu: kvm and qemu domain types for x86_64 and i686), of the same host
// without /dev/kvm (no <domain type='kvm'/>), and of libvirt's test driver (test/fixtures/virsh-*/debian12-test-driver.*).
const fx = (path: string) => readFileSync(new URL(`../fixtures/${path}`, import.meta.url), 'utf8');
const out = (stdout: string): ProbeOutput => ({ command: 'x', exitCode: 0, stdout, stderr: '', sha256: '', durationMs: 0 });
const libvirt = (version: string, caps?: string) => buildFacts({ 'virsh-version': out(fx(version)), ...(caps === undefined ? {} : { 'virsh-caps': out(caps) }) }).facts;
const CAPS = fx('libvirt-qemu/capabilities.xml');
const kvmHost = libvirt('libvirt-qemu/virsh-version.txt', CAPS);
const noKvm = libvirt('libvirt-qemu/virsh-version.txt', CAPS.replace(/\s*<domain type='kvm'\/>/g, ''));
const testDriver = libvirt('virsh-version/debian12-test-driver.txt', fx('virsh-caps/debian12-test-driver.xml'));
// The move: "<domain type>/<arch>" of the moving guests (the lab guest g1 of dumpxml-migratable-tcg.xml is qemu/x86_64).
const moving = (...virtTypes: string[]) => ({ migration: { virtTypes } }) as never;
// The move as a run derives it from a source whose `virsh dumpxml` gave no definition of g1 (the probe failed).
const noXml = { migration: migrationFacts({ libvirt: { domains: [{ name: 'g1', id: 1, uuid: null, state: 'running', xml: null }] } }, migrationPlan()) ?? undefined } as never;

testRule('cpu.virt-ext', [
  { name: 'a kvm guest to a host with KVM passes', src: moving('kvm/x86_64'), dst: kvmHost, status: 'pass' },
  { name: 'a 32-bit kvm guest to an x86_64 host with KVM passes', src: moving('kvm/i686'), dst: kvmHost, status: 'pass' },
  { name: 'a TCG guest needs no KVM', src: moving('qemu/x86_64'), dst: noKvm, status: 'pass' },
  {
    name: 'a kvm guest to a host without KVM fails',
    src: moving('qemu/x86_64', 'kvm/x86_64'),
    dst: noKvm,
    status: 'fail',
    messageId: 'subset.missing',
    message: "the destination's libvirt cannot run domain type/arch kvm/x86_64 (virsh capabilities lists no such <domain type>)",
  },
  { name: 'a destination on libvirt\'s test driver: skip', src: moving('test/x86_64'), dst: testDriver, status: 'skip', messageId: 'skip.when', message: 'not applicable: destination libvirt.hypervisor.name is TEST' },
  { name: 'Xen pairs: skip (xen.hvm asks Xen)', src: moving('kvm/x86_64'), dst: noKvm, ctx: { hypervisor: 'xen' }, status: 'skip', messageId: 'skip.hypervisor' },
  { name: 'virsh capabilities not collected on the destination: error', src: moving('kvm/x86_64'), dst: libvirt('libvirt-qemu/virsh-version.txt'), status: 'error', messageId: 'error.fact-missing', message: 'destination: fact libvirt.virtTypes was not collected' },
  { name: 'virsh version not collected on the destination: error, not a skip', src: moving('kvm/x86_64'), dst: {}, status: 'error', message: 'destination: fact libvirt.hypervisor.name was not collected' },
  { name: 'the move not known: error', src: {}, dst: kvmHost, status: 'error', message: 'source: fact migration.virtTypes was not collected' },
  { name: "the domain's XML not collected: its domain type unknown, error, never a pass", src: noXml, dst: noKvm, status: 'error', messageId: 'error.fact-missing', message: 'source: fact migration.virtTypes is unknown: no definition of g1 (virsh dumpxml, probe virsh-domxml)' },
]);
