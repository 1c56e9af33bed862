import { BulkheadError, EXIT, exitCodeOf, problem, type ExitCode, type Problem } from '../errors.js';
import type { ModuleDb } from '../db/types.js';
import { ensureHistoryTable, readHistory } from '../history/history.js';
import { moduleState, type ModuleState } from '../plan/plan.js';
import type { Workspace, Module } from '../workspace.js';
import { applyMigration, MigrationFailedError, type MigrationFailure } from './apply.js';
import type { Reporter } from './events.js';
import type { Runnable } from './prepare.js';

export interface RunModuleOptions {
  /** Each migration that ran is pushed here as it completes (so a failure keeps what ran before). */
  done: { id: string; durationMs?: number }[];
  runId: string;
  lockTimeoutMs: number;
  reporter?: Reporter;
  /**
   * Which of the prepared migrations still need to run, given the history as read under the
   * lock (another runner may have applied or reverted some meanwhile).
   */
  select(state: ModuleState): ReadonlySet<string>;
}

/**
 * Run prepared migrations of one module under its lock: re-read the history there, stop on any
 * integrity problem, then apply each migration (with its history row) in order.
 */
export async function runModule(
  ws: Workspace,
  module: Module,
  db: ModuleDb,
  prepared: readonly Runnable[],
  o: RunModuleOptions,
): Promise<void> {
  const direction = prepared[0]?.direction ?? 'up';
  await db.withModuleLock(
    async () => {
      if (direction === 'up') await ensureHistoryTable(db.knex, module.history);
      const state = moduleState(module, await readHistory(db.knex, module.history), ws.rel);
      if (state.problems.length) throw new BulkheadError(state.problems);
      const wanted = o.select(state);
      const runnables = prepared.filter((r) => wanted.has(r.file.id));
      o.reporter?.moduleStart?.(module.name, runnables.length, direction);
      for (const r of runnables) {
        o.reporter?.migrationStart?.(module.name, r.file.id, direction);
        const durationMs = await applyMigration(db, r, { module: module.name, history: module.history, runId: o.runId, rel: ws.rel });
        o.done.push({ id: r.file.id, durationMs });
        o.reporter?.migrationDone?.(module.name, r.file.id, direction, durationMs);
      }
    },
    { timeoutMs: o.lockTimeoutMs, onWait: (h) => o.reporter?.lockWait?.(module.name, h) },
  );
}

/** How a module's run failed, for its report: a failed migration, or problems found under the lock. */
export function failureOf(e: unknown, module: string): { failure?: MigrationFailure; problems?: Problem[] } {
  if (e instanceof MigrationFailedError) return { failure: e.failure };
  if (e instanceof BulkheadError) return { problems: e.problems };
  return { problems: [problem('BH030', (e as Error).message, { module })] };
}

/**
 * Exit code of a run over modules: a failed migration is 1; problems found under a lock (lock
 * timeout, history changed meanwhile) are 2; modules skipped after a failure keep it 1.
 */
export function exitCodeOfRuns(runs: readonly { status: string; failure?: unknown; problems?: Problem[] }[]): ExitCode {
  if (runs.some((r) => r.failure)) return EXIT.failed;
  const problems = runs.flatMap((r) => r.problems ?? []);
  if (problems.length) return exitCodeOf(problems);
  return runs.some((r) => r.status === 'failed' || r.status === 'skipped') ? EXIT.failed : EXIT.ok;
}
