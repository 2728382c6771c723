import { testRule } from './rule-tester.js';

const uuid = (u: string | null) => ({ host: { uuid: u } });

testRule('host.uuid-distinct', [
  { name: 'different UUIDs pass', src: uuid('5b1f0c1e-2a9d-4f7e-8c3b-6a5d4e3f2a10'), dst: uuid('0d7a3c8e-1b2f-4e5d-9a6c-7b8e9f0a1b2c'), status: 'pass' },
  { name: 'the same UUID: libvirt refuses', src: uuid('5b1f0c1e-2a9d-4f7e-8c3b-6a5d4e3f2a10'), dst: uuid('5b1f0c1e-2a9d-4f7e-8c3b-6a5d4e3f2a10'), status: 'fail', messageId: 'disjoint.common', message: /libvirt refuses to migrate to a host with the source's UUID/ },
  { name: 'no UUID at all fails as such', src: uuid(null), dst: uuid('0d7a3c8e-1b2f-4e5d-9a6c-7b8e9f0a1b2c'), status: 'fail', messageId: 'present.failed' },
  { name: 'a cold move is not compared: skip', src: uuid('x'), dst: uuid('x'), ctx: { mode: 'cold' }, status: 'skip' },
]);
