/** Rule messages: `{name}` and `{name|unit}` placeholders filled from an operator's data. */
import { human } from '../units.js';
import { show } from './values.js';

const UNITS: Record<string, (n: number) => string> = {
  kib: (n) => human(n * 1024),
  bytes: (n) => human(n),
  ms: (n) => (Math.abs(n) >= 1000 ? `${(n / 1000).toFixed(1)} s` : `${Math.round(n)} ms`),
};

/** Fills `{name}` / `{name|kib}` placeholders from the operator's data; lists are joined with ", ". */
export function formatMessage(template: string, data: Readonly<Record<string, unknown>>): string {
  return template.replace(/\{([a-zA-Z]+)(?:\|([a-z]+))?\}/g, (all, k: string, unit?: string) => {
    if (!(k in data)) return all;
    const v = data[k];
    const conv = unit ? UNITS[unit] : undefined;
    if (conv && typeof v === 'number') return conv(v);
    if (Array.isArray(v)) return v.length === 0 ? '(none)' : v.map(show).join(', ');
    return v === null || v === undefined ? '(none)' : show(v);
  });
}
