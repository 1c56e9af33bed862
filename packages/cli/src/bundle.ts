/**
 * Everything the `bulkhead` command and the Nx executors load, as one module: the build bundles it
 * (with @bulkhead/core and pg) into dist/bundle/ (build-bundle.mjs), so a process starts by reading
 * a few files instead of resolving and compiling some 160 modules (about 40 ms of every command,
 * and of every Nx task). The executors take all they use from here: objects of one copy of the
 * code (errors, results) never meet the other copy's classes.
 */
export { commandOptions, exitWhenDone, main } from './main.js';
export { progressReporter, renderUp } from './render.js';
export { githubAnnotations, writeJobSummary } from './github.js';
export { applyV8Settings } from './v8-settings.js';
export { loadCommand, setIdleNotice } from '@bulkhead/core/commands';
export { BulkheadError, formatProblem, printable, redact } from '@bulkhead/core/base';
