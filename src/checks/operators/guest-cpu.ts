import type { CpuSupport, GuestCpu } from '../../types.js';
import { hostModelFor, modelsFor, modelsUnknownBecause } from '../cpu-models.js';
import { defineOperator, type OpContext, type OpResult } from './define.js';
import { IGNORE_PARAM, list } from './values.js';

const CPUINFO_NAME: Readonly<Record<string, string>> = { sse3: 'pni', pclmuldq: 'pclmulqdq', 'tsc-deadline': 'tsc_deadline_timer', i64: 'lm', 'sse4.1': 'sse4_1', 'sse4.2': 'sse4_2', 'spec-ctrl': 'spec_ctrl' };
/** Features KVM emulates whatever the host has: never a reason to refuse. */
const EMULATED = new Set(['hypervisor', 'x2apic', 'tsc-deadline', 'arat', 'kvmclock', 'kvm_pv_eoi', 'kvm_pv_unhalt']);
/** Bits of IA32_ARCH_CAPABILITIES (libvirt's cpu_map: MSR 0x10a) and VMX controls: never in /proc/cpuinfo's flags. */
const NOT_IN_CPUINFO = /^(rdctl-no|ibrs-all|rsba|skip-l1dfl-vmentry|ssb-no|mds-no|pschange-mc-no|tsx-ctrl|taa-no|sbdr-ssdp-no|fbsdp-no|psdp-no|fb-clear|pbrsb-no|gds-no|rfds-no|bhi-no|vmx-.*)$/;
const cpuinfoName = (f: string): string => (Object.hasOwn(CPUINFO_NAME, f) ? (CPUINFO_NAME[f] as string) : f.replace(/[-.]/g, '_').toLowerCase());

/**
 * src: migration.guestCpus; dst: libvirt.cpuSupport. host-passthrough (and an unexpanded
 * host-model) guests see the source host's CPU: the destination's flags must include the source's
 * (less `ignore`). A named model that libvirt checks on arrival (check partial or full) is judged by
 * the destination's libvirt (`virsh hypervisor-cpu-compare`, libvirt.cpuSupport.compared); where it
 * could not answer, by its domain capabilities: the model usable there, its required features present.
 */
function guestCpu(src: unknown, dst: unknown, ignored: readonly string[], ctx: OpContext): OpResult {
  const support = (dst ?? {}) as Partial<CpuSupport>;
  const flags = support.flags ? new Set(support.flags) : null;
  const ignore = new Set(ignored);
  const bad: string[] = [];
  const unsure: string[] = [];
  for (const g of list<GuestCpu>(src)) {
    if (g.hostFlags !== null) {
      // A cold move boots the guest afresh on the destination's own CPU: nothing to carry over.
      if (ctx.mode === 'cold') continue;
      if (!flags) {
        unsure.push(`${g.domain} (${g.mode}): the destination's CPU flags are unknown`);
        continue;
      }
      const missing = g.hostFlags.filter((f) => !flags.has(f) && !ignore.has(f));
      if (missing.length > 0) bad.push(`${g.domain} uses ${g.mode}: destination CPU lacks ${missing.sort().join(', ')}`);
      continue;
    }
    if (g.model === null) continue; // no <cpu> or only topology: the hypervisor's baseline model
    const accel = g.virtType === 'qemu' ? ' under TCG' : '';
    // The destination's libvirt compared the definition as it will when the guest arrives: its answer decides.
    const judged = g.check === 'none' ? undefined : support.compared?.find((c) => c.domains.includes(g.domain));
    if (judged && judged.result !== 'failed') {
      if (judged.result === 'incompatible') {
        bad.push(`${g.domain}: the destination's libvirt finds CPU model ${g.model}${accel} incompatible: ${judged.missing.length > 0 ? `the host CPU lacks ${judged.missing.join(', ')}` : judged.detail}`);
      } else if (judged.result === 'unknown-name') bad.push(`${g.domain}: the destination's libvirt cannot run its CPU definition: ${judged.detail}`);
      continue;
    }
    const hm = hostModelFor(support, g.virtType);
    const given = new Set((hm?.features ?? []).filter((f) => f.policy === 'require').map((f) => f.name));
    const off = new Set((hm?.features ?? []).filter((f) => f.policy === 'disable').map((f) => f.name));
    // What the destination's libvirt makes of host-model is at least this CPU: the same model, every feature required there, nothing more disabled.
    if (hm && hm.model === g.model && g.required.every((f) => given.has(f)) && [...off].every((f) => g.disabled.includes(f))) continue;
    const models = modelsFor(support, g.virtType);
    const why = judged ? `libvirt could not compare it: ${judged.detail}` : 'libvirt did not compare it';
    if (!models) {
      unsure.push(`${g.domain} (model ${g.model}): the destination cannot say which CPU models it runs${accel} (${modelsUnknownBecause(support, g.virtType)})`);
    } else {
      const m = models.find((x) => x.name === g.model);
      const disabled = new Set(g.disabled);
      const blockers = (m?.blockers ?? []).filter((f) => !disabled.has(f));
      if (!m) bad.push(`${g.domain}: the destination's hypervisor does not offer CPU model ${g.model}${accel}`);
      else if (g.check === 'none') {
        // check='none' (what libvirt writes for a domain defined without <cpu>): neither libvirt nor
        // QEMU verifies the model; QEMU quietly leaves out what the host cannot give. Only features
        // the guest has on the source and would lose on the destination matter.
        const src = new Set(g.srcBlockers ?? []);
        const lost = g.srcBlockers === null ? [] : blockers.filter((f) => !src.has(f));
        if (lost.length > 0) bad.push(`${g.domain}: CPU model ${g.model} (check='none') would lose ${lost.join(', ')} on the destination${accel}: the running guest would see them vanish`);
      } else if (m.usable === 'no' && blockers.length > 0) {
        bad.push(`${g.domain}: CPU model ${g.model} is not usable on the destination${accel} (missing ${blockers.join(', ')})`);
      } else if (m.usable !== 'yes') unsure.push(`${g.domain}: libvirt on the destination ${m.usable === 'no' ? 'finds' : 'does not know whether'} model ${g.model}${m.usable === 'no' ? ' not usable without naming what it lacks' : ' is usable'}${accel} (${why})`);
    }
    // The features the definition requires, by libvirt's names. One of its model's own (the destination's CPU map, where libvirt was
    // asked) stands or falls with the model, judged above. The destination's host-model CPU is its model plus all the host adds:
    // what it disables is absent; on the same model, a feature neither in the model nor added is absent. Else under KVM
    // /proc/cpuinfo decides the features it shows at all; TCG emulates: the host's flags say nothing there.
    const base = judged?.modelFeatures ? new Set(judged.modelFeatures) : null;
    const kvmFlags = g.virtType === 'qemu' ? null : flags;
    const missing: string[] = [];
    const open: string[] = [];
    for (const f of g.required) {
      if (EMULATED.has(f) || given.has(f) || (base?.has(f) && !off.has(f))) continue;
      if (off.has(f) || (hm?.model === g.model && base !== null)) missing.push(f);
      else if (kvmFlags !== null && !NOT_IN_CPUINFO.test(f) && !kvmFlags.has(cpuinfoName(f))) missing.push(f);
      // The same model with its features unknown: the host-model CPU lists only what the host adds to it, so one it lacks may be the model's own.
      else if (hm?.model === g.model || kvmFlags === null || NOT_IN_CPUINFO.test(f)) open.push(f);
    }
    const theirs = hm?.model === g.model ? ` (its host-model CPU, ${g.model}${accel}, lacks them)` : accel;
    if (missing.length > 0) bad.push(`${g.domain}: requires CPU feature(s) ${missing.join(', ')}, absent on the destination${theirs}`);
    if (open.length > 0) unsure.push(`${g.domain}: requires CPU feature(s) ${open.join(', ')}${accel}; ${why}`);
  }
  const data = { problems: bad, unsure };
  if (bad.length > 0) return { ok: false, messageId: 'guest-cpu.rejected', data, defaultMessage: bad.join('; ') };
  if (unsure.length > 0) return { ok: false, undecided: `cannot tell whether the destination accepts the guest CPU: ${unsure.join('; ')}`, messageId: 'guest-cpu.unknown', data, defaultMessage: '' };
  return { ok: true, messageId: 'pass', data, defaultMessage: '' };
}

export const guestCpuOp = defineOperator<'guest-cpu', { ignore?: string[] }>({
  name: 'guest-cpu',
  kind: 'cross',
  summary: "the destination accepts each moving domain's guest CPU (host flags, or a usable named model)",
  params: { ignore: IGNORE_PARAM },
  evaluate: (src, dst, p, ctx) => guestCpu(src, dst, p.ignore ?? [], ctx),
});
