/** xl's legacy `list -l` SXP lines (output_format "sxp"; xl 4.1), xl_sxp.c. */
import type { XenDomainConfig } from '../../../model/xen.js';
import { ParseError } from '../parse-error.js';
import { kibToMib, LONG, splitUname } from './domain-config.js';

/** xl_sxp.c prints "(null)" for a NULL string and "<unknown>" for a UUID it cannot read. */
const sxpLineValue = (v: string | undefined): string | null => (v === undefined || v === '' || v === '(null)' || v === '<unknown>' ? null : v);

/** xl's legacy SXP (output_format="sxp"; xl 4.1), one "(key value)" per line. */
export function parseXlSxp(text: string): XenDomainConfig[] {
  interface Draft {
    domid: number | null;
    name: string | null;
    uuid: string | null;
    hvm: string | null;
    maxMemkb: number | null;
    targetMemkb: number | null;
    vcpus: number | null;
    disks: Map<string, string | null>[];
    nics: Map<string, string | null>[];
  }
  const drafts: Draft[] = [];
  let current: Draft | null = null;
  /** Where "(key value)" lines go: the domain, a disk or nic, or nowhere (another device). */
  let device: Map<string, string | null> | 'domain' | 'other' = 'domain';
  let afterDevice = false;
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const line = (lines[n] as string).replace(/\r$/, '').trim();
    const bad = (why: string): ParseError => new ParseError(LONG, `line ${n + 1}: ${why}: ${JSON.stringify(line.slice(0, 80))}`);
    if (line === '' || /^\)+$/.test(line)) continue;
    if (line[0] !== '(') throw bad('not an SXP line');
    const open = /^\(([A-Za-z_][A-Za-z0-9_-]*)$/.exec(line);
    if (open) {
      const word = open[1] as string;
      if (word === 'domain') {
        current = { domid: null, name: null, uuid: null, hvm: null, maxMemkb: null, targetMemkb: null, vcpus: null, disks: [], nics: [] };
        drafts.push(current);
        device = 'domain';
        afterDevice = false;
      } else if (current === null) {
        throw bad('before "(domain"');
      } else if (word === 'device') {
        afterDevice = true;
        device = 'other';
      } else if (afterDevice && device === 'other') {
        if (word === 'tap' || word === 'vbd') current.disks.push((device = new Map()));
        else if (word === 'vif') current.nics.push((device = new Map()));
      }
      continue;
    }
    if (current === null) throw bad('before "(domain"');
    if (!line.endsWith(')')) throw bad('not an SXP line');
    const inner = line.slice(1, -1);
    const space = inner.indexOf(' ');
    const key = space < 0 ? inner : inner.slice(0, space);
    const value = sxpLineValue(space < 0 ? undefined : inner.slice(space + 1));
    if (device instanceof Map) {
      if (!device.has(key)) device.set(key, value);
      continue;
    }
    if (device !== 'domain') continue;
    const count = (): number | null => {
      if (value === null) return null;
      if (!/^-?\d{1,20}$/.test(value)) throw bad(`${key} is not an integer`);
      const v = Number(value);
      return v >= 0 && Number.isSafeInteger(v) ? v : null;
    };
    if (key === 'domid' && current.domid === null) current.domid = count();
    else if (key === 'name' && current.name === null) current.name = value;
    else if (key === 'uuid' && current.uuid === null) current.uuid = value;
    else if (key === 'hvm' && current.hvm === null) current.hvm = value;
    else if (key === 'max_memkb' && current.maxMemkb === null) current.maxMemkb = count();
    else if (key === 'target_memkb' && current.targetMemkb === null) current.targetMemkb = count();
    else if (key === 'max_vcpus' && current.vcpus === null) current.vcpus = count();
  }
  return drafts.map((d, i) => {
    if (d.name === null) throw new ParseError(LONG, `domain ${i}: no (name ...)`);
    return {
      name: d.name,
      domid: d.domid,
      uuid: d.uuid,
      type: d.hvm === '1' ? 'hvm' : d.hvm === '0' ? 'pv' : null,
      memoryMiB: kibToMib(d.targetMemkb),
      maxMemoryMiB: kibToMib(d.maxMemkb),
      vcpus: d.vcpus,
      disks: d.disks.map((m) => {
        const source = splitUname(m.get('physpath') ?? null, true);
        return {
          target: m.get('virtpath') ?? null,
          path: source.path,
          kind: source.kind,
          format: source.format,
          readonly: (m.get('readwrite') ?? '0') === '0',
          cdrom: (m.get('is_cdrom') ?? '0') !== '0',
        };
      }),
      nics: d.nics.map((m) => {
        const raw = m.get('mac') ?? null;
        // "%02x%02x%02x%02x%02x%02x": twelve hex digits, shown here with colons as everywhere else.
        const mac = raw !== null && /^[0-9a-fA-F]{12}$/.test(raw) ? (raw.match(/../g) as string[]).join(':') : raw;
        return { bridge: null, mac, ip: null };
      }),
    };
  });
}
