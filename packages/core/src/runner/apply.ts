import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Knex } from 'knex';
import type pg from 'pg';
import { lineAt, shortenSql, type Statement } from '../analysis/statements.js';
import { BulkheadError, problem } from '../errors.js';
import { backendPid } from '../db/postgres.js';
import type { BlockingSession, LockGuard, ModuleDb } from '../db/types.js';
import {
  advanceProgress,
  clearProgress,
  deleteHistory,
  failProgress,
  insertHistory,
  isApplied,
  startProgress,
  type HistoryTable,
  type ProgressRow,
} from '../history/history.js';
import { redact } from '../redact.js';
import { BULKHEAD_VERSION } from '../version.js';
import type { Reporter } from './events.js';
import type { Runnable, Step } from './prepare.js';

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
  /** Bulkhead's suggestion, where it knows better than the server's hint. */
  fix?: string;
  /** Whether the migration ran outside a transaction, so part of it may remain. */
  partial: boolean;
  /** The connection to the server was lost while the migration ran. */
  connectionLost?: boolean;
  /** Sessions that held the lock a statement waited for (a lock timeout). */
  blockers?: BlockingSession[];
  /** How many times the migration was tried (lock timeouts are retried with backoff). */
  attempts?: number;
}

export class MigrationFailedError extends Error {
  constructor(
    readonly failure: MigrationFailure,
    options?: { cause?: unknown },
  ) {
    super(`${failure.file}${failure.line ? `:${failure.line}` : ''}: ${failure.message}`, options);
    this.name = 'MigrationFailedError';
  }
}

export interface ApplyContext {
  module: string;
  history: HistoryTable;
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
    if (e instanceof MigrationFailedError || e instanceof BulkheadError) throw e;
    throw new MigrationFailedError({ ...base, ...pgFields(e as PgError) }, { cause: e });
  }
}

function baseFailure(r: Runnable, ctx: ApplyContext) {
  return { module: ctx.module, migration: r.file.id, direction: r.direction, file: ctx.rel(r.step.path), partial: !r.transaction };
}

async function record(q: Knex | Knex.Transaction, r: Runnable, ctx: ApplyContext, durationMs: number): Promise<void> {
  if (r.direction === 'up') {
    await insertHistory(q, ctx.history, {
      id: r.file.id,
      name: r.file.name,
      checksum: r.file.checksum,
      duration_ms: durationMs,
      run_id: ctx.runId,
      bulkhead_version: BULKHEAD_VERSION,
    });
  } else await deleteHistory(q, ctx.history, r.file.id);
}

async function applyInTransaction(db: ModuleDb, r: Runnable, ctx: ApplyContext): Promise<ApplyOutcome> {
  for (let attempt = 1; ; attempt++) {
    ctx.guard.check(`${r.direction === 'up' ? 'applying' : 'reverting'} ${r.file.id}`);
    const started = performance.now();
    const conn = (await db.knex.client.acquireConnection()) as pg.Client;
    const watch = db.kind === 'postgres' ? watchBlockers(ctx.guard, backendPid(conn)) : undefined;
    try {
      await conn.query(db.sessionReset);
      return await db.knex.transaction(
        async (trx): Promise<ApplyOutcome> => {
          // Two runners never both commit one migration: the second waits here, then sees the row.
          await ctx.guard.fence(trx);
          if ((await isApplied(trx, ctx.history, r.file.id)) === (r.direction === 'up')) return { ran: false };
          if (ctx.statementLockTimeoutMs > 0) await trx.raw("SELECT set_config('lock_timeout', ?, true)", [`${ctx.statementLockTimeoutMs}ms`]);
          await runStep(r, trx, ctx, conn);
          ctx.guard.check(`recording ${r.file.id}`);
          const durationMs = Math.round(performance.now() - started);
          await record(trx, r, ctx, durationMs);
          return { ran: true, durationMs };
        },
        { connection: conn },
      );
    } catch (e) {
      const blockers = watch?.stop() ?? [];
      if (e instanceof MigrationFailedError && e.failure.pgCode === LOCK_TIMEOUT) {
        if (attempt < ctx.lockAttempts) {
          ctx.reporter?.lockRetry?.(ctx.module, r.file.id, attempt, ctx.lockAttempts, blockers);
          await sleep(backoff(attempt));
          continue;
        }
        throw lockTimeoutFailure(e, ctx, attempt, blockers);
      }
      throw e;
    } finally {
      watch?.stop();
      await db.knex.client.releaseConnection(conn);
    }
  }
}

async function applyOutsideTransaction(db: ModuleDb, r: Runnable, ctx: ApplyContext): Promise<ApplyOutcome> {
  const started = performance.now();
  const step = r.step;
  const statements = step.format === 'sql' ? step.statements : undefined;
  const from = resumePoint(r, ctx, statements);
  await withConnection(db, (conn) => conn.query(db.sessionReset));
  ctx.guard.check(`${r.direction === 'up' ? 'applying' : 'reverting'} ${r.file.id}`);
  const before = new Set(await invalidIndexes(db.knex));
  await startProgress(db.knex, ctx.history, {
    id: r.file.id,
    direction: r.direction,
    checksum: r.file.checksum,
    statements_total: statements?.length ?? null,
    statements_done: from,
    done_digest: statements ? digest(statements.slice(0, from)) : null,
    run_id: ctx.runId,
    runner: ctx.runner,
  });
  try {
    if (step.format === 'sql') {
      for (let i = from; i < step.statements.length; i++) {
        await ctx.guard.verify(db.knex, `statement ${i + 1} of ${r.file.id}`);
        await runStatementOutside(db, r, ctx, step.statements, i, i > 0);
        await advanceProgress(db.knex, ctx.history, r.file.id, i + 1, digest(step.statements.slice(0, i + 1)));
      }
    } else {
      await ctx.guard.verify(db.knex, r.file.id);
      await runStep(r, db.knex, ctx);
    }
    // An index built CONCURRENTLY that failed or was cut short stays behind, INVALID: never record that as applied.
    const named = new Set((statements ?? []).flatMap(indexNames));
    const invalid = (await invalidIndexes(db.knex)).filter((name) => !before.has(name) || named.has(name.split('.').pop()!.replace(/"/g, '')));
    if (invalid.length) {
      // The statement that builds it did not complete: a resume must run it again.
      const bare = new Set(invalid.map((name) => name.split('.').pop()!.replace(/"/g, '')));
      const builder = (statements ?? []).findIndex((s) => s.kind === 'IndexStmt' && (!s.node.idxname || bare.has(String(s.node.idxname))));
      if (statements && builder >= 0) await advanceProgress(db.knex, ctx.history, r.file.id, builder, digest(statements.slice(0, builder)));
      throw new MigrationFailedError({
        ...baseFailure(r, ctx),
        partial: true,
        message: `index${invalid.length > 1 ? 'es' : ''} ${invalid.join(', ')} ${invalid.length > 1 ? 'are' : 'is'} INVALID after the migration (a CREATE INDEX CONCURRENTLY that did not complete)`,
        fix: `drop ${invalid.length > 1 ? 'them' : 'it'} (${invalid.map((i) => `DROP INDEX CONCURRENTLY ${i};`).join(' ')}), then run again with --resume`,
      });
    }
    ctx.guard.check(`recording ${r.file.id}`);
    const durationMs = Math.round(performance.now() - started);
    await db.knex.transaction(async (trx) => {
      await record(trx, r, ctx, durationMs);
      await clearProgress(trx, ctx.history, r.file.id);
    });
    return { ran: true, durationMs };
  } catch (e) {
    const failure = e instanceof MigrationFailedError ? e.failure : undefined;
    if (!failure?.connectionLost) {
      const text = failure?.message ?? (e as Error).message;
      await failProgress(db.knex, ctx.history, r.file.id, failure?.statement ?? null, redact(text)).catch(() => undefined);
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
      problem('BH035', `cannot resume ${r.file.id}: its first ${done} statement${done === 1 ? '' : 's'}, which completed in run ${p.run_id}, changed since`, {
        module: ctx.module,
        file: ctx.rel(r.step.path),
        fix: 'restore the statements that ran (git checkout the file) and change only what follows them; or undo them by hand and delete the migration\'s row from the progress table to start over',
      }),
    );
  }
  return done;
}

/** One statement of a no-transaction SQL migration, with its own lock timeout and retries. */
async function runStatementOutside(db: ModuleDb, r: Runnable, ctx: ApplyContext, statements: readonly Statement[], i: number, partial: boolean): Promise<void> {
  const s = statements[i]!;
  // CONCURRENTLY waits for older transactions by design, without queueing other traffic.
  const timeout = /\bconcurrently\b/i.test(s.text) ? 0 : ctx.statementLockTimeoutMs;
  for (let attempt = 1; ; attempt++) {
    const blockers = await withConnection(db, async (conn) => {
      const watch = db.kind === 'postgres' && timeout > 0 ? watchBlockers(ctx.guard, backendPid(conn)) : undefined;
      try {
        await conn.query("SELECT set_config('lock_timeout', $1, false)", [`${timeout}ms`]);
        await conn.query(s.text);
        return undefined;
      } catch (e) {
        const err = e as PgError;
        const failure = statementFailure(r, ctx, s, i, err, partial);
        if (failure.pgCode === LOCK_TIMEOUT) return { failure, blockers: watch?.stop() ?? [], cause: e };
        throw new MigrationFailedError(failure, { cause: e });
      } finally {
        watch?.stop();
      }
    });
    if (!blockers) return;
    if (attempt < ctx.lockAttempts) {
      ctx.reporter?.lockRetry?.(ctx.module, r.file.id, attempt, ctx.lockAttempts, blockers.blockers);
      await sleep(backoff(attempt));
      continue;
    }
    throw lockTimeoutFailure(new MigrationFailedError(blockers.failure, { cause: blockers.cause }), ctx, attempt, blockers.blockers);
  }
}

async function withConnection<T>(db: ModuleDb, fn: (conn: pg.Client) => Promise<T>): Promise<T> {
  const conn = (await db.knex.client.acquireConnection()) as pg.Client;
  try {
    return await fn(conn);
  } finally {
    await db.knex.client.releaseConnection(conn);
  }
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
    await step.fn(q);
  } catch (e) {
    const err = e as PgError;
    throw new MigrationFailedError(
      { ...baseFailure(r, ctx), line: lineInStack(err, step.path), sql: lastSql && shortenSql(lastSql), ...pgFields(err), message: stripSqlPrefix(pgFields(err).message, lastSql) },
      { cause: e },
    );
  } finally {
    q.client.removeListener('query', onQuery);
  }
}

function statementFailure(r: Runnable, ctx: ApplyContext, s: Statement, i: number, err: PgError, partial: boolean): MigrationFailure {
  return {
    ...baseFailure(r, ctx),
    statement: i + 1,
    line: s.line + (err.position ? lineAt(s.text, Number(err.position)) - 1 : 0),
    sql: shortenSql(s.text),
    ...pgFields(err),
    partial,
  };
}

const LOCK_TIMEOUT = '55P03';

function lockTimeoutFailure(e: MigrationFailedError, ctx: ApplyContext, attempts: number, blockers: BlockingSession[]): MigrationFailedError {
  const who = blockers.length ? blockers.map(describeBlocker).join('; ') : 'no session was seen holding it (it may have ended meanwhile)';
  const end = blockers.length ? `end or finish the blocking session${blockers.length > 1 ? 's' : ''} (SELECT pg_terminate_backend(${blockers[0]!.pid})), then run again` : 'run again';
  return new MigrationFailedError(
    {
      ...e.failure,
      message: `gave up after ${attempts} attempt${attempts === 1 ? '' : 's'}: a statement waited more than ${ctx.statementLockTimeoutMs} ms for a lock each time; blocked by ${who}`,
      blockers,
      attempts,
      fix: `${end}; or raise the per-statement lock timeout (--statement-lock-timeout, or "lockTimeout" in bulkhead.json), knowing that while a DDL statement waits every later query on its table queues behind it`,
    },
    { cause: e.cause },
  );
}

export function describeBlocker(b: BlockingSession): string {
  return `pid ${b.pid} ("${b.application}", ${b.state}${b.queryStart ? ` since ${b.queryStart}` : ''}${b.query ? `: ${b.query}` : ''})`;
}

/**
 * Poll who blocks backend `pid` while a migration runs (on the idle lock session), so that a
 * lock timeout can name the blocking session: once the statement gives up, nobody blocks it.
 */
function watchBlockers(guard: LockGuard, pid: number): { stop(): BlockingSession[] } {
  let last: BlockingSession[] = [];
  let busy = false;
  const timer = setInterval(() => {
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
  }, 100);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
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

/** INVALID indexes in the database, schema-qualified. */
export async function invalidIndexes(knex: Knex): Promise<string[]> {
  const r = await knex.raw(
    `SELECT format('%I.%I', n.nspname, c.relname) AS name FROM pg_index i
       JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE NOT i.indisvalid ORDER BY 1`,
  );
  return r.rows.map((row: { name: string }) => row.name);
}


/** Names of the indexes a statement creates (CREATE INDEX … name). */
function indexNames(s: Statement): string[] {
  return s.kind === 'IndexStmt' && typeof s.node.idxname === 'string' ? [s.node.idxname] : [];
}

function digest(statements: readonly Statement[]): string {
  const h = createHash('sha256');
  for (const s of statements) h.update(s.text).update('\u0000');
  return h.digest('hex');
}

interface PgError extends Error {
  code?: string;
  position?: string;
  detail?: string;
  hint?: string;
}

const CONNECTION_CODES = new Set(['57P01', '57P02', '08000', '08003', '08006', 'ECONNRESET', 'EPIPE', 'ECONNREFUSED', 'ETIMEDOUT']);
const CONNECTION_TEXT = /connection terminated|connection.*(closed|ended)|terminating connection|client has encountered a connection error|not queryable|server closed the connection/i;

/** Did the connection to the server die (restart, terminated backend, network)? */
export function isConnectionLoss(err: { code?: string; message?: string }): boolean {
  return (err.code !== undefined && CONNECTION_CODES.has(err.code)) || CONNECTION_TEXT.test(err.message ?? '');
}

function pgFields(err: PgError) {
  const message = err?.message ?? String(err);
  if (isConnectionLoss(err)) {
    return {
      message: `connection lost: ${message}`,
      pgCode: pgCode(err),
      connectionLost: true,
      fix: 'the server restarted or closed the session; check the server, then run again (a transactional migration left nothing behind)',
    };
  }
  const extension = /extension "([^"]+)" is not available/.exec(message)?.[1];
  return {
    message,
    pgCode: pgCode(err),
    detail: err.detail || undefined,
    hint: err.hint || undefined,
    fix: extension
      ? `list "${extension}" in the module's "extensions" (bulkhead.json): embedded databases load only declared extensions; a server needs it installed`
      : err.code === '25001'
        ? 'this statement cannot run inside a transaction: export const config = { transaction: false } (TS), or -- bulkhead:no-transaction (SQL)'
        : undefined,
  };
}

function pgCode(err: PgError): string | undefined {
  return typeof err?.code === 'string' && /^[0-9A-Z]{5}$/.test(err.code) ? err.code : undefined;
}

/** knex prefixes errors with the SQL (`<sql> - <message>`); keep PostgreSQL's message. */
function stripSqlPrefix(msg: string, sql: string | undefined): string {
  return sql && msg.startsWith(sql) ? msg.slice(sql.length).replace(/^ - /, '') : msg;
}

function lineInStack(err: Error, file: string): number | undefined {
  const m = new RegExp(`${escapeRe(file)}:(\\d+)`).exec(err?.stack ?? '');
  return m ? Number(m[1]) : undefined;
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

