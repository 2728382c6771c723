/** YAML: a small tree built from js-yaml's events, so every node keeps its line. */
import { EVENT_ID, getScalarValue, parseEvents, SCALAR_STYLE } from 'js-yaml';
import type { Fail } from './model.js';

const MAX_ALIASES = 100;
/** Bounds the walk of a YAML document whose aliases share subtrees. */
const MAX_YAML_VISITS = 1_000_000;

export type YNode =
  | { readonly kind: 'scalar'; readonly text: string; readonly isNull: boolean; readonly tag: string | null; readonly line: number }
  | { readonly kind: 'seq'; readonly items: YNode[]; readonly line: number }
  | { readonly kind: 'map'; readonly entries: YEntry[]; readonly line: number };
export interface YEntry {
  readonly key: string;
  readonly keyLine: number;
  readonly value: YNode;
  readonly merge: boolean;
}

export function buildYaml(text: string, file: string, fail: Fail): YNode | null {
  const events = parseEvents(text, { filename: file });
  const newlines: number[] = [];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) newlines.push(i);
  const lineOf = (offset: number): number => {
    let lo = 0;
    let hi = newlines.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((newlines[mid] as number) < offset) lo = mid + 1;
      else hi = mid;
    }
    return lo + 1;
  };
  type Frame = { node: Extract<YNode, { kind: 'seq' | 'map' }>; anchor: string | null; key: { text: string; line: number; plain: boolean } | null; keys: Set<string> };
  const stack: Frame[] = [];
  const anchors = new Map<string, YNode>();
  let root: YNode | null = null;
  let documents = 0;
  let aliases = 0;
  let lastLine = 1;
  const attach = (node: YNode, plainKey: boolean, keyText: string | null): void => {
    const top = stack[stack.length - 1];
    if (!top) {
      if (documents === 1) root = node;
      return;
    }
    if (top.node.kind === 'seq') {
      top.node.items.push(node);
    } else if (top.key === null) {
      if (keyText === null) fail(node.line, 'a mapping key must be a plain string, not a mapping or list');
      top.key = { text: keyText as string, line: node.line, plain: plainKey };
    } else {
      const k = top.key;
      const merge = k.plain && k.text === '<<';
      if (!merge && top.keys.has(k.text)) fail(k.line, `duplicate key "${k.text}"`);
      top.keys.add(k.text);
      top.node.entries.push({ key: k.text, keyLine: k.line, value: node, merge });
      top.key = null;
    }
  };
  for (const ev of events) {
    switch (ev.type) {
      case EVENT_ID.DOCUMENT:
        documents++;
        if (documents > 1) fail(lastLine, 'more than one YAML document (---) in the inventory');
        break;
      case EVENT_ID.MAPPING:
      case EVENT_ID.SEQUENCE: {
        const line = lineOf(ev.start);
        lastLine = line;
        const node: Frame['node'] = ev.type === EVENT_ID.MAPPING ? { kind: 'map', entries: [], line } : { kind: 'seq', items: [], line };
        attach(node, false, null);
        stack.push({ node, anchor: ev.anchorStart >= 0 ? text.slice(ev.anchorStart, ev.anchorEnd) : null, key: null, keys: new Set() });
        break;
      }
      case EVENT_ID.SCALAR: {
        const at = ev.valueStart >= 0 ? ev.valueStart : ev.tagStart >= 0 ? ev.tagStart : ev.anchorStart;
        const line = at >= 0 ? lineOf(at) : lastLine;
        lastLine = line;
        const value = getScalarValue(text, ev);
        const tag = ev.tagStart >= 0 ? text.slice(ev.tagStart, ev.tagEnd) : null;
        const isNull = (ev.style === SCALAR_STYLE.PLAIN && tag === null && /^(?:|~|null|Null|NULL)$/.test(value)) || tag === '!!null';
        const node: YNode = { kind: 'scalar', text: value, isNull, tag, line };
        if (ev.anchorStart >= 0) anchors.set(text.slice(ev.anchorStart, ev.anchorEnd), node);
        attach(node, ev.style === SCALAR_STYLE.PLAIN, value);
        break;
      }
      case EVENT_ID.ALIAS: {
        const name = text.slice(ev.anchorStart, ev.anchorEnd);
        const line = lineOf(ev.anchorStart);
        lastLine = line;
        if (++aliases > MAX_ALIASES) fail(line, `more than ${MAX_ALIASES} YAML aliases`);
        const node = anchors.get(name);
        if (!node) return fail(line, `unknown YAML alias *${name}`);
        attach(node, false, node.kind === 'scalar' ? node.text : null);
        break;
      }
      case EVENT_ID.POP: {
        const f = stack.pop();
        if (f?.anchor) anchors.set(f.anchor, f.node);
        break;
      }
    }
  }
  return root;
}

/** A mapping's entries with `<<` merges applied (explicit keys win, then earlier merged sources). */
export function entriesOf(node: Extract<YNode, { kind: 'map' }>, fail: Fail, visits: { n: number }): YEntry[] {
  const explicit = node.entries.filter((e) => !e.merge);
  const have = new Set(explicit.map((e) => e.key));
  const merged: YEntry[] = [];
  for (const m of node.entries.filter((e) => e.merge)) {
    const sources = m.value.kind === 'seq' ? m.value.items : [m.value];
    for (const s of sources) {
      if (s.kind !== 'map') return fail(m.keyLine, 'a << merge key needs a mapping or a list of mappings');
      for (const e of entriesOf(s, fail, visits)) {
        if (!have.has(e.key)) {
          have.add(e.key);
          merged.push(e);
        }
      }
    }
  }
  visits.n += explicit.length + merged.length;
  if (visits.n > MAX_YAML_VISITS) fail(node.line, 'the inventory is too large once its YAML aliases are expanded');
  return [...explicit, ...merged];
}

export const describe = (n: YNode): string => (n.kind === 'map' ? 'a mapping' : n.kind === 'seq' ? 'a list' : n.isNull ? 'null' : `the string ${JSON.stringify(n.text)}`);
