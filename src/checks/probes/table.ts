import type { Probe } from './probe.js';
import { CPU_PROBES } from './table/cpu.js';
import { HOST_PROBES } from './table/host.js';
import { LIBVIRT_PROBES } from './table/libvirt.js';
import { NETWORK_PROBES } from './table/network.js';
import { STORAGE_PROBES } from './table/storage.js';
import { XEN_PROBES } from './table/xen.js';

/** Every probe, one table per area (./table/); the order of the keys is the order the probes run and are reported in. */
export const PROBES = {
  ...HOST_PROBES,
  ...XEN_PROBES,
  ...LIBVIRT_PROBES,
  ...CPU_PROBES,
  ...STORAGE_PROBES,
  ...NETWORK_PROBES,
} as const satisfies Record<string, Probe>;

export type ProbeId = keyof typeof PROBES;
