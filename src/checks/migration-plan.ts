import type { Mode } from './vocabulary.js';

/** What the operator told us about the move besides the domain names. */
export interface MigrationPlan {
  /** -d names; empty: every running domain (evacuation). */
  readonly domains: readonly string[];
  /** --bandwidth, else a measured figure; bytes/s. */
  readonly bandwidth: { readonly bytesPerSec: number; readonly source: 'option' | 'measured' } | null;
  /** --dirty-rate for every domain, bytes/s (overrides measurements). */
  readonly dirtyBytesPerSec: number | null;
  readonly maxDowntimeMs: number;
  readonly memoryReserveKiB: number;
  /** How the guests move (--mode). */
  readonly mode: Mode;
  /** virsh migrate --unsafe: libvirt skips its storage safety check. */
  readonly unsafe: boolean;
}
