import type { Knex } from 'knex';
import type { HistoryRow } from './types.js';

export type { HistoryRow } from './types.js';

/** The module's history table: `{ schema, table }` in the module's own database. */
export interface HistoryTable {
  schema: string;
  table: string;
}

/** Rows of the history table, or undefined when it does not exist yet (nothing applied). */
export async function readHistory(db: Knex | Knex.Transaction, h: HistoryTable): Promise<HistoryRow[] | undefined> {
  const r = await db.raw('SELECT to_regclass(format(?, ?::text, ?::text)) AS t', ['%I.%I', h.schema, h.table]);
  if (r.rows[0].t === null) return undefined;
  const rows = (await db.withSchema(h.schema).table(h.table).select('*').orderBy('id')) as HistoryRow[];
  return rows.map((row) => ({ ...row, applied_at: new Date(row.applied_at), duration_ms: Number(row.duration_ms) }));
}

/** Create the schema and history table if missing. Call under the module lock (concurrent CREATEs race). */
export async function ensureHistoryTable(db: Knex, h: HistoryTable): Promise<void> {
  await db.raw('CREATE SCHEMA IF NOT EXISTS ??', [h.schema]);
  if (await db.schema.withSchema(h.schema).hasTable(h.table)) return;
  await db.schema.withSchema(h.schema).createTable(h.table, (t) => {
    t.text('id').primary();
    t.text('name').notNullable();
    t.text('checksum').notNullable();
    t.timestamp('applied_at', { useTz: true }).notNullable().defaultTo(db.fn.now());
    t.integer('duration_ms').notNullable();
    t.text('applied_by').notNullable().defaultTo(db.raw('current_user'));
    t.uuid('run_id').notNullable();
    t.text('bulkhead_version').notNullable();
  });
}

export async function insertHistory(
  db: Knex | Knex.Transaction,
  h: HistoryTable,
  row: Omit<HistoryRow, 'applied_at' | 'applied_by'>,
): Promise<void> {
  await db.withSchema(h.schema).table(h.table).insert(row);
}

export async function deleteHistory(db: Knex | Knex.Transaction, h: HistoryTable, id: string): Promise<void> {
  await db.withSchema(h.schema).table(h.table).where({ id }).delete();
}
