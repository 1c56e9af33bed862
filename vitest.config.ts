import path from 'node:path';
import { defineConfig } from 'vitest/config';

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
