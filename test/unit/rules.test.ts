import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRules, parseRuleFile, selectRules, selectRuleSet } from '../../src/checks/rules.js';
import { UsageError } from '../../src/errors.js';
import { OPERATORS } from '../../src/checks/operators/index.js';
import { RULE_FILE_SCHEMA } from '../../src/checks/rule-schema.js';
import { RuleFileError } from '../../src/errors.js';
import { readFileSync } from 'node:fs';

const ok = `rules:
  - id: site.arch
    title: Same arch
    severity: major
    tags: [site]
    assert: { op: equal, path: os.arch }
`;

function errorOf(text: string): string {
  try {
    parseRuleFile(text, '/tmp/site.yaml');
  } catch (e) {
    expect(e).toBeInstanceOf(RuleFileError);
    return (e as Error).message;
  }
  throw new Error('expected a RuleFileError');
}

describe('rule files', () => {
  it('loads a valid file with the rule source line', () => {
    const rules = parseRuleFile(`# comment\n${ok}`, '/tmp/site.yaml');
    expect(rules).toHaveLength(1);
    expect(rules[0]).toMatchObject({ id: 'site.arch', severity: 'major', source: { file: '/tmp/site.yaml', line: 3 } });
  });

  it('names file, line, column and rule for an unknown operator', () => {
    const text = ok.replace('op: equal', 'op: equals');
    expect(errorOf(text)).toBe(`/tmp/site.yaml:6:19 rule site.arch: unknown operator "equals"; expected one of ${OPERATORS.join(', ')}`);
  });

  it('points at an unknown key', () => {
    expect(errorOf(ok.replace('    tags: [site]', '    tags: [site]\n    severty: minor'))).toBe('/tmp/site.yaml:6:5 rule site.arch: unknown key "severty"');
  });

  it('names a bad severity', () => {
    expect(errorOf(ok.replace('severity: major', 'severity: high'))).toBe('/tmp/site.yaml:4:15 rule site.arch: severity "high" is not one of critical, major, minor, info');
  });

  it('names a missing field', () => {
    expect(errorOf(ok.replace('    title: Same arch\n', ''))).toMatch(/^\/tmp\/site\.yaml:2:5 rule site\.arch: missing "title"$/);
  });

  it('refuses duplicate ids with both places', () => {
    const dup = `${ok}  - id: site.arch\n    title: again\n    severity: minor\n    assert: { op: equal, path: os.arch }\n`;
    expect(errorOf(dup)).toBe('/tmp/site.yaml:7:9 rule site.arch: duplicate id (first defined at /tmp/site.yaml:2:9)');
  });

  it('refuses an assert without paths', () => {
    expect(errorOf(ok.replace('op: equal, path: os.arch', 'op: equal'))).toMatch(/:6:13 rule site\.arch: assert needs "path", or both "src" and "dst"$/);
  });

  it("checks each assertion's parameters against what its operator declares (operators/<name>.ts)", () => {
    // A parameter another operator takes is not this one's.
    expect(errorOf(ok.replace('op: equal, path: os.arch', 'op: equal, path: os.arch, tolerance: 5'))).toMatch(/:6:\d+ rule site\.arch: equal takes no "tolerance"$/);
    expect(errorOf(ok.replace('op: equal, path: os.arch', 'op: within, path: os.arch, key: name'))).toMatch(/rule site\.arch: within takes no "key" \(it takes "tolerance", "unit"\)$/);
    // A required one is missing.
    expect(errorOf(ok.replace('op: equal, path: os.arch', 'op: within, path: os.arch'))).toMatch(/:6:13 rule site\.arch: within needs "tolerance"$/);
    expect(errorOf(ok.replace('op: equal, path: os.arch', 'op: match, path: os.arch'))).toMatch(/rule site\.arch: match needs "key"$/);
    // The operator's own check: a pattern that does not compile.
    expect(errorOf(ok.replace('op: equal, path: os.arch', "op: matches, path: os.arch, pattern: '('"))).toMatch(/rule site\.arch: bad regular expression: /);
    // The published schema lists every operator's parameters, saying which operators take each.
    const props = (RULE_FILE_SCHEMA.properties.rules.items.properties.assert as { anyOf: { properties: Record<string, { description?: string }> }[] }).anyOf[0]?.properties ?? {};
    expect(props.tolerance?.description).toBe('within: the largest allowed |src - dst|');
    expect(props.ignore?.description).toMatch(/^subset, superset, disjoint, guest-cpu: /);
  });

  it('reports YAML syntax errors with a position', () => {
    expect(errorOf('rules:\n  - id: [unclosed\n')).toMatch(/^\/tmp\/site\.yaml:\d+:\d+ /);
  });

  it('refuses alias bombs', () => {
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 120; i++) bomb.push(`a${i}: &a${i} [*a${i === 1 ? '' : i - 1},*a${i === 1 ? '' : i - 1}]`);
    expect(errorOf(bomb.join('\n'))).toMatch(/alias/i);
  });

  it('refuses files over the size limit before parsing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mp-rules-'));
    writeFileSync(join(dir, 'huge.yaml'), `# ${'x'.repeat(1024 * 1024 + 10)}\n`);
    expect(() => loadRules([join(dir, 'huge.yaml')], { builtin: false })).toThrow(/limit is 1048576/);
  });

  it('lets a site file override a built-in rule by id', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mp-rules-'));
    writeFileSync(
      join(dir, 'site.yaml'),
      'rules:\n  - id: cpu.flags\n    title: relaxed\n    severity: minor\n    assert: { op: subset, path: cpu.flags }\n',
    );
    const set = loadRules([dir]);
    const flags = set.rules.filter((r) => r.id === 'cpu.flags');
    expect(flags).toHaveLength(1);
    expect(flags[0]).toMatchObject({ severity: 'minor', title: 'relaxed' });
    expect(set.files.map((f) => f.path)).toEqual(['rules/cpu.yaml', 'rules/host.yaml', 'rules/kvm.yaml', 'rules/xen.yaml', join(dir, 'site.yaml')]);
    expect(set.files.every((f) => /^[0-9a-f]{64}$/.test(f.sha256))).toBe(true);
  });

  it('the built-in rules are valid and carry the contract ids', () => {
    const ids = loadRules().rules.map((r) => r.id);
    expect(ids).toEqual(expect.arrayContaining(['cpu.arch', 'cpu.vendor', 'cpu.nx', 'cpu.flags', 'domain.names-unique', 'xen.relocation']));
  });

  it('selects by id, glob and tag; skip wins', () => {
    const rules = loadRules().rules;
    const cpu = ['cpu.arch', 'cpu.bits', 'cpu.flags', 'cpu.model', 'cpu.nx', 'cpu.vendor', 'cpu.virt-ext'];
    expect(selectRules(rules, ['cpu.*'], []).map((r) => r.id).sort()).toEqual(cpu);
    expect(selectRules(rules, ['tag:domain'], []).map((r) => r.id)).toEqual([
      'cpu.virt-ext', 'domain.guest-cpu', 'domain.names-unique', 'domain.uuids-unique', 'domain.graphics-listen', 'storage.disk-paths', 'storage.disk-cache', 'domain.migration-blockers', 'domain.machine-type', 'migration.convergence',
      'storage.block-space', 'storage.image-format', 'xen.names-unique',
    ]);
    // A bare word is an id glob or a tag: domain.guest-cpu, xen.caps and xen.hvm are tagged cpu.
    expect(selectRules(rules, ['cpu'], ['cpu.flags']).map((r) => r.id).sort()).toEqual([...cpu.filter((x) => x !== 'cpu.flags'), 'domain.guest-cpu', 'xen.caps', 'xen.hvm']);
    expect(selectRules(rules, ['storage.*', 'tag:firewall'], []).map((r) => r.id).sort()).toEqual([
      'firewall.migration-ports', 'storage.block-space', 'storage.disk-cache', 'storage.disk-paths', 'storage.image-format', 'storage.pools', 'storage.save-space', 'storage.shared-mounts',
    ]);
  });

  it('a selector that matches no rule is a usage error naming the nearest ids; so is a selection of nothing', () => {
    const rules = loadRules().rules;
    expect(() => selectRules(rules, ['cpu.nxx'], [])).toThrow(new UsageError('--only "cpu.nxx" matches no rule; nearest: cpu.nx (migrate-preflight rules list)'));
    expect(() => selectRules(rules, [], ['tag:fireball'])).toThrow(/^--skip "tag:fireball" matches no rule; nearest: tag:firewall /);
    expect(() => selectRules(rules, ['zzzzzzzz'], [])).toThrow(/^--only "zzzzzzzz" matches no rule \(migrate-preflight rules list\)$/);
    expect(() => selectRules(rules, [], ['*'])).toThrow(new UsageError('--skip * leaves no rule to evaluate'));
    expect(() => selectRules(rules, ['cpu.*'], ['cpu'])).toThrow(new UsageError('--only cpu.* --skip cpu leave no rule to evaluate'));
    expect(selectRuleSet(loadRules(), ['cpu.*'], [])).toMatchObject({ leftOut: rules.length - 7 });
  });

  it('rules/schema.json is the schema the loader validates with', () => {
    const onDisk: unknown = JSON.parse(readFileSync(new URL('../../rules/schema.json', import.meta.url), 'utf8'));
    expect(onDisk).toEqual(RULE_FILE_SCHEMA);
  });
});
