/**
 * @bulkhead/core — the library behind the `bulkhead` command. Every command is a function
 * with a typed result, so a service can call `status()` in a health check and a pipeline can
 * script `up()`.
 */
export { validate, type ValidateResult } from './commands/validate.js';
export { status, type StatusResult, type ModuleStatus } from './commands/status.js';
export { plan, type PlanResult, type PlannedUnit } from './commands/plan.js';
export { planToDot, planToMermaid } from './plan/diagram.js';
export { up, type UpOptions, type UpResult, type ModuleRun } from './commands/up.js';
export { down, type DownOptions, type DownResult } from './commands/down.js';
export { make, type MakeOptions, type MakeResult } from './commands/make.js';
export { dbCreate, type DbCreateOptions, type DbCreateResult } from './commands/db-create.js';
export { repair, type RepairOptions, type RepairResult, type RepairedUnit } from './commands/repair.js';
export { baseline, type BaselineOptions, type BaselineResult, type BaselinedUnit } from './commands/baseline.js';
export { squash, type SquashOptions, type SquashResult } from './commands/squash.js';
export { verify, type VerifyOptions, type VerifyResult, type ModuleVerify, type VerifyFinding } from './verify/verify.js';
export { drift, type DriftOptions, type DriftResult, type UnitDrift } from './drift/drift.js';
export { datedPartitions, type DatedPartitions } from './drift/dated.js';
export { driftRepair, repairSql, type RepairSql } from './snapshot/repair.js';
export { snapshot, type SnapshotResult } from './snapshot/snapshot.js';
export { readSnapshot, buildSnapshot, snapshotQueries, objectKey, type Snapshot, type SnapshotObject, type SnapshotKind, type SnapshotScope } from './snapshot/read.js';
export { diffSnapshots, diffText, describeDifference, type Difference } from './snapshot/diff.js';
export { lint, DEFAULT_PG_VERSION, type LintOptions, type LintResult } from './lint/lint.js';
export { RULES as LINT_RULES } from './lint/registry.js';
export { lintToSarif } from './lint/sarif.js';
export type { LintFinding, Rule as LintRule } from './lint/types.js';
export { DEFAULT_CONCURRENCY, DEFAULT_LOCK_TIMEOUT_MS, DEFAULT_STATEMENT_LOCK_TIMEOUT_MS, type CommonOptions, type RunOptions } from './commands/options.js';
export type { UnitRun, UnitStatus } from './runner/executor.js';
export type { MigrateResult } from './commands/migrate.js';
export type { RunProgress } from './runner/events.js';
export type { TenantSummary } from './commands/status.js';
export { withScratchDatabase, listScratchDatabases, scratchCreatorPid, type Scratch, type ScratchOptions } from './db/scratch.js';
export { withTargets, withTarget, withModuleLock, withTransaction, type TargetPool } from './db/targets.js';
export { HISTORY_LAYOUT, historyStore, type HistoryStore } from './history/store.js';
export { moduleUnit, tenantUnits, type Unit } from './plan/units.js';
export { unitArgs } from './plan/plan.js';
export { loadWorkspace, type Workspace, type Module, type LoadOptions } from './workspace.js';
export { manifestSchema, manifestJsonSchema, type Manifest, type ManifestInput } from './manifest/schema.js';
export { expandEnv } from './manifest/env.js';
export { buildGraph, type ModuleGraph } from './graph/graph.js';
export { BulkheadError, CATALOGUE, EXIT, exitCodeOf, formatProblem, type Problem, type ProblemCode, type ExitCode } from './errors.js';
export { MigrationFailedError, type MigrationFailure } from './runner/apply.js';
export { describeBlocker, describeHolder } from './db/describe.js';
export type { Reporter } from './runner/events.js';
export { setIdleNotice } from './runner/idle.js';
export type { BlockingSession, LockHolder } from './db/types.js';
export { parseDuration } from './db/duration.js';
export { redact, redactDeep, redactUrl } from './redact.js';
export { BULKHEAD_VERSION } from './version.js';
