import { ParseError } from '../../parse-error.js';
import { splitArgs } from '../lex.js';
import type { IptablesRule, IptablesRuleset } from '../types.js';

// ---------------------------------------------------------------------------------------------
// iptables: parser

/**
 * Parses `iptables-save` / `ip6tables-save` (legacy and nft backends, with or without `-c`
 * counters). `family` defaults to what the text shows (an `ip6tables-save` header or IPv6
 * addresses mean ipv6). Throws ParseError for text that is not iptables-save output.
 */
export function parseIptablesSave(text: string, family?: 'ipv4' | 'ipv6'): IptablesRuleset {
  const tables: { name: string; chains: { name: string; policy: 'ACCEPT' | 'DROP' | null; rules: IptablesRule[] }[] }[] = [];
  let cur: (typeof tables)[number] | null = null;
  let v6hint = false;
  let header: 'ipv4' | 'ipv6' | null = null;
  const lines = text.split('\n').map((l) => l.replace(/\r$/, ''));
  const bad = (n: number, why: string): never => {
    throw new ParseError('iptables-save', `line ${n + 1}: ${why}: ${JSON.stringify((lines[n] ?? '').trim().slice(0, 100))}`);
  };
  const chainOf = (n: number, name: string) => {
    if (!cur) return bad(n, 'rule outside a table (no `*filter` line before it)');
    let c = cur.chains.find((x) => x.name === name);
    if (!c) {
      c = { name, policy: null, rules: [] };
      cur.chains.push(c);
    }
    return c;
  };
  lines.forEach((raw, n) => {
    const line = raw.trim();
    if (line === '') return;
    if (line.startsWith('#')) {
      if (/ip6tables(-nft|-legacy)?-save/.test(line)) header ??= 'ipv6';
      else if (/iptables(-nft|-legacy)?-save/.test(line)) header ??= 'ipv4';
      return;
    }
    if (line.startsWith('*')) {
      const name = line.slice(1).trim();
      if (!/^[a-z]+$/.test(name)) bad(n, 'bad table name');
      cur = tables.find((t) => t.name === name) ?? null;
      if (!cur) {
        cur = { name, chains: [] };
        tables.push(cur);
      }
      return;
    }
    if (line === 'COMMIT') {
      if (!cur) bad(n, 'COMMIT outside a table');
      cur = null;
      return;
    }
    if (line.startsWith(':')) {
      const m = /^:(\S+)\s+(\S+)(?:\s+\[\d+:\d+\])?$/.exec(line);
      if (!m) return bad(n, 'bad chain line');
      const c = chainOf(n, m[1] as string);
      const pol = m[2] as string;
      if (pol !== '-' && pol !== 'ACCEPT' && pol !== 'DROP') bad(n, `unknown policy ${pol}`);
      c.policy = pol === '-' ? null : (pol as 'ACCEPT' | 'DROP');
      return;
    }
    const body = line.replace(/^\[\d+:\d+\]\s+/, '');
    const args = splitArgs(body);
    const cmd = args[0];
    if (cmd === '-N' && args[1]) {
      chainOf(n, args[1]);
      return;
    }
    if (cmd === '-P' && args[1] && (args[2] === 'ACCEPT' || args[2] === 'DROP')) {
      chainOf(n, args[1]).policy = args[2];
      return;
    }
    if ((cmd === '-A' || cmd === '-I') && args[1]) {
      const c = chainOf(n, args[1]);
      let rest = args.slice(2);
      let at = cmd === '-A' ? c.rules.length : 0;
      if (cmd === '-I' && rest[0] && /^\d+$/.test(rest[0])) {
        at = Math.min(Number(rest[0]) - 1, c.rules.length);
        rest = rest.slice(1);
      }
      for (let i = 0; i < rest.length; i++) {
        const a = rest[i];
        if ((a === '-s' || a === '-d' || a === '--source' || a === '--destination') && rest[i + 1]?.includes(':')) v6hint = true;
        if (a === 'ipv6-icmp' || a === 'icmpv6' || a === 'icmp6' || a?.startsWith('icmp6-')) v6hint = true;
      }
      c.rules.splice(at, 0, { text: body, args: rest, line: n + 1 });
      return;
    }
    bad(n, 'not iptables-save output');
  });
  const fam = family ?? (header ?? (v6hint ? 'ipv6' : 'ipv4'));
  return { kind: 'iptables', family: fam, tables };
}
