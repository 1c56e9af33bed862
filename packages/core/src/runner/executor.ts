import { BulkheadError, CATALOGUE, EXIT, exitCodeOf, problem, type ExitCode, type Problem } from '../errors.js';
import { applicationName, ident } from '../db/postgres.js';
import { createExtensionSql, extensionSchema, extensionsLeftToDbCreate } from '../db/provision.js';
import { withModuleLock, withTarget, type TargetPool } from '../db/targets.js';
import type { ModuleDb } from '../db/types.js';
import { historyStore } from '../history/store.js';
import type { Plan, UnitPlan } from '../plan/build.js';
import { select } from '../plan/plan.js';
import type { Unit } from '../plan/units.js';
import { sqlName } from '../text.js';
import type { Workspace } from '../workspace.js';
import { explainFailure } from './explain.js';
import { applyBatch, applyMigration, MigrationFailedError, migrationLabel, needsKnex, nextBatch, type ApplyOutcome, type MigrationFailure } from './apply.js';
import { DUPLICATE_OBJECT, INSUFFICIENT_PRIVILEGE, READ_ONLY_SQL_TRANSACTION, UNIQUE_VIOLATION } from '../db/sqlstate.js';
import { heartbeat } from './idle.js';
import { readOnlyFix } from '../db/describe.js';
import type { Reporter } from './events.js';
import { prepareMigration, type Runnable } from './prepare.js';
import { readUnitState } from './read.js';
import { runDag } from './schedule.js';

export type UnitStatus = 'applied' | 'up-to-date' | 'would-apply' | 'reverted' | 'nothing-to-revert' | 'would-revert' | 'failed' | 'skipped';

/** What happened to one unit (SPEC §5 results; `--json` prints these). */
export interface UnitRun {
  /** `module` or `module@tenant`. */
  unit: string;
  module: string;
  tenant?: string;
  /** Redacted database URL. */
  database: string;
  status: UnitStatus;
  /** Migrations applied or reverted (for a dry run: that would be), in order. */
  migrations: { id: string; durationMs?: number }[];
  durationMs?: number;
  failure?: MigrationFailure;
  problems?: Problem[];
  /** For `skipped`: the unit whose failure stopped this one, and how. */
  skippedBecause?: string;
  skipReason?: 'dependency' | 'canary' | 'fail-fast';
}

export interface ExecuteOptions {
  runId: string;
  /** Module lock wait; 0 waits forever. */
  lockTimeoutMs: number;
  /** Per-statement lock timeout of a unit (flag, else manifest, else default). */
  statementLockTimeoutMs: (unit: UnitPlan['unit']) => number;
  lockAttempts: number;
  resume: boolean;
  /** Units in flight at once, across modules and tenants. */
  concurrency: number;
  /** Stop starting units after the first failure. */
  failFast: boolean;
  reporter?: Reporter;
}

/** Every unit of the plan as a result before anything runs: what it would do. */
export function plannedRuns(plan: Plan, dryRun: boolean): UnitRun[] {
  const up = plan.intent.direction === 'up';
  return plan.units.map((u) => ({
    unit: u.unit.id,
    module: u.unit.module.name,
    ...(u.unit.tenant !== undefined ? { tenant: u.unit.tenant } : {}),
    database: u.unit.target.display,
    status: u.steps.length === 0 ? (up ? 'up-to-date' : 'nothing-to-revert') : dryRun ? (up ? 'would-apply' : 'would-revert') : 'skipped',
    migrations: dryRun ? u.steps.map((r) => ({ id: r.file.id })) : [],
  }));
}

/**
 * The one executor (SPEC §5, §7): runs a frozen plan in either direction. Units start once the
 * units they wait for are done (dependencies, dependents for `down`, canaries), at most
 * `concurrency` at a time; a failed unit's waiters are skipped and named, other units finish
 * unless `failFast`. Each unit runs under its own lock, where what to run is decided again
 * from the history as it is then, with the same pure selection as the plan.
 */
export async function execute(ws: Workspace, plan: Plan, pool: TargetPool, o: ExecuteOptions): Promise<UnitRun[]> {
  if (plan.problems.length) throw new BulkheadError([...plan.problems]);
  const runs = plannedRuns(plan, false);
  const byId = new Map(plan.units.map((u, i) => [u.unit.id, { plan: u, run: runs[i]! }]));
  const left = new Map<string, number>();
  for (const u of plan.units) left.set(u.unit.module.name, (left.get(u.unit.module.name) ?? 0) + 1);
  const serial = keyedMutex();
  const progress = progressMeter(plan.units.length, o.concurrency, o.reporter);
  const reported = new Set<string>();

  const outcomes = await runDag(
    plan.units.map((u) => u.unit.id),
    plan.waitsFor,
    o.concurrency,
    async (id) => {
      const { plan: up, run } = byId.get(id)!;
      try {
        // Nothing to run: done, unless a squashed migration's row is still to be written in place
        // of the rows it replaced (that is done under the lock, as a run does).
        if (up.steps.length === 0 && !up.state.applied.some((a) => a.row.replaced)) return true;
        const started = Date.now();
        // An embedded folder has one session: its units (schema tenants) take turns.
        const go = () => withTarget(pool, up.unit, (db) => runUnit(ws, plan, up, db, run, o));
        try {
          await (up.unit.target.kind === 'pglite' ? serial(up.unit.target.dir ?? up.unit.module.name, go) : go());
          run.status = run.migrations.length ? (plan.intent.direction === 'up' ? 'applied' : 'reverted') : plan.intent.direction === 'up' ? 'up-to-date' : 'nothing-to-revert';
          return true;
        } catch (e) {
          Object.assign(run, { status: 'failed' }, failureOf(e, id));
          return false;
        } finally {
          run.durationMs = Date.now() - started;
        }
      } finally {
        progress.done(run.status === 'failed');
        const module = up.unit.module.name;
        left.set(module, left.get(module)! - 1);
        // A module whose units are all done frees its embedded database now, and is reported.
        if (left.get(module) === 0) {
          await pool.closeEmbedded([up.unit]);
          reported.add(module);
          o.reporter?.moduleDone?.(module, runs.filter((r) => r.module === module));
        }
      }
    },
    { failFast: o.failFast },
  );
  for (const [id, outcome] of outcomes) {
    if (outcome.status !== 'skipped') continue;
    const { plan: up, run } = byId.get(id)!;
    const cause = byId.get(outcome.because)?.plan;
    run.status = 'skipped';
    run.skippedBecause = outcome.because;
    run.skipReason = outcome.failFast ? 'fail-fast' : cause?.canary && cause.unit.module === up.unit.module ? 'canary' : 'dependency';
  }
  // Modules with units that never started (skipped) are done now.
  for (const u of plan.units) {
    const module = u.unit.module.name;
    if (reported.has(module)) continue;
    reported.add(module);
    o.reporter?.moduleDone?.(module, runs.filter((r) => r.module === module));
  }
  return runs;
}

/** Of these extensions, those the database has not created (one query, none when there are none). */
async function notInstalled(db: ModuleDb, extensions: readonly string[]): Promise<readonly string[]> {
  if (!extensions.length) return [];
  const rows = (await db.query('SELECT extname FROM pg_extension WHERE extname = ANY($1)', [extensions])).rows as { extname: string }[];
  const installed = new Set(rows.map((r) => r.extname));
  return extensions.filter((e) => !installed.has(e));
}

/**
 * The declared extensions the unit's database lacks and its server has (db create was not run):
 * created before its first migration, as db create and the embedded database do. A role that may
 * not create one fails the unit before anything of it runs.
 */
async function createDeclaredExtensions(db: ModuleDb, unit: Unit, extensions: readonly string[], rel: (abs: string) => string, reporter?: Reporter): Promise<void> {
  const schema = extensionSchema(unit.module);
  if (schema !== 'public') await db.query(`CREATE SCHEMA IF NOT EXISTS ${ident(schema)}`);
  for (const ext of extensions) {
    try {
      const sql = createExtensionSql(ext, unit.module);
      // Tenants of one database make it at once: IF NOT EXISTS does not see another session's
      // uncommitted one, and the loser fails on pg_extension's unique name; then it exists.
      await db.query(sql).catch((e: { code?: string }) => (e?.code === UNIQUE_VIOLATION || e?.code === DUPLICATE_OBJECT ? db.query(sql) : Promise.reject(e)));
    } catch (e) {
      throw new BulkheadError(
        problem('BH049', `${unit.module.name} declares extension ${ext}, which ${unit.target.display} does not have, and it cannot be created there: ${(e as Error).message}`, {
          module: unit.id,
          file: rel(unit.module.file),
          field: 'extensions',
          fix: `bulkhead db create${unit.tenant === undefined ? ` ${unit.module.name}` : ''} makes it, run with a role that may (the server's admin, --admin-url); or create it in a migration (CREATE EXTENSION IF NOT EXISTS ${sqlName(ext)})`,
        }),
        { cause: e },
      );
    }
    reporter?.notice?.(`${unit.id}: created extension ${ext}, which ${rel(unit.module.file)} declares (${db.kind === 'pglite' ? 'its embedded database was made before it did' : 'its database was made without bulkhead db create'})`);
  }
}

/** One unit under its lock: re-read the history, decide again, load what is new, apply step by step. */
async function runUnit(ws: Workspace, plan: Plan, up: UnitPlan, db: ModuleDb, run: UnitRun, o: ExecuteOptions): Promise<void> {
  const { unit } = up;
  const direction = plan.intent.direction;
  await withModuleLock(db, { timeoutMs: o.lockTimeoutMs, onWait: (h) => o.reporter?.lockWait?.(unit.id, h) }, async (guard) => {
    const { state, layout } = await readUnitState(db, unit, ws, { resume: o.resume, underLock: true });
    const store = historyStore(unit.history);
    const selection = select(unit, state, plan.intent, ws.rel);
    const problems = [...state.problems, ...selection.problems];
    if (problems.length) throw new BulkheadError(problems);
    // A squashed migration that stands for applied ones gets its row now, in their place.
    const folded = state.applied.filter((a) => a.row.replaced);
    if (direction === 'up' && selection.run.length) {
      // An embedded database gets them when made; one made before the manifest declared them, here.
      const create = db.kind === 'pglite' ? await notInstalled(db, extensionsLeftToDbCreate(unit.module)) : (up.createExtensions ?? []);
      if (create.length) await createDeclaredExtensions(db, unit, create, ws.rel, o.reporter);
    }
    if (direction === 'up' || folded.length) await store.ensure(db, layout).catch((e: unknown) => Promise.reject(historyRefused(e, unit)));
    for (const { row } of folded) await store.fold(db.knex, row);
    const ready = new Map<string, Runnable>(up.steps.map((r) => [r.file.id, r]));
    for (const m of selection.run) {
      if (ready.has(m.id)) continue;
      const p = await prepareMigration(unit.module.name, m, direction, ws.rel);
      if (!p.ok) throw new BulkheadError(p.problems);
      ready.set(m.id, p.runnable);
    }
    const steps = selection.run.map((m) => ready.get(m.id)!);
    o.reporter?.moduleStart?.(unit.id, steps.length, direction);
    const ctx = {
      module: unit.id,
      schema: unit.schema,
      history: store,
      runId: o.runId,
      rel: ws.rel,
      guard,
      statementLockTimeoutMs: o.statementLockTimeoutMs(unit),
      lockAttempts: o.lockAttempts,
      runner: applicationName(direction),
      reporter: o.reporter,
    };
    const done = (r: Runnable, outcome: ApplyOutcome) => {
      if (!outcome.ran) return;
      run.migrations.push({ id: r.file.id, durationMs: outcome.durationMs });
      o.reporter?.migrationDone?.(unit.id, r.file.id, direction, outcome.durationMs);
    };
    // knex (about 60 ms of CPU to load) is needed by TS migrations only: if some will run, it
    // loads while the server runs the first batch.
    let preload = steps.some(needsKnex) ? () => void db.knex : undefined;
    // A migration that runs for minutes says so every minute (runner/idle.ts).
    const beat = heartbeat(o.reporter?.notice);
    const watched = (r: Runnable) => (db.kind === 'postgres' ? `pg_stat_activity shows it as application_name '${migrationLabel(unit.id, r)}'` : undefined);
    try {
      for (let i = 0; i < steps.length; ) {
        // Consecutive transactional SQL migrations go to the server as one message (a batch);
        // after a failure in it, the rest run one by one and the failing one is named.
        const n = nextBatch(steps, i);
        if (n > 1) {
          beat.running(`${unit.id}: ${steps[i]!.file.id} … ${steps[i + n - 1]!.file.id} (${n} migrations sent together)`);
          const committed = await applyBatch(db, steps.slice(i, i + n), ctx, { whileRunning: preload });
          beat.idle();
          preload = undefined;
          for (const c of committed) {
            o.reporter?.migrationStart?.(unit.id, c.r.file.id, direction);
            done(c.r, c.outcome);
          }
          i += committed.length;
          if (committed.length === n) continue;
        }
        const r = steps[i++]!;
        o.reporter?.migrationStart?.(unit.id, r.file.id, direction);
        beat.running(`${unit.id}: ${r.file.id}`, watched(r));
        done(r, await applyMigration(db, r, { ...ctx, resumeFrom: state.interrupted.find((x) => x.progress.id === r.file.id)?.progress }));
        beat.idle();
      }
    } catch (e) {
      // What the error means here, where only the database or the other migrations know.
      if (e instanceof MigrationFailedError) e.failure.fix = (await explainFailure(db, e.failure, { ...unit.module, file: ws.rel(unit.module.file) })) ?? e.failure.fix;
      throw e;
    } finally {
      beat.stop();
    }
  });
}

/**
 * The server refusing the module's role its history table (42501), said with the grant that
 * lets it: PostgreSQL 15 took CREATE on schema public from every role but the database's owner.
 * Any other error is returned as it is.
 */
function historyRefused(e: unknown, unit: Unit): unknown {
  const err = e as { code?: string; message?: string };
  if (err.code === READ_ONLY_SQL_TRANSACTION) {
    return new BulkheadError(
      problem('BH072', `${unit.id} cannot create its history table ${unit.history.schema}.${unit.history.table}: ${err.message} (nothing was applied)`, {
        module: unit.module.name,
        file: unit.module.file,
        field: 'database.url',
        fix: readOnlyFix(),
      }),
      { cause: e },
    );
  }
  if (err.code !== INSUFFICIENT_PRIVILEGE) return e;
  const user = unit.target.kind === 'postgres' ? unit.target.user : undefined;
  const role = user ? sqlName(user) : '<the role of the URL>';
  const schema = /permission denied for schema (\S+)/.exec(err.message ?? '')?.[1];
  const database = /permission denied for database (\S+)/.exec(err.message ?? '')?.[1];
  const grant = schema ? `GRANT CREATE ON SCHEMA ${schema} TO ${role}` : database ? `GRANT CREATE ON DATABASE ${database} TO ${role}` : `GRANT CREATE ON SCHEMA ${unit.history.schema} TO ${role}`;
  return new BulkheadError(
    problem('BH068', `${unit.id} cannot create its history table ${unit.history.schema}.${unit.history.table}: ${err.message} (nothing was applied)`, {
      module: unit.module.name,
      file: unit.module.file,
      fix: `let the role create it — ${grant} (PostgreSQL 15 lets only the database's owner create in public) — or have bulkhead db create provision the module's database, owned by a role of its own`,
    }),
    { cause: e },
  );
}

/** How a unit's run failed, for its report: a failed migration, or problems found under the lock. */
export function failureOf(e: unknown, unit: string): { failure?: MigrationFailure; problems?: Problem[] } {
  if (e instanceof MigrationFailedError) return { failure: e.failure };
  if (e instanceof BulkheadError) return { problems: e.problems };
  return { problems: [problem('BH030', (e as Error).message, { module: unit })] };
}

/**
 * Exit code of a run (SPEC §5): a failed migration is 1; problems found under a lock (lock
 * timeout, history changed meanwhile) are 2 unless one of them is a failure (a lost lock);
 * units skipped after a failure keep it 1.
 */
export function exitCodeOfRuns(runs: readonly { status: string; failure?: MigrationFailure; problems?: Problem[] }[]): ExitCode {
  const failures = runs.filter((r) => r.failure).map((r) => CATALOGUE[r.failure!.code ?? 'BH030'].exit);
  if (failures.length) return Math.max(...failures) as ExitCode;
  const problems = runs.flatMap((r) => r.problems ?? []);
  if (problems.length) return exitCodeOf(problems);
  return runs.some((r) => r.status === 'failed' || r.status === 'skipped') ? CATALOGUE.BH031.exit : EXIT.ok;
}

/** Run functions with the same key one at a time. */
function keyedMutex(): <T>(key: string, fn: () => Promise<T>) => Promise<T> {
  const tails = new Map<string, Promise<unknown>>();
  return (key, fn) => {
    const prev = tails.get(key) ?? Promise.resolve();
    const next = prev.catch(() => undefined).then(fn);
    tails.set(key, next.catch(() => undefined));
    return next;
  };
}

/** Units done / failed / remaining with an ETA, at most once a second, for runs of many units. */
function progressMeter(total: number, concurrency: number, reporter: Reporter | undefined) {
  const started = Date.now();
  let done = 0;
  let failed = 0;
  let told = 0;
  return {
    done(isFailure: boolean) {
      done++;
      if (isFailure) failed++;
      if (total < 10 || !reporter?.progress) return;
      const now = Date.now();
      if (done < total && now - told < 1000) return;
      told = now;
      const remaining = total - done;
      const etaMs = done ? Math.round(((now - started) / done) * remaining) : undefined;
      reporter.progress({ done: done - failed, failed, remaining, total, etaMs, concurrency });
    },
  };
}
