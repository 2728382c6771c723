/**
 * The words rules and reports share: hypervisors, transports, migration modes, sides. A leaf:
 * it imports nothing.
 */
export const HYPERVISORS = ['kvm', 'xen'] as const;
export type Hypervisor = (typeof HYPERVISORS)[number];
export const TRANSPORTS = ['ssh', 'tcp', 'tls', 'tunnelled'] as const;
export type Transport = (typeof TRANSPORTS)[number];
/**
 * How the guest moves (--mode): live (shared storage), block (live with a copy of the disks),
 * cold (shut off, image and definition copied) or save (a save image restored on the destination).
 */
export const MODES = ['live', 'block', 'cold', 'save'] as const;
export type Mode = (typeof MODES)[number];
/** How a report names each mode. */
export const MODE_PHRASE: Record<Mode, string> = {
  live: 'live migration (shared storage)',
  block: 'live migration with block copy',
  cold: 'cold migration',
  save: 'save/restore',
};
export type SideSel = 'src' | 'dst' | 'both';
export type Scalar = string | number | boolean;
