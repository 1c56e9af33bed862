import type { Knex } from 'knex';
import type { HistoryRow, HistorySnapshot, ProgressRow } from './types.js';

export type { HistoryRow, HistorySnapshot, ProgressRow } from './types.js';

/** The module's history table: `{ schema, table }` in the module's own database. */
export interface HistoryTable {
  schema: string;
  table: string;
}

type Db = Knex | Knex.Transaction;

/** The companion table that tracks no-transaction migrations while they run: `<history>_progress`. */
export function progressTable(h: HistoryTable): HistoryTable {
  return { schema: h.schema, table: `${h.table}_progress` };
}

/**
 * The history store's contents, or undefined when its table does not exist yet (nothing
 * applied). One round trip when there is no progress table (the usual case).
 */
export async function readHistory(db: Db, h: HistoryTable): Promise<HistorySnapshot | undefined> {
  const p = progressTable(h);
  const r = await db.raw('SELECT to_regclass(format(?, ?::text, ?::text)) AS h, to_regclass(format(?, ?::text, ?::text)) AS p', [
    '%I.%I',
    h.schema,
    h.table,
    '%I.%I',
    p.schema,
    p.table,
  ]);
  if (r.rows[0].h === null) return undefined;
  const rows = (await db.withSchema(h.schema).table(h.table).select('*').orderBy('id')) as HistoryRow[];
  const progress = r.rows[0].p === null ? [] : ((await db.withSchema(p.schema).table(p.table).select('*').orderBy('id')) as ProgressRow[]);
  return {
    rows: rows.map((row) => ({ ...row, applied_at: new Date(row.applied_at), duration_ms: Number(row.duration_ms) })),
    progress: progress.map((row) => ({ ...row, started_at: new Date(row.started_at), updated_at: new Date(row.updated_at) })),
  };
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

export async function insertHistory(db: Db, h: HistoryTable, row: Omit<HistoryRow, 'applied_at' | 'applied_by'>): Promise<void> {
  await db.withSchema(h.schema).table(h.table).insert(row);
}

export async function deleteHistory(db: Db, h: HistoryTable, id: string): Promise<void> {
  await db.withSchema(h.schema).table(h.table).where({ id }).delete();
}

/** Whether migration `id` has a history row (read inside a migration's transaction, after the fence). */
export async function isApplied(db: Db, h: HistoryTable, id: string): Promise<boolean> {
  const rows = await db.withSchema(h.schema).table(h.table).where({ id }).select('id');
  return rows.length > 0;
}

/** Start (or, on resume, continue) tracking a no-transaction migration. Under the module lock. */
export async function startProgress(
  db: Knex,
  h: HistoryTable,
  row: Pick<ProgressRow, 'id' | 'direction' | 'checksum' | 'statements_total' | 'statements_done' | 'done_digest' | 'run_id' | 'runner'>,
): Promise<void> {
  const p = progressTable(h);
  if (!(await db.schema.withSchema(p.schema).hasTable(p.table))) {
    await db.schema.withSchema(p.schema).createTable(p.table, (t) => {
      t.text('id').primary();
      t.text('direction').notNullable();
      t.text('checksum').notNullable();
      t.integer('statements_total');
      t.integer('statements_done').notNullable();
      t.text('done_digest');
      t.integer('failed_statement');
      t.text('error');
      t.uuid('run_id').notNullable();
      t.text('runner').notNullable();
      t.timestamp('started_at', { useTz: true }).notNullable().defaultTo(db.fn.now());
      t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(db.fn.now());
    });
  }
  await db
    .withSchema(p.schema)
    .table(p.table)
    .insert({ ...row, failed_statement: null, error: null })
    .onConflict('id')
    .merge(['direction', 'checksum', 'statements_total', 'statements_done', 'done_digest', 'failed_statement', 'error', 'run_id', 'runner', 'updated_at']);
}

/** Record that the first `done` statements completed (autocommit, right after each statement). */
export async function advanceProgress(db: Knex, h: HistoryTable, id: string, done: number, digest: string | null): Promise<void> {
  const p = progressTable(h);
  await db.withSchema(p.schema).table(p.table).where({ id }).update({ statements_done: done, done_digest: digest, updated_at: db.fn.now() });
}

/** Record which statement failed and why (the run stops; the row stays for the next run to report). */
export async function failProgress(db: Knex, h: HistoryTable, id: string, statement: number | null, error: string): Promise<void> {
  const p = progressTable(h);
  await db.withSchema(p.schema).table(p.table).where({ id }).update({ failed_statement: statement, error, updated_at: db.fn.now() });
}

/** Forget a migration's progress, in the transaction that records it as applied (or reverted). */
export async function clearProgress(db: Db, h: HistoryTable, id: string): Promise<void> {
  const p = progressTable(h);
  const r = await db.raw('SELECT to_regclass(format(?, ?::text, ?::text)) AS p', ['%I.%I', p.schema, p.table]);
  if (r.rows[0].p !== null) await db.withSchema(p.schema).table(p.table).where({ id }).delete();
}
