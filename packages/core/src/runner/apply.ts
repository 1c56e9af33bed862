import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Knex } from 'knex';
import type pg from 'pg';
import { missingRoleFix, otherToolOf, platformOf } from '../history/other-tools.js';
import { extensionProviding, undeclaredExtensionFix } from '../db/extensions.js';
import { lineInStack, MigrationExitError, undefinedGlobalFix, asMigrationCode } from '../migrations/load-js.js';
import { unitArgs } from '../plan/plan.js';
import { insideOwnTransaction, isSetTransaction, lineAt, nonTransactional, shortenSql, transactionSettings, type Statement } from '../analysis/statements.js';
import type { VersionNeed } from '../analysis/versions.js';
import { type ProblemCode, BulkheadError, problem } from '../errors.js';
import { backendPid, ident, literal, lockLost, messageResults } from '../db/postgres.js';
import { withConnection, withTransaction } from '../db/targets.js';
import type { BlockingSession, LockGuard, ModuleDb, SqlSession } from '../db/types.js';
import { describeBlocker, readOnlyFix } from '../db/describe.js';
import type { HistoryStore, HistoryWrite, ProgressRow } from '../history/store.js';
import { redact } from '../redact.js';
import { DUPLICATE_OBJECT, DUPLICATE_TABLE, FEATURE_NOT_SUPPORTED, INSUFFICIENT_PRIVILEGE, READ_ONLY_SQL_TRANSACTION, INVALID_SCHEMA_NAME, SYNTAX_ERROR, UNDEFINED_FUNCTION, UNDEFINED_OBJECT, UNDEFINED_TABLE, UNIQUE_VIOLATION } from '../db/sqlstate.js';
import { BULKHEAD_VERSION } from '../version.js';
import type { Reporter, RetryReason } from './events.js';
import { aboutHowLong, idleNotice, watchIdle } from './idle.js';
import type { Runnable, Step } from './prepare.js';
import { plural, regexLiteral, sqlName, thrownMessage } from '../text.js';

/** Where and why a migration failed: file, statement, line, and PostgreSQL's own words. */
export interface MigrationFailure {
  module: string;
  migration: string;
  direction: 'up' | 'down';
  /** Workspace-relative file. */
  file: string;
  line?: number;
  /** 1-based index of the failing statement (SQL files). */
  statement?: number;
  /** The failing SQL, shortened. */
  sql?: string;
  message: string;
  /** PostgreSQL error code (SQLSTATE). */
  pgCode?: string;
  detail?: string;
  hint?: string;
  /** PostgreSQL's CONTEXT: where inside a DO block or function the error arose. */
  context?: string;
  /** Bulkhead's suggestion, where it knows better than the server's hint. */
  fix?: string;
  /** What holds the name a statement failed to take (42P07), as the catalog showed it just before: its kind, schema, and an index's table. */
  holder?: NameHolder;
  /** Whether the migration ran outside a transaction, so part of it may remain. */
  partial: boolean;
  /** The connection to the server was lost while the migration ran. */
  connectionLost?: boolean;
  /** Sessions that held the lock a statement waited for (a lock timeout). */
  blockers?: BlockingSession[];
  /** How many times the migration was tried (lock timeouts are retried with backoff). */
  attempts?: number;
  /** Its code in the catalogue (errors.ts): BH030, a migration failed (exit 1). */
  code?: ProblemCode;
}

export class MigrationFailedError extends Error {
  readonly failure: MigrationFailure;
  constructor(failure: MigrationFailure, options?: { cause?: unknown }) {
    super(`${failure.file}${failure.line ? `:${failure.line}` : ''}: ${failure.message}`, options);
    this.name = 'MigrationFailedError';
    this.failure = { code: 'BH030', ...failure };
  }
}

export interface ApplyContext {
  module: string;
  /** The unit's schema (first on its search path), where its unqualified indexes are built. */
  schema?: string;
  history: HistoryStore;
  runId: string;
  rel(abs: string): string;
  guard: LockGuard;
  /** Per-statement `lock_timeout` for DDL; 0 leaves the server's setting. */
  statementLockTimeoutMs: number;
  /** Attempts of a migration whose statement timed out waiting for a lock (whole transaction retried). */
  lockAttempts: number;
  /** `application_name`-like label of this runner, kept in the progress row. */
  runner: string;
  reporter?: Reporter;
  /** Progress an earlier run left for this migration, when resuming (`--resume`). */
  resumeFrom?: ProgressRow;
}

/** How a migration ended for this runner: it ran, or another runner had already done it. */
export type ApplyOutcome = { ran: true; durationMs: number } | { ran: false };

/**
 * Run one migration in one direction, from a clean session. In a transaction (the default)
 * the migration and its history row commit together or not at all, behind the module's fence
 * lock; a statement that times out waiting for a lock rolls the whole migration back and it is
 * retried with backoff. `no-transaction` migrations run statement by statement, each recorded
 * in the progress table, so a run that stops midway is reported exactly by the next one.
 */
export async function applyMigration(db: ModuleDb, r: Runnable, ctx: ApplyContext): Promise<ApplyOutcome> {
  const base = baseFailure(r, ctx);
  try {
    return r.transaction ? await applyInTransaction(db, r, ctx) : await applyOutsideTransaction(db, r, ctx);
  } catch (e) {
    if (e instanceof BulkheadError) throw e;
    throw lockWentWith(e instanceof MigrationFailedError ? e : new MigrationFailedError({ ...base, ...pgFields(e as PgError, ctx.module) }, { cause: e }), ctx);
  }
}

/**
 * A migration whose connection was lost lost the module lock too, when its session held it
 * (a server's): BH036, so the report says that another runner may have taken over.
 */
function lockWentWith(e: MigrationFailedError, ctx: ApplyContext): MigrationFailedError {
  if (!e.failure.connectionLost || !ctx.guard.sessionSql) return e;
  return new MigrationFailedError({ ...e.failure, code: 'BH036', message: `${e.failure.message} (the module lock went with the session)` }, { cause: e.cause });
}

function baseFailure(r: Runnable, ctx: ApplyContext) {
  return { module: ctx.module, migration: r.file.id, direction: r.direction, file: ctx.rel(r.step.path), partial: !r.transaction };
}

/** What this run writes in `r`'s history row. */
function historyRow(r: Runnable, ctx: ApplyContext): HistoryWrite {
  return { id: r.file.id, name: r.file.name, checksum: r.file.checksum, run_id: ctx.runId, bulkhead_version: BULKHEAD_VERSION };
}

/** SQLSTATE of the guard that finds a migration already applied (or reverted) by another runner. */
const ALREADY_DONE = 'BHDUN';
/** SQLSTATE of the checks that this runner's session holds the module lock (LockGuard.sessionSql, heldSql). */
const LOCK_LOST = 'BHLST';

/**
 * The server's own check (sessionSql, heldSql) refused `what` before it committed: the guard's
 * error if it already knows why, else BH036 with the server's reason (the check's message).
 */
function serverLostLock(ctx: ApplyContext, what: string, err: PgError): BulkheadError {
  ctx.guard.check(`committing ${what}`);
  return lockLost(ctx.module, err.message, `${what} was rolled back before it committed`);
}

/** A migration's statements as one message, and where each starts in it. */
interface Segment {
  r: Runnable;
  /** The statements the body runs: the file's from `first` on (those before it are in the opening). */
  statements: readonly Statement[];
  first: number;
  offsets: number[];
  end: number;
}

/** SQL that may release this session's advisory locks, the module lock among them. */
const RELEASES_LOCKS = /advisory_unlock|\bdiscard\b/i;

/** Whether a migration's SQL may release the module lock: it is then asked of the server's lock table before it commits. */
function mayReleaseLock(statements: readonly Statement[]): boolean {
  return statements.some((s) => RELEASES_LOCKS.test(s.text));
}

/**
 * The two messages of a transactional SQL migration (see applySql): the opening, and its
 * statements with the history row and COMMIT. The opening checks that it runs on the session
 * holding the module lock (`session`: a batch checks once, in its first migration); a migration
 * whose SQL may release the lock asks the server that it still holds it before the history row.
 * The history row's INSERT returns the server-measured duration as `bulkhead_ms` (read back by a
 * batch).
 *
 * `done`: the opening stops (SQLSTATE BHDUN) if another runner applied or reverted it meanwhile,
 * before its statements run. A batch of `up`s goes without (a DO block costs about as much as
 * the history row): the history table's primary key already stops a second commit of one
 * migration, failing the batch, and the rest then run one by one, with the check.
 *
 * Every migration's COMMIT waits for the disk, as the server is configured to: a batch's
 * migrations committing without (synchronous_commit off, the last one's flush covering them)
 * saved a flush each, but a server crash before that last COMMIT lost migrations that had
 * committed — which another session may have seen applied.
 */
function sqlMessages(db: ModuleDb, r: Runnable, ctx: ApplyContext, o: { session: boolean; done: boolean }): { opening: string; body: string; seg: Segment } {
  const h = ctx.history.table;
  const table = `${ident(h.schema)}.${ident(h.table)}`;
  const up = r.direction === 'up';
  const all = r.step.format === 'sql' ? r.step.statements : [];
  // Its own SET TRANSACTION … first, before the fence's query; and as the statements of one
  // message before a BEGIN join its transaction (queries, to PostgreSQL), a COMMIT ends them first.
  const first = transactionSettings(all);
  const opening = [
    db.sessionReset,
    o.session ? ctx.guard.sessionSql : '',
    first > 0 && 'COMMIT',
    'BEGIN',
    ...all.slice(0, first).map((st) => `${st.text}\n`),
    ctx.guard.fenceSql,
    // Its own start, for the duration in its history row; the statement lock timeout; and its
    // name in pg_stat_activity's application_name (a batch's query text shows only its start).
    `SELECT set_config('bulkhead.started', clock_timestamp()::text, true)${ctx.statementLockTimeoutMs > 0 ? `, set_config('lock_timeout', '${ctx.statementLockTimeoutMs}ms', true)` : ''}${db.kind === 'postgres' ? `, set_config('application_name', ${literal(migrationLabel(ctx.module, r))}, true)` : ''}`,
    o.done && `DO $bulkhead$ BEGIN IF ${up ? '' : 'NOT '}EXISTS (SELECT 1 FROM ${table} WHERE id = ${literal(r.file.id)}) THEN RAISE EXCEPTION USING ERRCODE = '${ALREADY_DONE}', MESSAGE = ${literal(r.file.id)}; END IF; END $bulkhead$`,
  ]
    .filter(Boolean)
    .join(';\n');
  const statements = all.slice(first);
  let body = '';
  const offsets: number[] = [];
  for (const st of statements) {
    offsets.push(body.length);
    // A newline before the semicolon ends a trailing line comment.
    body += `${st.text}\n;\n`;
  }
  const seg: Segment = { r, statements, first, offsets, end: body.length };
  // SQL that may release the lock: the server itself checks, just before the commit, that this
  // runner still holds it.
  if (ctx.guard.heldSql && mayReleaseLock(statements)) body += `${ctx.guard.heldSql};\n`;
  const elapsed = "(extract(epoch FROM clock_timestamp() - current_setting('bulkhead.started')::timestamptz) * 1000)::int";
  body += `${ctx.history.historySql(r.direction, historyRow(r, ctx), elapsed)}${up ? ' RETURNING duration_ms AS bulkhead_ms' : ''};\nCOMMIT`;
  return { opening, body, seg };
}

/** What pg_stat_activity's application_name says while a migration runs: `bulkhead up <unit> <id>`. */
export function migrationLabel(unit: string, r: Runnable): string {
  return `bulkhead ${r.direction} ${unit} ${r.file.id}`.slice(0, 63);
}

/** Migrations sent as one message (applyBatch, replayAll): at most this many, and about this much SQL. */
const BATCH_MIGRATIONS = 50;
const BATCH_BYTES = 64 * 1024;

/** Whether `r` can join a batch: a transactional SQL migration (and, for `up`'s runner, applied, not reverted). */
export function batchable(r: Runnable, o: { upOnly: boolean } = { upOnly: true }): boolean {
  return (!o.upOnly || r.direction === 'up') && r.transaction && r.step.format === 'sql';
}

/** Whether running `r` needs knex: a TS migration (its function is given one). SQL runs on the driver. */
export function needsKnex(r: Runnable): boolean {
  return r.step.format !== 'sql';
}

/** How many of `rs`, from `from`, go into the next batch (1 means: run it alone). */
export function nextBatch(rs: readonly Runnable[], from: number, o: { upOnly: boolean } = { upOnly: true }): number {
  let n = 0;
  let bytes = 0;
  for (let i = from; i < rs.length && n < BATCH_MIGRATIONS && batchable(rs[i]!, o); i++, n++) {
    const r = rs[i]!;
    for (const st of r.step.format === 'sql' ? r.step.statements : []) bytes += st.text.length;
    if (n > 0 && bytes > BATCH_BYTES) break;
  }
  return Math.max(n, 1);
}

/**
 * Consecutive transactional SQL migrations in one round trip: each still runs in its own
 * transaction, from a clean session, behind the fence, with its history row, exactly as
 * applySql sends it; PostgreSQL runs the transactions of one message in order and stops at the
 * first error, so those before it stay committed and nothing of it or after it runs. After an
 * error the batch is rolled back to what committed (read from the history) and the caller runs
 * the rest one by one, which names the failing statement and retries lock timeouts as usual.
 * Returns the outcomes of the migrations that committed, in order.
 */
export async function applyBatch(db: ModuleDb, rs: readonly Runnable[], ctx: ApplyContext, o: { whileRunning?: () => void } = {}): Promise<{ r: Runnable; outcome: ApplyOutcome }[]> {
  ctx.guard.check(`applying ${rs[0]!.file.id}`);
  const text = rs
    .map((r, i) => {
      const { opening, body } = sqlMessages(db, r, ctx, { session: i === 0, done: false });
      return `${opening};\n${body}`;
    })
    .join(';\n');
  return withConnection(db, async (conn) => {
    // Each history row's duration, as the server returns it: also how far the message got.
    const ms: number[] = [];
    try {
      await streamQuery(conn, text, (row) => {
        if ('bulkhead_ms' in row) ms.push(Number(row.bulkhead_ms));
      }, o.whileRunning);
      return rs.map((r, i) => ({ r, outcome: { ran: true, durationMs: ms[i] ?? 0 } as ApplyOutcome }));
    } catch (e) {
      await conn.query('ROLLBACK').catch(() => undefined);
      // The connection is gone: the one in flight is the first whose history row had not come back.
      if (isConnectionLoss(e as PgError)) throw lockWentWith(new MigrationFailedError({ ...baseFailure(rs[Math.min(ms.length, rs.length - 1)]!, ctx), ...pgFields(e as PgError, ctx.module) }, { cause: e }), ctx);
      const h = ctx.history.table;
      const committed = await conn.query(`SELECT id, duration_ms, run_id::text AS run_id FROM ${ident(h.schema)}.${ident(h.table)} WHERE id = ANY($1)`, [rs.map((r) => r.file.id)]);
      const recorded = new Map(committed.rows.map((row: { id: string; duration_ms: number | null; run_id: string }) => [row.id, row]));
      const done: { r: Runnable; outcome: ApplyOutcome }[] = [];
      for (const r of rs) {
        const row = recorded.get(r.file.id);
        if (!row) break;
        // A row of another run: another runner applied it meanwhile, not this one.
        done.push({ r, outcome: row.run_id === ctx.runId ? { ran: true, durationMs: row.duration_ms ?? 0 } : { ran: false } });
      }
      return done;
    }
  });
}

/**
 * Send a message of many statements, seeing each row as it comes: how far the server got is known
 * even when a statement fails (the results of a failed message are not returned). `whileRunning`
 * runs once the message is on its way.
 */
function streamQuery(conn: pg.Client, text: string, onRow: (row: Record<string, unknown>) => void, whileRunning?: () => void): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const Query = (conn.constructor as unknown as { Query: new (text: string) => NodeJS.EventEmitter }).Query;
    const q = new Query(text);
    q.on('row', onRow);
    q.on('end', () => resolve());
    q.on('error', reject);
    conn.query(q as unknown as pg.QueryConfig);
    whileRunning?.();
  });
}

/**
 * A transactional SQL migration in two round trips whatever its length. First a clean session,
 * BEGIN, the fence lock, the statement lock timeout, and a guard that stops if another runner did
 * it meanwhile. Then its statements, a check by the server that this runner still holds the
 * module lock, its history row and COMMIT, as one simple query: PostgreSQL stops at the first
 * error and nothing commits, and pg_stat_activity shows the statements being run. The failing
 * statement is found by the error's position, else by running the statements again one by one in
 * a transaction that is rolled back.
 */
async function applySql(db: ModuleDb, r: Runnable, ctx: ApplyContext): Promise<ApplyOutcome> {
  const { opening, body, seg } = sqlMessages(db, r, ctx, { session: true, done: true });
  return retryOnLockTimeout(db, r, ctx, async (conn) => {
    const started = performance.now();
    try {
      await conn.query(opening);
    } catch (e) {
      await conn.query('ROLLBACK').catch(() => undefined);
      if ((e as PgError).code === ALREADY_DONE) return { ran: false };
      if ((e as PgError).code === LOCK_LOST) throw serverLostLock(ctx, r.file.id, e as PgError);
      throw e;
    }
    try {
      await conn.query(body);
    } catch (e) {
      const err = e as PgError;
      await conn.query('ROLLBACK').catch(() => undefined);
      if (err.code === LOCK_LOST) throw serverLostLock(ctx, r.file.id, err);
      throw await locateFailure(conn, seg, err, ctx, opening);
    }
    return { ran: true, durationMs: Math.round(performance.now() - started) };
  });
}

/**
 * One attempt after another on the work connection (a transactional migration, or one statement
 * of a no-transaction one): a statement that times out waiting for a lock fails the attempt (a
 * transaction rolls back) and it is tried again after a backoff, up to `lockAttempts`; then it
 * fails naming the sessions that blocked it.
 */
async function retryOnLockTimeout<T>(db: ModuleDb, r: Runnable, ctx: ApplyContext, once: (conn: pg.Client) => Promise<T>, firstAttempt = 1): Promise<T> {
  for (let attempt = firstAttempt; ; attempt++) {
    ctx.guard.check(`${r.direction === 'up' ? 'applying' : 'reverting'} ${r.file.id}`);
    let watch: { stop(): BlockingSession[] } | undefined;
    try {
      // The work connection as the driver's (knex's pool's once knex is loaded: the same session).
      return await withConnection(db, (conn) => {
        // Who blocks it is asked only once an attempt has taken a while (at once on a retry).
        if (db.kind === 'postgres') watch = watchBlockers(ctx.guard, backendPid(conn), attempt > 1 ? 0 : watchDelay(ctx.statementLockTimeoutMs));
        return once(conn);
      });
    } catch (e) {
      if (e instanceof BulkheadError) throw e;
      const blockers = watch?.stop() ?? [];
      const failure = e instanceof MigrationFailedError ? e : new MigrationFailedError({ ...baseFailure(r, ctx), ...pgFields(e as PgError, ctx.module) }, { cause: e });
      const reason = retryReason({ code: failure.failure.pgCode, constraint: ((failure.cause ?? e) as PgError | undefined)?.constraint });
      if (!reason) throw failure;
      await retryLater(failure, r, ctx, attempt, blockers, reason);
    } finally {
      watch?.stop();
    }
  }
}

/**
 * After attempt `attempt` timed out waiting for a lock: report the retry and wait the backoff,
 * or, when it was the last attempt, throw the failure naming the sessions that blocked it.
 */
async function retryLater(failure: MigrationFailedError, r: Runnable, ctx: ApplyContext, attempt: number, blockers: BlockingSession[], reason: RetryReason): Promise<void> {
  if (attempt >= ctx.lockAttempts) throw reason === 'lock timeout' ? lockTimeoutFailure(failure, ctx, attempt, blockers) : conflictFailure(failure, attempt, reason);
  ctx.reporter?.lockRetry?.(ctx.module, r.file.id, attempt, ctx.lockAttempts, blockers, reason);
  await sleep(backoff(attempt));
}

/** Rolled back by the server on every attempt, to break a deadlock or a serialization conflict with another session. */
function conflictFailure(e: MigrationFailedError, attempts: number, reason: Exclude<RetryReason, 'lock timeout'>): MigrationFailedError {
  return new MigrationFailedError(
    {
      ...e.failure,
      message: `gave up after ${plural(attempts, 'attempt')}: ${reason === 'deadlock' ? 'deadlocked each time with another session, and the server rolled the migration back to break it' : reason === 'concurrent create' ? 'each attempt raced another session creating the same object' : 'each attempt conflicted with another serializable transaction, and the server rolled it back'} (last: ${e.failure.message})`,
      attempts,
      fix:
        reason === 'deadlock'
          ? `the other session takes the same locks in the other order: run the migration when that work is not running, or take the locks in the order it does (a LOCK TABLE … first, in its order, at the top of the migration); the server log's deadlock report names both statements`
          : reason === 'concurrent create'
            ? `an object every unit creates (a shared schema, an extension) belongs in a module of its own that this one lists in dependsOn; or run one unit at a time (--concurrency 1)`
            : `run the migration when the conflicting work is not running, or drop its SET TRANSACTION ISOLATION LEVEL SERIALIZABLE if it does not need it (Bulkhead's own guard already keeps two runners apart)`,
    },
    { cause: e.cause },
  );
}

/**
 * Which statement of a failed migration failed: the one the error's position points into;
 * without a position (a constraint violation, a missing privilege), its statements run again one
 * by one in a transaction that is rolled back, and the first to fail is named. An error outside
 * its statements (the history row, the opening) names none.
 */
async function locateFailure(conn: pg.Client, seg: Segment, err: PgError, ctx: ApplyContext, opening: string): Promise<MigrationFailedError> {
  const { r, statements, first, offsets, end } = seg;
  if (err.position) {
    const at = Number(err.position) - 1;
    if (offsets.length && at >= offsets[0]! && at < end) {
      let i = offsets.length - 1;
      while (i > 0 && offsets[i]! > at) i--;
      return new MigrationFailedError(statementFailure(r, ctx, statements[i]!, first + i, { ...err, message: err.message, position: String(at - offsets[i]! + 1) } as PgError, false), { cause: err });
    }
  } else if (err.code !== LOCK_TIMEOUT && !isConnectionLoss(err)) {
    try {
      await conn.query(opening);
      // A few hundred statements a message, each group behind a savepoint; the group that fails
      // is rolled back to it and run again one statement at a time. (One round trip a statement
      // made a data file of 200,000 INSERTs take 11 s to name its failing line.) A file with
      // savepoints of its own, which releasing ours would release too, goes one at a time.
      const grouped = !statements.some((st) => st.kind === 'TransactionStmt');
      for (let from = 0; from < statements.length; ) {
        const to = grouped ? replayGroupEnd(statements, from) : from + 1;
        if (to - from > 1) {
          try {
            await conn.query(`SAVEPOINT bulkhead_replay;\n${groupText(statements, from, to)}RELEASE SAVEPOINT bulkhead_replay`);
            from = to;
            continue;
          } catch {
            await conn.query('ROLLBACK TO SAVEPOINT bulkhead_replay');
          }
        }
        for (let i = from; i < to; i++) {
          try {
            await conn.query(statements[i]!.text);
          } catch (again) {
            const failure = statementFailure(r, ctx, statements[i]!, first + i, err, false);
            const holder = grouped ? await nameHolder(conn, opening, statements, i, again as PgError).catch(() => undefined) : undefined;
            return new MigrationFailedError(holder ? { ...failure, holder, fix: holder.fix } : failure, { cause: again });
          }
        }
        from = to;
      }
    } catch {
      // The replay could not start; report what is known.
    } finally {
      await conn.query('ROLLBACK').catch(() => undefined);
    }
  }
  const h = ctx.history.table;
  const history = err.code === INSUFFICIENT_PRIVILEGE && (err.message.endsWith(` ${h.table}`) || err.message.endsWith(` "${h.table}"`));
  // The history row is written as the migration leaves the session: under a role it switched to.
  const switched = statements.some((st) => st.kind === 'VariableSetStmt' && /\b(role|session\s+authorization)\b/i.test(st.text));
  const fix = !history
    ? undefined
    : switched
      ? `the migration changed the session's role (SET ROLE, SET SESSION AUTHORIZATION), and its history row is written under it: end the migration with RESET ROLE (or RESET SESSION AUTHORIZATION), or grant that role INSERT on ${h.schema}.${h.table}`
      : `the role in the module's URL may not write its history table: grant it SELECT, INSERT, UPDATE, DELETE on ${h.schema}.${h.table}`;
  return new MigrationFailedError({ ...baseFailure(r, ctx), ...pgFields(err, ctx.module), ...(fix ? { fix } : {}) }, { cause: err });
}


/** The relation a name denotes, in the order the search path finds it: its kind (pg_class.relkind), and for an index its table. */
const EXISTING_RELATION = `SELECT c.relkind::text AS kind, n.nspname AS schema, t.relname AS on_table
   FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
   LEFT JOIN pg_index i ON i.indexrelid = c.oid LEFT JOIN pg_class t ON t.oid = i.indrelid
  WHERE c.relname = $1
  ORDER BY coalesce(array_position(current_schemas(false), n.nspname::text), 1000) LIMIT 1`;

/** What holds a name a statement could not take (42P07): a relation of a kind, in a schema; an index, on a table; and what to do. */
export interface NameHolder {
  kind: string;
  schema: string;
  table?: string;
  fix: string;
}

/**
 * What holds the name statement `i` of a migration failed to take because a relation of that
 * name exists (42P07): the statements before it are run again (in a transaction the caller rolls
 * back) and the catalog asked. An index keeps its name when its table is renamed (authelia's
 * V0002 down renames totp_configurations to a backup, then creates its index again under the same
 * name): the table, and the line that renamed it, are named.
 */
export async function nameHolder(conn: pg.Client, opening: string, statements: readonly Statement[], i: number, err: PgError): Promise<NameHolder | undefined> {
  const name = err.code === DUPLICATE_TABLE ? /^relation "([^"]+)" already exists/.exec(err.message)?.[1] : undefined;
  if (!name) return undefined;
  await conn.query('ROLLBACK');
  await conn.query(opening);
  for (let from = 0; from < i; ) {
    const to = Math.min(replayGroupEnd(statements, from), i);
    await conn.query(groupText(statements, from, to));
    from = to;
  }
  const row = (await conn.query<{ kind: string; schema: string; on_table: string | null }>(EXISTING_RELATION, [name])).rows[0];
  if (!row) return undefined;
  const kind = RELATION_KINDS[row.kind] ?? 'relation';
  if ((row.kind === 'i' || row.kind === 'I') && row.on_table) {
    const renamed = statements.slice(0, i).find((st) => st.kind === 'RenameStmt' && renamedTo(st.text) === row.on_table);
    const why = renamed ? ` (line ${renamed.line} renamed its table to ${row.on_table}, and an index keeps its name when its table is renamed)` : '';
    return { kind, schema: row.schema, table: row.on_table, fix: `${name} is already the name of an index of table ${row.on_table}${why}: drop that index (DROP INDEX ${sqlName(name)}) or rename it (ALTER INDEX ${sqlName(name)} RENAME TO …) before this statement, or give the new one another name` };
  }
  return {
    kind,
    schema: row.schema,
    fix: `${name} is already the name of a ${kind} in schema ${row.schema} (tables, indexes, sequences and views share one namespace per schema): an earlier statement or migration makes it — drop or rename it first, or give this one another name; a database built before Bulkhead is adopted with bulkhead baseline instead of being migrated again`,
  };
}

const RELATION_KINDS: Readonly<Record<string, string>> = { r: 'table', p: 'partitioned table', i: 'index', I: 'partitioned index', S: 'sequence', v: 'view', m: 'materialized view', c: 'composite type', f: 'foreign table' };

/** The new name of an ALTER TABLE … RENAME TO statement, as the catalog spells it (unquoted names fold to lower case). */
function renamedTo(sql: string): string | undefined {
  const m = /\bRENAME\s+TO\s+(?:"((?:[^"]|"")+)"|([A-Za-z_][\w$]*))\s*$/i.exec(sql);
  if (!m || !/^\s*ALTER\s+TABLE\b/i.test(sql)) return undefined;
  return m[1] !== undefined ? m[1].replace(/""/g, '"') : m[2]!.toLowerCase();
}

/** Statements `from` to `to` (not included) as one message, each closed. */
function groupText(statements: readonly { text: string }[], from: number, to: number): string {
  return statements.slice(from, to).map((st) => `${st.text}\n;\n`).join('');
}

/** Where the replay group of a failed migration's statements that starts at `from` ends: at most 500 statements, or about 256 KB of SQL. */
function replayGroupEnd(statements: readonly { text: string }[], from: number): number {
  let to = from + 1;
  let bytes = statements[from]!.text.length;
  while (to < statements.length && to - from < 500 && bytes + statements[to]!.text.length <= 256 * 1024) bytes += statements[to++]!.text.length;
  return to;
}

async function applyInTransaction(db: ModuleDb, r: Runnable, ctx: ApplyContext): Promise<ApplyOutcome> {
  if (r.step.format === 'sql') return applySql(db, r, ctx);
  return retryOnLockTimeout(db, r, ctx, async (conn) => {
    const started = performance.now();
    await conn.query(db.sessionReset);
    return withTransaction(
      db,
      async (trx): Promise<ApplyOutcome> => {
        // Two runners never both commit one migration: the second waits here, then sees the row.
        await ctx.guard.fence(trx);
        if ((await ctx.history.isApplied(trx, r.file.id)) === (r.direction === 'up')) return { ran: false };
        if (ctx.statementLockTimeoutMs > 0) await trx.raw("SELECT set_config('lock_timeout', ?, true)", [`${ctx.statementLockTimeoutMs}ms`]);
        await runStep(r, trx, ctx, conn);
        // A migration's code may do anything, releasing advisory locks too: the server is asked.
        await ctx.guard.verify(conn, `recording ${r.file.id}`);
        const durationMs = Math.round(performance.now() - started);
        // On the transaction's own connection (SQL as written: knex would read `?` as bindings).
        await conn.query(ctx.history.historySql(r.direction, historyRow(r, ctx), String(durationMs)));
        return { ran: true, durationMs };
      },
      { connection: conn },
    );
  });
}

async function applyOutsideTransaction(db: ModuleDb, r: Runnable, ctx: ApplyContext): Promise<ApplyOutcome> {
  const started = performance.now();
  const step = r.step;
  const statements = step.format === 'sql' ? step.statements : undefined;
  const from = resumePoint(r, ctx, statements);
  ctx.guard.check(`${r.direction === 'up' ? 'applying' : 'reverting'} ${r.file.id}`);
  // Only a CONCURRENTLY build (or a TS migration, which may run one) can leave an INVALID index behind.
  const mayLeaveInvalid = !statements || statements.some((s) => (s.kind === 'IndexStmt' || s.kind === 'ReindexStmt') && nonTransactional(s));
  // One message: a clean session, the INVALID indexes there are already, and its progress row.
  const opening = await withConnection(db, (conn) =>
    ctx.history.startProgress(
      conn,
      {
        id: r.file.id,
        direction: r.direction,
        checksum: r.file.checksum,
        statements_total: statements?.length ?? null,
        statements_done: from,
        done_digest: statements ? digest(statements.slice(0, from)) : null,
        run_id: ctx.runId,
        runner: ctx.runner,
      },
      mayLeaveInvalid ? `${db.sessionReset};\n${INVALID_INDEXES}` : db.sessionReset,
    ),
  );
  const before = new Set(mayLeaveInvalid ? invalidIn(opening) : []);
  try {
    if (step.format === 'sql') {
      const plan = statementsPlan(step.statements, from);
      for (let i = from; i < step.statements.length; ) {
        let attempt = 1;
        if (!sentAlone(step.statements[i]!)) {
          const reached = await runStatements(db, r, ctx, plan, i);
          i = reached.next;
          if (!reached.alone) continue;
          attempt = reached.attempt;
        }
        await ctx.guard.verify(db, `statement ${i + 1} of ${r.file.id}`);
        await runStatementOutside(db, r, ctx, step.statements, i, i > 0, attempt);
        await ctx.history.advanceProgress(db, r.file.id, i + 1, plan.digests[i]!);
        i++;
      }
    } else {
      await ctx.guard.verify(db, r.file.id);
      await runStep(r, db.knex, ctx);
    }
    // An index built CONCURRENTLY that failed or was cut short stays behind, INVALID: never record that as applied.
    const named = new Set((statements ?? []).flatMap(indexNames));
    // Only where this migration builds: another unit on the database (a tenant schema, a module
    // of its own schema) may be building an index CONCURRENTLY right now, INVALID until it ends.
    const built = buildSchemas(statements, ctx.schema);
    const invalid = (mayLeaveInvalid ? await invalidIndexes(db) : [])
      .filter((name) => built === undefined || built.has(schemaOf(name)))
      .filter((name) => !before.has(name) || named.has(name.split('.').pop()!.replace(/"/g, '')));
    if (invalid.length) {
      // The statement that builds it did not complete: a resume must run it again.
      const bare = new Set(invalid.map((name) => name.split('.').pop()!.replace(/"/g, '')));
      const builder = (statements ?? []).findIndex((s) => s.kind === 'IndexStmt' && (!s.node.idxname || bare.has(String(s.node.idxname))));
      if (statements && builder >= 0) await ctx.history.advanceProgress(db, r.file.id, builder, digest(statements.slice(0, builder)));
      throw new MigrationFailedError({
        ...baseFailure(r, ctx),
        partial: true,
        message: `index${invalid.length > 1 ? 'es' : ''} ${invalid.join(', ')} ${invalid.length > 1 ? 'are' : 'is'} INVALID after the migration (a CREATE INDEX CONCURRENTLY that did not complete)`,
        fix: `drop ${invalid.length > 1 ? 'them' : 'it'} (${invalid.map((i) => `DROP INDEX CONCURRENTLY ${i};`).join(' ')}), then run again with --resume`,
      });
    }
    const durationMs = Math.round(performance.now() - started);
    // Its history row and the end of its progress row: one message, one implicit transaction. Its
    // statements ran on their own, so the server first checks, in that message, that this runner
    // still holds the lock (where it cannot, the lock is asked before).
    const finished = ctx.history.finishedSql(r.direction, historyRow(r, ctx), durationMs);
    if (!ctx.guard.heldSql) await ctx.guard.verify(db, `recording ${r.file.id}`);
    try {
      await db.query(ctx.guard.heldSql ? `${ctx.guard.heldSql};\n${finished}` : finished);
    } catch (e) {
      if ((e as PgError).code === LOCK_LOST) throw lockLost(ctx.module, (e as PgError).message, `stopped before recording ${r.file.id}`);
      throw e;
    }
    return { ran: true, durationMs };
  } catch (e) {
    const failure = e instanceof MigrationFailedError ? e.failure : undefined;
    if (!failure?.connectionLost) {
      const text = failure?.message ?? (e as Error).message;
      await ctx.history.failProgress(db, r.file.id, failure?.statement ?? null, redact(text)).catch(() => undefined);
    }
    throw e;
  }
}

/** Where a no-transaction migration starts: 0, or after the statements an earlier run completed. */
function resumePoint(r: Runnable, ctx: ApplyContext, statements: readonly Statement[] | undefined): number {
  const p = ctx.resumeFrom;
  if (!p || p.direction !== r.direction) return 0;
  if (!statements || p.statements_total === null) return 0;
  const done = p.statements_done;
  if (done > statements.length || digest(statements.slice(0, done)) !== p.done_digest) {
    throw new BulkheadError(
      problem('BH035', `cannot resume ${r.file.id}: its first ${plural(done, 'statement')}, which completed in run ${p.run_id}, changed since`, {
        module: ctx.module,
        file: ctx.rel(r.step.path),
        fix: 'restore the statements that ran (git checkout the file) and change only what follows them; or undo them by hand and delete the migration\'s row from the progress table to start over',
      }),
    );
  }
  return done;
}

/** Statements of a no-transaction migration sent as one message (runStatements): at most this many, and about this much SQL. */
const GROUP_STATEMENTS = 100;
const GROUP_BYTES = 64 * 1024;

/** What runStatements needs to know of a no-transaction migration's statements, worked out once. */
interface StatementsPlan {
  statements: readonly Statement[];
  /** The progress digest once statement k has completed (from the resume point on). */
  digests: string[];
  /** Whether statement k runs inside a transaction the file opened itself (k = length: after the last). */
  inside: boolean[];
  /** SQL that may release the module lock: the server's lock table is asked after each statement. */
  strict: boolean;
}

function statementsPlan(statements: readonly Statement[], from: number): StatementsPlan {
  const digests: string[] = [];
  const done = runningDigest(statements.slice(0, from));
  for (let k = from; k < statements.length; k++) digests[k] = done.add(statements[k]!);
  return { statements, digests, inside: insideOwnTransaction(statements), strict: mayReleaseLock(statements) };
}

/** Transaction commands a message of statements can carry: those that open, end or mark a transaction of the file's own. */
const GROUPED_TRANSACTION_COMMANDS = new Set(['TRANS_STMT_BEGIN', 'TRANS_STMT_START', 'TRANS_STMT_COMMIT', 'TRANS_STMT_ROLLBACK', 'TRANS_STMT_SAVEPOINT', 'TRANS_STMT_RELEASE', 'TRANS_STMT_ROLLBACK_TO']);

/**
 * Whether a statement of a no-transaction migration goes to the server alone: one that must run
 * outside a transaction block (CREATE INDEX CONCURRENTLY, VACUUM), and the rarer transaction
 * commands (AND CHAIN, two-phase commit).
 */
function sentAlone(s: Statement): boolean {
  if (nonTransactional(s)) return true;
  return s.kind === 'TransactionStmt' && (!GROUPED_TRANSACTION_COMMANDS.has(s.node.kind ?? '') || s.node.chain === true);
}

/**
 * Statements of a no-transaction SQL migration, from `from`, in one message, each recorded in the
 * progress table exactly when it commits: a statement outside the file's own transactions runs in
 * a transaction of its own with its progress row; inside one of the file's own transactions the
 * progress rows go with its statements, and commit or roll back with them. The message checks
 * first that it runs on the session holding the module lock. PostgreSQL stops at the first
 * error, and each progress row comes back as it is written, so the failing statement is known.
 *
 * Returns where to go on: after the last statement sent; or, `alone`, a statement to run by
 * itself from `attempt` on (it refused a transaction block, as a procedure that commits does, or
 * timed out waiting for a lock: attempt 1 was this one, and it is retried after a backoff).
 */
async function runStatements(db: ModuleDb, r: Runnable, ctx: ApplyContext, plan: StatementsPlan, from: number): Promise<{ next: number; alone?: false } | { next: number; alone: true; attempt: number }> {
  const { statements, inside } = plan;
  const lockTimeout = `SELECT set_config('lock_timeout', '${ctx.statementLockTimeoutMs}ms', false);\n`;
  const held = ctx.guard.heldSql && plan.strict ? `${ctx.guard.heldSql};\n` : '';
  let text = `${ctx.guard.sessionSql ? `${ctx.guard.sessionSql};\n` : ''}${lockTimeout}`;
  // Where each statement starts in the message, to find an error's position in it.
  const offsets: number[] = [];
  // The file's BEGIN and SET TRANSACTION … after it go as one (no progress row, a query, between
  // them), in one message: PostgreSQL takes SET TRANSACTION only before the first query.
  const settingsFollow = (k: number) =>
    k >= from && inside[k + 1] === true && statements[k + 1] !== undefined && isSetTransaction(statements[k + 1]!) && (isSetTransaction(statements[k]!) || /^TRANS_STMT_(BEGIN|START)$/.test(String(statements[k]!.node.kind)));
  let end = from;
  for (; end < statements.length && (settingsFollow(end - 1) || (end - from < GROUP_STATEMENTS && (end === from || text.length < GROUP_BYTES) && !sentAlone(statements[end]!))); end++) {
    const s = statements[end]!;
    const record = settingsFollow(end) ? '' : `${held}${ctx.history.advanceProgressSql(r.file.id, end + 1, plan.digests[end]!)} RETURNING statements_done AS bulkhead_done;\n`;
    const own = !inside[end] && s.kind !== 'TransactionStmt';
    // The message's own checks before it are queries a BEGIN would take into its transaction.
    if (end === from && settingsFollow(end)) text += 'COMMIT;\n';
    if (own) text += 'BEGIN;\n';
    offsets[end] = text.length;
    // A newline before the semicolon ends a trailing line comment.
    text += `${s.text}\n;\n`;
    if (inside[end] && !inside[end + 1]) {
      // The file's transaction ended: its progress row in a transaction of its own (a message's
      // statements outside any transaction would join the next one). After a ROLLBACK the
      // setting made in it is gone: set again.
      text += `BEGIN;\n${s.node.kind === 'TRANS_STMT_ROLLBACK' ? lockTimeout : ''}${record}COMMIT;\n`;
    } else {
      text += record;
      if (own) text += 'COMMIT;\n';
    }
  }
  ctx.guard.check(`${r.direction === 'up' ? 'applying' : 'reverting'} statement ${from + 1} of ${r.file.id}`);
  return withConnection(db, async (conn) => {
    let reached = from;
    // Who blocks a statement is asked only once the message has taken a while.
    const watch = db.kind === 'postgres' ? watchBlockers(ctx.guard, backendPid(conn), watchDelay(ctx.statementLockTimeoutMs)) : undefined;
    try {
      await streamQuery(conn, text, (row) => {
        if ('bulkhead_done' in row) reached = Number(row.bulkhead_done);
      });
      return { next: end };
    } catch (e) {
      const err = e as PgError;
      const blockers = watch?.stop() ?? [];
      await conn.query('ROLLBACK').catch(() => undefined);
      // The statement after the last one recorded failed, or the last one recorded, when its
      // COMMIT failed (a deferred constraint): the progress table says which. Inside a transaction
      // of the file's own, everything since its BEGIN was rolled back.
      const committed = isConnectionLoss(err) ? reached : ((await ctx.history.progressDone(conn, r.file.id).catch(() => undefined)) ?? reached);
      const failed = Math.min(end - 1, inside[reached] ? reached : Math.min(reached, committed));
      if (err.code === LOCK_LOST) throw serverLostLock(ctx, `statement ${failed + 1} of ${r.file.id}`, err);
      if (!inside[failed] && (err.code === ACTIVE_TRANSACTION || err.code === INVALID_TRANSACTION_TERMINATION)) return { next: failed, alone: true, attempt: 1 };
      const s = statements[failed]!;
      const at = err.position === undefined || offsets[failed] === undefined ? -1 : Number(err.position) - 1 - offsets[failed]!;
      const position = at >= 0 && at < s.text.length ? String(at + 1) : undefined;
      const failure = new MigrationFailedError(statementFailure(r, ctx, s, failed, { ...err, message: err.message, position } as PgError, Math.min(committed, failed) > 0), { cause: e });
      const reason = retryReason(err);
      if (reason && !inside[failed]) {
        await retryLater(failure, r, ctx, 1, blockers, reason);
        return { next: failed, alone: true, attempt: 2 };
      }
      throw failure;
    } finally {
      watch?.stop();
    }
  });
}

/** SQLSTATEs of a statement that must run outside any transaction block (25001) or commits by itself (2D000). */
const ACTIVE_TRANSACTION = '25001';
const INVALID_TRANSACTION_TERMINATION = '2D000';

/** One statement of a no-transaction SQL migration, alone, with its own lock timeout and retries. */
async function runStatementOutside(db: ModuleDb, r: Runnable, ctx: ApplyContext, statements: readonly Statement[], i: number, partial: boolean, firstAttempt = 1): Promise<void> {
  const s = statements[i]!;
  // CONCURRENTLY waits for older transactions by design, without queueing other traffic.
  const timeout = /\bconcurrently\b/i.test(s.text) ? 0 : ctx.statementLockTimeoutMs;
  await retryOnLockTimeout(db, r, ctx, async (conn) => {
    await conn.query("SELECT set_config('lock_timeout', $1, false)", [`${timeout}ms`]);
    try {
      await conn.query(s.text);
    } catch (e) {
      throw new MigrationFailedError(statementFailure(r, ctx, s, i, e as PgError, partial), { cause: e });
    }
  }, firstAttempt);
}

async function runStep(r: Runnable, q: Knex | Knex.Transaction, ctx: ApplyContext, conn: pg.Client): Promise<void>;
async function runStep(r: Runnable, q: Knex, ctx: ApplyContext): Promise<void>;
async function runStep(r: Runnable, q: Knex | Knex.Transaction, ctx: ApplyContext, conn?: pg.Client): Promise<void> {
  const step: Step = r.step;
  if (step.format === 'sql') {
    // SQL goes to the pg connection as written (knex would rewrite `?` into bindings).
    for (const [i, s] of step.statements.entries()) {
      try {
        await conn!.query(s.text);
      } catch (e) {
        throw new MigrationFailedError(statementFailure(r, ctx, s, i, e as PgError, !r.transaction && i > 0), { cause: e });
      }
    }
    return;
  }
  let lastSql: string | undefined;
  const onQuery = (data: { sql?: string }) => {
    lastSql = data.sql;
  };
  q.client.on('query', onQuery);
  try {
    await callMigration(step.fn, q, step.path, r.direction, { label: `${ctx.module}: ${r.file.id}`, transaction: r.transaction, notice: ctx.reporter?.notice });
  } catch (e) {
    if (e instanceof UnawaitedBuilderError || e instanceof MigrationExitError) {
      // Bulkhead's refusals of what the migration did, thrown inside its transaction: what did run
      // rolls back with it. A builder's line is where it was made; an exit's, where it was called.
      const line = e instanceof UnawaitedBuilderError ? e.line : lineInStack(e.stack, step.path)?.line;
      throw new MigrationFailedError({ ...baseFailure(r, ctx), line, message: e.message, fix: e.fix }, { cause: e });
    }
    const err = e as PgError;
    // The last SQL sent is the failing one when the server (or the connection) failed, not when
    // the migration's own code threw after it.
    const sql = typeof err?.code === 'string' && !err.code.startsWith('ERR_') ? lastSql : undefined;
    const fields = pgFields(err, ctx.module, sql, stripSqlPrefix(thrownMessage(err), lastSql));
    throw new MigrationFailedError(
      {
        ...baseFailure(r, ctx),
        line: lineInStack((err as Error)?.stack, step.path)?.line,
        sql: sql && shortenSql(sql),
        ...fields,
        fix: fields.fix ?? (e instanceof ReferenceError ? undefinedGlobalFix(e.message) : undefined),
      },
      { cause: e },
    );
  } finally {
    q.client.removeListener('query', onQuery);
  }
}

/** A knex builder a TS/JS migration made with work in it, and never ran: `call` as it reads (`knex.schema.createTable`). */
interface UnawaitedBuilder {
  call: string;
  stack: string;
}

/** A TS/JS migration returned with a builder it never ran (see watchBuilders). */
const NEVER_AWAITED = 'is never awaited, so it did nothing';

export class UnawaitedBuilderError extends Error {
  readonly line: number | undefined;
  readonly fix: string;
  constructor(unawaited: readonly UnawaitedBuilder[], file: string, direction: 'up' | 'down') {
    const first = unawaited[0]!;
    const line = lineInStack(first.stack, file)?.line;
    super(`${first.call}(…)${line ? ` at line ${line}` : ''} ${NEVER_AWAITED}: knex runs a builder only when it is awaited or returned${unawaited.length > 1 ? ` (${unawaited.length} such builders)` : ''}`);
    this.name = 'UnawaitedBuilderError';
    this.line = line;
    this.fix = `await it (await ${first.call}(…)), or return it from ${direction}; the migration was not recorded`;
  }
}

/**
 * Whether a failure's message (one told again from the analysis cache, where only the text is
 * kept) is an UnawaitedBuilderError's, which fails its migration wherever it runs: its line, where known.
 */
export function unawaitedBuilder(message: string): { line?: number } | undefined {
  const m = new RegExp(`(?: at line (\\d+))? ${NEVER_AWAITED}`).exec(message);
  return m ? (m[1] ? { line: Number(m[1]) } : {}) : undefined;
}

/**
 * Call a TS/JS migration's function on `q` (a transaction, or knex itself), as up, down and the
 * replays of verify and drift do: a builder it makes and never runs fails it
 * (UnawaitedBuilderError), so it is not recorded — or proved reversible — having done nothing.
 */
export async function callMigration(
  fn: (knex: unknown) => unknown,
  q: Knex | Knex.Transaction,
  file: string,
  direction: 'up' | 'down',
  o: { label?: string; transaction?: boolean; notice?: (text: string) => void } = {},
): Promise<void> {
  const builders = watchBuilders(q);
  // A migration that waits on nothing the server does is said to, while it lasts (runner/idle.ts).
  // The file as the user's shell reaches it says which module's (lint --trace's replays pass none).
  const label = o.label ?? `${path.relative(process.cwd(), file)} (${direction})`;
  const idle = watchIdle(q.client, (idleMs, runningMs) =>
    (o.notice ?? idleNotice())?.(
      `${label} has run ${aboutHowLong(runningMs)}, and sent no query for ${aboutHowLong(idleMs)}: it may await something that never settles (a promise never resolved, a callback never called); it keeps running — Ctrl-C stops it${o.transaction === false ? '' : ', and its transaction rolls back'}`,
    ),
  );
  let unawaited: UnawaitedBuilder[] = [];
  try {
    await asMigrationCode(async () => fn(q));
  } finally {
    idle.stop();
    unawaited = builders.stop();
  }
  if (unawaited.length) throw new UnawaitedBuilderError(unawaited, file, direction);
}

/**
 * knex streams PostgreSQL rows (`.stream()`, `.pipe()`) through the pg-query-stream package; without
 * it knex's error never reaches the stream, and a migration reading one waits forever. Say so
 * instead, where the migration asks for the stream.
 */
function canStream(): void {
  try {
    createRequire(createRequire(import.meta.url).resolve('knex')).resolve('pg-query-stream');
  } catch {
    throw new Error("knex's .stream() needs the pg-query-stream package, which is not installed (npm install pg-query-stream where knex is), or read the rows with await and .limit()/.offset() batches");
  }
}

/** What runs a builder, or turns it into SQL a query that runs holds. */
const RUNS = ['then', 'toSQL', 'toString', 'toQuery', 'generateDdlCommands', 'stream', 'pipe', 'asCallback'];
/** What a query builder does that is lost when it never runs (a select only reads). */
const WRITES = new Set(['insert', 'update', 'del', 'delete', 'truncate', 'upsert']);

/**
 * knex builds and runs in two steps: `knex.schema.createTable(…)`, `knex.raw(…)` or
 * `knex('users').update(…)` without `await` (or `return`) builds a statement nobody runs, and the
 * migration would be recorded as applied with it never done. The builders a migration makes are
 * watched while it runs, and those never run are reported when it returns:
 * - schema builders with work in them, not run (awaited, `.then`, streamed) nor turned into SQL
 *   (`toSQL`, `toString`, as a migration may pass to `knex.raw`);
 * - `knex.raw(…)`, likewise — a raw that is part of another query (a column default, a binding,
 *   a `whereIn`) is turned into SQL when that query is;
 * - query builders that write (insert, update, delete, truncate), never compiled: a builder is
 *   compiled when it runs and when a query holding it (a subquery) does, and a `clone()` counts
 *   as its use. A select never run changes nothing, and is not reported.
 */
function watchBuilders(q: Knex | Knex.Transaction): { stop(): UnawaitedBuilder[] } {
  type Builder = Record<string, unknown> & { _sequence?: { method?: string }[]; _method?: string; _single?: { table?: unknown }; sql?: unknown };
  const restores: (() => void)[] = [];
  const patch = <T extends Record<string, unknown>>(target: T, name: string, wrap: (original: (...a: unknown[]) => unknown) => (...a: unknown[]) => unknown) => {
    const original = target[name];
    if (typeof original !== 'function') return;
    const own = Object.prototype.hasOwnProperty.call(target, name);
    (target as Record<string, unknown>)[name] = wrap(original as (...a: unknown[]) => unknown);
    restores.push(() => {
      if (own) (target as Record<string, unknown>)[name] = original;
      else delete (target as Record<string, unknown>)[name];
    });
  };
  const made: { kind: 'schema' | 'raw' | 'query'; builder: Builder; stack: string; ran: boolean }[] = [];
  const track = (kind: 'schema' | 'raw' | 'query', builder: Builder, methods: readonly string[]) => {
    const entry = { kind, builder, stack: new Error().stack ?? '', ran: false };
    made.push(entry);
    for (const name of methods) {
      const fn = builder[name];
      if (typeof fn !== 'function') continue;
      builder[name] = function (this: unknown, ...a: unknown[]) {
        entry.ran = true;
        if (kind !== 'schema' && (name === 'stream' || name === 'pipe')) canStream();
        return (fn as (...x: unknown[]) => unknown).apply(this, a);
      };
    }
    return builder;
  };
  const client = q.client as unknown as Record<string, unknown>;
  patch(client, 'schemaBuilder', (original) =>
    function (this: unknown, ...args: unknown[]) {
      return track('schema', original.apply(this, args) as Builder, RUNS);
    },
  );
  // A query builder is compiled when it runs and when a query holding it does.
  const compiled = new WeakSet<object>();
  patch(client, 'queryCompiler', (original) =>
    function (this: unknown, builder: unknown, ...rest: unknown[]) {
      if (builder && typeof builder === 'object') compiled.add(builder);
      return original.call(this, builder, ...rest);
    },
  );
  /** What the migration's own transactions left unrun; those still open when it returns. */
  const inner: UnawaitedBuilder[] = [];
  const open: { stop(): UnawaitedBuilder[] }[] = [];
  // What the migration itself calls (`knex.raw`, `knex('t')`) goes through its knex's context;
  // knex's own raws and builders (a default, a where clause) do not.
  const context = (q as unknown as { context?: Record<string, unknown> }).context;
  if (context) {
    patch(context, 'raw', (original) =>
      function (this: unknown, ...args: unknown[]) {
        return track('raw', original.apply(this, args) as Builder, RUNS);
      },
    );
    patch(context, 'queryBuilder', (original) =>
      function (this: unknown, ...args: unknown[]) {
        return track('query', original.apply(this, args) as Builder, [...RUNS, 'clone']);
      },
    );
    // A transaction the migration opens (`knex.transaction(async (trx) => …)`) has a knex of its
    // own: its builders are watched while its function runs. One that commits by itself later
    // (`trx.commit()`, the old style), or opened without a function, is watched until the
    // migration returns.
    patch(context, 'transaction', (original) =>
      function (this: unknown, container: unknown, ...rest: unknown[]) {
        if (typeof container !== 'function') {
          // Promise style (`const trx = await knex.transaction()`): watched until the migration returns.
          const started = original.call(this, container, ...rest);
          if (!started || typeof (started as PromiseLike<unknown>).then !== 'function') return started;
          return (started as Promise<Knex.Transaction>).then((trx) => {
            open.push(watchBuilders(trx));
            return trx;
          });
        }
        return original.call(
          this,
          (trx: Knex.Transaction) => {
            const watch = watchBuilders(trx);
            let result: unknown;
            try {
              result = (container as (t: Knex.Transaction) => unknown)(trx);
            } catch (e) {
              inner.push(...watch.stop());
              throw e;
            }
            if (result && typeof (result as PromiseLike<unknown>).then === 'function') return Promise.resolve(result).finally(() => inner.push(...watch.stop()));
            open.push(watch);
            return result;
          },
          ...rest,
        );
      },
    );
  }
  return {
    stop() {
      for (const restore of restores.reverse()) restore();
      for (const watch of open) inner.push(...watch.stop());
      return [...inner, ...made.flatMap((e): UnawaitedBuilder[] => {
        if (e.ran) return [];
        if (e.kind === 'schema') return (e.builder._sequence?.length ?? 0) > 0 ? [{ call: `knex.schema.${e.builder._sequence![0]!.method ?? 'createTable'}`, stack: e.stack }] : [];
        if (e.kind === 'raw') return typeof e.builder.sql === 'string' && e.builder.sql.trim() !== '' ? [{ call: 'knex.raw', stack: e.stack }] : [];
        if (compiled.has(e.builder) || !WRITES.has(e.builder._method ?? '')) return [];
        const table = typeof e.builder._single?.table === 'string' ? `'${e.builder._single.table}'` : '…';
        return [{ call: `knex(${table}).${e.builder._method === 'delete' ? 'del' : e.builder._method}`, stack: e.stack }];
      })];
    },
  };
}

function statementFailure(r: Runnable, ctx: ApplyContext, s: Statement, i: number, err: PgError, partial: boolean): MigrationFailure {
  const fields = pgFields(err, ctx.module, s.text);
  return {
    ...baseFailure(r, ctx),
    statement: i + 1,
    line: failingLine(s, err),
    sql: shortenSql(s.text),
    ...fields,
    fix: fields.fix ?? newerSqlFix(s.node.needs, err),
    partial,
  };
}

/** Errors an older server gives SQL of a newer release: a syntax error, an unsupported feature, old./new. in RETURNING as a missing table. */
const OLDER_SERVER_CODES = new Set([SYNTAX_ERROR, FEATURE_NOT_SUPPORTED, UNDEFINED_TABLE, UNDEFINED_FUNCTION]);

/**
 * What a statement the server refused (`needs`: its node's) uses of a newer PostgreSQL (analysis/versions.ts): where
 * no preflight judged it against the server (verify's scratch databases, a down), the server's
 * bare "syntax error at or near NOT" says nothing of why.
 */
export function newerSqlFix(needs: readonly VersionNeed[] | undefined, err: PgError): string | undefined {
  if (!err.code || !OLDER_SERVER_CODES.has(err.code) || !needs?.length) return undefined;
  const { version, what } = needs.reduce((a, b) => (b.version > a.version ? b : a));
  return `it uses ${what}, which needs PostgreSQL ${version}: if the server is older, rewrite it for the server's release (bulkhead lint --pg-version <the server's major> finds every such statement), or upgrade the server first`;
}

/** The line of its file a statement failed at: where the server's error points, else the statement's first line. */
export function failingLine(s: Statement, err: PgError): number {
  return s.line + (err.position ? lineAt(s.text, Number(err.position)) - 1 : (linesIntoBody(s, err.where) ?? 0));
}

/**
 * How many lines into a DO statement the line PL/pgSQL names is (`inline_code_block line N`, or
 * `near line N` when the block does not compile): its body's line 1 is the one its opening quote
 * is on. Undefined for other statements (a function's lines are the function's, wherever it is).
 */
function linesIntoBody(s: Statement, where: string | undefined): number | undefined {
  const n = s.kind === 'DoStmt' ? /inline_code_block"? (?:near )?line (\d+)/.exec(where ?? '')?.[1] : undefined;
  const open = n ? /\$(?:[A-Za-z_][\w]*)?\$|'/.exec(s.text) : undefined;
  if (!n || !open) return undefined;
  return s.text.slice(0, open.index).split('\n').length - 1 + Number(n) - 1;
}

const LOCK_TIMEOUT = '55P03';
/**
 * The errors after which the attempt is rolled back and tried again: a lock timeout; a deadlock
 * the server broke by rolling this attempt back (the other session, an application's transaction,
 * has its locks no longer); a serialization failure of a migration that asked for SERIALIZABLE
 * (trying again is what that level asks of its callers).
 */
const RETRIED: Readonly<Record<string, RetryReason>> = { [LOCK_TIMEOUT]: 'lock timeout', '40P01': 'deadlock', '40001': 'serialization' };

/** A system catalog's unique index (pg_namespace_nspname_index, pg_extension_name_index, pg_type_typname_nsp_index, …). */
const CATALOG_UNIQUE = /^pg_[a-z_]+_index$/;

/**
 * Why a failed attempt is tried again, if it is: a lock timeout, a deadlock, a serialization
 * conflict, or a race on a catalog's unique index — two sessions creating one object at once
 * (schema tenants running `CREATE SCHEMA IF NOT EXISTS shared` together: IF NOT EXISTS does not
 * see the other's uncommitted row, and the loser fails once the winner commits; run again, it
 * finds the object).
 */
function retryReason(err: { code?: string; constraint?: string } | undefined): RetryReason | undefined {
  if (err?.code === UNIQUE_VIOLATION && typeof err.constraint === 'string' && CATALOG_UNIQUE.test(err.constraint)) return 'concurrent create';
  return RETRIED[err?.code ?? ''];
}

function lockTimeoutFailure(e: MigrationFailedError, ctx: ApplyContext, attempts: number, blockers: BlockingSession[]): MigrationFailedError {
  const who = blockers.length ? blockers.map(describeBlocker).join('; ') : 'no session was seen holding it (it may have ended meanwhile)';
  const end = blockers.length ? `end or finish the blocking session${blockers.length > 1 ? 's' : ''} (SELECT pg_terminate_backend(${blockers[0]!.pid})), then run again` : 'run again';
  return new MigrationFailedError(
    {
      ...e.failure,
      message: `gave up after ${plural(attempts, 'attempt')}: a statement waited more than ${ctx.statementLockTimeoutMs} ms for a lock each time; blocked by ${who}`,
      blockers,
      attempts,
      fix: `${end}; or raise the per-statement lock timeout (--statement-lock-timeout, or "lockTimeout" in bulkhead.json), knowing that while a DDL statement waits every later query on its table queues behind it`,
    },
    { cause: e.cause },
  );
}


/**
 * How long an attempt runs before the sessions blocking it are watched: a quarter of the
 * statement lock timeout (so a statement that times out has been watched for most of its wait),
 * at most 250 ms. A migration faster than that opens no second session.
 */
function watchDelay(lockTimeoutMs: number): number {
  return lockTimeoutMs > 0 ? Math.min(250, lockTimeoutMs / 4) : 250;
}

/**
 * Poll who blocks backend `pid` while a migration runs (on a second session: this one is busy),
 * from `afterMs` on, so that a lock timeout can name the blocking session: once the statement
 * gives up, nobody blocks it.
 */
function watchBlockers(guard: LockGuard, pid: number, afterMs: number): { stop(): BlockingSession[] } {
  let last: BlockingSession[] = [];
  let busy = false;
  let timer: NodeJS.Timeout | undefined;
  const start = setTimeout(() => {
    timer = setInterval(poll, 100);
    timer.unref();
    poll();
  }, afterMs);
  start.unref();
  function poll() {
    if (busy) return;
    busy = true;
    guard
      .blockersOf(pid)
      .then((b) => {
        if (b.length) last = b;
      })
      .catch(() => undefined)
      .finally(() => {
        busy = false;
      });
  }
  return {
    stop() {
      clearTimeout(start);
      if (timer) clearInterval(timer);
      return last;
    },
  };
}

/** Retry delay after attempt n: 250 ms doubling, capped at 10 s, with jitter. */
function backoff(attempt: number): number {
  return Math.min(10_000, 250 * 2 ** (attempt - 1)) * (0.5 + Math.random());
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** INVALID indexes in the database, schema-qualified (the column is named for invalidIn). */
const INVALID_INDEXES = `SELECT format('%I.%I', n.nspname, c.relname) AS bulkhead_invalid FROM pg_index i
   JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE NOT i.indisvalid ORDER BY 1`;

/**
 * The schemas a migration's CONCURRENTLY builds write indexes in: the unit's own for unqualified
 * tables, and those named. Undefined (anywhere) when not known: a TS migration, or no schema.
 */
function buildSchemas(statements: readonly Statement[] | undefined, schema: string | undefined): Set<string> | undefined {
  if (!statements || schema === undefined) return undefined;
  return new Set([schema, ...statements.flatMap((s) => (s.node.schema !== undefined ? [s.node.schema] : []))]);
}

/** The schema of an INVALID_INDEXES name (`format('%I.%I')`), unquoted. */
export function schemaOf(qualified: string): string {
  const m = /^("(?:[^"]|"")*"|[^.]*)\./.exec(qualified);
  const part = m?.[1] ?? '';
  return part.startsWith('"') ? part.slice(1, -1).replace(/""/g, '"') : part;
}

/** INVALID indexes in the database, schema-qualified. */
export async function invalidIndexes(q: SqlSession): Promise<string[]> {
  return invalidIn(await q.query(INVALID_INDEXES));
}

/** The INVALID indexes INVALID_INDEXES found, among the results of a message that ran it. */
function invalidIn(results: pg.QueryResult | pg.QueryResult[]): string[] {
  const found = messageResults(results).find((res) => res.fields?.[0]?.name === 'bulkhead_invalid');
  return (found?.rows ?? []).map((row: { bulkhead_invalid: string }) => row.bulkhead_invalid);
}


/** Names of the indexes a statement creates (CREATE INDEX … name). */
function indexNames(s: Statement): string[] {
  return s.kind === 'IndexStmt' && typeof s.node.idxname === 'string' ? [s.node.idxname] : [];
}

function digest(statements: readonly Statement[]): string {
  return runningDigest(statements).value();
}

/** digest() of a growing prefix of statements, without hashing the prefix again at each step. */
function runningDigest(statements: readonly Statement[]): { add(s: Statement): string; value(): string } {
  const h = createHash('sha256');
  for (const s of statements) h.update(s.text).update('\u0000');
  return {
    add(s) {
      h.update(s.text).update('\u0000');
      return h.copy().digest('hex');
    },
    value: () => h.copy().digest('hex'),
  };
}

export interface PgError extends Error {
  code?: string;
  position?: string;
  detail?: string;
  hint?: string;
  where?: string;
  /** The constraint (or unique index) a violation names. */
  constraint?: string;
}

const CONNECTION_CODES = new Set(['57P01', '57P02', '08000', '08003', '08006', 'ECONNRESET', 'EPIPE', 'ECONNREFUSED', 'ETIMEDOUT']);
const CONNECTION_TEXT = /connection terminated|connection.*(closed|ended)|terminating connection|client has encountered a connection error|not queryable|server closed the connection/i;

/** Did the connection to the server die (restart, terminated backend, network)? */
export function isConnectionLoss(err: { code?: string; message?: string }): boolean {
  return (err.code !== undefined && CONNECTION_CODES.has(err.code)) || CONNECTION_TEXT.test(err.message ?? '');
}

/** The failure's fields from PostgreSQL's error; `unit` (as `billing` or `billing@acme`) names it in a fix. */
function pgFields(err: PgError, unit: string, sql?: string, message = thrownMessage(err)) {
  if (isConnectionLoss(err)) {
    return {
      message: `connection lost: ${message}`,
      pgCode: pgCode(err),
      connectionLost: true,
      fix: 'the server restarted or closed the session; check the server, then run again (a transactional migration left nothing behind)',
    };
  }
  return { message, pgCode: pgCode(err), detail: oneLine(err.detail), hint: err.hint || undefined, context: oneLine(err.where), fix: fixFor(err, message, unit, sql) };
}

/**
 * A "type … does not exist" or "function …(…) does not exist" whose name a well-known extension
 * provides (uuid_generate_v4() from uuid-ossp, citext, PostGIS's st_*): what the error names, as
 * a message says it (`type citext`, `uuid_generate_v4()`), and that extension.
 */
export function extensionBehind(code: string | undefined, message: string): { what: string; provider: string } | undefined {
  const type = code === UNDEFINED_OBJECT ? /^type "(?:[^"]+\.)?([^".[]+)(?:\[\])*" does not exist/.exec(message)?.[1] : undefined;
  const fn = code === UNDEFINED_FUNCTION ? /^function (?:[\w$"]+\.)?"?([\w$]+)"?\(/.exec(message)?.[1] : undefined;
  const provider = type ? extensionProviding('type', type) : fn ? extensionProviding('function', fn) : undefined;
  if (provider) return { what: type ? `type ${type}` : `${fn}()`, provider };
  if (code !== UNDEFINED_OBJECT) return undefined;
  // An index's operator class (chirpstack's gin_trgm_ops, expecting pg_trgm from its docker init).
  const opclass = /^operator class "(?:[^"]+\.)?([^".]+)" does not exist for access method "(\w+)"/.exec(message);
  const ofClass = opclass && (extensionProviding('opclass', opclass[1]!) ?? btreeEmulation(opclass[2]!, opclass[1]!.replace(/_ops$/, '')));
  if (ofClass) return { what: `operator class ${opclass[1]}`, provider: ofClass };
  // A GIN or GiST index (or exclusion constraint) on a scalar column: btree_gin's or btree_gist's.
  const scalar = /^data type (.+) has no default operator class for access method "(gin|gist)"/.exec(message);
  const ofType = scalar && btreeEmulation(scalar[2]!, scalar[1]!);
  return ofType ? { what: `a ${scalar[2] === 'gin' ? 'GIN' : 'GiST'} index on ${scalar[1]}`, provider: ofType } : undefined;
}

/** Scalar types btree_gin and btree_gist give GIN and GiST operator classes (as the server names them, or an operator class's stem). */
const BTREE_EMULATED = /^(smallint|integer|bigint|int[248]|real|double precision|float[48]|numeric|money|oid|text|character varying|varchar|character|bpchar|char|name|bytea|bit|bit varying|varbit|uuid|date|interval|time(stamp)?( with(out)? time zone)?|timestamptz|timetz|macaddr8?|inet|cidr|boolean|bool)$/;

/** btree_gin or btree_gist, where `type` is one of their scalar types and `method` gin or gist. */
function btreeEmulation(method: string, type: string): string | undefined {
  return (method === 'gin' || method === 'gist') && BTREE_EMULATED.test(type) ? `btree_${method}` : undefined;
}

/** Bulkhead's suggestion for an error PostgreSQL raised, where it knows better than the server's hint. */
export function fixFor(err: PgError, message: string, unit: string, sql?: string): string | undefined {
  const knexEnum = err.code === SYNTAX_ERROR && sql !== undefined ? /\balter table ("[^"]+"(?:\."[^"]+")?) alter column ("[^"]+") type \w+ check \(/i.exec(sql) : null;
  if (knexEnum) {
    // knex's table.enu(…).alter() on PostgreSQL (uptime-kuma's analytics_type): a CHECK inside ALTER COLUMN … TYPE.
    const [, table, column] = knexEnum as unknown as [string, string, string];
    return `knex cannot alter a column into an enum on PostgreSQL (table.enu(…).alter(), table.enum(…).alter()): it writes the CHECK into ALTER COLUMN … TYPE, which PostgreSQL rejects — write it with knex.raw: ALTER TABLE ${table} ALTER COLUMN ${column} TYPE text, then ALTER TABLE ${table} ADD CONSTRAINT … CHECK (${column} IN (…)) (dropping the column's old CHECK first, if it has one)`;
  }
  const extension = /extension "([^"]+)" is not available/.exec(message)?.[1];
  if (extension) return undeclaredExtensionFix(extension);
  const missing = err.code === UNDEFINED_TABLE ? /^(?:relation|table) "(?:([^"]*)\.)?([^".]+)" does not exist/.exec(message) : undefined;
  const tool = missing ? otherToolOf(missing[1] ?? '', missing[2]!) : undefined;
  if (tool) return `${missing![2]} is the history table of ${tool}, which Bulkhead does not use (it keeps its own, one per module): remove what the migration does to it, or create the table in an earlier migration if something still reads it`;
  const schema = err.code === INVALID_SCHEMA_NAME ? /^schema "([^"]+)" does not exist/.exec(message)?.[1] : undefined;
  // A statement using a platform's schema (a Supabase project's REFERENCES auth.users); one that
  // creates in it is that schema's own service (supabase/auth's migrations): the fix below.
  const platform = schema && sql !== undefined && !createsIn(sql, schema) ? platformOf(schema, 'schema') : undefined;
  if (platform) return platform;
  // A type or function of an extension the database does not have (uuid_generate_v4() without uuid-ossp).
  const fromExtension = extensionBehind(err.code, message);
  if (fromExtension) {
    return `${fromExtension.what} comes from the extension ${fromExtension.provider}: create it in an earlier migration (CREATE EXTENSION IF NOT EXISTS ${sqlName(fromExtension.provider)}), or declare it in the module's "extensions" (bulkhead db create makes it on a server; the embedded default and the scratch databases of verify and drift make it too)`;
  }
  const role = err.code === UNDEFINED_OBJECT ? /^role "([^"]+)" does not exist/.exec(message)?.[1] : undefined;
  if (role) return missingRoleFix(role);
  // serial types outside CREATE TABLE and ADD COLUMN (quickwit's 14_update-shard-id down: ALTER COLUMN … TYPE BIGSERIAL).
  const serial = err.code === UNDEFINED_OBJECT ? /^type "(smallserial|serial|bigserial|serial[248])" does not exist/.exec(message)?.[1] : undefined;
  if (serial) {
    const integer = { smallserial: 'smallint', serial2: 'smallint', serial: 'integer', serial4: 'integer', bigserial: 'bigint', serial8: 'bigint' }[serial]!;
    return `${serial} is no type but a shorthand of CREATE TABLE and ADD COLUMN (the column is ${integer}, its default taken from a sequence of its own): in ALTER COLUMN … TYPE write ${integer}; a default from a sequence is set apart (CREATE SEQUENCE, then ALTER COLUMN … SET DEFAULT nextval(…)), or with ALTER COLUMN … ADD GENERATED BY DEFAULT AS IDENTITY`;
  }
  if (schema) {
    // supabase/auth's migrations, for one, expect a schema their deployment made beforehand.
    return `create the schema before anything uses it: CREATE SCHEMA IF NOT EXISTS ${sqlName(schema)} in an earlier migration (or first in this one); a module whose objects all live in ${schema} says so in its bulkhead.json ("database": { "schema": "${schema}" }): Bulkhead then creates it, keeps the module's history table there and puts it first on the search path`;
  }
  if (err.code === UNSAFE_NEW_ENUM_VALUE) {
    return 'put the ALTER TYPE … ADD VALUE in a migration of its own, before the one that uses the value: each migration commits on its own, and a new enum value is usable only once committed';
  }
  const label = /^enum label "([^"]+)" already exists/.exec(message)?.[1];
  if (label) {
    // ente's 094 added one; its down could not take it away, so up after down fails here.
    return `PostgreSQL cannot drop an enum label, so a down that reverted this migration left '${label}' behind (or an earlier migration adds it too): write ADD VALUE IF NOT EXISTS '${label}'`;
  }
  const existingRole = roleThatExists(err.code, message);
  if (existingRole) return serverRoleExistsFix(existingRole);
  if (err.code !== undefined && ALREADY_EXISTS.has(err.code)) {
    return `the object exists already: a database built before Bulkhead (by hand, by another tool, from a dump) is adopted with bulkhead baseline ${unitArgs(unit)} --at <the last migration it has>, not migrated again; else an earlier migration (or this one) creates it too`;
  }
  if (err.code === ACTIVE_TRANSACTION && /^SET TRANSACTION .* must be called before any query/.test(message)) {
    return "SET TRANSACTION works only before the transaction's first query: make it the migration's first statement (Bulkhead sends a file's leading SET TRANSACTION right after its own BEGIN)";
  }
  if (err.code === ACTIVE_TRANSACTION) return 'this statement cannot run inside a transaction: export const config = { transaction: false } (TS), or -- bulkhead:no-transaction (SQL)';
  if (err.code === INVALID_TRANSACTION_TERMINATION) {
    return 'a DO block or procedure that commits must run outside a transaction: -- bulkhead:no-transaction (SQL), or export const config = { transaction: false } (TS); CALL the procedure itself, not from a SELECT or function';
  }
  // The server's own limits, set for the database or the role (Bulkhead resets a session's
  // settings before each migration, so a SET in one holds for it alone).
  if (err.code === QUERY_CANCELED && /statement timeout/.test(message)) {
    return "the server's statement_timeout stopped it (set for this database or role: SHOW statement_timeout): give this migration the time it needs with SET statement_timeout = '30min' as its first statement (it holds for this migration only), or raise it for the role that migrates (ALTER ROLE … SET statement_timeout = …)";
  }
  if (err.code === READ_ONLY_SQL_TRANSACTION && !/\bSET\s+TRANSACTION\b|\bread\s+only\b/i.test(sql ?? '')) {
    return `the server ran it read-only: ${readOnlyFix()}`;
  }
  if (err.code === QUERY_CANCELED) return 'another session cancelled it (pg_cancel_backend: an operator, a watchdog): nothing of the statement remains; run again when it may run';
  if (err.code === IDLE_IN_TRANSACTION_TIMEOUT || err.code === TRANSACTION_TIMEOUT) {
    const setting = err.code === TRANSACTION_TIMEOUT ? 'transaction_timeout' : 'idle_in_transaction_session_timeout';
    return `the server's ${setting} closed the session while the migration's transaction was open (a TS migration working between its queries): raise it for this migration (SET ${setting} = '30min' first) or for the role that migrates`;
  }
  return undefined;
}

/** The role a CREATE ROLE found on the server already (`role "x" already exists`), if that is the error. */
export function roleThatExists(code: string | undefined, message: string): string | undefined {
  return code === DUPLICATE_OBJECT ? /^role "([^"]+)" already exists/.exec(message)?.[1] : undefined;
}

/**
 * CREATE ROLE of a role the server has: roles are the server's, shared by its databases, so a
 * migration making one runs once per server — the scratch databases of verify and drift, on the
 * module's own server, find the role its own database's run made.
 */
export function serverRoleExistsFix(role: string): string {
  return `roles belong to the server, not to a database: ${role} exists on this server already (made when the migrations ran on the module's own database, by another module, or by hand), and CREATE ROLE fails a second time on one server — verify's and drift's scratch databases are on the same server unless given --server <another>; make it only where it is missing (DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = ${literal(role)}) THEN CREATE ROLE ${sqlName(role)} …; END IF; END $$), or leave roles to the server's set-up and only GRANT to them in migrations (an applied migration so edited is accepted with bulkhead repair)`;
}

const QUERY_CANCELED = '57014';
const IDLE_IN_TRANSACTION_TIMEOUT = '25P03';
/** PostgreSQL 17's transaction_timeout. */
const TRANSACTION_TIMEOUT = '25P04';


/** Whether a statement creates something in `schema` (CREATE TABLE auth.users …), as the schema's owner would. */
function createsIn(sql: string, schema: string): boolean {
  const name = `(?:"${regexLiteral(schema)}"|${regexLiteral(schema)})`;
  return new RegExp(`^(?:\\s|--[^\\n]*\\n|\\/\\*[\\s\\S]*?\\*\\/)*CREATE\\s+(?:OR\\s+REPLACE\\s+)?(?:(?:UNLOGGED|TEMP|TEMPORARY|MATERIALIZED|RECURSIVE|CONSTRAINT)\\s+)*(?:TABLE|VIEW|FUNCTION|PROCEDURE|TYPE|SEQUENCE|DOMAIN|AGGREGATE|TRIGGER)\\s+(?:IF\\s+NOT\\s+EXISTS\\s+)?${name}\\.`, 'i').test(sql);
}

const UNSAFE_NEW_ENUM_VALUE = '55P04';
/** duplicate_table, duplicate_object, duplicate_schema, duplicate_function, duplicate_database. */
const ALREADY_EXISTS = new Set([DUPLICATE_TABLE, DUPLICATE_OBJECT, '42P06', '42723', '42P04']);


/**
 * A multi-line field of PostgreSQL's (a detail listing one dependent object per line, a CONTEXT
 * of nested calls) on one line, as reports print it.
 */
export function oneLine(text: string | undefined): string | undefined {
  return text ? text.split('\n').join('; ') : undefined;
}


function pgCode(err: PgError): string | undefined {
  return typeof err?.code === 'string' && /^[0-9A-Z]{5}$/.test(err.code) ? err.code : undefined;
}

/** knex prefixes errors with the SQL (`<sql> - <message>`); keep PostgreSQL's message. */
export function stripSqlPrefix(msg: string, sql: string | undefined): string {
  return sql && msg.startsWith(sql) ? msg.slice(sql.length).replace(/^ - /, '') : msg;
}


