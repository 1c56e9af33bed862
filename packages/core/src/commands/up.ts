import { BulkheadError, problem } from '../errors.js';
import type { UnitRun } from '../runner/executor.js';
import type { Workspace } from '../workspace.js';
import { migrate, type MigrateResult } from './migrate.js';
import { loadValidWorkspace, selectModules, type RunOptions } from './options.js';

export interface UpOptions extends RunOptions {
  /** Stop after this migration (id or version); needs exactly one module. */
  to?: string;
}

/** One unit's result; `modules` of a result lists one per unit. */
export type ModuleRun = UnitRun;

export interface UpResult extends MigrateResult {
  command: 'up';
}

/**
 * Apply pending migrations (SPEC §5 `up`), in dependency order, independent units (modules and
 * tenants) concurrently, each under its own lock.
 */
export async function up(o: UpOptions = {}): Promise<UpResult> {
  return upIn(loadValidWorkspace(o), o);
}

/** `up` on a loaded, valid workspace. */
export async function upIn(ws: Workspace, o: UpOptions): Promise<UpResult> {
  const selected = selectModules(ws, o.modules);
  if (o.to !== undefined && selected.length !== 1) {
    throw new BulkheadError(
      problem('BH025', `--to needs exactly one module (got ${selected.length})`, {
        fix: `name the module: bulkhead up <module> --to ${o.to} (modules: ${selected.map((m) => m.name).join(', ')})`,
      }),
    );
  }
  return (await migrate(ws, { direction: 'up', to: o.to }, o)) as UpResult;
}
