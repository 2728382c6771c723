import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report, RuleResult } from '../../src/types.js';
import { cli, labGate } from './helpers.js';
import { startLab, type Lab } from './lab.js';
import { XEN } from './xen-scenario.js';

const why = labGate();

/**
 * Xen pairs over real SSH. No Xen hypervisor runs on these machines: each Xen host's `xl` / `xm`
 * is a scripted stand-in printing saved outputs (real `xl info` / `xm info` outputs; `xl list`,
 * `xl list -l` and xend-config.sxp in real layouts with the lab's names). Bridges, their
 * addresses, the shared storage, the routes and the listener on xend's port are real.
 */
describe.skipIf(why !== null)('Xen pairs (scripted xl/xm stand-ins printing real outputs)', () => {
  let lab: Lab;
  const runs = new Map<string, { rep: Report; code: number | null; stdout: string }>();
  const run = async (...args: string[]): Promise<{ rep: Report; code: number | null; stdout: string }> => {
    const key = args.join(' ');
    const cached = runs.get(key);
    if (cached) return cached;
    // The JSON report on stdout, the console report on stderr.
    const json = await cli(['-F', lab.sshConfig, '--libvirt-uri', lab.libvirtUri, '--json', '-', '--quiet', ...args]);
    expect(json.stderr).not.toMatch(/MP_[A-Z_]+:/);
    const rep = JSON.parse(json.stdout) as Report;
    expect(rep.summary.exitCode).toBe(json.code);
    const out = { rep, code: json.code, stdout: json.stderr };
    runs.set(key, out);
    return out;
  };
  const res = (rep: Report, id: string): RuleResult => {
    const r = rep.results.find((x) => x.id === id);
    if (!r) throw new Error(`no result for ${id}`);
    return r;
  };
  /**
   * What xend itself decides on a lab host (connection.hostAllowed): each hosts-allow pattern tried
   * with Python's re.match on socket.getfqdn(addr) and on addr, in that host's namespaces (its
   * /etc/hosts), with the lab's own Python.
   */
  const xendDecides = (host: string, addr: string, allow: readonly string[]): { fqdn: string; allowed: boolean } => {
    const ns = lab.hosts.get(host)?.ns as string;
    const pid = execFileSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' }).trim().split('\n')[0] as string;
    const code = 'import re, socket, sys\na = sys.argv[1]\nf = socket.getfqdn(a)\nprint(f)\nprint(any(re.match(p, f) or re.match(p, a) for p in sys.argv[2:]))\n';
    const [fqdn, allowed] = execFileSync('nsenter', ['-t', pid, '-m', '-n', 'python3', '-c', code, addr, ...allow], { encoding: 'utf8' }).trim().split('\n');
    return { fqdn: fqdn as string, allowed: allowed === 'True' };
  };
  const XEN_RULES = [
    'xen.bridges', 'xen.caps', 'xen.hvm', 'xen.memory', 'xen.names-unique', 'xen.relocation', 'xen.relocation-allow', 'xen.shared-storage', 'xen.subnet', 'xen.toolstack',
    'xen.version',
  ];

  beforeAll(async () => {
    lab = await startLab(XEN);
  });
  afterAll(async () => {
    await lab?.stop();
  });

  it('recognises an xl pair and passes it on the Xen rules, the KVM ones skipped (exit 0)', async () => {
    const { rep, code, stdout } = await run('xen1', 'xen2');
    expect(code).toBe(0);
    expect(res(rep, 'hypervisor.match')).toMatchObject({ status: 'pass' });
    expect(res(rep, 'hypervisor.match').message).toMatch(/^both hosts run Xen: source Xen \(xl info: Xen 4\.13\.0-rc\)/);
    expect(rep.hosts.src.facts.hypervisor).toMatchObject({ kind: 'xen', toolstack: 'xl' });
    for (const id of XEN_RULES.filter((x) => !x.startsWith('xen.relocation'))) expect(res(rep, id).status, id).toBe('pass');
    // xl migrates over SSH: the xend rules do not apply.
    expect(res(rep, 'xen.relocation')).toMatchObject({ status: 'skip', messageId: 'skip.when' });
    for (const id of ['hypervisor.present', 'domain.names-unique', 'network.bridges', 'resources.memory', 'firewall.migration-ports', 'cpu.virt-ext']) {
      expect(res(rep, id), id).toMatchObject({ status: 'skip', messageId: 'skip.hypervisor' });
    }
    for (const id of ['cpu.arch', 'cpu.flags', 'network.reachability', 'storage.shared-mounts', 'time.skew']) expect(res(rep, id).status, id).toBe('pass');
    // The move as the source sees it: two running guests, their bridges, their disks on the sshfs mount.
    expect(rep.hosts.src.facts.xenMove).toMatchObject({ names: ['web-x', 'db-x'], memoryKiB: [1048576, 2097152], hvmDomains: ['web-x'], bridges: ['xenbr0', 'xenbr1'] });
    expect(rep.hosts.src.facts.xenMove?.disks.map((d) => [d.path, d.mount?.fstype])).toEqual([
      ['/srv/xenimg/web-x.img', 'fuse.sshfs'],
      ['/srv/xenimg/db-x.img', 'fuse.sshfs'],
    ]);
    // Every Xen probe and the detection answered (virsh is there too, with an empty test node).
    expect(rep.hosts.src.probeErrors.filter((e) => /^(xl|xend|hv)-/.test(e.probe))).toEqual([]);
    expect(Object.keys(rep.hosts.src.probes)).toEqual(expect.arrayContaining(['hv-detect', 'xl-info', 'xl-list', 'xl-list-long', 'xend-config']));
    expect(stdout).toMatch(/xen1 -> xen2, Xen \(xl\), live migration/);
    // Each moving guest gets the pair's verdict, with what it is and where its disks live.
    const shared = { shared: 1, local: 0, unknown: 0, bytesToCopy: null };
    expect(rep.domains?.map((d) => [d.name, d.verdict, d.state, d.disks])).toEqual([
      ['web-x', 'go', 'running (HVM)', shared],
      ['db-x', 'go', 'running (PV)', shared],
    ]);
    expect(stdout).toMatch(/^ {2}GO {6}web-x +1\.0 GiB, 2 vCPUs, running \(HVM\); disks: 1 on shared storage$/m);
  });

  it('fails a Xen pair for each of its reasons, every one reported at once (exit 1)', async () => {
    const { rep, code } = await run('xen1', 'xen3');
    expect(code).toBe(1);
    expect(res(rep, 'xen.version').message).toBe("the destination runs Xen 4.4.3-12.el6, older than the source's Xen 4.13.0-rc");
    expect(res(rep, 'xen.memory').message).toBe("the destination's Xen has 617.0 MiB free (xl info free_memory), the moving domains need 3.0 GiB: short by 2.4 GiB");
    expect(res(rep, 'xen.names-unique').message).toBe('the destination already has a domain named web-x');
    expect(res(rep, 'xen.bridges').message).toBe("the destination has no bridge xenbr1, which the moving domains' vifs plug into");
    expect(res(rep, 'xen.subnet').message).toBe(
      'the guests keep their addresses, but the hosts are on different subnets on the guest bridges: xenbr0: source 192.168.10.11/24, destination 192.168.20.13/24',
    );
    expect(res(rep, 'xen.shared-storage').message).toMatch(/^shared storage not mounted identically: web-x xvda \(\/srv\/xenimg\/web-x\.img\): fuse\.sshfs \S+ at \/srv\/xenimg is not mounted there on the destination; db-x xvda/);
    for (const id of ['xen.version', 'xen.memory', 'xen.names-unique', 'xen.bridges', 'xen.subnet', 'xen.shared-storage']) expect(res(rep, id).status, id).toBe('fail');
    expect(rep.domains?.map((d) => `${d.name} ${d.verdict} ${d.disks.local}`)).toEqual(['web-x no-go 0', 'db-x no-go 0']);
    // Same x86 guest types and HVM support on both.
    expect(res(rep, 'xen.caps').status).toBe('pass');
    expect(res(rep, 'xen.hvm').status).toBe('pass');
  });

  it('refuses an Arm64 Xen for x86 guests (xen_caps)', async () => {
    const { rep } = await run('xen1', 'xen6');
    expect(res(rep, 'xen.caps')).toMatchObject({ status: 'fail', severity: 'critical' });
    expect(res(rep, 'xen.caps').message).toBe(
      "source Xen runs on x86_64, destination Xen on aarch64; the destination's Xen lacks hvm-3.0-x86_32, hvm-3.0-x86_32p, hvm-3.0-x86_64, xen-3.0-x86_32p, xen-3.0-x86_64 (xen_caps), which the source offers",
    );
  });

  it('checks an xend pair: relocation server on, port 8002 reachable, allow list admitting the source by the name xend matches (exit 0)', async () => {
    const { rep, code } = await run('xen4', 'xen5');
    expect(code).toBe(0);
    expect(rep.hosts.src.facts.hypervisor).toMatchObject({ kind: 'xen', toolstack: 'xm' });
    expect(res(rep, 'xen.toolstack').status).toBe('pass');
    expect(res(rep, 'xen.relocation')).toMatchObject({ status: 'pass' });
    expect(res(rep, 'xen.relocation-allow')).toMatchObject({ status: 'pass' });
    expect(rep.hosts.src.facts.peer?.xendTcp).toEqual([{ port: 8002, state: 'open' }]);
    // xen5 looked xen4's address up in its second exec, as xend does: its /etc/hosts says "ADDR xen4.lab xen4".
    const addr = rep.hosts.src.facts.peer?.srcAddr as string;
    expect(addr).toBe(lab.hosts.get('xen4')?.ip);
    expect(rep.hosts.dst.facts.xen?.relocationPeer).toEqual({ address: addr, names: ['xen4.lab', 'xen4'], fqdn: 'xen4.lab' });
    expect(rep.hosts.dst.probes['xend-peer-name']?.exitCode).toBe(0);
    expect(rep.hosts.dst.probeErrors.filter((e) => e.probe === 'xend-peer-name')).toEqual([]);
    // The verdict is xend's own: Python's getfqdn and re.match in xen5's namespace admit xen4 too.
    expect(xendDecides('xen5', addr, rep.hosts.dst.facts.xen?.xend?.relocationHostsAllow ?? [])).toEqual({ fqdn: 'xen4.lab', allowed: true });
  });

  it("refuses an xend pair whose allow list names the source's uname -n, not the name xend matches (exit 1)", async () => {
    const { rep, code } = await run('xen4', 'xen7');
    expect(code).toBe(1);
    const addr = rep.hosts.src.facts.peer?.srcAddr as string;
    const esc = addr.replace(/\./g, '\\.');
    expect(res(rep, 'xen.relocation')).toMatchObject({ status: 'fail', severity: 'critical', messageId: 'xend.not-allowed' });
    expect(res(rep, 'xen.relocation').message).toBe(
      `xend-relocation-hosts-allow '^xen4$ ^localhost$ ^localhost\\.localdomain$' admits neither the source's address ${addr} nor xen4.lab, the name xend matches: the destination resolves ${addr} to xen4.lab xen4 (getent hosts; socket.getfqdn takes the first with a dot, else the first); it admits the source's own name xen4, which xend never matches; xend rejects the connection (admit ^xen4\\.lab$ or ^${esc}$)`,
    );
    // The port answers and the list is not empty: only the allow list refuses.
    expect(rep.hosts.src.facts.peer?.xendTcp).toEqual([{ port: 8002, state: 'open' }]);
    expect(res(rep, 'xen.relocation-allow').status).toBe('pass');
    // And xend itself would refuse: Python's getfqdn gives xen4.lab, which '^xen4$' does not match.
    expect(xendDecides('xen7', addr, rep.hosts.dst.facts.xen?.xend?.relocationHostsAllow ?? [])).toEqual({ fqdn: 'xen4.lab', allowed: false });
    expect(rep.domains?.map((d) => `${d.name} ${d.verdict}`)).toEqual(['mail-x no-go']);
  });

  it('fails an xend destination that admits every host and does not listen', async () => {
    const { rep, code } = await run('xen5', 'xen4');
    expect(code).toBe(1);
    expect(res(rep, 'xen.relocation')).toMatchObject({ status: 'fail', messageId: 'xend.refused' });
    expect(res(rep, 'xen.relocation').message).toMatch(/^nothing listens on port 8002 of the destination/);
    expect(res(rep, 'xen.relocation-allow')).toMatchObject({ status: 'fail', severity: 'major' });
    expect(res(rep, 'xen.relocation-allow').message).toMatch(/xend-relocation-hosts-allow is empty on the destination: any host that reaches its port may push a domain to it/);
  });

  it('refuses an xl-to-xend pair (different toolstacks)', async () => {
    const { rep } = await run('xen1', 'xen5');
    expect(res(rep, 'xen.toolstack')).toMatchObject({ status: 'fail', severity: 'critical' });
    expect(res(rep, 'xen.toolstack').message).toMatch(/^the source migrates with xl, the destination with xm/);
  });

  it('refuses a KVM-to-Xen pair with a clear message, every other rule skipped (exit 1)', async () => {
    for (const [src, dst] of [
      ['kvm1', 'xen1'],
      ['xen1', 'kvm1'],
    ] as const) {
      const { rep, code, stdout } = await run(src, dst);
      expect(code).toBe(1);
      const m = res(rep, 'hypervisor.match');
      expect(m).toMatchObject({ status: 'fail', severity: 'critical', messageId: 'hypervisor.mismatch' });
      const kvm = 'KVM (/dev/kvm present; libvirt driver: TEST)';
      const xen = 'Xen (xl info: Xen 4.13.0-rc)';
      expect(m.message).toBe(`the source runs ${src === 'kvm1' ? kvm : xen} and the destination runs ${dst === 'kvm1' ? kvm : xen}: no live or cold migration between different hypervisors`);
      expect(rep.results.filter((r) => r.id !== 'hypervisor.match').every((r) => r.status === 'skip' && r.messageId === 'skip.refused')).toBe(true);
      expect(stdout).toContain('no live or cold migration between different hypervisors');
    }
  });

  it('--hypervisor kvm on a Xen pair is refused; --hypervisor xen runs no libvirt probe but the version', async () => {
    const forced = await run('--hypervisor', 'kvm', 'xen1', 'xen2');
    expect(res(forced.rep, 'hypervisor.match').message).toMatch(/^--hypervisor kvm, but the source runs Xen .* and the destination runs Xen/);
    expect(forced.code).toBe(1);
    const xen = await run('--hypervisor', 'xen', 'xen1', 'xen2');
    expect(xen.code).toBe(0);
    // Only what tells the hypervisors apart.
    expect(Object.keys(xen.rep.hosts.src.probes).filter((p) => p.startsWith('virsh'))).toEqual(['virsh-version']);
    expect(res(xen.rep, 'xen.memory').status).toBe('pass');
  });
});
