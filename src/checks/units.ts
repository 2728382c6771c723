export const MiB = 1024 * 1024;

/** Bytes in binary units, one decimal: 1536 -> "1.5 KiB". */
export function human(bytes: number): string {
  const u = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let i = 0;
  let n = bytes;
  while (Math.abs(n) >= 1024 && i < u.length - 1) {
    n /= 1024;
    i++;
  }
  return `${i === 0 ? n : n.toFixed(1)} ${u[i]}`;
}

/** A rate in MiB/s, one decimal. */
export const mibs = (bytesPerSec: number): string => `${(bytesPerSec / MiB).toFixed(1)} MiB/s`;

/** Seconds as "850 ms", "42.0 s" or "3 min 20 s". */
export function duration(seconds: number): string {
  if (seconds < 1) return `${Math.round(seconds * 1000)} ms`;
  if (seconds < 120) return `${seconds.toFixed(1)} s`;
  const m = Math.floor(seconds / 60);
  return `${m} min ${Math.round(seconds - m * 60)} s`;
}
