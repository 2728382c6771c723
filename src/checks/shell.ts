/** Quotes one value for a POSIX shell: every value that reaches a remote shell goes through here. */
export function shq(value: string): string {
  if (value.includes('\0')) throw new Error('a NUL byte cannot be passed to a shell');
  return `'${value.replace(/'/g, `'\\''`)}'`;
}
