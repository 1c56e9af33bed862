import { createHash } from 'node:crypto';
import os from 'node:os';
import { baseKnexConfig } from './knex-config.js';
import knexFactory from 'knex';
import type pg from 'pg';
import { BulkheadError, problem } from '../errors.js';
import { BULKHEAD_VERSION } from '../version.js';
import type { DatabaseTarget } from './url.js';
import type { LockHolder, ModuleDb } from './types.js';

/** `application_name` of every Bulkhead session: a waiting runner prints it to say who holds a lock. */
export function applicationName(command: string): string {
  return `bulkhead/${BULKHEAD_VERSION} ${command} pid=${process.pid}@${os.hostname()}`.slice(0, 63);
}

/** 64-bit advisory lock key derived from the module's identity (never one key for the whole tool). */
export function moduleLockKey(module: string, history: { schema: string; table: string }): { key: string; classid: number; objid: number } {
  const digest = createHash('sha256').update(`bulkhead:${module}:${history.schema}.${history.table}`).digest();
  const key = digest.readBigInt64BE(0);
  return { key: key.toString(), classid: digest.readUInt32BE(0), objid: digest.readUInt32BE(4) };
}

export interface PostgresOptions {
  module: string;
  /** Workspace-relative manifest, for messages. */
  file?: string;
  schema: string;
  history: { schema: string; table: string };
  command: string;
  /** Keep retrying a server that is not reachable (yet) for this long (`--wait`); 0 tries once. */
  waitMs?: number;
  onConnectWait?: (reason: string) => void;
}

/** Errors of a server that is starting, restarting or not reachable yet: worth a retry with --wait. */
const RETRYABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'ECONNRESET', 'EHOSTUNREACH', '57P03']);

/** Open a knex pool on a PostgreSQL server: one pinned connection for the lock, one for work. */
export async function openPostgres(target: Extract<DatabaseTarget, { kind: 'postgres' }>, o: PostgresOptions): Promise<ModuleDb> {
  const knex = knexFactory({
    ...baseKnexConfig(o.schema),
    connection: { connectionString: target.url, application_name: applicationName(o.command) },
    pool: {
      min: 0,
      max: 2,
      idleTimeoutMillis: 2000,
      // A runner killed mid-statement: the server notices the dead client within a second
      // (PostgreSQL 14+) and rolls back, instead of finishing a long statement first.
      afterCreate(conn: pg.Client, done: (err: Error | null, conn: pg.Client) => void) {
        conn.query(
          `SELECT CASE WHEN current_setting('server_version_num')::int >= 140000
             THEN set_config('client_connection_check_interval', '1000', false) END`,
          (err) => done(err ?? null, conn),
        );
      },
    },
  });
  const deadline = Date.now() + (o.waitMs ?? 0);
  for (let told = false; ; ) {
    try {
      await knex.raw('select 1');
      break;
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code && RETRYABLE.has(code) && Date.now() < deadline) {
        if (!told) o.onConnectWait?.(`${(e as Error).message} — retrying for up to ${Math.ceil((deadline - Date.now()) / 1000)} s`);
        told = true;
        await new Promise((r) => setTimeout(r, 250));
        continue;
      }
      await knex.destroy();
      throw connectError(o, target.display, e);
    }
  }
  const lock = moduleLockKey(o.module, o.history);
  return {
    kind: 'postgres',
    knex,
    async withModuleLock(fn, options) {
      const conn = (await knex.client.acquireConnection()) as pg.Client;
      let locked = false;
      try {
        const r = await conn.query('SELECT pg_try_advisory_lock($1::bigint) AS ok', [lock.key]);
        locked = r.rows[0].ok === true;
        if (!locked) {
          options.onWait?.(await lockHolder(conn, lock));
          await conn.query("SELECT set_config('lock_timeout', $1, false)", [`${options.timeoutMs}ms`]);
          try {
            await conn.query('SELECT pg_advisory_lock($1::bigint)', [lock.key]);
            locked = true;
          } catch (e) {
            if ((e as { code?: string }).code !== '55P03') throw e;
            const holder = await lockHolder(conn, lock);
            throw new BulkheadError(
              problem('BH021', `lock of module ${o.module} still held after ${options.timeoutMs} ms${holder ? ` by ${describeHolder(holder)}` : ''}`, {
                module: o.module,
                fix: 'wait for the other runner to finish, or raise --lock-timeout; the server releases the lock when that session ends',
              }),
            );
          } finally {
            await conn.query("SELECT set_config('lock_timeout', '0', false)").catch(() => undefined);
          }
        }
        return await fn();
      } finally {
        if (locked) await conn.query('SELECT pg_advisory_unlock($1::bigint)', [lock.key]).catch(() => undefined);
        await knex.client.releaseConnection(conn);
      }
    },
    close: () => knex.destroy(),
  };
}

async function lockHolder(conn: pg.Client, lock: { classid: number; objid: number }): Promise<LockHolder | undefined> {
  const r = await conn.query(
    `SELECT a.pid, a.application_name, a.backend_start
       FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
      WHERE l.locktype = 'advisory' AND l.granted AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
        AND l.classid = $1::oid AND l.objid = $2::oid AND l.objsubid = 1
      LIMIT 1`,
    [lock.classid, lock.objid],
  );
  const row = r.rows[0];
  return row ? { application: row.application_name || '(no application_name)', pid: row.pid, since: new Date(row.backend_start).toISOString() } : undefined;
}

export function describeHolder(h: LockHolder): string {
  return `"${h.application}"${h.pid ? ` (pid ${h.pid}` : ''}${h.since ? `, since ${h.since}` : ''}${h.pid ? ')' : ''}`;
}

function connectError(o: PostgresOptions, display: string, e: unknown): BulkheadError {
  const err = e as { code?: string; message?: string };
  const hint =
    err.code === '3D000'
      ? 'create the database (createdb -h <host> -p <port> <name>) or fix the database name in the URL'
      : err.code === 'ECONNREFUSED' || err.code === 'ENOTFOUND'
        ? 'start the server or fix host and port in the URL; set the module URL variable to point elsewhere'
        : err.code === '28P01' || err.code === '28000'
          ? 'check the user and password in the URL'
          : 'check the URL and that the server accepts connections';
  return new BulkheadError(
    problem('BH020', `cannot connect to ${display}: ${err.message ?? String(e)}`, { module: o.module, file: o.file, field: 'database.url', fix: hint }),
    { cause: e },
  );
}
