/** Shell fragments the lab's set-up steps share. A leaf: imports nothing of the lab. */
import { shq } from '../../src/checks/shell.js';

/**
 * `until COND; do ...; done` bounded to `tries` attempts `sleepS` seconds apart; after the last,
 * `why` goes to stderr (when given) and the fragment exits 1.
 */
export function untilOk(cond: string, tries: number, sleepS: number, why = ''): string {
  const fail = why ? `{ echo ${shq(why)} >&2; exit 1; }` : 'exit 1';
  return `i=0; until ${cond}; do i=$((i+1)); [ $i -ge ${tries} ] && ${fail}; sleep ${sleepS}; done`;
}
