/**
 * Makes text that came from a host safe for a terminal: ANSI/OSC escape sequences and other C0/C1
 * control characters are replaced by a visible placeholder (newlines and tabs stay).
 */
export function sanitizeForTerminal(text: string): string {
  return text
    .replace(/\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)?/g, '\uFFFD') // OSC ... BEL/ST
    .replace(/\u001b\[[0-?]*[ -/]*[@-~]/g, '\uFFFD') // CSI
    .replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, '\uFFFD');
}
