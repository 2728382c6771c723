/**
 * parseCpuinfo against real /proc/cpuinfo dumps from 57 machines, read in place from the shared
 * corpus (/work/shared/corpus, origins in its SOURCES.md). Where the corpus holds what lscpu
 * printed on the same machine (`<name>.lscpu-expected` from util-linux's test suite, or
 * `<name>.lscpu` captured by chef/ohai), the parse is cross-checked against it.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { corpusDirs } from './corpus-dir.js';
import { parseCpuinfo } from '../../src/checks/probes/cpuinfo.js';
import type { CpuFacts } from '../../src/types.js';

const { dirs: [CPUINFO_DIR = ''], present: PRESENT } = corpusDirs('cpuinfo', 'cpuinfo');

const FILES = PRESENT
  ? readdirSync(CPUINFO_DIR)
      .filter((f) => f.endsWith('.cpuinfo'))
      .sort()
  : [];

const read = (file: string): string => readFileSync(`${CPUINFO_DIR}${file}`, 'utf8');
const facts = (name: string): CpuFacts => parseCpuinfo(read(`${name}.cpuinfo`));

type Isa = 'x86' | 'arm64' | 'arm32' | 'ppc' | 's390' | 'riscv' | 'loongarch';

/** The ISA family, told from the raw text independently of the parser. */
function isaOf(text: string): Isa | null {
  if (/^vendor_id\s*:\s*IBM\/S390/m.test(text)) return 's390';
  if (/^isa\s*:\s*rv\d/m.test(text)) return 'riscv';
  if (/^ISA\s*:.*loongarch/m.test(text)) return 'loongarch';
  if (/^cpu\s*:\s*POWER/m.test(text)) return 'ppc';
  if (/^CPU architecture\s*:\s*8/m.test(text)) return 'arm64';
  if (/^CPU architecture\s*:\s*7/m.test(text)) return 'arm32';
  if (/^vendor_id\s*:/m.test(text) && /^flags\s*:/m.test(text)) return 'x86';
  return null;
}

/** Every distinct flag set printed in the file (one per processor, or one global line). */
function rawFlagSets(text: string): string[][] {
  const lines = text.split('\n').filter((l) => /^(flags|features)\s*:/i.test(l));
  return lines.map((l) => [...new Set(l.slice(l.indexOf(':') + 1).trim().split(/\s+/).filter(Boolean))].sort());
}

interface Lscpu {
  /** Every value of each "Key:" line of the human-readable part (big.LITTLE repeats keys). */
  readonly fields: ReadonlyMap<string, readonly string[]>;
  /** Number of online CPUs: "On-line CPU(s) list", else the rows of the parsable table. */
  readonly online: number | null;
}

function readLscpu(name: string): Lscpu | null {
  const file = [`${name}.lscpu-expected`, `${name}.lscpu`].find((f) => existsSync(`${CPUINFO_DIR}${f}`));
  if (file === undefined) return null;
  const lines = read(file).split('\n');
  const fields = new Map<string, string[]>();
  let last: string[] | null = null;
  for (const line of lines) {
    if (line.trim() === '') break; // the parsable table follows the first blank line
    const m = /^([^:]+):\s*(.*)$/.exec(line);
    if (!m) {
      // ohai's lscpu-x86-host-vuln fixture is hard-wrapped at 119 columns, mid-word
      // ("... epb in" / "vpcid_single ..."): a line without a key continues the previous value.
      if (last !== null) last[last.length - 1] += line.trimEnd();
      continue;
    }
    const key = m[1] as string;
    last = [...(fields.get(key) ?? []), (m[2] as string).trim()];
    fields.set(key, last);
  }
  let online: number | null = null;
  const list = fields.get('On-line CPU(s) list')?.[0];
  if (list !== undefined) {
    online = 0;
    for (const part of list.split(',')) {
      const [a, b] = part.split('-').map(Number);
      online += b === undefined ? 1 : b - (a as number) + 1;
    }
  } else {
    const start = lines.findIndex((l) => /^\d+,/.test(l));
    if (start >= 0) {
      let end = start;
      while (end < lines.length && /^\d+,/.test(lines[end] as string)) end++;
      online = end - start;
    }
  }
  return { fields, online };
}

const ws = (s: string): string => s.trim().replace(/\s+/g, ' ');

/** Documented differences from lscpu, each with its one-line why. All other files keep every assertion. */
const MODEL_NAME_EXCEPTIONS: Readonly<Partial<Record<Isa, string>>> = {
  // e.g. lscpu "Cortex-A15", "Neoverse-N1"; arm64 cpuinfo has no model name at all.
  arm64: 'lscpu names ARM cores from its own CPU-part table; cpuinfo has only the part number',
  arm32: 'lscpu names ARM cores from its own CPU-part table; cpuinfo has only the part number',
};
const COUNT_EXCEPTIONS: Readonly<Record<string, string>> = {
  'ohai-ppc64le-p9-host': 'ohai trimmed the cpuinfo fixture to processors 0 and 4 of the 32 online',
  'ohai-x86-guest-vtx': 'ohai cpuinfo (processors 0,1) and lscpu (0,2,5,9 online) are not one snapshot',
};
const FLAGS_EXCEPTIONS: Readonly<Record<string, { why: string; onlyInCpuinfo: readonly string[] }>> = {
  'ohai-x86-guest-vtx': {
    why: 'ohai cpuinfo and lscpu come from different boots (cpuinfo has the 2018 mitigation flags)',
    onlyInCpuinfo: ['flush_l1d', 'ibpb', 'ibrs', 'ss', 'ssbd', 'stibp'],
  },
};

describe.skipIf(!PRESENT)('cpuinfo corpus: every file', () => {
  it('holds the 57 machines over 7 ISA families (i386 and x86_64 both read as x86)', () => {
    expect(FILES).toHaveLength(57);
    const byIsa = new Map<Isa | null, number>();
    for (const f of FILES) {
      const isa = isaOf(read(f));
      byIsa.set(isa, (byIsa.get(isa) ?? 0) + 1);
    }
    expect(Object.fromEntries(byIsa)).toEqual({
      x86: 37,
      arm64: 4,
      arm32: 2,
      ppc: 6,
      s390: 6,
      riscv: 1,
      loongarch: 1,
    });
  });

  describe.each(FILES)('%s', (file) => {
    const text = read(file);
    const isa = isaOf(text);

    it('parses: no throw, count >= 1, flags sorted and unique, derived fields consistent', () => {
      const c = parseCpuinfo(text);
      expect(c.count).toBeGreaterThanOrEqual(1);
      expect(Number.isInteger(c.count)).toBe(true);
      expect([...c.flags]).toEqual([...new Set(c.flags)].sort());
      expect(c.flags.every((f) => f.length > 0 && !/\s/.test(f))).toBe(true);
      expect(c.nx).toBe(c.flags.includes('nx'));
      expect(c.virtExt).toBe(c.flags.includes('vmx') ? 'vmx' : c.flags.includes('svm') ? 'svm' : null);
      // Flags are what every processor has: never more than any single processor printed.
      for (const set of rawFlagSets(text)) expect(set).toEqual(expect.arrayContaining([...c.flags]));
      if (rawFlagSets(text).length > 0) expect(c.flags.length).toBeGreaterThan(0);
      if (isa === 'x86') {
        expect(c.vendor).toMatch(/^(GenuineIntel|AuthenticAMD|HygonGenuine)$/);
        expect(c.modelName).not.toBeNull();
        expect(c.family).not.toBeNull();
        expect(c.model).not.toBeNull();
      } else {
        // family/model are x86 CPUID numbers; other ISAs must not get partial parses of their
        // "model : 8247-22L" style machine lines.
        expect(c.family).toBeNull();
        expect(c.model).toBeNull();
      }
    });
  });
});

const WITH_LSCPU = FILES.map((f) => f.replace(/\.cpuinfo$/, '')).filter((n) => readLscpu(n) !== null);

describe.skipIf(!PRESENT)('cpuinfo corpus: cross-check against lscpu on the same machine', () => {
  it('has lscpu output for 35 of the machines', () => {
    expect(WITH_LSCPU).toHaveLength(35);
  });

  // Each check is registered only where it applies, so no test passes without asserting.
  describe.each(WITH_LSCPU)('%s', (name) => {
    const text = read(`${name}.cpuinfo`);
    const isa = isaOf(text);
    const ls = readLscpu(name) as Lscpu;
    const one = (k: string): string | undefined => ls.fields.get(k)?.[0];

    const vendor = one('Vendor ID');
    if (vendor !== undefined) {
      it(`Vendor ID: ${vendor}`, () => {
        expect(parseCpuinfo(text).vendor).toBe(vendor);
      });
    }

    const names = ls.fields.get('Model name'); // old lscpu versions did not print it
    if (names !== undefined && isa !== null) {
      const why = MODEL_NAME_EXCEPTIONS[isa];
      if (why === undefined) {
        it('Model name (whitespace-normalised; lscpu "-" means none)', () => {
          expect(names).toHaveLength(1);
          const expected = names[0] === '-' ? null : ws(names[0] as string);
          expect(parseCpuinfo(text).modelName).toBe(expected);
        });
      } else {
        // The exception, checked: lscpu's name is not what cpuinfo says; the parser reports cpuinfo's own.
        it(`Model name: cpuinfo's own, not lscpu's (${why})`, () => {
          const m = parseCpuinfo(text).modelName;
          if (m !== null) expect(ws(text)).toContain(m);
          expect(m).not.toBe(ws(names[0] as string));
          expect(text).not.toContain(names[0] as string);
        });
      }
    }

    if (isa === 'x86') {
      // Elsewhere lscpu's "Model" is a revision or PVR, not comparable.
      it('CPU family and Model (x86 CPUID numbers)', () => {
        const c = parseCpuinfo(text);
        expect(c.family).toBe(Number(one('CPU family')));
        expect(c.model).toBe(Number(one('Model')));
      });
    }

    const flagLines = ls.fields.get('Flags'); // old lscpu versions did not print flags
    if (flagLines !== undefined) {
      const lscpuSets = flagLines.map((l) => [...new Set(l.split(/\s+/).filter(Boolean))].sort());
      // big.LITTLE: lscpu prints one Flags line per core type; the common set is their intersection.
      const common = lscpuSets.reduce((acc, s) => acc.filter((f) => s.includes(f)));
      const exception = FLAGS_EXCEPTIONS[name];
      if (exception !== undefined) {
        it(`Flags: lscpu's plus ${exception.onlyInCpuinfo.join(' ')} (documented: ${exception.why})`, () => {
          expect([...parseCpuinfo(text).flags]).toEqual([...common, ...exception.onlyInCpuinfo].sort());
        });
      } else if (new Set(rawFlagSets(text).map((s) => s.join(' '))).size === 1) {
        it('Flags: equal to lscpu (all processors share one flag set)', () => {
          expect([...parseCpuinfo(text).flags]).toEqual(common);
        });
      } else {
        it("Flags: processors differ, ours (the intersection) is a subset of lscpu's first CPU", () => {
          expect(common).toEqual(expect.arrayContaining([...parseCpuinfo(text).flags]));
        });
      }
    }

    const online = ls.online;
    if (online !== null) {
      const why = COUNT_EXCEPTIONS[name];
      if (why === undefined) {
        it(`count equals the ${online} online CPUs lscpu saw`, () => {
          expect(parseCpuinfo(text).count).toBe(online);
        });
      } else {
        it(`count: fewer than lscpu's ${online} online CPUs (documented: ${why})`, () => {
          expect(parseCpuinfo(text).count).toBeLessThan(online);
        });
      }
    }
  });

  // Guards against the cross-checks silently turning into no-ops (e.g. a renamed lscpu key).
  it('each cross-check applies to a known number of files', () => {
    const applies = { vendor: 0, modelName: 0, familyModel: 0, flags: 0, count: 0 };
    for (const name of WITH_LSCPU) {
      const ls = readLscpu(name) as Lscpu;
      const isa = isaOf(read(`${name}.cpuinfo`));
      if (ls.fields.has('Vendor ID')) applies.vendor++;
      if (ls.fields.has('Model name') && isa !== null && MODEL_NAME_EXCEPTIONS[isa] === undefined) applies.modelName++;
      if (isa === 'x86') applies.familyModel++;
      if (ls.fields.has('Flags')) applies.flags++;
      if (ls.online !== null && !(name in COUNT_EXCEPTIONS)) applies.count++;
    }
    expect(applies).toEqual({ vendor: 28, modelName: 22, familyModel: 20, flags: 20, count: 33 });
  });
});

describe.skipIf(!PRESENT)('cpuinfo corpus: hand-checked values', () => {
  it('Intel Xeon E5520, Dell R610 (x86_64, vmx): 16 CPUs', () => {
    const c = facts('x86_64-dell_poweredgeR610');
    expect(c).toMatchObject({
      vendor: 'GenuineIntel',
      modelName: 'Intel(R) Xeon(R) CPU E5520 @ 2.27GHz', // "CPU           E5520  @" in the file
      family: 6,
      model: 26,
      count: 16,
      nx: true,
      virtExt: 'vmx',
    });
    expect(c.flags).toHaveLength(47);
    expect(c.flags).toEqual(expect.arrayContaining(['lm', 'nx', 'vmx', 'sse4_2', 'popcnt', 'ss']));
    expect(c.flags).not.toContain('svm');
    expect(c.flags).not.toContain('hypervisor');
  });

  it('AMD EPYC 7451 (x86_64, svm): 96 CPUs', () => {
    const c = facts('x86_64-epyc_7451');
    expect(c).toMatchObject({
      vendor: 'AuthenticAMD',
      modelName: 'AMD EPYC 7451 24-Core Processor',
      family: 23,
      model: 1,
      count: 96,
      nx: true,
      virtExt: 'svm',
    });
    expect(c.flags).toHaveLength(111);
    expect(c.flags).toEqual(expect.arrayContaining(['svm', 'npt', 'avic', 'sha_ni', 'lm']));
    expect(c.flags).not.toContain('vmx');
  });

  it('Pentium 4, Dell PE700 (32-bit x86): no lm, no nx, no virtualization', () => {
    const c = facts('i386-dellpe700');
    expect(c).toMatchObject({
      vendor: 'GenuineIntel',
      modelName: 'Intel(R) Pentium(R) 4 CPU 3.40GHz',
      family: 15,
      model: 2,
      count: 2,
      nx: false,
      virtExt: null,
    });
    expect(c.flags).toHaveLength(29);
    expect(c.flags).not.toContain('lm');
    expect(c.flags).toEqual(expect.arrayContaining(['pae', 'sse2', 'ht', 'xtpr']));
  });

  it('Opteron 8354, HP DL585 (x86_64): svm but nx absent', () => {
    const c = facts('x86_64-hpdl585');
    expect(c).toMatchObject({
      vendor: 'AuthenticAMD',
      modelName: 'Quad-Core AMD Opteron(tm) Processor 8354',
      family: 16,
      model: 2,
      count: 16,
      nx: false,
      virtExt: 'svm',
    });
    expect(c.flags).toContain('lm');
    expect(c.flags).not.toContain('nx');
  });

  it('VMware guest with mixed flags: lwp only on odd CPUs is dropped from the common set', () => {
    const c = facts('vmware_fpe');
    expect(c.count).toBe(16);
    expect(c.virtExt).toBe('svm');
    expect(c.flags).not.toContain('lwp');
    expect(read('vmware_fpe.cpuinfo')).toMatch(/^flags\s*:.* lwp /m);
  });

  it('AWS Graviton2 (aarch64, no blank lines between blocks): vendor from CPU implementer 0x41', () => {
    const c = facts('ohai-aarch64-graviton2');
    expect(c).toEqual({
      vendor: 'ARM',
      modelName: null, // arm64 kernels print no model name; lscpu says Neoverse-N1 from part 0xd0c
      family: null,
      model: null,
      flags: [
        'aes', 'asimd', 'asimddp', 'asimdhp', 'asimdrdm', 'atomics', 'cpuid', 'crc32', 'dcpop',
        'evtstrm', 'fp', 'fphp', 'lrcpc', 'pmull', 'sha1', 'sha2', 'ssbs',
      ],
      count: 2,
      nx: false,
      virtExt: null,
    });
  });

  it('Cavium ThunderX and APM guest (aarch64): implementer codes 0x43 and 0x50', () => {
    expect(facts('facter-cavium-thunderx-arm64').vendor).toBe('Cavium');
    expect(facts('ohai-aarch64-guest-kvm').vendor).toBe('APM');
  });

  it('big.LITTLE (Cortex-A510/A710/A715/X3): 8 CPUs, the flags common to all cores', () => {
    const c = facts('arm-A510-A710-A715-X3');
    expect(c.vendor).toBe('ARM');
    expect(c.count).toBe(8);
    expect(c.flags).toHaveLength(37);
    expect(c.flags).toEqual(expect.arrayContaining(['bti', 'i8mm', 'bf16', 'paca']));
  });

  it('ARMv7, old kernel layout ("Processor : ARMv7 ...", Features and implementer after the blocks)', () => {
    const c = facts('armv7');
    expect(c).toEqual({
      vendor: 'ARM',
      modelName: 'ARMv7 Processor rev 4 (v7l)',
      family: null,
      model: null,
      flags: ['edsp', 'fastmult', 'half', 'idiva', 'idivt', 'neon', 'swp', 'thumb', 'thumbee', 'tls', 'vfp', 'vfpv3', 'vfpv4'],
      count: 2,
      nx: false,
      virtExt: null,
    });
  });

  it('ARMv7 with both "processor" and "Processor" per block: 8 CPUs, not 16', () => {
    const c = facts('gopsutil-armv7-8core');
    expect(c.count).toBe(8);
    expect(c.vendor).toBe('ARM');
    expect(c.modelName).toBe('ARMv7 Processor rev 4 (v7l)');
    expect(c.flags).toContain('lpae');
  });

  it('IBM s390x (ohai): vendor IBM/S390, "# processors : 4", features as flags', () => {
    const c = facts('ohai-s390x');
    expect(c).toEqual({
      vendor: 'IBM/S390',
      modelName: null, // lscpu prints "-"
      family: null,
      model: null,
      flags: [
        'dflt', 'dfp', 'edat', 'eimm', 'esan3', 'etf3eh', 'gs', 'highgprs', 'ldisp', 'msa', 'sort',
        'stfle', 'te', 'vx', 'vxd', 'vxe', 'vxe2', 'vxp', 'zarch',
      ],
      count: 4,
      nx: false,
      virtExt: null,
    });
  });

  it('s390x LPAR with offline CPUs: "# processors : 17" (lscpu: 20 CPUs, 17 online)', () => {
    expect(facts('s390-lpar').count).toBe(17);
    expect(facts('vdsm-z14-s390x')).toMatchObject({ vendor: 'IBM/S390', count: 7 });
    expect(facts('vdsm-z14-s390x').flags).toContain('sie');
  });

  it('POWER8E ppc64le host: 20 CPUs, no flags line, machine "model" not taken as a number', () => {
    const c = facts('ohai-ppc64le-p8-host');
    expect(c).toEqual({
      vendor: 'IBM',
      modelName: 'POWER8E (raw), altivec supported',
      family: null,
      model: null, // the trailer says "model : 8247-22L", a machine type
      flags: [],
      count: 20,
      nx: false,
      virtExt: null,
    });
    expect(facts('ohai-ppc64le-p9-guest-kvm')).toMatchObject({
      modelName: 'POWER9 (architected), altivec supported',
      count: 16,
    });
  });

  it('RISC-V VisionFive 2: vendor is mvendorid (as lscpu), model from uarch', () => {
    expect(facts('rv64-visionfive2')).toEqual({
      vendor: '0x489',
      modelName: 'sifive,u74-mc',
      family: null,
      model: null,
      flags: [],
      count: 4,
      nx: false,
      virtExt: null,
    });
  });

  it('LoongArch 3A5000: "Model Name" and "Features", no vendor line', () => {
    expect(facts('loongarch-loongson_3a5000_hv')).toEqual({
      vendor: null,
      modelName: 'Loongson-3A5000-HV',
      family: null,
      model: null,
      flags: ['complex', 'cpucfg', 'crypto', 'fpu', 'lam', 'lasx', 'lsx', 'lvz', 'ual'],
      count: 4,
      nx: false,
      virtExt: null,
    });
  });

  it('vdsm Xeon E5649 with its 2-line "# SPDX-" header: 24 CPUs, vmx', () => {
    expect(read('vdsm-xeon-e5649.cpuinfo')).toMatch(/^# SPDX-/);
    expect(facts('vdsm-xeon-e5649')).toMatchObject({
      vendor: 'GenuineIntel',
      modelName: 'Intel(R) Xeon(R) CPU E5649 @ 2.53GHz',
      family: 6,
      model: 44,
      count: 24,
      nx: true,
      virtExt: 'vmx',
    });
  });

  it('Hygon C86 (x86_64): vendor HygonGenuine, family 24', () => {
    expect(facts('gopsutil-hygon-c86')).toEqual({
      vendor: 'HygonGenuine',
      modelName: 'Hygon C86-4G (OPN:5435)',
      family: 24,
      model: 6,
      flags: ['de', 'fpu', 'pse', 'vme'], // the fixture's flags line is trimmed to these
      count: 1,
      nx: false,
      virtExt: null,
    });
  });
});
