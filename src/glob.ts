/**
 * A shell-style glob as an anchored RegExp: `*` any run, `?` one character, everything else
 * literal (`[` and `]` too: OpenSSH's `[host]:port` and rule ids have no character classes).
 */
export function globToRegExp(pattern: string, opts: { ignoreCase?: boolean } = {}): RegExp {
  const body = pattern.replace(/[.+^${}()|[\]\\/]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`, opts.ignoreCase ? 'i' : '');
}
