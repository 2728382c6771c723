import { defineOperator, OperandError } from './define.js';

export const firewallAdmitsOp = defineOperator({
  name: 'firewall-admits',
  kind: 'cross',
  summary: "the destination's nftables and iptables rulesets admit new TCP from the source address on the transport's ports",
  params: {},
  evaluate(src, dst, _p, ctx) {
    if (!ctx.firewall) throw new OperandError('no firewall evaluator');
    if (typeof src !== 'string') throw new OperandError('source address is not a string');
    const v = ctx.firewall(dst, src, ctx.transport, ctx.dstSshPort);
    const data = { srcAddr: src, blocked: v.blocked, unknown: v.unknown, admitted: v.admitted };
    // The rulesets themselves are in the host facts; the evidence is the verdict per port.
    const evidence = { src, dst: { blocked: v.blocked, unknown: v.unknown, admitted: v.admitted } };
    if (v.blocked.length > 0) {
      return { ok: false, messageId: 'firewall.blocked', data, evidence, defaultMessage: 'destination firewall blocks {srcAddr}: {blocked}' };
    }
    if (v.unknown.length > 0) {
      return { ok: false, undecided: `cannot decide the destination firewall for ${src}: ${v.unknown.join('; ')}`, messageId: 'firewall.unknown', data, evidence, defaultMessage: '' };
    }
    return { ok: true, messageId: 'pass', data, evidence, defaultMessage: '' };
  },
});
