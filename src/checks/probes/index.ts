/** The probes: their table (./table.ts, one table per area in ./table/), the plan of a run (./plan.ts) and the facts built from their outputs (./facts.ts). */
export type { DiskQuery, Probe, ProbeContext } from './probe.js';
export { PROBES, type ProbeId } from './table.js';
export { controlPort, MIGRATION_DATA_PORT, peerPorts } from './table/network.js';
export { channelGroups, channelOf, diskQueries, PROBE_IDS, peerProbesRead, probesOf, secondRound, selectDomains, selfProbesRead, type HostRole, type PlanSettings, type RoundPlan } from './plan.js';
export { bitsOf, buildFacts, peerFactsOf, peerFieldOf, probeFailureReason, type PeerInput } from './facts.js';
