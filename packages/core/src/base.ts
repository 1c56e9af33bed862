/**
 * The light part of @bulkhead/core (`@bulkhead/core/base`): errors, redaction, durations, the
 * version, and the text helpers that render results (lock holders, blocking sessions, plan
 * diagrams, SARIF) — no database driver, parser or schema library. The CLI starts on this alone
 * and loads a command (`@bulkhead/core/commands`) only when it runs (`bulkhead --help` stays fast).
 */
export { BulkheadError, CATALOGUE, EXIT, exitCodeOf, formatProblem, groupAlike, type Problem, type ProblemCode, type ExitCode } from './errors.js';
export { printable, redact, redactDeep, redactUrl } from './redact.js';
export { parseDuration } from './db/duration.js';
export { BULKHEAD_VERSION } from './version.js';
export { describeBlocker, describeHolder } from './db/describe.js';
export { planToDot, planToMermaid } from './plan/diagram.js';
export { lintToSarif } from './lint/sarif.js';
export { unitArgs } from './plan/plan.js';
export { nearest, plural, shortDetail } from './text.js';
export { onInterrupt } from './db/interrupt.js';
export { databaseUrlVariable, defaultDatabaseUrl } from './manifest/default-url.js';
export { repairNotes } from './snapshot/repair.js';
export { datedNote } from './drift/dated.js';
