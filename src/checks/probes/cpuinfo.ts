import type { CpuFacts } from '../../types.js';
import { ParseError } from './parse-error.js';

/** ARM "CPU implementer" codes (arch/arm64 MIDR), the ones a hypervisor host is likely to carry. */
const ARM_IMPLEMENTERS: Readonly<Record<string, string>> = {
  '0x41': 'ARM',
  '0x42': 'Broadcom',
  '0x43': 'Cavium',
  '0x46': 'Fujitsu',
  '0x48': 'HiSilicon',
  '0x4e': 'NVIDIA',
  '0x50': 'APM',
  '0x51': 'Qualcomm',
  '0x61': 'Apple',
  '0x69': 'Intel',
  '0xc0': 'Ampere',
};

type Block = Map<string, string>;

/**
 * Splits cpuinfo into per-processor key/value blocks. A `processor : <number>` line starts a
 * block and a blank line ends it; lines outside any block (s390's header, the trailer ppc and
 * old 32-bit ARM kernels print after the last processor) are global.
 */
function blocks(text: string): { perCpu: Block[]; global: Block } {
  const perCpu: Block[] = [];
  const global: Block = new Map();
  let current: Block | null = null;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '') {
      current = null;
      continue;
    }
    // vdsm fixtures carry an SPDX header. Only that is skipped: s390 prints a real
    // "# processors    : 4" line.
    if (/^#\s*SPDX-/.test(line)) continue;
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    let key = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (key === 'processor') {
      if (/^\d+$/.test(value)) {
        current = new Map();
        perCpu.push(current);
        continue;
      }
      // Old 32-bit ARM kernels print "Processor : ARMv7 Processor rev 4 (v7l)" (the model,
      // later renamed "model name"); it is no block start.
      key = 'processor name';
    }
    // s390 prints "processor 0: version = ..." lines after a global block.
    if (/^processor \d+$/.test(key)) continue;
    const target = current ?? global;
    if (!target.has(key)) target.set(key, value);
  }
  return { perCpu, global };
}

/** A whole decimal or 0x-hex number, else null (ppc's "model : 8247-22L" is no CPU model number). */
function int(v: string | undefined): number | null {
  if (v === undefined) return null;
  if (/^0x[0-9a-f]+$/i.test(v)) return Number.parseInt(v, 16);
  if (/^\d+$/.test(v)) return Number.parseInt(v, 10);
  return null;
}

const FLAG_KEYS = ['flags', 'features'] as const;

function flagsOf(b: Block): string[] | null {
  for (const k of FLAG_KEYS) {
    const v = b.get(k);
    if (v !== undefined) return v.split(/\s+/).filter(Boolean);
  }
  return null;
}

/**
 * Parses /proc/cpuinfo from any Linux architecture. Flags are those common to every processor
 * (big.LITTLE and mixed-stepping hosts differ per core; a guest may run on any of them).
 */
export function parseCpuinfo(text: string): CpuFacts {
  const { perCpu, global } = blocks(text);
  const all = perCpu.length > 0 ? perCpu : [global];
  const first = all[0] ?? global;
  const get = (k: string): string | undefined => first.get(k) ?? global.get(k);

  let flags: string[] | null = null;
  for (const b of all) {
    const f = flagsOf(b) ?? flagsOf(global);
    if (f === null) continue;
    flags = flags === null ? f : flags.filter((x) => f.includes(x));
  }
  if (perCpu.length === 0 && flags === null && global.size === 0) {
    throw new ParseError('cpuinfo', 'no "processor" or "flags" lines: this is not /proc/cpuinfo output');
  }
  const flagList = [...new Set(flags ?? [])].sort();

  const implementer = get('cpu implementer')?.toLowerCase();
  const vendor =
    get('vendor_id') ??
    get('vendor') ??
    // hasOwn: "CPU implementer : __proto__" must not find Object.prototype.
    (implementer !== undefined ? ((Object.hasOwn(ARM_IMPLEMENTERS, implementer) ? ARM_IMPLEMENTERS[implementer] : undefined) ?? `implementer ${implementer}`) : undefined) ??
    // RISC-V: the JEDEC vendor id, printed as-is (as lscpu does, e.g. 0x489 = SiFive).
    get('mvendorid') ??
    (get('cpu')?.startsWith('POWER') ? 'IBM' : undefined) ??
    null;
  const modelName =
    get('model name') ?? get('cpu model') ?? get('cpu') ?? get('uarch') ?? get('processor name') ?? null;
  const virtExt = flagList.includes('vmx') ? 'vmx' : flagList.includes('svm') ? 'svm' : null;

  return {
    vendor,
    modelName: modelName === null ? null : modelName.replace(/\s+/g, ' '),
    family: int(get('cpu family')),
    model: int(get('model')),
    flags: flagList,
    count: perCpu.length > 0 ? perCpu.length : int(global.get('# processors')) ?? 1,
    nx: flagList.includes('nx'),
    virtExt,
  };
}
