import { readFileSync } from 'node:fs';
import { parseVirshVersion } from '../../src/checks/probes/libvirt-xml.js';
import { testRule } from './rule-tester.js';

// Real `virsh version` outputs (test/fixtures/virsh-version): what the libvirt.* facts hold.
const virsh = (name: string) => {
  const v = parseVirshVersion(readFileSync(new URL(`../fixtures/virsh-version/${name}`, import.meta.url), 'utf8'));
  return { libvirt: { version: v.libvirt, hypervisor: v.hypervisor } } as never;
};
const debian12 = virsh('debian12-test-driver.txt');
const ubuntu2404 = virsh('ubuntu2404-libvirt-10.0.0.txt');
// virsh printed its own version but could not ask libvirt (no "Using library" line): the parser gives null.
const partial = parseVirshVersion('Compiled against library: libvirt 9.0.0\n');
const noLibrary = { libvirt: { version: partial.libvirt, hypervisor: partial.hypervisor } } as never;
const unasked = { libvirt: { version: null, hypervisor: null } } as never;

testRule('hypervisor.present', [
  { name: 'libvirt answers on both hosts', src: debian12, dst: ubuntu2404, status: 'pass' },
  { name: 'libvirt did not answer on the destination', src: debian12, dst: unasked, status: 'fail', messageId: 'present.failed', message: 'destination libvirt.version: not present' },
  { name: 'nor on either host: both named', src: unasked, dst: unasked, status: 'fail', message: 'source libvirt.version: not present, destination libvirt.version: not present' },
  { name: 'virsh version without a "Using library" line counts as no libvirt', src: noLibrary, dst: debian12, status: 'fail', messageId: 'present.failed' },
  { name: 'libvirt facts not collected at all: never a pass', src: debian12, dst: {}, status: 'error', messageId: 'error.fact-missing', message: /destination: fact libvirt.version was not collected/ },
  { name: 'a Xen pair is not asked about libvirt: skip', src: debian12, dst: {}, ctx: { hypervisor: 'xen' }, status: 'skip', messageId: 'skip.hypervisor' },
]);
