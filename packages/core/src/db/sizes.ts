import type { SqlSession } from './types.js';

/** A table's size as the server estimates it: rows and pages from its statistics (VACUUM, ANALYZE, CREATE INDEX keep them), indexes and TOAST included. */
export interface TableSize {
  rows: number;
  bytes: number;
}

/**
 * The sizes of these tables (`schema.table`, as plan --locks names them) in the unit's database;
 * one that does not exist there (yet), or that was never vacuumed or analysed, is left out. One round trip,
 * from pg_class alone: no lock is taken (pg_total_relation_size would wait behind a migration
 * holding ACCESS EXCLUSIVE on the table, and plan must never queue).
 */
export async function tableSizes(db: SqlSession, tables: readonly string[]): Promise<Map<string, TableSize>> {
  const out = new Map<string, TableSize>();
  if (!tables.length) return out;
  const r = await db.query(
    `SELECT t.name, c.reltuples::float8 AS rows,
            ((c.relpages + coalesce(toast.relpages, 0)
              + coalesce((SELECT sum(i.relpages) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid WHERE x.indrelid = c.oid), 0))
             * current_setting('block_size')::int)::float8 AS bytes
       FROM unnest($1::text[]) AS t(name)
       JOIN pg_class c ON c.oid = to_regclass(quote_ident(split_part(t.name, '.', 1)) || '.' || quote_ident(substr(t.name, length(split_part(t.name, '.', 1)) + 2)))
       LEFT JOIN pg_class toast ON toast.oid = c.reltoastrelid`,
    [[...new Set(tables)]],
  );
  for (const row of r.rows as { name: string; rows: number; bytes: number }[]) {
    // Never vacuumed or analysed (PostgreSQL 14+ says -1): its pages are not known either.
    if (row.rows < 0) continue;
    out.set(row.name, { rows: Math.round(row.rows), bytes: Math.round(row.bytes) });
  }
  return out;
}
