import type { HugepagePool } from '../../model/system.js';
import type { GuestHugepages } from '../../types.js';
import { human } from '../units.js';
import { defineOperator } from './define.js';
import { list } from './values.js';

const size = (kib: number): string => human(kib * 1024);

/**
 * src: migration.hugepages; dst: host (its hugepages pools, and the default size from host.memory). The moving
 * domains' memory, in pages of the size each asks for (none given: the destination's default), must
 * fit in the destination's free, unreserved pages of that size: QEMU allocates it all when the
 * guest starts there ("unable to map backing store for guest RAM: Cannot allocate memory").
 */
export const hugepagesFitOp = defineOperator({
  name: 'hugepages-fit',
  kind: 'cross',
  summary: "the destination's free huge pages of each size hold the moving domains' memory backed by that size",
  params: {},
  evaluate(src, dst) {
    const guests = list<GuestHugepages>(src);
    const host = (dst ?? {}) as { hugepages?: readonly HugepagePool[]; memory?: { hugepageSizeKiB: number | null } };
    if (host.hugepages === undefined) {
      return { ok: false, undecided: "the destination's huge page pools were not collected (probe hugepages)", messageId: 'hugepages.unknown', data: {}, defaultMessage: '' };
    }
    const pools = host.hugepages;
    // The evidence: what the guests ask for and the destination's pools (not all of its host facts).
    const evidence = { src: guests, dst: { pools, defaultPageKiB: host.memory?.hugepageSizeKiB ?? null } };
    const unsure = guests.flatMap((g) => (g.unsure ? [g.unsure] : []));
    const dflt = host.memory?.hugepageSizeKiB ?? null;
    const need = new Map<number, { kib: number; domains: string[] }>();
    for (const g of guests.filter((x) => x.unsure === null)) {
      const page = g.pageKiB ?? dflt;
      if (page === null) {
        unsure.push(`${g.domain} asks for the default huge page size, and the destination reports none (no hugetlbfs?)`);
        continue;
      }
      const n = need.get(page) ?? { kib: 0, domains: [] };
      // Whole pages: a guest's memory is rounded up to its page size.
      n.kib += Math.ceil(g.memoryKiB / page) * page;
      n.domains.push(g.domain);
      need.set(page, n);
    }
    const short: string[] = [];
    for (const [page, n] of [...need].sort(([a], [b]) => a - b)) {
      const pool = pools.find((p) => p.sizeKiB === page);
      const freeKiB = pool ? Math.max(0, pool.free - pool.reserved) * page : 0;
      if (freeKiB >= n.kib) continue;
      const pages = Math.ceil(n.kib / page);
      short.push(
        pool
          ? `${n.domains.join(', ')} need ${pages} free ${size(page)} pages (${size(n.kib)}), the destination has ${pool.free - pool.reserved} of ${pool.total} free`
          : `${n.domains.join(', ')} need ${pages} ${size(page)} pages (${size(n.kib)}), and the destination has no ${size(page)} page pool`,
      );
    }
    const data = { short, unsure, needs: [...need].map(([pageKiB, n]) => ({ pageKiB, kib: n.kib, domains: n.domains })) };
    if (short.length > 0) return { ok: false, messageId: 'hugepages.short', data, evidence, defaultMessage: short.join('; ') };
    if (unsure.length > 0) return { ok: false, undecided: `cannot tell whether the huge pages suffice: ${unsure.join('; ')}`, messageId: 'hugepages.unknown', data, evidence, defaultMessage: '' };
    return { ok: true, messageId: 'pass', data, evidence, defaultMessage: '' };
  },
});
