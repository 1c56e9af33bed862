import { searchPath } from '../db/postgres.js';
import { withScratchDatabase } from '../db/scratch.js';
import { withConnection, withTransaction } from '../db/targets.js';
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
      const strongest = (rows: readonly { table: string; mode: string }[]) => {
        const by = new Map<string, string>();
        for (const row of rows) {
          const mode = MODE[row.mode] ?? row.mode;
          const prev = by.get(row.table);
          if (!prev || ORDER.indexOf(mode) > ORDER.indexOf(prev)) by.set(row.table, mode);
        }
        return [...by].map(([table, mode]) => ({ table, mode }));
      };
      const setPath = `SELECT set_config('search_path', '${searchPath(unit.schema).replace(/'/g, "''")}', false)`;
      try {
        if (r.step.format === 'sql') {
          // SQL goes to the connection as written, as up sends it (knex would take the jsonb
          // operator ? for a binding: harbor's 0110 has `NOT target ? 'payload_format'`).
          const statements = r.step.statements;
          await withConnection(db, async (conn) => {
            await conn.query(setPath);
            if (!r.transaction) {
              traced.note = 'no-transaction: each statement holds its locks only while it runs; not traced';
              for (const s of statements) await conn.query(s.text);
              return;
            }
            await conn.query('BEGIN');
            try {
              for (const s of statements) await conn.query(s.text);
              traced.locks = strongest((await conn.query(LOCKS)).rows as { table: string; mode: string }[]);
              await conn.query('COMMIT');
            } catch (e) {
              await conn.query('ROLLBACK').catch(() => undefined);
              throw e;
            }
          });
        } else if (!r.transaction) {
          traced.note = 'no-transaction: each statement holds its locks only while it runs; not traced';
          await db.knex.raw(setPath);
          await callMigration(r.step.fn, db.knex, r.step.path, 'up');
        } else {
          const step = r.step;
          await db.knex.raw(setPath);
          await withTransaction(db, async (trx) => {
            await callMigration(step.fn, trx, step.path, 'up');
            traced.locks = strongest(((await trx.raw(LOCKS)) as unknown as { rows: { table: string; mode: string }[] }).rows);
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
