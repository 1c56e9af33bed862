/**
 * The engine's scoped resources and history store, on a real server: scratch databases are
 * always dropped; a history table written by 0.1 is upgraded in place; a newer layout is refused;
 * a module connection reads without knex, and knex takes over its session; the module lock is
 * held by that session.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { inject } from 'vitest';
import { HISTORY_LAYOUT, listScratchDatabases, loadWorkspace, moduleUnit, withModuleLock, withScratchDatabase, withTarget, withTargets } from '@bulkhead/core';
import { CLI, createDatabase, makeWorkspace, processAlive, query, REPO, runCli, waitFor, type Fixture } from '../support/fixtures.js';

let fx: Fixture | undefined;
afterEach(() => {
  fx?.cleanup();
  fx = undefined;
});

const MIGRATIONS = {
  '001_a.up.sql': 'CREATE TABLE a (id int PRIMARY KEY);\n',
  '001_a.down.sql': 'DROP TABLE a;\n',
  '002_b.up.sql': 'CREATE TABLE b (id int PRIMARY KEY);\n',
  '002_b.down.sql': 'DROP TABLE b;\n',
};

/** The history table exactly as Bulkhead 0.1 created it. */
const LAYOUT_1 = `CREATE TABLE svc_migrations (
  id text PRIMARY KEY, name text NOT NULL, checksum text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now(), duration_ms integer NOT NULL,
  applied_by text NOT NULL DEFAULT current_user, run_id uuid NOT NULL, bulkhead_version text NOT NULL)`;

describe('history store', () => {
  it('a history table written by 0.1 is read as it is, and upgraded in place by the next up', async () => {
    const url = await createDatabase();
    fx = makeWorkspace([{ name: 'svc', url: '${SVC_URL}', migrations: MIGRATIONS }]);
    const env = { SVC_URL: url };
    // Applied by 0.1: 001_a, with its real checksum (taken from a run on a scratch copy).
    const probe = await createDatabase();
    expect((await runCli(['up', '--to', '001_a'], { cwd: fx.root, env: { SVC_URL: probe } })).exitCode).toBe(0);
    const [applied] = await query<{ checksum: string }>(probe, 'SELECT checksum FROM svc_migrations');
    await query(url, `${LAYOUT_1}; CREATE TABLE a (id int PRIMARY KEY)`);
    await query(url, `INSERT INTO svc_migrations (id, name, checksum, duration_ms, run_id, bulkhead_version) VALUES ('001_a', 'a', $1, 3, '00000000-0000-4000-8000-000000000001', '0.1.0')`, [applied!.checksum]);

    const st = await runCli(['status', '--json'], { cwd: fx.root, env });
    expect(st.exitCode).toBe(0);
    expect(st.json.modules[0]).toMatchObject({ applied: [{ id: '001_a', runId: '00000000-0000-4000-8000-000000000001' }], pending: ['002_b'] });
    // Reading never changes the table.
    expect(await query(url, `SELECT obj_description('svc_migrations'::regclass) AS c`)).toEqual([{ c: null }]);

    const up = await runCli(['up', '--json'], { cwd: fx.root, env });
    expect(up.exitCode, up.stderr).toBe(0);
    expect(up.json.modules[0].migrations.map((m: any) => m.id)).toEqual(['002_b']);
    const columns = (await query<{ c: string }>(url, `SELECT column_name AS c FROM information_schema.columns WHERE table_name = 'svc_migrations' ORDER BY ordinal_position`)).map((r) => r.c);
    expect(columns).toEqual(['id', 'name', 'checksum', 'applied_at', 'duration_ms', 'applied_by', 'run_id', 'bulkhead_version', 'kind', 'reason']);
    expect(await query(url, `SELECT id, kind, reason, bulkhead_version FROM svc_migrations ORDER BY id`)).toEqual([
      { id: '001_a', kind: 'apply', reason: null, bulkhead_version: '0.1.0' },
      { id: '002_b', kind: 'apply', reason: null, bulkhead_version: expect.any(String) },
    ]);
    const [comment] = await query<{ c: string }>(url, `SELECT obj_description('svc_migrations'::regclass) AS c`);
    expect(comment!.c).toMatch(new RegExp(`^bulkhead history layout ${HISTORY_LAYOUT}\\b`));
    // A fresh table gets the same layout by the same path.
    const [fresh] = await query<{ c: string }>(probe, `SELECT obj_description('svc_migrations'::regclass) AS c`);
    expect(fresh!.c).toBe(comment!.c);
    const describe = (u: string) =>
      query(u, `SELECT column_name, data_type, is_nullable, column_default FROM information_schema.columns WHERE table_name = 'svc_migrations' ORDER BY ordinal_position`);
    expect(await describe(probe)).toEqual(await describe(url));
  });

  it('a history table of a newer layout is refused (exit 2) and left alone', async () => {
    const url = await createDatabase();
    fx = makeWorkspace([{ name: 'svc', url: '${SVC_URL}', migrations: MIGRATIONS }]);
    await query(url, `${LAYOUT_1}; COMMENT ON TABLE svc_migrations IS 'bulkhead history layout ${HISTORY_LAYOUT + 1}: from the future'`);
    for (const args of [['up'], ['status'], ['down', 'svc']]) {
      const r = await runCli(args, { cwd: fx.root, env: { SVC_URL: url } });
      expect(r.exitCode, args.join(' ')).toBe(2);
      expect(r.stderr).toContain(`BH042`);
      expect(r.stderr).toContain(`has layout ${HISTORY_LAYOUT + 1}, written by a newer Bulkhead`);
    }
    expect(await query(url, `SELECT to_regclass('a') AS t`)).toEqual([{ t: null }]);
  });
});

describe('withScratchDatabase', () => {
  const unitOn = (url: string) => {
    fx?.cleanup(); // a test that asks for a second unit: afterEach removes only the last workspace
    fx = makeWorkspace([{ name: 'svc', url, migrations: MIGRATIONS }]);
    const ws = loadWorkspace({ cwd: fx.root });
    expect(ws.problems).toEqual([]);
    return moduleUnit(ws.byName.get('svc')!);
  };
  const mine = async () => (await listScratchDatabases(inject('pgAdminUrl'))).filter((n) => n.includes(`_${process.pid}_`));

  it('creates an empty database on the unit’s server and drops it after success and after a failure', async () => {
    const unit = unitOn(await createDatabase());
    const seen = await withScratchDatabase(unit, { command: 'test' }, async ({ db, unit: scratch }) => {
      expect(scratch.target.kind === 'postgres' && scratch.target.database).toMatch(/^bulkhead_scratch_/);
      expect(scratch.module).toBe(unit.module);
      await db.knex.raw('CREATE TABLE t (id int)');
      expect((await db.knex.raw(`SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public'`)).rows[0].n).toBe(1);
      return mine();
    });
    expect(seen).toHaveLength(1);
    expect(await mine()).toEqual([]);
    await expect(
      withScratchDatabase(unit, { command: 'test' }, async () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await mine()).toEqual([]);
  });

  it('is dropped when its connections are terminated midway', async () => {
    const unit = unitOn(await createDatabase());
    await expect(
      withScratchDatabase(unit, { command: 'test' }, async ({ db }) => {
        await db.knex.raw('CREATE TABLE t (id int)');
        const [killed] = await query<{ n: number }>(
          inject('pgAdminUrl'),
          `SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE datname LIKE $1`,
          [`bulkhead\\_scratch\\_%\\_${process.pid}\\_%`],
        );
        expect(killed!.n).toBeGreaterThan(0);
        throw new Error('connection lost');
      }),
    ).rejects.toThrow('connection lost');
    expect(await mine()).toEqual([]);
  });

  it('is dropped when the process is interrupted (SIGINT), and a dead process’s leftover is swept', async () => {
    const url = await createDatabase();
    fx = makeWorkspace([{ name: 'svc', url, migrations: MIGRATIONS }]);
    const { child } = await holdScratch(fx.root);
    const name = (await listScratchDatabases(inject('pgAdminUrl'))).find((n) => n.includes(`_${child.pid}_`));
    expect(name).toBeDefined();
    child.kill('SIGINT');
    const r = await child;
    expect(r.exitCode).toBe(130);
    expect((await listScratchDatabases(inject('pgAdminUrl'))).filter((n) => n.includes(`_${child.pid}_`))).toEqual([]);

    // SIGKILL leaves one behind; the next scratch database on this host sweeps it.
    const { child: killed } = await holdScratch(fx.root);
    killed.kill('SIGKILL');
    await killed;
    expect((await listScratchDatabases(inject('pgAdminUrl'))).filter((n) => n.includes(`_${killed.pid}_`))).toHaveLength(1);
    await withScratchDatabase(moduleUnit(loadWorkspace({ cwd: fx.root }).byName.get('svc')!), { command: 'test' }, async () => undefined);
    await waitFor(async () => (await listScratchDatabases(inject('pgAdminUrl'))).filter((n) => n.includes(`_${killed.pid}_`)).length === 0);
  });

  it('a role without CREATEDB gets BH041 naming --server; an embedded unit gets an in-memory PGlite', async () => {
    const url = await createDatabase();
    const role = `bh_nocreate_${process.pid}`;
    // With a password: the throwaway test server (no server on this machine) asks for one.
    await query(inject('pgAdminUrl'), `DROP ROLE IF EXISTS ${role}; CREATE ROLE ${role} LOGIN NOCREATEDB PASSWORD 'nocreate'`);
    try {
      const u = new URL(url);
      u.username = role;
      u.password = 'nocreate';
      const unit = unitOn(u.toString());
      await expect(withScratchDatabase(unit, { command: 'test' }, async () => undefined)).rejects.toMatchObject({
        problems: [{ code: 'BH041', fix: expect.stringContaining('--server <url>') }],
      });
      // --server: another server (here the admin one) where it may.
      await withScratchDatabase(unit, { command: 'test', server: inject('pgAdminUrl') }, async ({ unit: s }) => {
        expect(s.target.display).toContain('bulkhead_scratch_');
      });
    } finally {
      await query(inject('pgAdminUrl'), `DROP ROLE IF EXISTS ${role}`);
    }
    const embedded = unitOn('pglite://.bulkhead/svc');
    await withScratchDatabase(embedded, { command: 'test' }, async ({ db, unit: s }) => {
      expect(s.target.display).toBe('pglite://memory (scratch)');
      // "In memory" is a throwaway copy of the template folder, removed on close.
      expect(throwawayFolders(process.pid)).toHaveLength(1);
      await db.knex.raw('CREATE TABLE t (id int)');
      // Embedded databases start with small shared buffers (the default costs half a second per start).
      expect((await db.knex.raw('SHOW shared_buffers')).rows).toEqual([{ shared_buffers: '8MB' }]);
    });
    expect(await mine()).toEqual([]);
    expect(throwawayFolders(process.pid)).toEqual([]);
  });

  it('an embedded scratch database\'s folder is removed when the process is interrupted (SIGINT); a dead process\'s is swept', async () => {
    fx = makeWorkspace([{ name: 'svc', url: 'pglite://.bulkhead/svc', migrations: MIGRATIONS }]);
    const start = async () => {
      const held = await holdScratch(fx!.root);
      expect(throwawayFolders(held.child.pid!)).toHaveLength(1);
      return held;
    };
    const { child } = await start();
    child.kill('SIGINT');
    expect((await child).exitCode).toBe(130);
    expect(throwawayFolders(child.pid!)).toEqual([]);
    const { child: killed } = await start();
    killed.kill('SIGKILL');
    await killed;
    expect(throwawayFolders(killed.pid!)).toHaveLength(1);
    await withScratchDatabase(moduleUnit(loadWorkspace({ cwd: fx.root }).byName.get('svc')!), { command: 'test' }, async () => undefined);
    expect(throwawayFolders(killed.pid!)).toEqual([]);
  });
});

/** A process holding a scratch database of module svc of `root` (until killed), once it is made. */
async function holdScratch(root: string) {
  const script = `
    import { loadWorkspace, moduleUnit, withScratchDatabase } from '@bulkhead/core';
    const ws = loadWorkspace({ cwd: ${JSON.stringify(root)} });
    await withScratchDatabase(moduleUnit(ws.byName.get('svc')), { command: 'test' }, async () => {
      console.log('ready');
      await new Promise((r) => setTimeout(r, 60_000));
    });`;
  const child = execa('node', ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: REPO, reject: false });
  await new Promise<void>((resolve) => child.stdout!.on('data', (d) => String(d).includes('ready') && resolve()));
  return { child }; // not the process itself: awaiting it waits for its end
}

describe('embedded template', () => {
  it('a cache that cannot be written: the embedded databases open on a template made for the process, nothing left behind', async () => {
    fx = makeWorkspace([
      { name: 'svc', url: 'pglite://.bulkhead/svc', migrations: { '001_a.up.sql': 'CREATE TABLE a (id int);\n', '001_a.down.sql': 'DROP TABLE a;\n' } },
    ]);
    // A file where the cache folder would be: nothing can be made under it.
    fx.write('not-a-folder', '');
    const env = { BULKHEAD_CACHE_DIR: path.join(fx.root, 'not-a-folder/cache') };
    const before = new Set(throwawayFolders('\\d+'));
    const up = await runCli(['up'], { cwd: fx.root, env });
    expect(up.exitCode, up.stderr).toBe(0);
    expect(up.stderr).toContain('svc: ✓ 1 applied');
    const verify = await runCli(['verify'], { cwd: fx.root, env });
    expect(verify.exitCode, verify.stderr).toBe(0);
    expect(verify.stderr).toContain('reversible');
    // (Another test file's CLI may have one open meanwhile: only those of processes that ended count.)
    const pidOf = (f: string) => Number(/^bulkhead-pglite-[0-9a-f]+-(\d+)-/.exec(f)![1]);
    expect(throwawayFolders('\\d+').filter((f) => !before.has(f) && !processAlive(pidOf(f)))).toEqual([]);
  });
});

/** The throwaway data folders of embedded scratch databases that process `pid` made (in /dev/shm where it has room, else the temporary folder). */
function throwawayFolders(pid: number | string): string[] {
  const names = (dir: string) => (fs.existsSync(dir) ? fs.readdirSync(dir) : []);
  return [...names('/dev/shm'), ...names(os.tmpdir())].filter((n) => new RegExp(`^bulkhead-pglite-[0-9a-f]+-${pid}-`).test(n));
}

describe('module connection', () => {
  it('reads on the driver alone; knex, asked for later, takes over the same session', async () => {
    const url = await createDatabase();
    fx = makeWorkspace([{ name: 'svc', url, migrations: MIGRATIONS, manifest: { database: { url, schema: 'svc' } } }]);
    const ws = loadWorkspace({ cwd: fx.root });
    expect(ws.problems).toEqual([]);
    await withTargets({ command: 'test', lockTimeoutMs: 0 }, (pool) =>
      withTarget(pool, moduleUnit(ws.byName.get('svc')!), async (db) => {
        const first = (await db.query('SELECT pg_backend_pid() AS pid, current_setting($1) AS path', ['search_path'])).rows[0];
        // The session settings were applied when the connection opened (the module's schema first).
        expect(first.path).toBe('"svc", public');
        // knex's pool adopts the open session: no second backend, and the settings are still there.
        expect((await db.knex.raw("SELECT pg_backend_pid() AS pid, current_setting('search_path') AS path")).rows[0]).toEqual(first);
        expect((await db.query('SELECT pg_backend_pid() AS pid')).rows[0].pid).toBe(first.pid);
        const others = await query<{ n: number }>(url, `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE 'bulkhead/%'`);
        expect(others[0]!.n).toBe(1);
      }),
    );
  });

  it('a work connection that died before knex took over is opened again, and knex takes over the new one', async () => {
    const url = await createDatabase();
    fx = makeWorkspace([{ name: 'svc', url, migrations: MIGRATIONS }]);
    const ws = loadWorkspace({ cwd: fx.root });
    await withTargets({ command: 'test', lockTimeoutMs: 0 }, (pool) =>
      withTarget(pool, moduleUnit(ws.byName.get('svc')!), async (db) => {
        const first = (await db.query('SELECT pg_backend_pid() AS pid')).rows[0].pid as number;
        await query(url, 'SELECT pg_terminate_backend($1)', [first]);
        // pg_terminate_backend only signals: wait until the backend is gone (a query sent before
        // that would still succeed on it, and the one after fail).
        for (let i = 0; i < 200 && (await query(url, 'SELECT 1 FROM pg_stat_activity WHERE pid = $1', [first])).length; i++) await new Promise((r) => setTimeout(r, 10));
        // The client learns of it on its next use (or from the server's notice before that).
        await db.query('SELECT 1').catch(() => undefined);
        const second = (await db.query("SELECT pg_backend_pid() AS pid, current_setting('application_name') AS app")).rows[0];
        expect(second.pid).not.toBe(first);
        expect(second.app).toMatch(/^bulkhead\//);
        expect((await db.knex.raw('SELECT pg_backend_pid() AS pid')).rows[0].pid).toBe(second.pid);
      }),
    );
  });

  it('the module lock is held by the work session, the unit\'s only one; a reconnect is refused by the server-side check', async () => {
    const url = await createDatabase();
    fx = makeWorkspace([{ name: 'svc', url, migrations: MIGRATIONS }]);
    const ws = loadWorkspace({ cwd: fx.root });
    await withTargets({ command: 'test', lockTimeoutMs: 0 }, (pool) =>
      withTarget(pool, moduleUnit(ws.byName.get('svc')!), (db) =>
        withModuleLock(db, { timeoutMs: 0 }, async (guard) => {
          const pid = (await db.query('SELECT pg_backend_pid() AS pid')).rows[0].pid as number;
          const ours = "SELECT a.pid, EXISTS (SELECT 1 FROM pg_locks l WHERE l.pid = a.pid AND l.locktype = 'advisory' AND l.granted) AS locked FROM pg_stat_activity a WHERE a.datname = current_database() AND a.application_name LIKE 'bulkhead/%'";
          expect(await query(url, ours)).toEqual([{ pid, locked: true }]);
          await db.query(guard.sessionSql);
          await db.query(guard.heldSql);
          await query(url, 'SELECT pg_terminate_backend($1)', [pid]);
          // The client hears of it from the server (or on its next use) and the guard says so.
          await db.query('SELECT 1').catch(() => undefined);
          await waitFor(async () => {
            try {
              guard.check('the next step');
              return false;
            } catch (e) {
              return /lost the lock of module svc \(its session (closed|failed)/.test((e as Error).message);
            }
          });
          // The next use of the database is a new session, without the lock: the server refuses it.
          expect((await db.query('SELECT pg_backend_pid() AS pid')).rows[0].pid).not.toBe(pid);
          await expect(db.query(guard.sessionSql)).rejects.toMatchObject({ code: 'BHLST', message: `this session is not the one that took it (pid ${pid}): the connection was made again, or a connection pool in transaction mode (PgBouncer, Supavisor) handed the statement to another server session` });
          await expect(db.query(guard.heldSql)).rejects.toMatchObject({ code: 'BHLST' });
        }),
      ),
    );
  });

  it('a no-op up, and a run of SQL migrations, load no knex (a TS migration does)', async () => {
    const url = await createDatabase();
    fx = makeWorkspace([{ name: 'svc', url: '${SVC_URL}', migrations: MIGRATIONS }]);
    // Preloaded into the CLI's process: says on exit whether knex was ever required.
    const probe = path.join(fx.root, 'probe.cjs');
    fs.writeFileSync(probe, `process.on('exit', () => process.stderr.write('knex loaded: ' + Object.keys(require.cache).some((f) => /node_modules[\\\\/]knex[\\\\/]/.test(f)) + '\\n'));\n`);
    const run = () => execa('node', ['--require', probe, CLI, 'up'], { cwd: fx!.root, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', SVC_URL: url }, extendEnv: false, reject: false });
    const applied = await run();
    expect(applied.exitCode, applied.stderr).toBe(0);
    expect(applied.stderr).toContain('svc: ✓ 2 applied');
    expect(applied.stderr).toContain('knex loaded: false');
    // Outside a transaction, SQL runs on the driver too.
    fx.write('modules/svc/migrations/003_c.up.sql', '-- bulkhead:no-transaction\nCREATE TABLE c (id int);\nCREATE INDEX CONCURRENTLY c_id ON c (id);\n');
    const outside = await run();
    expect(outside.exitCode, outside.stderr).toBe(0);
    expect(outside.stderr).toContain('svc: ✓ 1 applied');
    expect(outside.stderr).toContain('knex loaded: false');
    // Two in a batch, then a TS migration: knex loads while the server runs the batch, and takes
    // over the session holding the lock (another session would fail the lock check).
    fx.write('modules/svc/migrations/004_d.up.sql', 'CREATE TABLE d (id int);\n');
    fx.write('modules/svc/migrations/005_e.up.sql', 'CREATE TABLE e (id int);\n');
    fx.write('modules/svc/migrations/006_f.ts', "export async function up(knex: any) { await knex.schema.createTable('f', (t: any) => t.integer('id')); }\n");
    const ts = await run();
    expect(ts.exitCode, ts.stderr).toBe(0);
    expect(ts.stderr).toContain('svc: ✓ 3 applied');
    expect(ts.stderr).toContain('knex loaded: true');
    // Each row has its own time, though a batch is one message (its transactions' now() is the message's arrival).
    const [times] = await query<{ n: number; all: number }>(url, "SELECT count(DISTINCT applied_at)::int AS n, count(*)::int AS all FROM svc_migrations WHERE id IN ('004_d', '005_e')");
    expect(times).toEqual({ n: 2, all: 2 });
    const noop = await run();
    expect(noop.exitCode).toBe(0);
    expect(noop.stderr).toContain('svc: up to date');
    expect(noop.stderr).toContain('knex loaded: false');
  });
});
