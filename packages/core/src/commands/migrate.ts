import { BulkheadError, type ExitCode } from '../errors.js';
import { withTargets } from '../db/targets.js';
import type { Intent } from '../plan/plan.js';
import { execute, exitCodeOfRuns, plannedRuns, type UnitRun } from '../runner/executor.js';
import type { Workspace } from '../workspace.js';
import {
  checkIsolationInDepth,
  checkProduction,
  DEFAULT_CONCURRENCY,
  DEFAULT_LOCK_TIMEOUT_MS,
  isProduction,
  LOCK_ATTEMPTS,
  runIdFrom,
  selectModules,
  statementLockTimeout,
  type RunOptions,
} from './options.js';
import { planFor } from './planned.js';
import { moduleCreates } from '../analysis/migrations.js';
import { plural } from '../text.js';
import { moduleUnit } from '../plan/units.js';

export interface MigrateResult {
  command: 'up' | 'down';
  runId: string;
  dryRun: boolean;
  exitCode: ExitCode;
  /** One entry per unit (a module, or a module at a tenant), in the order they were planned. */
  modules: UnitRun[];
  /** Units the run could have in flight at once (after the servers' free connections). */
  concurrency?: number;
}

/**
 * `up` and `down` alike: load → read → build the plan → render it (dry run) or execute it with
 * the one executor. Every check runs before any DDL: manifests, isolation, graph, connections,
 * history integrity, SQL parsing, requires.
 */
export async function migrate(ws: Workspace, intent: Intent, o: RunOptions): Promise<MigrateResult> {
  const command = intent.direction;
  const selected = selectModules(ws, o.modules);
  const production = isProduction(o);
  checkProduction(selected, production);
  if (o.canary !== undefined && !selected.some((m) => m.manifest.tenants)) {
    throw new BulkheadError({ code: 'BH025', message: '--canary needs a module with tenants', fix: 'name a module with "tenants" in its manifest, or drop --canary' });
  }
  const runId = runIdFrom(o.env);
  const lockTimeoutMs = o.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS;
  // The connections of the pre-run read serve the run (a few: the first units to run).
  return withTargets({ command, lockTimeoutMs, production, waitMs: o.waitMs, reporter: o.reporter, keepIdle: 4 }, async (pool) => {
    // The first servers' connections open while the migrations are analysed (a new backend takes
    // the server 10-25 ms to start); a refusal below leaves them unused, having changed nothing.
    await pool.warm(selected.filter((m) => !m.manifest.tenants).map(moduleUnit));
    const analysis = await checkIsolationInDepth(ws, selected);
    const { plan, connectionCap } = await planFor(ws, pool, selected, intent, {
      // Reading never creates an embedded database: a real `up` creates it when the unit runs
      // (a unit skipped after a failure leaves none behind).
      readOnly: true,
      creates: moduleCreates(analysis),
      createEmbedded: o.dryRun !== true && command === 'up',
      resume: o.resume,
      tenants: o.tenants,
      canary: o.canary,
      reporter: o.reporter,
    });
    if (plan.problems.length) throw new BulkheadError([...plan.problems]);
    if (o.dryRun) return { command, runId, dryRun: true, exitCode: 0, modules: plannedRuns(plan, true) };
    const wanted = o.concurrency ?? DEFAULT_CONCURRENCY;
    const concurrency = Math.min(wanted, connectionCap ?? Infinity);
    // Connections kept from the read must not take what the units in flight need (two each at most).
    await pool.beginRun(connectionCap === undefined ? Infinity : 2 * (connectionCap - concurrency));
    if (concurrency < wanted) {
      o.reporter?.notice?.(`running ${plural(concurrency, 'unit')} at a time, not ${wanted}: the server has connections for that many (each unit may hold two: its own, and one to name who blocks a statement waiting for a lock)`);
    }
    const runs = await execute(ws, plan, pool, {
      runId,
      lockTimeoutMs,
      statementLockTimeoutMs: (unit) => statementLockTimeout(unit, o.statementLockTimeoutMs),
      lockAttempts: LOCK_ATTEMPTS,
      resume: o.resume === true,
      concurrency,
      failFast: o.failFast === true,
      reporter: o.reporter,
    });
    return { command, runId, dryRun: false, exitCode: exitCodeOfRuns(runs), modules: runs, concurrency };
  });
}
