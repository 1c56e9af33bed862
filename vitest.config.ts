import path from 'node:path';
import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * The longest files (each 1.5-4 minutes on this 2-core machine) start first, so the workers end
 * together. Left to vitest, a run without its results cache (a fresh clone, as CI runs) orders by
 * file size, which puts the backend suites' one-line wrappers and the stress project last: their
 * minutes then ran alone at the end (about 75 s of a 715 s run with two workers idle).
 */
const LONGEST_FIRST = [/migrate\.pglite/, /verify-drift\.pglite/, /verify-drift\.postgres/, /bad-input\.test/, /migrate\.postgres/, /commands\.test/, /nx\.test/, /bad-input-corpus/, /stress\.test/, /isolation-depth/, /release\.test/];

class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (f: TestSpecification) => {
      const i = LONGEST_FIRST.findIndex((r) => r.test(f.moduleId));
      return i < 0 ? LONGEST_FIRST.length : i;
    };
    // Stable: the rest keep vitest's order (slowest first once it has timings).
    return (await super.sort(files)).map((f, i) => ({ f, i })).sort((a, b) => rank(a.f) - rank(b.f) || a.i - b.i).map(({ f }) => f);
  }
}

// Tests that import @bulkhead/core in-process use its sources (`npm test` also builds dist/ first,
// which the CLI subprocesses run).
const resolve = {
  alias: [
    { find: /^@bulkhead\/core\/base$/, replacement: path.resolve('packages/core/src/base.ts') },
    { find: /^@bulkhead\/core\/commands$/, replacement: path.resolve('packages/core/src/commands/load.ts') },
    { find: /^@bulkhead\/core$/, replacement: path.resolve('packages/core/src/index.ts') },
  ],
};

export default defineConfig({
  test: {
    // The suites mostly wait (on PostgreSQL, on the CLI processes they start), each on databases
    // of its own: three files at once use a 2-core machine (vitest's default there is one).
    maxWorkers: 3,
    sequence: { sequencer: LongestFirst },
    projects: [
      {
        resolve,
        test: {
          name: 'unit',
          include: ['packages/*/src/**/*.test.ts'],
          // A guard against hangs, not a speed check: a few unit tests run a fix's shell command or
          // load the SQL parser, and share the machine with three e2e files; vitest's 5 s default
          // was exceeded by a 0.5 s test (four bash commands) on a loaded 2-core machine.
          testTimeout: 60_000,
        },
      },
      {
        resolve,
        test: {
          name: 'e2e',
          include: ['tests/e2e/**/*.test.ts'],
          globalSetup: ['tests/support/server.ts'],
          setupFiles: ['tests/support/no-scratch-left.ts'],
          // A guard against hangs, not a speed check: the longest tests (many embedded databases)
          // take 30 s alone and were seen at 120 s on a loaded 2-core machine.
          testTimeout: 240_000,
          hookTimeout: 120_000,
          pool: 'forks',
        },
      },
      {
        resolve,
        test: {
          // Many runners at once and server crashes, on a PostgreSQL server of its own.
          name: 'stress',
          include: ['tests/stress/**/*.test.ts'],
          testTimeout: 180_000,
          hookTimeout: 120_000,
          pool: 'forks',
        },
      },
    ],
  },
});
