/**
 * The libvirt XML parsers against real domain, network and pool XML, read in place from the shared
 * corpus (/work/shared/corpus/libvirt, from oVirt/vdsm, virt-manager and community.libvirt test data;
 * see SOURCES.md). Expected values were read off the files by hand.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { corpusDirs } from './corpus-dir.js';
import type { DomainDisk, DomainXmlFacts } from '../../src/model/libvirt.js';
import { parseDomainXmlList, parseNetworkXmlList, parsePoolXmlList } from '../../src/checks/probes/libvirt-xml.js';

const { dirs: [LIBVIRT_DIR = ''], present: PRESENT } = corpusDirs('libvirt XML', 'libvirt');

const read = (file: string): string => readFileSync(`${LIBVIRT_DIR}${file}`, 'utf8');
const list = (dir: string): string[] => (PRESENT ? readdirSync(`${LIBVIRT_DIR}${dir}`).filter((f) => f.endsWith('.xml')).sort() : []);

const one = (file: string): DomainXmlFacts => {
  const domains = parseDomainXmlList(read(`domains/${file}`));
  expect(domains).toHaveLength(1);
  return domains[0] as DomainXmlFacts;
};

const fileDisk = (over: Partial<DomainDisk>): DomainDisk => ({
  type: 'file',
  device: 'disk',
  source: null,
  pool: null,
  volume: null,
  protocol: null,
  format: null,
  cache: null,
  readonly: false,
  shareable: false,
  target: null,
  ...over,
});

const bridgeIface = (bridge: string, mac: string) => ({ type: 'bridge', bridge, network: null, dev: null, mac, virtualport: null });
const networkIface = (network: string, mac: string) => ({ type: 'network', bridge: null, network, dev: null, mac, virtualport: null });

const OVIRT_EMPTY_CDROM = fileDisk({ device: 'cdrom', format: 'raw', readonly: true, target: 'hdc' });

describe.skipIf(!PRESENT)('libvirt domain XML corpus', () => {
  it('has the 11 domain files this suite was written against', () => {
    expect(list('domains')).toHaveLength(11);
  });

  it('every domain file parses; document count and names agree with a plain-text scan of the file', () => {
    for (const file of list('domains')) {
      const text = read(`domains/${file}`);
      const domains = parseDomainXmlList(text);
      expect(domains.length, file).toBe(text.match(/^<domain\b/gm)?.length);
      const names = [...text.matchAll(/^ {2}<name>([^<]+)<\/name>$/gm)].map((m) => m[1]);
      expect(domains.map((d) => d.name), file).toEqual(names);
      for (const d of domains) {
        expect(d.memoryKiB, file).toBeGreaterThan(0);
        expect(d.vcpus, file).toBeGreaterThan(0);
        expect(d.uuid, file).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
        expect(d.disks.length, file).toBeGreaterThan(0);
      }
    }
  });

  it('vdsm domain_disk_file: oVirt metadata ignored, vcpus from the text not current=, an empty file="" cdrom', () => {
    expect(one('vdsm-domain_disk_file.xml')).toEqual({
      name: 'a2',
      uuid: '69b6b942-b5bf-4740-bb95-6752ffbd3bcf',
      virtType: 'kvm',
      memoryKiB: 4194304, // <maxMemory slots='16'>16777216</maxMemory> is not <memory>
      currentMemoryKiB: 4194304,
      vcpus: 16, // <vcpu placement='static' current='2'>16</vcpu>
      arch: 'x86_64',
      machine: 'pc-i440fx-rhel7.3.0',
      cpuMode: 'custom',
      cpuModel: 'Haswell-noTSX',
      cpuCheck: 'full',
      cpuMatch: 'exact',
      cpuVendor: null,
      cpuFallback: 'forbid',
      cpuFeatures: ['vme', 'f16c', 'rdrand', 'hypervisor', 'arat', 'xsaveopt', 'abm'].map((name) => ({ name, policy: 'require' })),
      interfaces: [bridgeIface('ovirtmgmt', '00:1a:4a:16:01:00')],
      disks: [
        // <source file="" startupPolicy='optional'> with a nested <seclabel>: an empty drive.
        fileDisk({ device: 'cdrom', format: 'raw', readonly: true, target: 'hdc' }),
        fileDisk({
          source:
            '/rhev/data-center/mnt/blockSD/a67a8671-05fc-4e42-b147-f7d3a0496cd6/images/b07a37de-95d6-4682-84cd-c8c9201327e3/b3335e60-6d27-46e0-bed8-50e75cca6786',
          format: 'raw',
          cache: 'none',
          target: 'sda',
        }),
      ],
      blockers: [],
      hugepages: null,
      graphics: [{ type: 'spice', listens: [{ type: 'network', address: '192.168.60.53', network: 'vdsm-ovirtmgmt' }] }],
    });
  });

  it('vdsm hostedengine: Conroe custom CPU, raw disk with cache=none under /run/vdsm/storage', () => {
    const d = one('vdsm-hostedengine.xml');
    expect(d.name).toBe('HostedEngine');
    expect(d.uuid).toBe('346b8d80-b4f2-4a81-bf60-a662220c27a4');
    expect(d.memoryKiB).toBe(5242880);
    expect(d.vcpus).toBe(16);
    expect([d.cpuMode, d.cpuModel]).toEqual(['custom', 'Conroe']);
    expect(d.cpuFeatures.map((f) => f.name)).toEqual(['vme', 'x2apic', 'hypervisor']);
    expect(d.interfaces).toEqual([bridgeIface('ovirtmgmt', '00:1a:4a:16:10:9f')]);
    expect(d.disks).toEqual([
      fileDisk({
        source: '/run/vdsm/storage/7a9a1478-6a7c-465b-b0e5-598205be7faf/76b07256-29ce-4634-9f4a-db35d3bc61c6/0fa79d54-74ac-41bb-9936-c6ecdd947150',
        format: 'raw',
        cache: 'none',
        target: 'vda',
      }),
      OVIRT_EMPTY_CDROM, // <source startupPolicy='optional'/> without file
    ]);
  });

  it('vdsm vm_compat41: no interface at all, NFS-domain disk path', () => {
    const d = one('vdsm-vm_compat41.xml');
    expect([d.name, d.uuid, d.memoryKiB, d.vcpus]).toEqual(['a0_41', '13070562-2ee7-4092-a746-7975ff5b3993', 4194304, 16]);
    expect([d.cpuMode, d.cpuModel]).toEqual(['custom', 'Nehalem']);
    expect(d.interfaces).toEqual([]);
    expect(d.disks.map((x) => [x.device, x.source, x.format, x.cache])).toEqual([
      ['cdrom', null, 'raw', null],
      [
        'disk',
        '/rhev/data-center/mnt/192.168.1.20:_srv_virtstore_nfs_snapgine_data41/0c63acb9-1cd2-4ebc-b6eb-8bc7e1e95cbd/images/13134458-7b83-408d-a1cf-973d4bc48728/fb3ec8e5-a817-4dbf-9492-82873ccdaf9b',
        'raw',
        'none',
      ],
    ]);
  });

  it('vdsm vm_hibernated: a type=block disk (source dev=) beside a file disk on NFS', () => {
    const d = one('vdsm-vm_hibernated.xml');
    expect([d.name, d.uuid]).toEqual(['a2', '69b6b942-b5bf-4740-bb95-6752ffbd3bcf']);
    expect(d.disks).toEqual([
      fileDisk({ device: 'cdrom', format: 'raw', readonly: true, target: 'hdc' }),
      fileDisk({
        type: 'block',
        source:
          '/rhev/data-center/mnt/blockSD/a67a8671-05fc-4e42-b147-f7d3a0496cd6/images/b07a37de-95d6-4682-84cd-c8c9201327e3/b3335e60-6d27-46e0-bed8-50e75cca6786',
        format: 'qcow2',
        cache: 'none',
        target: 'sda',
      }),
      fileDisk({
        source:
          '/rhev/data-center/mnt/192.168.1.20:_srv_virtstore_nfs_snapgine_data/f3f6e278-47a1-4048-b9a5-0cf4d6ba455f/images/c9865ca8-f6d2-4363-bec2-af870a87a819/1dfad482-c65c-436c-aa59-87e020b63302',
        format: 'raw',
        cache: 'none',
        target: 'sdb',
      }),
    ]);
  });

  it('vdsm vm_hibernated_390: double-quoted attributes, the backingStore <source> is not the disk source', () => {
    const d = one('vdsm-vm_hibernated_390.xml');
    expect([d.name, d.uuid, d.memoryKiB, d.currentMemoryKiB, d.vcpus]).toEqual([
      'suspend_resume_vm',
      'd6a8fd3f-6bdf-4030-9e31-ae193543e1c6',
      1048576,
      1048576,
      16, // <vcpu current="1" placement="static">16</vcpu>
    ]);
    expect(d.arch).toBe('x86_64'); // despite the file name, an x86_64 guest
    expect([d.cpuMode, d.cpuModel]).toEqual(['custom', 'SandyBridge']);
    expect(d.cpuFeatures).toEqual(['vme', 'hypervisor', 'arat', 'xsaveopt'].map((name) => ({ name, policy: 'require' })));
    expect(d.interfaces).toEqual([bridgeIface('ovirtmgmt', '00:1a:4a:16:10:5f')]);
    expect(d.disks).toEqual([
      // <driver error_policy="report"/> only: no format.
      fileDisk({ device: 'cdrom', readonly: true, target: 'hdc' }),
      fileDisk({
        source:
          '/rhev/data-center/mnt/testbox/e030832d-48ef-4f79-8fd6-6fc8a990f83c/images/4351c1d2-0d5e-469e-ab98-a0b31d7780e4/32f04728-7e05-4ef1-82e1-c9feb569587f',
        format: 'qcow2',
        cache: 'none',
        target: 'vda',
      }),
    ]);
  });

  it('vdsm vm_hosted_engine_42: a type=network interface (live XML also names virbr0), local qcow2 + seed ISO', () => {
    expect(one('vdsm-vm_hosted_engine_42.xml')).toEqual({
      name: 'HostedEngineLocal',
      uuid: '2fbdf767-df29-4ed9-bb25-db310da4e683',
      virtType: 'kvm',
      memoryKiB: 3247104,
      currentMemoryKiB: 3247104,
      vcpus: 2,
      arch: 'x86_64',
      machine: 'pc-i440fx-rhel7.4.0',
      cpuMode: 'custom',
      cpuModel: 'SandyBridge',
      cpuCheck: 'full',
      cpuMatch: 'exact',
      cpuVendor: null,
      cpuFallback: 'forbid',
      cpuFeatures: ['vme', 'hypervisor', 'arat', 'xsaveopt'].map((name) => ({ name, policy: 'require' })),
      // <source network='default' bridge='virbr0'/>: the bridge belongs to the network, not the guest.
      interfaces: [networkIface('default', '54:52:c0:a8:c8:63')],
      disks: [
        fileDisk({
          source: '/var/tmp/localvm0zePCR/images/dc1b9950-cee4-4e78-8210-3016364ce813/8012e985-b333-49da-a41d-15bbce8ac429',
          format: 'qcow2',
          target: 'vda',
        }),
        fileDisk({ device: 'cdrom', source: '/var/tmp/localvm0zePCR/seed.iso', format: 'raw', readonly: true, target: 'hda' }),
      ],
      blockers: [],
      hugepages: null,
      graphics: [{ type: 'vnc', listens: [{ type: 'address', address: '127.0.0.1', network: null }] }],
    });
  });

  it('vdsm vm_restore_spice_before: <numatune><memory> is not the domain memory; custom CPU without features', () => {
    const d = one('vdsm-vm_restore_spice_before.xml');
    expect([d.name, d.uuid, d.memoryKiB, d.vcpus]).toEqual(['ftest1', '42e30017-b29c-4646-aa75-e42c4d0fe659', 4194304, 16]);
    expect([d.cpuMode, d.cpuModel, d.cpuFeatures]).toEqual(['custom', 'SandyBridge', []]);
    expect(d.interfaces).toEqual([bridgeIface('ovirtmgmt', '00:1a:4a:16:01:51')]);
    expect(d.disks.map((x) => [x.device, x.source, x.cache, x.readonly])).toEqual([
      [
        'cdrom',
        '/rhev/data-center/mnt/192.168.1.20:_srv_virtstore_nfs_generic_iso/b0390d9e-2f1d-43c0-a56c-a20af032e934/images/11111111-1111-1111-1111-111111111111/Fedora-Live-Workstation-x86_64-21-5.iso',
        null,
        true,
      ],
      [
        'disk',
        '/rhev/data-center/00000001-0001-0001-0001-000000000178/f856ad64-22a3-4460-bdd7-5846573b3c01/images/c088d8c8-2599-46c9-aeb8-2e33671a4237/b267133d-fe7b-4d7d-b9ea-b0fed7db4490',
        'none',
        false,
      ],
    ]);
  });

  it('virt-install aarch64 gic: memory without unit is KiB, host-passthrough without model, network interface', () => {
    expect(one('virt-manager-virt-install-aarch64-kvm-gic.xml')).toEqual({
      name: 'fedora22',
      uuid: '00000000-1111-2222-3333-444444444444',
      virtType: 'kvm',
      memoryKiB: 65536,
      currentMemoryKiB: 65536,
      vcpus: 2,
      arch: 'aarch64',
      machine: 'virt',
      cpuMode: 'host-passthrough',
      cpuModel: null,
      cpuCheck: null,
      cpuMatch: null,
      cpuVendor: null,
      cpuFallback: null,
      cpuFeatures: [],
      interfaces: [networkIface('default', '00:11:22:33:44:55')],
      disks: [fileDisk({ source: '/var/lib/libvirt/images/fedora22.qcow2', format: 'qcow2', target: 'vda' })],
      blockers: [],
      hugepages: null,
      graphics: [{ type: 'spice', listens: [] }],
    });
  });

  it('virt-install amd-sev: q35, bridge interface; <loader readonly="yes"> is not a disk', () => {
    const d = one('virt-manager-virt-install-amd-sev.xml');
    expect([d.name, d.arch, d.machine, d.cpuMode]).toEqual(['linux2020', 'x86_64', 'q35', 'host-passthrough']);
    expect(d.interfaces).toEqual([bridgeIface('testsuitebr0', '00:11:22:33:44:55')]);
    expect(d.disks).toEqual([fileDisk({ source: '/var/lib/libvirt/images/linux2020.qcow2', format: 'qcow2', target: 'vda' })]);
  });

  it('virt-install f21 kvm remote: a disk in /pool-dir, network "default"', () => {
    const d = one('virt-manager-virt-install-f21-kvm-remote.xml');
    expect([d.name, d.memoryKiB, d.vcpus, d.machine, d.cpuMode]).toEqual(['fedora21', 65536, 2, 'pc-i440fx-6.1', 'host-passthrough']);
    expect(d.interfaces).toEqual([networkIface('default', '00:11:22:33:44:55')]);
    expect(d.disks).toEqual([fileDisk({ source: '/pool-dir/testvol1.img', format: 'qcow2', target: 'vda' })]);
  });

  it('virt-install host-model fallback: ONE file holding TWO concatenated <domain> documents (install + final XML)', () => {
    const domains = parseDomainXmlList(read('domains/virt-manager-virt-install-kvm-cpu-hostmodel-fallback.xml'));
    expect(domains).toHaveLength(2);
    for (const d of domains) {
      expect([d.name, d.cpuMode, d.cpuModel]).toEqual(['rhel7.0', 'host-model', null]);
      expect(d.interfaces).toEqual([bridgeIface('testsuitebr0', '00:11:22:33:44:55')]);
      expect(d.disks).toEqual([fileDisk({ source: '/pool-dir/testvol1.img', format: 'qcow2', target: 'vda' })]);
    }
    expect(domains[0]).toEqual(domains[1]); // they differ only in boot order and on_reboot
  });

  it('all domain files concatenated (the shell-loop case): 12 domains in file order', () => {
    const text = list('domains')
      .map((f) => read(`domains/${f}`))
      .join('');
    const domains = parseDomainXmlList(text);
    expect(domains.map((d) => d.name)).toEqual([
      'a2',
      'HostedEngine',
      'a0_41',
      'a2',
      'suspend_resume_vm',
      'HostedEngineLocal',
      'ftest1',
      'fedora22',
      'linux2020',
      'fedora21',
      'rhel7.0',
      'rhel7.0',
    ]);
    // Same VM captured twice by vdsm, and virt-manager's fixed test UUID: duplicates are data, not errors.
    expect(domains.filter((d) => d.uuid === '69b6b942-b5bf-4740-bb95-6752ffbd3bcf')).toHaveLength(2);
    expect(domains.filter((d) => d.uuid === '00000000-1111-2222-3333-444444444444')).toHaveLength(5);
    expect(domains.reduce((sum, d) => sum + d.disks.length, 0)).toBe(20);
    // Each document parses the same alone and inside the concatenation.
    expect(domains.slice(0, 1)).toEqual(parseDomainXmlList(read('domains/vdsm-domain_disk_file.xml')));
  });

  it('concatenation with <?xml?> declarations and blank lines between documents (saved files) parses the same', () => {
    const files = list('domains');
    const plain = parseDomainXmlList(files.map((f) => read(`domains/${f}`)).join(''));
    const declared = parseDomainXmlList(files.map((f) => `<?xml version="1.0" encoding="UTF-8"?>\n${read(`domains/${f}`)}\n\n`).join(''));
    expect(declared).toEqual(plain);
  });
});

describe.skipIf(!PRESENT)('libvirt network XML corpus', () => {
  it('community.libvirt foobar: NAT network as written for net-define (no uuid, no bridge yet)', () => {
    expect(list('networks')).toEqual(['community.libvirt-foobar.xml']);
    expect(parseNetworkXmlList(read('networks/community.libvirt-foobar.xml'))).toEqual([
      { name: 'foobar', uuid: null, bridge: null, forwardMode: 'nat' },
    ]);
  });
});

describe.skipIf(!PRESENT)('libvirt pool XML corpus', () => {
  const empty = { uuid: null, sourceHosts: [], sourceDir: null, sourceDevices: [], sourceName: null, capacityBytes: null, allocationBytes: null, availableBytes: null };

  it('lists the three pool files', () => {
    expect(list('pools')).toEqual(['virt-manager-pool-dir2.xml', 'virt-manager-pool-logical.xml', 'virt-manager-pool-netfs.xml']);
  });

  it('dir pool: target path only', () => {
    expect(parsePoolXmlList(read('pools/virt-manager-pool-dir2.xml'))).toEqual([
      { ...empty, name: 'pool-dir2', type: 'dir', targetPath: '/var/lib/libvirt/images/pool-dir2' },
    ]);
  });

  it('logical pool: the volume group is <source><name>, no target path', () => {
    expect(parsePoolXmlList(read('pools/virt-manager-pool-logical.xml'))).toEqual([
      { ...empty, name: 'pool-logical', type: 'logical', targetPath: null, sourceName: 'pool-logical' },
    ]);
  });

  it('netfs pool: NFS host and export dir, mounted at the target path', () => {
    expect(parsePoolXmlList(read('pools/virt-manager-pool-netfs.xml'))).toEqual([
      {
        ...empty,
        name: 'pool-netfs',
        type: 'netfs',
        targetPath: '/var/lib/libvirt/images/pool-netfs',
        sourceHosts: ['some.random.hostname'],
        sourceDir: '/some/source/path',
      },
    ]);
  });

  it('all three pools concatenated, in order', () => {
    const text = list('pools')
      .map((f) => read(`pools/${f}`))
      .join('');
    expect(parsePoolXmlList(text).map((p) => [p.name, p.type])).toEqual([
      ['pool-dir2', 'dir'],
      ['pool-logical', 'logical'],
      ['pool-netfs', 'netfs'],
    ]);
  });
});
