import type { DomainFact, DomainState } from '../../types.js';
import { ParseError } from './parse-error.js';

const STATES: readonly DomainState[] = ['running', 'idle', 'paused', 'in shutdown', 'shut off', 'crashed', 'pmsuspended'];

/** One row of `virsh list --all` (table form), before UUIDs are joined in. */
export interface ListedDomain {
  readonly id: number | null;
  readonly name: string;
  readonly state: DomainState;
}

/**
 * Parses the table printed by `virsh list --all`:
 *  Id    Name      State
 * -------------------------
 *  2     rhel7.4   running
 *  -     centos    shut off
 * The state is matched from the right, so names with spaces survive.
 */
export function parseVirshList(text: string): ListedDomain[] {
  const lines = text.split('\n').map((l) => l.replace(/\r$/, ''));
  const header = lines.findIndex((l) => /^\s*Id\s+Name\s+State\s*$/.test(l));
  if (header < 0) throw new ParseError('virsh-list', 'no "Id Name State" header: not `virsh list --all` table output');
  const out: ListedDomain[] = [];
  for (const line of lines.slice(header + 1)) {
    if (/^-+$/.test(line.trim()) || line.trim() === '') continue;
    // No `(.+?)\s*$` nor `\s+\S+$`: both backtrack quadratically over a long run of blanks.
    const m = /^\s*(\d+|-)\s+(\S[^]*)$/.exec(line);
    if (!m) throw new ParseError('virsh-list', `unexpected line: ${JSON.stringify(line.slice(0, 80))}`);
    const rest = (m[2] ?? '').trimEnd();
    const state = STATES.find((s) => rest.endsWith(` ${s}`)) ?? null;
    const last = rest.search(/\s\S+$/);
    const name = state !== null ? rest.slice(0, rest.length - state.length).trim() : last < 0 ? rest : rest.slice(0, last).trimEnd();
    out.push({ id: m[1] === '-' ? null : Number(m[1]), name, state: state ?? 'other' });
  }
  return out;
}

/** Parses `virsh list --all --uuid --name`: one "uuid name" pair per line. */
export function parseVirshUuids(text: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (t === '') continue;
    // `\s+(\S.*)`, not `\s+(.+)`: a name holding a CR or U+2028 ('.' stops there) made `\s+` backtrack quadratically.
    const m = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\s+(\S.*)$/i.exec(t);
    if (!m) throw new ParseError('virsh-uuids', `unexpected line: ${JSON.stringify(t.slice(0, 80))}`);
    map.set(m[2] as string, (m[1] as string).toLowerCase());
  }
  return map;
}

/** Joins the table with the UUID map (null UUIDs when that probe failed). */
export function joinDomains(list: readonly ListedDomain[], uuids: ReadonlyMap<string, string> | null): DomainFact[] {
  return list.map((d) => ({ ...d, uuid: uuids?.get(d.name) ?? null }));
}
