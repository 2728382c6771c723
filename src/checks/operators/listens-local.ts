import { parseAddr } from '../../net/addr.js';
import { defineOperator, type OpResult } from './define.js';
import { list, strings } from './values.js';

interface Listen {
  readonly domain: string;
  readonly graphics: string;
  readonly address: string;
}

/**
 * src: migration.graphicsListens; dst: network.addresses. QEMU on the destination binds each
 * graphics listen address the definition gives (`-vnc ADDR:N`, SPICE likewise) before the guest's
 * state arrives; an address the destination does not have fails it ("Failed to bind socket: Cannot
 * assign requested address": the migration fails, as the guest would not start there). Wildcards
 * (0.0.0.0, ::) and loopback bind anywhere; a host name is resolved on the destination, which no
 * probe does here: undecided.
 */
function listensLocal(src: unknown, dst: unknown): OpResult {
  const local = strings(dst).flatMap((a) => {
    const p = parseAddr(a);
    return p ? [`${p.v}:${p.n}`] : [];
  });
  const have = new Set(local);
  const problems: string[] = [];
  const unsure: string[] = [];
  for (const l of list<Listen>(src)) {
    const bare = l.address.startsWith('[') && l.address.endsWith(']') ? l.address.slice(1, -1) : l.address;
    const a = parseAddr(bare);
    const what = `${l.domain}: its ${l.graphics} console listens on ${l.address}`;
    if (a === null) {
      if (bare.toLowerCase() !== 'localhost') unsure.push(`${what}, a name the destination resolves for itself (not checked)`);
    } else if (a.n === 0n || (a.v === 4 && a.n >> 24n === 127n) || (a.v === 6 && a.n === 1n)) continue;
    else if (!have.has(`${a.v}:${a.n}`)) problems.push(`${what}, an address the destination does not have: QEMU cannot bind it there`);
  }
  const data = { problems, unsure };
  if (problems.length > 0) return { ok: false, messageId: 'listens-local.foreign', data, defaultMessage: problems.join('; ') };
  if (unsure.length > 0) return { ok: false, undecided: `cannot tell whether QEMU can bind the graphics listen addresses on the destination: ${unsure.join('; ')}`, messageId: 'listens-local.unknown', data, defaultMessage: '' };
  return { ok: true, messageId: 'pass', data, defaultMessage: '' };
}

export const listensLocalOp = defineOperator({
  name: 'listens-local',
  kind: 'cross',
  summary: "every address the moving domains' graphics listen on can be bound on the destination (one of its own, a wildcard or loopback)",
  params: {},
  evaluate: (src, dst) => listensLocal(src, dst),
});
