/**
 * Round 2 is planned from the peers' probes that round-2 plans declare they read (Probe.peerReads),
 * as soon as those are in, not from the peers' whole first round. The property: on real reports
 * (the lab's, and an xm host from real xm/xend outputs), in every mode and for each host's role,
 * planning from only those probes' outputs gives the same round 2 as planning from all of them.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildFacts, peerProbesRead, PROBES, probesOf, secondRound, selfProbesRead, type HostRole, type PlanSettings, type ProbeContext } from '../../src/checks/probes/index.js';
import { MODES } from '../../src/checks/vocabulary.js';
import type { HostReport, ProbeOutput } from '../../src/types.js';

const report = (name: string): { src: HostReport; dst: HostReport } => JSON.parse(readFileSync(new URL(`../fixtures/reports/${name}.json`, import.meta.url), 'utf8')).hosts;
const xen = (name: string): string => readFileSync(new URL(`../fixtures/xen/${name}`, import.meta.url), 'utf8');
const out = (stdout: string): ProbeOutput => ({ command: 'x', exitCode: 0, stdout, stderr: '', sha256: '0'.repeat(64), durationMs: 1 });

// An xm host (real xm info, xm list -l and xend-config.sxp outputs) whose xend relocation server listens, with the
// lab source's real route to its destination (peer.srcAddr): as a destination, it looks that address up (xend-peer-name).
const XM: Record<string, ProbeOutput> = {
  'peer-route': report('clean').src.probes['peer-route'] as ProbeOutput,
  hostname: out('xen5\n'),
  'hv-detect': out('xl=\nxm=/usr/sbin/xm\nvirsh=\nkvm=no\nsys_hypervisor=xen\nxen_capabilities=control_d\n'),
  'xl-info': out(xen('xm-info-4.2.1-centos6.txt')),
  'xl-list': out(xen('xm-list-4.4.3-centos6-deprecated-warning.txt')),
  'xl-list-long': out(xen('xm-list-l-3.3.1-centos5-pv-phy.txt')),
  'xend-config': out(xen('xend-config-3.1-ubuntu-relocation-hosts-allow.txt')),
  mounts: out('nas:/export/xen /srv/xen nfs4 rw,relatime,vers=4.2 0 0\n'),
};

// The lab's xm stand-in (test/lab/xen-scenario.ts) on a KVM machine with libvirt: only `xm info` says Xen runs.
const XM_VIRSH: Record<string, ProbeOutput> = {
  ...XM,
  'hv-detect': out('xl=\nxm=/usr/local/sbin/xm\nvirsh=/usr/bin/virsh\nkvm=yes\nsys_hypervisor=\nxen_capabilities=\n'),
  'virsh-version': out(readFileSync(new URL('../fixtures/libvirt-qemu/virsh-version.txt', import.meta.url), 'utf8')),
};

const PAIRS: { name: string; src: Record<string, ProbeOutput>; dst: Record<string, ProbeOutput> }[] = [
  ...['clean', 'problems', 'baseline'].map((n) => ({ name: n, src: report(n).src.probes, dst: report(n).dst.probes })),
  { name: 'xm to xm', src: XM, dst: XM },
  { name: 'xm to xm, Xen known from xm info alone', src: XM_VIRSH, dst: XM_VIRSH },
];
const SETTINGS: PlanSettings = { hypervisor: 'auto', without: [] };
const CTX: ProbeContext = { libvirtUri: 'test:///default', transport: 'ssh', saveDir: '/var/lib/libvirt/save', domains: [], peer: { host: 'peer', sshPort: 22 } };
const ROLES: [string, HostRole][] = [
  ['source', { src: true, dst: false, peers: 1 }],
  ['destination', { src: false, dst: true, peers: 1 }],
];
const only = (outputs: Record<string, ProbeOutput>, ids: readonly string[]): Record<string, ProbeOutput> => Object.fromEntries(Object.entries(outputs).filter(([id]) => ids.includes(id)));

describe('round 2 planned from the peer probes it reads', () => {
  it('every peer-reading round-2 probe declares what it reads, and each read (of the peers or of itself) is a fact some round-1 probe provides', () => {
    const provided = Object.values(PROBES).filter((p) => (p.round ?? 1) === 1).flatMap((p) => p.provides);
    for (const p of Object.values(PROBES)) {
      if ((p.round ?? 1) === 2 && p.peer === 'one') expect(p.peerReads, p.id).toBeDefined();
      for (const r of [...(p.peerReads ?? []), ...(p.selfReads ?? [])]) expect(provided.some((x) => x === r || x.startsWith(`${r}.`) || r.startsWith(`${x}.`)), `${p.id} reads ${r}`).toBe(true);
    }
  });

  for (const pair of PAIRS)
    for (const [roleName, role] of ROLES)
      it(`${pair.name}, the ${roleName}: the same round 2 in every mode from only its own probes that round 2 reads (Probe.selfReads)`, () => {
        const self = role.src ? pair.src : pair.dst;
        const peer = role.src ? pair.dst : pair.src;
        const reads = selfProbesRead(role, SETTINGS);
        expect(reads.length).toBeLessThan(probesOf(role, 1, SETTINGS).length);
        const plans = MODES.map((mode) => {
          const known = (facts: Record<string, ProbeOutput>) => ({ self: buildFacts(facts).facts, peers: [{ host: 'peer', sshPort: 22, facts: buildFacts(peer).facts }], mode, domains: [] });
          const full = secondRound(role, SETTINGS, CTX, known(self));
          expect(secondRound(role, SETTINGS, CTX, known(only(self, reads))), mode).toEqual(full);
          return full.ids;
        });
        // Not vacuous: the source sizes its disks (the lab's reports), an xm destination looks the source up.
        const xm = pair.name.startsWith('xm to xm');
        if (!xm && role.src) expect(plans.flat()).toContain('disk-sizes');
        if (xm && role.dst) expect(plans.flat()).toContain('xend-peer-name');
      });

  for (const pair of PAIRS)
    for (const [roleName, role] of ROLES)
      it(`${pair.name}, the ${roleName}: the same round 2 in every mode`, () => {
        const self = role.src ? pair.src : pair.dst;
        const peer = role.src ? pair.dst : pair.src;
        const reads = peerProbesRead(role, SETTINGS);
        expect(reads.length).toBeGreaterThan(0);
        // Fewer probes than the peer's whole round 1: that is the point.
        expect(reads.length).toBeLessThan(probesOf({ src: !role.src, dst: !role.dst, peers: 1 }, 1, SETTINGS).length);
        const plans = MODES.map((mode) => {
          const known = (facts: Record<string, ProbeOutput>) => ({ self: buildFacts(self).facts, peers: [{ host: 'peer', sshPort: 22, facts: buildFacts(facts).facts }], mode, domains: [] });
          const full = secondRound(role, SETTINGS, CTX, known(peer));
          expect(secondRound(role, SETTINGS, CTX, known(only(peer, reads))), mode).toEqual(full);
          return full.ids;
        });
        // The comparison is not vacuous: some mode plans a probe that reads the peer.
        expect(plans.flat().some((id) => PROBES[id].peerReads !== undefined), 'a peer-reading probe planned').toBe(true);
        // Both of an xm pair's peer-reading probes are planned: the source's TCP connect to xend's port, the destination's lookup of the source's address.
        if (pair.name.startsWith('xm to xm')) expect(plans.flat(), roleName).toContain(role.src ? 'xend-tcp' : 'xend-peer-name');
      });
});
