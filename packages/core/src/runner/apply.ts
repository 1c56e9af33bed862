import { performance } from 'node:perf_hooks';
import type { Knex } from 'knex';
import type pg from 'pg';
import { lineAt } from '../analysis/statements.js';
import type { ModuleDb } from '../db/types.js';
import { deleteHistory, insertHistory, type HistoryTable } from '../history/history.js';
import { BULKHEAD_VERSION } from '../version.js';
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
}

/**
 * Run one migration in one direction. In a transaction (the default) the migration and its
 * history row commit together or not at all; `no-transaction` migrations run statement by
 * statement and record their row afterwards.
 */
export async function applyMigration(db: ModuleDb, r: Runnable, ctx: ApplyContext): Promise<number> {
  const started = performance.now();
  const record = async (q: Knex | Knex.Transaction) => {
    const durationMs = Math.round(performance.now() - started);
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
    return durationMs;
  };
  if (!r.transaction) {
    await runStep(r, db.knex, ctx);
    return record(db.knex);
  }
  const conn = (await db.knex.client.acquireConnection()) as pg.Client;
  try {
    return await db.knex.transaction(
      async (trx) => {
        await runStep(r, trx, ctx, conn);
        return record(trx);
      },
      { connection: conn },
    );
  } finally {
    await db.knex.client.releaseConnection(conn);
  }
}

async function runStep(r: Runnable, q: Knex | Knex.Transaction, ctx: ApplyContext, conn?: pg.Client): Promise<void> {
  const step: Step = r.step;
  const base = { module: ctx.module, migration: r.file.id, direction: r.direction, file: ctx.rel(step.path), partial: !r.transaction };
  if (step.format === 'sql') {
    // SQL goes to the pg connection as written (knex would rewrite `?` into bindings).
    const own = conn ?? ((await q.client.acquireConnection()) as pg.Client);
    try {
      for (const [i, s] of step.statements.entries()) {
        try {
          await own.query(s.text);
        } catch (e) {
          const err = e as PgError;
          throw new MigrationFailedError(
            {
              ...base,
              statement: i + 1,
              line: s.line + (err.position ? lineAt(s.text, Number(err.position)) - 1 : 0),
              sql: shorten(s.text),
              ...pgFields(err),
              partial: !r.transaction && i > 0,
            },
            { cause: e },
          );
        }
      }
    } finally {
      if (!conn) await q.client.releaseConnection(own);
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
      { ...base, line: lineInStack(err, step.path), sql: lastSql && shorten(lastSql), ...pgFields(err), message: stripSqlPrefix(err, lastSql) },
      { cause: e },
    );
  } finally {
    q.client.removeListener('query', onQuery);
  }
}

interface PgError extends Error {
  code?: string;
  position?: string;
  detail?: string;
  hint?: string;
}

function pgFields(err: PgError) {
  const message = err.message ?? String(err);
  const extension = /extension "([^"]+)" is not available/.exec(message)?.[1];
  return {
    message,
    pgCode: typeof err.code === 'string' && /^[0-9A-Z]{5}$/.test(err.code) ? err.code : undefined,
    detail: err.detail || undefined,
    hint: err.hint || undefined,
    fix: extension
      ? `list "${extension}" in the module's "extensions" (bulkhead.json): embedded databases load only declared extensions; a server needs it installed`
      : err.code === '25001'
        ? 'this statement cannot run inside a transaction: export const config = { transaction: false } (TS), or -- bulkhead:no-transaction (SQL)'
        : undefined,
  };
}

/** knex prefixes errors with the SQL (`<sql> - <message>`); keep PostgreSQL's message. */
function stripSqlPrefix(err: PgError, sql: string | undefined): string {
  const msg = err.message ?? String(err);
  return sql && msg.startsWith(sql) ? msg.slice(sql.length).replace(/^ - /, '') : msg;
}

function lineInStack(err: Error, file: string): number | undefined {
  const m = new RegExp(`${escapeRe(file)}:(\\d+)`).exec(err?.stack ?? '');
  return m ? Number(m[1]) : undefined;
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function shorten(sql: string): string {
  const one = sql.replace(/\s+/g, ' ').trim();
  return one.length > 200 ? `${one.slice(0, 197)}...` : one;
}
