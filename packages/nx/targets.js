'use strict';
// The module-level commands of the `bulkhead` CLI (`bulkhead <command> <module>`), one Nx target each. Adding a command here
// adds its target; a target is listed only once its command exists in the CLI.
const MODULE_TARGETS = [
  {
    key: 'migrate',
    command: 'up',
    description: 'Apply pending migrations of this module (after its dependencies: ^migrate).',
    cache: false,
    dependsOnDependencies: true,
    // Runs in Nx's task process, and a run-many as one batch (see executors/migrate).
    executor: '@bulkhead/nx:migrate',
  },
  {
    key: 'migrate-status',
    command: 'status',
    description: "Show this module's applied and pending migrations and integrity problems.",
    // Reads the live database: never cached.
    cache: false,
  },
  {
    key: 'migrate-down',
    command: 'down',
    description: 'Revert migrations of this module: one step, --steps=N, --to=<id> or --all.',
    cache: false,
  },
  {
    key: 'migrate-verify',
    command: 'verify',
    description: 'Prove the migrations reversible on a scratch database: all up, all down, all up.',
    // Depends only on the files and the Bulkhead version: cacheable (nx affected -t migrate-verify).
    cache: true,
  },
  {
    key: 'migrate-lint',
    command: 'lint',
    description: "Lint this module's migrations: destructive changes, long locks, breaking renames, types, privileges.",
    // Cached on the module's files, as verify (see cacheInputs): what crosses modules (isolation
    // against every other module) is also validate's, which CI runs on the whole workspace.
    cache: true,
  },
  {
    key: 'migrate-drift',
    command: 'drift',
    description: "Compare this module's live database with what its applied migrations build.",
    cache: false,
  },
  {
    key: 'migrate-make',
    command: 'make',
    description: 'Create a new timestamped migration: --name=<name> [--sql], or --from-drift (one keeping what the live database has beyond its migrations); --downs writes the missing down files.',
    cache: false,
  },
];

module.exports = { MODULE_TARGETS };
