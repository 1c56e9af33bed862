import { BulkheadError, EXIT, exitCodeOf, problem, type ExitCode, type Problem } from '../errors.js';
import type { ModuleDb } from '../db/types.js';
import { ensureHistoryTable, readHistory, type ProgressRow } from '../history/history.js';
import type { MigrationFile } from '../migrations/files.js';
import { moduleState, type ModuleState } from '../plan/plan.js';
import type { Workspace, Module } from '../workspace.js';
import { applyMigration, invalidIndexes, MigrationFailedError, type MigrationFailure } from './apply.js';
import type { Reporter } from './events.js';
import { prepareAll, type Direction, type Runnable } from './prepare.js';

export interface RunModuleOptions {
  direction: Direction;
  /** Each migration that ran is pushed here as it completes (so a failure keeps what ran before). */
  done: { id: string; durationMs?: number }[];
  runId: string;
  /** `application_name` of this runner, kept with the progress of no-transaction migrations. */
  runner: string;
  lockTimeoutMs: number;
  statementLockTimeoutMs: number;
  lockAttempts: number;
  /** Continue no-transaction migrations an earlier run left midway (`--resume`). */
  resume: boolean;
  reporter?: Reporter;
  /**
   * What to run, decided from the history as read under the lock (another runner may have
   * applied or reverted some since the plan was shown): the same pure selection as the plan.
   */
  select(state: ModuleState): { run: MigrationFile[]; problems: Problem[] };
}

/**
 * A module's state read from its database: history, unfinished runs, and INVALID indexes when
 * a run stopped midway. Outside the module lock, unfinished runs are reported only when no
 * runner holds the lock (else they are in flight).
 */
export async function readModuleState(db: ModuleDb, module: Module, rel: (abs: string) => string, o: { resume: boolean; underLock: boolean }): Promise<ModuleState> {
  let history = await readHistory(db.knex, module.history);
  if (history?.progress.length && !o.underLock) {
    if ((await db.lockHolder()) !== undefined) return moduleState(module, { ...history, progress: [] }, rel, { resume: o.resume });
    // Nobody holds the lock now. A row that was in flight at the first read has since been
    // cleared or rewritten; one that is unchanged was left by a run that stopped.
    const first = new Set(history.progress.map(progressKey));
    history = await readHistory(db.knex, module.history);
    if (history) history = { ...history, progress: history.progress.filter((p) => first.has(progressKey(p))) };
  }
  if (!history?.progress.length) return moduleState(module, history, rel, { resume: o.resume });
  return moduleState(module, history, rel, { resume: o.resume, invalidIndexes: await invalidIndexes(db.knex) });
}

function progressKey(p: ProgressRow): string {
  return `${p.id}|${p.run_id}|${p.statements_done}|${p.updated_at.toISOString()}`;
}

/**
 * Run one module's migrations under its lock: re-read the history there, stop on any
 * integrity problem, decide what to run from that history, then apply each migration (with
 * its history row) in order. `prepared` holds what preflight loaded; anything the decision
 * under the lock adds is loaded and checked here.
 */
export async function runModule(ws: Workspace, module: Module, db: ModuleDb, prepared: readonly Runnable[], o: RunModuleOptions): Promise<void> {
  await db.withModuleLock(
    async (guard) => {
      if (o.direction === 'up') await ensureHistoryTable(db.knex, module.history);
      const state = await readModuleState(db, module, ws.rel, { resume: o.resume, underLock: true });
      const selection = o.select(state);
      const problems = [...state.problems, ...selection.problems];
      if (problems.length) throw new BulkheadError(problems);
      const ready = new Map(prepared.map((r) => [r.file.id, r]));
      const missing = selection.run.filter((m) => !ready.has(m.id));
      if (missing.length) {
        const loaded = await prepareAll(module.name, missing, o.direction, ws.rel);
        if (loaded.problems.length) throw new BulkheadError(loaded.problems);
        for (const r of loaded.runnables) ready.set(r.file.id, r);
      }
      const runnables = selection.run.map((m) => ready.get(m.id)!);
      o.reporter?.moduleStart?.(module.name, runnables.length, o.direction);
      for (const r of runnables) {
        o.reporter?.migrationStart?.(module.name, r.file.id, o.direction);
        const outcome = await applyMigration(db, r, {
          module: module.name,
          history: module.history,
          runId: o.runId,
          rel: ws.rel,
          guard,
          statementLockTimeoutMs: o.statementLockTimeoutMs,
          lockAttempts: o.lockAttempts,
          runner: o.runner,
          reporter: o.reporter,
          resumeFrom: state.interrupted.find((i) => i.progress.id === r.file.id)?.progress,
        });
        if (!outcome.ran) continue;
        o.done.push({ id: r.file.id, durationMs: outcome.durationMs });
        o.reporter?.migrationDone?.(module.name, r.file.id, o.direction, outcome.durationMs);
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
 * timeout, history changed meanwhile) are 2 unless one of them is a failure (a lost lock);
 * modules skipped after a failure keep it 1.
 */
export function exitCodeOfRuns(runs: readonly { status: string; failure?: unknown; problems?: Problem[] }[]): ExitCode {
  if (runs.some((r) => r.failure)) return EXIT.failed;
  const problems = runs.flatMap((r) => r.problems ?? []);
  if (problems.length) return exitCodeOf(problems);
  return runs.some((r) => r.status === 'failed' || r.status === 'skipped') ? EXIT.failed : EXIT.ok;
}
