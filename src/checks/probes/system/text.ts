/** Line and message helpers shared by the system-output parsers. */

/** Non-empty lines, a trailing CR dropped (CRs inside a line are data: a mount point may hold one). */
export function lines(text: string): string[] {
  return text
    .split('\n')
    .map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l))
    .filter((l) => l.trim() !== '');
}

export const show = (s: string): string => JSON.stringify(s.slice(0, 100));
