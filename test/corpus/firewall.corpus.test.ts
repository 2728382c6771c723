/**
 * The firewall parsers and evaluateInbound against real rulesets, read in place from the shared
 * corpus (/work/shared/corpus/firewall; sources in SOURCES.md section 5): `nft list ruleset` from
 * a RHEL 8 firewalld+libvirt host and from nftables' own test dumps, `iptables-save` from RHEL 6,
 * a 2003 router, a 2017 VPN box, Fedora 27 firewalld, iptables-nft, ip6tables-save, plus the
 * `nft -j` JSON and firewall-cmd outputs that are not rulesets. Expected verdicts were worked out
 * by reading each ruleset by hand.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { corpusDirs } from './corpus-dir.js';
import { ParseError } from '../../src/checks/probes/parse-error.js';
import {
  evaluateInbound,
  parseIptablesSave,
  parseNftRuleset,
  portsFor,
  type FirewallRuleset,
  type InboundQuery,
  type InboundResult,
} from '../../src/checks/probes/firewall/index.js';

const { dirs: [FW_DIR = ''], present: PRESENT } = corpusDirs('firewall', 'firewall');

const read = (file: string): string => readFileSync(`${FW_DIR}${file}`, 'utf8');
const nft = (file: string): FirewallRuleset => parseNftRuleset(read(file));
const ipt = (file: string): FirewallRuleset => parseIptablesSave(read(file));
const ask = (rs: FirewallRuleset, srcAddr: string, dport: number, more: Partial<InboundQuery> = {}): InboundResult =>
  evaluateInbound(rs, { srcAddr, dport, proto: 'tcp', ...more });

describe.skipIf(!PRESENT)('firewall corpus: nft list ruleset', () => {
  describe('RHEL 8 firewalld (nftables backend, zones public + libvirt) with libvirt iptables-nft tables', () => {
    const F = 'insights-nft-list-ruleset-firewalld-libvirt.nft';

    it('parses every table, with hooks, priorities and policies', () => {
      const rs = parseNftRuleset(read(F));
      expect(rs.tables.map((t) => `${t.family} ${t.name}`)).toEqual([
        'ip filter', 'ip6 filter', 'bridge filter', 'ip security', 'ip raw', 'ip mangle', 'ip nat',
        'ip6 security', 'ip6 raw', 'ip6 mangle', 'ip6 nat', 'bridge nat', 'inet firewalld', 'ip firewalld', 'ip6 firewalld',
      ]);
      const fw = rs.tables.find((t) => t.family === 'inet' && t.name === 'firewalld');
      const input = fw?.chains.find((c) => c.name === 'filter_INPUT');
      expect(input?.hook).toEqual({ type: 'filter', hook: 'input', priority: 10, priorityText: '10', policy: 'accept', devices: [] });
      expect(input?.rules.map((r) => r.text)).toEqual([
        'ct state established,related accept',
        'iifname "lo" accept',
        'jump filter_INPUT_ZONES_SOURCE',
        'jump filter_INPUT_ZONES',
        'ct state invalid drop',
        'reject with icmpx type admin-prohibited',
      ]);
      expect(fw?.chains.find((c) => c.name === 'filter_IN_public_allow')?.rules.map((r) => r.text)).toEqual([
        'tcp dport ssh ct state new,untracked accept',
        'ip6 daddr fe80::/64 udp dport dhcpv6-client ct state new,untracked accept',
        'tcp dport 9090 ct state new,untracked accept',
      ]);
      expect(fw?.chains.find((c) => c.name === 'filter_INPUT_ZONES')?.hook).toBeNull();
      expect(rs.tables.find((t) => t.family === 'ip' && t.name === 'mangle')?.chains.find((c) => c.name === 'INPUT')?.hook?.priority).toBe(-150);
    });

    it('ssh (22) is admitted from anywhere, whichever zone the interface is in', () => {
      const rs = nft(F);
      expect(ask(rs, '198.51.100.7', 22)).toMatchObject({ verdict: 'accept', chain: 'inet firewalld filter_IN_public_allow', rule: 'tcp dport ssh ct state new,untracked accept' });
      expect(ask(rs, '198.51.100.7', 22, { iif: 'virbr0' })).toMatchObject({ verdict: 'accept', chain: 'inet firewalld filter_IN_libvirt_allow', rule: 'tcp dport ssh ct state new,untracked accept' });
    });

    it('QEMU migration data (49152, 49215), libvirtd tcp/tls and Xen relocation are rejected by the zone fallback', () => {
      const rs = nft(F);
      for (const port of [49152, 49215, 16509, 16514, 8002]) {
        const r = ask(rs, '198.51.100.7', port);
        expect({ port, ...r }).toMatchObject({ port, verdict: 'reject', chain: 'inet firewalld filter_INPUT', rule: 'reject with icmpx type admin-prohibited' });
      }
      // From a guest on virbr0 the libvirt zone's own final reject decides.
      expect(ask(rs, '192.168.122.50', 49152, { iif: 'virbr0' })).toMatchObject({ verdict: 'reject', chain: 'inet firewalld filter_IN_libvirt_post', rule: 'reject' });
    });

    it('cockpit (9090) is open in zone public only: unknown without the interface, decided with it', () => {
      const rs = nft(F);
      const r = ask(rs, '198.51.100.7', 9090);
      expect(r.verdict).toBe('unknown');
      expect(r.rule).toMatch(/^iifname "(enp0s8|enp0s3|virbr0)"/);
      expect(r.reason).toMatch(/give the input interface \(iif\)/);
      expect(ask(rs, '198.51.100.7', 9090, { iif: 'enp0s3' })).toMatchObject({ verdict: 'accept', rule: 'tcp dport 9090 ct state new,untracked accept' });
      expect(ask(rs, '198.51.100.7', 9090, { iif: 'eth7' })).toMatchObject({ verdict: 'accept' }); // default zone public
      expect(ask(rs, '198.51.100.7', 9090, { iif: 'virbr0' })).toMatchObject({ verdict: 'reject', rule: 'reject' });
    });

    it('DNS from a guest on virbr0 is accepted first by libvirt\'s ip filter table, then by firewalld', () => {
      const rs = nft(F);
      expect(ask(rs, '192.168.122.50', 53, { iif: 'virbr0' })).toMatchObject({
        verdict: 'accept',
        chain: 'ip filter INPUT',
        rule: 'iifname "virbr0" meta l4proto tcp tcp dport 53 counter packets 0 bytes 0 accept',
      });
      expect(ask(rs, '198.51.100.7', 53, { iif: 'enp0s3' })).toMatchObject({ verdict: 'reject' });
    });

    it('IPv6 sources meet the reverse-path filter (fib): unknown, naming it', () => {
      const r = ask(nft(F), '2001:db8::7', 22);
      expect(r).toMatchObject({ verdict: 'unknown', chain: 'inet firewalld raw_PREROUTING', rule: 'meta nfproto ipv6 fib saddr . iif oif missing drop' });
      expect(r.reason).toContain('fib saddr . iif oif missing');
    });
  });

  describe('iptables-nft test ruleset (nft-native-ruleset.nft) and its iptables-nft-save twin', () => {
    it('parses named priorities and rules as printed, blank and comment lines skipped', () => {
      const rs = parseNftRuleset(read('nft-native-ruleset.nft'));
      const [input, forward] = rs.tables[0]?.chains ?? [];
      expect(input?.hook).toMatchObject({ hook: 'input', priority: 0, priorityText: 'filter', policy: 'accept' });
      expect(forward?.hook).toMatchObject({ hook: 'forward', policy: 'accept' }); // no policy printed: accept
      expect(input?.rules).toHaveLength(18);
      expect(input?.rules[0]).toEqual({ text: 'ip saddr 1.2.3.4 tcp dport 23 accept', line: 5 });
      expect(forward?.rules.map((r) => r.text)).toEqual([
        'limit rate 10/day counter',
        'udp dport 42 counter',
        'meta iif "lo" oifname "lo*" log group 1 prefix "should use NFLOG" queue-threshold 42 snaplen 123',
      ]);
    });

    it('exact verdicts: saddr+dport accept, sport/flags modelled for a SYN, ttl undecidable', () => {
      for (const rs of [nft('nft-native-ruleset.nft'), ipt('iptables-nft-save.iptables-save')]) {
        expect(ask(rs, '1.2.3.4', 23).verdict).toBe('accept');
        // `tcp sport 1024-65535 ... tcp flags syn / syn,ack`: an ephemeral-port SYN matches.
        expect(ask(rs, '1.9.9.9', 443, { dstAddr: '0.0.0.0' }).verdict).toBe('accept');
        // Addressed above 0.0.0.0/1..0.0.0.0/4 and 8.0.0.0/5..10.0.0.0/7: nothing matches, policy accept.
        expect(ask(rs, '198.51.100.7', 22, { dstAddr: '192.168.1.10' })).toMatchObject({ verdict: 'accept', rule: null });
        // Without the destination address the `ip ttl 1 drop` rule may apply, and ttl is not known.
        const u = ask(rs, '198.51.100.7', 22);
        expect(u.verdict).toBe('unknown');
        expect(u.rule).toMatch(/ttl/);
      }
      expect(ask(nft('nft-native-ruleset.nft'), '1.2.3.4', 23).rule).toBe('ip saddr 1.2.3.4 tcp dport 23 accept');
      expect(ask(ipt('iptables-nft-save.iptables-save'), '1.2.3.4', 23).rule).toBe('-A INPUT -s 1.2.3.4/32 -p tcp -m tcp --dport 23 -j ACCEPT');
      expect(ask(nft('nft-native-ruleset.nft'), '198.51.100.7', 22, { dstAddr: '10.1.2.3' })).toMatchObject({ verdict: 'unknown', rule: 'ip daddr 0.0.0.0/1 ip ttl 1 drop' });
    });

    it('the nft listing and its iptables-nft-save twin agree on every verdict', () => {
      const a = nft('nft-native-ruleset.nft');
      const b = ipt('iptables-nft-save.iptables-save');
      for (const src of ['1.2.3.4', '1.2.3.9', '1.9.9.9', '198.51.100.7']) {
        for (const port of [22, 23, 443, 49152]) {
          for (const dstAddr of [undefined, '0.0.0.0', '9.1.1.1', '10.1.1.1', '192.168.1.10']) {
            const q = dstAddr ? { dstAddr } : {};
            expect({ src, port, dstAddr, v: ask(a, src, port, q).verdict }).toEqual({ src, port, dstAddr, v: ask(b, src, port, q).verdict });
          }
        }
      }
    });
  });

  describe('nftables shell-test dumps', () => {
    it('chains only, no base chain (0001jumps): accept by default, and the reason says so', () => {
      const rs = parseNftRuleset(read('nftables-chains_dumps_0001jumps_0.nft'));
      expect(rs.tables[0]?.chains).toHaveLength(16);
      expect(rs.tables[0]?.chains.every((c) => c.hook === null)).toBe(true);
      expect(ask(rs, '198.51.100.7', 49152)).toEqual({ verdict: 'accept', chain: null, rule: null, reason: expect.stringMatching(/no base chain .* input hook .*accepts .* by default/) });
    });

    it('postrouting NAT only (0047nat): nothing on the inbound path', () => {
      const rs = parseNftRuleset(read('nftables-sets_dumps_0047nat_0.nft'));
      expect(rs.tables[0]?.sets[0]).toMatchObject({ name: 'y', kind: 'map', flags: ['interval'] });
      expect(rs.tables[0]?.sets[0]?.elements).toEqual(['10.141.10.0/24 : 192.168.2.2-192.168.2.4', '10.141.11.0/24 : 192.168.4.2/31', '10.141.12.0/24 : 192.168.5.10-192.168.5.20']);
      expect(ask(rs, '198.51.100.7', 22)).toMatchObject({ verdict: 'accept', rule: null, reason: expect.stringMatching(/no base chain/) });
    });

    it('named counters and quotas (0024named_objects): a quota only matters for sources in its map', () => {
      const rs = parseNftRuleset(read('nftables-sets_dumps_0024named_objects_0.nft'));
      expect(rs.tables[0]?.sets.map((s) => `${s.kind} ${s.name}`)).toEqual(['set y', 'map test']);
      expect(ask(rs, '198.51.100.7', 22)).toMatchObject({ verdict: 'accept', rule: null });
      expect(ask(rs, '192.168.2.2', 22)).toMatchObject({ verdict: 'unknown', chain: 'inet x y', rule: 'quota name ip saddr map @test drop' });
      expect(ask(rs, '2001:db8::7', 22).verdict).toBe('accept'); // `ip saddr` never matches IPv6
    });

    it('DNAT in prerouting (maps nat_addr_port): unknown unless the interface skips it', () => {
      const rs = parseNftRuleset(read('nftables-maps_dumps_nat_addr_port.nft'));
      const r = ask(rs, '198.51.100.7', 22);
      expect(r).toMatchObject({ verdict: 'unknown', chain: 'ip ipfoo c', rule: 'dnat to ip daddr map @x' });
      expect(r.reason).toMatch(/not understood/);
      expect(ask(rs, '198.51.100.7', 22, { iif: 'eth0' })).toMatchObject({ verdict: 'accept', rule: 'iifname != "foobar" accept' });
      expect(ask(rs, '198.51.100.7', 22, { iif: 'foobar' }).verdict).toBe('unknown');
      expect(ask(rs, '2001:db8::7', 22, { iif: 'foobar' })).toMatchObject({ verdict: 'unknown', chain: 'ip6 ip6foo c', rule: 'dnat to ip6 daddr map @x' });
    });
  });

  it('nft -j (JSON) output is not supported: a clear ParseError, not a guess', () => {
    const text = read('insights-nft-j-list-ruleset.json');
    expect(() => parseNftRuleset(text)).toThrow(ParseError);
    expect(() => parseNftRuleset(text)).toThrow(/JSON output .*nft -j.* is not supported.*nft list ruleset/);
  });
});

describe.skipIf(!PRESENT)('firewall corpus: iptables-save', () => {
  it('RHEL 6: filter INPUT rules in order, REJECT fallback; mangle and nat tables parsed', () => {
    const rs = parseIptablesSave(read('insights-iptables-save-rhel6.iptables-save'));
    expect(rs.family).toBe('ipv4');
    expect(rs.tables.map((t) => t.name)).toEqual(['filter', 'mangle', 'nat']);
    const filter = rs.tables[0];
    expect(filter?.chains.map((c) => [c.name, c.policy])).toEqual([['INPUT', 'ACCEPT'], ['FORWARD', 'ACCEPT'], ['OUTPUT', 'ACCEPT'], ['REJECT-LOG', null]]);
    expect(filter?.chains[0]?.rules).toHaveLength(7);
    expect(filter?.chains[0]?.rules[5]).toMatchObject({ text: '-A INPUT -p tcp -m state --state NEW -m tcp --dport 22 -j ACCEPT', line: 12 });

    expect(ask(rs, '10.20.30.40', 22)).toMatchObject({ verdict: 'accept', chain: 'filter INPUT', rule: '-A INPUT -p tcp -m state --state NEW -m tcp --dport 22 -j ACCEPT' });
    expect(ask(rs, '10.20.30.40', 49152)).toMatchObject({ verdict: 'reject', chain: 'filter INPUT', rule: '-A INPUT -j REJECT --reject-with icmp-host-prohibited' });
    expect(ask(rs, '10.20.30.40', 16509).verdict).toBe('reject');
    expect(ask(rs, '192.168.0.9', 49152)).toMatchObject({ verdict: 'accept', rule: '-A INPUT -s 192.168.0.0/24 -j ACCEPT' });
    // `-A INPUT -s 192.168.2.0/24` has no target: it only counts, then the REJECT applies.
    expect(ask(rs, '192.168.2.9', 49152)).toMatchObject({ verdict: 'reject', rule: '-A INPUT -j REJECT --reject-with icmp-host-prohibited' });
  });

  it('2003 router: DROP policy, per-interface dispatch to user chains', () => {
    const rs = ipt('iptables-2003-router-filter.iptables-save');
    expect(ask(rs, '10.230.173.148', 22, { iif: 'ppp0' })).toMatchObject({ verdict: 'accept', chain: 'filter in_trusted', rule: '-A in_trusted -s 10.230.173.148/32 -j ACCEPT' });
    expect(ask(rs, '198.51.100.7', 22, { iif: 'ppp0' })).toMatchObject({ verdict: 'reject', chain: 'filter reject_log', rule: '-A reject_log -p tcp -j REJECT --reject-with tcp-reset' });
    expect(ask(rs, '192.168.0.10', 49152, { iif: 'eth0' })).toMatchObject({ verdict: 'accept', chain: 'filter block', rule: '-A block ! -i ppp0 -m state --state NEW -j ACCEPT' });
    expect(ask(rs, '192.168.200.50', 22, { iif: 'wlan0' })).toMatchObject({ verdict: 'drop', chain: 'filter WLAN', rule: '-A WLAN -j DROP' });
    // A known wireless client passes only if its MAC matches: not in the query.
    const mac = ask(rs, '192.168.200.4', 22, { iif: 'wlan0' });
    expect(mac).toMatchObject({ verdict: 'unknown', chain: 'filter WLAN', rule: '-A WLAN -s 192.168.200.4/32 -m mac --mac-source 00:00:f1:05:a0:e0 -j RETURN' });
    expect(mac.reason).toContain('-m mac --mac-source 00:00:f1:05:a0:e0');
    expect(ask(rs, '192.168.0.10', 49152)).toMatchObject({ verdict: 'unknown', rule: '-A INPUT -i wlan0 -j WLAN' });
  });

  it('2017 VPN box: conntrack, --tcp-flags SYN, multiport, logging user chains, raw CT helper', () => {
    const rs = ipt('iptables-2017-wireless.iptables-save');
    expect(rs.tables.map((t) => t.name)).toEqual(['raw', 'filter']);
    expect(ask(rs, '198.51.100.7', 22)).toMatchObject({ verdict: 'accept', chain: 'filter L_ACCEPT', rule: '-A L_ACCEPT -j ACCEPT' });
    expect(ask(rs, '198.51.100.7', 1723).verdict).toBe('accept'); // raw `-j CT --helper pptp` decides nothing
    expect(ask(rs, '198.51.100.7', 49152, { iif: 'eth0' })).toMatchObject({ verdict: 'accept', rule: '-A L_ACCEPT -j ACCEPT' });
    expect(ask(rs, '198.51.100.7', 49152, { iif: 'bond0.208' })).toMatchObject({ verdict: 'drop', chain: 'filter L_DROP', rule: '-A L_DROP -j DROP' });
    expect(ask(rs, '198.51.100.7', 49152, { iif: 'gre-davo-7' })).toMatchObject({ verdict: 'accept' }); // `-i gre-davo-+` wildcard
    expect(ask(rs, '198.51.100.7', 49152).verdict).toBe('unknown');
  });

  it('Fedora 27 firewalld: FedoraWorkstation zone opens 22 and 1025-65535, rejects the rest', () => {
    const rs = ipt('iptables-fedora27-firewalld.iptables-save');
    expect(rs.tables.map((t) => t.name)).toEqual(['mangle', 'raw', 'filter']);
    for (const port of [49152, 49215, 16509, 16514, 8002]) {
      expect(ask(rs, '198.51.100.7', port)).toMatchObject({
        verdict: 'accept',
        chain: 'filter IN_FedoraWorkstation_allow',
        rule: '-A IN_FedoraWorkstation_allow -p tcp -m tcp --dport 1025:65535 -m conntrack --ctstate NEW -j ACCEPT',
      });
    }
    expect(ask(rs, '198.51.100.7', 22).rule).toBe('-A IN_FedoraWorkstation_allow -p tcp -m tcp --dport 22 -m conntrack --ctstate NEW -j ACCEPT');
    expect(ask(rs, '198.51.100.7', 80)).toMatchObject({ verdict: 'reject', chain: 'filter INPUT', rule: '-A INPUT -j REJECT --reject-with icmp-host-prohibited' });
  });

  it('firewalld without header lines (completed): 22 accepted in zone public, 49152 rejected', () => {
    const rs = ipt('iptables-firewalld-completed.iptables-save');
    expect(rs.tables.map((t) => t.name)).toEqual(['nat', 'mangle', 'raw', 'filter']);
    expect(ask(rs, '198.51.100.7', 22)).toMatchObject({ verdict: 'accept', chain: 'filter IN_public_allow', rule: '-A IN_public_allow -p tcp -m tcp --dport 22 -m conntrack --ctstate NEW -j ACCEPT' });
    for (const { port } of portsFor('ssh').slice(1)) {
      expect(ask(rs, '198.51.100.7', port)).toMatchObject({ verdict: 'reject', rule: '-A INPUT -j REJECT --reject-with icmp-host-prohibited' });
    }
  });

  it('ip6tables-save: IPv6 family; rpfilter in raw PREROUTING makes IPv6 verdicts unknown; IPv4 queries refused', () => {
    const rs = parseIptablesSave(read('insights-ip6tables-save.ip6tables-save'));
    expect(rs.family).toBe('ipv6');
    expect(ask(rs, '2001:db8::7', 22)).toMatchObject({ verdict: 'unknown', chain: 'raw PREROUTING', rule: '-A PREROUTING -m rpfilter --invert -j DROP' });
    expect(ask(rs, '198.51.100.7', 22)).toMatchObject({ verdict: 'unknown', chain: null, rule: null, reason: expect.stringMatching(/filters IPv6 only/) });

    const f27 = parseIptablesSave(read('ip6tables-fedora27-firewalld.ip6tables-save'));
    expect(f27.family).toBe('ipv6');
    expect(ask(f27, '2001:db8::7', 22)).toMatchObject({ verdict: 'accept', chain: 'filter IN_FedoraWorkstation_allow' });
    expect(ask(f27, '2001:db8::7', 49152).rule).toBe('-A IN_FedoraWorkstation_allow -p tcp -m tcp --dport 1025:65535 -m conntrack --ctstate NEW -j ACCEPT');
    expect(ask(f27, '2001:db8::7', 80)).toMatchObject({ verdict: 'reject', rule: '-A INPUT -j REJECT --reject-with icmp6-adm-prohibited' });
  });
});

describe.skipIf(!PRESENT)('firewall corpus: every file', () => {
  const files = PRESENT ? readdirSync(FW_DIR).sort() : [];

  it('has the rulesets this test expects', () => {
    expect(files.filter((f) => f.endsWith('.nft'))).toHaveLength(6);
    expect(files.filter((f) => /\.ip6?tables-save$/.test(f))).toHaveLength(8);
  });

  it('firewall-cmd outputs are not rulesets: both parsers throw ParseError', () => {
    for (const f of files.filter((x) => x.endsWith('.txt'))) {
      expect(() => parseNftRuleset(read(f)), f).toThrow(ParseError);
      expect(() => parseIptablesSave(read(f)), f).toThrow(ParseError);
    }
  });

  it('no file throws anything but ParseError, and every ruleset answers every query without throwing', () => {
    const queries: InboundQuery[] = [];
    for (const srcAddr of ['198.51.100.7', '192.168.122.50', '127.0.0.1', '2001:db8::7', 'fe80::1']) {
      for (const { port } of [...portsFor('ssh'), ...portsFor('tcp'), ...portsFor('tls'), { port: 8002 }]) {
        for (const iif of [undefined, 'eth0', 'virbr0', 'lo']) queries.push({ srcAddr, dport: port, proto: 'tcp', ...(iif ? { iif } : {}) });
      }
    }
    let evaluated = 0;
    for (const f of files) {
      const text = read(f);
      for (const parse of [parseNftRuleset, parseIptablesSave]) {
        let rs: FirewallRuleset;
        try {
          rs = parse(text);
        } catch (e) {
          expect(e, f).toBeInstanceOf(ParseError);
          continue;
        }
        for (const q of queries) {
          const r = evaluateInbound(rs, q);
          expect(['accept', 'drop', 'reject', 'unknown']).toContain(r.verdict);
          expect(r.reason.length, `${f} ${JSON.stringify(q)}`).toBeGreaterThan(10);
          if (r.verdict === 'unknown' && r.rule === null) expect(r.reason).toMatch(/IPv|paths/);
          evaluated++;
        }
      }
    }
    expect(evaluated).toBeGreaterThan(1000);
  });

  it('each file is read by the parser its extension names', () => {
    for (const f of files) {
      if (f.endsWith('.nft')) expect(() => parseNftRuleset(read(f)), f).not.toThrow();
      if (/\.ip6?tables-save$/.test(f)) expect(() => parseIptablesSave(read(f)), f).not.toThrow();
    }
  });
});
