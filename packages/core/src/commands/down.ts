import { BulkheadError, problem } from '../errors.js';
import type { DownSelection } from '../plan/plan.js';
import { migrate, type MigrateResult } from './migrate.js';
import { loadValidWorkspace, type RunOptions } from './options.js';

export interface DownOptions extends RunOptions, DownSelection {}

export interface DownResult extends MigrateResult {
  command: 'down';
}

/**
 * Revert migrations (SPEC §5 `down`): `down <module>` reverts one step; `--steps N`, `--to <id>`
 * (that migration stays), or `--all`. Without modules, `--all` reverts every module, dependents
 * first. Every down is loaded and checked before the first one runs.
 */
export async function down(o: DownOptions): Promise<DownResult> {
  // Every module's migrations are read: a dependent's applied migration may require what this reverts.
  const ws = loadValidWorkspace({ ...o, modules: undefined });
  if (!o.modules?.length && !o.all) {
    throw new BulkheadError(
      problem('BH025', 'down needs a module, or --all', {
        fix: `bulkhead down <module> reverts its last migration; bulkhead down --all reverts every module (modules: ${ws.modules.map((m) => m.name).join(', ')})`,
      }),
    );
  }
  if ([o.steps !== undefined, o.to !== undefined, o.all === true].filter(Boolean).length > 1) {
    throw new BulkheadError(
      problem('BH025', '--steps, --to and --all exclude each other', {
        fix: 'give one: --steps N (the last N), --to <id> (everything after it), or --all',
      }),
    );
  }
  if (o.to !== undefined && (o.modules?.length ?? 0) !== 1) {
    throw new BulkheadError(problem('BH025', `--to needs exactly one module (got ${o.modules?.length ?? 0})`, { fix: `name the module: bulkhead down <module> --to ${o.to}` }));
  }
  return (await migrate(ws, { direction: 'down', steps: o.steps, to: o.to, all: o.all }, o)) as DownResult;
}
