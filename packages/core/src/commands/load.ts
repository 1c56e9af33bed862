import type { ExitCode } from '../errors.js';

/** Where a TS/JS migration that seems stuck is told about when a run has no reporter (runner/idle.ts). */
export { setIdleNotice } from '../runner/idle.js';

/**
 * The commands, each loaded on demand (`@bulkhead/core/commands`): a command imports its own
 * modules and no others, so a no-op `up` does not load lint's rules, drift or verify. The CLI and
 * the Nx executor run commands through this; the package's main entry exports them all.
 */
const LOADERS = {
  validate: async () => (await import('./validate.js')).validate,
  status: async () => (await import('./status.js')).status,
  plan: async () => (await import('./plan.js')).plan,
  up: async () => (await import('./up.js')).up,
  down: async () => (await import('./down.js')).down,
  make: async () => (await import('./make.js')).make,
  verify: async () => (await import('../verify/verify.js')).verify,
  drift: async () => (await import('../drift/drift.js')).drift,
  lint: async () => (await import('../lint/lint.js')).lint,
  repair: async () => (await import('./repair.js')).repair,
  squash: async () => (await import('./squash.js')).squash,
  baseline: async () => (await import('./baseline.js')).baseline,
  dbCreate: async () => (await import('./db-create.js')).dbCreate,
} satisfies Record<string, () => Promise<(o: never) => Promise<{ exitCode: ExitCode }>>>;

export type CommandName = keyof typeof LOADERS;

/** A command's function, with its own modules loaded. */
export function loadCommand<K extends CommandName>(name: K): ReturnType<(typeof LOADERS)[K]> {
  return LOADERS[name]() as ReturnType<(typeof LOADERS)[K]>;
}
