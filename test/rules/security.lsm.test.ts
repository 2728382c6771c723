import { parseLsm } from '../../src/checks/probes/system/host.js';
import { testRule } from './rule-tester.js';

// The lsm probe's three lines (/sys/kernel/security/lsm, /sys/fs/selinux/enforce, apparmor's enabled) as the stock
// kernels print them (test/unit/system.test.ts).
const lsm = (text: string) => ({ security: parseLsm(text) });
const el9 = lsm('lsm=lockdown,capability,landlock,yama,selinux,bpf\nselinux=1\napparmor=\n');
const el9Permissive = lsm('lsm=lockdown,capability,landlock,yama,selinux,bpf\nselinux=0\napparmor=\n');
const ubuntu = lsm('lsm=lockdown,capability,landlock,yama,apparmor,ima,evm\nselinux=\napparmor=Y\n');
const ubuntuNoAppArmor = lsm('lsm=lockdown,capability,landlock,yama,ima,evm\nselinux=\napparmor=N\n');
// The lab machine's kernel: no securityfs, no selinuxfs, no AppArmor module ('-': the file is not there).
const neither = lsm('lsm=\nselinux=-\napparmor=-\n');
// A RHEL 6 host (2.6.32, no lsm file; the probe reads /selinux/enforce there): SELinux enforcing, no AppArmor.
const el6 = lsm('lsm=\nselinux=1\napparmor=-\n');

testRule('security.lsm', [
  { name: 'SELinux enforcing on both passes', src: el9, dst: el9, status: 'pass' },
  { name: 'AppArmor on both passes', src: ubuntu, dst: ubuntu, status: 'pass' },
  { name: 'SELinux enforcing to permissive fails', src: el9, dst: el9Permissive, status: 'fail', messageId: 'equal.differs', message: 'SELinux: source enforcing, destination permissive' },
  { name: 'AppArmor on to off fails', src: ubuntu, dst: ubuntuNoAppArmor, status: 'fail', messageId: 'equal.differs', message: 'AppArmor: source enabled, destination disabled' },
  {
    name: 'SELinux host to AppArmor host fails on both modules',
    src: el9,
    dst: ubuntu,
    status: 'fail',
    messageId: 'equal.differs',
    message: 'SELinux: source enforcing, destination disabled; AppArmor: source disabled, destination enabled',
  },
  { name: 'a cold move is still compared (as a minor finding)', src: el9, dst: el9Permissive, ctx: { mode: 'cold' }, status: 'fail' },
  { name: 'no LSM on either host (no selinuxfs, no AppArmor module): the same, pass', src: neither, dst: neither, status: 'pass' },
  { name: 'RHEL 6 enforcing to a host without SELinux fails', src: el6, dst: neither, status: 'fail', messageId: 'equal.differs', message: 'SELinux: source enforcing, destination disabled' },
  { name: 'RHEL 6 enforcing to EL9 enforcing passes (AppArmor off on both)', src: el6, dst: el9, status: 'pass' },
  { name: "the destination's LSMs not collected: error", src: el9, dst: {}, status: 'error', messageId: 'error.fact-missing', message: 'destination: fact security.selinux was not collected' },
]);
