import v8 from 'node:v8';

/**
 * Process-wide V8 settings for a process that runs Bulkhead and nothing else: the `bulkhead`
 * command, and the process Nx forks for a migrate task or batch. The library (@bulkhead/core)
 * leaves its host's flags alone. Call before the SQL parser or PGlite is first loaded: WebAssembly
 * compiled earlier keeps the settings it was compiled with.
 *
 * Measured in tools/bench (scenarios x, e, l and r; README "Performance"):
 * - WebAssembly runs on the baseline compiler only. The optimising tier recompiles the parser's
 *   and PGlite's hot functions at a cost of 15-45 MB (over 100 MB with embedded databases) and
 *   made embedded start-up slower; heavy data work inside PGlite is about 25% slower without it.
 * - The young generation stays at its smallest and the old one grows by 30% instead of up to 4×:
 *   a run reads every migration file once, and the garbage of that read should not become heap
 *   the rest of the run keeps (10,000 migrations: 145-205 MB → 110-120 MB, same speed).
 *   Heap tuning is specific to a V8 version (an unknown flag prints an error on every run), so it
 *   applies on the V8 it was measured on (Node 20's).
 */
export function applyV8Settings(): void {
  const flags = ['--liftoff-only'];
  if (process.versions.v8.startsWith('11.')) flags.push('--semi-space-growth-factor=1', '--heap-growing-percent=30');
  for (const flag of flags) v8.setFlagsFromString(flag);
}
