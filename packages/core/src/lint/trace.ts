import { searchPath } from '../db/postgres.js';
import { withScratchDatabase } from '../db/scratch.js';
import { withTransaction } from '../db/targets.js';
import { moduleUnit } from '../plan/units.js';
import { callMigration } from '../runner/apply.js';
import { prepareMigration } from '../runner/prepare.js';
import type { Module, Workspace } from '../workspace.js';

/** The table locks a migration actually took, read from pg_locks before its transaction ended. */
export interface TracedMigration {
  module: string;
  migration: string;
  file: string;
  locks: { table: string; mode: string }[];
  /** Why nothing was traced (a no-transaction migration holds no lock to the end; a failure). */
  note?: string;
}

const LOCKS = `SELECT n.nspname || '.' || c.relname AS table, l.mode
  FROM pg_locks l JOIN pg_class c ON c.oid = l.relation JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE l.pid = pg_backend_pid() AND l.locktype = 'relation' AND l.granted AND c.relkind IN ('r', 'p', 'm', 'f')
   AND n.nspname NOT IN ('pg_catalog', 'information_schema')
 ORDER BY 1, 2`;

const MODE: Record<string, string> = {
  AccessShareLock: 'ACCESS SHARE',
  RowShareLock: 'ROW SHARE',
  RowExclusiveLock: 'ROW EXCLUSIVE',
  ShareUpdateExclusiveLock: 'SHARE UPDATE EXCLUSIVE',
  ShareLock: 'SHARE',
  ShareRowExclusiveLock: 'SHARE ROW EXCLUSIVE',
  ExclusiveLock: 'EXCLUSIVE',
  AccessExclusiveLock: 'ACCESS EXCLUSIVE',
};
const ORDER = Object.values(MODE);

/**
 * `lint --trace`: the module's chain on a scratch database, each migration in its transaction,
 * pg_locks read just before it commits — the locks PostgreSQL actually granted, strongest per table.
 */
export async function traceModule(ws: Workspace, module: Module, o: { server?: string }): Promise<TracedMigration[]> {
  const unit = moduleUnit(module);
  const out: TracedMigration[] = [];
  await withScratchDatabase(unit, { command: 'lint', server: o.server, root: ws.root }, async ({ db }) => {
    for (const m of module.migrations) {
      const p = await prepareMigration(module.name, m, 'up', ws.rel);
      const file = ws.rel(m.upPath);
      if (!p.ok) {
        out.push({ module: module.name, migration: m.id, file, locks: [], note: p.problems[0]?.message ?? 'cannot be loaded' });
        return;
      }
      const r = p.runnable;
      const traced: TracedMigration = { module: module.name, migration: m.id, file, locks: [] };
      try {
        await db.knex.raw(`SELECT set_config('search_path', '${searchPath(unit.schema).replace(/'/g, "''")}', false)`);
        if (!r.transaction) {
          traced.note = 'no-transaction: each statement holds its locks only while it runs; not traced';
          if (r.step.format === 'sql') for (const s of r.step.statements) await db.knex.raw(s.text);
          else await callMigration(r.step.fn, db.knex, r.step.path, 'up');
        } else {
          await withTransaction(db, async (trx) => {
            if (r.step.format === 'sql') for (const s of r.step.statements) await trx.raw(s.text);
            else await callMigration(r.step.fn, trx, r.step.path, 'up');
            const rows = ((await trx.raw(LOCKS)) as unknown as { rows: { table: string; mode: string }[] }).rows;
            const strongest = new Map<string, string>();
            for (const row of rows) {
              const mode = MODE[row.mode] ?? row.mode;
              const prev = strongest.get(row.table);
              if (!prev || ORDER.indexOf(mode) > ORDER.indexOf(prev)) strongest.set(row.table, mode);
            }
            traced.locks = [...strongest].map(([table, mode]) => ({ table, mode }));
          });
        }
      } catch (e) {
        traced.note = `failed on the scratch database: ${(e as Error).message}`;
        out.push(traced);
        return;
      }
      out.push(traced);
    }
  });
  return out;
}
