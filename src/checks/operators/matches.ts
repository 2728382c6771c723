import { defineOperator } from './define.js';
import { strings } from './values.js';

export const matchesOp = defineOperator<'matches', { pattern: string; negate?: boolean }>({
  name: 'matches',
  kind: 'host',
  summary: 'every value matches the regular expression `pattern` (with `negate`, none does)',
  params: {
    pattern: { type: 'string', description: 'a JavaScript regular expression' },
    negate: { type: 'boolean', description: 'no value may match' },
  },
  required: ['pattern'],
  check(p) {
    try {
      new RegExp(p.pattern);
      return null;
    } catch (e) {
      return { param: 'pattern', problem: `bad regular expression: ${(e as Error).message}` };
    }
  },
  evaluate(v, p) {
    const re = new RegExp(p.pattern);
    const bad = strings(v).filter((x) => re.test(x) === (p.negate ?? false));
    return { ok: bad.length === 0, detail: p.negate ? `${bad.join(', ')} matches ${p.pattern}` : `${bad.join(', ')} does not match ${p.pattern}` };
  },
});
