import { withTargets, withUnitLock } from '../db/targets.js';
import { compareWithMigrations, schemasCreatedBy } from '../drift/drift.js';
import { BulkheadError, problem, type ExitCode, type Problem } from '../errors.js';
import { historyStore } from '../history/store.js';
import { diffText, firstLines, type Difference } from '../snapshot/diff.js';
import { repairNotes, repairSql, statementsInLine } from '../snapshot/repair.js';
import type { Snapshot } from '../snapshot/read.js';
import { prepareAll } from '../runner/prepare.js';
import { listUnits, readUnits } from '../runner/read.js';
import { BULKHEAD_VERSION } from '../version.js';
import { DEFAULT_LOCK_TIMEOUT_MS, findMigration, isProduction, loadValidWorkspace, oneModule, runIdFrom, type CommonOptions } from './options.js';
import { plural } from '../text.js';

export interface BaselineOptions extends CommonOptions {
  module?: string;
  /** The last migration (id or version) the database already has: it and every earlier one are recorded. */
  at?: string;
  /** Why, kept in each recorded row (default: the check that was made). */
  reason?: string;
  /** Build the expected schema on this server instead of next to each unit's own database. */
  server?: string;
  lockTimeoutMs?: number;
}

export interface BaselinedUnit {
  unit: string;
  module: string;
  tenant?: string;
  database: string;
  /** The migrations recorded as applied, in order. */
  recorded: string[];
}

export interface BaselineResult {
  command: 'baseline';
  exitCode: ExitCode;
  runId: string;
  units: BaselinedUnit[];
}

/**
 * `baseline <module> --at <id>` (SPEC §5): adopt a database built without Bulkhead (by hand,
 * another tool, a restored dump). Its schema is first compared with what the module's migrations
 * up to `--at` build on a scratch database, as `drift` compares; only when they match exactly
 * are those migrations recorded as applied (kind `baseline`, no statement run), so the next `up`
 * starts after them. A database that already has a history, or whose schema differs (each
 * difference listed), is refused before anything is written (exit 2).
 */
export async function baseline(o: BaselineOptions): Promise<BaselineResult> {
  const ws = loadValidWorkspace({ ...o, modules: o.module ? [o.module] : undefined });
  const module = oneModule(ws, 'baseline', o.module, { '--at': o.at });
  const at = findMigration(ws, module, o.at!, '--at');
  const adopted = module.migrations.filter((m) => m.id <= at.id);
  const runId = runIdFrom(o.env);
  const lockTimeoutMs = o.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS;
  return withTargets({ command: 'baseline', lockTimeoutMs, production: isProduction(o), reporter: o.reporter }, async (pool) => {
    const units = await listUnits(ws, pool, [module], { readOnly: true, tenants: o.tenants });
    const { reads, problems } = await readUnits(ws, pool, units, { readOnly: true });
    if (problems.length) throw new BulkheadError(problems);
    const refused: Problem[] = [];
    for (const { unit, state, created } of reads) {
      if (!created) {
        refused.push(problem('BH053', `${unit.id} has no database yet: there is nothing to adopt`, { module: unit.id, fix: `bulkhead up ${module.name} builds it from the migrations` }));
      } else if (state.applied.length) {
        refused.push(
          problem('BH053', `${unit.id} already has ${plural(state.applied.length, 'migration')} in ${unit.history.schema}.${unit.history.table}: baseline adopts a database Bulkhead has never migrated`, {
            module: unit.id,
            fix: 'bulkhead status shows what is applied; bulkhead up applies the rest',
          }),
        );
      }
    }
    if (refused.length) throw new BulkheadError(refused);
    const { runnables, problems: unprepared } = await prepareAll(module.name, adopted, 'up', ws.rel);
    if (unprepared.length) throw new BulkheadError(unprepared);
    const schemasOf = schemasCreatedBy(ws, [module]);
    // Every migration, prepared once when a unit does not match --at: a database a tool's record
    // lags behind (harbor's golang-migrate version, its later files applied by hand) is all of them.
    let all: Awaited<ReturnType<typeof prepareAll>> | undefined;
    const last = module.migrations.at(-1)!;
    for (const { unit } of reads) {
      const { differences, actual } = await compareWithMigrations(ws, pool, unit, units, runnables, { command: 'baseline', server: o.server, schemasOf });
      if (!differences.length) continue;
      let matchesAll = false;
      if (last.id !== at.id) {
        all ??= await prepareAll(module.name, module.migrations, 'up', ws.rel);
        matchesAll = !all.problems.length && !(await compareWithMigrations(ws, pool, unit, units, all.runnables, { command: 'baseline', server: o.server, schemasOf })).differences.length;
      }
      const shown = firstLines(diffText(differences, unit.schema));
      refused.push(
        problem('BH054', `${unit.id} does not match what ${plural(adopted.length, 'migration')} up to ${at.id} build (${plural(differences.length, 'difference')}, expected → actual):\n    ${shown.join('\n    ')}`, {
          module: unit.id,
          fix: matchesAll
            ? `it matches what all ${module.migrations.length} migrations build, up to ${last.id}: bulkhead baseline ${module.name} --at ${last.id}; nothing was recorded`
            : `choose the --at migration the database really matches, or bring the database to it first${bringing(differences, actual)}; nothing was recorded`,
        }),
      );
    }
    if (refused.length) throw new BulkheadError(refused);
    const reason = `baseline ${new Date().toISOString()} (run ${runId}): schema matched ${at.id}${o.reason?.trim() ? `: ${o.reason.trim()}` : ''}`;
    const out: BaselinedUnit[] = [];
    for (const { unit } of reads) {
      await withUnitLock(pool, unit, { lockTimeoutMs, reporter: o.reporter }, async (db) => {
        const store = historyStore(unit.history);
        const found = await store.read(db);
        if (found?.rows.length) {
          throw new BulkheadError(problem('BH053', `${unit.id} was migrated meanwhile (${found.rows.length} rows in its history): nothing was recorded`, { module: unit.id, fix: 'bulkhead status shows what is applied' }));
        }
        await store.ensure(db, found?.layout);
        await db.knex.transaction(async (trx) => {
          for (const m of adopted) {
            await store.record(trx, { id: m.id, name: m.name, checksum: m.checksum, duration_ms: 0, run_id: runId, bulkhead_version: BULKHEAD_VERSION, kind: 'baseline', reason });
          }
        });
      });
      out.push({ unit: unit.id, module: module.name, ...(unit.tenant !== undefined ? { tenant: unit.tenant } : {}), database: unit.target.display, recorded: adopted.map((m) => m.id) });
    }
    return { command: 'baseline', exitCode: 0, runId, units: out };
  });
}

/** The statements that would make the database what the migrations build (drift --sql's undo), a few on one line, for the fix. */
function bringing(differences: readonly Difference[], live: Snapshot): string {
  // What uses what (an enum's columns, the foreign keys on a column) read from the live database, as drift --sql reads it.
  const sql = repairSql(differences, { on: live });
  if (!sql.statements.length) return '';
  const notes = repairNotes(sql).map((n) => n.replace(/^-- /, ''));
  return ` — these statements would (review them: a DROP loses its data): ${statementsInLine(sql.statements, 8)}${notes.length ? `; ${notes.join('; ')}` : ''}`;
}
