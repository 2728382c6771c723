/** xl's `list -l` JSON (output_format "json", Xen 4.2 and later) over libxl_domain_config. */
import type { XenDomainConfig } from '../../../model/xen.js';
import { ParseError } from '../parse-error.js';
import { kibToMib, LONG, splitUname } from './domain-config.js';

const DOMAIN_TYPES: readonly string[] = ['hvm', 'pv', 'pvh'];

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
/** An own property only: a key such as "__proto__" or "constructor" is never read through the prototype. */
const own = (o: Record<string, unknown>, key: string): unknown => (Object.prototype.hasOwnProperty.call(o, key) ? o[key] : undefined);

/** Splits a run of top-level JSON values ("{...}\n{...}", xl 4.2) at the ends of the values; strings may hold braces. */
function jsonValues(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let begin = -1;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === '{' || c === '[') {
      if (depth === 0) begin = i;
      depth++;
    } else if (c === '}' || c === ']') {
      depth--;
      if (depth < 0) throw new ParseError(LONG, `unbalanced JSON: "${c}" without its opener`);
      if (depth === 0) out.push(text.slice(begin, i + 1));
    } else if (depth === 0 && !/\s/.test(c)) {
      throw new ParseError(LONG, `text between JSON values: ${JSON.stringify(text.slice(i, i + 40))}`);
    }
  }
  if (depth !== 0 || inString) throw new ParseError(LONG, 'cut JSON: a value is not closed');
  return out;
}

export function parseXlJson(text: string): XenDomainConfig[] {
  const values: unknown[] = [];
  for (const chunk of jsonValues(text)) {
    try {
      values.push(JSON.parse(chunk));
    } catch (e) {
      throw new ParseError(LONG, `invalid JSON: ${e instanceof Error ? e.message.slice(0, 100) : 'unparsable'}`);
    }
  }
  const entries: unknown[] = [];
  for (const v of values) {
    if (Array.isArray(v)) entries.push(...v);
    else entries.push(v);
  }
  return entries.map((entry, i) => xlJsonDomain(entry, i));
}

function xlJsonDomain(entry: unknown, index: number): XenDomainConfig {
  const where = `domain ${index}`;
  const bad = (why: string): ParseError => new ParseError(LONG, `${where}: ${why}`);
  if (!isRecord(entry)) throw bad('not a {"domid", "config"} object');
  const config = own(entry, 'config');
  if (!isRecord(config)) throw bad('no "config" object');
  const cInfo = own(config, 'c_info');
  const bInfo = own(config, 'b_info');
  const c = isRecord(cInfo) ? cInfo : {};
  const b = isRecord(bInfo) ? bInfo : {};
  const str = (o: Record<string, unknown>, key: string): string | null => {
    const v = own(o, key);
    if (v === undefined || v === null || v === '') return null;
    if (typeof v !== 'string') throw bad(`"${key}" is not a string`);
    return v;
  };
  const int = (o: Record<string, unknown>, key: string): number | null => {
    const v = own(o, key);
    if (v === undefined || v === null) return null;
    if (typeof v !== 'number' || !Number.isInteger(v)) throw bad(`"${key}" is not an integer`);
    return v >= 0 && Number.isSafeInteger(v) ? v : null;
  };
  const name = str(c, 'name');
  if (name === null) throw bad('no c_info "name"');
  const domid = int(entry, 'domid');
  return {
    name,
    domid,
    uuid: str(c, 'uuid'),
    type: xlJsonType(c, b),
    memoryMiB: kibToMib(int(b, 'target_memkb')),
    maxMemoryMiB: kibToMib(int(b, 'max_memkb')),
    vcpus: int(b, 'max_vcpus'),
    disks: xlJsonList(config, 'disks', bad).map((d) => {
      const source = splitUname(str(d, 'pdev_path'), true);
      const format = str(d, 'format');
      const script = str(d, 'script');
      const cdrom = own(d, 'is_cdrom');
      const rw = own(d, 'readwrite');
      return {
        target: str(d, 'vdev'),
        path: source.path,
        kind: script !== null ? 'other' : source.kind,
        format: format === null || format === 'unknown' ? source.format : format,
        readonly: !(rw === true || (typeof rw === 'number' && rw !== 0)),
        cdrom: cdrom === true || (typeof cdrom === 'number' && cdrom !== 0),
      };
    }),
    nics: xlJsonList(config, 'nics', bad).map((n) => ({ bridge: str(n, 'bridge'), mac: str(n, 'mac'), ip: str(n, 'ip') })),
  };
}

function xlJsonType(c: Record<string, unknown>, b: Record<string, unknown>): XenDomainConfig['type'] {
  const t = own(c, 'type');
  if (typeof t === 'string' && DOMAIN_TYPES.includes(t)) {
    const pvh = own(c, 'pvh');
    return t === 'pv' && (pvh === 'True' || pvh === true) ? 'pvh' : (t as 'hvm' | 'pv' | 'pvh');
  }
  const bt = own(b, 'type');
  if (typeof bt === 'string' && DOMAIN_TYPES.includes(bt)) return bt as 'hvm' | 'pv' | 'pvh';
  for (const k of DOMAIN_TYPES) {
    if (own(b, `type.${k}`) !== undefined || (isRecord(bt) && own(bt, k) !== undefined)) return k as 'hvm' | 'pv' | 'pvh';
  }
  return null;
}

function xlJsonList(config: Record<string, unknown>, key: string, bad: (why: string) => ParseError): Record<string, unknown>[] {
  const v = own(config, key);
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || !v.every(isRecord)) throw bad(`"${key}" is not a list of objects`);
  return v;
}
