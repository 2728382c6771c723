/**
 * parseCapabilities / parseDomCapabilities against real `virsh capabilities` and `virsh
 * domcapabilities` outputs, read in place from the shared corpus (/work/shared/corpus/libvirt/
 * {capabilities,domcapabilities}, from oVirt/vdsm and virt-manager test data; see SOURCES.md).
 * Every file goes through the parser and is cross-checked against a plain-text scan of it; the
 * concrete values below were read off the files by hand.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { corpusDirs } from './corpus-dir.js';
import type { CapabilitiesFacts, CapabilitiesGuest, DomCapabilitiesFacts } from '../../src/model/libvirt.js';
import { parseCapabilities, parseDomCapabilities } from '../../src/checks/probes/libvirt-xml.js';

const {
  dirs: [CAPS_DIR = '', DOMCAPS_DIR = ''],
  present: PRESENT,
} = corpusDirs('libvirt capabilities XML', 'libvirt/capabilities', 'libvirt/domcapabilities');

const list = (dir: string): string[] => (PRESENT ? readdirSync(dir).filter((f) => f.endsWith('.xml')).sort() : []);
const caps = (file: string): CapabilitiesFacts => parseCapabilities(readFileSync(`${CAPS_DIR}${file}`, 'utf8'));
const domcaps = (file: string): DomCapabilitiesFacts => parseDomCapabilities(readFileSync(`${DOMCAPS_DIR}${file}`, 'utf8'));

const guest = (c: CapabilitiesFacts, osType: string, arch: string): CapabilitiesGuest => {
  const found = c.guests.filter((g) => g.osType === osType && g.arch === arch);
  expect(found, `${osType}/${arch}`).toHaveLength(1);
  return found[0] as CapabilitiesGuest;
};

const usable = (d: DomCapabilitiesFacts, u: 'yes' | 'no' | 'unknown'): string[] => d.models.filter((m) => m.usable === u).map((m) => m.name);

describe.skipIf(!PRESENT)('virsh capabilities corpus', () => {
  it('has the 13 capabilities files this suite was written against', () => {
    expect(list(CAPS_DIR)).toHaveLength(13);
  });

  it('every file parses; guests, os types, arches, virt types and machines agree with a plain-text scan', () => {
    for (const file of list(CAPS_DIR)) {
      const text = readFileSync(`${CAPS_DIR}${file}`, 'utf8');
      const c = parseCapabilities(text);
      const guests = [...text.matchAll(/<guest>([^]*?)<\/guest>/g)].map((m) => m[1] as string);
      expect(c.guests.length, file).toBe(guests.length);
      expect(c.guests.length, file).toBeGreaterThan(0);
      for (const [i, g] of c.guests.entries()) {
        const body = guests[i] as string;
        expect(g.osType, file).toBe(/<os_type>([^<]+)<\/os_type>/.exec(body)?.[1]);
        expect(g.arch, file).toBe(/<arch name='([^']+)'>/.exec(body)?.[1]);
        expect(g.domainTypes, file).toEqual([...new Set([...body.matchAll(/<domain type='([^']+)'/g)].map((m) => m[1]))]);
        const scanned = new Set<string>();
        for (const m of body.matchAll(/<machine(?: canonical='([^']+)')?[^>]*>([^<]+)<\/machine>/g)) {
          scanned.add(m[2] as string);
          if (m[1] !== undefined) scanned.add(m[1]);
        }
        expect(new Set(g.machines), `${file} ${g.arch}`).toEqual(scanned);
        expect(g.machines.length, `${file} ${g.arch}: deduplicated`).toBe(scanned.size);
      }
      expect(c.hostArch, file).toBe(/<host>\s*(?:<uuid>[^<]*<\/uuid>\s*)?<cpu>\s*<arch>([^<]+)<\/arch>/.exec(text)?.[1]);
    }
  });

  it('vdsm AMD Opteron 6274: 11 emulated arches; x86_64 machines listed once though repeated under <domain type=kvm>', () => {
    const c = caps('vdsm-caps_libvirt_amd_6274.xml');
    expect([c.hostArch, c.hostCpuModel]).toEqual(['x86_64', 'Opteron_G4']);
    expect(c.guests.map((g) => g.arch)).toEqual(['armv7l', 'cris', 'i686', 'm68k', 'mips', 'mipsel', 'mips64', 'mips64el', 'sh4', 'sh4eb', 'x86_64']);
    expect(c.guests.every((g) => g.osType === 'hvm' && g.domainTypes.join() === 'qemu,kvm')).toBe(true);
    // <machine canonical='pc-1.0'>pc</machine>: the alias, then its canonical name (already listed later: kept once).
    expect(guest(c, 'hvm', 'x86_64').machines).toEqual(['pc-0.15', 'pc', 'pc-1.0', 'pc-0.14', 'pc-0.13', 'pc-0.12', 'pc-0.11', 'pc-0.10', 'isapc']);
    expect(guest(c, 'hvm', 'armv7l').machines).toHaveLength(27);
  });

  it('vdsm IBM S822L (big-endian POWER8): x86 guests are TCG only (no kvm); pc and q35 aliases with canonical names', () => {
    const c = caps('vdsm-caps_libvirt_ibm_S822L.xml');
    expect([c.hostArch, c.hostCpuModel]).toEqual(['ppc64', 'power8']);
    const x86 = guest(c, 'hvm', 'x86_64');
    expect(x86.domainTypes).toEqual(['qemu']);
    expect(x86.machines.slice(0, 6)).toEqual(['pc', 'pc-i440fx-1.6', 'pc-q35-1.4', 'pc-q35-1.5', 'q35', 'pc-q35-1.6']);
    expect(x86.machines).toHaveLength(20);
    expect(guest(c, 'hvm', 'ppc64').domainTypes).toEqual(['qemu', 'kvm']);
    expect(guest(c, 'hvm', 'ppc64').machines).toContain('pseries');
  });

  it('vdsm IBM S822L little-endian: pseries and its RHEL canonical machine', () => {
    const c = caps('vdsm-caps_libvirt_ibm_S822L_le.xml');
    expect([c.hostArch, c.hostCpuModel]).toEqual(['ppc64le', 'POWER8']);
    expect(guest(c, 'hvm', 'ppc64le')).toEqual({ osType: 'hvm', arch: 'ppc64le', domainTypes: ['qemu', 'kvm'], machines: ['pseries-rhel7.2.0', 'pseries'] });
  });

  it('vdsm RHEL 6 hosts (E3-1220, E5649, i7-3770): host models, "pc" is an alias of a rhel6 machine', () => {
    expect(caps('vdsm-caps_libvirt_intel_E31220.xml').hostCpuModel).toBe('SandyBridge');
    expect(caps('vdsm-caps_libvirt_intel_E5649.xml').hostCpuModel).toBe('Westmere');
    const i7 = caps('vdsm-caps_libvirt_intel_i73770.xml');
    expect(i7.hostCpuModel).toBe('SandyBridge');
    expect(guest(i7, 'hvm', 'x86_64').machines.slice(0, 3)).toEqual(['rhel6.5.0', 'pc', 'rhel6.4.0']);
    expect(guest(caps('vdsm-caps_libvirt_intel_E31220.xml'), 'hvm', 'i686').machines).toEqual([
      'rhel6.3.0',
      'pc',
      'rhel6.2.0',
      'rhel6.1.0',
      'rhel6.0.0',
      'rhel5.5.0',
      'rhel5.4.4',
      'rhel5.4.0',
    ]);
  });

  it('vdsm s390x: no host CPU model in the XML; s390-ccw-virtio with its canonical machine', () => {
    const c = caps('vdsm-caps_libvirt_s390x.xml');
    expect([c.hostArch, c.hostCpuModel]).toEqual(['s390x', null]);
    expect(guest(c, 'hvm', 's390x').machines.slice(0, 3)).toEqual(['s390-ccw-virtio-2.11', 's390-ccw-virtio', 's390-ccw-kvmibm-1.1.1']);
  });

  it('virt-manager x86_64 (Skylake desktop): 9 arches, KVM only for i686/x86_64; pc -> pc-i440fx-6.1, q35 -> pc-q35-6.1', () => {
    const c = caps('virt-manager-kvm-x86_64.xml');
    expect([c.hostArch, c.hostCpuModel]).toEqual(['x86_64', 'Skylake-Client-noTSX-IBRS']);
    expect(c.guests).toHaveLength(9);
    expect(c.guests.filter((g) => g.domainTypes.includes('kvm')).map((g) => g.arch)).toEqual(['i686', 'x86_64']);
    const x86 = guest(c, 'hvm', 'x86_64');
    expect(x86.machines.slice(0, 3)).toEqual(['pc-i440fx-6.1', 'pc', 'pc-q35-5.2']);
    expect(x86.machines).toEqual(expect.arrayContaining(['pc', 'q35', 'pc-q35-6.1', 'xenfv', 'xenfv-3.1', 'microvm', 'isapc']));
    expect(x86.machines.filter((m) => /^pc-i440fx-/.test(m))).toContain('pc-i440fx-6.1');
    expect(x86.machines).toHaveLength(56);
  });

  it('virt-manager aarch64 / ppc64le / s390x KVM hosts', () => {
    const arm = caps('virt-manager-kvm-aarch64.xml');
    expect([arm.hostArch, arm.hostCpuModel]).toEqual(['aarch64', 'Neoverse-N1']);
    expect(guest(arm, 'hvm', 'aarch64').machines.slice(0, 2)).toEqual(['virt-8.2', 'virt']);
    const ppc = caps('virt-manager-kvm-ppc64le.xml');
    expect([ppc.hostArch, ppc.hostCpuModel]).toEqual(['ppc64le', 'POWER8']);
    expect(guest(ppc, 'hvm', 'ppc64le').machines.slice(0, 2)).toEqual(['pseries-8.2', 'pseries']);
    const s390 = caps('virt-manager-kvm-s390x.xml');
    expect([s390.hostArch, s390.hostCpuModel]).toEqual(['s390x', 'host']);
    expect(guest(s390, 'hvm', 's390x').domainTypes).toEqual(['qemu', 'kvm']);
  });

  it('virt-manager LXC: exe guests with the lxc virt type and no machine types; a comment inside <capabilities> is ignored', () => {
    expect(caps('virt-manager-lxc.xml')).toEqual({
      hostArch: 'x86_64',
      hostCpuModel: null,
      guests: [
        { osType: 'exe', arch: 'x86_64', domainTypes: ['lxc'], machines: [] },
        { osType: 'exe', arch: 'i686', domainTypes: ['lxc'], machines: [] },
      ],
    });
  });

  it('virt-manager RHEL 5.4 Xen dom0 (old format): <features><vmx/> and no model; xen, xenpvh and hvm guests', () => {
    expect(caps('virt-manager-xen-rhel5.4.xml')).toEqual({
      hostArch: 'x86_64',
      hostCpuModel: null,
      guests: [
        { osType: 'xen', arch: 'x86_64', domainTypes: ['xen'], machines: ['xenpv'] },
        { osType: 'xenpvh', arch: 'x86_64', domainTypes: ['xen'], machines: ['xenpvh'] },
        { osType: 'xen', arch: 'i686', domainTypes: ['xen'], machines: ['xenpv'] },
        { osType: 'hvm', arch: 'i686', domainTypes: ['xen'], machines: ['xenfv'] },
        { osType: 'hvm', arch: 'x86_64', domainTypes: ['xen'], machines: ['xenfv'] },
      ],
    });
  });
});

describe.skipIf(!PRESENT)('virsh domcapabilities corpus', () => {
  it('has the 8 domcapabilities files this suite was written against', () => {
    expect(list(DOMCAPS_DIR)).toHaveLength(8);
  });

  it('every file parses; header fields and custom-mode model usability agree with a plain-text scan', () => {
    for (const file of list(DOMCAPS_DIR)) {
      const text = readFileSync(`${DOMCAPS_DIR}${file}`, 'utf8');
      const d = parseDomCapabilities(text);
      expect(d.arch, file).toBe(/^ {2}<arch>([^<]+)<\/arch>$/m.exec(text)?.[1]);
      expect(d.machine, file).toBe(/^ {2}<machine>([^<]+)<\/machine>$/m.exec(text)?.[1]);
      expect(d.domainType, file).toBe('kvm');
      expect(d.hostPassthrough, file).toBe(true);
      const scanned = [...text.matchAll(/<model usable='(yes|no|unknown)'[^>]*>([^<]+)<\/model>/g)].map((m) => ({ name: m[2], usable: m[1], blockers: [] }));
      expect(d.models, file).toEqual(scanned);
      const hostModel = /<mode name='host-model' supported='yes'>\s*<model fallback='\w+'>([^<]+)<\/model>/.exec(text)?.[1] ?? null;
      expect(d.hostModel?.model ?? null, file).toBe(hostModel);
      if (d.hostModel) {
        const section = /<mode name='host-model' supported='yes'>([^]*?)<\/mode>/.exec(text)?.[1] ?? '';
        const features = [...section.matchAll(/<feature policy='(\w+)' name='([^']+)'\/>/g)].map((m) => ({ name: m[2], policy: m[1] }));
        expect(d.hostModel.features, file).toEqual(features);
      }
    }
  });

  it('vdsm x86_64 (RHEL 7.6, Haswell-IBRS host): usable models include qemu64 and exclude Skylake-Server', () => {
    const d = domcaps('vdsm-domcaps_libvirt_x86_64.xml');
    expect([d.arch, d.machine, d.domainType, d.hostPassthrough]).toEqual(['x86_64', 'pc-i440fx-rhel7.6.0', 'kvm', true]);
    const yes = usable(d, 'yes');
    expect(yes).toContain('qemu64');
    expect(yes).not.toContain('Skylake-Server');
    expect(yes).toEqual([
      'qemu64',
      'qemu32',
      'pentium3',
      'pentium2',
      'pentium',
      'kvm64',
      'kvm32',
      'coreduo',
      'core2duo',
      'Penryn',
      'Opteron_G2',
      'Opteron_G1',
      'Nehalem',
      'Nehalem-IBRS',
      'Conroe',
      '486',
    ]);
    expect(usable(d, 'no')).toHaveLength(23);
    expect(usable(d, 'no')).toEqual(expect.arrayContaining(['Skylake-Server', 'Haswell-IBRS', 'EPYC', 'SandyBridge']));
    expect(usable(d, 'unknown')).toEqual(['Westmere', 'Westmere-IBRS', 'Skylake-Client', 'Skylake-Client-IBRS']);
    expect(d.models.every((m) => m.blockers.length === 0)).toBe(true); // this libvirt printed no <blockers>
    expect(d.hostModel?.model).toBe('Haswell-IBRS');
    expect(d.hostModel?.features.map((f) => f.name)).toEqual([
      'vme',
      'ss',
      'pclmuldq',
      'pcid',
      'x2apic',
      'tsc-deadline',
      'hypervisor',
      'arat',
      'tsc_adjust',
      'stibp',
      'pdpe1gb',
      'rdtscp',
      'invtsc',
    ]);
    expect(d.hostModel?.features.every((f) => f.policy === 'require')).toBe(true);
  });

  it('vdsm x86_64 without IBRS: same model list, host-model is plain Haswell', () => {
    const ibrs = domcaps('vdsm-domcaps_libvirt_x86_64.xml');
    const noibrs = domcaps('vdsm-domcaps_libvirt_x86_64_noibrs.xml');
    expect(noibrs.models).toEqual(ibrs.models);
    expect(noibrs.hostModel?.model).toBe('Haswell');
    expect(noibrs.hostModel?.features).toEqual(ibrs.hostModel?.features);
  });

  it("vdsm ppc64le: <mode name='custom' supported='no'/> gives no models; host-model POWER9 without features", () => {
    expect(domcaps('vdsm-domcaps_libvirt_ppc64le.xml')).toEqual({
      arch: 'ppc64le',
      machine: 'pseries-rhel7.6.0',
      domainType: 'kvm',
      hostPassthrough: true,
      models: [],
      hostModel: { model: 'POWER9', features: [] },
    });
  });

  it('vdsm s390x: only the full z14 is unusable (z14-base is the host model, 28 required features)', () => {
    const d = domcaps('vdsm-domcaps_libvirt_s390x.xml');
    expect([d.arch, d.machine]).toEqual(['s390x', 's390-ccw-virtio-2.11']);
    expect(d.models).toHaveLength(65);
    expect(usable(d, 'no')).toEqual(['z14']);
    expect(usable(d, 'yes')).toContain('z14-base');
    expect(d.hostModel?.model).toBe('z14-base');
    expect(d.hostModel?.features).toHaveLength(28);
  });

  it("virt-manager aarch64: host-model supported='no' gives null; every custom model's usability is unknown", () => {
    const d = domcaps('virt-manager-kvm-aarch64-domcaps.xml');
    expect([d.arch, d.machine, d.hostPassthrough, d.hostModel]).toEqual(['aarch64', 'virt-8.2', true, null]);
    expect(d.models).toHaveLength(47);
    expect(d.models.every((m) => m.usable === 'unknown')).toBe(true);
    expect(d.models.map((m) => m.name)).toEqual(expect.arrayContaining(['neoverse-n2', 'cortex-a57', 'a64fx']));
  });

  it('virt-manager s390x: all 74 models usable, host-model gen15a-base', () => {
    const d = domcaps('virt-manager-kvm-s390x-domcaps.xml');
    expect([d.machine, d.hostModel?.model]).toEqual(['s390-ccw-virtio-6.0', 'gen15a-base']);
    expect(usable(d, 'yes')).toHaveLength(74);
  });

  it('virt-manager AMD EPYC with SEV: host-model EPYC-Milan with erms/fsrm disabled, yet EPYC-Milan itself is not usable', () => {
    const d = domcaps('virt-manager-kvm-x86_64-domcaps-amd-sev.xml');
    expect([d.machine, d.hostModel?.model]).toEqual(['pc-q35-6.2', 'EPYC-Milan']);
    expect(d.hostModel?.features.filter((f) => f.policy !== 'require')).toEqual([
      { name: 'erms', policy: 'disable' },
      { name: 'fsrm', policy: 'disable' },
    ]);
    expect(d.hostModel?.features).toHaveLength(20);
    expect(usable(d, 'yes')).toEqual(expect.arrayContaining(['EPYC-Rome', 'EPYC', 'qemu64', 'Westmere']));
    expect(usable(d, 'no')).toEqual(expect.arrayContaining(['EPYC-Milan', 'Skylake-Server', 'Icelake-Client']));
    expect([usable(d, 'yes').length, usable(d, 'no').length, usable(d, 'unknown').length]).toEqual([23, 32, 0]);
  });

  it('virt-manager latest x86_64 (q35 9.0, vendor= attributes): the noTSX-IBRS Skylake is usable, plain Skylake-Client is not', () => {
    const d = domcaps('virt-manager-kvm-x86_64-domcaps-latest.xml');
    expect([d.arch, d.machine]).toEqual(['x86_64', 'pc-q35-9.0']);
    expect(d.models.find((m) => m.name === 'Skylake-Client-noTSX-IBRS')?.usable).toBe('yes');
    expect(d.models.find((m) => m.name === 'Skylake-Client')?.usable).toBe('no');
    expect(usable(d, 'yes')).toContain('qemu64');
    expect(usable(d, 'yes')).not.toContain('Skylake-Server');
    expect(d.hostModel?.model).toBe('Skylake-Client-IBRS');
    expect(d.hostModel?.features.filter((f) => f.policy === 'disable').map((f) => f.name)).toEqual(['hle', 'rtm']);
    expect([usable(d, 'yes').length, usable(d, 'no').length]).toEqual([28, 27]);
  });
});
