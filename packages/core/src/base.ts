/**
 * The light part of @bulkhead/core (`@bulkhead/core/base`): errors, redaction, durations and the
 * version — no database driver, parser or schema library. The CLI starts on this alone and loads
 * the rest only for a command that needs it (`bulkhead --help` stays fast).
 */
export { BulkheadError, CATALOGUE, EXIT, exitCodeOf, formatProblem, type Problem, type ProblemCode, type ExitCode } from './errors.js';
export { redact, redactDeep, redactUrl } from './redact.js';
export { parseDuration } from './db/duration.js';
export { BULKHEAD_VERSION } from './version.js';
