/**
 * The report and facts types, as the library exports them: a barrel of src/model/, where they
 * are defined (and which imports nothing of the rest of src/).
 */
export { SEVERITIES, STATUSES } from './model/report.js';
export type {
  BandwidthMeasurement,
  Drift,
  DomainVerdict,
  ExitCode,
  FailOn,
  HostReport,
  ProbeFailure,
  ProbeOutput,
  Report,
  ReportOptions,
  RuleEvidence,
  RuleResult,
  Severity,
  Side,
  Status,
  Summary,
  Waiver,
  WaiverState,
} from './model/report.js';
export type { CpuComparison, CpuSupport, DiskSize, HostFacts, Landing } from './model/facts.js';
export type { ConvergenceEstimate, GuestCpu, GuestHugepages, MigrationDisk, MigrationFacts } from './model/move.js';
export type { DomainFact, DomainState } from './model/libvirt.js';
export type { CpuFacts } from './model/system.js';
