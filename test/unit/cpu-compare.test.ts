import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cpuCompareCommand, cpuCompareQueries, guestCpuXml, parseCpuCompare } from '../../src/checks/probes/cpu-compare.js';
import { parseDomainXmlList } from '../../src/checks/probes/libvirt-xml.js';
import { ParseError } from '../../src/checks/probes/parse-error.js';
import type { HostFacts } from '../../src/types.js';

// Real outputs of the probe's command on the lab's libvirt 9.0 / QEMU 7.2 hosts (test/fixtures/README.md).
const fx = (name: string): string => readFileSync(new URL(`../fixtures/libvirt-qemu/${name}`, import.meta.url), 'utf8');
const [KVM_HM] = parseDomainXmlList(fx('dumpxml-migratable-kvm-host-model.xml'));
const [TCG_HM] = parseDomainXmlList(fx('dumpxml-migratable-tcg-host-model.xml'));
const [TCG_NONE] = parseDomainXmlList(fx('dumpxml-migratable-tcg.xml'));

describe('parseCpuCompare on real virsh hypervisor-cpu-compare output', () => {
  it('superset, and incompatible with the features libvirt names, per definition and its domains', () => {
    expect(parseCpuCompare(fx('guest-cpu-compare.txt'))).toEqual([
      { domains: ['hm2'], result: 'superset', missing: [], detail: 'The CPU provided by hypervisor on the host is a superset of CPU described in /dev/stdin' },
      { domains: ['web 01', 'db01'], result: 'incompatible', missing: ['avx512f'], detail: 'Host CPU does not provide required features: avx512f' },
      { domains: ['inc-kvm'], result: 'incompatible', missing: ['pni', 'avx512f', 'svm'], detail: 'Host CPU does not provide required features: pni, avx512f, svm' },
    ]);
  });

  it("a model or feature this libvirt's CPU map lacks: unknown-name, in libvirt's words", () => {
    expect(parseCpuCompare(fx('guest-cpu-compare-old-cpu-map.txt'))).toEqual([
      { domains: ['tm1'], result: 'unknown-name', missing: [], detail: 'internal error: Unknown CPU model EPYC' },
      { domains: ['odd'], result: 'unknown-name', missing: [], detail: 'internal error: Unknown CPU feature no-such-feat' },
    ]);
  });

  it('a driver that cannot compare (the test driver): failed, with its reason', () => {
    const r = parseCpuCompare(fx('guest-cpu-compare-test-driver.txt'));
    expect(r.map((c) => c.result)).toEqual(['failed', 'failed']);
    expect(r[0]?.detail).toBe('this function is not supported by the connection driver: virConnectCompareHypervisorCPU');
  });

  it("where libvirt could not compare, the model's own features from its CPU map (cpu-baseline --features); none for a model it lacks", () => {
    const r = parseCpuCompare(fx('guest-cpu-compare-baseline-test-driver.txt'));
    expect(r.map((c) => [c.domains, c.result, c.modelFeatures?.length])).toEqual([
      [['sky'], 'failed', 63],
      [['km'], 'failed', 26],
      [['odd'], 'failed', undefined],
    ]);
    // libvirt 9's x86_Skylake-Client.xml: TSX (hle, rtm) in the model, xsaves not.
    expect(r[0]?.modelFeatures).toEqual(expect.arrayContaining(['sse4.2', 'avx2', 'hle', 'rtm']));
    expect(r[0]?.modelFeatures).not.toContain('xsaves');
  });

  it("reads a model's features only after a comparison, one section each", () => {
    const both = fx('guest-cpu-compare.txt') + fx('guest-cpu-compare-baseline-test-driver.txt');
    expect(parseCpuCompare(both).map((c) => c.modelFeatures === undefined)).toEqual([true, true, true, false, false, true]);
    expect(() => parseCpuCompare(`${fx('guest-cpu-compare-baseline-test-driver.txt').split('mp-compare ["km"]')[0]}mp-model X\n<cpu/>\nmp-exit 0\n`)).toThrow(/outside a comparison/);
    expect(() => parseCpuCompare("mp-model Skylake-Client\n<cpu/>\nmp-exit 0\n")).toThrow(/outside a comparison/);
    expect(() => parseCpuCompare(`${fx('guest-cpu-compare-test-driver.txt')}mp-model X\n<cpu><feature policy='require'/></cpu>\nmp-exit 0\n`)).toThrow(/without name/);
  });

  it('refuses output cut short or out of frame', () => {
    const text = fx('guest-cpu-compare.txt');
    expect(() => parseCpuCompare(text.slice(0, text.indexOf('mp-exit 0')))).toThrow(ParseError);
    expect(() => parseCpuCompare(`stray\n${text}`)).toThrow(/unexpected line/);
    expect(() => parseCpuCompare('mp-compare ["a"]\nsomething else\nmp-exit 0\n')).toThrow(/exited 0 without a comparison/);
    expect(() => parseCpuCompare('mp-compare {"a":1}\nmp-exit 0\n')).toThrow(/bad domain list/);
    expect(parseCpuCompare('')).toEqual([]);
  });
});

describe('what is compared', () => {
  it("a running host-model guest's expanded CPU: model, vendor and every feature with its policy, as custom", () => {
    const xml = guestCpuXml(KVM_HM as NonNullable<typeof KVM_HM>) ?? '';
    expect(xml.split('\n').slice(0, 4)).toEqual(["<cpu mode='custom' match='exact'>", "  <model fallback='forbid'>kvm64</model>", '  <vendor>Intel</vendor>', "  <feature policy='require' name='vme'/>"]);
    expect(xml).toContain("<feature policy='disable' name='pni'/>");
    expect(xml.match(/<feature /g)).toHaveLength(KVM_HM?.cpuFeatures.length ?? -1);
  });

  it("nothing for check='none' (libvirt checks nothing on arrival) nor without a named model", () => {
    expect(TCG_NONE?.cpuCheck).toBe('none');
    expect(guestCpuXml(TCG_NONE as NonNullable<typeof TCG_NONE>)).toBeNull();
    expect(guestCpuXml({ ...(KVM_HM as NonNullable<typeof KVM_HM>), cpuMode: 'host-passthrough', cpuModel: null })).toBeNull();
  });

  it('escapes what the definition holds', () => {
    const odd = { ...(TCG_HM as NonNullable<typeof TCG_HM>), cpuModel: "a<b&'c", cpuFeatures: [{ name: 'x"y', policy: 'require' }] };
    expect(guestCpuXml(odd)).toContain("<model fallback='forbid'>a&lt;b&amp;&apos;c</model>\n  <vendor>AMD</vendor>\n  <feature policy='require' name='x&quot;y'/>\n</cpu>");
  });

  it('one query per distinct definition and accelerator, for the moving domains only', () => {
    const dom = (name: string, x: NonNullable<typeof KVM_HM>, state: 'running' | 'shut off' = 'running') => ({ name, id: null, state, uuid: null, xml: { ...x, name } });
    const kvm = KVM_HM as NonNullable<typeof KVM_HM>;
    const src: HostFacts = {
      libvirt: { domains: [dom('a', kvm), dom('b', kvm), dom('c', TCG_HM as NonNullable<typeof TCG_HM>), dom('d', kvm, 'shut off'), dom('e', TCG_NONE as NonNullable<typeof TCG_NONE>)] },
    };
    expect(cpuCompareQueries(src, []).map((q) => [q.domains, q.virtType])).toEqual([[['a', 'b'], 'kvm'], [['c'], 'qemu']]);
    expect(cpuCompareQueries(src, ['d']).map((q) => q.domains)).toEqual([['d']]);
    expect(cpuCompareQueries({}, [])).toEqual([]);
  });

  it('names, URI and XML reach a real sh as quoted words: the names come back unchanged', () => {
    const q = { domains: ["it's", 'b c'], virtType: 'kvm', arch: 'x86_64', model: 'qemu64', xml: guestCpuXml(TCG_HM as NonNullable<typeof TCG_HM>) ?? '' };
    // Without virsh on PATH the pipeline's status is 127; the frame still parses (as a failure).
    const out = execFileSync('/bin/sh', ['-c', cpuCompareCommand("qemu:///system'x", [q])], { env: { PATH: '/nonexistent' }, encoding: 'utf8' });
    expect(out.split('\n')[0]).toBe(`mp-compare ${JSON.stringify(q.domains)}`);
    expect(parseCpuCompare(out)).toEqual([expect.objectContaining({ domains: ["it's", 'b c'], result: 'failed' })]);
  });
});
