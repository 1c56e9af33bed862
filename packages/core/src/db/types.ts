import type { Knex } from 'knex';
import type pg from 'pg';

/**
 * Where SQL can be sent as written, pg style (`$1` parameters; a message of several statements
 * resolves to an array of results): a module database's work connection, or pg's own client.
 */
export interface SqlSession {
  /** Rows are whatever the SQL selects. */
  query(text: string, values?: unknown[]): Promise<pg.QueryResult<any>>;
}

/** Who holds a module lock another runner waits for. */
export interface LockHolder {
  /** `application_name` of the holding session, or the holding process for embedded databases. */
  application: string;
  pid?: number;
  since?: string;
  /** The address the holding session connects from, when not this machine's loopback (another host's runner). */
  from?: string;
}

/** A session that blocks a migration's statement (from `pg_blocking_pids`). */
export interface BlockingSession {
  pid: number;
  application: string;
  /** `active`, `idle in transaction`, … */
  state: string;
  /** When its current (or last) query started. */
  queryStart?: string;
  /** Its current (or last) query, shortened. */
  query: string;
}

export interface LockOptions {
  /** Give up after this many milliseconds; 0 waits forever. */
  timeoutMs: number;
  /** Called once when the lock is busy, before waiting. */
  onWait?: (holder: LockHolder | undefined) => void;
}

/**
 * What a runner holding a module lock can ask of it. The lock is held by the work connection's
 * session, the one that runs the migrations: when that session dies (server restart, terminated
 * backend, a proxy dropping it) the lock goes with it and another runner may take it, so the
 * holder checks before every step that it still runs on that session.
 */
export interface LockGuard {
  /** Throws (BH036) when the lock's session is known to be gone. No round trip. */
  check(before: string): void;
  /**
   * Asks the server, through `q`, whether `q`'s session holds the lock; throws (BH036) if not.
   * One round trip: used around statements of a migration that runs outside a transaction.
   */
  verify(q: SqlSession, before: string): Promise<void>;
  /**
   * Inside a migration's transaction: take the module's transaction-level fence lock, so two
   * runners can never both commit the same migration (even one that lost its module lock unaware).
   */
  fence(trx: Knex.Transaction): Promise<void>;
  /** The same fence as SQL, for migrations sent to the server as one message ('' when there is none). */
  readonly fenceSql: string;
  /**
   * SQL that fails with SQLSTATE `BHLST` unless it runs on the session that took the lock (a
   * reconnect is a new session, without it). Cheap: sent once per batch of migrations, per single
   * migration, and per statement outside a transaction ('' when there is none).
   */
  readonly sessionSql: string;
  /**
   * SQL that fails with SQLSTATE `BHLST` unless this session still holds the module lock, asked of
   * the server's lock table: after SQL that may release advisory locks (`pg_advisory_unlock_all`,
   * `DISCARD ALL`), just before the migration commits ('' when there is none).
   */
  readonly heldSql: string;
  /**
   * Sessions currently blocking backend `pid` (for lock-timeout reports), read on a second session
   * opened for it: the work connection is the one waiting.
   */
  blockersOf(pid: number): Promise<BlockingSession[]>;
}

/** Extension and role names, asked of a database (db.catalog). */
export interface CatalogNames<T = readonly string[]> {
  /** Available on the server (pg_available_extensions) or installed in the database. */
  extensions: T;
  roles: T;
  /** Installed in this database (pg_extension): the declared extensions db create makes. */
  installed?: T;
  /** Relations of these names (lower case) in any schema of this database (pg_class). */
  relations?: T;
}

/** Why the server runs a database's sessions read-only: a standby (pg_is_in_recovery()), or default_transaction_read_only. */
export type ReadOnlyReason = 'standby' | 'default_transaction_read_only';

/**
 * An open connection to one module's database. Reading (history, identity, locks) goes through
 * `query` and `connection` on the driver alone; knex is loaded the first time `knex` is asked for
 * (to run or write something), and then serves the same connection.
 */
export interface ModuleDb extends SqlSession {
  readonly kind: 'postgres' | 'pglite';
  readonly knex: Knex;
  /** The work connection for the duration of `fn`, as the driver's client (SQL goes as written). */
  connection<T>(fn: (conn: pg.Client) => Promise<T>): Promise<T>;
  /**
   * SQL that returns a connection to a clean session before each migration: no role, settings,
   * search_path or temporary tables left over from the previous migration (one round trip).
   */
  readonly sessionReset: string;
  /**
   * The server's release (server_version_num: 150019 for 15.19), learnt at connect. Undefined for
   * embedded databases: PGlite's release is not what the module deploys to.
   */
  readonly serverVersion: number | undefined;
  /**
   * Why the server runs this database's sessions read-only, as learnt at connect: a standby (a
   * read replica's URL), or default_transaction_read_only set for the database or role.
   */
  readonly readOnly?: ReadOnlyReason;
  /**
   * Who this database is, as the server says, however the URL was written (socket or TCP, host
   * aliases): system identifier, server start time and database oid. Undefined for embedded
   * databases (their folder is their identity).
   */
  identity(): Promise<string | undefined>;
  /**
   * Connections the server has left for us now (max_connections, less the reserved ones and
   * those open); undefined for embedded databases.
   */
  connectionHeadroom(): Promise<number | undefined>;
  /**
   * Of these extensions and roles, those the database can create or has (pg_available_extensions,
   * pg_extension) and those the server has (pg_roles). An embedded database answers only
   * `relations` (its extensions and roles are its build's), and undefined when none are asked.
   */
  catalog(names: CatalogNames): Promise<CatalogNames<ReadonlySet<string>> | undefined>;
  /** Who holds the module lock now, if anyone (read without taking it). */
  lockHolder(): Promise<LockHolder | undefined>;
  /** Hold the module's lock while `fn` runs; other runners wait without holding a snapshot (SPEC §7). */
  withModuleLock<T>(fn: (guard: LockGuard) => Promise<T>, options: LockOptions): Promise<T>;
  /**
   * The same connection for another unit of the same database (a schema tenant): its own
   * module lock, schema and history. Server databases only; undefined for embedded ones.
   */
  rebind?(unit: { module: string; schema: string; history: { schema: string; table: string } }): ModuleDb;
  close(): Promise<void>;
}
