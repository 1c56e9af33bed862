import type { Knex } from 'knex';
import type pg from 'pg';
import type { Unit } from '../plan/units.js';
import type { Reporter } from '../runner/events.js';
import { commandUse } from './command-use.js';
import { loadPg } from './driver.js';
import { openUnitDb, type OpenOptions } from './open.js';
import { sessionResetSql } from './postgres.js';
import type { LockGuard, LockOptions, ModuleDb } from './types.js';

/**
 * The connections of one command, scoped: every database opened through a pool is closed when
 * the pool's scope ends (`withTargets`), whatever happened. A server database is opened when
 * used and closed after it, except a few kept for the next use of their URL (the run after the
 * pre-run read), so a hundred units never hold a hundred connections while they wait. An
 * embedded (PGlite) folder takes seconds to open and has one session: it stays open for the
 * scope, is shared by the units that live in it (schema tenants), and they run one at a time.
 */
export interface TargetPool {
  /** Open (or share) the unit's database; pair with `release`, or use `withTarget`. */
  acquire(unit: Unit, o?: Partial<OpenOptions>): Promise<ModuleDb>;
  release(db: ModuleDb): Promise<void>;
  /** Close the embedded databases of these units now (they are done), instead of at scope end. */
  closeEmbedded(units: readonly Unit[]): Promise<void>;
  /**
   * The run starts: connections kept from the pre-run read beyond `spare` (what the server has
   * left once the run's units are in flight) are closed, and from now on a released connection is
   * kept only for the next schema tenant of its database.
   */
  beginRun(spare: number): Promise<void>;
  /**
   * Start connecting to these units' servers now, while the caller does other work (the
   * migrations' analysis): the first `acquire` of each URL takes that connection. At most as many
   * as `keepIdle`; embedded databases are never opened ahead (opening one creates its folder). A
   * connection that fails is that `acquire`'s failure (it does not try again). Resolves once the
   * connections are under way (the driver loaded, the sockets opening): the caller's synchronous
   * work started before that would hold them back until it ends.
   */
  warm(units: readonly Unit[]): Promise<void>;
}

/** Released connections a command that only reads (commandUse) keeps for the next unit of their URL. */
const READ_ONLY_KEEP_IDLE = 4;

/**
 * Run `fn` with a pool of connections; everything it opened is closed when `fn` ends. With
 * `keepIdle`, that many released server connections are kept for a next use of their URL (a
 * run after its pre-run read) until `beginRun`; schema tenants' always are.
 */
export async function withTargets<T>(defaults: OpenOptions & { reporter?: Reporter; keepIdle?: number }, fn: (pool: TargetPool) => Promise<T>): Promise<T> {
  /** Embedded databases by folder, each opened once for the scope. */
  const embedded = new Map<string, Promise<ModuleDb>>();
  const open = new Set<ModuleDb>();
  /** Views of an embedded database (one per unit in it): released with the scope, not one by one. */
  const views = new WeakSet<ModuleDb>();
  /** Server connections idle between uses, by URL; and which one each view uses. */
  const idle = new Map<string, ModuleDb[]>();
  const reused = new Map<ModuleDb, { base: ModuleDb; url: string; shared: boolean }>();
  /** How many released connections are kept for a next use (besides schema tenants'); none once a run begins. */
  let keepIdle = defaults.keepIdle ?? (commandUse(defaults.command).readsOnly ? READ_ONLY_KEEP_IDLE : 0);
  /** Server connections opened ahead of their first use (`warm`), by unit. */
  const warming = new Map<string, Promise<ModuleDb>>();
  const optionsFor = (unit: Unit, o?: Partial<OpenOptions>): OpenOptions => {
    const { reporter, keepIdle: _keep, ...rest } = defaults;
    return { onWait: (h) => reporter?.lockWait?.(unit.id, h), onConnectWait: (why) => reporter?.connectWait?.(unit.id, why), ...rest, ...o };
  };
  const closeShared = async (key: string) => {
    const db = embedded.get(key);
    if (!db) return;
    embedded.delete(key);
    await (await db.catch(() => undefined))?.close().catch(() => undefined);
  };
  const pool: TargetPool = {
    async acquire(unit, o) {
      const options = optionsFor(unit, o);
      if (unit.target.kind === 'pglite') {
        const key = unit.target.dir ?? `memory:${unit.module.name}`;
        let opening = embedded.get(key);
        if (!opening) {
          opening = openUnitDb(unit, options);
          embedded.set(key, opening);
          opening.catch(() => embedded.delete(key));
        }
        const base = await opening;
        // The folder's one session, with this unit's schema as its search path.
        const view: ModuleDb = Object.create(base, { sessionReset: { value: sessionResetSql(unit.schema, { server: false }) } });
        views.add(view);
        return view;
      }
      // A server connection freed by one use serves the next use of the same URL: the run after
      // the pre-run read, or the next schema tenant of a database.
      let base = idle.get(unit.target.url)?.pop();
      // Opened ahead for this unit: its connection, or why it could not be had (not a second try).
      const warmed = base === undefined && o === undefined ? warming.get(unit.id) : undefined;
      if (warmed) {
        warming.delete(unit.id);
        base = await warmed;
      }
      base ??= await openUnitDb(unit, options);
      open.add(base);
      const view = base.rebind!({ module: unit.id, schema: unit.schema, history: unit.history });
      reused.set(view, { base, url: unit.target.url, shared: unit.tenant !== undefined && unit.module.manifest.tenants?.kind === 'schema' });
      return view;
    },
    async release(db) {
      if (views.has(db)) return; // shared: closed with the scope (or closeEmbedded)
      const use = reused.get(db);
      if (!use) return;
      reused.delete(db);
      // Schema tenants' connections are always kept (their database is used again at once);
      // otherwise a few, so that a hundred waiting units never hold a hundred connections.
      const kept = [...idle.values()].reduce((n, l) => n + l.length, 0);
      if (use.shared || kept < keepIdle) {
        (idle.get(use.url) ?? idle.set(use.url, []).get(use.url)!).push(use.base);
        return;
      }
      open.delete(use.base);
      await use.base.close().catch(() => undefined);
    },
    async beginRun(spare) {
      keepIdle = 0;
      const all = [...idle.values()].flat();
      const extra = all.slice(Math.max(0, spare));
      for (const [url, list] of idle) idle.set(url, list.filter((db) => !extra.includes(db)));
      for (const db of extra) open.delete(db);
      await Promise.all(extra.map((db) => db.close().catch(() => undefined)));
    },
    async warm(units) {
      const before = warming.size;
      for (const unit of units) {
        if (warming.size >= Math.max(1, keepIdle)) break;
        if (unit.target.kind !== 'postgres' || warming.has(unit.id) || idle.get(unit.target.url)?.length) continue;
        const opening = openUnitDb(unit, optionsFor(unit)).then((db) => (open.add(db), db));
        // Its failure is the acquire's to report; unacquired, nobody's.
        opening.catch(() => undefined);
        warming.set(unit.id, opening);
      }
      if (warming.size === before) return;
      await loadPg();
      // The driver's connect() opens its socket on a later tick: a turn of the event loop.
      await new Promise((resolve) => setImmediate(resolve));
    },
    async closeEmbedded(units) {
      for (const u of units) if (u.target.kind === 'pglite') await closeShared(u.target.dir ?? `memory:${u.module.name}`);
    },
  };
  try {
    return await fn(pool);
  } finally {
    // Connections warmed and never taken: closed with the rest once open. One still connecting
    // (a server that does not answer) is not waited for past a moment; it closes when it opens.
    const unused = [...warming.values()].map((w) =>
      w.then(
        (db) => (open.delete(db), db.close().catch(() => undefined)),
        () => undefined,
      ),
    );
    warming.clear();
    await Promise.race([Promise.all(unused), new Promise((resolve) => setTimeout(resolve, 50).unref())]);
    await Promise.all([...open].map((db) => db.close().catch(() => undefined)));
    await Promise.all([...embedded.keys()].map(closeShared));
  }
}

/** The unit's database for the duration of `fn`. */
export async function withTarget<T>(pool: TargetPool, unit: Unit, fn: (db: ModuleDb) => Promise<T>, o?: Partial<OpenOptions>): Promise<T> {
  const db = await pool.acquire(unit, o);
  try {
    return await fn(db);
  } finally {
    await pool.release(db);
  }
}

/** Hold the unit's lock for the duration of `fn` (SPEC §7; see ModuleDb.withModuleLock). */
export function withModuleLock<T>(db: ModuleDb, o: LockOptions, fn: (guard: LockGuard) => Promise<T>): Promise<T> {
  return db.withModuleLock(fn, o);
}

/**
 * The unit's database with its lock held, for the duration of `fn`: how a command that writes
 * history rows outside a run (repair, baseline) takes a unit. A wait for the lock is reported.
 */
export function withUnitLock<T>(pool: TargetPool, unit: Unit, o: { lockTimeoutMs: number; reporter?: Reporter }, fn: (db: ModuleDb, guard: LockGuard) => Promise<T>): Promise<T> {
  return withTarget(pool, unit, (db) => withModuleLock(db, { timeoutMs: o.lockTimeoutMs, onWait: (h) => o.reporter?.lockWait?.(unit.id, h) }, (guard) => fn(db, guard)));
}

/**
 * One connection of the unit's pool for the duration of `fn`, as the driver's client: SQL sent
 * through it goes as written (knex would take every `?`, jsonb's operator included, for a binding).
 */
export function withConnection<T>(db: ModuleDb, fn: (conn: pg.Client) => Promise<T>): Promise<T> {
  return db.connection(fn);
}

/**
 * One transaction on the unit's connection (or on `connection`, one already taken from its
 * pool): committed when `fn` returns, rolled back when it throws.
 */
export function withTransaction<T>(db: ModuleDb, fn: (trx: Knex.Transaction) => Promise<T>, o: { connection?: unknown } = {}): Promise<T> {
  return db.knex.transaction(fn, o.connection === undefined ? undefined : { connection: o.connection });
}
