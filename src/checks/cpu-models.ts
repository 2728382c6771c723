import type { CpuSupport } from '../types.js';

/**
 * The CPU models that apply to a guest of the given domain type: TCG guests (type qemu) get
 * QEMU's emulated CPU (`domcapabilities --virttype qemu`), every other type the host's default
 * (KVM where it runs). Null when the host could not say.
 */
export function modelsFor(support: Partial<CpuSupport> | undefined, virtType: string | null): CpuSupport['models'] | null {
  if (!support) return null;
  if (virtType === 'qemu') return support.tcg?.models ?? null;
  return support.models ?? null;
}

/** Why modelsFor gave null. */
export function modelsUnknownBecause(support: Partial<CpuSupport> | undefined, virtType: string | null): string {
  if (virtType === 'qemu') return support?.tcg?.modelsUnknownBecause ?? 'virsh domcapabilities --virttype qemu: not collected';
  return support?.modelsUnknownBecause ?? 'virsh domcapabilities gave nothing';
}

/** The host-model CPU libvirt makes for a guest of the given domain type (TCG's for type qemu); null when unknown. */
export function hostModelFor(support: Partial<CpuSupport> | undefined, virtType: string | null): CpuSupport['hostModel'] | null {
  if (!support) return null;
  return (virtType === 'qemu' ? support.tcg?.hostModel : support.hostModel) ?? null;
}
