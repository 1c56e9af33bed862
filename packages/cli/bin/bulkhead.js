#!/usr/bin/env node
// The `bulkhead` command: compiled JavaScript (built by `npm ci` through `prepare`). The tsx
// loader is registered only when a TypeScript migration is imported.
import v8 from 'node:v8';

// Process-wide V8 settings, which the library leaves to its host (measured in tools/bench,
// scenarios x, e and l: same speed, a third less memory at 10,000 migrations):
// - WebAssembly (the SQL parser, the embedded database) runs on the baseline compiler only: the
//   optimising tier recompiles their hot functions at a cost of 15-45 MB (over 100 MB with
//   embedded databases) for no gain in what a command does. Set before either is compiled.
// - The young generation stays at its smallest and the old one grows by 30% instead of up to
//   4×: a run reads every migration file once, and the garbage of that read should not become
//   heap that the rest of the run keeps. Heap tuning is V8-version specific (an unknown flag
//   prints an error on every run), so it is applied on the V8 it was measured on (Node 20's).
const flags = ['--liftoff-only'];
if (process.versions.v8.startsWith('11.')) flags.push('--semi-space-growth-factor=1', '--heap-growing-percent=30');
for (const flag of flags) v8.setFlagsFromString(flag);

const { main } = await import('../dist/main.js');

process.exitCode = await main(process.argv.slice(2));
