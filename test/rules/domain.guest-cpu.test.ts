import { readFileSync } from 'node:fs';
import { migrationFacts } from '../../src/checks/migration.js';
import { buildFacts } from '../../src/checks/probes/index.js';
import type { HostFacts, ProbeOutput } from '../../src/types.js';
import { migrationPlan, testRule } from './rule-tester.js';

// Real outputs (test/fixtures): the libvirt 9.0 / QEMU 7.2 lab host's domcapabilities (KVM's and TCG's), its guest g1
// (`virsh dumpxml --migratable`: type qemu, custom qemu64, check='none'), and /proc/cpuinfo of three Intel CPUs.
const fx = (path: string) => readFileSync(new URL(`../fixtures/${path}`, import.meta.url), 'utf8');
const out = (stdout: string): ProbeOutput => ({ command: 'x', exitCode: 0, stdout, stderr: '', sha256: '', durationMs: 0 });
const DOMCAPS = fx('libvirt-qemu/domcapabilities-default.xml');
const TCG = fx('libvirt-qemu/domcapabilities-tcg.xml');
const G1 = fx('libvirt-qemu/dumpxml-migratable-tcg.xml');
const facts = (cpuinfo: string, o: Record<string, string> = {}) =>
  buildFacts(Object.fromEntries(Object.entries({ cpuinfo: fx(`cpuinfo/${cpuinfo}`), 'virsh-domcaps': DOMCAPS, 'virsh-domcaps-tcg': TCG, ...o }).map(([k, v]) => [k, out(v)]))).facts;
const PLAN = migrationPlan();
/** The source running g1 as `xml` defines it (null: no definition from virsh-domxml), with the move's facts derived as a run derives them. */
function source(cpuinfo: string, xml: string | null): HostFacts {
  const f = facts(cpuinfo, { 'virsh-version': fx('libvirt-qemu/virsh-version.txt'), 'virsh-list': fx('libvirt-qemu/virsh-list.txt'), 'virsh-uuids': fx('libvirt-qemu/virsh-list-uuid-name.txt'), ...(xml === null ? {} : { 'virsh-domxml': xml }) });
  return { ...f, migration: migrationFacts(f, PLAN) ?? undefined };
}
const asKvm = (cpu: string) => G1.replace("<domain type='qemu'>", "<domain type='kvm'>").replace(/<cpu [^]*?<\/cpu>/, cpu);
const passthrough = asKvm("<cpu mode='host-passthrough' check='none' migratable='on'/>");
// Running host-model guests as libvirt expands them (real `dumpxml --migratable`, renamed g1: the source lists g1),
// and the destination's real `virsh hypervisor-cpu-compare` answers, the answer for `domain` given to g1.
const KVM_HM = fx('libvirt-qemu/dumpxml-migratable-kvm-host-model.xml').replace('<name>hm2</name>', '<name>g1</name>');
const KVM_HM_HOST = fx('libvirt-qemu/domcapabilities-kvm-host-model-host.xml');
const TCG_HM = fx('libvirt-qemu/dumpxml-migratable-tcg-host-model.xml').replace('<name>tm1</name>', '<name>g1</name>');
/** A checked custom kvm64 CPU that names two of kvm64's own features (redundant, and valid). */
const KVM_REPEATS = asKvm("<cpu mode='custom' match='exact' check='partial'><model fallback='forbid'>kvm64</model><feature policy='require' name='sse2'/><feature policy='require' name='cx16'/></cpu>");
/** The lab host's KVM domcapabilities as on a host with SSE3 (the lab's nested CPU lacks it): kvm64 usable, host-model kvm64 without pni disabled. */
const KVM64_HOST = DOMCAPS.replace("<model usable='no' vendor='unknown'>kvm64</model>", "<model usable='yes' vendor='unknown'>kvm64</model>").replace("<feature policy='disable' name='pni'/>", '');
const compared = (file: string, domain: string): string => fx(`libvirt-qemu/${file}`).replace(`mp-compare ${JSON.stringify([domain])}`, 'mp-compare ["g1"]');

const XEON = 'xeon-e5-2690v4-bl460-excerpt.cpuinfo';
const LAB = 'lab-machine-xeon-2core.cpuinfo';
const CORE2 = 'core2quad-q6600-nx-off.cpuinfo';

testRule('domain.guest-cpu', [
  { name: 'a TCG guest with qemu64 (check=none) to a host whose TCG offers qemu64 passes', src: source(LAB, G1), dst: facts(LAB), status: 'pass' },
  {
    name: "a destination whose TCG does not offer the guest's model fails",
    src: source(LAB, G1),
    dst: facts(LAB, { 'virsh-domcaps-tcg': TCG.replace("<model usable='yes' vendor='unknown'>qemu64</model>", '') }),
    status: 'fail',
    messageId: 'guest-cpu.rejected',
    message: "g1: the destination's hypervisor does not offer CPU model qemu64 under TCG",
  },
  { name: 'host-passthrough to a host with the same CPU passes', src: source(XEON, passthrough), dst: facts(XEON), status: 'pass' },
  {
    name: 'host-passthrough to an older CPU fails, naming guest-visible flags only',
    src: source(XEON, passthrough),
    dst: facts(CORE2),
    status: 'fail',
    messageId: 'guest-cpu.rejected',
    message: /^g1 uses host-passthrough: destination CPU lacks 3dnowprefetch, abm, adx, aes, avx, avx2, .*, xsaveopt$/,
  },
  { name: 'a cold move boots host-passthrough afresh on the destination CPU: pass', src: source(XEON, passthrough), dst: facts(CORE2), ctx: { mode: 'cold' }, status: 'pass' },
  {
    name: "a running KVM host-model guest (libvirt's real expansion: tsx-ldtrk, arch-capabilities, la57 ...) that the destination's libvirt finds a subset of its CPU passes",
    src: source(LAB, KVM_HM),
    dst: facts(LAB, { 'guest-cpu-compare': compared('guest-cpu-compare.txt', 'hm2') }),
    status: 'pass',
  },
  {
    name: "the destination's libvirt finds the guest CPU incompatible: fail, naming the features libvirt names",
    src: source(LAB, KVM_HM),
    dst: facts(LAB, { 'guest-cpu-compare': compared('guest-cpu-compare.txt', 'inc-kvm') }),
    status: 'fail',
    messageId: 'guest-cpu.rejected',
    message: "g1: the destination's libvirt finds CPU model kvm64 incompatible: the host CPU lacks pni, avx512f, svm",
  },
  {
    name: "the destination's libvirt does not know the guest's model (an older CPU map): fail, in libvirt's words",
    src: source(LAB, TCG_HM),
    dst: facts(LAB, { 'guest-cpu-compare': compared('guest-cpu-compare-old-cpu-map.txt', 'tm1') }),
    status: 'fail',
    messageId: 'guest-cpu.rejected',
    message: "g1: the destination's libvirt cannot run its CPU definition: internal error: Unknown CPU model EPYC",
  },
  {
    name: "no comparison (the test driver cannot): a guest CPU within the destination's own host-model CPU passes",
    src: source(LAB, KVM_HM),
    dst: facts(LAB, { 'virsh-domcaps': KVM_HM_HOST, 'guest-cpu-compare': compared('guest-cpu-compare-test-driver.txt', 'tm1') }),
    status: 'pass',
  },
  {
    name: "no comparison, to another machine whose KVM host-model (kvm64 too) lacks hle, rtm and two arch-capabilities bits, kvm64 having none of them (the CPU map): fail",
    src: source(LAB, KVM_HM),
    dst: facts(LAB, { 'guest-cpu-compare': compared('guest-cpu-compare-baseline-test-driver.txt', 'km') }),
    status: 'fail',
    messageId: 'guest-cpu.rejected',
    message: /g1: requires CPU feature\(s\) hle, rtm, rsba, taa-no, absent on the destination \(its host-model CPU, kvm64, lacks them\)$/,
  },
  {
    // The host-model CPU lists what the host adds to kvm64, not kvm64's own: hle and rtm may be either (this host's /proc/cpuinfo shows both).
    name: 'the same, the CPU map not asked (a saved report): error, neither a pass nor a fail',
    src: source(LAB, KVM_HM),
    dst: facts(LAB),
    status: 'error',
    messageId: 'guest-cpu.unknown',
    message: /g1: requires CPU feature\(s\) hle, rtm, rsba, taa-no; libvirt did not compare it$/,
  },
  {
    name: "no comparison, a custom kvm64 CPU repeating kvm64's own sse2 and cx16, to a host whose KVM runs kvm64 and host-model is kvm64: pass",
    src: source(LAB, KVM_REPEATS),
    dst: facts(LAB, { 'virsh-domcaps': KVM64_HOST, 'guest-cpu-compare': compared('guest-cpu-compare-baseline-test-driver.txt', 'km') }),
    status: 'pass',
  },
  {
    name: "the same repeating kvm64's pni where the host-model disables it, and requiring avx512f, not kvm64's nor added: fail, naming those two",
    src: source(LAB, KVM_REPEATS.replace("name='cx16'/>", "name='cx16'/><feature policy='require' name='pni'/><feature policy='require' name='avx512f'/>")),
    dst: facts(LAB, { 'virsh-domcaps': KVM64_HOST.replace("<feature policy='require' name='vme'/>", "<feature policy='require' name='vme'/><feature policy='disable' name='pni'/>"), 'guest-cpu-compare': compared('guest-cpu-compare-baseline-test-driver.txt', 'km') }),
    status: 'fail',
    messageId: 'guest-cpu.rejected',
    message: /g1: requires CPU feature\(s\) pni, avx512f, absent on the destination \(its host-model CPU, kvm64, lacks them\)$/,
  },
  {
    name: "no comparison, and a TCG feature the destination's TCG host-model does not list: error, never judged by the host's /proc/cpuinfo",
    src: source(LAB, TCG_HM),
    dst: facts(LAB, { 'virsh-domcaps-tcg': TCG.replace("<model fallback='forbid'>EPYC</model>", "<model fallback='forbid'>Opteron_G3</model>").replace("<feature policy='require' name='la57'/>", '') }),
    status: 'error',
    messageId: 'guest-cpu.unknown',
    message: /; g1: requires CPU feature\(s\) la57 under TCG; libvirt did not compare it$/,
  },
  {
    name: "the destination's TCG models unknown: error, said so",
    src: source(LAB, G1),
    dst: buildFacts({ cpuinfo: out(fx(`cpuinfo/${LAB}`)), 'virsh-domcaps': out(DOMCAPS) }).facts,
    status: 'error',
    messageId: 'guest-cpu.unknown',
    message: /^cannot tell whether the destination accepts the guest CPU: g1 \(model qemu64\): the destination cannot say which CPU models it runs under TCG/,
  },
  { name: "the destination's CPU support not collected: error", src: source(LAB, G1), dst: {}, status: 'error', messageId: 'error.fact-missing', message: 'destination: fact libvirt.cpuSupport was not collected' },
  { name: "the domain's XML not collected: its guest CPU unknown, error, never a pass", src: source(LAB, null), dst: facts(LAB), status: 'error', messageId: 'error.fact-missing', message: 'source: fact migration.guestCpus is unknown: no definition of g1 (virsh dumpxml, probe virsh-domxml)' },
  { name: 'Xen pairs: skip', src: source(LAB, G1), dst: facts(LAB), ctx: { hypervisor: 'xen' }, status: 'skip', messageId: 'skip.hypervisor' },
]);
