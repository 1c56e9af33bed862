/**
 * The rest of the command surface on a real server: make, --to, --dry-run, plan formats,
 * no-transaction migrations, cross-module requires, --cwd, and the repository's own modules.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { adminQuery, createDatabase, databaseUrl, makeWorkspace, query, REPO, runCli, tableExists, type Fixture } from '../support/fixtures.js';

let fx: Fixture | undefined;
afterEach(() => fx?.cleanup());

describe('commands', () => {
  it('make creates timestamped TS and SQL migrations that up applies', async () => {
    const url = await createDatabase();
    fx = makeWorkspace([{ name: 'shop', url: '${SHOP_URL}' }]);
    fx.remove('modules/shop/migrations');
    const env = { SHOP_URL: url };
    const ts = await runCli(['make', 'shop', 'Add Orders', '--json'], { cwd: fx.root, env });
    expect(ts.exitCode, ts.stderr).toBe(0);
    expect(ts.json.id).toMatch(/^\d{14}_add_orders$/);
    expect(ts.json.files).toEqual([`modules/shop/migrations/${ts.json.id}.ts`]);
    const sql = await runCli(['make', 'shop', 'add_index', '--sql', '--json'], { cwd: fx.root, env });
    expect(sql.exitCode, sql.stderr).toBe(0);
    // Later than the previous one even within the same second.
    expect(sql.json.id > ts.json.id).toBe(true);
    expect(sql.json.files.map((f: string) => path.basename(f))).toEqual([`${sql.json.id}.up.sql`, `${sql.json.id}.down.sql`]);
    fx.write(sql.json.files[0], 'CREATE TABLE shop_orders (id int);\n');
    fx.write(sql.json.files[1], 'DROP TABLE shop_orders;\n');

    const st = await runCli(['status', '--json'], { cwd: fx.root, env });
    expect(st.json.modules[0].pending).toEqual([ts.json.id, sql.json.id]);
    const up = await runCli(['up'], { cwd: fx.root, env });
    expect(up.exitCode, up.stderr).toBe(0);
    expect(up.stderr).toContain(`shop:   ↑ ${ts.json.id}`);
    expect(up.stderr).toMatch(/shop: ✓ 2 applied in/);
    expect(await tableExists(url, 'shop_orders')).toBe(true);

    // A letter with an accent keeps its letter.
    const accented = await runCli(['make', 'shop', "add user's émail índex", '--sql', '--json'], { cwd: fx.root, env });
    expect(accented.json.id).toMatch(/^\d{14}_add_user_s_email_index$/);

    const unknown = await runCli(['make', 'nope', 'x'], { cwd: fx.root, env });
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toContain('unknown module "nope"');
  });

  it("validate of a workspace of many modules prints the first ones of the order and the count; --json has them all", async () => {
    fx = makeWorkspace(Array.from({ length: 13 }, (_, i) => ({ name: `m${String(i).padStart(2, '0')}`, url: 'pglite://memory', migrations: { '001_a.up.sql': `CREATE TABLE m${i}_t (id int);\n` } })));
    const text = await runCli(['validate'], { cwd: fx.root });
    expect(text.exitCode, text.stderr).toBe(0);
    // Independent modules run at once: commas, no arrow that would read as a dependency.
    expect(`${text.stdout}${text.stderr}`).toContain('ok: 13 modules (m00, m01, m02, m03, m04, m05, m06, m07, m08, m09, … and 3 more (--json lists them)), 13 migrations');
    const json = await runCli(['validate', '--json'], { cwd: fx.root });
    expect(json.json.order).toHaveLength(13);
    fx.cleanup();
    // An arrow where a module waits for the ones before it.
    fx = makeWorkspace([
      { name: 'base', url: 'pglite://memory' },
      { name: 'left', url: 'pglite://memory', dependsOn: ['base'] },
      { name: 'right', url: 'pglite://memory', dependsOn: ['base'] },
      { name: 'top', url: 'pglite://memory', dependsOn: ['left'] },
    ]);
    const chain = await runCli(['validate'], { cwd: fx.root });
    expect(chain.stderr).toContain('ok: 4 modules (base → left, right → top)');
    expect((await runCli(['validate', '--json'], { cwd: fx.root })).json.waves).toEqual([['base'], ['left', 'right'], ['top']]);
  });

  it("a failure whose detail lists many dependent objects prints five of them and a count; --json has every one", async () => {
    const url = await createDatabase();
    const views = Array.from({ length: 8 }, (_, i) => `CREATE VIEW v${i} AS SELECT id FROM base_t;`).join('\n');
    fx = makeWorkspace([{ name: 'shop', url: '${SHOP_URL}', migrations: { '001_base.up.sql': `CREATE TABLE base_t (id int);\n${views}\n`, '002_drop.up.sql': 'DROP TABLE base_t;\n' } }]);
    const text = await runCli(['up'], { cwd: fx.root, env: { SHOP_URL: url } });
    expect(text.exitCode).toBe(1);
    expect(text.stderr).toMatch(/detail: view v\d depends on table base_t(; view v\d depends on table base_t){4}; … and 3 more \(--json has them all\)/);
    const json = await runCli(['up', '--json'], { cwd: fx.root, env: { SHOP_URL: url } });
    expect(json.json.modules[0].failure.detail.split('; ')).toHaveLength(8);
  });

  it("up after a down that could not drop an enum label (ente's 094) says why it exists already and how to write it", async () => {
    const url = await createDatabase();
    fx = makeWorkspace([
      {
        name: 'shop',
        url: '${SHOP_URL}',
        migrations: {
          '001_kind.up.sql': "CREATE TYPE kind AS ENUM ('a');\n",
          '001_kind.down.sql': 'DROP TYPE kind;\n',
          '002_preview.up.sql': "ALTER TYPE kind ADD VALUE 'preview';\n",
          '002_preview.down.sql': '-- an enum label cannot be dropped\nSELECT 1;\n',
        },
      },
    ]);
    const env = { SHOP_URL: url };
    expect((await runCli(['up'], { cwd: fx.root, env })).exitCode).toBe(0);
    expect((await runCli(['down', 'shop'], { cwd: fx.root, env })).exitCode).toBe(0);
    const again = await runCli(['up'], { cwd: fx.root, env });
    expect(again.exitCode).toBe(1);
    expect(again.stderr).toContain("fix: PostgreSQL cannot drop an enum label, so a down that reverted this migration left 'preview' behind (or an earlier migration adds it too): write ADD VALUE IF NOT EXISTS 'preview'");
  });

  it("a down that drops a unique index as a constraint (crates.io's 2024-10-25 make-unique-version-unique) is told to DROP INDEX", async () => {
    const url = await createDatabase();
    fx = makeWorkspace([
      {
        name: 'shop',
        url: '${SHOP_URL}',
        migrations: {
          '001_versions.up.sql': 'CREATE TABLE versions (crate_id int, num text);\n',
          '001_versions.down.sql': 'DROP TABLE versions;\n',
          '002_unique.up.sql': '-- bulkhead:no-transaction\nCREATE UNIQUE INDEX CONCURRENTLY versions_crate_id_num_uindex ON versions (crate_id, num);\n',
          '002_unique.down.sql': '-- bulkhead:no-transaction\nALTER TABLE versions DROP CONSTRAINT versions_crate_id_num_uindex;\n',
        },
      },
    ]);
    const env = { SHOP_URL: url };
    expect((await runCli(['up'], { cwd: fx.root, env })).exitCode).toBe(0);
    const down = await runCli(['down', 'shop', '--json'], { cwd: fx.root, env });
    expect(down.exitCode).toBe(1);
    expect(down.json.modules[0].failure).toMatchObject({
      pgCode: '42704',
      fix: 'versions_crate_id_num_uindex is an index of versions (made by CREATE INDEX), not a constraint: drop it with DROP INDEX versions_crate_id_num_uindex (DROP INDEX CONCURRENTLY in a -- bulkhead:no-transaction file) (a database that applied 002_unique accepts its edited down with bulkhead repair shop --accept 002_unique --reason "<why>")',
    });
    // A constraint of that name that is missing, with no index of the name either: no such fix.
    fx.write('modules/shop/migrations/002_unique.down.sql', '-- bulkhead:no-transaction\nALTER TABLE versions DROP CONSTRAINT versions_missing;\n');
    const fresh = { SHOP_URL: await createDatabase() };
    expect((await runCli(['up'], { cwd: fx.root, env: fresh })).exitCode).toBe(0);
    const other = await runCli(['down', 'shop', '--json'], { cwd: fx.root, env: fresh });
    expect(other.exitCode).toBe(1);
    expect(other.json.modules[0].failure.pgCode).toBe('42704');
    expect(other.json.modules[0].failure.fix ?? '').not.toContain('is an index of');
  });

  it("down refuses, before reverting anything, a down without statements whose up changes the schema (diesel's empty down.sql); a data change's passes", async () => {
    const url = await createDatabase();
    fx = makeWorkspace([
      {
        name: 'shop',
        url: '${SHOP_URL}',
        migrations: {
          '001_orders.up.sql': 'CREATE TABLE orders (id int);\n',
          '001_orders.down.sql': 'DROP TABLE orders;\n',
          '002_total.up.sql': 'ALTER TABLE orders ADD COLUMN total int;\n',
          '002_total.down.sql': '',
          '003_fill.up.sql': 'UPDATE orders SET total = 0;\n',
          '003_fill.down.sql': '-- nothing to undo\n',
        },
      },
    ]);
    const env = { SHOP_URL: url };
    expect((await runCli(['up'], { cwd: fx.root, env })).exitCode).toBe(0);
    const refused = await runCli(['down', 'shop', '--all'], { cwd: fx.root, env });
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toContain('error: module shop, modules/shop/migrations/002_total.down.sql: cannot revert 002_total: its down (002_total.down.sql) has no statements, and its up creates column orders.total (line 1) (BH028)');
    expect(refused.stderr).toContain('fix: write in 002_total.down.sql what undoes its up');
    const st = await runCli(['status', '--json'], { cwd: fx.root, env });
    expect(st.json.modules[0].applied.map((a: { id: string }) => a.id)).toEqual(['001_orders', '002_total', '003_fill']);
    const data = await runCli(['down', 'shop'], { cwd: fx.root, env });
    expect(data.exitCode, data.stderr).toBe(0);
    expect(data.stderr).toContain('shop:   ↓ 003_fill');
  });

  it('modules that cannot reach one server for one reason are one error, not one per module; --json lists each', async () => {
    // A closed port on this host: every module fails to connect the same way.
    const closed = (name: string) => `postgres://postgres@127.0.0.1:1/${name}`;
    fx = makeWorkspace(['a', 'b', 'c', 'd'].map((name) => ({ name, url: closed(name), migrations: { '001_x.up.sql': `CREATE TABLE ${name}_t (id int);\n` } })));
    const text = await runCli(['up'], { cwd: fx.root });
    expect(text.exitCode).toBe(2);
    expect(text.stderr).toContain('error: 4 modules cannot connect (a, b, c, d): connect ECONNREFUSED 127.0.0.1:1 (BH020)');
    expect(text.stderr.match(/^error: /gm)).toHaveLength(1);
    const json = await runCli(['up', '--json'], { cwd: fx.root });
    expect(json.json.problems.map((p: { module: string }) => p.module).sort()).toEqual(['a', 'b', 'c', 'd']);
  });

  it('modules whose databases do not exist on one server are one error, with db create as the fix, which then makes them', async () => {
    // Names of this run's own: db create makes a role per module (<module>_owner).
    const suffix = `${process.pid}x${Date.now() % 100000}`;
    const names = ['a', 'b', 'c'].map((m) => ({ m, module: `nodb-${m}-${suffix}`, db: `bh_missing_${m}_${suffix}` }));
    fx = makeWorkspace(names.map(({ m, module, db }) => ({ name: module, url: databaseUrl(db), migrations: { '001_x.up.sql': `CREATE TABLE t_${m} (id int);\n` } })));
    try {
      const text = await runCli(['up'], { cwd: fx.root });
      expect(text.exitCode).toBe(2);
      const server = new URL(databaseUrl('x'));
      expect(text.stderr).toContain(`error: the databases of 3 modules do not exist on ${server.hostname}:${server.port || 5432}: ${names.map((n) => `${n.module} (${n.db})`).join(', ')} (BH020)`);
      expect(text.stderr).toContain('fix: create them with bulkhead db create');
      const created = await runCli(['db', 'create'], { cwd: fx.root });
      expect(created.exitCode, created.stderr).toBe(0);
      const up = await runCli(['up'], { cwd: fx.root });
      expect(up.exitCode, up.stderr).toBe(0);
    } finally {
      for (const { module, db } of names) {
        await adminQuery(`DROP DATABASE IF EXISTS "${db}" WITH (FORCE)`).catch(() => undefined);
        await adminQuery(`DROP ROLE IF EXISTS "${module.replace(/-/g, '_')}_owner"`).catch(() => undefined);
      }
    }
  });

  it('a database that does not exist is told with its createdb command, and a name with capitals that it is its own', async () => {
    const url = databaseUrl(`Bh_Missing_${process.pid}`);
    fx = makeWorkspace([{ name: 'shop', url: '${SHOP_URL}', migrations: { '001_a.up.sql': 'CREATE TABLE a (id int);\n' } }]);
    const r = await runCli(['up'], { cwd: fx.root, env: { SHOP_URL: url } });
    expect(r.exitCode).toBe(2);
    const u = new URL(url);
    expect(r.stderr).toContain('create the database with bulkhead db create shop (owned by a role of its own');
    expect(r.stderr).toContain(`createdb -h ${u.hostname} -p ${u.port || 5432}`);
    expect(r.stderr).toContain(` Bh_Missing_${process.pid})`);
    expect(r.stderr).toContain(`CREATE DATABASE Bh_Missing_${process.pid} without quotes would make bh_missing_${process.pid}, so create it quoted (CREATE DATABASE "Bh_Missing_${process.pid}")`);
  });

  it("make follows the folder: JavaScript as its latest migration is written (CommonJS, ESM), ory's 20-digit timestamps, a folder numbered 1_ … 3_, Unix seconds", async () => {
    fx = makeWorkspace([
      { name: 'cjs', url: 'pglite://memory', migrations: { '20200101000000_a.js': "const m = require('path');\nexports.up = async () => {};\n" } },
      { name: 'esm', url: 'pglite://memory', migrations: { '20200101000000_a.mjs': 'export async function up() {}\n' } },
      { name: 'ory', url: 'pglite://memory', migrations: { '20150101000001000000_networks.up.sql': 'SELECT 1;\n', '20190100000001000000_client.up.sql': 'SELECT 1;\n' } },
      { name: 'diesel', url: 'pglite://memory', migrations: { '2019-02-26-002946_create_user.up.sql': 'SELECT 1;\n', '2025-09-19-132648-0000_theme.up.sql': 'SELECT 1;\n' } },
      // Numbered 1_ … 3_: a timestamp would sort before 3_ (as text); the next number does not.
      { name: 'seq', url: 'pglite://memory', migrations: { '1_a.up.sql': 'SELECT 1;\n', '2_b.up.sql': 'SELECT 1;\n', '3_c.up.sql': 'SELECT 1;\n' } },
      // A folder numbered in sequence gets a timestamp (it sorts after); one numbered in Unix seconds, now in seconds.
      { name: 'padded', url: 'pglite://memory', migrations: { '001_a.up.sql': 'SELECT 1;\n', '124_b.up.sql': 'SELECT 1;\n' } },
      { name: 'unix', url: 'pglite://memory', migrations: { '1510262030_a.up.sql': 'SELECT 1;\n', '1783024587_b.up.sql': 'SELECT 1;\n' } },
    ]);
    const made = async (module: string) => (await runCli(['make', module, 'next', '--json'], { cwd: fx!.root })).json.files[0] as string;
    const cjs = await made('cjs');
    expect(cjs).toMatch(/^modules\/cjs\/migrations\/\d{14}_next\.js$/);
    expect(fs.readFileSync(path.join(fx.root, cjs), 'utf8')).toContain('exports.up = async function up(knex)');
    const esm = await made('esm');
    expect(esm).toMatch(/\.mjs$/);
    expect(fs.readFileSync(path.join(fx.root, esm), 'utf8')).toContain('export async function up(knex)');
    const ory = await made('ory');
    expect(ory).toMatch(/^modules\/ory\/migrations\/\d{14}000000_next\.ts$/);
    // Diesel's dated versions: the same separators (a plain 20261205… would sort before a later 2026-12-…).
    expect(await made('diesel')).toMatch(/^modules\/diesel\/migrations\/\d{4}-\d\d-\d\d-\d{6}-0000_next\.ts$/);
    expect(await made('seq')).toBe('modules/seq/migrations/4_next.ts');
    // A folder of SQL migrations gets the template all the same, and the note that --sql writes SQL.
    const noted = await runCli(['make', 'padded', 'other'], { cwd: fx.root });
    expect(noted.stderr).toMatch(/note: the other migrations of padded are SQL: bulkhead make padded other --sql writes it as SQL \(\.up\.sql and \.down\.sql\) instead; delete \d{14}_other\.ts first/);
    fx.remove(`modules/padded/migrations/${/(\d{14}_other\.ts)/.exec(noted.stderr)![1]}`);
    expect(await made('padded')).toMatch(/^modules\/padded\/migrations\/\d{14}_next\.ts$/);
    const unix = /\/(\d+)_next\.ts$/.exec(await made('unix'))?.[1];
    expect(unix).toHaveLength(10);
    expect(Number(unix)).toBeGreaterThanOrEqual(Math.max(1783024588, Math.floor(Date.now() / 1000) - 60));
    // All seven folders stay valid, and the new migrations run.
    const v = await runCli(['validate'], { cwd: fx.root });
    expect(v.exitCode, v.stderr).toBe(0);
    const up = await runCli(['up', '--json'], { cwd: fx.root });
    expect(up.exitCode, up.stderr).toBe(0);
    expect(up.json.modules.map((m: any) => m.migrations.at(-1).id.replace(/^[\d-]+_/, ''))).toEqual(['next', 'next', 'next', 'next', 'next', 'next', 'next']);
    // At 9_, neither a timestamp nor 10_ sorts last: refused, with the command that pads the versions.
    for (const n of [5, 6, 7, 8, 9]) fx.write(`modules/seq/migrations/${n}_m.up.sql`, 'SELECT 1;\n');
    const full = await runCli(['make', 'seq', 'more'], { cwd: fx.root });
    expect(full.exitCode).toBe(2);
    expect(full.stderr).toContain('a new version cannot sort after 9_m: file names sort as text, and both a timestamp');
    expect(full.stderr).toContain("printf '%014d'");
    expect(fs.readdirSync(path.join(fx.root, 'modules/seq/migrations')).filter((f) => f.includes('more'))).toEqual([]);
  });

  it('--to, --dry-run and plan formats change nothing and say what would run', async () => {
    const [a, b] = [await createDatabase(), await createDatabase()];
    fx = makeWorkspace([
      { name: 'a', url: '${A_URL}', migrations: { '001_x.up.sql': 'CREATE TABLE a1 (id int);', '002_y.up.sql': 'CREATE TABLE a2 (id int);' } },
      { name: 'b', url: '${B_URL}', dependsOn: ['a'], migrations: { '001_z.up.sql': 'CREATE TABLE b1 (id int);' } },
    ]);
    const env = { A_URL: a, B_URL: b };
    const dry = await runCli(['up', '--dry-run'], { cwd: fx.root, env });
    expect(dry.exitCode, dry.stderr).toBe(0);
    expect(dry.stderr).toContain('a: would apply 001_x, 002_y');
    expect(await tableExists(a, 'a_migrations')).toBe(false);
    // A long run is told by its ends (a fresh database of a real set: hundreds); --json lists all.
    for (let i = 3; i <= 12; i++) fx.write(`modules/a/migrations/${String(i).padStart(3, '0')}_m.up.sql`, 'SELECT 1;');
    const long = await runCli(['up', 'a', '--dry-run'], { cwd: fx.root, env });
    expect(long.stderr).toContain('a: would apply 12 migrations: 001_x, 002_y, 003_m, … 012_m');
    for (let i = 3; i <= 12; i++) fx.remove(`modules/a/migrations/${String(i).padStart(3, '0')}_m.up.sql`);

    const mermaid = await runCli(['plan', '--format', 'mermaid'], { cwd: fx.root, env });
    expect(mermaid.stdout).toContain('flowchart LR');
    expect(mermaid.stdout).toContain('a --> b');
    const dot = await runCli(['plan', '--format', 'dot'], { cwd: fx.root, env });
    expect(dot.stdout).toContain('"a" -> "b";');
    const text = await runCli(['plan'], { cwd: fx.root, env });
    expect(text.stdout).toContain('wave 1: a\n  a: 2 to apply\n    001_x\n    002_y\nwave 2: b');

    const to = await runCli(['up', 'a', '--to', '001_x', '--json'], { cwd: fx.root, env });
    expect(to.exitCode, to.stderr).toBe(0);
    expect(to.json.modules.map((m: any) => [m.module, m.migrations.map((x: any) => x.id)])).toEqual([['a', ['001_x']]]);
    expect(await tableExists(a, 'a2')).toBe(false);
    expect(await tableExists(b, 'b_migrations')).toBe(false);

    const many = await runCli(['up', '--to', '001_x'], { cwd: fx.root, env });
    expect(many.exitCode).toBe(2);
    expect(many.stderr).toContain('--to needs exactly one module');
  });

  it('no-transaction migrations run CREATE INDEX CONCURRENTLY; a file may manage its own transaction when marked', async () => {
    const url = await createDatabase();
    fx = makeWorkspace([
      {
        name: 'idx',
        url: '${IDX_URL}',
        migrations: {
          '001_t.up.sql': 'CREATE TABLE idx_t (id int, name text);\n',
          '002_concurrently.up.sql': '-- bulkhead:no-transaction\nCREATE INDEX CONCURRENTLY idx_t_name ON idx_t (name);\n',
          '003_own_tx.up.sql': '-- bulkhead:no-transaction\nBEGIN;\nCREATE TABLE idx_own (id int);\nCOMMIT;\n',
          '004_ts.ts': `export const config = { transaction: false };
export async function up(knex: any) { await knex.raw('CREATE INDEX CONCURRENTLY idx_t_id ON idx_t (id)'); }
export async function down(knex: any) { await knex.raw('DROP INDEX CONCURRENTLY idx_t_id'); }
`,
          // Each statement commits on its own: a new enum label is usable by the next statement; a
          // procedure that commits and a DETACH … CONCURRENTLY (not known to need a statement of
          // their own) still run.
          '005_each_commits.up.sql': `-- bulkhead:no-transaction
CREATE TYPE idx_mood AS ENUM ('a');
ALTER TYPE idx_mood ADD VALUE 'b';
CREATE TABLE idx_moods (m idx_mood NOT NULL DEFAULT 'b');
INSERT INTO idx_moods DEFAULT VALUES;
CREATE PROCEDURE idx_commit() LANGUAGE plpgsql AS $$ BEGIN CREATE TABLE idx_p1 (id int); COMMIT; CREATE TABLE idx_p2 (id int); END $$;
CALL idx_commit();
CREATE TABLE idx_parts (id int) PARTITION BY RANGE (id);
CREATE TABLE idx_part1 PARTITION OF idx_parts FOR VALUES FROM (0) TO (10);
ALTER TABLE idx_parts DETACH PARTITION idx_part1 CONCURRENTLY;
`,
        },
      },
    ]);
    const r = await runCli(['up'], { cwd: fx.root, env: { IDX_URL: url } });
    expect(r.exitCode, r.stderr).toBe(0);
    const idx = await query(url, "SELECT indexname FROM pg_indexes WHERE tablename = 'idx_t' ORDER BY 1");
    expect(idx).toEqual([{ indexname: 'idx_t_id' }, { indexname: 'idx_t_name' }]);
    expect(await query(url, 'SELECT count(*)::int AS n FROM idx_migrations')).toEqual([{ n: 5 }]);
    expect(await query(url, 'SELECT m::text FROM idx_moods')).toEqual([{ m: 'b' }]);
    expect([await tableExists(url, 'idx_p1'), await tableExists(url, 'idx_p2')]).toEqual([true, true]);
    expect(await query(url, "SELECT count(*)::int AS n FROM pg_inherits WHERE inhparent = 'idx_parts'::regclass")).toEqual([{ n: 0 }]);
    expect(await query(url, 'SELECT count(*)::int AS n FROM idx_migrations_progress')).toEqual([{ n: 0 }]);

    const st = await runCli(['status'], { cwd: fx.root, env: { IDX_URL: url } });
    expect(st.stderr).toContain('no down: 001_t, 002_concurrently, 003_own_tx');
    // A long list reads as its count and ends; --json has every one.
    for (let i = 6; i <= 12; i++) fx.write(`modules/idx/migrations/${String(i).padStart(3, '0')}_more.up.sql`, `CREATE TABLE idx_more_${i} (id int);\n`);
    const long = await runCli(['status'], { cwd: fx.root, env: { IDX_URL: url } });
    expect(long.stderr).toContain('no down: 11 migrations, 001_t … 012_more (--json lists them)');
    const json = await runCli(['status', '--json'], { cwd: fx.root, env: { IDX_URL: url } });
    expect(json.json.modules[0].withoutDown).toHaveLength(11);
  });

  it('a requires on another module is checked against that module before anything runs', async () => {
    const [admin, storage] = [await createDatabase(), await createDatabase()];
    fx = makeWorkspace([
      { name: 'admin', url: '${ADMIN_URL}', migrations: { '001_users.up.sql': 'CREATE TABLE users (id uuid PRIMARY KEY);', '001_users.down.sql': 'DROP TABLE users;' } },
      {
        name: 'storage',
        url: '${STORAGE_URL}',
        dependsOn: ['admin'],
        migrations: {
          '001_files.ts': `export const requires = ['admin:001_users'];
export async function up(knex: any) { await knex.raw('CREATE TABLE files (owner uuid)'); }
export async function down(knex: any) { await knex.raw('DROP TABLE files'); }
`,
        },
      },
    ]);
    const env = { ADMIN_URL: admin, STORAGE_URL: storage };
    const alone = await runCli(['up', 'storage'], { cwd: fx.root, env });
    expect(alone.exitCode).toBe(2);
    expect(alone.stderr).toContain('001_files requires admin:001_users, which is not applied and not part of this run');
    expect(await tableExists(storage, 'files')).toBe(false);

    const planned = await runCli(['plan'], { cwd: fx.root, env });
    expect(planned.stdout).toContain('wave 1: admin\n  admin: 1 to apply\n    001_users\nwave 2: storage\n  storage: 1 to apply\n    001_files (after admin:001_users)');
    const both = await runCli(['up'], { cwd: fx.root, env });
    expect(both.exitCode, both.stderr).toBe(0);
    fx.write('modules/storage/migrations/002_more.up.sql', '-- bulkhead:requires admin:001_users\nCREATE TABLE more (id int);\n');
    fx.write('modules/storage/migrations/002_more.down.sql', 'DROP TABLE more;\n');
    const later = await runCli(['up', 'storage'], { cwd: fx.root, env });
    expect(later.exitCode, later.stderr).toBe(0);

    // down may not pull the ground from under an applied migration of another module (TS and SQL requires alike).
    const refused = await runCli(['down', 'admin'], { cwd: fx.root, env });
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toContain("cannot revert 001_users: storage's applied migration 001_files requires admin:001_users (BH046)");
    expect(refused.stderr).toContain("cannot revert 001_users: storage's applied migration 002_more requires admin:001_users (BH046)");
    expect(refused.stderr).toContain('fix: revert 001_files of storage first');
    expect(await tableExists(admin, 'users')).toBe(true);
    // Reverting the dependent first (the same run, dependents first) is fine.
    const all = await runCli(['down', 'admin', 'storage', '--all'], { cwd: fx.root, env });
    expect(all.exitCode, all.stderr).toBe(0);
    expect(await tableExists(admin, 'users')).toBe(false);
  });

  it('a SQL migration runs in one batch, yet a failure names its statement and line, with or without a position from the server', async () => {
    const url = await createDatabase();
    fx = makeWorkspace([
      {
        name: 'shop',
        url: '${SHOP_URL}',
        migrations: {
          // Statement 3 fails with no position (a unique violation); a trailing comment stays a comment.
          '001_a.up.sql': 'CREATE TABLE t (id int PRIMARY KEY); -- the table\nINSERT INTO t VALUES (1);\n\n\nINSERT INTO t VALUES (1);\n',
          // Statement 2 fails with a position (an unknown column) on the file's line 4.
          '002_b.up.sql': 'CREATE TABLE u (id int);\n\n\nSELECT nope\n  FROM u;\n',
        },
      },
    ]);
    const env = { SHOP_URL: url };
    const first = await runCli(['up', '--json'], { cwd: fx.root, env });
    expect(first.exitCode).toBe(1);
    expect(first.json.modules[0].failure).toMatchObject({ migration: '001_a', statement: 3, line: 5, pgCode: '23505', sql: 'INSERT INTO t VALUES (1)' });
    expect(await tableExists(url, 't')).toBe(false);
    fx.write('modules/shop/migrations/001_a.up.sql', 'CREATE TABLE t (id int PRIMARY KEY); -- the table\nINSERT INTO t VALUES (1);\n');
    const second = await runCli(['up', '--json'], { cwd: fx.root, env });
    expect(second.exitCode).toBe(1);
    expect(second.json.modules[0].migrations.map((m: any) => m.id)).toEqual(['001_a']);
    expect(second.json.modules[0].failure).toMatchObject({ migration: '002_b', statement: 2, line: 4, pgCode: '42703' });
    expect(await tableExists(url, 'u')).toBe(false);
    expect(await query(url, 'SELECT id FROM shop_migrations')).toEqual([{ id: '001_a' }]);

    // An error inside a DO block names the block's own line, with PostgreSQL's context; the
    // excerpt leaves out comments (one line would otherwise end at the first "--").
    fx.write('modules/shop/migrations/002_b.up.sql', `-- header
DO
$body$
BEGIN
    -- a comment
    PERFORM 1;
    INSERT INTO no_such_table VALUES (1);
END
$body$;
`);
    const third = await runCli(['up', '--json'], { cwd: fx.root, env });
    expect(third.exitCode).toBe(1);
    expect(third.json.modules[0].failure).toMatchObject({ migration: '002_b', statement: 1, line: 7, pgCode: '42P01', sql: 'DO $body$ BEGIN PERFORM 1; INSERT INTO no_such_table VALUES (1); END $body$' });
    expect(third.json.modules[0].failure.context).toMatch(/PL\/pgSQL function inline_code_block line 5 at SQL statement/);

    // A data file: the failure without a position is found by replaying groups of statements, the
    // failing group one statement at a time; a file with savepoints of its own, one at a time.
    const rows = Array.from({ length: 1300 }, (_, i) => `INSERT INTO u VALUES (${i === 1100 ? 7 : i}); -- row ${i}`);
    fx.write('modules/shop/migrations/002_b.up.sql', `CREATE TABLE u (id int PRIMARY KEY);\n${rows.join('\n')}\n`);
    const fourth = await runCli(['up', '--json'], { cwd: fx.root, env });
    expect(fourth.exitCode).toBe(1);
    expect(fourth.json.modules[0].failure).toMatchObject({ migration: '002_b', statement: 1102, line: 1102, pgCode: '23505', sql: 'INSERT INTO u VALUES (7)' });
    fx.write('modules/shop/migrations/002_b.up.sql', `CREATE TABLE u (id int PRIMARY KEY);\nSAVEPOINT mine;\n${rows.join('\n')}\nROLLBACK TO SAVEPOINT mine;\n`);
    const fifth = await runCli(['up', '--json'], { cwd: fx.root, env });
    expect(fifth.exitCode).toBe(1);
    expect(fifth.json.modules[0].failure).toMatchObject({ migration: '002_b', statement: 1103, line: 1103, pgCode: '23505' });
    expect(await tableExists(url, 'u')).toBe(false);
  });

  it('--cwd runs on a workspace folder from anywhere; schema mode puts a module in its own schema', async () => {
    const url = await createDatabase();
    fx = makeWorkspace([
      { name: 'one', url: '${URL}', manifest: { database: { url: '${URL}', schema: 'one' } }, migrations: { '001.up.sql': 'CREATE TABLE t (id int);' } },
      { name: 'two', url: '${URL}', manifest: { database: { url: '${URL}', schema: 'two' } }, migrations: { '001.up.sql': 'CREATE TABLE t (id int);' } },
    ]);
    const r = await runCli(['up', '--cwd', fx.root], { cwd: REPO, env: { URL: url } });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(await tableExists(url, 'one.t')).toBe(true);
    expect(await tableExists(url, 'two.t')).toBe(true);
    expect(await tableExists(url, 'one.one_migrations')).toBe(true);
    expect(await tableExists(url, 'public.t')).toBe(false);
    // Files are named from the workspace, not from the process's directory.
    fx.write('modules/one/migrations/002.up.sql', 'CREATE EXTENSION IF NOT EXISTS no_such_extension;');
    const told = await runCli(['up', '--cwd', fx.root], { cwd: REPO, env: { URL: url } });
    expect(told.exitCode).toBe(2);
    expect(told.stderr).toContain('modules/one/migrations/002.up.sql:1');
    expect(told.stderr).not.toContain('../');
  });

  it('an extension the embedded database was not told about is refused before anything runs (or, made where the plan cannot see, fails) with a fix naming "extensions"', async () => {
    fx = makeWorkspace([{ name: 'ext', url: 'pglite://memory', migrations: { '001_trgm.up.sql': 'CREATE EXTENSION IF NOT EXISTS pg_trgm;\n' } }]);
    const r = await runCli(['up', '--json'], { cwd: fx.root });
    expect(r.exitCode).toBe(2);
    expect(r.json.problems[0]).toMatchObject({ code: 'BH063', file: 'modules/ext/migrations/001_trgm.up.sql', line: 1, fix: expect.stringContaining('"extensions": ["pg_trgm"]') });
    // Inside a DO block likewise.
    fx.write('modules/ext/migrations/001_trgm.up.sql', 'DO $$ BEGIN CREATE EXTENSION IF NOT EXISTS pg_trgm; END $$;\n');
    const inDo = await runCli(['up', '--json'], { cwd: fx.root });
    expect(inDo.exitCode).toBe(2);
    expect(inDo.json.problems[0]).toMatchObject({ code: 'BH063', line: 1 });
    // A name built at run time the plan cannot see: the server's error gets the same fix.
    fx.write('modules/ext/migrations/001_trgm.up.sql', "DO $$ BEGIN EXECUTE 'CREATE EXTENSION IF NOT EXISTS ' || quote_ident('pg' || '_trgm'); END $$;\n");
    fx.write('modules/ext/migrations/000_first.up.sql', 'SELECT 1;\n');
    const run = await runCli(['up', '--json'], { cwd: fx.root });
    expect(run.exitCode).toBe(1);
    // An in-memory database keeps nothing past the run: no "the migration before it stays applied".
    expect(run.stderr).toContain('↑ 000_first');
    expect(run.stderr).not.toContain('stays applied');
    fx.remove('modules/ext/migrations/000_first.up.sql');
    expect(run.json.modules[0].failure).toMatchObject({ pgCode: '0A000', fix: expect.stringContaining('list "pg_trgm" in "extensions" in the module\'s bulkhead.json') });
    fx.write('modules/ext/bulkhead.json', JSON.stringify({ name: 'ext', database: { url: 'pglite://memory' }, extensions: ['pg_trgm'] }));
    expect((await runCli(['up'], { cwd: fx.root })).exitCode).toBe(0);
    // pgvector, declared, on an embedded database: its type, operators and index method work.
    fx.write('modules/ext/bulkhead.json', JSON.stringify({ name: 'ext', database: { url: 'pglite://memory' }, extensions: ['pg_trgm', 'vector'] }));
    fx.write(
      'modules/ext/migrations/002_vector.up.sql',
      "CREATE EXTENSION IF NOT EXISTS vector;\nCREATE TABLE ext_items (id int PRIMARY KEY, embedding vector(3));\nINSERT INTO ext_items VALUES (1, '[1,2,3]'), (2, '[3,2,1]');\nCREATE INDEX ON ext_items USING hnsw (embedding vector_l2_ops);\nDO $$ BEGIN IF (SELECT id FROM ext_items ORDER BY embedding <-> '[3,2,2]' LIMIT 1) <> 2 THEN RAISE EXCEPTION 'nearest is not 2'; END IF; END $$;\n",
    );
    const vector = await runCli(['up'], { cwd: fx.root });
    expect(vector.exitCode, vector.stderr).toBe(0);
    expect(vector.stderr).toContain('↑ 002_vector');
    // A DO block that creates one only where the server has it (supabase/postgres' pgsodium) is not refused.
    fx.write('modules/ext/migrations/003_optional.up.sql', "DO $$ BEGIN IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'hstore') THEN CREATE EXTENSION IF NOT EXISTS hstore; END IF; END $$;\n");
    const optional = await runCli(['up'], { cwd: fx.root });
    expect(optional.exitCode, optional.stderr).toBe(0);
    expect(optional.stderr).toContain('↑ 003_optional');
  });

  it("a migration that alters another tool's history table where the plan cannot see it (a DO block) fails naming that tool (Harbor's 0030 alters golang-migrate's; at top level it is BH065)", async () => {
    const url = await createDatabase();
    fx = makeWorkspace([
      {
        name: 'hb',
        url: '${HB_URL}',
        migrations: {
          '0001_init.up.sql': 'CREATE TABLE hb_items (id int);\n',
          '0002_data_version.up.sql': 'ALTER TABLE hb_items ADD COLUMN name text;\nDO $$ BEGIN ALTER TABLE schema_migrations ADD COLUMN data_version int; END $$;\n',
        },
      },
    ]);
    const r = await runCli(['up', '--json'], { cwd: fx.root, env: { HB_URL: url } });
    expect(r.exitCode).toBe(1);
    expect(r.json.modules[0].failure).toMatchObject({
      migration: '0002_data_version',
      statement: 2,
      line: 2,
      pgCode: '42P01',
      fix: 'schema_migrations is the history table of golang-migrate, dbmate and Rails, which Bulkhead does not use (it keeps its own, one per module): remove what the migration does to it, or create the table in an earlier migration if something still reads it',
    });
    // A table an earlier migration creates too (ory/hydra's networks beside networkx's): which one.
    fx.write('modules/hb/migrations/0002_data_version.up.sql', 'CREATE TABLE hb_items (id int);\n');
    const twice = await runCli(['up', '--json'], { cwd: fx.root, env: { HB_URL: url } });
    expect(twice.json.modules[0].failure).toMatchObject({ pgCode: '42P07', fix: expect.stringMatching(/^hb_items is created already by 0001_\w+, which runs before 0002_data_version: two migrations create it/) });
    // A table no migration of the module creates, nor any tool's: it comes from elsewhere. At the
    // top level the plan refuses it (BH074); after a query, whose effects the SQL does not show, the run tells.
    fx.write('modules/hb/migrations/0002_data_version.up.sql', 'ALTER TABLE hb_missing ADD COLUMN name text;\n');
    const planned = await runCli(['up', '--json'], { cwd: fx.root, env: { HB_URL: url } });
    expect(planned.exitCode).toBe(2);
    expect(planned.json.problems[0]).toMatchObject({ code: 'BH074', line: 1, fix: expect.stringMatching(/^no migration of hb creates hb_missing: it comes from elsewhere/) });
    fx.write('modules/hb/migrations/0002_data_version.up.sql', 'SELECT 1;\nALTER TABLE hb_missing ADD COLUMN name text;\n');
    const own = await runCli(['up', '--json'], { cwd: fx.root, env: { HB_URL: url } });
    expect(own.json.modules[0].failure).toMatchObject({ pgCode: '42P01', message: 'relation "hb_missing" does not exist' });
    expect(own.json.modules[0].failure.fix).toMatch(/^no migration of hb creates hb_missing: it comes from elsewhere/);
    // A migration whose comments name it (boundary's commented-out CREATE TABLE log_migration) does not make it.
    fx.write('modules/hb/migrations/0003_later.up.sql', '-- create table hb_missing (id int);\n/* CREATE TABLE hb_missing (x int); */\nSELECT 1;\n');
    const commented = await runCli(['up', '--json'], { cwd: fx.root, env: { HB_URL: url } });
    expect(commented.json.modules[0].failure.fix).toMatch(/^no migration of hb creates hb_missing: it comes from elsewhere/);
    fx.remove('modules/hb/migrations/0003_later.up.sql');
    // A goose folder's Go migration before it names the table (hatchet's v1_0_99.go): that one is named.
    fx.write('modules/hb/migrations/0001_fill.go', 'package migrations\n\nconst q = `CREATE TABLE hb_missing (id int)`\n');
    const code = await runCli(['up', '--json'], { cwd: fx.root, env: { HB_URL: url } });
    expect(code.json.modules[0].failure.fix).toBe('hb_missing is named in 0001_fill.go, a code migration before 0002_data_version that Bulkhead does not run (BH038): what it does must become a migration of hb (SQL, or knex TS/JS) that runs before 0002_data_version');
    fx.remove('modules/hb/migrations/0001_fill.go');
    // Its own history table, dropped where the plan cannot see it: said so, not "from elsewhere".
    fx.write('modules/hb/migrations/0002_data_version.up.sql', "DO $$ BEGIN EXECUTE 'DROP TABLE ' || 'hb_migrations'; END $$;\n");
    const history = await runCli(['up', '--json'], { cwd: fx.root, env: { HB_URL: url } });
    expect(history.json.modules[0].failure.fix).toMatch(/^public\.hb_migrations is hb's own history table, which 0002_data_version dropped/);
    fx.write('modules/hb/migrations/0002_data_version.up.sql', 'ALTER TABLE hb_missing ADD COLUMN name text;\n');
    // One the database has in a schema off the search path (supabase/storage's migrations name
    // storage's tables unqualified, and run with search_path=storage,public): the catalog says where.
    await query(url, 'CREATE SCHEMA hb; CREATE TABLE hb.hb_missing (id int); CREATE FUNCTION hb.hb_f() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$');
    const off = await runCli(['up', '--json'], { cwd: fx.root, env: { HB_URL: url } });
    expect(off.json.modules[0].failure).toMatchObject({
      pgCode: '42P01',
      fix: 'hb_missing exists in schema hb, which is not on the search path ("$user", public): write hb.hb_missing, or, if the module\'s objects live in hb, say so in its bulkhead.json ("database": { "schema": "hb" }): Bulkhead then puts hb first on the search path and keeps the module\'s history table there',
    });
    fx.write('modules/hb/migrations/0002_data_version.up.sql', 'SELECT hb_f();\n');
    const fn = await runCli(['up', '--json'], { cwd: fx.root, env: { HB_URL: url } });
    expect(fn.json.modules[0].failure).toMatchObject({ pgCode: '42883', fix: expect.stringMatching(/^hb_f\(\) exists in schema hb, which is not on the search path/) });
    await query(url, "CREATE TYPE hb.hb_mood AS ENUM ('ok')");
    fx.write('modules/hb/migrations/0002_data_version.up.sql', 'ALTER TABLE hb_items ADD COLUMN mood hb_mood;\n');
    const type = await runCli(['up', '--json'], { cwd: fx.root, env: { HB_URL: url } });
    expect(type.json.modules[0].failure).toMatchObject({ pgCode: '42704', fix: expect.stringMatching(/^type hb_mood exists in schema hb, which is not on the search path \("\$user", public\): write hb\.hb_mood/) });
    fx.write('modules/hb/migrations/0002_data_version.up.sql', 'SELECT hb_f();\n');
    // A function of that name on the search path with other arguments is a wrong call, not a wrong schema.
    await query(url, 'CREATE FUNCTION public.hb_f(x int) RETURNS int LANGUAGE sql AS $$ SELECT x $$');
    const sig = await runCli(['up', '--json'], { cwd: fx.root, env: { HB_URL: url } });
    expect(sig.json.modules[0].failure.pgCode).toBe('42883');
    expect(sig.json.modules[0].failure.fix ?? '').not.toContain('exists in schema hb');
  });

  it('sslmode is libpq\'s: no driver warning on every run, and a server without SSL is told how to connect', async () => {
    const url = new URL(await createDatabase());
    url.searchParams.set('sslmode', 'require');
    fx = makeWorkspace([{ name: 'tls', url: '${TLS_URL}', migrations: { '001_a.up.sql': 'CREATE TABLE tls_a (id int);\n' } }]);
    const r = await runCli(['status'], { cwd: fx.root, env: { TLS_URL: url.toString() } });
    expect(r.stderr).not.toContain('SECURITY WARNING');
    // The test server may or may not take TLS: either it connects, or the fix says what to write.
    if (r.exitCode !== 0) expect(r.stderr).toContain('fix: the server does not take encrypted connections: write sslmode=disable in the URL for it');
    // prefer connects either way, as psql does: with SSL where the server takes it, else without.
    url.searchParams.set('sslmode', 'prefer');
    const prefer = await runCli(['up'], { cwd: fx.root, env: { TLS_URL: url.toString() } });
    expect(prefer.exitCode, prefer.stderr).toBe(0);
    expect(prefer.stderr).not.toContain('SECURITY WARNING');
  });

  it('a table the first migration needs that no migration creates, or that a later one creates, is named so (tt-rss upgrades without their schema, an ordering slip)', async () => {
    const url = await createDatabase();
    fx = makeWorkspace([{ name: 'rss', url: '${RSS_URL}', migrations: { '003.up.sql': 'ALTER TABLE rss_entries ADD COLUMN num_comments int;\n' } }]);
    const env = { RSS_URL: url };
    // Seen in the SQL, it is refused before anything runs (BH074); after a query (whose effects the
    // SQL does not show) the run names it when it fails.
    const refusedFirst = await runCli(['up', '--json'], { cwd: fx.root, env });
    expect(refusedFirst.exitCode).toBe(2);
    expect(refusedFirst.json.problems[0]).toMatchObject({ code: 'BH074', fix: expect.stringMatching(/^no migration of rss creates rss_entries, and 003 is its first: the migrations start from a schema they do not hold/) });
    fx.write('modules/rss/migrations/003.up.sql', 'SELECT 1;\nALTER TABLE rss_entries ADD COLUMN num_comments int;\n');
    const none = await runCli(['up', '--json'], { cwd: fx.root, env });
    expect(none.exitCode).toBe(1);
    expect(none.json.modules[0].failure).toMatchObject({
      pgCode: '42P01',
      fix: 'no migration of rss creates rss_entries, and 003 is its first: the migrations start from a schema they do not hold (one kept beside them, as tt-rss keeps schema.sql, or built by another tool); make that schema the first migration, with a version before 003, and adopt a database that has it already with bulkhead baseline',
    });
    fx.write('modules/rss/migrations/004.up.sql', 'CREATE TABLE IF NOT EXISTS "rss_entries" (id int);\n');
    const later = await runCli(['up', '--json'], { cwd: fx.root, env });
    expect(later.json.modules[0].failure.fix).toBe('rss_entries is created by 004, which runs after 003 (migrations run in version order, 003 before 004): give 003 a later version than 004, or create rss_entries in it or before it — unless a database has applied either already');
    // Not the first migration: a later creator is still named; with none, where else it comes from.
    fx.write('modules/rss/migrations/002.up.sql', 'SELECT 1;\n');
    const middle = await runCli(['up', '--json'], { cwd: fx.root, env });
    expect(middle.json.modules[0].failure).toMatchObject({ migration: '003', pgCode: '42P01' });
    expect(middle.json.modules[0].failure.fix).toMatch(/^rss_entries is created by 004/);
    fx.write('modules/rss/migrations/004.up.sql', 'SELECT 2;\n');
    const gone = await runCli(['up', '--json'], { cwd: fx.root, env });
    expect(gone.json.modules[0].failure).toMatchObject({ migration: '003', pgCode: '42P01' });
    expect(gone.json.modules[0].failure.fix).toMatch(/^no migration of rss creates rss_entries: it comes from elsewhere — another tool's migrations these were written beside/);

    // A down naming a table no migration up to it creates (hasura-auth's comments on auth.migrations, its up on auth.schema_migrations).
    fx.remove('modules/rss/migrations/003.up.sql');
    fx.write('modules/rss/migrations/004.up.sql', 'CREATE TABLE rss_feeds (id int);\nCREATE INDEX rss_feeds_id ON rss_feeds (id);\nCOMMENT ON TABLE rss_feeds IS $$tracking migrations$$;\n');
    fx.write('modules/rss/migrations/004.down.sql', 'COMMENT ON TABLE rss_feed_log IS NULL;\nDROP TABLE rss_feeds;\n');
    const upFeeds = await runCli(['up'], { cwd: fx.root, env });
    expect(upFeeds.exitCode, upFeeds.stderr).toBe(0);
    const down = await runCli(['down', 'rss', '--json'], { cwd: fx.root, env });
    expect(down.json.modules[0].failure).toMatchObject({ migration: '004', direction: 'down', pgCode: '42P01', fix: "no migration of rss up to 004 creates rss_feed_log: the down names a table these migrations never make (a typo, or a name from another version or tool) — fix 004's down file, then accept the fix (the history's checksum covers it): bulkhead repair rss --accept 004 --reason <why>" });
    // One its up made another way (an index renamed) is not said to be unmade.
    fx.write('modules/rss/migrations/004.down.sql', 'ALTER INDEX rss_feeds_id RENAME TO rss_feeds_idx;\nALTER INDEX rss_feeds_id RENAME TO again;\n');
    const refused = await runCli(['down', 'rss'], { cwd: fx.root, env });
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toContain('modules/rss/migrations/004.up.sql or 004.down.sql changed after it was applied');
    const repaired = await runCli(['repair', 'rss', '--accept', '004', '--reason', 'fixed down'], { cwd: fx.root, env });
    expect(repaired.exitCode, repaired.stderr).toBe(0);
    const index = await runCli(['down', 'rss', '--json'], { cwd: fx.root, env });
    expect(index.json.modules[0].failure).toMatchObject({ migration: '004', pgCode: '42P01' });
    expect(index.json.modules[0].failure.fix ?? '').not.toContain('never make');
    // A name within two edits of one its up makes (gitness' 0069 down drops usergroups_reviewers, its up makes usergroup_reviewers): said.
    fx.write('modules/rss/migrations/004.down.sql', 'DROP TABLE rss_feed;\n');
    expect((await runCli(['repair', 'rss', '--accept', '004', '--reason', 'typo'], { cwd: fx.root, env })).exitCode).toBe(0);
    const typo = await runCli(['down', 'rss', '--json'], { cwd: fx.root, env });
    expect(typo.json.modules[0].failure.fix).toMatch(/^no migration of rss up to 004 creates rss_feed: the down names a table these migrations never make \(did you mean rss_feeds, which its up creates\?\) — fix 004's down file/);
  });

  it("failures whose cause is Bulkhead's way of running, or the server's limits, get a fix: a schema the deployment was to make, an enum value used where it is added, statement_timeout", async () => {
    const url = await createDatabase();
    fx = makeWorkspace([{ name: 'hb', url: '${HB_URL}', migrations: { '0001_init.up.sql': 'CREATE TABLE hb_items (id int);\n', '0002_data_version.up.sql': 'SELECT 1;\n' } }]);
    // A schema the migrations expect a deployment to have made (supabase/auth's "auth").
    fx.write('modules/hb/migrations/0002_data_version.up.sql', 'CREATE TABLE auth.users (id uuid PRIMARY KEY);\n');
    const schema = await runCli(['up', '--json'], { cwd: fx.root, env: { HB_URL: url } });
    expect(schema.json.modules[0].failure).toMatchObject({ pgCode: '3F000', line: 1, fix: expect.stringContaining('CREATE SCHEMA IF NOT EXISTS auth in an earlier migration') });
    expect(schema.json.modules[0].failure.fix).toContain('"database": { "schema": "auth" }');
    // A serial type where only CREATE TABLE and ADD COLUMN take one (quickwit's 14_update-shard-id down).
    fx.write('modules/hb/migrations/0002_data_version.up.sql', 'ALTER TABLE hb_items ALTER COLUMN id TYPE bigserial;\n');
    const serial = await runCli(['up', '--json'], { cwd: fx.root, env: { HB_URL: url } });
    expect(serial.json.modules[0].failure).toMatchObject({ pgCode: '42704', line: 1, fix: expect.stringContaining('bigserial is no type but a shorthand of CREATE TABLE and ADD COLUMN (the column is bigint, its default taken from a sequence of its own): in ALTER COLUMN … TYPE write bigint') });
    // A new enum value used in the migration that adds it.
    fx.write('modules/hb/migrations/0002_data_version.up.sql', "CREATE TYPE hb_mood AS ENUM ('a');\nALTER TABLE hb_items ADD COLUMN mood hb_mood;\nALTER TYPE hb_mood ADD VALUE 'b';\nUPDATE hb_items SET mood = 'b';\n");
    const enumValue = await runCli(['up', '--json'], { cwd: fx.root, env: { HB_URL: url } });
    expect(enumValue.json.modules[0].failure).toMatchObject({ pgCode: '55P04', line: 4, fix: expect.stringContaining('put the ALTER TYPE … ADD VALUE in a migration of its own, before the one that uses the value') });
    // The server's statement_timeout (here the database's): the fix says where it comes from and
    // that a SET in the migration gives it more time, which works (the setting is reset after it).
    await adminQuery(`ALTER DATABASE "${new URL(url).pathname.slice(1)}" SET statement_timeout = '300ms'`);
    fx.write('modules/hb/migrations/0002_data_version.up.sql', 'CREATE TABLE hb_slow (id int);\nSELECT pg_sleep(0.6);\n');
    const slow = await runCli(['up', '--json'], { cwd: fx.root, env: { HB_URL: url } });
    expect(slow.json.modules[0].failure).toMatchObject({ pgCode: '57014', line: 2, fix: expect.stringContaining("the server's statement_timeout stopped it (set for this database or role: SHOW statement_timeout): give this migration the time it needs with SET statement_timeout = '30min' as its first statement") });
    fx.write('modules/hb/migrations/0002_data_version.up.sql', "SET statement_timeout = '5s';\nCREATE TABLE hb_slow (id int);\nSELECT pg_sleep(0.6);\n");
    fx.write('modules/hb/migrations/0003_after.up.sql', 'SELECT pg_sleep(0.6);\n');
    const given = await runCli(['up', '--json'], { cwd: fx.root, env: { HB_URL: url } });
    // 0002 ran with its own timeout; 0003 had the database's again.
    expect(given.json.modules[0].migrations.map((m: { id: string }) => m.id)).toEqual(['0002_data_version']);
    expect(given.json.modules[0].failure).toMatchObject({ migration: '0003_after', pgCode: '57014' });
  });

  it('an ES-module .js migration in a package without "type": "module" runs without Node\'s note about reparsing it', async () => {
    fx = makeWorkspace([{ name: 'esm', url: 'pglite://memory', migrations: { '001_esm.js': "export async function up(knex) { await knex.raw('CREATE TABLE esm_t (id int)'); }\n" } }]);
    fx.write('package.json', '{ "name": "typeless" }\n');
    const r = await runCli(['up'], { cwd: fx.root });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toContain('esm: ✓ 1 applied');
    expect(r.stderr).not.toMatch(/MODULE_TYPELESS_PACKAGE_JSON|Reparsing as ES module/);
  });

  it('status and plan of modules in schemas of one database reuse a few sessions, as up does, not one per module', async () => {
    const url = await createDatabase();
    const names = Array.from({ length: 60 }, (_, i) => `m${i}`);
    fx = makeWorkspace(names.map((n) => ({ name: n, url: '${URL}', manifest: { database: { url: '${URL}', schema: n } }, migrations: { '001.up.sql': `CREATE TABLE ${n}_t (id int);\n` } })));
    const env = { URL: url };
    expect((await runCli(['up'], { cwd: fx.root, env })).exitCode).toBe(0);
    const database = new URL(url).pathname.slice(1);
    const sessions = async () => Number((await adminQuery('SELECT sessions FROM pg_stat_database WHERE datname = $1', [database]))[0]!.sessions);
    for (const command of ['status', 'plan']) {
      const before = await sessions();
      const r = await runCli([command], { cwd: fx.root, env });
      expect(r.exitCode, r.stderr).toBe(0);
      // A session's end is counted as it ends: wait for the count to settle.
      let after = await sessions();
      for (let i = 0; i < 20 && after - before < 1; i++) after = await new Promise((resolve) => setTimeout(resolve, 100)).then(sessions);
      expect(after - before, command).toBeGreaterThan(0);
      // As many as read at once (16), not 60.
      expect(after - before, command).toBeLessThanOrEqual(20);
    }
  });

  it("the repository's example modules migrate on a real server when their URL variables point there", async () => {
    const env = { ADMIN_DATABASE_URL: await createDatabase(), STORAGE_DATABASE_URL: await createDatabase(), QUERY_DATABASE_URL: await createDatabase() };
    const validate = await runCli(['validate'], { cwd: REPO, env });
    expect(validate.exitCode, validate.stderr).toBe(0);
    const up = await runCli(['up', '--json'], { cwd: REPO, env });
    expect(up.exitCode, up.stderr).toBe(0);
    expect(up.json.modules.map((m: any) => m.status)).toEqual(['applied', 'applied', 'applied']);
    const down = await runCli(['down', '--all'], { cwd: REPO, env });
    expect(down.exitCode, down.stderr).toBe(0);
    // Nothing of any module remains after all downs: no tables, no enum types (seed 004). Bulkhead's
    // own tables stay: the history and, for storage's no-transaction migration, its progress table.
    for (const url of Object.values(env)) {
      const left = await query(url, "SELECT typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = 'public' AND t.typtype = 'e'");
      expect(left).toEqual([]);
      const tables = await query(url, "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename NOT LIKE '%\\_migrations' AND tablename NOT LIKE '%\\_migrations\\_progress'");
      expect(tables).toEqual([]);
    }
    expect(fs.existsSync(path.join(REPO, 'modules/admin/bulkhead.json'))).toBe(true);
  });
});
