import { describe, expect, it } from 'vitest';
import { evaluateRule } from '../../src/checks/evaluate.js';
import { readsOf, whose } from '../../src/checks/fact-path.js';
import type { RuleSpec } from '../../src/checks/rule-schema.js';
import type { HostFacts, HostReport } from '../../src/types.js';

const CTX = { hypervisor: 'kvm', transport: 'ssh', mode: 'live', dstSshPort: 22 } as const;
const host = (facts: HostFacts): HostReport => ({ target: 'h', connection: null, hostname: 'h', reachable: true, error: null, hostKey: null, facts, probes: {}, probeErrors: [] });
const rule = (r: Partial<RuleSpec> & Pick<RuleSpec, 'assert'>): RuleSpec => ({ id: 't.x', title: 't', severity: 'major', ...r });
const ev = (r: RuleSpec, src: unknown, dst: unknown) => evaluateRule(r, { src: host(src as HostFacts), dst: host(dst as HostFacts) }, CTX);
const view = (r: ReturnType<typeof ev>) => ({ status: r.status, message: r.message, messageId: r.messageId, data: r.data, evidence: r.evidence });

describe('fact paths that say whose fact they read (src., dst., move., pair.)', () => {
  it('resolves the qualifiers; an unqualified path keeps the side it is given', () => {
    expect(whose('move.blockers')).toEqual({ side: 'src', path: 'migration.blockers' });
    expect(whose('pair.controlReachable')).toEqual({ side: 'src', path: 'peer.controlReachable' });
    expect(whose('dst.libvirt.hypervisor.name')).toEqual({ side: 'dst', path: 'libvirt.hypervisor.name' });
    expect(whose('migration.blockers')).toBeNull();
    expect(readsOf('cpu.vendor', undefined)).toEqual([{ side: 'src', path: 'cpu.vendor' }, { side: 'dst', path: 'cpu.vendor' }]);
    expect(readsOf('src.cpu.vendor', 'both')).toEqual([{ side: 'src', path: 'cpu.vendor' }]);
  });

  const src = { migration: { blockers: ['snapshots'] }, peer: { controlReachable: false }, libvirt: { hypervisor: { name: 'QEMU' } } };
  const dst = { migration: { blockers: [] }, libvirt: { hypervisor: { name: 'Xen' } } };

  it('a qualified path gives the same result as side + plain path, message and evidence included', () => {
    const pairs: [RuleSpec, RuleSpec][] = [
      [rule({ assert: { op: 'empty', path: 'move.blockers' } }), rule({ assert: { op: 'empty', side: 'src', path: 'migration.blockers' } })],
      [rule({ assert: { op: 'in', path: 'pair.controlReachable', values: [true] } }), rule({ assert: { op: 'in', side: 'src', path: 'peer.controlReachable', values: [true] } })],
      [
        rule({ when: { path: 'dst.libvirt.hypervisor.name', in: ['QEMU'] }, assert: { op: 'equal', path: 'x' } }),
        rule({ when: { side: 'dst', path: 'libvirt.hypervisor.name', in: ['QEMU'] }, assert: { op: 'equal', path: 'x' } }),
      ],
      [rule({ assert: { op: 'subset', src: 'move.blockers', dst: 'dst.migration.blockers' } }), rule({ assert: { op: 'subset', src: 'migration.blockers', dst: 'migration.blockers' } })],
    ];
    for (const [qualified, plain] of pairs) {
      const a = ev(qualified, src, dst);
      expect(a.status).not.toBe('pass');
      expect(view(a)).toEqual(view(ev(plain, src, dst)));
    }
  });

  it('a missing qualified fact is reported on the host it names', () => {
    const r = ev(rule({ assert: { op: 'present', path: 'dst.storage.saveDir' } }), src, dst);
    expect(r).toMatchObject({ status: 'error', messageId: 'error.fact-missing', data: { side: 'dst', path: 'storage.saveDir' } });
  });
});
