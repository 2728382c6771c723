// ---------------------------------------------------------------------------------------------
// Public types

/** What happens to the first packet (SYN) of the connection. */
export type FirewallVerdict = 'accept' | 'drop' | 'reject' | 'unknown';

/** A new inbound connection to ask about. */
export interface InboundQuery {
  /** Source address of the connecting peer (IPv4 or IPv6). */
  readonly srcAddr: string;
  /** Destination TCP port. */
  readonly dport: number;
  readonly proto: 'tcp';
  /** Interface the packet arrives on; when absent, rules on the interface fork the walk (see evaluateInbound). */
  readonly iif?: string;
  /** The destination address the peer connects to; when absent, `ip daddr` rules fork the walk. */
  readonly dstAddr?: string;
}

/** The answer of evaluateInbound. */
export interface InboundResult {
  readonly verdict: FirewallVerdict;
  /** The chain that decided (or that holds the rule that stopped the walk), e.g. `inet firewalld filter_INPUT` or `filter INPUT`. */
  readonly chain: string | null;
  /** The rule text that decided or stopped the walk; null for a chain policy or an empty ruleset. */
  readonly rule: string | null;
  /** One or two sentences, for the operator. */
  readonly reason: string;
}

/** One `table <family> <name>` of `nft list ruleset`. */
export interface NftTable {
  readonly family: string;
  readonly name: string;
  /** `flags dormant`: the table is loaded but does not see packets. */
  readonly dormant: boolean;
  readonly chains: readonly NftChain[];
  readonly sets: readonly NftSet[];
}

/** A base chain's hook line: `type filter hook input priority filter + 10; policy drop;`. */
export interface NftHook {
  readonly type: string;
  readonly hook: string;
  /** Numeric priority (named priorities resolved); null when it cannot be resolved. */
  readonly priority: number | null;
  readonly priorityText: string;
  readonly policy: 'accept' | 'drop';
  /** `device "eth0"` / `devices = { ... }` of ingress chains. */
  readonly devices: readonly string[];
}

export interface NftChain {
  readonly name: string;
  /** Null for a regular chain (only reached by jump/goto). */
  readonly hook: NftHook | null;
  readonly rules: readonly NftRuleText[];
}

export interface NftRuleText {
  /** The rule as nft printed it (trimmed; a `# handle N` suffix removed). */
  readonly text: string;
  /** 1-based line in the probe output. */
  readonly line: number;
}

/** A named set or map; elements are kept as printed (`10.0.0.0/8`, `1.2.3.4 . 22`, `192.0.2.1 : accept`). */
export interface NftSet {
  readonly name: string;
  readonly kind: 'set' | 'map';
  readonly type: string;
  readonly flags: readonly string[];
  readonly elements: readonly string[];
}

/** Parsed `nft list ruleset`. */
export interface NftRuleset {
  readonly kind: 'nft';
  readonly tables: readonly NftTable[];
}

export interface IptablesRule {
  /** The rule line without a `[packets:bytes]` counter prefix, e.g. `-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT`. */
  readonly text: string;
  /** Its arguments after `-A CHAIN`, shell-unquoted. */
  readonly args: readonly string[];
  readonly line: number;
}

export interface IptablesChain {
  readonly name: string;
  /** ACCEPT/DROP for built-in chains, null for user chains (`:NAME - [0:0]`). */
  readonly policy: 'ACCEPT' | 'DROP' | null;
  readonly rules: readonly IptablesRule[];
}

export interface IptablesTable {
  readonly name: string;
  readonly chains: readonly IptablesChain[];
}

/** Parsed `iptables-save` (or `ip6tables-save`). */
export interface IptablesRuleset {
  readonly kind: 'iptables';
  /** Which address family the rules filter: ip6tables-save output is `ipv6`. */
  readonly family: 'ipv4' | 'ipv6';
  readonly tables: readonly IptablesTable[];
}

export type FirewallRuleset = NftRuleset | IptablesRuleset;

// ---------------------------------------------------------------------------------------------
// Migration ports

export type MigrationTransport = 'ssh' | 'tcp' | 'tls' | 'tunnelled';

/** QEMU's default migration data port range (libvirt migration_port_min/max). */
export const QEMU_MIGRATION_PORTS = { first: 49152, last: 49215 } as const;
/** Xen xend relocation server (xen.relocation). */
export const XEN_RELOCATION_PORT = 8002;

/**
 * Destination ports a migration over `transport` needs open: the control connection, and, except
 * for tunnelled migration (data travels inside the libvirt connection), the first and the last
 * port of QEMU's migration data range.
 */
export function portsFor(transport: MigrationTransport, sshPort = 22): { port: number; why: string }[] {
  const data = [
    { port: QEMU_MIGRATION_PORTS.first, why: `QEMU migration data, first port of ${QEMU_MIGRATION_PORTS.first}-${QEMU_MIGRATION_PORTS.last}` },
    { port: QEMU_MIGRATION_PORTS.last, why: `QEMU migration data, last port of ${QEMU_MIGRATION_PORTS.first}-${QEMU_MIGRATION_PORTS.last}` },
  ];
  switch (transport) {
    case 'ssh':
      return [{ port: sshPort, why: 'qemu+ssh control connection (sshd)' }, ...data];
    case 'tcp':
      return [{ port: 16509, why: 'libvirtd TCP (qemu+tcp)' }, ...data];
    case 'tls':
      return [{ port: 16514, why: 'libvirtd TLS (qemu+tls)' }, ...data];
    case 'tunnelled':
      return [{ port: sshPort, why: 'tunnelled migration: control and data inside the libvirt connection over ssh' }];
  }
}
