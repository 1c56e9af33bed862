import { BulkheadError, problem, type ExitCode, type Problem } from '../errors.js';
import { planDown, type DownSelection } from '../plan/plan.js';
import { exitCodeOfRuns, failureOf, runModule } from '../runner/run-module.js';
import { prepareAll, type Runnable } from '../runner/prepare.js';
import type { ModuleRun } from './up.js';
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
} from './session.js';

export interface DownOptions extends RunOptions, DownSelection {
  dryRun?: boolean;
}

export interface DownResult {
  command: 'down';
  runId: string;
  dryRun: boolean;
  exitCode: ExitCode;
  modules: (Omit<ModuleRun, 'status'> & { status: 'reverted' | 'nothing-to-revert' | 'failed' | 'would-revert' | 'not-run' })[];
}

/**
 * Revert migrations (SPEC §5 `down`): `down <module>` reverts one step; `--steps N`, `--to <id>`
 * (that migration stays), or `--all`. Without modules, `--all` reverts every module, dependents
 * first. Every down is loaded and checked before the first one runs.
 */
export async function down(o: DownOptions): Promise<DownResult> {
  const ws = loadValidWorkspace(o);
  if (!o.modules?.length && !o.all) {
    throw new BulkheadError(problem('BH025', 'down needs a module, or --all', {
        fix: `bulkhead down <module> reverts its last migration; bulkhead down --all reverts every module (modules: ${ws.modules.map((m) => m.name).join(', ')})`,
      }));
  }
  if ([o.steps !== undefined, o.to !== undefined, o.all === true].filter(Boolean).length > 1) {
    throw new BulkheadError(problem('BH025', '--steps, --to and --all exclude each other', {
        fix: 'give one: --steps N (the last N), --to <id> (everything after it), or --all',
      }));
  }
  if (o.to !== undefined && (o.modules?.length ?? 0) !== 1) {
    throw new BulkheadError(problem('BH025', `--to needs exactly one module (got ${o.modules?.length ?? 0})`, { fix: `name the module: bulkhead down <module> --to ${o.to}` }));
  }
  const selected = selectModules(ws, o.modules).reverse();
  const production = isProduction(o);
  checkProduction(selected, production);
  const lockTimeoutMs = o.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS;
  const runId = runIdFrom(o.env);
  const opened = await openAndRead(ws, selected, { command: 'down', lockTimeoutMs, concurrency: 4, production, reporter: o.reporter, readOnly: true, resume: o.resume });
  try {
    const problems: Problem[] = [];
    const plans = new Map<string, Runnable[]>();
    for (const { module, state } of opened) {
      problems.push(...state.problems);
      const p = planDown(module, state, o, ws.rel);
      problems.push(...p.problems);
      const prepared = await prepareAll(module.name, p.run, 'down', ws.rel);
      problems.push(...prepared.problems);
      plans.set(module.name, prepared.runnables);
    }
    if (problems.length) throw new BulkheadError(problems);

    const modules: DownResult['modules'] = opened.map(({ module }) => ({
      module: module.name,
      database: module.target.display,
      status: plans.get(module.name)!.length === 0 ? 'nothing-to-revert' : o.dryRun ? 'would-revert' : 'not-run',
      migrations: o.dryRun ? plans.get(module.name)!.map((r) => ({ id: r.file.id })) : [],
    }));
    if (o.dryRun) return { command: 'down', runId, dryRun: true, exitCode: 0, modules };

    // Reverse dependency order, one module at a time: a failure stops the rest.
    for (const [i, x] of opened.entries()) {
      const { module } = x;
      const result = modules[i]!;
      const wanted = plans.get(module.name)!;
      if (wanted.length === 0 && !o.all) continue;
      const db = await x.connect();
      const started = Date.now();
      try {
        await runModule(ws, module, db, wanted, {
          direction: 'down',
          done: result.migrations,
          runId,
          runner: applicationName('down'),
          lockTimeoutMs,
          statementLockTimeoutMs: statementLockTimeout(module, o.statementLockTimeoutMs),
          lockAttempts: LOCK_ATTEMPTS,
          resume: o.resume === true,
          reporter: o.reporter,
          // Decided again under the lock: what is the last applied migration *now*.
          select: (state) => planDown(module, state, o, ws.rel),
        });
        result.status = 'reverted';
      } catch (e) {
        Object.assign(result, { status: 'failed' }, failureOf(e, module.name));
        result.durationMs = Date.now() - started;
        return { command: 'down', runId, dryRun: false, exitCode: exitCodeOfRuns(modules), modules };
      } finally {
        await closeAll([x]);
      }
      result.durationMs = Date.now() - started;
    }
    return { command: 'down', runId, dryRun: false, exitCode: 0, modules };
  } finally {
    await closeAll(opened);
  }
}
