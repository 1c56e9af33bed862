import { createHash } from 'node:crypto';
import os from 'node:os';
import { shellWord } from '../migrations/shell.js';
import { openWork, rawConnection, type RawConnection, type WorkConnection } from './work.js';
import type pg from 'pg';
import { shortenSql } from '../analysis/statements.js';
import { BulkheadError, markAlike, problem, type Alike, type Problem } from '../errors.js';
import { BULKHEAD_VERSION } from '../version.js';
import { connectTimeoutMs, driverUrl, transactionPoolOf, type DatabaseTarget } from './url.js';
import { literal } from '../text.js';
import type { CatalogNames, LockGuard, LockHolder, LockOptions, ModuleDb, ReadOnlyReason } from './types.js';
import { describeHolder } from './describe.js';
import { commandUse } from './command-use.js';
import { INVALID_CATALOG_NAME } from './sqlstate.js';

/** `application_name` of every Bulkhead session: a waiting runner prints it to say who holds a lock. */
export function applicationName(command: string): string {
  return `bulkhead/${BULKHEAD_VERSION} ${command} pid=${process.pid}@${os.hostname()}`.slice(0, 63);
}

/**
 * Advisory lock keys derived from the module's identity (never one key for the whole tool):
 * `key` is the module lock (session level, held for the run); `fence` is taken inside each
 * migration's transaction so two runners can never both commit one migration.
 */
export function moduleLockKey(module: string, history: { schema: string; table: string }): { key: string; classid: number; objid: number; fence: string } {
  const digest = createHash('sha256').update(`bulkhead:${module}:${history.schema}.${history.table}`).digest();
  const key = digest.readBigInt64BE(0);
  return { key: key.toString(), classid: digest.readUInt32BE(0), objid: digest.readUInt32BE(4), fence: digest.readBigInt64BE(8).toString() };
}

/** What a connection is bound to: the unit named in messages and lock keys, its schema and history table. */
type UnitKey = { module: string; schema: string; history: { schema: string; table: string } };

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

/** pg's own connect timeout (connectionTimeoutMillis): the socket destroyed with this message. */
export function timedOut(err: { code?: string; message?: string }): boolean {
  return err.code === undefined && /^timeout expired$|connection timeout/i.test(err.message ?? '');
}

/** What a connect timeout means, in a message: pg says only "timeout expired". */
export function noAnswer(url: string): string {
  return `no answer within ${connectTimeoutMs(url) / 1000} s (connect_timeout)`;
}

/** Errors of a server that is starting, restarting or not reachable yet: worth a retry with --wait. */
const RETRYABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'ECONNRESET', 'EHOSTUNREACH', '57P03']);

/** How long knex keeps an idle connection: 2^31 - 1 ms, about 24 days (never, in practice). */
const NEVER_IDLE_OUT = 2 ** 31 - 1;
/** Polling for a busy module lock: first delay, and the cap it doubles up to. */
const POLL_FIRST_MS = 25;
const POLL_MAX_MS = 1000;

/**
 * Settings of every Bulkhead session, applied when a connection opens and again before each
 * migration (after the reset): the module's search path; the server notices a dead client
 * within a second (PostgreSQL 14+) and rolls back, instead of finishing a long statement
 * first; and a server-wide `idle_session_timeout` does not close our sessions between steps.
 */
export function sessionSettings(schema: string, server: boolean, version?: number): string {
  const search = `set_config('search_path', ${literal(searchPath(schema))}, false)`;
  if (!server) return `SELECT ${search}`;
  // Known version: plain set_config calls (reading pg_settings costs more than the rest of a reset).
  if (version !== undefined) {
    return version >= 140000
      ? `SELECT ${search}, set_config('client_connection_check_interval', '1000', false), set_config('idle_session_timeout', '0', false)`
      : `SELECT ${search}`;
  }
  // Through pg_settings, so a server without these settings (before 14) simply has no rows: one
  // round trip whatever the version.
  return `SELECT ${search}, (SELECT count(set_config(name, CASE name WHEN 'client_connection_check_interval' THEN '1000' ELSE '0' END, false))
            FROM pg_settings WHERE name IN ('client_connection_check_interval', 'idle_session_timeout')) AS settings, current_setting('server_version_num')::int AS version`;
}

/**
 * What a new connection runs first on a server of PostgreSQL 14 or later: the session settings,
 * and the version and identity of the server (fails on older servers, or when the role may not
 * read pg_control_system(); the portable sessionSettings follow then).
 */
/** What a connection learns of its session: its server process, and whether the server runs it read-only. */
const SESSION_FACTS = "pg_backend_pid() AS pid, pg_is_in_recovery() AS standby, current_setting('default_transaction_read_only') AS read_only";

function connectSql(schema: string): string {
  return `${sessionSettings(schema, true, 140000)}, current_setting('server_version_num')::int AS version, ${SESSION_FACTS},
    (SELECT system_identifier::text FROM pg_control_system()) AS system, pg_postmaster_start_time()::text AS started,
    (SELECT oid FROM pg_database WHERE datname = current_database())::text AS db`;
}

export function searchPath(schema: string): string {
  return schema === 'public' ? '"$user", public' : `${ident(schema)}, public`;
}

export function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** A string literal (text.ts holds it, for the pure modules that write SQL too). */
export { literal };

/** The results of a message of one or more statements, as a list (pg returns one statement's bare). */
export function messageResults(r: pg.QueryResult | pg.QueryResult[]): pg.QueryResult[] {
  return Array.isArray(r) ? r : [r];
}

/**
 * Back to a clean session before a migration: a role, settings (search_path above all) or
 * temporary tables left by the previous migration on this connection must not leak into it.
 */
export function sessionResetSql(schema: string, o: { server: boolean; version?: number }): string {
  return `SET SESSION AUTHORIZATION DEFAULT; RESET ALL; DISCARD TEMP; ${sessionSettings(schema, o.server, o.version)}`;
}

/**
 * Open a module database on a PostgreSQL server: one work connection (see openWork: knex only
 * once something runs or writes), and a session of its own for the module lock. A command that
 * only reads (a no-op `up`, status) never loads knex.
 */
export async function openPostgres(target: Extract<DatabaseTarget, { kind: 'postgres' }>, o: PostgresOptions): Promise<ModuleDb> {
  // Only reading (status, drift's live snapshot, …) works through any pool: one query at a time.
  const pool = commandUse(o.command).throughTransactionPool ? undefined : knownTransactionPool(o.module, target, o.file);
  if (pool) throw new BulkheadError(pool);
  // The server's version (server_version_num) and identity, learnt when a connection is made.
  let version: number | undefined;
  let identity: string | undefined;
  let readOnly: ReadOnlyReason | undefined;
  const timeout = connectTimeoutMs(target.url);
  // TCP keepalive from 10 s of silence (not the system's 2 hours): a server that vanishes while a
  // long statement runs (a host powered off, a network cut) is noticed in minutes, not hours.
  const settings = { connectionString: driverUrl(target.url), application_name: applicationName(o.command), keepAlive: true, keepAliveInitialDelayMillis: 10_000, ...(timeout ? { connectionTimeoutMillis: timeout } : {}) };
  /** The connection's server process and whether the server runs it read-only (the driver's number where the server did not say). */
  const learn = (conn: pg.Client, row: { pid?: unknown; standby?: unknown; read_only?: unknown }) => {
    if (row.pid !== undefined) serverPids.set(conn, Number(row.pid));
    readOnly = row.standby === true ? 'standby' : row.read_only === 'on' ? 'default_transaction_read_only' : undefined;
  };
  /**
   * A new work connection's first query: in one round trip in the usual case (PostgreSQL 14+,
   * pg_control_system() readable) the session settings, the version, the server's identity and
   * the session's facts (SESSION_FACTS); else the portable settings and those facts.
   */
  const prepare = async (conn: pg.Client): Promise<void> => {
    try {
      const row = (await conn.query(connectSql(o.schema))).rows[0];
      version = Number(row.version);
      identity = `${row.system ?? ''}@${row.started}/${row.db}`;
      learn(conn, row);
    } catch {
      // A role that may not read pg_control_system() (managed servers restrict it) or a server before
      // 14: the rest in one round trip; a PostgreSQL-compatible server without these functions, the settings alone.
      const r = await conn.query(`${sessionSettings(o.schema, true)}, ${SESSION_FACTS}`).catch(() => conn.query(sessionSettings(o.schema, true)));
      const row = r.rows[0] ?? {};
      version = Number(row.version) || undefined;
      learn(conn, row);
    }
  };
  let work: WorkConnection;
  const deadline = Date.now() + (o.waitMs ?? 0);
  for (let told = false; ; ) {
    try {
      // Never closed for being idle: its session holds the module lock while a unit runs (a
      // lock-timeout backoff may leave it idle for seconds). It is closed with the database.
      work = await openWork({ settings, prepare, idleTimeoutMillis: NEVER_IDLE_OUT });
      break;
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (((code && RETRYABLE.has(code)) || timedOut(e as Error)) && Date.now() < deadline) {
        if (!told) o.onConnectWait?.(`${(e as Error).message} — retrying for up to ${Math.ceil((deadline - Date.now()) / 1000)} s`);
        told = true;
        await sleep(250);
        continue;
      }
      throw connectError(o, target, e);
    }
  }
  const { query } = work;

  // A second session, opened only to name the sessions that block a statement waiting for a
  // lock (the work connection is busy waiting): kept for the next wait, closed with the database.
  let side: Promise<RawConnection> | undefined;
  const sideSession = async (): Promise<RawConnection> => {
    const open = side ? await side.catch(() => undefined) : undefined;
    if (open && !open.__knex__disposed) return open;
    void open?.end().catch(() => undefined);
    side = rawConnection(settings);
    side.catch(() => (side = undefined));
    return side;
  };
  const shared = {
    kind: 'postgres' as const,
    query,
    connection: work.connection,
    async identity() {
      if (identity !== undefined) return identity;
      const common = `pg_postmaster_start_time()::text AS started, (SELECT oid FROM pg_database WHERE datname = current_database())::text AS db`;
      let row: { system?: string; started: string; db: string };
      try {
        row = (await query(`SELECT (SELECT system_identifier::text FROM pg_control_system()) AS system, ${common}`)).rows[0];
      } catch {
        // pg_control_system() is not readable by this role on some servers: the start time still tells servers apart.
        row = (await query(`SELECT ${common}`)).rows[0];
      }
      return `${row.system ?? ''}@${row.started}/${row.db}`;
    },
    async connectionHeadroom() {
      const r = await query(
        `SELECT current_setting('max_connections')::int - current_setting('superuser_reserved_connections')::int
                - (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend')::int AS free`,
      );
      return Number(r.rows[0].free);
    },
    async catalog(names: CatalogNames) {
      const r = await query(
        `SELECT 'e' AS k, name FROM pg_available_extensions WHERE name = ANY($1::text[])
         UNION SELECT 'e', extname FROM pg_extension WHERE extname = ANY($1::text[])
         UNION SELECT 'r', rolname FROM pg_roles WHERE rolname = ANY($2::text[])
         UNION SELECT 'i', extname FROM pg_extension WHERE extname = ANY($3::text[])
         UNION SELECT 'l', lower(relname) FROM pg_class WHERE lower(relname) = ANY($4::text[])`,
        [names.extensions, names.roles, names.installed ?? [], names.relations ?? []],
      );
      const rows = r.rows as { k: string; name: string }[];
      const of = (k: string) => new Set(rows.filter((x) => x.k === k).map((x) => x.name));
      return { extensions: of('e'), roles: of('r'), ...(names.installed ? { installed: of('i') } : {}), ...(names.relations ? { relations: of('l') } : {}) };
    },
    async close() {
      const open = side;
      side = undefined;
      await (await open?.catch(() => undefined))?.end().catch(() => undefined);
      await work.close();
    },
  };
  /** The connection as one unit's: its lock key, schema and history table (see ModuleDb.rebind). */
  const bind = (u: UnitKey): ModuleDb => {
    const lock = moduleLockKey(u.module, u.history);
    return {
      ...shared,
      // Here, not in `shared`: spreading a getter would call it, and load knex for every read.
      get knex() {
        return work.knex();
      },
      sessionReset: sessionResetSql(u.schema, { server: true, version }),
      serverVersion: version,
      readOnly,
      rebind: bind,
      lockHolder: () => work.connection((conn) => lockHolder(conn, lock)),
      async withModuleLock<T>(fn: (guard: LockGuard) => Promise<T>, options: LockOptions): Promise<T> {
        // The lock is taken on the work connection itself: the session that runs the migrations
        // is the one holding their module's lock, so the lock cannot outlive the work, and a
        // migration can never run on a session without it (a new connection would be a new pid).
        // While it waits it polls (an idle session holds no snapshot, so a holder's CREATE INDEX
        // CONCURRENTLY never waits for us).
        let lost: string | undefined;
        const onLost = (why: string) => {
          lost ??= why;
        };
        const lostError = (before: string) => lockLost(u.module, lost ?? 'the server no longer lists it', `stopped before ${before}`);
        let holder: pg.Client | undefined;
        const onError = (e: Error) => onLost(`its session failed: ${e.message}`);
        const onEnd = () => onLost('its session closed');
        try {
          const started = Date.now();
          for (let delay = POLL_FIRST_MS, told = false; ; delay = Math.min(delay * 2, POLL_MAX_MS)) {
            const taken = await work.connection(async (conn) => {
              const row = (await conn.query('SELECT pg_try_advisory_lock($1::bigint) AS ok, pg_backend_pid() AS pid', [lock.key])).rows[0];
              if (row.ok !== true) return undefined;
              // The lock is the session's: a pool that hands each transaction to another server
              // session (PgBouncer's transaction mode) gives the next statement a session without it.
              const next = Number((await conn.query('SELECT pg_backend_pid() AS pid')).rows[0].pid);
              const prepared = serverPids.get(conn);
              if (next !== Number(row.pid) || (prepared !== undefined && next !== prepared)) throw await transactionPool(u.module, target.display, conn, lock.key);
              serverPids.set(conn, next);
              return conn;
            });
            if (taken) {
              holder = taken;
              break;
            }
            if (!told) {
              options.onWait?.(await work.connection((conn) => lockHolder(conn, lock)));
              told = true;
            }
            const left = options.timeoutMs > 0 ? started + options.timeoutMs - Date.now() : Infinity;
            if (left <= 0) {
              const h = await work.connection((conn) => lockHolder(conn, lock));
              throw new BulkheadError(
                problem('BH021', `lock of module ${u.module} still held after ${options.timeoutMs} ms${h ? ` by ${describeHolder(h)}` : ''}`, {
                  module: u.module,
                  fix: 'wait for the other runner to finish, or raise --lock-timeout; the server releases the lock when that session ends',
                }),
              );
            }
            await sleep(Math.min(left, delay * (0.5 + Math.random())));
          }
          holder.on('error', onError);
          holder.on('end', onEnd);
          const pid = backendPid(holder);
          const held = `EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid = pg_backend_pid() AND classid = ${lock.classid}::oid AND objid = ${lock.objid}::oid AND objsubid = 1)`;
          const raise = (why: string) => `RAISE EXCEPTION USING ERRCODE = 'BHLST', MESSAGE = ${literal(why)}`;
          const guard: LockGuard = {
            check(before) {
              if (lost) throw lostError(before);
            },
            async verify(q, before) {
              if (lost) throw lostError(before);
              const r = await q.query(`SELECT pg_backend_pid() AS pid, ${held} AS held`);
              const row = r.rows[0];
              if (row.pid !== pid) onLost(`its session closed: this connection (pid ${row.pid}) is not the one that took it (pid ${pid})`);
              else if (row.held !== true) onLost('the server no longer lists it');
              if (lost) throw lostError(before);
            },
            async fence(trx) {
              await trx.raw('SELECT pg_advisory_xact_lock(?::bigint)', [lock.fence]);
            },
            fenceSql: `SELECT pg_advisory_xact_lock(${lock.fence}::bigint)`,
            // Their messages are the reason a runner reports (BH036).
            sessionSql: `DO $bulkhead$ BEGIN IF pg_backend_pid() <> ${pid} THEN ${raise(`this session is not the one that took it (pid ${pid}): the connection was made again, or a connection pool in transaction mode (PgBouncer, Supavisor) handed the statement to another server session`)}; END IF; END $bulkhead$`,
            heldSql: `DO $bulkhead$ BEGIN IF NOT ${held} THEN ${raise('the server no longer lists it')}; END IF; END $bulkhead$`,
            async blockersOf(blocked) {
              if (lost) return [];
              const conn = await sideSession();
              const r = await conn.query(
                `SELECT pid, application_name, state, query_start, query FROM pg_stat_activity
                  WHERE pid = ANY (pg_blocking_pids($1::int)) ORDER BY query_start NULLS LAST`,
                [blocked],
              );
              return r.rows.map((row) => ({
                pid: row.pid,
                application: row.application_name || '(no application_name)',
                state: row.state ?? 'unknown',
                queryStart: row.query_start ? new Date(row.query_start).toISOString() : undefined,
                query: shortenSql(row.query ?? '', 160),
              }));
            },
          };
          return await fn(guard);
        } finally {
          if (holder) {
            holder.off('error', onError);
            holder.off('end', onEnd);
            // Released on the session that holds it (a session that died took the lock with it).
            // A session that could not release it is never used again: the next use opens another.
            const released =
              !lost &&
              (await work
                .connection(async (conn) => conn === holder && (await conn.query('SELECT pg_advisory_unlock($1::bigint) AS ok', [lock.key])).rows[0].ok === true)
                .catch(() => false));
            if (!released) (holder as RawConnection).__knex__disposed ??= 'the module lock was not released on it';
          }
        }
      },
    };
  };
  return bind(o);
}

/** A runner lost its module lock (BH036): why, and what it did about it. */
export function lockLost(module: string, why: string, outcome: string): BulkheadError {
  return new BulkheadError(
    problem('BH036', `lost the lock of module ${module} (${why}); ${outcome}`, {
      module,
      fix: 'another runner may now hold the lock; check the connection to the server (restarts, proxies closing idle connections), and that no migration releases advisory locks itself (pg_advisory_unlock_all, DISCARD ALL: the module lock is one), then run again: what was committed stays, the rest is still pending',
    }),
  );
}

/**
 * The server process a connection's session runs in, as the server says (pg_backend_pid(), read
 * when the connection was prepared). Not the driver's processID: behind a connection pool
 * (PgBouncer, Supavisor, RDS Proxy) that is the pool's own number, which no server process has.
 */
export function backendPid(conn: pg.Client): number {
  return serverPids.get(conn) ?? (conn as unknown as { processID: number }).processID;
}

/** Each prepared connection's server process (backendPid). */
const serverPids = new WeakMap<pg.Client, number>();

/**
 * The module lock was taken through a connection pool in transaction mode (PgBouncer's
 * pool_mode=transaction, Supavisor's port 6543, Neon's -pooler host): the next statement ran in
 * another server session, which does not hold it. Its release is tried (it reaches whichever
 * session the pool picks); the pool's session keeps it otherwise until the pool closes it.
 */
async function transactionPool(module: string, display: string, conn: pg.Client, key: string): Promise<BulkheadError> {
  await conn.query('SELECT pg_advisory_unlock($1::bigint)', [key]).catch(() => undefined);
  (conn as RawConnection).__knex__disposed ??= 'a connection pool in transaction mode';
  return new BulkheadError(transactionPoolProblem(module, display, 'a connection pool in transaction mode: PgBouncer, Supavisor, pgcat'));
}

/** BH071 for a URL known to reach a pool in transaction mode (db/url.ts transactionPoolOf), before connecting. */
export function knownTransactionPool(module: string, target: Extract<DatabaseTarget, { kind: 'postgres' }>, file?: string): Problem | undefined {
  const what = transactionPoolOf(target);
  return what ? transactionPoolProblem(module, target.display, what, file) : undefined;
}

/** BH071: the module's URL reaches a pool in transaction mode (`what`: which, as known). */
function transactionPoolProblem(module: string, display: string, what: string, file?: string) {
  return problem('BH071', `${display} hands each transaction to another server session (${what}): the module lock of ${module} and its session settings, a session's, would not stay with the session that runs its migrations`, {
    module,
    ...(file ? { file } : {}),
    field: 'database.url',
    fix: "point the module at the database directly, or at a pool in session mode (PgBouncer's pool_mode=session; Supabase's session pooler, port 5432; Neon's host without -pooler), as other migration tools need too (Prisma's directUrl)",
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}


async function lockHolder(conn: pg.Client, lock: { classid: number; objid: number }): Promise<LockHolder | undefined> {
  const r = await conn.query(
    // Where it connects from, when that is another host (a runner elsewhere): its name in
    // messages is what it runs (`bulkhead up <unit> <id>` inside a migration), not who runs it.
    `SELECT a.pid, a.application_name, a.backend_start,
            CASE WHEN a.client_addr IS NULL OR a.client_addr = ANY ('{127.0.0.1,::1}'::inet[]) THEN NULL ELSE coalesce(a.client_hostname, host(a.client_addr)) END AS from
       FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
      WHERE l.locktype = 'advisory' AND l.granted AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
        AND l.classid = $1::oid AND l.objid = $2::oid AND l.objsubid = 1
      LIMIT 1`,
    [lock.classid, lock.objid],
  );
  const row = r.rows[0];
  return row ? { application: row.application_name || '(no application_name)', pid: row.pid, since: new Date(row.backend_start).toISOString(), ...(row.from ? { from: row.from } : {}) } : undefined;
}

type PostgresTarget = Extract<DatabaseTarget, { kind: 'postgres' }>;

/**
 * The fix for a database that does not exist: the createdb command for it (no password; createdb
 * keeps the name as given), and, for a name with capitals, that an unquoted CREATE DATABASE made
 * another one: "RsX" is one database, rsx another.
 */
function missingDatabaseFix(t: PostgresTarget, module: string | undefined): string {
  const capitals = t.database !== t.database.toLowerCase();
  return `create the database${module ? ` with bulkhead db create ${module} (owned by a role of its own, its declared extensions made; --admin-url if this user may not create databases), or by hand` : ''} (createdb -h ${shellWord(t.host)} -p ${t.port}${t.user ? ` -U ${shellWord(t.user)}` : ''} ${shellWord(t.database)}) or fix the database name in the URL${capitals ? `; a name with capitals is its own: CREATE DATABASE ${t.database} without quotes would make ${t.database.toLowerCase()}, so create it quoted (CREATE DATABASE "${t.database}") or write the URL in lowercase` : ''}`;
}

/** A module's failed connection, told together with the others that failed on one server for one reason (groupAlike). */
interface Unreachable {
  module: string;
  database: string;
  server: string;
  reason: string;
}

function connectError(o: PostgresOptions, target: PostgresTarget, e: unknown): BulkheadError {
  const err = e as { code?: string; message?: string };
  const server = `${target.host}:${target.port}`;
  const missing = err.code === INVALID_CATALOG_NAME;
  const reason = timedOut(err) ? noAnswer(target.url) : (err.message ?? String(e));
  const fix = timedOut(err)
    ? `check host and port in the URL, and that no firewall drops the connection; a slow network may need more time: ?connect_timeout=30 in the URL, or PGCONNECT_TIMEOUT=30 (0 waits forever)`
    : missing
      ? missingDatabaseFix(target, o.module)
      : err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN'
        ? `no address is known for the host name ${target.host}${err.code === 'EAI_AGAIN' ? ' (the name server did not answer: try again)' : ''}: fix the host in the URL (a typo, or a name only another network or container knows); set the module URL variable to point elsewhere`
        : err.code === 'ECONNREFUSED'
          ? 'start the server or fix host and port in the URL; set the module URL variable to point elsewhere'
          : /no PostgreSQL user name specified/i.test(err.message ?? '')
            ? 'the URL names no user (and this environment gives none): write one, postgres://<user>@host:5432/<database>'
            : err.code === '28P01' || err.code === '28000'
              ? 'check the user and password in the URL'
            : /does not support SSL/i.test(err.message ?? '')
              ? 'the server does not take encrypted connections: write sslmode=disable in the URL for it (or sslmode=prefer, which falls back to an unencrypted connection), or turn ssl on in the server'
              : 'check the URL and that the server accepts connections';
  const p = problem('BH020', `cannot connect to ${target.display}: ${reason}`, { module: o.module, file: o.file, field: 'database.url', fix });
  // Modules of a workspace of hundreds on a server that is down, or new: one problem where told together.
  const data: Unreachable = { module: o.module ?? '', database: target.database, server, reason };
  markAlike(p, `unreachable\u0000${server}\u0000${missing ? 'missing' : `${reason}\u0000${fix}`}`, data, (all) => unreachableTogether(all, missing, fix), { textOnly: true });
  return new BulkheadError(p, { cause: e });
}

function unreachableTogether(all: readonly Alike<Unreachable>[], missing: boolean, fix: string): Problem {
  const each = [...all].map((a) => a.data).sort((a, b) => a.module.localeCompare(b.module));
  const list = (names: string[]) => (names.length > 8 ? `${names.slice(0, 8).join(', ')}, … (--json lists each)` : names.join(', '));
  if (missing) {
    return problem('BH020', `the databases of ${each.length} modules do not exist on ${each[0]!.server}: ${list(each.map((u) => `${u.module} (${u.database})`))}`, {
      fix: 'create them with bulkhead db create (each owned by a role of its own; --admin-url if your user may not create databases), or fix the database names in the URLs',
    });
  }
  return problem('BH020', `${each.length} modules cannot connect (${list(each.map((u) => u.module))}): ${each[0]!.reason}`, { fix });
}
