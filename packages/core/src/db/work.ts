import type { Knex } from 'knex';
import type pg from 'pg';
import { connectFallingBack, loadPg, pgClientClass, requireKnex } from './driver.js';
import type { ModuleDb } from './types.js';

/** A driver connection marked the way knex marks its own when it fails or ends (its pool then drops it). */
export type RawConnection = pg.Client & { __knex__disposed?: unknown };

/** A new driver connection, marked as knex would mark it (see RawConnection). */
export async function rawConnection(settings: pg.ClientConfig): Promise<RawConnection> {
  const pgLib = await loadPg();
  return connectFallingBack(settings.connectionString ?? '', (url) => {
    const conn: RawConnection = new pgLib.Client(settings.connectionString === undefined ? settings : { ...settings, connectionString: url });
    conn.on('error', (e: Error) => {
      conn.__knex__disposed = e;
    });
    conn.on('end', () => {
      conn.__knex__disposed ??= 'Connection ended unexpectedly';
    });
    return conn;
  });
}

export interface WorkOptions {
  /** The connection settings (for knex's pool and for new connections). */
  settings: pg.ClientConfig;
  /** Makes a new connection ready: the session settings, the module's search path first. Runs once per connection. */
  prepare(conn: pg.Client): Promise<void>;
  /** How long knex keeps its idle connection. */
  idleTimeoutMillis: number;
}

/** A module database's work connection (see ModuleDb): the driver's alone until `knex()` is called. */
export interface WorkConnection {
  connection: ModuleDb['connection'];
  query: ModuleDb['query'];
  knex(): Knex;
  close(): Promise<void>;
}

/**
 * The work connection of a module database, opened and prepared. Reads go through the driver;
 * knex is loaded the first time `knex()` is called (to run or write something), and its pool of
 * one takes the open connection over when no read is using it — later connections it makes are
 * prepared the same way, without knex's own version and search-path queries.
 *
 * Every knex of Bulkhead is configured here, on a server or embedded:
 * - quiet logging: knex prints some connection errors itself (to stdout, which --json reserves
 *   for one document); Bulkhead reports every error with module and fix;
 * - async stack traces: a failing query's error carries the stack of the code that built it, so
 *   a TS migration's failure names its line.
 * knex's `version` stays unset (it would come from `select version()`): its pg dialect then
 * assumes a current server, as it does for every version Bulkhead supports.
 */
export async function openWork(o: WorkOptions): Promise<WorkConnection> {
  const open = async (): Promise<RawConnection> => {
    const conn = await rawConnection(o.settings);
    try {
      await o.prepare(conn);
      return conn;
    } catch (e) {
      await conn.end().catch(() => undefined);
      throw e;
    }
  };
  /** The driver's connection, until knex takes it over (or closes it once knex has its own). */
  let raw: RawConnection | undefined = await open();
  /** Callers inside `connection` on the driver's connection: knex takes it over only when there are none. */
  let rawUsers = 0;
  let reopening: Promise<RawConnection> | undefined;
  let knex: Knex | undefined;
  /** knex's pool opened a connection of its own (the driver's was busy or dead): the driver's is then closed once free. */
  let knexMadeOwn = false;
  const prepared = new WeakSet<pg.Client>();
  const knexOf = (): Knex => {
    if (knex) return knex;
    knex = requireKnex()({
      client: pgClientClass(),
      log: { warn: () => undefined, error: () => undefined, deprecate: () => undefined, debug: () => undefined },
      asyncStackTraces: true,
      connection: o.settings as Knex.PgConnectionConfig,
      pool: {
        min: 0,
        max: 1,
        idleTimeoutMillis: o.idleTimeoutMillis,
        afterCreate(conn: pg.Client, done: (err: Error | null, conn: pg.Client) => void) {
          if (prepared.has(conn)) return done(null, conn);
          o.prepare(conn).then(
            () => done(null, conn),
            (e: Error) => done(e, conn),
          );
        },
      },
    });
    // A migration sees knex's pg client as under `knex migrate`: code that branches on
    // `knex.client.config.client === 'pg'` (joplin's isPostgres) takes PostgreSQL's path. knex
    // read the class given above when it made the client; it does not read the field again.
    (knex.client.config as { client: unknown }).client = 'pg';
    // knex's pool makes its connections here: the driver's open one when it is free, else a new
    // one (prepared in afterCreate, which also sets the search path knex would set itself).
    (knex.client as { acquireRawConnection: () => Promise<pg.Client> }).acquireRawConnection = async () => {
      const free = raw !== undefined && rawUsers === 0 && !raw.__knex__disposed ? raw : undefined;
      if (free === undefined) {
        knexMadeOwn = true;
        return rawConnection(o.settings);
      }
      raw = undefined;
      prepared.add(free);
      return free;
    };
    return knex;
  };
  const connection = async <T>(fn: (conn: pg.Client) => Promise<T>): Promise<T> => {
    if (knex) {
      const conn = (await knex.client.acquireConnection()) as pg.Client;
      try {
        return await fn(conn);
      } finally {
        await knex.client.releaseConnection(conn);
      }
    }
    rawUsers++;
    try {
      if (raw === undefined || raw.__knex__disposed) {
        const dead = raw;
        raw = await (reopening ??= open().finally(() => (reopening = undefined)));
        void dead?.end().catch(() => undefined);
      }
      return await fn(raw);
    } finally {
      rawUsers--;
      // knex came meanwhile with a connection of its own: this one is no longer needed. (knex
      // loaded while this one was in use, without a connection yet, takes this one over.)
      if (knex && knexMadeOwn && rawUsers === 0 && raw) {
        const done = raw;
        raw = undefined;
        await done.end().catch(() => undefined);
      }
    }
  };
  return {
    connection,
    query: (text, values) => connection((conn) => conn.query(text, values)),
    knex: knexOf,
    async close() {
      if (knex) await knex.destroy();
      const left = raw;
      raw = undefined;
      await left?.end().catch(() => undefined);
    },
  };
}
