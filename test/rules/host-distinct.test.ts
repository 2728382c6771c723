import { testRule } from './rule-tester.js';

const key = (fp: string) => ({ ssh: { hostKey: fp } });

testRule('host.distinct', [
  { name: 'two host keys: two machines', src: key('SHA256:aaa'), dst: key('SHA256:bbb'), status: 'pass' },
  {
    name: 'one host key on both sides: one machine (or a clone)',
    src: key('SHA256:aaa'),
    dst: key('SHA256:aaa'),
    status: 'fail',
    messageId: 'disjoint.common',
    message: 'both names reach a machine with SSH host key SHA256:aaa: one machine named twice, or a clone that kept its host keys',
  },
  { name: 'applies to every mode', src: key('SHA256:aaa'), dst: key('SHA256:aaa'), ctx: { mode: 'cold' }, status: 'fail' },
  { name: 'and to Xen pairs', src: key('SHA256:aaa'), dst: key('SHA256:aaa'), ctx: { hypervisor: 'xen' }, status: 'fail' },
]);
