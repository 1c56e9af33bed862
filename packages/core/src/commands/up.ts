import { BulkheadError, problem, type ExitCode, type Problem } from '../errors.js';
import { planUp } from '../plan/plan.js';
import { checkRequiresStatic, parseRequirement } from '../plan/requires.js';
import type { MigrationFailure } from '../runner/apply.js';
import { exitCodeOfRuns, failureOf, runModule } from '../runner/run-module.js';
import { prepareAll, type Runnable } from '../runner/prepare.js';
import { runDag } from '../runner/schedule.js';
import type { Workspace } from '../workspace.js';
import { applicationName } from '../db/postgres.js';
import {
  checkProduction,
  LOCK_ATTEMPTS,
  statementLockTimeout,
  type RunOptions,
  closeAll,
  DEFAULT_LOCK_TIMEOUT_MS,
  isProduction,
  runIdFrom,
  loadValidWorkspace,
  openAndRead,
  selectModules,
  type Opened,
} from './session.js';

export interface UpOptions extends RunOptions {
  /** Stop after this migration (id or version); needs exactly one module. */
  to?: string;
  /** Plan only: report what would run, change nothing. */
  dryRun?: boolean;
  /** Modules migrated at once (independent modules only). Default 4. */
  concurrency?: number;
  /** Retry connecting to servers that are not reachable yet for this long (release pipelines). */
  waitMs?: number;
}

export type ModuleRunStatus = 'applied' | 'up-to-date' | 'failed' | 'skipped' | 'would-apply';

export interface ModuleRun {
  module: string;
  /** Redacted database URL. */
  database: string;
  status: ModuleRunStatus;
  /** Migrations applied (or, for a dry run, that would be), in order. */
  migrations: { id: string; durationMs?: number }[];
  durationMs?: number;
  failure?: MigrationFailure;
  problems?: Problem[];
  /** For `skipped`: the failed dependency. */
  skippedBecause?: string;
}

export interface UpResult {
  command: 'up';
  runId: string;
  dryRun: boolean;
  exitCode: ExitCode;
  modules: ModuleRun[];
}

export const DEFAULT_CONCURRENCY = 4;
/** Modules whose history is read at once before a run (reads are short; connections are released). */
const READ_CONCURRENCY = 16;

/**
 * Apply pending migrations (SPEC §5 `up`). Every check runs before any DDL: manifests,
 * isolation, graph, connections, history integrity, SQL parsing, requires. Then modules run in
 * dependency order, independent ones concurrently, each under its own lock.
 */
export async function up(o: UpOptions = {}): Promise<UpResult> {
  return upIn(loadValidWorkspace(o), o);
}

/** `up` on a loaded, valid workspace (plan reuses it instead of loading again). */
export async function upIn(ws: Workspace, o: UpOptions): Promise<UpResult> {
  const selected = selectModules(ws, o.modules);
  if (o.to !== undefined && selected.length !== 1) {
    throw new BulkheadError(problem('BH025', `--to needs exactly one module (got ${selected.length})`, {
        fix: `name the module: bulkhead up <module> --to ${o.to} (modules: ${selected.map((m) => m.name).join(', ')})`,
      }));
  }
  const production = isProduction(o);
  checkProduction(selected, production);
  const runId = runIdFrom(o.env);
  const concurrency = o.concurrency ?? DEFAULT_CONCURRENCY;
  const lockTimeoutMs = o.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS;
  const opened = await openAndRead(ws, selected, {
    command: 'up',
    lockTimeoutMs,
    concurrency: READ_CONCURRENCY,
    production,
    reporter: o.reporter,
    readOnly: o.dryRun,
    waitMs: o.waitMs,
    resume: o.resume,
  });
  try {
    const plans = await preflight(ws, opened, o.to, { command: 'up', lockTimeoutMs, concurrency, production });
    const runs = new Map<string, ModuleRun>(
      opened.map(({ module }) => {
        const run = plans.get(module.name)!;
        return [
          module.name,
          {
            module: module.name,
            database: module.target.display,
            // A module with pending migrations that never gets to run was skipped.
            status: run.length === 0 ? 'up-to-date' : o.dryRun ? 'would-apply' : 'skipped',
            migrations: o.dryRun ? run.map((r) => ({ id: r.file.id })) : [],
          },
        ];
      }),
    );
    if (o.dryRun) return { command: 'up', runId, dryRun: true, exitCode: 0, modules: [...runs.values()] };

    // Up-to-date modules are done: free their (embedded) databases now.
    await closeAll(opened.filter((x) => plans.get(x.module.name)!.length === 0));
    const byName = new Map(opened.map((x) => [x.module.name, x]));
    const outcomes = await runDag(
      opened.map((x) => x.module.name),
      ws.graph.deps,
      concurrency,
      async (name) => {
        const x = byName.get(name)!;
        if (plans.get(name)!.length === 0) return true;
        const run = runs.get(name)!;
        const started = Date.now();
        try {
          await runModule(ws, x.module, await x.connect(), plans.get(name)!, {
            direction: 'up',
            done: run.migrations,
            runId,
            runner: applicationName('up'),
            lockTimeoutMs,
            statementLockTimeoutMs: statementLockTimeout(x.module, o.statementLockTimeoutMs),
            lockAttempts: LOCK_ATTEMPTS,
            resume: o.resume === true,
            reporter: o.reporter,
            select: (state) => planUp(x.module, state, o.to, ws.rel),
          });
          run.status = run.migrations.length ? 'applied' : 'up-to-date';
          return true;
        } catch (e) {
          Object.assign(run, { status: 'failed' }, failureOf(e, name));
          return false;
        } finally {
          run.durationMs = Date.now() - started;
          await closeAll([x]);
        }
      },
    );
    for (const [name, outcome] of outcomes) {
      if (outcome.status === 'skipped') {
        const run = runs.get(name)!;
        run.status = 'skipped';
        run.skippedBecause = outcome.because;
      }
    }
    const modules = [...runs.values()];
    return { command: 'up', runId, dryRun: false, exitCode: exitCodeOfRuns(modules), modules };
  } finally {
    await closeAll(opened);
  }
}

/**
 * Everything that can be known before running: integrity of each module's history, what
 * would run, every migration loaded and parsed, every `requires` satisfiable.
 */
async function preflight(
  ws: Workspace,
  opened: readonly Opened[],
  to: string | undefined,
  o: { command: string; lockTimeoutMs: number; concurrency: number; production: boolean },
): Promise<Map<string, Runnable[]>> {
  const problems: Problem[] = [];
  const plans = new Map<string, Runnable[]>();
  const willHave = new Map<string, Set<string>>();
  for (const { module, state } of opened) {
    problems.push(...state.problems);
    const p = planUp(module, state, to, ws.rel);
    problems.push(...p.problems);
    const { runnables, problems: loadProblems } = await prepareAll(module.name, p.run, 'up', ws.rel);
    problems.push(...loadProblems);
    for (const r of runnables) problems.push(...checkRequiresStatic(ws, module, r.file.id, ws.rel(r.file.upPath), r.requires));
    plans.set(module.name, runnables);
    willHave.set(module.name, new Set([...state.applied.map((a) => a.row.id), ...p.run.map((m) => m.id)]));
  }
  if (problems.length) throw new BulkheadError(problems);

  // Requirements on modules outside this run: read their history.
  const needed = new Set<string>();
  for (const runnables of plans.values()) {
    for (const r of runnables) for (const t of r.requires) {
      const req = parseRequirement(t)!;
      if (!willHave.has(req.module)) needed.add(req.module);
    }
  }
  if (needed.size) {
    const others = await openAndRead(ws, [...needed].map((n) => ws.byName.get(n)!), { ...o, command: 'up (requires check)', readOnly: true });
    for (const x of others) willHave.set(x.module.name, new Set(x.state.applied.map((a) => a.row.id)));
    await closeAll(others);
  }
  for (const [name, runnables] of plans) {
    for (const r of runnables) for (const t of r.requires) {
      const req = parseRequirement(t)!;
      if (!willHave.get(req.module)?.has(req.id)) {
        problems.push(
          problem('BH029', `${r.file.id} requires ${t}, which is not applied and not part of this run`, {
            module: name,
            file: ws.rel(r.file.upPath),
            fix: `migrate ${req.module} first (bulkhead up ${req.module}), or run without --to`,
          }),
        );
      }
    }
  }
  if (problems.length) throw new BulkheadError(problems);
  return plans;
}
