/**
 * Huge page pools, one line per page size as the `hugepages` probe prints them from
 * /sys/kernel/mm/hugepages/hugepages-<size>kB/: `<size>kB <nr_hugepages> <free_hugepages> <resv_hugepages>`.
 */
import type { HugepagePool } from '../../model/system.js';
import { ParseError } from './parse-error.js';

/**
 * Parses the probe's lines; no line (a kernel without hugetlbfs) gives [].
 * @throws ParseError ('hugepages') on a line that is not four counts.
 */
export function parseHugepages(text: string): HugepagePool[] {
  const pools: HugepagePool[] = [];
  for (const line of text.split('\n').map((l) => l.trim())) {
    if (line === '') continue;
    const m = /^(\d+)kB (\d+) (\d+) (\d+)$/.exec(line);
    if (!m) throw new ParseError('hugepages', `not "<size>kB <total> <free> <reserved>": ${JSON.stringify(line)}`);
    pools.push({ sizeKiB: Number(m[1]), total: Number(m[2]), free: Number(m[3]), reserved: Number(m[4]) });
  }
  return pools.sort((a, b) => a.sizeKiB - b.sizeKiB);
}
