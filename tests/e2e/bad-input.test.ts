/**
 * Every bad input stops the run with exit 2, a message naming module, file, field or variable
 * and the fix — and nothing is applied, not even to the modules that are fine.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { adminQuery, createDatabase, makeWorkspace, query, runCli, tableExists, type Fixture } from '../support/fixtures.js';

let fx: Fixture;
let goodUrl: string;

beforeEach(async () => {
  goodUrl = await createDatabase();
});
afterEach(() => fx?.cleanup());

/** A workspace with one valid module (`good`, on a real database) plus whatever the case adds. */
function workspace(extra: (f: Fixture) => void) {
  fx = makeWorkspace([{ name: 'good', url: '${GOOD_URL}', migrations: { '001_good.up.sql': 'CREATE TABLE good_t (id int);\n' } }]);
  extra(fx);
  return fx;
}

async function expectRefused(args: string[], expected: { code: string; text: (string | RegExp)[] }, env: Record<string, string> = {}) {
  const r = await runCli(args, { cwd: fx.root, env: { GOOD_URL: goodUrl, ...env } });
  expect(r.exitCode, r.stderr).toBe(2);
  expect(r.stderr).toContain(expected.code);
  for (const t of expected.text) {
    if (typeof t === 'string') expect(r.stderr).toContain(t);
    else expect(r.stderr).toMatch(t);
  }
  expect(await tableExists(goodUrl, 'good_migrations')).toBe(false);
  expect(await tableExists(goodUrl, 'good_t')).toBe(false);
  return r;
}

const manifest = (o: Record<string, unknown>) => JSON.stringify({ name: 'bad', database: { url: 'pglite://memory' }, ...o });

describe('bad input: exit 2, named precisely, nothing applied', () => {
  it('unknown and invalid manifest fields, all reported at once', async () => {
    workspace((f) => {
      f.write('modules/bad/bulkhead.json', JSON.stringify({ name: 'Bad_Name', database: { url: 'pglite://memory', shema: 'x' }, dependson: [] }));
      f.write('modules/bad/migrations/.gitkeep', '');
    });
    const r = await expectRefused(['up'], {
      code: 'BH002',
      text: ['modules/bad/bulkhead.json', 'field name', 'unknown field "dependson"', 'field database.shema'],
    });
    expect(r.stderr.match(/BH002/g)!.length).toBe(3);
  });

  it('manifest that is not JSON', async () => {
    workspace((f) => f.write('modules/bad/bulkhead.json', '{ "name": "bad", }'));
    await expectRefused(['up'], { code: 'BH001', text: ['modules/bad/bulkhead.json', 'not valid JSON'] });
  });

  it('unset variable without default names the variable and the module', async () => {
    workspace((f) => {
      f.write('modules/bad/bulkhead.json', manifest({ database: { url: '${BAD_DATABASE_URL}' } }));
      f.write('modules/bad/migrations/.gitkeep', '');
    });
    await expectRefused(['up'], { code: 'BH003', text: ['module bad', 'BAD_DATABASE_URL is not set', 'field database.url', '${BAD_DATABASE_URL:-'] });
    await expectRefused(['validate', '--server'], { code: 'BH003', text: ['BAD_DATABASE_URL is not set'] });
    await expectRefused(['lint', '--pending'], { code: 'BH003', text: ['BAD_DATABASE_URL is not set'] });
    // Commands that read files only (a pull request's CI, without the databases' secrets) go on, saying so.
    fx.write('modules/bad/migrations/001_t.up.sql', 'CREATE TABLE bad_t (id int);\n');
    fx.write('modules/bad/migrations/001_t.down.sql', 'DROP TABLE bad_t;\n');
    const env = { GOOD_URL: goodUrl };
    const validated = await runCli(['validate', '--json'], { cwd: fx.root, env });
    expect(validated.exitCode, validated.stderr).toBe(0);
    expect(validated.json.warnings).toContainEqual(expect.objectContaining({ code: 'BH003', module: 'bad', field: 'database.url', message: expect.stringContaining('BAD_DATABASE_URL is not set (used in database.url): this command does not connect to it and goes on') }));
    const linted = await runCli(['lint', 'bad'], { cwd: fx.root, env });
    expect(linted.exitCode, linted.stderr).toBe(0);
    expect(linted.stderr).toContain('2 files, 2 statements: 0 errors');
    // verify on a server given needs no module URL; without one it needs the module's.
    const verified = await runCli(['verify', 'bad', '--server', inject('pgAdminUrl')], { cwd: fx.root, env });
    expect(verified.exitCode, verified.stderr).toBe(0);
    expect(verified.stderr).toContain('bad: ✓ 1 migration up, down, up: reversible');
    await expectRefused(['verify', 'bad'], { code: 'BH003', text: ['BAD_DATABASE_URL is not set'] });
    const made = await runCli(['make', 'bad', 'add_index', '--sql'], { cwd: fx.root, env });
    expect(made.exitCode, made.stderr).toBe(0);
    expect(fs.readdirSync(path.join(fx.root, 'modules/bad/migrations')).filter((f) => f.endsWith('_add_index.up.sql'))).toHaveLength(1);
    // Two modules whose URL is the same unset variable would share a database once it is set.
    fx.write('modules/twin/bulkhead.json', JSON.stringify({ name: 'twin', database: { url: '${BAD_DATABASE_URL}' } }));
    fx.write('modules/twin/migrations/.gitkeep', '');
    const twins = await runCli(['validate'], { cwd: fx.root, env });
    expect(twins.exitCode).toBe(2);
    expect(twins.stderr).toMatch(/bad and twin|twin and bad/);
  });

  it('unknown dependency, self-dependency, and a cycle printed as a path', async () => {
    workspace((f) => {
      f.write('modules/x/bulkhead.json', JSON.stringify({ name: 'x', database: { url: 'pglite://memory' }, dependsOn: ['y', 'ghost', 'x'] }));
      f.write('modules/y/bulkhead.json', JSON.stringify({ name: 'y', database: { url: 'pglite://memory' }, dependsOn: ['z'] }));
      f.write('modules/z/bulkhead.json', JSON.stringify({ name: 'z', database: { url: 'pglite://memory' }, dependsOn: ['x'] }));
      for (const m of ['x', 'y', 'z']) f.write(`modules/${m}/migrations/.gitkeep`, '');
    });
    await expectRefused(['validate'], {
      code: 'BH007',
      text: ['dependency cycle: x → y → z → x', 'BH005', 'unknown module "ghost"', 'BH006', 'lists itself'],
    });
  });

  it('two modules on one database, and two sharing a history table', async () => {
    workspace((f) => {
      f.write('modules/twin/bulkhead.json', JSON.stringify({ name: 'twin', database: { url: '${GOOD_URL}' } }));
      f.write('modules/twin/migrations/.gitkeep', '');
      f.write('modules/h1/bulkhead.json', JSON.stringify({ name: 'h1', database: { url: '${GOOD_URL}', schema: 'h1' }, historyTable: 'shared.history' }));
      f.write('modules/h2/bulkhead.json', JSON.stringify({ name: 'h2', database: { url: '${GOOD_URL}', schema: 'h2' }, historyTable: 'shared.history' }));
      f.write('modules/h1/migrations/.gitkeep', '');
      f.write('modules/h2/migrations/.gitkeep', '');
    });
    await expectRefused(['up'], { code: 'BH008', text: [/modules good and twin both use database postgres:\/\/.*schema public/, 'BH009', 'share history table shared.history'] });
  });

  it('bad file names, duplicate ids, a down without its up, an unknown directive', async () => {
    workspace((f) => {
      f.write('modules/bad/bulkhead.json', manifest({}));
      f.write('modules/bad/migrations/create_users.up.sql', 'SELECT 1;');
      f.write('modules/bad/migrations/002_plain.sql', 'SELECT 1;');
      f.write('modules/bad/migrations/003_x.up.sql', 'SELECT 1;');
      f.write('modules/bad/migrations/003_x.ts', 'export async function up() {}');
      f.write('modules/bad/migrations/004_orphan.down.sql', 'SELECT 1;');
      f.write('modules/bad/migrations/005_typo.up.sql', '-- bulkhead:no-transactoin\nSELECT 1;');
      f.write('modules/bad/migrations/V0006.Add_Index.up.sql', 'SELECT 1;');
      f.write('modules/bad/migrations/007_webhooks_down.sql', 'SELECT 1;');
    });
    await expectRefused(['validate'], {
      code: 'BH011',
      text: [
        'modules/bad/migrations/create_users.up.sql',
        'rename it to 0006_Add_Index.up.sql (its version without the V',
        'rename it to 007_webhooks.down.sql',
        'rename it to 002_plain.up.sql',
        'BH012',
        'migration id 003_x is defined by more than one file',
        'BH013',
        '004_orphan.down.sql has no 004_orphan.up.sql',
        'modules/bad/migrations/005_typo.up.sql:1',
        'unknown directive',
      ],
    });
  });

  it("a module's bulkhead.json that is a link to another module's: its migrations are named as running nowhere", async () => {
    workspace((f) => {
      f.write('modules/copy/migrations/001_copy.up.sql', 'CREATE TABLE copy_t (id int);\n');
      fs.symlinkSync('../good/bulkhead.json', path.join(f.root, 'modules/copy/bulkhead.json'));
    });
    const r = await runCli(['validate'], { cwd: fx.root, env: { GOOD_URL: goodUrl } });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain("error: modules/copy/bulkhead.json: a symbolic link to modules/good/bulkhead.json, read once, as module good's (which runs modules/good/migrations): the 1 migration in modules/copy/migrations runs nowhere (BH047)");
  });

  it('a SQL file with its own BEGIN/COMMIT is refused unless marked no-transaction', async () => {
    workspace((f) => {
      f.write('modules/bad/bulkhead.json', manifest({}));
      f.write('modules/bad/migrations/001_tx.up.sql', 'CREATE TABLE bad_a (id int);\nBEGIN;\nCREATE TABLE bad_b (id int);\nCOMMIT;\n');
    });
    await expectRefused(['up'], { code: 'BH016', text: ['modules/bad/migrations/001_tx.up.sql:2', 'BEGIN', 'bulkhead:no-transaction'] });
    fx.write('modules/bad/migrations/001_tx.up.sql', '-- bulkhead:no-transaction\nBEGIN;\nCREATE TABLE bad_b (id int);\nCOMMIT;\n');
    const ok = await runCli(['validate'], { cwd: fx.root, env: { GOOD_URL: goodUrl } });
    expect(ok.exitCode, ok.stderr).toBe(0);
    // Marked, but a transaction it opens is never ended: whatever ran next would commit it.
    fx.write('modules/bad/migrations/001_tx.up.sql', '-- bulkhead:no-transaction\nBEGIN;\nCREATE TABLE bad_b (id int);\nCOMMIT;\nBEGIN;\nCREATE TABLE bad_c (id int);\n');
    await expectRefused(['up'], { code: 'BH016', text: ['modules/bad/migrations/001_tx.up.sql:5', 'BEGIN at line 5 opens a transaction the file never ends', 'COMMIT, or ROLLBACK'] });
  });

  it('CREATE INDEX CONCURRENTLY in a transactional file is refused before anything runs', async () => {
    workspace((f) => {
      f.write('modules/bad/bulkhead.json', manifest({}));
      f.write('modules/bad/migrations/001_idx.up.sql', 'CREATE TABLE bad_t (id int);\n\nCREATE INDEX CONCURRENTLY bad_t_id ON bad_t (id);\n');
    });
    await expectRefused(['up'], { code: 'BH034', text: ['modules/bad/migrations/001_idx.up.sql:3', 'CREATE INDEX CONCURRENTLY at line 3 cannot run inside a transaction', 'bulkhead:no-transaction'] });
  });

  it('a DO block that commits (work in batches) in a transactional file is refused; marked no-transaction it runs', async () => {
    const badUrl = await createDatabase();
    const fill = 'CREATE TABLE bad_n (n int);\n\nDO $$\nBEGIN\n  FOR i IN 1..3 LOOP\n    INSERT INTO bad_n VALUES (i);\n    COMMIT;\n  END LOOP;\nEND $$;\n';
    workspace((f) => {
      f.write('modules/bad/bulkhead.json', manifest({ database: { url: '${BAD_URL}' } }));
      f.write('modules/bad/migrations/001_fill.up.sql', fill);
    });
    await expectRefused(['up'], { code: 'BH034', text: ['modules/bad/migrations/001_fill.up.sql:3', 'a DO block that commits (COMMIT or ROLLBACK in its body) at line 3 cannot run inside a transaction', 'bulkhead:no-transaction'] }, { BAD_URL: badUrl });
    fx.write('modules/bad/migrations/001_fill.up.sql', `-- bulkhead:no-transaction\n${fill}`);
    const ok = await runCli(['up'], { cwd: fx.root, env: { GOOD_URL: goodUrl, BAD_URL: badUrl } });
    expect(ok.exitCode, ok.stderr).toBe(0);
    expect(await query(badUrl, 'SELECT n FROM bad_n ORDER BY n')).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
  });

  it("SQL newer than the server (written on the embedded default's PostgreSQL) is refused before anything runs, naming file, line, form and versions", async () => {
    const badUrl = await createDatabase();
    const major = Math.floor(Number((await query<{ v: string }>(badUrl, 'SHOW server_version_num'))[0]!.v) / 10000);
    // A form one release newer than the test server (the parser knows up to 18).
    const newer: Record<number, { sql: string; what: string }> = {
      15: { sql: 'CREATE TABLE totals AS SELECT sum(n) AS n FROM (SELECT 1 AS n UNION ALL SELECT 2)', what: 'a subquery in FROM without an alias, which needs PostgreSQL 16' },
      16: { sql: "CREATE VIEW firsts AS SELECT JSON_VALUE('{\"a\": 1}', '$.a') AS a", what: 'JSON_VALUE(), which needs PostgreSQL 17' },
      17: { sql: 'CREATE TABLE named (a int, CONSTRAINT named_a_not_null NOT NULL a)', what: 'a NOT NULL table constraint (CONSTRAINT … NOT NULL column), which needs PostgreSQL 18' },
    };
    const form = newer[Math.min(Math.max(major, 15), 18)];
    workspace((f) => {
      f.write('modules/bad/bulkhead.json', manifest({ database: { url: '${BAD_URL}' } }));
      f.write('modules/bad/migrations/001_ok.up.sql', 'CREATE TABLE ok (id int);\n');
      f.write('modules/bad/migrations/002_newer.up.sql', `-- written against PGlite\n\n${form?.sql ?? 'SELECT 1'};\n`);
    });
    if (form) {
      await expectRefused(['up'], { code: 'BH058', text: ['modules/bad/migrations/002_newer.up.sql:3', `002_newer uses ${form.what}; the server`, `runs PostgreSQL ${major}`, `bulkhead lint --pg-version ${major}`] }, { BAD_URL: badUrl });
      expect(await tableExists(badUrl, 'ok')).toBe(false);
    } else {
      // A server of 18 or later has every form the parser knows: it runs.
      const r = await runCli(['up', 'bad'], { cwd: fx.root, env: { GOOD_URL: goodUrl, BAD_URL: badUrl } });
      expect(r.exitCode, r.stderr).toBe(0);
    }
  });

  it("a built-in function newer than the server (uuidv7(), PostgreSQL 18) is refused before anything runs, unless the module defines its own", async () => {
    const badUrl = await createDatabase();
    const major = Math.floor(Number((await query<{ v: string }>(badUrl, 'SHOW server_version_num'))[0]!.v) / 10000);
    workspace((f) => {
      f.write('modules/bad/bulkhead.json', manifest({ database: { url: '${BAD_URL}' } }));
      f.write('modules/bad/migrations/001_ok.up.sql', 'CREATE TABLE ok (id int);\n');
      f.write('modules/bad/migrations/002_ids.up.sql', 'CREATE TABLE ids (id uuid PRIMARY KEY DEFAULT uuidv7());\n');
    });
    if (major < 18) {
      await expectRefused(['up'], { code: 'BH058', text: ['modules/bad/migrations/002_ids.up.sql:1', `002_ids uses uuidv7(), which needs PostgreSQL 18; the server`] }, { BAD_URL: badUrl });
      expect(await tableExists(badUrl, 'ok')).toBe(false);
    }
    // Its own uuidv7() (as many projects have): the server need not.
    fx.write('modules/bad/migrations/000_uuidv7.up.sql', 'CREATE OR REPLACE FUNCTION uuidv7() RETURNS uuid LANGUAGE sql AS $$ SELECT gen_random_uuid() $$;\n');
    const r = await runCli(['up', 'bad'], { cwd: fx.root, env: { GOOD_URL: goodUrl, BAD_URL: badUrl } });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(await tableExists(badUrl, 'ids')).toBe(true);
    // Its own uuidv7() beside a newer form in one statement: the form is still told.
    if (major < 16) {
      fx.write('modules/bad/migrations/003_more.up.sql', 'CREATE TABLE more_ids AS SELECT uuidv7() AS id FROM (SELECT 1);\n');
      const more = await runCli(['up', 'bad'], { cwd: fx.root, env: { GOOD_URL: goodUrl, BAD_URL: badUrl } });
      expect(more.exitCode).toBe(2);
      expect(more.stderr).toContain('003_more uses a subquery in FROM without an alias, which needs PostgreSQL 16');
    }
  });

  it('an extension the database cannot load is refused before anything runs: the server lacks it, or the embedded database was not told', async () => {
    const badUrl = await createDatabase();
    const ghost = 'bulkhead_no_such_extension';
    workspace((f) => {
      f.write('modules/bad/bulkhead.json', manifest({ database: { url: '${BAD_URL}' } }));
      f.write('modules/bad/migrations/001_ok.up.sql', 'CREATE TABLE ok (id int);\n');
      // One the server has (a contrib extension) and one it does not.
      f.write('modules/bad/migrations/002_ext.up.sql', `CREATE EXTENSION IF NOT EXISTS pgcrypto;\n\nCREATE EXTENSION IF NOT EXISTS ${ghost};\n`);
    });
    const r = await expectRefused(['up'], { code: 'BH063', text: ['modules/bad/migrations/002_ext.up.sql:3', `002_ext creates extension ${ghost}, which the server`, 'does not have', "fix: install it on the server: the extension's package — on Debian/Ubuntu likely postgresql-", 'bulkhead-no-such-extension (apt-cache search bulkhead-no-such-extension)'] }, { BAD_URL: badUrl });
    expect(r.stderr).not.toContain('extension pgcrypto');
    expect(await tableExists(badUrl, 'ok')).toBe(false);

    // Embedded: only declared extensions load — every undeclared one is told at once, with the line to write.
    fx.write('modules/bad/bulkhead.json', manifest({ database: { url: 'pglite://.bulkhead/bad' }, extensions: ['citext'] }));
    fx.write('modules/bad/migrations/002_ext.up.sql', 'CREATE EXTENSION IF NOT EXISTS pgcrypto;\nCREATE EXTENSION IF NOT EXISTS plpgsql;\n');
    fx.write('modules/bad/migrations/003_more.up.sql', 'CREATE EXTENSION IF NOT EXISTS citext;\nCREATE EXTENSION "uuid-ossp";\n');
    // Temporal's: a DO block that creates it when pg_extension lacks it.
    fx.write('modules/bad/migrations/004_do.up.sql', "SELECT 1;\nDO LANGUAGE 'plpgsql' $$\n  BEGIN\n    IF (NOT EXISTS (SELECT extname FROM pg_extension WHERE extname = 'btree_gin')) THEN\n      CREATE EXTENSION btree_gin;\n    END IF;\n  END\n$$;\n");
    // supabase/postgres's initial schema: one PGlite has no build of, which declaring would not load (BH049).
    fx.write('modules/bad/migrations/005_jwt.up.sql', 'CREATE EXTENSION IF NOT EXISTS pgjwt;\n');
    const told = [
      '002_ext.up.sql:1', '002_ext creates extension pgcrypto, which the embedded database does not load', '003_more.up.sql:2', '003_more creates extension uuid-ossp', '004_do.up.sql:5', '004_do creates extension btree_gin',
      '"extensions": ["citext", "pgcrypto", "uuid-ossp", "btree_gin"]\n',
      '005_jwt creates extension pgjwt, which the embedded database (PGlite: its contrib extensions and vector) cannot load', 'fix: point the module at a PostgreSQL server that has it',
    ];
    const e = await expectRefused(['up'], { code: 'BH063', text: told });
    expect(e.stderr).not.toContain('extension plpgsql');
    expect(e.stderr).not.toContain('extension citext');
    // validate, which connects to nothing, says it too: the files and the manifest are enough.
    await expectRefused(['validate'], { code: 'BH063', text: told });
    expect(fs.existsSync(path.join(fx.root, '.bulkhead/bad'))).toBe(false);
    fx.remove('modules/bad/migrations/005_jwt.up.sql');
    fx.write('modules/bad/bulkhead.json', manifest({ database: { url: 'pglite://.bulkhead/bad' }, extensions: ['citext', 'pgcrypto', 'uuid-ossp', 'btree_gin'] }));
    const ok = await runCli(['up', 'bad'], { cwd: fx.root, env: { GOOD_URL: goodUrl } });
    expect(ok.exitCode, ok.stderr).toBe(0);
    expect(ok.stderr).toContain('4 applied');
  });

  it("a type, function or operator class of an extension nothing creates (chirpstack's gin_trgm_ops, pg_trgm from its docker init) is refused before anything runs: on a server database that lacks it, and embedded", async () => {
    const badUrl = await createDatabase();
    workspace((f) => {
      f.write('modules/bad/bulkhead.json', manifest({ database: { url: '${BAD_URL}' } }));
      f.write('modules/bad/migrations/001_tenant.up.sql', 'CREATE TABLE tenant (name text);\n');
      f.write('modules/bad/migrations/002_trgm.up.sql', '-- search by name\nCREATE INDEX tenant_name_trgm ON tenant USING gin (name gin_trgm_ops);\n');
    });
    await expectRefused(['up'], {
      code: 'BH070',
      text: ['modules/bad/migrations/002_trgm.up.sql:2', '002_trgm uses operator class gin_trgm_ops, which comes from the extension pg_trgm:', 'does not have it, and no migration of bad creates it', '"extensions": ["pg_trgm"]', 'CREATE EXTENSION IF NOT EXISTS pg_trgm'],
    }, { BAD_URL: badUrl });
    expect(await tableExists(badUrl, 'tenant')).toBe(false);
    // A database that has it (made by an init script, or by hand): it runs.
    await query(badUrl, 'CREATE EXTENSION pg_trgm');
    const ok = await runCli(['up', 'bad'], { cwd: fx.root, env: { GOOD_URL: goodUrl, BAD_URL: badUrl } });
    expect(ok.exitCode, ok.stderr).toBe(0);
    // Embedded: it has only what the manifest declares and the migrations create; validate says so, connecting to nothing.
    fx.write('modules/bad/bulkhead.json', manifest({ database: { url: 'pglite://.bulkhead/bad' } }));
    await expectRefused(['validate'], { code: 'BH070', text: ['002_trgm uses operator class gin_trgm_ops', 'the embedded database loads only the extensions the module declares', '(the embedded database then loads it)'] });
    fx.write('modules/bad/bulkhead.json', manifest({ database: { url: 'pglite://.bulkhead/bad' }, extensions: ['pg_trgm'] }));
    const embedded = await runCli(['up', 'bad'], { cwd: fx.root, env: { GOOD_URL: goodUrl } });
    expect(embedded.exitCode, embedded.stderr).toBe(0);
    expect(embedded.stderr).toContain('2 applied');
    // Modules in schemas of one database share its extensions: one a module it depends on creates, in the same run, is there.
    const shared = await createDatabase();
    fx.write('modules/ext/bulkhead.json', JSON.stringify({ name: 'ext', database: { url: '${SHARED_URL}', schema: 'ext' } }));
    fx.write('modules/ext/migrations/001_trgm.up.sql', 'CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public;\n');
    fx.write('modules/bad/bulkhead.json', manifest({ database: { url: '${SHARED_URL}', schema: 'bad' }, dependsOn: ['ext'] }));
    const together = await runCli(['up', 'ext', 'bad'], { cwd: fx.root, env: { GOOD_URL: goodUrl, SHARED_URL: shared } });
    expect(together.exitCode, together.stderr).toBe(0);
    expect(await query(shared, "SELECT indexname FROM pg_indexes WHERE schemaname = 'bad' AND tablename = 'tenant'")).toEqual([{ indexname: 'tenant_name_trgm' }]);
  });

  it("a database the server runs read-only (default_transaction_read_only, as on a replica's URL) is refused before anything runs; reading it is not", async () => {
    const badUrl = await createDatabase();
    await adminQuery(`ALTER DATABASE "${new URL(badUrl).pathname.slice(1)}" SET default_transaction_read_only = on`);
    workspace((f) => {
      f.write('modules/bad/bulkhead.json', manifest({ database: { url: '${BAD_URL}' } }));
      f.write('modules/bad/migrations/001_t.up.sql', 'CREATE TABLE t (id int);\n');
    });
    await expectRefused(['up'], { code: 'BH072', text: ['modules/bad/bulkhead.json, field database.url:', 'is read-only: default_transaction_read_only is on for the database or the role, so no migration can run there', 'fix: turn it off where it is set'] }, { BAD_URL: badUrl });
    const status = await runCli(['status', 'bad'], { cwd: fx.root, env: { GOOD_URL: goodUrl, BAD_URL: badUrl } });
    expect(status.exitCode, status.stderr).toBe(0);
    expect(status.stderr).toContain('pending  001_t');
    // As a role that may not read pg_control_system() (managed servers restrict it): the connect query falls back, and says the same.
    const role = `bh_ro_${process.pid}`;
    await adminQuery(`CREATE ROLE ${role} LOGIN`);
    await query(badUrl, 'BEGIN; SET TRANSACTION READ WRITE; REVOKE EXECUTE ON FUNCTION pg_control_system() FROM PUBLIC; COMMIT');
    try {
      const asRole = new URL(badUrl);
      asRole.username = role;
      await expectRefused(['up'], { code: 'BH072', text: ['is read-only: default_transaction_read_only is on'] }, { BAD_URL: asRole.toString() });
    } finally {
      await adminQuery(`DROP ROLE ${role}`);
    }
  });

  it('a role the server does not have and no migration creates is refused before anything runs; one a DO block creates (or dynamic SQL) is not', async () => {
    const badUrl = await createDatabase();
    const made = `bh_reader_${process.pid}`;
    const dynamic = `bh_dyn_${process.pid}`;
    workspace((f) => {
      f.write('modules/bad/bulkhead.json', manifest({ database: { url: '${BAD_URL}' } }));
      f.write('modules/bad/migrations/001_t.up.sql', 'CREATE TABLE t (id int);\n');
      f.write('modules/bad/migrations/002_reader.up.sql', `DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${made}') THEN CREATE ROLE ${made}; END IF; END $$;\nGRANT SELECT ON t TO ${made};\n`);
      f.write('modules/bad/migrations/003_dyn.up.sql', `DO $$ BEGIN EXECUTE format('CREATE ROLE %I', '${dynamic}'); EXCEPTION WHEN duplicate_object THEN NULL; END $$;\nGRANT SELECT ON t TO ${dynamic}, postgres, PUBLIC, CURRENT_USER;\n`);
      f.write('modules/bad/migrations/004_grant.up.sql', '-- reports\nGRANT SELECT ON t TO reporting_reader;\nCREATE POLICY p ON t TO authenticated USING (true);\n');
      // A CREATE ROLE makes its own role, not the group it joins.
      f.write('modules/bad/migrations/005_member.up.sql', `CREATE ROLE bh_member_${process.pid} IN ROLE reporting_group;\n`);
    });
    try {
      // Supabase's role is told as Supabase's (unless this server has one: a Supabase database).
      const supabase = (await adminQuery("SELECT 1 FROM pg_roles WHERE rolname = 'authenticated'")).length === 0;
      const r = await expectRefused(['up'], { code: 'BH064', text: ['modules/bad/migrations/004_grant.up.sql:2', '004_grant uses role reporting_reader, which the server', 'does not have, and no migration creates', 'create reporting_reader where', '005_member.up.sql:1', '005_member uses role reporting_group', ...(supabase ? ['004_grant.up.sql:3', "role authenticated is Supabase's"] : [])] }, { BAD_URL: badUrl });
      expect(r.stderr).not.toContain(made);
      expect(r.stderr).not.toContain(dynamic);
      expect(await tableExists(badUrl, 't')).toBe(false);
      // The embedded default, new: it has postgres alone.
      fx.write('modules/bad/bulkhead.json', manifest({ database: { url: 'pglite://.bulkhead/bad' } }));
      await expectRefused(['up'], { code: 'BH064', text: ['004_grant uses role reporting_reader, which a new embedded database does not have (it has postgres)'] });
      fs.rmSync(path.join(fx.root, 'modules/bad/migrations/004_grant.up.sql'));
      fs.rmSync(path.join(fx.root, 'modules/bad/migrations/005_member.up.sql'));
      const ok = await runCli(['up', 'bad'], { cwd: fx.root, env: { GOOD_URL: goodUrl } });
      expect(ok.exitCode, ok.stderr).toBe(0);
      fx.write('modules/bad/bulkhead.json', manifest({ database: { url: '${BAD_URL}' } }));
      const server = await runCli(['up', 'bad'], { cwd: fx.root, env: { GOOD_URL: goodUrl, BAD_URL: badUrl } });
      expect(server.exitCode, server.stderr).toBe(0);
    } finally {
      await adminQuery(`DROP DATABASE IF EXISTS ${new URL(badUrl).pathname.slice(1)} WITH (FORCE)`);
      await adminQuery(`DROP ROLE IF EXISTS ${made}`);
      await adminQuery(`DROP ROLE IF EXISTS ${dynamic}`);
    }
  });

  it("another tool's history table a migration edits (Harbor's ALTER TABLE schema_migrations) is refused before anything runs when the database lacks it and the module never creates it", async () => {
    const badUrl = await createDatabase();
    workspace((f) => {
      f.write('modules/bad/bulkhead.json', manifest({ database: { url: '${BAD_URL}' } }));
      f.write('modules/bad/migrations/001_t.up.sql', 'CREATE TABLE t (id int);\n');
      f.write('modules/bad/migrations/002_h.up.sql', 'ALTER TABLE t ADD c int;\nALTER TABLE schema_migrations ADD COLUMN data_version int;\n');
      // crates.io's clean-up of what it left behind is fine wherever it runs.
      f.write('modules/bad/migrations/003_clean.up.sql', 'DROP TABLE IF EXISTS goose_db_version;\n');
      f.write('modules/bad/migrations/004_u.up.sql', 'UPDATE schema_migrations SET data_version = 1;\n');
    });
    const r = await expectRefused(['up'], { code: 'BH065', text: ['modules/bad/migrations/002_h.up.sql:2', '002_h uses schema_migrations (so does 004_u), which golang-migrate, dbmate and Rails keep history in', 'does not have it', 'remove what the migrations do to schema_migrations'] }, { BAD_URL: badUrl });
    expect(r.stderr).not.toContain('goose_db_version');
    expect(await tableExists(badUrl, 't')).toBe(false);
    // A module that creates the table itself uses its own.
    fx.write('modules/bad/migrations/001_t.up.sql', 'CREATE TABLE t (id int);\nCREATE TABLE schema_migrations (version bigint);\n');
    const ok = await runCli(['up', 'bad'], { cwd: fx.root, env: { GOOD_URL: goodUrl, BAD_URL: badUrl } });
    expect(ok.exitCode, ok.stderr).toBe(0);
    expect(ok.stderr).toContain('4 applied');
  });

  it("a table or view a migration uses that no migration creates and the database lacks (boundary's log_migration, which its tool makes) is refused before anything runs; one the database has, a guarded statement, and what follows a DO block pass", async () => {
    const badUrl = await createDatabase();
    workspace((f) => {
      f.write('modules/bad/bulkhead.json', manifest({ database: { url: '${BAD_URL}' } }));
      f.write('modules/bad/migrations/001_t.up.sql', 'CREATE TABLE t (id serial PRIMARY KEY);\n');
      // A serial's sequence is made by its table, unnamed in the SQL; pg_dump's set_config makes nothing.
      f.write('modules/bad/migrations/002_use.up.sql', "SELECT pg_catalog.set_config('search_path', 'public', false);\nALTER TABLE t ALTER COLUMN id SET DEFAULT nextval('t_id_seq'::regclass);\nINSERT INTO log_migration (entry) VALUES ('x');\n");
      f.write('modules/bad/migrations/003_view.up.sql', 'CREATE VIEW entries AS SELECT entry FROM log_migration;\n');
    });
    await expectRefused(['up'], { code: 'BH074', text: ['modules/bad/migrations/002_use.up.sql:3', '002_use uses log_migration (so does 003_view), which no migration of bad creates', 'does not have: it would fail there, after the migration before it committed', 'create it in a migration of bad before 002_use'] }, { BAD_URL: badUrl });
    expect(await tableExists(badUrl, 't')).toBe(false);
    // Guarded (it runs whether or not the table is there), or after a DO block (which may make it): not judged.
    fx.write('modules/bad/migrations/002_use.up.sql', "DO $$ BEGIN EXECUTE 'CREATE TABLE log_' || 'migration (entry text)'; END $$;\nINSERT INTO log_migration (entry) VALUES ('x');\n");
    fx.write('modules/bad/migrations/003_view.up.sql', 'ALTER TABLE IF EXISTS log_migration ADD COLUMN at timestamptz;\n');
    const plan = await runCli(['plan', 'bad'], { cwd: fx.root, env: { GOOD_URL: goodUrl, BAD_URL: badUrl } });
    expect(plan.exitCode, plan.stderr).toBe(0);
    // A DO block all of whose work is in its text (a type made if missing, a table made inside it) hides nothing: what follows is judged.
    fx.write(
      'modules/bad/migrations/002_use.up.sql',
      "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'mood') THEN CREATE TYPE mood AS ENUM ('ok'); END IF; CREATE TABLE IF NOT EXISTS made_in_do (id int); END $$;\nINSERT INTO made_in_do VALUES (1);\nINSERT INTO log_migration (entry) VALUES ('x');\n",
    );
    await expectRefused(['plan', 'bad'], { code: 'BH074', text: ['002_use.up.sql:3', '002_use uses log_migration'] }, { BAD_URL: badUrl });
    const judged = await runCli(['plan', 'bad', '--json'], { cwd: fx.root, env: { GOOD_URL: goodUrl, BAD_URL: badUrl } });
    expect(JSON.stringify(judged.json.problems)).not.toContain('made_in_do');
    fx.write('modules/bad/migrations/002_use.up.sql', "DO $$ BEGIN EXECUTE 'CREATE TABLE log_' || 'migration (entry text)'; END $$;\nINSERT INTO log_migration (entry) VALUES ('x');\n");
    // The first migration: the migrations start from a schema they do not hold.
    fx.write('modules/bad/migrations/001_t.up.sql', 'CREATE TABLE t (id serial PRIMARY KEY);\nALTER TABLE accounts ADD COLUMN t_id int;\n');
    await expectRefused(['up'], { code: 'BH074', text: ['001_t uses accounts, which no migration of bad creates', 'does not have: it would fail there (BH074)', 'the migrations start from a schema they do not hold'] }, { BAD_URL: badUrl });
    // Made only by a later migration (two branches' timestamps): which one, and that it runs after.
    fx.write('modules/bad/migrations/004_accounts.up.sql', 'CREATE TABLE IF NOT EXISTS accounts (id int);\n');
    await expectRefused(['up'], { code: 'BH074', text: ['001_t uses accounts, which only a later migration of bad creates (004_accounts)', 'accounts is created by 004_accounts, which runs after 001_t (migrations run in version order, 001 before 004): give 001_t a later version than 004_accounts'] }, { BAD_URL: badUrl });
    fx.remove('modules/bad/migrations/004_accounts.up.sql');
    // The database has it (made by hand, or by the tool the migrations came from): it runs.
    await query(badUrl, 'CREATE TABLE accounts (id int)');
    const ok = await runCli(['up', 'bad'], { cwd: fx.root, env: { GOOD_URL: goodUrl, BAD_URL: badUrl } });
    expect(ok.exitCode, ok.stderr).toBe(0);
    expect(ok.stderr).toContain('3 applied');
  });

  it('the same on the embedded database: a table nothing makes is refused by plan (before the database exists) and up, and nothing is applied', async () => {
    workspace((f) => {
      f.write('modules/bad/bulkhead.json', manifest({ database: { url: 'pglite://.bulkhead/bad' } }));
      f.write('modules/bad/migrations/001_t.up.sql', 'CREATE TABLE t (id int);\n');
      f.write('modules/bad/migrations/002_use.up.sql', "INSERT INTO log_migration (entry) VALUES ('x');\n");
    });
    const planned = await runCli(['plan', '--json'], { cwd: fx.root, env: { GOOD_URL: goodUrl } });
    expect(planned.exitCode, planned.stderr).toBe(2);
    expect(planned.json.problems).toContainEqual(expect.objectContaining({ code: 'BH074', file: 'modules/bad/migrations/002_use.up.sql', line: 1 }));
    expect(fs.existsSync(path.join(fx.root, '.bulkhead', 'bad'))).toBe(false);
    await expectRefused(['up'], { code: 'BH074', text: ['002_use uses log_migration, which no migration of bad creates', 'after the migration before it committed'] });
    // Nothing ran: the first migration is still pending.
    const status = await runCli(['status', 'bad', '--json'], { cwd: fx.root, env: { GOOD_URL: goodUrl } });
    expect(JSON.stringify(status.json)).toContain('001_t');
    expect(status.stdout + status.stderr).not.toMatch(/applied\s+001_t/);
    // Named by another tool's code migration before it (hatchet's goose .go files): which one.
    fx.write('modules/bad/migrations/001_fill.go', 'package migrations\n\n// fills log_migration\nfunc up() {}\n');
    await expectRefused(['plan', 'bad'], { code: 'BH074', text: ['log_migration is named in 001_fill.go, a code migration before 002_use that Bulkhead does not run (BH038)'] });
    fx.remove('modules/bad/migrations/001_fill.go');
    // Made by the first migration: it runs.
    fx.write('modules/bad/migrations/001_t.up.sql', 'CREATE TABLE t (id int);\nCREATE TABLE log_migration (entry text);\n');
    const ok = await runCli(['up', 'bad'], { cwd: fx.root, env: { GOOD_URL: goodUrl } });
    expect(ok.exitCode, ok.stderr).toBe(0);
    expect(ok.stderr).toContain('2 applied');
  });

  it('SQL that does not parse names file and line before anything runs', async () => {
    workspace((f) => {
      f.write('modules/bad/bulkhead.json', manifest({}));
      f.write('modules/bad/migrations/001_syntax.up.sql', 'CREATE TABLE ok (id int);\n\nCREATE TABLE broken (id int,, name text);\n');
    });
    await expectRefused(['up'], { code: 'BH033', text: ['modules/bad/migrations/001_syntax.up.sql:3', 'syntax error', 'fix the SQL syntax'] });
    // What psql or another tool accepts, but the server does not, is named as such.
    fx.write('modules/bad/migrations/001_syntax.up.sql', 'CREATE TABLE ok (id int);\n\\connect other\n');
    await expectRefused(['up'], { code: 'BH033', text: ['001_syntax.up.sql:2', "line 2 is psql's \\connect, not SQL: a migration runs on its module's database (database.url in its manifest)"] });
    fx.write('modules/bad/migrations/001_syntax.up.sql', '\\set ON_ERROR_STOP on\nCREATE TABLE ok (id int);\n');
    await expectRefused(['up'], { code: 'BH033', text: ['001_syntax.up.sql:1', 'line 1 is a psql meta-command (\\set), not SQL'] });
    fx.write('modules/bad/migrations/001_syntax.up.sql', 'CREATE TABLE ok (id int);\n\\i ./functions.sql\n');
    await expectRefused(['up'], { code: 'BH033', text: ['001_syntax.up.sql:2', "line 2 is psql's \\i, not SQL: the server cannot read other files"] });
    // A recent pg_dump's brackets (a schema dump kept as a first migration), with the command that removes them.
    fx.write('modules/bad/migrations/001_syntax.up.sql', '--\n-- PostgreSQL database dump\n--\n\n\\restrict 8sKzQe0aWb\n\nCREATE TABLE ok (id int);\n\n\\unrestrict 8sKzQe0aWb\n');
    await expectRefused(['up'], { code: 'BH033', text: ['001_syntax.up.sql:5', "line 5 is pg_dump's \\restrict line, for psql only: delete it and its \\unrestrict line (sed -i -E '/^\\\\(un)?restrict /d' modules/bad/migrations/001_syntax.up.sql)"] });
    fx.write('modules/bad/migrations/001_syntax.up.sql', 'CREATE TABLE ok (id int);\nGRANT SELECT ON ok TO :"app_role";\n');
    await expectRefused(['up'], { code: 'BH033', text: ['001_syntax.up.sql:2', 'line 2 uses psql\'s variable :"app_role", which only psql fills in'] });
    // graphile-migrate's placeholders (a committed migration, its --! headers kept): every one of the file named.
    fx.write('modules/bad/migrations/001_syntax.up.sql', '--! Previous: -\n--! Hash: sha1:aa\n\nCREATE TABLE ok (id int);\nGRANT SELECT ON ok TO :DATABASE_VISITOR;\nALTER TABLE ok OWNER TO :DATABASE_OWNER;\n');
    await expectRefused(['up'], { code: 'BH033', text: ['001_syntax.up.sql:5', "line 5 uses graphile-migrate's placeholder :DATABASE_VISITOR (the file has 2: :DATABASE_VISITOR, :DATABASE_OWNER)", 'CURRENT_USER in SQL'] });
    // Another database's SQL is named as such (a comment's `backticks` are not MySQL's).
    fx.write('modules/bad/migrations/001_syntax.up.sql', 'CREATE TABLE `ok` (id int NOT NULL AUTO_INCREMENT, PRIMARY KEY (id)) ENGINE=InnoDB;\n');
    await expectRefused(['up'], { code: 'BH033', text: ['this looks like MySQL SQL', 'Bulkhead runs PostgreSQL'] });
    fx.write('modules/bad/migrations/001_syntax.up.sql', '-- the `ok` table\nCREATE TABLE ok (id int,, name text);\n');
    await expectRefused(['up'], { code: 'BH033', text: ['fix the SQL syntax'] });
    // A statement without its semicolon (crates.io's downloads_need_no_id down): the line to add it to.
    fx.write('modules/bad/migrations/001_syntax.up.sql', 'CREATE TABLE ok (id int)\n\n-- the next one\nALTER TABLE ok ADD COLUMN name text;\n');
    await expectRefused(['up'], { code: 'BH033', text: ['001_syntax.up.sql:4', 'line 4 begins a new statement (ALTER), but the statement before it has no semicolon at its end: add one at the end of line 1'] });
    // SQLite's DDL, though it quotes in backticks as MySQL does.
    fx.write('modules/bad/migrations/001_syntax.up.sql', 'CREATE TABLE `ok` (`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL);\n');
    await expectRefused(['up'], { code: 'BH033', text: ['this looks like SQLite SQL (AUTOINCREMENT, PRAGMA or WITHOUT ROWID)'] });
    // A folder of drizzle-kit's SQLite migrations (openstatus's 84): its journal says which, told once for the folder.
    fx.write('modules/bad/migrations/meta/_journal.json', JSON.stringify({ version: '7', dialect: 'sqlite', entries: [] }));
    fx.write('modules/bad/migrations/001_syntax.up.sql', 'CREATE TABLE `ok` (`id` integer PRIMARY KEY NOT NULL);\n');
    fx.write('modules/bad/migrations/002_more.up.sql', 'ALTER TABLE `ok` ADD `name` text;\n');
    const drizzle = await expectRefused(['validate'], {
      code: 'BH033',
      text: ['modules/bad/migrations: 2 migrations are written in SQLite SQL, which PostgreSQL does not parse (001_syntax.up.sql, 002_more.up.sql; first: modules/bad/migrations/001_syntax.up.sql:1', `drizzle-kit writes PostgreSQL's with dialect: 'postgresql' in its drizzle.config`],
    });
    expect(drizzle.stderr).not.toContain('MySQL');
    expect(drizzle.stderr).toContain('1 problem');
    fx.remove('modules/bad/migrations/meta');
    fx.remove('modules/bad/migrations/002_more.up.sql');
    // COPY's inline rows run (tests/e2e/copy-rows.test.ts); without their closing line, or with none, they are named.
    fx.write('modules/bad/migrations/001_syntax.up.sql', 'CREATE TABLE ok (id int);\nCOPY ok (id) FROM stdin;\n1\n2\n');
    await expectRefused(['up'], { code: 'BH033', text: ['001_syntax.up.sql:3', 'the rows after a COPY … FROM stdin end with a line \\. (as pg_dump writes them)'] });
    fx.write('modules/bad/migrations/001_syntax.up.sql', 'CREATE TABLE ok (id int);\nCOPY ok (id) FROM stdin; SELECT 1;\n');
    await expectRefused(['up'], { code: 'BH033', text: ['001_syntax.up.sql:2', 'COPY … FROM stdin has no rows after it', 'end them with a line \\.'] });
    fx.write('modules/bad/migrations/001_syntax.up.sql', 'CREATE TABLE ok (id int);\nCOPY ok (id) FROM stdin (FORMAT binary);\n1\n\\.\n');
    await expectRefused(['up'], { code: 'BH033', text: ['001_syntax.up.sql:2', 'COPY … FROM stdin with option format binary', "in COPY's text or CSV format"] });
    fx.write('modules/bad/migrations/001_syntax.up.sql', 'CREATE TABLE {{ .Schema }}.ok (id int);\n');
    await expectRefused(['up'], { code: 'BH033', text: ['001_syntax.up.sql:1', 'line 1 holds a template ({{ .Schema }}) that another tool fills in'] });
    // A folder of them (supabase/auth's 70): one problem, with the command that writes the value in.
    fx.write('modules/bad/migrations/002_more.up.sql', 'ALTER TABLE {{.Schema}}.ok ADD name text;\n');
    const folder = await expectRefused(['up'], { code: 'BH033', text: ['modules/bad/migrations: 2 migration files hold templates another tool fills in before it runs them ({{ .Schema }})', "sed -i -E -e 's/\\{\\{-? *\\.Schema *-?\\}\\}/<Schema>/g' 001_syntax.up.sql 002_more.up.sql"] });
    expect(folder.stderr).not.toContain('001_syntax.up.sql:1');
    const validate = await runCli(['validate', '--json'], { cwd: fx.root, env: { GOOD_URL: goodUrl } });
    expect(validate.json.problems.filter((p: { code: string }) => p.code === 'BH033')).toEqual([expect.objectContaining({ file: 'modules/bad/migrations', message: expect.stringContaining('2 migration files hold templates') })]);
    // Conditions and calls per database (focalboard's {{if .postgres}} … {{end}}): no sed, render them.
    fx.write('modules/bad/migrations/002_more.up.sql', '{{if .postgres}}\nALTER TABLE {{.prefix}}ok ADD name text;\n{{end}}\n{{addColumnIfNeeded "ok" "kind" "text" ""}}\n');
    const logic = await expectRefused(['up'], { code: 'BH033', text: ['2 migration files hold templates another tool evaluates before it runs them', 'fix: {{if .postgres}}, {{end}}, {{addColumnIfNeeded "ok" "kind" "text" ""}} are conditions and calls that tool works out for each database', 'render the files for PostgreSQL with it', 'bulkhead baseline bad --at <the last id>'] });
    expect(logic.stderr).not.toContain('sed -i');
    fx.remove('modules/bad/migrations/002_more.up.sql');
    // River's placeholders parse (a comment), but not inside a string: refused before anything
    // runs, where River's 005 would fail after 001–004 had committed; a folder of them is one problem.
    fx.write('modules/bad/migrations/001_syntax.up.sql', 'CREATE TABLE /* TEMPLATE: schema */river_migration (id int);\n');
    fx.write('modules/bad/migrations/002_more.up.sql', "DO $$ BEGIN\n  IF (SELECT to_regclass('/* TEMPLATE: schema */river_migration') IS NOT NULL) THEN\n    ALTER TABLE /* TEMPLATE: schema */river_migration ADD line text;\n  END IF;\nEND $$;\n");
    const river = await expectRefused(['up'], { code: 'BH033', text: ["modules/bad/migrations: 2 migration files hold River's placeholders (/* TEMPLATE: schema */)", "sed -i -E 's#/\\* *TEMPLATE: *\\w+ *\\*/##g' 001_syntax.up.sql 002_more.up.sql"] });
    expect(river.stderr).not.toContain('002_more.up.sql:2');
    fx.remove('modules/bad/migrations/002_more.up.sql');
    await expectRefused(['up'], { code: 'BH033', text: ["modules/bad/migrations/001_syntax.up.sql:1: 001_syntax.up.sql holds River's placeholders"] });
    // graphile-worker's :GRAPHILE_WORKER_SCHEMA in each of its files (after a cast too: null:::S.t):
    // one problem for the folder, with the sed that writes the value in, casts left alone.
    fx.write('modules/bad/migrations/001_syntax.up.sql', 'CREATE TABLE :APP_SCHEMA.jobs (id int, spec text);\n');
    fx.write('modules/bad/migrations/002_more.up.sql', "CREATE FUNCTION :APP_SCHEMA.f() RETURNS text LANGUAGE sql AS $$ SELECT null:::APP_SCHEMA.t $$;\nSELECT 1::INTEGER;\n");
    const placeholders = await expectRefused(['up'], { code: 'BH033', text: ['modules/bad/migrations: 2 migration files hold placeholders another tool fills in before it runs them (:APP_SCHEMA)', "sed -i -E -e 's/(^|[^:[:alnum:]_]|::):APP_SCHEMA\\b/\\1<APP_SCHEMA>/g' 001_syntax.up.sql 002_more.up.sql"] });
    expect(placeholders.stderr).not.toContain(":INTEGER");
    execFileSync('bash', ['-c', "sed -i -E -e 's/(^|[^:[:alnum:]_]|::):APP_SCHEMA\\b/\\1app/g' 001_syntax.up.sql 002_more.up.sql"], { cwd: path.join(fx.root, 'modules/bad/migrations') });
    expect(fs.readFileSync(path.join(fx.root, 'modules/bad/migrations/002_more.up.sql'), 'utf8')).toBe("CREATE FUNCTION app.f() RETURNS text LANGUAGE sql AS $$ SELECT null::app.t $$;\nSELECT 1::INTEGER;\n");
    fx.remove('modules/bad/migrations/002_more.up.sql');
    // goose's ENVSUB: a variable in a string parses (and would be stored as "${APP_ENV}"), so the
    // section itself is refused, for a folder once; a ${VAR} without it is named at the syntax error.
    fx.write('modules/bad/migrations/001_syntax.up.sql', "-- +goose ENVSUB ON\nCOMMENT ON SCHEMA public IS '${APP_ENV}';\n-- +goose ENVSUB OFF\n");
    fx.write('modules/bad/migrations/002_more.up.sql', '-- +goose ENVSUB ON\nGRANT USAGE ON SCHEMA public TO ${APP_ROLE:-app};\nSELECT $body$ x $body$;\n');
    const envsub = await expectRefused(['up'], { code: 'BH033', text: ["modules/bad/migrations: 2 migration files have goose's -- +goose ENVSUB ON: goose fills its variables (${APP_ENV}, ${APP_ROLE}) from the environment", 'a TS migration reading process.env'] });
    expect(envsub.stderr).not.toContain('${body}');
    fx.remove('modules/bad/migrations/002_more.up.sql');
    fx.write('modules/bad/migrations/001_syntax.up.sql', 'GRANT USAGE ON SCHEMA public TO ${APP_ROLE};\n');
    await expectRefused(['up'], { code: 'BH033', text: ['001_syntax.up.sql:1:33', 'line 1 holds ${APP_ROLE}, a placeholder Bulkhead does not fill in'] });
  });

  it('a seed too large to parse at once (parsed in pieces) names the line of its syntax error, and of a failing statement', async () => {
    // 40,000 rows as 400 INSERTs (about 2 MB): more than one piece.
    const rows = (from: number) => Array.from({ length: 100 }, (_, k) => `(${from + k}, 'name ${from + k}; with a semicolon\n and a line break')`).join(',\n');
    const inserts = Array.from({ length: 400 }, (_, i) => `INSERT INTO seed VALUES\n${rows(i * 100)};`).join('\n');
    const body = `CREATE TABLE seed (id int PRIMARY KEY, name text);\n${inserts}\n`;
    const lines = body.split('\n').length;
    workspace((f) => {
      f.write('modules/bad/bulkhead.json', manifest({ database: { url: '${BAD_URL}' } }));
      f.write('modules/bad/migrations/001_seed.up.sql', `${body}INSERT INTO seed VALUES (1 'x');\n`);
    });
    const badUrl = await createDatabase();
    await expectRefused(['up'], { code: 'BH033', text: [`001_seed.up.sql:${lines}:`] }, { BAD_URL: badUrl });
    // Parsed, it fails at run time on its last statement: that line, and nothing of it remains.
    fx.write('modules/bad/migrations/001_seed.up.sql', `${body}INSERT INTO seed VALUES (1, 'again');\n`);
    const failed = await runCli(['up', 'bad'], { cwd: fx.root, env: { GOOD_URL: goodUrl, BAD_URL: badUrl } });
    expect(failed.exitCode).toBe(1);
    expect(failed.stderr).toContain(`001_seed failed at modules/bad/migrations/001_seed.up.sql:${lines} (statement 402)`);
    expect(await tableExists(badUrl, 'seed')).toBe(false);
    fx.write('modules/bad/migrations/001_seed.up.sql', body);
    expect((await runCli(['up', 'bad'], { cwd: fx.root, env: { GOOD_URL: goodUrl, BAD_URL: badUrl } })).exitCode).toBe(0);
    expect(await query(badUrl, 'SELECT count(*)::int AS n FROM seed')).toEqual([{ n: 40_000 }]);
  });

  it("a migration written for another JavaScript tool (node-pg-migrate's pgm) is exit 2 naming the tool, before anything runs", async () => {
    workspace((f) => {
      f.write('modules/bad/bulkhead.json', manifest({}));
      f.write('modules/bad/migrations/1700000000000_users.js', "exports.shorthands = undefined;\nexports.up = (pgm) => { pgm.createTable('users', { id: 'id' }); };\n");
    });
    await expectRefused(['up'], { code: 'BH017', text: ['modules/bad/migrations/1700000000000_users.js', 'a node-pg-migrate migration (exports.shorthands): Bulkhead runs knex migrations', 'rewrite it with knex'] });
    // A folder of them (Unleash's 389 db-migrate files) is one problem.
    fx.write('modules/bad/migrations/1700000000001_more.js', "'use strict';\nexports.up = function (db, cb) { db.runSql('ALTER TABLE users ADD c int', cb); };\n");
    fx.write('modules/bad/migrations/1700000000002_most.js', "'use strict';\nexports.up = function (db, cb) { db.runSql('ALTER TABLE users ADD d int', cb); };\n");
    const folder = await expectRefused(['up'], { code: 'BH017', text: ['modules/bad/migrations: 2 migrations are written for db-migrate (1700000000001_more.js, 1700000000002_most.js: db.runSql)', 'rewrite them with knex'] });
    expect(folder.stderr).toContain('1700000000000_users.js: a node-pg-migrate migration');
    expect(folder.stderr).not.toContain('1700000000001_more.js: a db-migrate');
    // With the command that turns them into SQL files, which then run.
    expect(folder.stderr).toContain("e.g. in modules/bad/migrations (bash): node -e 'const fs");
    const convert = /\(bash\): (node -e '[^\n]*?"keep":"\.db-migrate"[^\n]*?') — it for each file/.exec(folder.stderr)?.[1];
    // node-pg-migrate's is not db-migrate's: it is named, and left.
    const printed = execFileSync('bash', ['-c', convert!], { cwd: path.join(fx.root, 'modules/bad/migrations'), encoding: 'utf8' });
    expect(printed).toBe('left to rewrite by hand (1): 1700000000000_users.js\n');
    expect(fs.readFileSync(path.join(fx.root, 'modules/bad/migrations/1700000000002_most.up.sql'), 'utf8')).toBe('ALTER TABLE users ADD d int;\n');
    expect(fs.readdirSync(path.join(fx.root, 'modules/bad/migrations/.db-migrate')).sort()).toEqual(['1700000000001_more.js', '1700000000002_most.js']);
    for (const f of ['1700000000001_more.up.sql', '1700000000002_most.up.sql', '.db-migrate']) fx.remove(`modules/bad/migrations/${f}`);
    // lint cannot lint it either, and says so.
    const lint = await runCli(['lint', '--json'], { cwd: fx.root, env: { GOOD_URL: goodUrl } });
    expect(lint.json.findings).toEqual([expect.objectContaining({ code: 'BH-S003', file: 'modules/bad/migrations/1700000000000_users.js', message: expect.stringContaining('cannot be loaded (BH017: a node-pg-migrate migration') })]);
  });

  it('a TS migration without up, and a requires on a module outside dependsOn', async () => {
    workspace((f) => {
      f.write('modules/bad/bulkhead.json', manifest({}));
      f.write('modules/bad/migrations/001_noup.ts', 'export async function down() {}\n');
      f.write('modules/bad/migrations/002_req.up.sql', '-- bulkhead:requires good:001_good\nSELECT 1;\n');
    });
    await expectRefused(['up'], { code: 'BH017', text: ['modules/bad/migrations/001_noup.ts', 'exports no up(knex)', 'BH029', 'good is not in dependsOn'] });
  });

  it('unknown module on the command line, unknown flag, bad --concurrency', async () => {
    workspace(() => undefined);
    await expectRefused(['up', 'nope'], { code: 'BH015', text: ['unknown module "nope"', 'modules in this workspace: good'] });
    await expectRefused(['up', 'goood'], { code: 'BH015', text: ['unknown module "goood"', 'fix: did you mean good? modules in this workspace: good'] });
    await expectRefused(['up', '--dryrun'], { code: 'BH025', text: ['unknown option --dryrun for bulkhead up: did you mean --dry-run?', 'usage: bulkhead up'] });
    await expectRefused(['down', 'good', '--step', '1'], { code: 'BH025', text: ['unknown option --step for bulkhead down: did you mean --steps?'] });
    await expectRefused(['up', '--concurrency', '0'], { code: 'BH025', text: ['--concurrency 0'] });
    await expectRefused(['up', '--concurrency', '-3'], { code: 'BH025', text: ['--concurrency -3: a value starting with "-" reads as a flag; write --concurrency=-3 if you mean it'] });
    await expectRefused(['frobnicate'], { code: 'BH025', text: ['unknown command "frobnicate"'] });
    // Another tool's word for a command, or a slip of one.
    await expectRefused(['migrate'], { code: 'BH025', text: ['unknown command "migrate": did you mean bulkhead up?'] });
    await expectRefused(['stauts'], { code: 'BH025', text: ['unknown command "stauts": did you mean bulkhead status?'] });
    await expectRefused(['up'], { code: 'BH025', text: ['BULKHEAD_RUN_ID "release-42" is not a UUID'] }, { BULKHEAD_RUN_ID: 'release-42' });
  });

  it('embedded databases are refused in production, by flag or BULKHEAD_ENV', async () => {
    workspace((f) => {
      f.write('modules/bad/bulkhead.json', manifest({ database: { url: 'pglite://.bulkhead/bad' } }));
      f.write('modules/bad/migrations/001_x.up.sql', 'SELECT 1;');
    });
    await expectRefused(['up', '--production'], { code: 'BH014', text: ['module bad', 'refused in production'] });
    await expectRefused(['up'], { code: 'BH014', text: ['field database.url'] }, { BULKHEAD_ENV: 'production' });
  });

  it('cannot connect: exit 2, module named, password redacted', async () => {
    workspace((f) => {
      f.write('modules/bad/bulkhead.json', manifest({ database: { url: 'postgres://app:hunter2secret@127.0.0.1:1/nodb' } }));
      f.write('modules/bad/migrations/001_x.up.sql', 'SELECT 1;');
    });
    const r = await expectRefused(['up'], { code: 'BH020', text: ['module bad', 'cannot connect to postgres://app:***@127.0.0.1:1/nodb'] });
    expect(r.stderr + r.stdout).not.toContain('hunter2secret');
    const j = await runCli(['up', '--json'], { cwd: fx.root, env: { GOOD_URL: goodUrl } });
    expect(j.exitCode).toBe(2);
    expect(j.json.problems[0]).toMatchObject({ code: 'BH020', module: 'bad' });
    expect(j.stdout + j.stderr).not.toContain('hunter2secret');
    // A host name nothing resolves (.invalid never does): the fix is the name, not a server to start.
    fx.write('modules/bad/bulkhead.json', manifest({ database: { url: 'postgres://app:hunter2secret@db-typo.invalid:5432/app' } }));
    const unknown = await expectRefused(['up'], { code: 'BH020', text: ['cannot connect to postgres://app:***@db-typo.invalid:5432/app', 'no address is known for the host name db-typo.invalid', 'fix the host in the URL'] });
    expect(unknown.stderr).not.toContain('start the server');
  });
});

describe("the server's privileges", () => {
  it("a role that may not create in the module's schema (PostgreSQL 15's public) is told the grant, before anything is applied; the database's CREATE is not needed", async () => {
    const role = `${inject('dbPrefix')}low`;
    const url = await createDatabase();
    await adminQuery(`DROP ROLE IF EXISTS "${role}"`);
    await adminQuery(`CREATE ROLE "${role}" LOGIN PASSWORD 'Low-Pa55'`);
    try {
      // As PostgreSQL 15 has it (older servers let every role create in public): the database's owner only.
      await query(url, 'REVOKE CREATE ON SCHEMA public FROM PUBLIC');
      const u = new URL(url);
      u.username = role;
      u.password = 'Low-Pa55';
      fx = makeWorkspace([{ name: 'low', url: '${LOW_URL}', migrations: { '001_t.up.sql': 'CREATE TABLE low_t (id int);\n' } }]);
      const env = { LOW_URL: u.toString() };
      const r = await runCli(['up'], { cwd: fx.root, env });
      expect(r.exitCode).toBe(2);
      expect(r.stderr).toContain('error: module low, modules/low/bulkhead.json: low cannot create its history table public.low_migrations: permission denied for schema public (nothing was applied) (BH068)');
      expect(r.stderr).toContain(`fix: let the role create it — GRANT CREATE ON SCHEMA public TO ${role}`);
      expect(r.stderr).not.toContain('Low-Pa55');
      expect(await tableExists(url, 'low_t')).toBe(false);
      // The grant it names is enough: CREATE on the database is not asked for (public exists).
      await query(url, `GRANT CREATE ON SCHEMA public TO "${role}"`);
      const granted = await runCli(['up'], { cwd: fx.root, env });
      expect(granted.exitCode, granted.stderr).toBe(0);
      expect(await tableExists(url, 'low_t')).toBe(true);
      // A table made by another role (by hand, another tool): who owns it, and how to give it over.
      await query(url, 'CREATE TABLE by_hand (id int)');
      const owner = (await query<{ owner: string }>(url, 'SELECT current_user AS owner'))[0]!.owner;
      fx.write('modules/low/migrations/002_alter.up.sql', 'ALTER TABLE by_hand ADD COLUMN note text;\n');
      const foreign = await runCli(['up', '--json'], { cwd: fx.root, env });
      expect(foreign.json.modules[0].failure.pgCode).toBe('42501');
      expect(foreign.json.modules[0].failure.fix).toContain(`table by_hand belongs to role ${owner}, and the migration runs as ${role}: only its owner`);
      expect(foreign.json.modules[0].failure.fix).toContain(`give it to the module's role (ALTER TABLE by_hand OWNER TO ${role}, run as ${owner} or a superuser)`);
      // Writing to it: the grant that lets the role.
      fx.write('modules/low/migrations/002_alter.up.sql', 'INSERT INTO by_hand VALUES (1);\n');
      const write = await runCli(['up', '--json'], { cwd: fx.root, env });
      expect(write.json.modules[0].failure.fix).toContain(`table by_hand belongs to role ${owner}, and the migration runs as ${role}, which lacks the privilege: GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE by_hand TO ${role} (run as ${owner} or a superuser)`);
    } finally {
      await query(url, `DROP OWNED BY "${role}" CASCADE`).catch(() => undefined);
      await adminQuery(`DROP ROLE IF EXISTS "${role}"`);
    }
  });
});

describe('no secrets in output', () => {
  it('a password in a working URL never appears, in text or JSON, from any command', async () => {
    // A role of its own with a password, so the check holds on trust and password servers alike.
    const role = `${inject('dbPrefix')}secret`;
    await adminQuery(`DROP ROLE IF EXISTS "${role}"`);
    await adminQuery(`CREATE ROLE "${role}" LOGIN SUPERUSER PASSWORD 'S3cr3t-Pa55'`);
    try {
      const u = new URL(goodUrl);
      u.username = role;
      u.password = 'S3cr3t-Pa55';
      fx = makeWorkspace([{ name: 'good', url: '${GOOD_URL}', migrations: { '001_good.up.sql': 'CREATE TABLE good_t (id int);\n' } }]);
      const env = { GOOD_URL: u.toString() };
      let all = '';
      for (const args of [['validate'], ['plan'], ['up', '--dry-run'], ['up', '--json'], ['status'], ['status', '--json'], ['plan', '--format', 'json']]) {
        const r = await runCli(args, { cwd: fx.root, env });
        expect(r.exitCode, `${args.join(' ')}: ${r.stderr}`).toBe(0);
        all += r.stdout + r.stderr;
      }
      expect(all).toContain('***');
      expect(all).not.toContain('S3cr3t-Pa55');
    } finally {
      // A superuser with a known password must not outlive the test: what it made, then itself.
      await query(goodUrl, `DROP OWNED BY "${role}" CASCADE`).catch(() => undefined);
      await adminQuery(`DROP OWNED BY "${role}" CASCADE`).catch(() => undefined);
      await adminQuery(`DROP ROLE IF EXISTS "${role}"`);
    }
  });
});
