import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { labUnavailable } from '../lab/lab.js';
import { COMMANDS, missingCommands, TEST_COMMANDS } from '../lab/packages.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir)).flatMap((f) => {
    const p = join(ROOT, dir, f);
    if (statSync(p).isDirectory()) return f === 'fixtures' || f === '__snapshots__' ? [] : sources(relative(ROOT, p));
    return p.endsWith('.ts') ? [p] : [];
  });
}

const SELF = fileURLToPath(import.meta.url);
const FILES = [...sources('test'), ...sources('bench')].filter((f) => f !== SELF);
const known = new Set<string>(Object.keys(COMMANDS));
const knownPaths = new Set<string>(Object.values(COMMANDS).map((c) => c.path));

/**
 * The commands a source file runs: the literal first argument of Node's exec functions and of the
 * file's own `(cmd: string, ...)` wrappers, `removeCommands` entries, and absolute paths of binaries.
 */
function commandsNamed(text: string): { names: string[]; paths: string[] } {
  const wrappers = [...text.matchAll(/(?:function\s+(\w+)\s*\(|const\s+(\w+)\s*=\s*\()\s*cmd\s*:\s*string/g)].map((m) => m[1] ?? m[2]);
  const callers = ['execFileSync', 'execFile', 'spawnSync', 'spawn', ...wrappers].join('|');
  const names = [...text.matchAll(new RegExp(`\\b(?:${callers})\\(\\s*'([^'/]+)'`, 'g'))].map((m) => m[1] as string);
  for (const m of text.matchAll(/removeCommands:\s*\[([^\]]*)\]/g)) names.push(...[...(m[1] as string).matchAll(/'([^']+)'/g)].map((x) => x[1] as string));
  const paths = [...text.matchAll(/'(\/(?:usr\/)?(?:s?bin|lib\/openssh)\/[\w.+-]+)'/g)].map((m) => m[1] as string);
  return { names, paths };
}

describe('one list of the commands the lab, the tests, the demo and the benches run (test/lab/packages.ts)', () => {
  it('finds what a file runs (the scanner itself)', () => {
    const text = [
      "execFileSync('ip', ['link']); spawn('qemu-img', []);",
      "const sh = (cmd: string, args: string[]) => 1; sh('nft', ['-f']);",
      "plain('x', { removeCommands: ['virsh', 'iptables-save'] }); const B = '/usr/sbin/sshd';",
      "run('xen1', 'xen2'); spawnSync(process.execPath, []);",
    ].join('\n');
    expect(commandsNamed(text)).toEqual({ names: ['ip', 'qemu-img', 'nft', 'virsh', 'iptables-save'], paths: ['/usr/sbin/sshd'] });
  });

  it('every command named in test/ and bench/ is in the list, with its Debian package', () => {
    const unlisted: string[] = [];
    const shells = new Set(['sh', '/bin/sh']); // the shell itself: every Debian system has it
    for (const f of FILES) {
      const { names, paths } = commandsNamed(readFileSync(f, 'utf8'));
      for (const n of names) if (!known.has(n) && !shells.has(n)) unlisted.push(`${relative(ROOT, f)}: ${n}`);
      for (const p of paths) if (!knownPaths.has(p) && !shells.has(p) && !f.includes('/unit/')) unlisted.push(`${relative(ROOT, f)}: ${p}`);
    }
    expect(unlisted).toEqual([]);
    expect(FILES.length).toBeGreaterThan(20);
  });

  // After `npm test`'s set-up (test/lab/setup.ts) every one of them is here: a fresh machine gets them too.
  it.skipIf(labUnavailable() !== null && !process.env.CI)('the set-up installed every command the tests need', () => {
    expect(missingCommands(TEST_COMMANDS).map((c) => `${c} (${COMMANDS[c].pkg})`)).toEqual([]);
    expect(existsSync(COMMANDS.sshd.path)).toBe(true);
  });
});
