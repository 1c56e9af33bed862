import type { Knex } from 'knex';
import type pg from 'pg';
import type { ModuleDb, SqlSession } from '../db/types.js';
import { BulkheadError, problem } from '../errors.js';
import { OTHER_TOOLS_HISTORY, otherToolOf, readForeignApplied, type ForeignHistory } from './other-tools.js';
import { ident, literal, messageResults } from '../db/postgres.js';
import { UNDEFINED_TABLE } from '../db/sqlstate.js';
import type { HistoryRow, HistorySnapshot, ProgressRow } from './types.js';
import { PROGRESS_SUFFIX } from '../manifest/schema.js';

export type { HistoryRow, HistorySnapshot, ProgressRow } from './types.js';

/** A unit's history table: `{ schema, table }` in the unit's own database. */
export interface HistoryTable {
  schema: string;
  table: string;
}

type Db = Knex | Knex.Transaction;

/**
 * The layout of the history table this Bulkhead writes. Layouts only grow (columns with
 * defaults), and a table of an older layout is upgraded in place, under the unit's lock, by
 * the next `up`; reading works on every layout up to this one. A table of a newer layout is
 * refused: an older Bulkhead must not write rows a newer one would misread.
 *
 *   1  (0.1) id, name, checksum, applied_at, duration_ms, applied_by, run_id, bulkhead_version
 *   2  + kind ('apply', 'baseline', 'repair' or 'squash') and reason (why a row was written or
 *        changed by hand: the reasons given to baseline and repair, one line each)
 */
export const HISTORY_LAYOUT = 2;

const LAYOUT_TEXT = `bulkhead history layout ${HISTORY_LAYOUT}: one row per applied migration (SPEC §4)`;

/** The comment that carries the layout (a table without one is layout 1: Bulkhead 0.1 wrote none). */
const LAYOUT_COMMENT = /^bulkhead history layout (\d+)\b/;

const UPGRADES: Record<number, (q: Knex.Transaction, h: HistoryTable) => Promise<unknown>> = {
  2: (q, h) =>
    q.raw(
      `ALTER TABLE ??.?? ADD COLUMN IF NOT EXISTS kind text NOT NULL DEFAULT 'apply', ADD COLUMN IF NOT EXISTS reason text`,
      [h.schema, h.table],
    ),
};

/** What a unit's database says about its history (HistoryStore.readState). */
export interface HistoryState {
  /** The unit's history, or undefined when its table does not exist. */
  history: HistorySnapshot | undefined;
  /** Other tools' history tables in its schema. */
  foreign: ForeignHistory[];
  /**
   * When the unit's table does not exist or is empty: Bulkhead history tables in its schema under
   * another name, or of its name in another schema (where a changed "historyTable" or
   * "database.schema" left the module's history), with their row counts (undefined where this
   * role may not read).
   */
  elsewhere: OtherHistory[];
}

/** A Bulkhead history table that is not the unit's (`schema.table`), and how many rows it holds. */
export interface OtherHistory {
  schema: string;
  table: string;
  rows: number | undefined;
  /** Whether its `<table>_progress` is beside it (it moves with it). */
  progress: boolean;
}

/**
 * The history store of one unit (SPEC §4): applied migrations, and the progress of
 * no-transaction migrations while they run (in `<table>_progress`). Every method takes the
 * connection or transaction to act through, so a row commits with its migration.
 */
export interface HistoryStore {
  readonly table: HistoryTable;
  /**
   * Applied rows and unfinished runs, or undefined when the table does not exist yet. Read on the
   * driver (a module database's `query`), so that reading never needs knex.
   */
  read(q: SqlSession): Promise<HistorySnapshot | undefined>;
  /**
   * `read`, and the other tools' history tables in its schema (with no rows of ours: a database
   * another tool migrated) and Bulkhead's elsewhere. With a history that has rows, other tools'
   * tables are looked up only when `others` (a run whose migrations use one).
   */
  readState(q: SqlSession, o: { others: boolean }): Promise<HistoryState>;
  /** Create the table (on the driver), or upgrade an older layout in place (with knex). Under the unit's lock. */
  ensure(db: Pick<ModuleDb, 'query' | 'knex'>, layout: number | undefined): Promise<void>;
  record(q: Db, row: Omit<HistoryRow, 'applied_at' | 'applied_by'>): Promise<void>;
  /**
   * Accept `checksum` as the applied migration's own (`repair`): the row keeps when and by whom it
   * was applied, becomes kind `repair`, and its reason gains `note` (the audit trail). False when
   * there is no such row.
   */
  accept(q: Db, id: string, checksum: string, note: string): Promise<boolean>;
  /** Write a squashed migration's row (foldSquashed) in place of the rows it replaced, in one transaction. */
  fold(q: Knex, row: HistoryRow): Promise<void>;
  /** Whether `id` has a row (read inside a migration's transaction, after the fence). */
  isApplied(q: Db, id: string): Promise<boolean>;
  // A no-transaction migration's progress, on the driver (its SQL goes as written, in as few
  // round trips as the statements allow).
  /**
   * Its progress row at the start (a new one, or one an earlier run left), and the progress table
   * the first time; `first`, SQL to send before them in the same message (its results are returned).
   */
  startProgress(
    q: SqlSession,
    row: Pick<ProgressRow, 'id' | 'direction' | 'checksum' | 'statements_total' | 'statements_done' | 'done_digest' | 'run_id' | 'runner'>,
    first?: string,
  ): Promise<pg.QueryResult | pg.QueryResult[]>;
  advanceProgress(q: SqlSession, id: string, done: number, digest: string | null): Promise<void>;
  /** advanceProgress as SQL, to send in one message with the statement it records and commit with it. */
  advanceProgressSql(id: string, done: number, digest: string | null): string;
  failProgress(q: SqlSession, id: string, statement: number | null, error: string): Promise<void>;
  /** How many statements of `id` have committed, as its progress row says (undefined without one). */
  progressDone(q: SqlSession, id: string): Promise<number | undefined>;
  /**
   * SQL that writes a migration's history row (`up`) or removes it (`down`). `durationMs` is SQL:
   * a number, or an expression the server computes in the migration's own transaction.
   */
  historySql(direction: 'up' | 'down', row: HistoryWrite, durationMs: string): string;
  /**
   * SQL that records a no-transaction migration as done: its history row written (`up`) or
   * removed (`down`), and its progress row cleared. Sent as one message: one implicit transaction.
   */
  finishedSql(direction: 'up' | 'down', row: HistoryWrite, durationMs: number): string;
}

/** What a run writes in a migration's history row (the rest are the table's defaults). */
export type HistoryWrite = Pick<HistoryRow, 'id' | 'name' | 'checksum' | 'run_id' | 'bulkhead_version'>;

/** The companion table that tracks no-transaction migrations while they run: `<history>_progress`. */
export function progressTable(h: HistoryTable): HistoryTable {
  return { schema: h.schema, table: `${h.table}${PROGRESS_SUFFIX}` };
}

type Candidate = { s: string; t: string; readable: boolean; progress: boolean };

/** Another tool's applied migrations, as a field to spread (none when they cannot be read). */
async function withApplied(q: SqlSession, table: string): Promise<Pick<ForeignHistory, 'applied'>> {
  const applied = await readForeignApplied(q, table);
  return applied ? { applied } : {};
}

/** Row counts of candidate history tables (a round trip each: rare, a first run or a moved history). */
async function counted(q: SqlSession, candidates: readonly Candidate[]): Promise<OtherHistory[]> {
  const out: OtherHistory[] = [];
  for (const c of candidates) {
    const rows = c.readable ? Number((await q.query(`SELECT count(*) AS n FROM ${ident(c.s)}.${ident(c.t)}`)).rows[0]?.n) : undefined;
    out.push({ schema: c.s, table: c.t, rows, progress: c.progress });
  }
  return out;
}

export function historyStore(h: HistoryTable): HistoryStore {
  const p = progressTable(h);
  const historyName = `${ident(h.schema)}.${ident(h.table)}`;
  const progressName = `${ident(p.schema)}.${ident(p.table)}`;
  /** The progress table is known to exist (made by this store): not made again. */
  let progressExists = false;
  const historySql = (direction: 'up' | 'down', row: HistoryWrite, durationMs: string): string =>
    direction === 'up'
      ? // applied_at is when the row is written, not now(): the migrations of a batch share one
        // message, and a transaction in it starts at the message's arrival (all would share a time).
        `INSERT INTO ${historyName} (id, name, checksum, applied_at, duration_ms, run_id, bulkhead_version) VALUES (${[row.id, row.name, row.checksum].map(literal).join(', ')}, clock_timestamp(), ${durationMs}, ${literal(row.run_id)}, ${literal(row.bulkhead_version)})`
      : `DELETE FROM ${historyName} WHERE id = ${literal(row.id)}`;
  const advanceSql = (id: string, done: number, digest: string | null): string =>
    `UPDATE ${progressName} SET statements_done = ${done}, done_digest = ${digest === null ? 'NULL' : literal(digest)}, updated_at = now() WHERE id = ${literal(id)}`;
  const tools = [...OTHER_TOOLS_HISTORY.keys()];
  const bareToolTables = tools.filter((t) => !t.includes('.')).map(literal).join(', ');
  const qualifiedToolTables = tools.filter((t) => t.includes('.')).map(literal).join(', ');
  /**
   * Tables of Bulkhead's shape (a bulkhead_version column, in every layout) other than the unit's:
   * under another name in its schema, or of its name in another schema — where a changed
   * "historyTable" or "database.schema" would have left it.
   */
  const elsewhereSql =
    `SELECT n.nspname AS s, c.relname AS t, has_schema_privilege(n.oid, 'USAGE') AND has_table_privilege(c.oid, 'SELECT') AS readable, ` +
    `to_regclass(format('%I.%I', n.nspname, c.relname || '_progress')) IS NOT NULL AS progress ` +
    `FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'p') ` +
    `AND (n.nspname = ${literal(h.schema)}) <> (c.relname = ${literal(h.table)}) ` +
    `AND EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'bulkhead_version' AND NOT a.attisdropped) ORDER BY 1, 2`;
  /** Other tools' history tables in the unit's schema (or their own), by name. */
  const othersSql =
    `SELECT n.nspname AS s, c.relname AS t FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'p') AND (` +
    `(n.nspname = ${literal(h.schema)} AND c.relname IN (${bareToolTables})) OR n.nspname || '.' || c.relname IN (${qualifiedToolTables})) ORDER BY 1`;
  /**
   * The history (and, with `state`, what readState adds: other tools' history tables, and where
   * else Bulkhead's may be; `read` asks for neither). No error when
   * the tables do not exist yet (a new database or tenant: a failed SELECT would put an ERROR in
   * the server's log on every first run), and no PL/pgSQL (a DO block costs a new session ~5 ms
   * of the server's time, to load the language and compile it: a hundred modules' no-op run
   * felt it). So two round trips: which tables exist (with the layout comment, and other tools'
   * history tables when the caller needs them whatever the history holds); then the rows of those
   * that do, or, for a missing table, the look around it. Values as literals: a message of several
   * statements cannot carry bindings.
   */
  const readAll = async (q: SqlSession, o: { state: boolean; others: boolean }, again = false): Promise<HistoryState> => {
    // Other tools' tables: with the first query when asked whatever the history holds; else only
    // once the history is found missing or empty, with Bulkhead's elsewhere (lookAround). A
    // no-op run of a hundred modules spared the catalog scan in each new session.
    const early = o.state && o.others;
    const [found, others] = messageResults(
      await q.query(
        `SELECT to_regclass(${literal(historyName)}) IS NOT NULL AS history, to_regclass(${literal(progressName)}) IS NOT NULL AS progress, ` +
          `obj_description(to_regclass(${literal(historyName)}), 'pg_class') AS comment${early ? `;\n${othersSql}` : ''}`,
      ),
    );
    const exists = found!.rows[0] as { history: boolean; progress: boolean; comment: string | null };
    let tables = (others?.rows ?? []) as { s: string; t: string }[];
    // With no history of ours, what another tool's says was applied: the baseline to adopt it at
    // (a round trip each: a database another tool migrated, once).
    const foreignOf = async (adopting: boolean): Promise<ForeignHistory[]> => {
      const foreign = tables.map((r) => ({ table: `${r.s}.${r.t}`, tool: otherToolOf(r.s, r.t)! }));
      return adopting && foreign.length ? Promise.all(foreign.map(async (f) => ({ ...f, ...(await withApplied(q, f.table)) }))) : foreign;
    };
    // The unit's table missing or empty (a one-time look): another tool's history to adopt, and
    // Bulkhead's elsewhere (where a changed manifest left it).
    const lookAround = async (): Promise<Pick<HistoryState, 'foreign' | 'elsewhere'>> => {
      if (!o.state) return { foreign: [], elsewhere: [] };
      const [t, e] = messageResults(await q.query(early ? elsewhereSql : `${othersSql};\n${elsewhereSql}`));
      if (!early) tables = t!.rows as { s: string; t: string }[];
      return { foreign: await foreignOf(true), elsewhere: await counted(q, (early ? t! : e!).rows as Candidate[]) };
    };
    if (!exists.history) return { history: undefined, ...(await lookAround()) };
    const layout = Number(LAYOUT_COMMENT.exec(exists.comment ?? '')?.[1] ?? 1);
    if (layout > HISTORY_LAYOUT) {
      throw new BulkheadError(
        problem('BH042', `history table ${h.schema}.${h.table} has layout ${layout}, written by a newer Bulkhead (this one reads up to ${HISTORY_LAYOUT})`, {
          fix: 'run the Bulkhead version your pipeline used last (or newer): an older one must not write to this table',
        }),
      );
    }
    let rows: HistoryRow[];
    let progress: ProgressRow[] = [];
    try {
      const read = messageResults(await q.query([`SELECT * FROM ${historyName} ORDER BY id`, ...(exists.progress ? [`SELECT * FROM ${progressName} ORDER BY id`] : [])].join(';\n')));
      rows = read[0]!.rows as HistoryRow[];
      if (read[1]) progress = read[1].rows as ProgressRow[];
    } catch (e) {
      // Dropped (or renamed) between the two round trips: read again, once.
      if ((e as { code?: string }).code === UNDEFINED_TABLE && !again) return readAll(q, o, true);
      throw e;
    }
    const snapshot: HistorySnapshot = {
      layout,
      rows: rows.map((row) => ({ ...row, kind: row.kind ?? 'apply', reason: row.reason ?? null, applied_at: new Date(row.applied_at), duration_ms: Number(row.duration_ms) })),
      progress: progress.map((row) => ({ ...row, started_at: new Date(row.started_at), updated_at: new Date(row.updated_at) })),
    };
    // An empty table of the unit's (made by a run whose first migration then failed, or emptied by
    // down --all): its history may be another tool's, or elsewhere.
    if (!snapshot.rows.length && !snapshot.progress.length) return { history: snapshot, ...(await lookAround()) };
    return { history: snapshot, foreign: await foreignOf(false), elsewhere: [] };
  };
  return {
    table: h,
    async read(q) {
      return (await readAll(q, { state: false, others: false })).history;
    },
    readState: (q, o) => readAll(q, { state: true, others: o.others }),
    async ensure(db, found) {
      if (found !== undefined && found >= HISTORY_LAYOUT) return;
      if (found === undefined) {
        // A new table in the current layout, in one round trip (one implicit transaction), through
        // the driver (a run of SQL migrations may never need knex). The columns are the 0.1 layout
        // plus every upgrade's, as an upgraded table has them.
        // The schema only where it is missing: CREATE SCHEMA IF NOT EXISTS asks for CREATE on the
        // database even when the schema is there (a role given public, not the database, failed).
        await db.query(
          `DO $bulkhead$ BEGIN IF to_regnamespace(${literal(ident(h.schema))}) IS NULL THEN CREATE SCHEMA ${ident(h.schema)}; END IF; END $bulkhead$;
           CREATE TABLE ${ident(h.schema)}.${ident(h.table)} (
             id text PRIMARY KEY, name text NOT NULL, checksum text NOT NULL,
             applied_at timestamptz NOT NULL DEFAULT now(), duration_ms integer NOT NULL,
             applied_by text NOT NULL DEFAULT current_user, run_id uuid NOT NULL, bulkhead_version text NOT NULL,
             kind text NOT NULL DEFAULT 'apply', reason text);
           COMMENT ON TABLE ${ident(h.schema)}.${ident(h.table)} IS ${literal(LAYOUT_TEXT)}`,
        );
        return;
      }
      await db.knex.transaction(async (trx) => {
        for (let next = found + 1; next <= HISTORY_LAYOUT; next++) await UPGRADES[next]!(trx, h);
        await trx.raw(`COMMENT ON TABLE ${ident(h.schema)}.${ident(h.table)} IS ${literal(LAYOUT_TEXT)}`);
      });
    },
    async record(q, row) {
      await q.withSchema(h.schema).table(h.table).insert(row);
    },
    async accept(q, id, checksum, note) {
      const n = await q
        .withSchema(h.schema)
        .table(h.table)
        .where({ id })
        .update({ checksum, kind: 'repair', reason: q.raw("concat_ws(E'\\n', reason, ?::text)", [note]) });
      return Number(n) > 0;
    },
    async fold(q, row) {
      const { replaced = [], ...columns } = row;
      await q.transaction(async (trx) => {
        await trx.withSchema(h.schema).table(h.table).whereIn('id', replaced).delete();
        await trx.withSchema(h.schema).table(h.table).insert(columns);
      });
    },
    async isApplied(q, id) {
      const rows = await q.withSchema(h.schema).table(h.table).where({ id }).select('id');
      return rows.length > 0;
    },
    async startProgress(q, row, first) {
      // The table as every version wrote it (the constraint named as knex named it), made with
      // the first row: one round trip, one implicit transaction.
      const create = progressExists
        ? ''
        : `CREATE TABLE IF NOT EXISTS ${progressName} (id text, direction text NOT NULL, checksum text NOT NULL, statements_total integer,
             statements_done integer NOT NULL, done_digest text, failed_statement integer, error text, run_id uuid NOT NULL, runner text NOT NULL,
             started_at timestamptz NOT NULL DEFAULT CURRENT_TIMESTAMP, updated_at timestamptz NOT NULL DEFAULT CURRENT_TIMESTAMP,
             CONSTRAINT ${ident(`${p.table}_pkey`)} PRIMARY KEY (id));\n`;
      const columns = ['id', 'direction', 'checksum', 'statements_total', 'statements_done', 'done_digest', 'run_id', 'runner'] as const;
      const value = (v: string | number | null) => (v === null ? 'NULL' : typeof v === 'number' ? String(v) : literal(v));
      const results = await q.query(
        `${first ? `${first};\n` : ''}${create}INSERT INTO ${progressName} (${columns.join(', ')}, failed_statement, error) VALUES (${columns.map((c) => value(row[c])).join(', ')}, NULL, NULL)
           ON CONFLICT (id) DO UPDATE SET ${[...columns.slice(1), 'failed_statement', 'error', 'updated_at'].map((c) => `${c} = excluded.${c}`).join(', ')}`,
      );
      progressExists = true;
      return results;
    },
    async advanceProgress(q, id, done, digest) {
      await q.query(advanceSql(id, done, digest));
    },
    advanceProgressSql: advanceSql,
    async failProgress(q, id, statement, error) {
      await q.query(`UPDATE ${progressName} SET failed_statement = $1, error = $2, updated_at = CURRENT_TIMESTAMP WHERE id = $3`, [statement, error, id]);
    },
    async progressDone(q, id) {
      const r = await q.query(`SELECT statements_done FROM ${progressName} WHERE id = $1`, [id]);
      return r.rows[0]?.statements_done;
    },
    historySql,
    finishedSql(direction, row, durationMs) {
      return `${historySql(direction, row, String(Math.round(durationMs)))};\nDELETE FROM ${progressName} WHERE id = ${literal(row.id)}`;
    },
  };
}
