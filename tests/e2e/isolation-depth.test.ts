/**
 * Isolation in depth (SPEC §7, seed 004): a module's migrations never create, alter, drop, write
 * or reference another module's objects or schema. Caught before anything runs, by validate, plan
 * and up, with both modules, the object, the file and the line named.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createDatabase, makeWorkspace, query, REPO, runCli, tableExists, type Fixture } from '../support/fixtures.js';

let fx: Fixture | undefined;
afterEach(() => fx?.cleanup());

const memory = 'pglite://memory';

describe('ownership (seed 004: cross-module contamination)', () => {
  it('a migration creating a table another module owns is exit 2 from validate, plan and up, naming both modules, object, file and line; nothing is applied', async () => {
    fx = makeWorkspace([
      { name: 'inventory', url: 'pglite://.bulkhead/inventory', manifest: { owns: ['inventory_*'] }, migrations: { '001_items.up.sql': 'CREATE TABLE inventory_items (id int PRIMARY KEY);\n' } },
      {
        name: 'orders',
        url: 'pglite://.bulkhead/orders',
        dependsOn: ['inventory'],
        migrations: { '001_orders.up.sql': '-- orders\nCREATE TABLE orders (id int);\nCREATE TABLE inventory_items (id int);\n' },
      },
    ]);
    for (const args of [['validate'], ['plan'], ['up'], ['up', 'orders']]) {
      const r = await runCli(args, { cwd: fx.root });
      expect(r.exitCode, `${args.join(' ')}\n${r.stderr}`).toBe(2);
      expect(r.stderr).toContain('module orders, modules/orders/migrations/001_orders.up.sql:3:14: orders creates table public.inventory_items, which inventory owns (owns: "inventory_*") (BH043)');
      expect(r.stderr).toContain('fix: one module owns each object: move it into a migration of inventory');
    }
    // Nothing ran: not even the innocent module.
    expect(fs.existsSync(path.join(fx.root, '.bulkhead/inventory'))).toBe(false);
    const json = await runCli(['validate', '--json'], { cwd: fx.root });
    expect(json.json.problems).toContainEqual(expect.objectContaining({ code: 'BH043', module: 'orders', file: 'modules/orders/migrations/001_orders.up.sql', line: 3, column: 14 }));
  });

  it("a foreign server or dblink into another module's database is refused before anything runs; into its own it is not", async () => {
    fx = makeWorkspace([
      { name: 'storage', url: 'postgres://127.0.0.1:5432/shop_storage', migrations: { '001_files.up.sql': 'CREATE TABLE files (id int);\n' } },
      {
        name: 'query',
        url: 'postgres://127.0.0.1:5432/shop_query',
        dependsOn: ['storage'],
        migrations: {
          '001_remote.up.sql':
            "CREATE EXTENSION IF NOT EXISTS postgres_fdw;\nCREATE SERVER files_srv FOREIGN DATA WRAPPER postgres_fdw OPTIONS (host '127.0.0.1', dbname 'shop_storage');\nIMPORT FOREIGN SCHEMA public FROM SERVER files_srv INTO public;\nSELECT dblink_exec('dbname=shop_query', 'SELECT 1');\n",
        },
      },
    ]);
    for (const args of [['validate'], ['up', 'query']]) {
      const r = await runCli(args, { cwd: fx.root });
      expect(r.exitCode, r.stderr).toBe(2);
      expect(r.stderr).toContain("modules/query/migrations/001_remote.up.sql:2:86: query connects to module storage's database shop_storage (a foreign server's dbname), past the isolation that keeps each module to its own database (BH045)");
      // Its own database, through dblink: not another module's.
      expect(r.stderr).not.toContain('shop_query (a dblink');
    }
  });

  it("every object kind: a schema, sequence, procedure, collation, statistics or type of another module, named in a string, CALLed, or given away — before anything runs", async () => {
    fx = makeWorkspace([
      {
        name: 'ledger',
        url: 'pglite://.bulkhead/ledger',
        migrations: {
          '001_ledger.up.sql': `CREATE SCHEMA ledger_private;
CREATE SEQUENCE ledger_seq;
CREATE TYPE ledger_kind AS ENUM ('debit', 'credit');
CREATE PROCEDURE ledger_close() LANGUAGE sql AS 'select 1';
CREATE COLLATION ledger_ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
CREATE TABLE ledger_entries (id int, kind ledger_kind);
CREATE STATISTICS ledger_stats ON id, kind FROM ledger_entries;
`,
        },
      },
      {
        name: 'reports',
        url: 'pglite://.bulkhead/reports',
        dependsOn: ['ledger'],
        migrations: {
          '001_reports.up.sql': `CREATE TABLE reports (id int DEFAULT nextval('ledger_seq'::regclass), title text COLLATE ledger_ci);
SELECT setval('public.ledger_seq', 100);
CALL ledger_close();
CREATE TABLE ledger_private.report_cache (id int);
ALTER TYPE ledger_kind OWNER TO CURRENT_USER;
DROP STATISTICS ledger_stats;
`,
        },
      },
    ]);
    const r = await runCli(['up', '--json'], { cwd: fx.root });
    expect(r.exitCode, r.stderr).toBe(2);
    expect(r.json.problems.map((p: any) => `${p.code} ${p.line}:${p.column} ${p.message}`)).toEqual([
      'BH045 1:46 reports references sequence public.ledger_seq, which ledger creates (modules/ledger/migrations/001_ledger.up.sql:2)',
      'BH045 1:82 reports references collation public.ledger_ci, which ledger creates (modules/ledger/migrations/001_ledger.up.sql:5)',
      'BH043 2:15 reports writes to sequence public.ledger_seq, which ledger creates (modules/ledger/migrations/001_ledger.up.sql:2)',
      'BH045 3:6 reports references procedure public.ledger_close, which ledger creates (modules/ledger/migrations/001_ledger.up.sql:4)',
      'BH043 4:14 reports creates table ledger_private.report_cache, in schema ledger_private of module ledger',
      'BH043 5:1 reports alters type public.ledger_kind, which ledger creates (modules/ledger/migrations/001_ledger.up.sql:3)',
      'BH043 6:1 reports drops statistics public.ledger_stats, which ledger creates (modules/ledger/migrations/001_ledger.up.sql:7)',
    ]);
    expect(fs.existsSync(path.join(fx.root, '.bulkhead/ledger'))).toBe(false);
  });

  it('inside a DO block, in a down file, by ALTER/INDEX/trigger/INSERT, and an object outside the module’s own owns', async () => {
    fx = makeWorkspace([
      { name: 'inventory', url: memory, manifest: { owns: ['inventory_*'] }, migrations: { '001_items.up.sql': 'CREATE TABLE inventory_items (id int PRIMARY KEY);\n' } },
      {
        name: 'orders',
        url: memory,
        manifest: { owns: ['orders', 'order_*'] },
        migrations: {
          '001_orders.up.sql': `CREATE TABLE orders (id int);
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'inventory_status') THEN
    CREATE TYPE inventory_status AS ENUM ('in', 'out');
  END IF;
END $$;
ALTER TABLE inventory_items ADD COLUMN order_id int;
CREATE INDEX order_items_idx ON inventory_items (order_id);
INSERT INTO inventory_items VALUES (1);
CREATE TABLE audit_log (id int);
`,
          '001_orders.down.sql': 'DROP TABLE orders;\nDROP TABLE inventory_items;\n',
        },
      },
    ]);
    const r = await runCli(['validate', '--json'], { cwd: fx.root });
    expect(r.exitCode).toBe(2);
    const found = r.json.problems.map((p: { code: string; file: string; line: number; message: string }) => `${p.code} ${p.file.split('/').pop()}:${p.line} ${p.message}`);
    expect(found).toEqual([
      'BH043 001_orders.up.sql:5 orders creates type public.inventory_status (in a DO block), which inventory owns (owns: "inventory_*")',
      'BH043 001_orders.up.sql:8 orders alters table public.inventory_items, which inventory owns (owns: "inventory_*")',
      'BH043 001_orders.up.sql:9 orders alters table public.inventory_items, which inventory owns (owns: "inventory_*")',
      'BH043 001_orders.up.sql:10 orders writes to table public.inventory_items, which inventory owns (owns: "inventory_*")',
      'BH044 001_orders.up.sql:11 orders creates table public.audit_log, which matches none of its owns patterns ("orders", "order_*")',
      'BH043 001_orders.down.sql:2 orders drops table public.inventory_items, which inventory owns (owns: "inventory_*")',
    ]);
  });

  it('a TS migration is judged by the SQL it emits on a scratch database, named by file and line; one that cannot run there is a warning', async () => {
    fx = makeWorkspace([
      { name: 'inventory', url: memory, manifest: { owns: ['inventory_*'] }, migrations: { '001_items.up.sql': 'CREATE TABLE inventory_items (id int PRIMARY KEY);\n' } },
      {
        name: 'orders',
        url: memory,
        manifest: { owns: ['orders', 'order_*'] },
        migrations: {
          '001_orders.ts': `import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('orders', (t) => t.integer('id'));
  await knex.schema.createTable('inventory_items', (t) => {
    t.integer('id');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('orders');
}
`,
        },
      },
      {
        name: 'odd',
        url: memory,
        migrations: {
          '001_ext.up.sql': 'CREATE EXTENSION IF NOT EXISTS no_such_extension;\n',
          '002_t.ts': "export async function up(knex: any) { await knex.raw('CREATE TABLE inventory_stolen (id int)'); }\nexport async function down() {}\n",
        },
      },
      {
        // Its migrations start from a schema made elsewhere (a base schema, another tool).
        name: 'based',
        url: memory,
        migrations: { '001_alter.ts': "export async function up(knex: any) { await knex.raw('ALTER TABLE monitor ADD COLUMN x int'); }\nexport async function down() {}\n" },
      },
      {
        // A slip in the migration's own code: no extension, no schema would help.
        name: 'slip',
        url: memory,
        migrations: { '001_t.js': "exports.up = (knex) => knex.schema.creatTable('slip_t', (t) => t.increments());\nexports.down = (knex) => knex.schema.dropTable('slip_t');\n" },
      },
    ]);
    const r = await runCli(['validate', '--json'], { cwd: fx.root });
    expect(r.exitCode).toBe(2);
    expect(r.json.problems.map((p: { code: string; file: string; line: number; message: string }) => `${p.code} ${p.file}:${p.line} ${p.message}`)).toEqual([
      // odd's embedded database would not load the extension: up refuses it, and validate says so.
      'BH063 modules/odd/migrations/001_ext.up.sql:1 001_ext creates extension no_such_extension, which the embedded database (PGlite: its contrib extensions and vector) cannot load',
      'BH043 modules/orders/migrations/001_orders.ts:5 orders creates table public.inventory_items (in the SQL it emits), which inventory owns (owns: "inventory_*")',
    ]);
    expect(r.json.warnings).toContainEqual(
      expect.objectContaining({ code: 'BH048', module: 'odd', file: 'modules/odd/migrations/001_ext.up.sql', message: expect.stringContaining('no_such_extension'), fix: expect.stringContaining('declare the extensions') }),
    );
    expect(r.json.warnings).toContainEqual(
      expect.objectContaining({ code: 'BH048', module: 'based', message: expect.stringContaining('relation "monitor" does not exist'), fix: expect.stringContaining('create those in a first migration') }),
    );
    expect(r.json.warnings).toContainEqual(
      expect.objectContaining({ code: 'BH048', module: 'slip', message: expect.stringContaining('knex.schema.creatTable is not a function'), fix: expect.stringContaining("001_t's own code failed (a JavaScript error, not the database's)") }),
    );
    // The same verdict from up, before anything runs; and from the cache the second time.
    const up = await runCli(['up'], { cwd: fx.root });
    expect(up.exitCode).toBe(2);
    expect(up.stderr).toContain('modules/orders/migrations/001_orders.ts:5:1: orders creates table public.inventory_items (in the SQL it emits)');
  });

  it('what TS migrations emit is captured again when an environment variable their code read changes; the cache keeps a digest of it, never the value', async () => {
    // kutt's migrations load a config module that exits without JWT_SECRET: once it was set, lint
    // still said they could not be loaded, from the cache, until the cache folder was deleted.
    fx = makeWorkspace([
      { name: 'inventory', url: memory, manifest: { owns: ['inventory_*'] }, migrations: { '001_items.up.sql': 'CREATE TABLE inventory_items (id int PRIMARY KEY);\n' } },
      {
        name: 'shop',
        url: memory,
        manifest: { owns: ['shop_*'] },
        migrations: {
          '001_items.ts': "const table = () => process.env.SHOP_TABLE ?? 'shop_items';\nexport async function up(knex: any) { await knex.raw(`CREATE TABLE ${table()} (id int)`); }\nexport async function down(knex: any) { await knex.raw(`DROP TABLE ${table()}`); }\n",
          '002_config.ts': "if (!process.env.SHOP_SECRET) throw new Error('SHOP_SECRET is not set');\nexport async function up(knex: any) { await knex.raw('CREATE TABLE shop_orders (id int)'); }\nexport async function down(knex: any) { await knex.raw('DROP TABLE shop_orders'); }\n",
          '003_package.ts': "import { table } from 'shop-tables';\nexport async function up(knex: any) { await knex.raw(`CREATE TABLE ${table} (id int)`); }\nexport async function down(knex: any) { await knex.raw(`DROP TABLE ${table}`); }\n",
        },
      },
    ]);
    const cache = path.join(fx.root, '.cache');
    const env = { BULKHEAD_CACHE_DIR: cache };
    const unloaded = await runCli(['lint', 'shop', '--json'], { cwd: fx.root, env });
    expect(unloaded.json.findings).toContainEqual(expect.objectContaining({ code: 'BH-S003', file: 'modules/shop/migrations/002_config.ts', message: expect.stringContaining('SHOP_SECRET is not set') }));

    const secret = 'never-in-the-cache-31415';
    const missing = await runCli(['lint', 'shop', '--json'], { cwd: fx.root, env: { ...env, SHOP_SECRET: secret } });
    expect(missing.json.findings.filter((f: { code: string }) => f.code === 'BH-S003')).toEqual([expect.objectContaining({ file: 'modules/shop/migrations/003_package.ts', message: expect.stringContaining("Cannot find module 'shop-tables'") })]);
    // The package installed (no workspace file changes): what 003 does is captured now.
    fx.write('node_modules/shop-tables/package.json', JSON.stringify({ name: 'shop-tables', version: '1.0.0', main: 'index.js' }));
    fx.write('node_modules/shop-tables/index.js', "exports.table = 'shop_extras';\n");
    const linted = await runCli(['lint', 'shop', '--json'], { cwd: fx.root, env: { ...env, SHOP_SECRET: secret } });
    expect(linted.json.findings.filter((f: { code: string }) => f.code === 'BH-S003')).toEqual([]);
    expect((await runCli(['validate'], { cwd: fx.root, env: { ...env, SHOP_SECRET: secret } })).exitCode).toBe(0);

    // The same files, another value: what 001 creates is another module's table now.
    const moved = await runCli(['validate', '--json'], { cwd: fx.root, env: { ...env, SHOP_SECRET: secret, SHOP_TABLE: 'inventory_items' } });
    expect(moved.exitCode).toBe(2);
    expect(moved.json.problems).toContainEqual(expect.objectContaining({ code: 'BH043', message: expect.stringContaining('shop creates table public.inventory_items (in the SQL it emits), which inventory owns') }));

    const cached = fs.readdirSync(cache, { recursive: true, withFileTypes: true }).filter((d) => d.isFile());
    expect(cached.length).toBeGreaterThan(0);
    for (const f of cached) expect(fs.readFileSync(path.join(f.parentPath, f.name), 'utf8')).not.toContain(secret);
  });

  it('what TS/JS migrations emit is captured again when a file their code reads (a .sql file they send) or a folder it lists changes', async () => {
    // A common knex pattern: the migration sends a SQL file kept beside it. Its own checksum does
    // not change when the file does; the cached SQL did not either.
    fx = makeWorkspace([
      { name: 'inventory', url: memory, manifest: { owns: ['inventory_*'] }, migrations: { '001_items.up.sql': 'CREATE TABLE inventory_items (id int PRIMARY KEY);\n' } },
      {
        name: 'shop',
        url: memory,
        migrations: {
          '001_init.js': "const fs = require('fs');\nconst path = require('path');\nexports.up = async (knex) => { await knex.raw(fs.readFileSync(path.join(__dirname, 'sql', 'init.sql'), 'utf8')); };\nexports.down = async (knex) => { await knex.raw('DROP TABLE shop_items'); };\n",
          '002_more.mjs': "import { readFile } from 'node:fs/promises';\nexport async function up(knex) { await knex.raw(await readFile(new URL('./sql/more.sql', import.meta.url), 'utf8')); }\nexport async function down(knex) { await knex.raw('DROP TABLE shop_more'); }\n",
        },
      },
    ]);
    fx.write('modules/shop/migrations/sql/init.sql', 'CREATE TABLE shop_items (id int);\n');
    fx.write('modules/shop/migrations/sql/more.sql', 'CREATE TABLE shop_more (id int);\n');
    const env = { BULKHEAD_CACHE_DIR: path.join(fx.root, '.cache') };
    expect((await runCli(['validate'], { cwd: fx.root, env })).exitCode).toBe(0);
    for (const file of ['init', 'more']) {
      fx.write(`modules/shop/migrations/sql/${file}.sql`, 'CREATE TABLE inventory_items (id int);\n');
      const moved = await runCli(['validate', '--json'], { cwd: fx.root, env });
      expect(moved.exitCode, file).toBe(2);
      expect(moved.json.problems, file).toContainEqual(expect.objectContaining({ code: 'BH043', message: expect.stringContaining('shop creates table public.inventory_items (in the SQL it emits), which inventory owns') }));
      fx.write(`modules/shop/migrations/sql/${file}.sql`, `CREATE TABLE shop_${file === 'init' ? 'items' : 'more'} (id int);\n`);
      expect((await runCli(['validate'], { cwd: fx.root, env })).exitCode, file).toBe(0);
    }
    // Every file of a folder: one added to it is sent too.
    fx.write('modules/shop/migrations/003_all.js', "const fs = require('fs');\nconst path = require('path');\nconst dir = path.join(__dirname, 'all');\nexports.up = async (knex) => { for (const f of fs.readdirSync(dir).sort()) await knex.raw(fs.readFileSync(path.join(dir, f), 'utf8')); };\nexports.down = async () => {};\n");
    fx.write('modules/shop/migrations/all/01.sql', 'CREATE TABLE shop_all (id int);\n');
    expect((await runCli(['validate'], { cwd: fx.root, env })).exitCode).toBe(0);
    fx.write('modules/shop/migrations/all/02.sql', 'CREATE TABLE inventory_items (id int);\n');
    const added = await runCli(['validate', '--json'], { cwd: fx.root, env });
    expect(added.exitCode).toBe(2);
    expect(added.json.problems).toContainEqual(expect.objectContaining({ code: 'BH043', file: 'modules/shop/migrations/003_all.js' }));
  });

  it('what TS migrations emit is captured again when what Node loads first changes (a preload defining the globals they read)', async () => {
    // wiki.js's migrations read WIKI.config, a global its application defines: a preload
    // (NODE_OPTIONS="--import ./globals.mjs") defines it, and the cache must not keep the failure
    // of a run without it, nor the SQL of a run with other values.
    fx = makeWorkspace([
      { name: 'inventory', url: memory, manifest: { owns: ['inventory_*'] }, migrations: { '001_items.up.sql': 'CREATE TABLE inventory_items (id int PRIMARY KEY);\n' } },
      {
        name: 'wiki',
        url: memory,
        migrations: { '001_pages.js': "exports.up = async (knex) => { await knex.raw(`CREATE TABLE ${WIKI.table} (id int)`); };\nexports.down = async (knex) => { await knex.raw(`DROP TABLE ${WIKI.table}`); };\n" },
      },
    ]);
    const env = { BULKHEAD_CACHE_DIR: path.join(fx.root, '.cache') };
    const bare = await runCli(['validate', '--json'], { cwd: fx.root, env });
    expect(bare.json.warnings).toContainEqual(
      expect.objectContaining({ code: 'BH048', module: 'wiki', message: expect.stringContaining('WIKI is not defined'), fix: expect.stringContaining('NODE_OPTIONS="--import ./wiki-globals.mjs" bulkhead') }),
    );
    fx.write('wiki-globals.mjs', "globalThis.WIKI = { table: 'wiki_pages' };\n");
    const preloaded = { ...env, NODE_OPTIONS: '--import ./wiki-globals.mjs' };
    const defined = await runCli(['validate', '--json'], { cwd: fx.root, env: preloaded });
    expect(defined.exitCode).toBe(0);
    expect(defined.json.warnings).toEqual([]);
    // The preload's file changed: the table it names is another module's now.
    fx.write('wiki-globals.mjs', "globalThis.WIKI = { table: 'inventory_items' };\n");
    const moved = await runCli(['validate', '--json'], { cwd: fx.root, env: preloaded });
    expect(moved.exitCode).toBe(2);
    expect(moved.json.problems).toContainEqual(expect.objectContaining({ code: 'BH043', message: expect.stringContaining('wiki creates table public.inventory_items (in the SQL it emits), which inventory owns') }));
    // And without the preload again: the failure, not the SQL of a run that had it.
    const without = await runCli(['validate', '--json'], { cwd: fx.root, env });
    expect(without.json.warnings).toContainEqual(expect.objectContaining({ code: 'BH048', message: expect.stringContaining('WIKI is not defined') }));
  });

  it('without owns: an object another module creates, even in another database (the wrong-database case), is caught and attributed by name', async () => {
    fx = makeWorkspace([
      { name: 'storage', url: 'pglite://.bulkhead/storage', migrations: { '001_init.up.sql': 'CREATE TABLE storage_elem_01_files (id int);\n' } },
      {
        name: 'query',
        url: 'pglite://.bulkhead/query',
        migrations: {
          '001_init.up.sql': 'CREATE TABLE file_metadata_cache (id int);\nCREATE TABLE storage_elem_01_files (id int);\nCREATE VIEW recent AS SELECT * FROM storage_elem_01_files;\n',
          '001_init.down.sql': 'DROP VIEW recent;\nDROP TABLE storage_elem_01_files;\nDROP TABLE file_metadata_cache;\n',
        },
      },
    ]);
    const r = await runCli(['validate'], { cwd: fx.root });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('query creates table public.storage_elem_01_files, which storage also creates (modules/storage/migrations/001_init.up.sql:1) (BH043)');
    // Its view over the table is not reported again: using what it (wrongly) creates is one mistake.
    expect(r.stderr).not.toContain('query references');
    // Nor its down's DROP: the conflict is told once, where it creates the table.
    expect(r.stderr).not.toContain('query drops table');
    expect(r.stderr).not.toContain('file_metadata_cache');
    // A name of storage's (its prefix) is storage's: no "each keeps its own" way out.
    expect(r.stderr).not.toContain('if each keeps');
    // A per-module call (what `nx run query:migrate` runs) reads only query's migrations for its
    // plan, but storage's say what storage creates all the same: nothing is applied.
    for (const args of [['up', 'query'], ['plan', 'query']]) {
      const one = await runCli(args, { cwd: fx.root });
      expect(one.exitCode).toBe(2);
      expect(one.stderr).toContain('query creates table public.storage_elem_01_files, which storage also creates (modules/storage/migrations/001_init.up.sql:1) (BH043)');
    }
    expect(fs.existsSync(path.join(fx.root, '.bulkhead/query'))).toBe(false);
    // Another module's own problems are its commands' to tell: storage's stray file does not stop query's call.
    fs.writeFileSync(path.join(fx.root, 'modules/storage/migrations/notes.sql'), 'SELECT 1;\n');
    expect((await runCli(['up', 'query'], { cwd: fx.root })).stderr).not.toContain('notes.sql');
  });

  it('two modules on different databases that each create a table of one name (auth and billing users) are told how to say each keeps its own: owns in both', async () => {
    fx = makeWorkspace([
      { name: 'auth', url: 'pglite://.bulkhead/auth', migrations: { '001_users.up.sql': 'CREATE TABLE users (id int PRIMARY KEY, email text);\n' } },
      { name: 'billing', url: 'pglite://.bulkhead/billing', migrations: { '001_users.up.sql': 'CREATE TABLE users (id int PRIMARY KEY, plan text);\nALTER TABLE users ADD COLUMN x int;\nCREATE TABLE invoices (id int);\n' } },
    ]);
    const r = await runCli(['validate'], { cwd: fx.root });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('billing creates table public.users, which auth also creates');
    expect(r.stderr).toContain('if each keeps a table of its own (billing and auth are on different databases), say so in both manifests (modules/billing/bulkhead.json, modules/auth/bulkhead.json): "owns": ["*"] (everything the module creates in its own database and schema), or "owns": ["users", …]');
    // Its own ALTER of its own users is not a second problem.
    expect(r.stderr).not.toContain('billing alters');
    fx.write('modules/auth/bulkhead.json', JSON.stringify({ name: 'auth', database: { url: 'pglite://.bulkhead/auth' }, owns: ['users'] }));
    fx.write('modules/billing/bulkhead.json', JSON.stringify({ name: 'billing', database: { url: 'pglite://.bulkhead/billing' }, owns: ['users', 'invoices'] }));
    const ok = await runCli(['validate'], { cwd: fx.root });
    expect(ok.exitCode, ok.stderr).toBe(0);
    // "*" in both says the same without listing each object.
    fx.write('modules/auth/bulkhead.json', JSON.stringify({ name: 'auth', database: { url: 'pglite://.bulkhead/auth' }, owns: ['*'] }));
    fx.write('modules/billing/bulkhead.json', JSON.stringify({ name: 'billing', database: { url: 'pglite://.bulkhead/billing' }, owns: ['*'] }));
    const all = await runCli(['validate'], { cwd: fx.root });
    expect(all.exitCode, all.stderr).toBe(0);

    // Two apps' schemas side by side: their objects of one name are one problem per pair, with one fix (--json keeps each).
    fx.write('modules/auth/bulkhead.json', JSON.stringify({ name: 'auth', database: { url: 'pglite://.bulkhead/auth' } }));
    fx.write('modules/billing/bulkhead.json', JSON.stringify({ name: 'billing', database: { url: 'pglite://.bulkhead/billing' } }));
    fx.write('modules/auth/migrations/002_more.up.sql', 'CREATE TABLE sessions (id int);\nCREATE INDEX users_email_idx ON users (email);\n');
    fx.write('modules/billing/migrations/002_more.up.sql', 'CREATE TABLE sessions (id int);\nCREATE INDEX users_email_idx ON users (plan);\n');
    const many = await runCli(['validate'], { cwd: fx.root });
    expect(many.exitCode).toBe(2);
    expect(many.stderr).toContain('module billing, modules/billing/migrations/001_users.up.sql:1:14: billing creates 3 objects of the names auth also creates: table public.users (001_users.up.sql:1; auth\'s 001_users.up.sql:1), table public.sessions (002_more.up.sql:1; auth\'s 002_more.up.sql:1), index public.users_email_idx (002_more.up.sql:2; auth\'s 002_more.up.sql:2) (BH043)');
    expect(many.stderr).toContain('fix: if each keeps objects of its own (billing and auth are on different databases), say so in both manifests (modules/billing/bulkhead.json, modules/auth/bulkhead.json): "owns": ["*"]');
    expect(many.stderr.match(/BH043/g)).toHaveLength(1);
    const json = await runCli(['validate', '--json'], { cwd: fx.root });
    expect(json.json.problems.filter((p: { code: string }) => p.code === 'BH043')).toHaveLength(3);
    expect(json.json.problems.find((p: { message: string }) => p.message.includes('index')).fix).toContain('if each keeps an index of its own');
    // "*" in both covers the index too (it is its table's owner's).
    fx.write('modules/auth/bulkhead.json', JSON.stringify({ name: 'auth', database: { url: 'pglite://.bulkhead/auth' }, owns: ['*'] }));
    fx.write('modules/billing/bulkhead.json', JSON.stringify({ name: 'billing', database: { url: 'pglite://.bulkhead/billing' }, owns: ['*'] }));
    const settled = await runCli(['validate'], { cwd: fx.root });
    expect(settled.exitCode, settled.stderr).toBe(0);
  });


  it("temporary tables two modules' backfills make with one name (openmeter's CREATE TEMP TABLE … ON COMMIT DROP) are each session's own: no conflict, and up runs", async () => {
    const backfill = (table: string) =>
      `CREATE TABLE ${table} (id int, flagged boolean);\nCREATE TEMP TABLE tmp_map ON COMMIT DROP AS SELECT id FROM ${table};\nCREATE INDEX tmp_map_id ON tmp_map (id);\nUPDATE ${table} SET flagged = true FROM tmp_map WHERE tmp_map.id = ${table}.id;\n`;
    fx = makeWorkspace([
      { name: 'auth', url: 'pglite://.bulkhead/auth', migrations: { '001_users.up.sql': backfill('users') } },
      { name: 'billing', url: 'pglite://.bulkhead/billing', migrations: { '001_invoices.up.sql': backfill('invoices') } },
    ]);
    const r = await runCli(['validate'], { cwd: fx.root });
    expect(r.exitCode, r.stderr).toBe(0);
    const up = await runCli(['up'], { cwd: fx.root });
    expect(up.exitCode, up.stderr).toBe(0);
    expect(up.stderr).toContain('billing: ✓ 1 applied');
    // A permanent table of that name in both is still a conflict.
    fx.write('modules/billing/migrations/002_map.up.sql', 'CREATE TABLE tmp_map (id int);\n');
    fx.write('modules/auth/migrations/002_map.up.sql', 'CREATE TABLE tmp_map (id int);\n');
    const both = await runCli(['validate'], { cwd: fx.root });
    expect(both.exitCode).toBe(2);
    expect(both.stderr).toContain('also creates');
  });
  it('a module with no conflicts, its examples and its rename into its own names are clean; the analysis is cached by checksum', async () => {
    fx = makeWorkspace([
      { name: 'a', url: memory, manifest: { owns: ['a_*'] }, migrations: { '001.up.sql': 'CREATE TABLE a_one (id int);\nALTER TABLE a_one RENAME TO a_two;\nCREATE INDEX any_name_idx ON a_two (id);\n' } },
      { name: 'b', url: memory, manifest: { owns: ['b_*'] }, migrations: { '001.up.sql': 'CREATE TABLE b_one (id int);\nSELECT count(*) FROM b_one;\n' } },
    ]);
    const env = { BULKHEAD_CACHE_DIR: path.join(fx.root, '.cache') };
    expect((await runCli(['validate'], { cwd: fx.root, env })).exitCode).toBe(0);
    const cacheDir = path.join(fx.root, '.cache/analysis');
    const [dir] = fs.readdirSync(cacheDir);
    // A version line, then one `<checksum>\t<entry>` line per migration.
    const [version, ...lines] = fs.readFileSync(path.join(cacheDir, dir!, 'a.lines'), 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    // A cached entry is what the next run reads: poison it and the next run reports the poison.
    const [sum, json] = lines[0]!.split('\t');
    const entry = JSON.parse(json!);
    entry.up.push({ action: 'create', kind: 'table', name: 'b_stolen', line: 9, column: 1 });
    fs.writeFileSync(path.join(cacheDir, dir!, 'a.lines'), `${version}\n${sum}\t${JSON.stringify(entry)}\n`);
    const again = await runCli(['validate'], { cwd: fx.root, env });
    expect(again.exitCode).toBe(2);
    expect(again.stderr).toContain('a creates table public.b_stolen, which b owns');

    const repo = await runCli(['validate'], { cwd: REPO });
    expect(repo.exitCode, repo.stderr).toBe(0);
  });
});

describe('schema mode (modules sharing a database, one schema each)', () => {
  it('each module migrates in its own schema; a view or a foreign key into another module’s schema is exit 2 naming both', async () => {
    const url = await createDatabase();
    fx = makeWorkspace([
      {
        name: 'billing',
        url: '${DB}',
        manifest: { database: { url: '${DB}', schema: 'billing' } },
        migrations: { '001_invoices.up.sql': 'CREATE SCHEMA IF NOT EXISTS billing;\nCREATE TABLE invoices (id int PRIMARY KEY);\n' },
      },
      {
        name: 'orders',
        url: '${DB}',
        dependsOn: ['billing'],
        manifest: { database: { url: '${DB}', schema: 'orders' } },
        migrations: { '001_orders.up.sql': 'CREATE SCHEMA IF NOT EXISTS orders;\nCREATE TABLE orders (id int PRIMARY KEY, invoice_id int);\n' },
      },
    ]);
    const env = { DB: url };
    const ok = await runCli(['up'], { cwd: fx.root, env });
    expect(ok.exitCode, ok.stderr).toBe(0);
    expect(await tableExists(url, 'billing.invoices')).toBe(true);
    expect(await tableExists(url, 'orders.orders')).toBe(true);
    expect(await tableExists(url, 'public.orders')).toBe(false);
    expect(await tableExists(url, 'orders.orders_migrations')).toBe(true);

    fx.write(
      'modules/orders/migrations/002_report.up.sql',
      'ALTER TABLE orders ADD CONSTRAINT fk_invoice\n  FOREIGN KEY (invoice_id) REFERENCES billing.invoices (id);\nCREATE VIEW unpaid AS SELECT o.* FROM orders o JOIN billing.invoices i ON i.id = o.invoice_id;\n',
    );
    const bad = await runCli(['up'], { cwd: fx.root, env });
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain('modules/orders/migrations/002_report.up.sql:2:39: orders references relation billing.invoices, in schema billing of module billing (BH045)');
    expect(bad.stderr).toContain('002_report.up.sql:3:53: orders references relation billing.invoices');
    const [row] = await query<{ n: string }>(url, 'SELECT count(*)::text AS n FROM orders.orders_migrations');
    expect(row!.n).toBe('1');
    expect(await tableExists(url, 'orders.unpaid')).toBe(false);

    // Unqualified names after the migration's own SET search_path (or set_config) land in that
    // schema: billing's, here — before anything runs (up had applied them there).
    fx.write('modules/orders/migrations/002_report.up.sql', '-- into billing\nSET search_path TO billing, public;\nCREATE TABLE order_totals (id int);\n');
    fx.write('modules/orders/migrations/003_flag.up.sql', "SELECT set_config('search_path', 'billing', true);\nALTER TABLE invoices ADD COLUMN flagged boolean;\nRESET search_path;\nCREATE TABLE flags (id int);\n");
    // A grant on everything in billing's schema, and a child table of billing's: they change billing's objects.
    fx.write('modules/orders/migrations/004_reach.up.sql', 'GRANT SELECT ON ALL TABLES IN SCHEMA billing TO PUBLIC;\nCREATE TABLE invoice_copies () INHERITS (billing.invoices);\n');
    const moved = await runCli(['up', '--json'], { cwd: fx.root, env });
    expect(moved.exitCode).toBe(2);
    expect(moved.json.problems.map((p: any) => `${p.code} ${p.file.replace(/.*\//, '')}:${p.line} ${p.message}`)).toEqual([
      'BH043 002_report.up.sql:3 orders creates table billing.order_totals (unqualified, after the SET search_path at line 2), in schema billing of module billing',
      'BH043 003_flag.up.sql:2 orders alters table billing.invoices (unqualified, after the SET search_path at line 1), in schema billing of module billing',
      "BH043 004_reach.up.sql:1 orders alters schema billing, which is module billing's (its manifest's schema)",
      'BH043 004_reach.up.sql:2 orders alters table billing.invoices, in schema billing of module billing',
    ]);
    expect(await tableExists(url, 'billing.order_totals')).toBe(false);
    expect(await tableExists(url, 'orders.flags')).toBe(false);
  });

  it("a module with a schema of its own reaching, unqualified, another module's public tables on its database (its search path is <schema>, public) is exit 2; its own names and other databases' are not", async () => {
    const url = await createDatabase();
    const other = await createDatabase();
    fx = makeWorkspace([
      { name: 'auth', url: '${DB}', migrations: { '001_users.up.sql': 'CREATE TABLE users (id int PRIMARY KEY);\nCREATE TABLE sessions (id int);\n' } },
      {
        name: 'billing',
        url: '${DB}',
        dependsOn: ['auth'],
        manifest: { database: { url: '${DB}', schema: 'billing' } },
        migrations: {
          // Its own sessions (created in billing first) is its own; users is found in public: auth's.
          '001_billing.up.sql': 'CREATE TABLE sessions (id int);\nINSERT INTO sessions VALUES (1);\nCREATE VIEW payer_ids AS SELECT id FROM users;\nALTER TABLE users ADD COLUMN payer boolean;\n',
        },
      },
      // Another database's public.users is not what an unqualified name on this one finds.
      { name: 'crm', url: '${OTHER}', manifest: { database: { url: '${OTHER}', schema: 'crm' } }, migrations: { '001_crm.up.sql': 'CREATE TABLE contacts (id int);\nCREATE VIEW contact_users AS SELECT id FROM users;\n' } },
    ]);
    const r = await runCli(['up', '--json'], { cwd: fx.root, env: { DB: url, OTHER: other } });
    expect(r.exitCode).toBe(2);
    expect(r.json.problems.map((p: any) => `${p.code} ${p.line}:${p.column} ${p.message}`)).toEqual([
      "BH045 3:41 billing references relation public.users (unqualified: billing's schema billing has no users, so its search path finds public's), which auth creates (modules/auth/migrations/001_users.up.sql:1)",
      "BH043 4:13 billing alters table public.users (unqualified: billing's schema billing has no users, so its search path finds public's), which auth creates (modules/auth/migrations/001_users.up.sql:1)",
    ]);
    expect(await tableExists(url, 'public.users')).toBe(false);
  });
});

describe('stray migrations (seed 000: a second, forgotten migrations folder)', () => {
  it('a folder of migrations inside a module that its manifest does not point at is exit 2; one outside any module is a warning', async () => {
    fx = makeWorkspace([{ name: 'app', url: memory, migrations: { '001_a.up.sql': 'CREATE TABLE a (id int);\n' } }]);
    fx.write('modules/app/db/alembic/env.py', '');
    for (const i of [1, 2, 3]) fx.write(`modules/app/db/alembic/versions/00${i}_rev.py`, `revision = '${i}'\n`);
    fx.write('modules/app/db/alembic/versions/__init__.py', '');
    fx.write('modules/app/db/knex/migrations/20240101120000_init.js', 'exports.up = () => {};\n');
    fx.write('modules/app/old/001_init.up.sql', 'CREATE TABLE old (id int);\n');
    fx.write('modules/app/diesel/2024-01-01-000000_init/up.sql', 'SELECT 1;\n');
    fx.write('services/legacy/sql/V1__init.sql', 'SELECT 1;\n');
    fx.write('services/legacy/sql/V1_1__more.sql', 'SELECT 1;\n');
    const r = await runCli(['validate', '--json'], { cwd: fx.root });
    expect(r.exitCode).toBe(2);
    const shown = r.json.problems.map((p: { code: string; file: string; message: string }) => `${p.code} ${p.file}: ${p.message}`);
    expect(shown).toEqual([
      'BH047 modules/app/db/alembic/versions: holds 3 Alembic migrations that no bulkhead.json points at; module app runs modules/app/migrations',
      'BH047 modules/app/db/knex/migrations: holds 1 knex migration that no bulkhead.json points at; module app runs modules/app/migrations',
      'BH047 modules/app/diesel: holds 1 diesel migration that no bulkhead.json points at; module app runs modules/app/migrations',
      'BH047 modules/app/old: holds 1 up/down SQL (golang-migrate, Bulkhead) migration that no bulkhead.json points at; module app runs modules/app/migrations',
    ]);
    expect(r.json.problems[3].fix).toContain('or point "migrations" in modules/app/bulkhead.json at it');
    // Alembic's revisions: how Alembic itself prints their SQL (the first one's, 001_rev: revision '1').
    expect(r.json.problems[0].fix).toContain('alembic upgrade 1 --sql > <version>_<name>.up.sql for 1');
    expect(r.json.warnings).toContainEqual(expect.objectContaining({ code: 'BH047', file: 'services/legacy/sql', message: 'holds 2 Flyway migrations that no bulkhead.json points at' }));
    // up refuses as validate does: nothing is applied while the module's second folder is there.
    const db = path.join(fx.root, '.bulkhead/app');
    fx.write('modules/app/bulkhead.json', JSON.stringify({ name: 'app', database: { url: 'pglite://.bulkhead/app' } }));
    const up = await runCli(['up'], { cwd: fx.root });
    expect(up.exitCode).toBe(2);
    expect(up.stderr).toContain('modules/app/old: holds 1 up/down SQL (golang-migrate, Bulkhead) migration that no bulkhead.json points at; module app runs modules/app/migrations (BH047)');
    expect(fs.existsSync(db)).toBe(false);
    // Pointing the manifest at the folder makes it the module's; nothing is stray then.
    fx.remove('modules/app/db');
    fx.remove('modules/app/diesel');
    fx.remove('modules/app/migrations');
    fx.write('modules/app/bulkhead.json', JSON.stringify({ name: 'app', database: { url: memory }, migrations: 'old' }));
    const fixed = await runCli(['validate'], { cwd: fx.root });
    expect(fixed.exitCode, fixed.stderr).toBe(0);
    expect(fixed.stderr).toContain('services/legacy/sql');
    // A manifest that does not load (a URL no database has) is its own problem: its folder is not called stray.
    fx.write('modules/app/bulkhead.json', JSON.stringify({ name: 'app', database: { url: 'mysql://localhost/app' }, migrations: 'old' }));
    const unread = await runCli(['validate', '--json'], { cwd: fx.root });
    expect(unread.exitCode).toBe(2);
    expect(unread.json.problems.map((p: { code: string }) => p.code)).toEqual(['BH018']);
    expect(unread.json.warnings.map((p: { file: string }) => p.file)).toEqual(['services/legacy/sql']);
  });
});

describe('migration-level requires', () => {
  it('a dependsOn cycle whose requires also cycle is exit 2 printing the migration chain', async () => {
    fx = makeWorkspace([
      { name: 'a', url: memory, dependsOn: ['b'], migrations: { '001_a.up.sql': 'SELECT 1;\n', '002_a.up.sql': '-- bulkhead:requires b:002_b\nSELECT 1;\n' } },
      { name: 'b', url: memory, dependsOn: ['a'], migrations: { '001_b.up.sql': '-- bulkhead:requires a:002_a\nSELECT 1;\n', '002_b.up.sql': 'SELECT 1;\n' } },
    ]);
    const r = await runCli(['validate'], { cwd: fx.root });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain("dependency cycle: a → b → a; its migrations' requires form a cycle too: a:002_a → b:002_b → b:001_b → a:002_a (each needs the next applied first) (BH007)");
    const up = await runCli(['up'], { cwd: fx.root });
    expect(up.exitCode).toBe(2);
  });
});
