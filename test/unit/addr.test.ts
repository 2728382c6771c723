/**
 * ipVersion answers as node:net's isIP does (the parsers used isIP; it costs ~1 ms an IPv6 address).
 * Generated addresses, mangled addresses and strings near them, compared one by one.
 */
import { isIP } from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ipVersion } from '../../src/net/addr.js';

const hex = fc.stringMatching(/^[0-9a-fA-F]{1,4}$/);
const octet = fc.oneof(fc.integer({ min: 0, max: 255 }).map(String), fc.stringMatching(/^[0-9]{1,4}$/));
const v4 = fc.tuple(octet, octet, octet, octet).map((o) => o.join('.'));
// Eight groups, some run of them replaced by '::', maybe an IPv4 tail, maybe a zone.
const v6 = fc
  .tuple(fc.array(hex, { minLength: 1, maxLength: 9 }), fc.nat(9), fc.nat(9), fc.option(v4), fc.option(fc.stringMatching(/^[A-Za-z0-9._~:%-]{0,6}$/)))
  .map(([groups, a, b, tail, zone]) => {
    const g = [...groups];
    const from = a % (g.length + 1);
    const to = Math.min(g.length, from + (b % 4));
    const text = b % 3 === 0 ? g.join(':') : `${g.slice(0, from).join(':')}::${g.slice(to).join(':')}`;
    return `${text}${tail !== null ? `:${tail}` : ''}${zone !== null ? `%${zone}` : ''}`;
  });
const near = fc.oneof(v4, v6, fc.stringMatching(/^[0-9a-f:.%[\]]{0,24}$/), fc.string({ maxLength: 12 }));

describe('ipVersion', () => {
  it('gives isIP answer for addresses, near-addresses and noise', () => {
    fc.assert(
      fc.property(near, (s) => {
        expect(ipVersion(s)).toBe(isIP(s));
      }),
      { numRuns: 20000 },
    );
  });

  it.each([
    ['10.203.40.12', 4],
    ['0.0.0.0', 4],
    ['010.1.1.1', 0],
    ['256.1.1.1', 0],
    ['fe80::5054:ff:fe12:3456', 6],
    ['fe80::1%eth0', 6],
    ['fe80::1%', 0],
    ['::', 6],
    ['::ffff:192.0.2.1', 6],
    ['::ffff:192.0.2.01', 0],
    ['1:2:3:4:5:6:7:8', 6],
    ['1:2:3:4:5:6:7:8:9', 0],
    ['1::2::3', 0],
    ['[::1]', 0],
    ['hv2', 0],
    ['', 0],
  ])('%s is %i', (s, v) => {
    expect(ipVersion(s)).toBe(v);
    expect(isIP(s)).toBe(v);
  });
});
