import { readFileSync } from 'node:fs';
import { parseVirshVersion } from '../../src/checks/probes/libvirt-xml.js';
import { testRule } from './rule-tester.js';

// Real `virsh version` outputs (test/fixtures/virsh-version, libvirt-qemu): what the libvirt.* facts hold.
const virsh = (path: string) => {
  const v = parseVirshVersion(readFileSync(new URL(`../fixtures/${path}`, import.meta.url), 'utf8'));
  return { libvirt: { version: v.libvirt, hypervisor: v.hypervisor } } as never;
};
const debian12 = virsh('libvirt-qemu/virsh-version.txt'); // libvirt 9.0.0, QEMU 7.2.22
const ubuntu2404 = virsh('virsh-version/ubuntu2404-libvirt-10.0.0.txt'); // libvirt 10.0.0, QEMU 8.2.2
const centos7 = virsh('virsh-version/centos7-libvirt-1.2.17.txt'); // libvirt 1.2.17, QEMU 1.5.3
// CentOS 7 hosts (libvirt 4.5.0) with qemu-kvm-ev 2.12.0 or with the stock qemu-kvm 1.5.3; and the 4.10.0 fixture.
const c7 = (libvirt: string, qemu: string) => ({ libvirt: { version: libvirt, hypervisor: { name: 'QEMU', version: qemu } } }) as never;
const rhel7 = virsh('virsh-version/libvirt-4.10.0-qemu-2.12.0.txt');

testRule('hypervisor.version', [
  { name: 'to newer libvirt and QEMU (10.0.0 is newer than 9.0.0, not older)', src: debian12, dst: ubuntu2404, status: 'pass' },
  { name: 'the same versions pass', src: rhel7, dst: c7('4.10.0', '2.12.0'), status: 'pass' },
  { name: 'destination libvirt older, QEMU the same', src: rhel7, dst: c7('4.5.0', '2.12.0'), status: 'fail', messageId: 'not-older.older', message: "destination libvirt 4.5.0 is older than the source's 4.10.0" },
  // A remark, not a NO-GO: QEMU migrates newer to older on a machine type both have (domain.machine-type judges that).
  { name: 'destination QEMU older (stock qemu-kvm instead of qemu-kvm-ev): a minor finding', src: c7('4.5.0', '2.12.0'), dst: c7('4.5.0', '1.5.3'), status: 'fail', messageId: 'not-older.older', message: "destination hypervisor 1.5.3 is older than the source's 2.12.0", severity: 'minor' },
  {
    name: 'both older: both said',
    src: ubuntu2404,
    dst: centos7,
    status: 'fail',
    messageId: 'not-older.older',
    message: "destination libvirt 1.2.17 is older than the source's 10.0.0; destination hypervisor 1.5.3 is older than the source's 8.2.2",
  },
  { name: 'a cold move still compares (at minor severity)', src: ubuntu2404, dst: centos7, ctx: { mode: 'cold' }, status: 'fail', severity: 'minor' },
  { name: 'no "Running hypervisor" line on the destination: error, never a pass', src: debian12, dst: { libvirt: { version: '10.0.0', hypervisor: null } } as never, status: 'error', messageId: 'error.fact-missing', message: /destination: fact libvirt.hypervisor.version was not collected/ },
  { name: 'libvirt version unknown on the source: error', src: { libvirt: { version: null, hypervisor: { name: 'QEMU', version: '7.2.22' } } } as never, dst: ubuntu2404, status: 'error', messageId: 'error.operand' },
  { name: 'libvirt facts not collected: error', src: debian12, dst: {}, status: 'error', messageId: 'error.fact-missing' },
  { name: 'a Xen pair: skip', src: ubuntu2404, dst: centos7, ctx: { hypervisor: 'xen' }, status: 'skip', messageId: 'skip.hypervisor' },
]);
