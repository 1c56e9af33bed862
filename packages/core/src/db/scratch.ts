import { createHash, randomBytes } from 'node:crypto';
import os from 'node:os';
import type pg from 'pg';
import { BulkheadError, problem } from '../errors.js';
import { regexLiteral } from '../text.js';
import type { Unit } from '../plan/units.js';
import { openUnitDb } from './open.js';
import { provisionSql } from './provision.js';
import { ident, literal } from './postgres.js';
import { withClient } from './client.js';
import { parseDatabaseUrl, withDatabase, type DatabaseTarget } from './url.js';
import type { ModuleDb } from './types.js';
import { processAlive } from './process.js';
import { onInterrupt } from './interrupt.js';
import { INSUFFICIENT_PRIVILEGE, INVALID_CATALOG_NAME } from './sqlstate.js';
import { sourceText } from '../migrations/files.js';

/** Every scratch database is named `bulkhead_scratch_<host>_<pid>_<random>`: whose it is, so leftovers of dead processes can be swept. */
const PREFIX = 'bulkhead_scratch_';
const HOST = createHash('sha256').update(os.hostname()).digest('hex').slice(0, 6);

export interface ScratchOptions {
  /** Command name, part of `application_name`. */
  command: string;
  /**
   * A server to create the scratch database on instead of the unit's own (`--server <url>`):
   * where the unit's role may not create databases, or to test on another PostgreSQL version.
   */
  server?: string;
  /** Workspace root (resolves a relative `pglite://` server). */
  root?: string;
}

/** A scratch copy of a unit's target: same module, schema and history table; an empty database with the unit's schema. */
export interface Scratch {
  unit: Unit;
  db: ModuleDb;
}

/**
 * Run `fn` on a new, empty database made for it, and drop that database afterwards — also when
 * `fn` throws, the connection is lost, or the process is interrupted (SIGINT, SIGTERM). On a
 * server the database is created next to the unit's own (or on `server`); an embedded unit
 * gets an in-memory PGlite. Leftovers of processes that died without dropping theirs (SIGKILL)
 * are swept on this host the next time one is created.
 */
export async function withScratchDatabase<T>(unit: Unit, o: ScratchOptions, fn: (scratch: Scratch) => Promise<T>): Promise<T> {
  const base: DatabaseTarget = o.server ? parseDatabaseUrl(o.server, o.root ?? process.cwd()) : unit.target;
  if (base.kind === 'pglite') {
    const memory: DatabaseTarget = { kind: 'pglite', url: 'pglite://memory', display: 'pglite://memory (scratch)', dir: undefined };
    const scratchUnit: Unit = Object.freeze({ ...unit, target: memory });
    const db = await openUnitDb(scratchUnit, { command: o.command, lockTimeoutMs: 0 });
    try {
      await createSchema(db, unit.schema);
      return await fn({ unit: scratchUnit, db });
    } finally {
      await db.close().catch(() => undefined);
    }
  }
  const name = `${PREFIX}${HOST}_${process.pid}_${randomBytes(4).toString('hex')}`;
  const via = await sweepAndCreate(base, name, unit, { fallback: !o.server });
  // Roles are the server's, not the database's: those the module's migrations made on the
  // scratch database would outlive it (supabase/storage's create anon, authenticated, …).
  let rolesBefore: ReadonlySet<string> | undefined;
  /** Roles that appeared meanwhile (read before the scratch database's session closes); undefined: not known, look again. */
  let rolesMade: string[] | undefined;
  const drop = async () => {
    await dropDatabase(via, name);
    if (rolesBefore && rolesMade?.length !== 0) await dropRolesMadeBy(via, rolesBefore, unit).catch(() => undefined);
  };
  // Dropped on Ctrl-C / SIGTERM too, before the process exits.
  const forget = onInterrupt({ cleanup: drop });
  let db: ModuleDb | undefined;
  try {
    const scratchUnit: Unit = Object.freeze({ ...unit, target: withDatabase(base, name) });
    db = await openUnitDb(scratchUnit, { command: o.command, lockTimeoutMs: 0 });
    rolesBefore = new Set((await db.query('SELECT rolname FROM pg_catalog.pg_roles')).rows.map((r: { rolname: string }) => r.rolname));
    await createSchema(db, unit.schema);
    // What db create gave the module's own database (an embedded scratch gets it when it opens).
    const provision = provisionSql(unit.module);
    if (provision.length) await db.query(provision.join(';\n'));
    return await fn({ unit: scratchUnit, db });
  } finally {
    // Most runs make no role: then no session is opened to look again after the drop.
    if (db && rolesBefore) rolesMade = await newRoles(db, rolesBefore).catch(() => undefined);
    await db?.close().catch(() => undefined);
    forget();
    await drop();
  }
}

async function newRoles(q: { query(text: string): Promise<pg.QueryResult> }, before: ReadonlySet<string>): Promise<string[]> {
  return (await q.query('SELECT rolname FROM pg_catalog.pg_roles')).rows.map((r: { rolname: string }) => r.rolname).filter((r) => !before.has(r));
}

/**
 * Drop the roles that appeared on the server while a scratch database of `unit` was in use and
 * that its migrations name (CREATE ROLE in them, or in a DO block or TS migration: their text
 * names the role) — once the scratch database is gone, so nothing there depends on them. A role
 * that still owns or was granted something elsewhere (another session made it meanwhile, and
 * uses it) cannot be dropped, and stays.
 */
async function dropRolesMadeBy(base: PgTarget, before: ReadonlySet<string>, unit: Unit): Promise<void> {
  await admin(base, async (c) => {
    const made = await newRoles(c, before);
    if (!made.length) return;
    const texts = unit.module.migrations.map((m) => (m.sql ? `${m.sql.up}\n${m.sql.down ?? ''}` : sourceText(m.upPath)));
    for (const role of made) {
      const named = new RegExp(`(?<![\\w$])${regexLiteral(role)}(?![\\w$])`, 'i');
      if (texts.some((t) => named.test(t))) await c.query(`DROP ROLE ${ident(role)}`).catch(() => undefined);
    }
  });
}

/** Create a schema a unit lives in (schema mode) on a scratch database; `public` exists already. */
export async function createSchema(db: ModuleDb, schema: string): Promise<void> {
  if (schema !== 'public') await db.knex.raw(`CREATE SCHEMA IF NOT EXISTS ${ident(schema)}`);
}

function admin<T>(base: Extract<DatabaseTarget, { kind: 'postgres' }>, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  return withClient(base.url, 'scratch', fn);
}

type PgTarget = Extract<DatabaseTarget, { kind: 'postgres' }>;

/**
 * Create the scratch database through a connection to the unit's own database or, where that one
 * does not exist yet (lint --trace or verify before db create, as in CI), to the server's
 * postgres or template1 database, as createdb does — not for a --server URL, which says where
 * (a wrong database there is told). Returns the target the connection reached.
 */
async function sweepAndCreate(base: PgTarget, name: string, unit: Unit, o: { fallback: boolean }): Promise<PgTarget> {
  const candidates = [base, ...(o.fallback ? ['postgres', 'template1'] : []).filter((d) => d !== base.database).map((d) => withDatabase(base, d) as PgTarget)];
  for (const [i, target] of candidates.entries()) {
    try {
      await createVia(target, name, unit);
      return target;
    } catch (e) {
      const missing = (e as { cause?: { code?: string } }).cause?.code === INVALID_CATALOG_NAME;
      if (!missing || i === candidates.length - 1) throw e;
    }
  }
  throw new Error('unreachable');
}

async function createVia(base: PgTarget, name: string, unit: Unit): Promise<void> {
  await admin(base, async (c) => {
    const mine = await c.query(`SELECT datname FROM pg_database WHERE datname LIKE $1`, [`${PREFIX}${HOST}\\_%`]);
    for (const { datname } of mine.rows as { datname: string }[]) {
      const pid = scratchCreatorPid(datname);
      if (pid && !processAlive(pid)) await dropWith(c, datname).catch(() => undefined);
    }
    try {
      await c.query(`CREATE DATABASE ${ident(name)} TEMPLATE template0`);
      await c.query(`COMMENT ON DATABASE ${ident(name)} IS ${literal(`bulkhead scratch database of ${unit.id}, pid ${process.pid} on ${os.hostname()}; dropped when that run ends`)}`);
      // Thrown away after the run: its commits need not wait for the disk.
      await c.query(`ALTER DATABASE ${ident(name)} SET synchronous_commit = off`);
    } catch (e) {
      const err = e as { code?: string; message: string };
      if (err.code === INSUFFICIENT_PRIVILEGE) {
        throw new BulkheadError(
          problem('BH041', `cannot create a scratch database for ${unit.id} on ${base.display}: ${err.message}`, {
            module: unit.module.name,
            file: unit.module.file,
            fix: `give a server where the role may create databases: --server <url> (e.g. a local PostgreSQL), or ALTER ROLE ${base.user ?? '<role>'} CREATEDB`,
          }),
          { cause: e },
        );
      }
      throw e;
    }
  }).catch((e: unknown) => {
    if (e instanceof BulkheadError) throw e;
    // The server itself cannot be reached (a wrong --server URL, a database name that does not exist).
    throw new BulkheadError(
      problem('BH041', `cannot create a scratch database for ${unit.id} on ${base.display}: ${(e as Error).message}`, {
        module: unit.module.name,
        file: unit.module.file,
        fix: 'check the server URL (--server, or the module\'s own): it must reach a running PostgreSQL and an existing database such as postgres',
      }),
      { cause: e },
    );
  });
}

/** Drop a scratch database, retrying a few times when the server is briefly unreachable (a lost connection, a restart). */
async function dropDatabase(base: PgTarget, name: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await admin(base, (c) => dropWith(c, name));
      return;
    } catch (e) {
      if (attempt >= 5) throw e;
      await new Promise((r) => setTimeout(r, 200 * attempt));
    }
  }
}

async function dropWith(c: pg.Client, name: string): Promise<void> {
  const v = Number((await c.query(`SELECT current_setting('server_version_num')::int AS v`)).rows[0].v);
  if (v >= 130000) {
    await c.query(`DROP DATABASE IF EXISTS ${ident(name)} WITH (FORCE)`);
    return;
  }
  await c.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`, [name]);
  await c.query(`DROP DATABASE IF EXISTS ${ident(name)}`);
}


/** The process that created a scratch database (on the host its name carries), from its name. */
export function scratchCreatorPid(name: string): number | undefined {
  const pid = Number(/_(\d+)_[0-9a-f]+$/.exec(name)?.[1]);
  return pid > 0 ? pid : undefined;
}

/** Scratch databases on a server: their names, for tests and sweeps. */
export async function listScratchDatabases(url: string): Promise<string[]> {
  const base = parseDatabaseUrl(url, process.cwd());
  if (base.kind !== 'postgres') return [];
  return admin(base, async (c) => (await c.query(`SELECT datname FROM pg_database WHERE datname LIKE $1 ORDER BY 1`, [`${PREFIX}%`])).rows.map((r) => r.datname as string));
}
