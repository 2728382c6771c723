import type { HostSpec, Scenario } from './lab.js';
import { cpuinfo, nodeXml } from './scenarios.js';

const XEON_V4 = 'xeon-e5-2690v4-bl460-excerpt.cpuinfo';
const LAB_VM = 'lab-machine-xeon-2core.cpuinfo';
const SHARED = { from: 'fnas', export: 'vmstore', at: '/srv/vmstore' } as const;

const uuid = (i: number, k = 0): string => `f1ee7000-0000-4000-8000-${String(i * 10 + k).padStart(12, '0')}`;

/**
 * A fleet of `n` hypervisors (f1..fn, n >= 6) and a file server, alike but for deliberate faults:
 * - f2 has no br0: it cannot take guests (their NICs plug into br0), but its own move out.
 * - f3 drops QEMU's migration ports: nothing can migrate to it.
 * - f4 calls itself localhost (uname -n): libvirt refuses to hand that name out, nothing can migrate to it.
 * - f5 runs no sshd: every pair with it is incomplete.
 * - f6 has a shut-off domain named like f1's running one: f1 cannot move to f6 (names clash),
 *   f6 moves to f1 fine (its dup-vm does not move).
 * Every host runs one guest of its own, on storage shared by all (sshfs from fnas). Their sshd keeps
 * its default MaxStartups (the lab's others allow 200 at once).
 */
export function fleetScenario(n: number): Scenario {
  if (n < 6) throw new Error('fleetScenario: at least 6 hosts');
  const host = (i: number): HostSpec => {
    const name = `f${i}`;
    const doms = [{ name: `${name}-vm`, uuid: uuid(i), memMiB: 512, disks: [`/srv/vmstore/${name}.qcow2`] }];
    if (i === 1) doms.push({ name: 'dup-vm', uuid: uuid(i, 1), memMiB: 512, disks: ['/srv/vmstore/dup.qcow2'] });
    const spec: HostSpec = {
      name,
      cpuinfo: cpuinfo(XEON_V4),
      bridges: i === 2 ? ['br1'] : ['br0'],
      mounts: [SHARED],
      nodeXml: nodeXml(i === 6 ? [...doms, { name: 'dup-vm', uuid: uuid(i, 1), state: 'shutoff' as const }] : doms),
      // sshd's own MaxStartups (10:30:100), as on a real host: every host tests every other's SSH port.
      maxStartups: 'default',
    };
    if (i === 3) {
      return {
        ...spec,
        nft: 'table inet filter {\n  chain input {\n    type filter hook input priority filter; policy accept;\n    tcp dport 49152-49215 drop\n  }\n}\n',
      };
    }
    if (i === 4) return { ...spec, unameHostname: 'localhost' };
    if (i === 5) return { ...spec, noSshd: true };
    return spec;
  };
  return {
    hosts: [{ name: 'fnas', cpuinfo: cpuinfo(LAB_VM), nodeXml: nodeXml([]), exports: ['vmstore'] }, ...Array.from({ length: n }, (_, k) => host(k + 1))],
  };
}

/** What the fleet's matrix must say for fi -> fj (1-based), given the faults above. */
export function expectedVerdict(i: number, j: number): 'go' | 'no-go' | 'incomplete' {
  if (i === 5 || j === 5) return 'incomplete';
  if (j === 2 || j === 3 || j === 4) return 'no-go';
  if (i === 1 && j === 6) return 'no-go';
  return 'go';
}
