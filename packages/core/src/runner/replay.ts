import path from 'node:path';
import { literal, searchPath } from '../db/postgres.js';
import { withConnection, withTransaction } from '../db/targets.js';
import type { ModuleDb } from '../db/types.js';
import { shortenSql, transactionSettings } from '../analysis/statements.js';
import { callMigration, failingLine, nameHolder, nextBatch, oneLine, stripSqlPrefix, UnawaitedBuilderError, type NameHolder, type PgError } from './apply.js';
import type { Runnable } from './prepare.js';
import type { VersionNeed } from '../analysis/versions.js';
import { lineInStack } from '../migrations/load-js.js';
import { shortDetail, thrownMessage } from '../text.js';

/**
 * Migrations replayed on a scratch database (verify, drift, analysis): no history rows, no lock —
 * the database is this process's own. Each migration runs in its transaction unless it is
 * no-transaction, with `schema` as search_path; a failure names the file, statement and line.
 */

export class ReplayError extends Error {
  constructor(
    readonly id: string,
    readonly direction: 'up' | 'down',
    readonly file: string,
    readonly cause: unknown,
    readonly statement?: { index: number; line: number; text: string; needs?: readonly VersionNeed[] },
    readonly line?: number,
    /** A TS/JS migration's failing query, as knex sent it. */
    readonly sql?: string,
    /** What holds the name a statement could not take, when the replay asked the catalog (nameHolder). */
    readonly holder?: NameHolder,
  ) {
    super(errorText(cause, statement?.text ?? sql));
  }
  /** `file:line (statement n): error` for reports. */
  describe(rel: (abs: string) => string): string {
    const where = this.line ? `${rel(this.file)}:${this.line}` : rel(this.file);
    const at = this.statement
      ? `${rel(this.file)}:${this.statement.line} (statement ${this.statement.index + 1}: ${shortenSql(this.statement.text, 80)})`
      : this.sql
        ? `${where} (the SQL it sent: ${shortenSql(this.sql, 80)})`
        : where;
    return `${at}: ${this.message}`;
  }
  /** PostgreSQL's own message, without the SQL knex puts before it. */
  get serverMessage(): string {
    return stripSqlPrefix(thrownMessage(this.cause), this.sql);
  }
}

/** The query a knex error names: knex's message is `<sql> - <PostgreSQL's message>`. */
function knexSql(e: unknown): string | undefined {
  const text = thrownMessage(e);
  const dash = text.indexOf(' - ');
  return dash > 0 && (e as { code?: unknown })?.code !== undefined && /^\s*(?:[a-z]+\b)/i.test(text) ? text.slice(0, dash) : undefined;
}

export async function replay(db: ModuleDb, r: Runnable, o: { schema: string }): Promise<void> {
  const step = r.step;
  const file = step.path;
  const searchPathSql = setSearchPath(o.schema);
  if (step.format === 'sql') {
    // SQL goes to the connection as written (knex would rewrite `?` into bindings).
    await withConnection(db, async (conn) => {
      await conn.query(searchPathSql);
      let current = -1;
      try {
        if (r.transaction && step.statements.length > 1) {
          // One round trip for the whole file; only a failure is located statement by statement.
          try {
            await conn.query(`BEGIN;\n${step.statements.map((x) => x.text).join('\n;\n')}\n;\nCOMMIT`);
            return;
          } catch {
            await conn.query('ROLLBACK').catch(() => undefined);
          }
        }
        if (r.transaction) await conn.query('BEGIN');
        for (const [i, s] of step.statements.entries()) {
          current = i;
          await conn.query(s.text);
        }
        if (r.transaction) await conn.query('COMMIT');
      } catch (e) {
        if (r.transaction) await conn.query('ROLLBACK').catch(() => undefined);
        const s = step.statements[current];
        // A name taken already: what holds it, as the statements before it left the database.
        let holder: NameHolder | undefined;
        if (s && r.transaction) {
          holder = await nameHolder(conn, 'BEGIN', step.statements, current, e as PgError).catch(() => undefined);
          await conn.query('ROLLBACK').catch(() => undefined);
        }
        throw new ReplayError(r.file.id, r.direction, file, e, s ? { index: current, line: failingLine(s, e as PgError), text: s.text, needs: s.node.needs } : undefined, undefined, undefined, holder);
      }
    });
    return;
  }
  await db.knex.raw(searchPathSql);
  try {
    // Replays run on scratch databases (verify, drift, the capture of a TS migration's SQL); the
    // file, as the user's shell reaches it, says which module's.
    const label = `${path.relative(process.cwd(), file)} (${r.direction}, on a scratch database)`;
    if (r.transaction) await withTransaction(db, (trx) => callMigration(step.fn, trx, step.path, r.direction, { label }));
    else await callMigration(step.fn, db.knex, step.path, r.direction, { label, transaction: false });
  } catch (e) {
    throw new ReplayError(r.file.id, r.direction, file, e, undefined, e instanceof UnawaitedBuilderError ? e.line : lineInStack((e as Error)?.stack, file)?.line, knexSql(e));
  }
}

let batches = 0;

/**
 * Replay migrations in order, consecutive transactional SQL ones as one message (each still in
 * its own transaction): PostgreSQL stops at the first error, and a session setting each
 * transaction sets just before its COMMIT (rolled back with a failed one) tells how far it got.
 * The failing migration is then replayed alone, which names its statement and line.
 */
export async function replayAll(db: ModuleDb, rs: readonly Runnable[], o: { schema: string }): Promise<void> {
  for (let i = 0; i < rs.length; ) {
    const batch = rs.slice(i, i + nextBatch(rs, i, { upOnly: false }));
    if (batch.length < 2) {
      await replay(db, rs[i++]!, o);
      continue;
    }
    // Each migration from the module's search path (one may SET it for itself).
    const path = setSearchPath(o.schema);
    // The marker names this batch: a setting made before a failed transaction is rolled back with it.
    const token = `${process.pid}.${++batches}`;
    const text = batch
      .map((r, k) => {
        const statements = (r.step.format === 'sql' ? r.step.statements : []).map((x) => `${x.text}\n;`);
        // Its own SET TRANSACTION … before the search path's query (PostgreSQL takes it only first).
        const first = r.step.format === 'sql' ? transactionSettings(r.step.statements) : 0;
        return `BEGIN;\n${statements.slice(0, first).join('\n')}${path};\n${statements.slice(first).join('\n')}\nSELECT set_config('bulkhead.replayed', '${token}:${k}', false);\nCOMMIT`;
      })
      .join(';\n');
    const done = await withConnection(db, async (conn) => {
      try {
        await conn.query(text);
        return batch.length;
      } catch (e) {
        await conn.query('ROLLBACK').catch(() => undefined);
        let marker: string;
        try {
          marker = String((await conn.query(`SELECT current_setting('bulkhead.replayed', true) AS k`)).rows[0]?.k ?? '');
        } catch {
          // The session is gone: which of the batch was in flight cannot be told.
          throw new ReplayError(batch[0]!.file.id, batch[0]!.direction, batch[0]!.step.path, e);
        }
        return marker.startsWith(`${token}:`) ? Number(marker.slice(token.length + 1)) + 1 : 0;
      }
    });
    i += done;
    if (done < batch.length) {
      // Alone, with its statements located: it fails again (or, if the failure was passing, runs).
      await replay(db, rs[i++]!, o);
    }
  }
}

function setSearchPath(schema: string): string {
  return `SELECT set_config('search_path', ${literal(searchPath(schema))}, false)`;
}

/** PostgreSQL's own message and detail (knex prefixes the SQL to the message: it is named elsewhere). */
function errorText(cause: unknown, sql?: string): string {
  const e = cause as { message?: string; detail?: string; hint?: string };
  let message = thrownMessage(cause);
  const dash = message.indexOf(' - ');
  if (dash > 0 && (sql === undefined || message.startsWith(sql.slice(0, Math.min(sql.length, dash))))) message = message.slice(dash + 3);
  const detail = oneLine(e?.detail);
  return [message, detail && shortDetail(detail), e?.hint ? `hint: ${e.hint}` : undefined].filter(Boolean).join('; ');
}
