/**
 * The spine, end to end: `bulkhead up/status/down/plan` run as a subprocess on fixture
 * workspaces, once on a real PostgreSQL server (migrate.postgres.test.ts) and once on the
 * embedded PGlite default (migrate.pglite.test.ts): two files, so the two run in parallel.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Backend } from '../support/backends.js';
import { makeWorkspace, runCli, waitFor, type Fixture } from '../support/fixtures.js';

const SQL_UP = `CREATE TYPE a_status AS ENUM ('on', 'off');
CREATE TABLE a_items (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  status a_status NOT NULL DEFAULT 'on',
  tags jsonb NOT NULL DEFAULT '{}'::jsonb
);
-- a ? in SQL is an operator, not a binding
CREATE INDEX a_items_tag_idx ON a_items ((tags ? 'x'));
`;
const SQL_DOWN = `DROP TABLE a_items;\nDROP TYPE a_status;\n`;
const TS_MIGRATION = `import type { Knex } from 'knex';
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('b_things', (t) => {
    t.uuid('id').primary();
    t.text('name').notNullable();
  });
}
export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('b_things');
}
`;
const TS_SECOND = `export async function up(knex: any) { await knex.schema.alterTable('b_things', (t: any) => t.integer('size')); }
export async function down(knex: any) { await knex.schema.alterTable('b_things', (t: any) => t.dropColumn('size')); }
`;
const ESM_JS = `export async function up(knex) { await knex.raw('CREATE TABLE c_esm (id int PRIMARY KEY)'); }
export async function down(knex) { await knex.raw('DROP TABLE c_esm'); }
`;
const CJS_JS = `exports.up = function (knex) { return knex.schema.createTable('c_cjs', (t) => { t.integer('id').primary(); }); };
exports.down = function (knex) { return knex.schema.dropTable('c_cjs'); };
exports.config = { transaction: false };
`;

export function migrateSuite(backend: Backend): void {
  describe(`on ${backend.name}`, () => {
    let fx: Fixture | undefined;
    afterEach(() => fx?.cleanup());

    async function threeModules() {
      fx = makeWorkspace([]);
      const s = await backend.session(fx.root, ['a', 'b', 'c']);
      const root = fx.root;
      fx.write('modules/a/bulkhead.json', JSON.stringify({ name: 'a', database: { url: s.urls.a } }));
      fx.write('modules/a/migrations/001_init.up.sql', SQL_UP);
      fx.write('modules/a/migrations/001_init.down.sql', SQL_DOWN);
      fx.write('modules/b/bulkhead.json', JSON.stringify({ name: 'b', database: { url: s.urls.b }, dependsOn: ['a'] }));
      fx.write('modules/b/migrations/20250101000000_things.ts', TS_MIGRATION);
      fx.write('modules/b/migrations/20250102000000_size.ts', TS_SECOND);
      fx.write('modules/c/bulkhead.json', JSON.stringify({ name: 'c', database: { url: s.urls.c }, dependsOn: ['b', 'a'] }));
      fx.write('modules/c/migrations/001_esm.mjs', ESM_JS);
      fx.write('modules/c/migrations/002_cjs.cjs', CJS_JS);
      return { s, root };
    }

    it('applies every module in dependency order with its own history, then is a no-op', async () => {
      const { s, root } = await threeModules();
      const first = await runCli(['up', '--json'], { cwd: root, env: s.env });
      expect(first.exitCode, first.stderr).toBe(0);
      expect(first.json.modules.map((m: any) => [m.module, m.status, m.migrations.length])).toEqual([
        ['a', 'applied', 1],
        ['b', 'applied', 2],
        ['c', 'applied', 2],
      ]);

      const st = await runCli(['status', '--json'], { cwd: root, env: s.env });
      expect(st.exitCode, st.stderr).toBe(0);
      const applied = st.json.modules.flatMap((m: any) => m.applied.map((a: any) => ({ module: m.module, ...a })));
      expect(applied.map((a: any) => `${a.module}:${a.id}`)).toEqual([
        'a:001_init',
        'b:20250101000000_things',
        'b:20250102000000_size',
        'c:001_esm',
        'c:002_cjs',
      ]);
      // Dependency order, checked from the history tables' own timestamps.
      const times = applied.map((a: any) => Date.parse(a.appliedAt));
      expect([...times].sort((x, y) => x - y)).toEqual(times);
      // One run id shared by every module the call touched.
      expect(new Set(applied.map((a: any) => a.runId))).toEqual(new Set([first.json.runId]));
      expect(st.json.modules.every((m: any) => m.pending.length === 0)).toBe(true);

      // Per-module history tables, in each module's own database.
      const rows = await s.query<any>('b', 'SELECT * FROM b_migrations ORDER BY id');
      expect(rows.map((r) => r.id)).toEqual(['20250101000000_things', '20250102000000_size']);
      expect(rows[0]).toMatchObject({ name: 'things', bulkhead_version: expect.any(String) });
      expect(rows[0].checksum).toMatch(/^[0-9a-f]{64}$/);
      expect(Number(rows[0].duration_ms)).toBeGreaterThanOrEqual(0);
      expect(rows[0].applied_by).toBeTruthy();
      expect(await s.tableExists('a', 'b_migrations')).toBe(false);
      expect(await s.tableExists('c', 'c_cjs')).toBe(true);
      if (backend.name === 'postgres') {
        // Nothing of a first run failed on the server (a SELECT from a history table not made yet
        // did, twice, putting an ERROR in the server's log for every new database): no transaction
        // of module a's database rolled back. (Its sessions' statistics are written as they end.)
        const stats = () => s.query<{ commits: number; rollbacks: number }>('a', 'SELECT xact_commit::int AS commits, xact_rollback::int AS rollbacks FROM pg_stat_database WHERE datname = current_database()');
        await waitFor(async () => (await stats())[0]!.commits > 0);
        expect((await stats())[0]!.rollbacks).toBe(0);
      }

      const second = await runCli(['up', '--json'], { cwd: root, env: s.env });
      expect(second.exitCode, second.stderr).toBe(0);
      expect(second.json.modules.map((m: any) => m.status)).toEqual(['up-to-date', 'up-to-date', 'up-to-date']);
      expect((await s.query('b', 'SELECT count(*)::int AS n FROM b_migrations'))[0]).toEqual({ n: 2 });
    });

    it("a migration that sets its transaction's isolation (SET TRANSACTION first; or after its own BEGIN in a no-transaction file) runs at that level: up, verify's replays, down", async () => {
      fx = makeWorkspace([]);
      const s = await backend.session(fx.root, ['a']);
      fx.write('modules/a/bulkhead.json', JSON.stringify({ name: 'a', database: { url: s.urls.a } }));
      fx.write('modules/a/migrations/001_t.up.sql', 'CREATE TABLE t (iso text);\n');
      fx.write('modules/a/migrations/001_t.down.sql', 'DROP TABLE t;\n');
      // langfuse's backfill: the level pinned so its statements share one snapshot.
      fx.write('modules/a/migrations/002_lead.up.sql', "-- one snapshot\nSET TRANSACTION ISOLATION LEVEL SERIALIZABLE;\nINSERT INTO t SELECT current_setting('transaction_isolation');\n");
      fx.write('modules/a/migrations/002_lead.down.sql', "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ;\nDELETE FROM t WHERE iso = 'serializable';\n");
      fx.write('modules/a/migrations/003_own.up.sql', "-- bulkhead:no-transaction\nBEGIN;\nSET TRANSACTION ISOLATION LEVEL REPEATABLE READ;\nINSERT INTO t SELECT current_setting('transaction_isolation');\nCOMMIT;\n");
      fx.write('modules/a/migrations/003_own.down.sql', "-- bulkhead:no-transaction\nBEGIN;\nSET TRANSACTION ISOLATION LEVEL REPEATABLE READ;\nDELETE FROM t WHERE iso = 'repeatable read';\nCOMMIT;\n");
      fx.write('modules/a/migrations/004_after.up.sql', "INSERT INTO t SELECT current_setting('transaction_isolation');\n");
      fx.write('modules/a/migrations/004_after.down.sql', "DELETE FROM t WHERE iso = 'read committed';\n");
      const up = await runCli(['up'], { cwd: fx.root, env: s.env });
      expect(up.exitCode, up.stderr).toBe(0);
      expect((await s.query<{ iso: string }>('a', 'SELECT iso FROM t')).map((r) => r.iso)).toEqual(['serializable', 'repeatable read', 'read committed']);
      const verify = await runCli(['verify'], { cwd: fx.root, env: s.env });
      expect(verify.exitCode, verify.stderr).toBe(0);
      const down = await runCli(['down', 'a', '--all'], { cwd: fx.root, env: s.env });
      expect(down.exitCode, down.stderr).toBe(0);
      expect(await s.tableExists('a', 't')).toBe(false);
    });

    it('reverts one step, --to, and --all in reverse dependency order', async () => {
      const { s, root } = await threeModules();
      expect((await runCli(['up'], { cwd: root, env: s.env })).exitCode).toBe(0);

      const one = await runCli(['down', 'b', '--json'], { cwd: root, env: s.env });
      expect(one.exitCode, one.stderr).toBe(0);
      expect(one.json.modules[0].migrations.map((m: any) => m.id)).toEqual(['20250102000000_size']);

      const plan = await runCli(['plan', '--format', 'json'], { cwd: root, env: s.env });
      expect(plan.exitCode, plan.stderr).toBe(0);
      expect(JSON.parse(plan.stdout).modules.find((m: any) => m.module === 'b').run).toEqual(['20250102000000_size']);

      const all = await runCli(['down', '--all', '--json'], { cwd: root, env: s.env });
      expect(all.exitCode, all.stderr).toBe(0);
      expect(all.json.modules.map((m: any) => `${m.module}:${m.migrations.map((x: any) => x.id).join(',')}`)).toEqual([
        'c:002_cjs,001_esm',
        'b:20250101000000_things',
        'a:001_init',
      ]);
      expect(await s.tableExists('a', 'a_items')).toBe(false);
      const types = await s.query('a', "SELECT 1 FROM pg_type WHERE typname = 'a_status'");
      expect(types).toEqual([]);

      const again = await runCli(['up', '--json'], { cwd: root, env: s.env });
      expect(again.exitCode, again.stderr).toBe(0);
      expect(again.json.modules.map((m: any) => m.migrations.length)).toEqual([1, 2, 2]);
    });

    it("runs a data dump's COPY … FROM stdin rows (pg_dump's text format, and CSV); a rejected row is named at its line", async () => {
      fx = makeWorkspace([]);
      const s = await backend.session(fx.root, ['dump']);
      fx.write('modules/dump/bulkhead.json', JSON.stringify({ name: 'dump', database: { url: s.urls.dump } }));
      // As pg_dump writes a table and its rows (the search path emptied, names qualified).
      fx.write(
        'modules/dump/migrations/001_baseline.up.sql',
        [
          "SELECT pg_catalog.set_config('search_path', '', false);",
          "CREATE TYPE public.mood AS ENUM ('a', 'b');",
          'CREATE TABLE public.notes (id integer NOT NULL, mood public.mood, body text, tags text[]);',
          'COPY public.notes (id, mood, body, tags) FROM stdin;',
          '1\ta\tline one\\nline two\t{x,y}',
          "2\t\\N\ttab\\there, it's\t\\N",
          '\\.',
          '',
          'COPY public.notes (id, body)',
          '  FROM stdin WITH (FORMAT csv, HEADER true);',
          'id,body',
          '3,"quoted, ""with"" a',
          'line break"',
          '4,',
          '\\.',
          'ALTER TABLE ONLY public.notes ADD CONSTRAINT notes_pkey PRIMARY KEY (id);',
          '',
        ].join('\n'),
      );
      const up = await runCli(['up'], { cwd: fx.root, env: s.env });
      expect(up.exitCode, up.stderr).toBe(0);
      expect(await s.query('dump', 'SELECT id, mood::text, body, tags FROM public.notes ORDER BY id')).toEqual([
        { id: 1, mood: 'a', body: 'line one\nline two', tags: ['x', 'y'] },
        { id: 2, mood: null, body: "tab\there, it's", tags: null },
        { id: 3, mood: null, body: 'quoted, "with" a\nline break', tags: null },
        { id: 4, mood: null, body: null, tags: null },
      ]);
      const drift = await runCli(['drift'], { cwd: fx.root, env: s.env });
      expect(drift.exitCode, drift.stderr).toBe(0);

      // The third row's mood is not a label: the failure names that row's line, and nothing stays.
      fx.write('modules/dump/migrations/002_more.up.sql', 'COPY public.notes (id, mood) FROM stdin;\n5\ta\n6\tb\n7\tzz\n\\.\n');
      const bad = await runCli(['up', '--json'], { cwd: fx.root, env: s.env });
      expect(bad.exitCode).toBe(1);
      expect(bad.json.modules[0].failure).toMatchObject({ file: 'modules/dump/migrations/002_more.up.sql', line: 4, pgCode: '22P02' });
      expect(await s.query('dump', 'SELECT count(*)::int AS n FROM public.notes')).toEqual([{ n: 4 }]);
    });

    it("a statement taking a name an index of a renamed table kept fails naming that index, its table and the rename: up, and verify's replays", async () => {
      // authelia's V0002 down renames totp_configurations to a backup and creates its unique index
      // again under the same name: the backup's index has it. "Exists already: adopt with baseline" said nothing of that.
      fx = makeWorkspace([]);
      const s = await backend.session(fx.root, ['a']);
      fx.write('modules/a/bulkhead.json', JSON.stringify({ name: 'a', database: { url: s.urls.a } }));
      fx.write('modules/a/migrations/001_t.up.sql', 'CREATE TABLE t (id int);\nCREATE UNIQUE INDEX t_id_key ON t (id);\n');
      fx.write('modules/a/migrations/001_t.down.sql', 'DROP TABLE t;\n');
      fx.write('modules/a/migrations/002_swap.up.sql', '-- widen t\nALTER TABLE t RENAME TO t_old;\nCREATE TABLE t (id bigint);\nCREATE UNIQUE INDEX t_id_key ON t (id);\nDROP TABLE t_old;\n');
      fx.write('modules/a/migrations/002_swap.down.sql', 'DROP TABLE t;\nCREATE TABLE t (id int);\n');
      const told = 't_id_key is already the name of an index of table t_old (line 2 renamed its table to t_old, and an index keeps its name when its table is renamed): drop that index (DROP INDEX t_id_key) or rename it (ALTER INDEX t_id_key RENAME TO …) before this statement';
      const up = await runCli(['up', '--json'], { cwd: fx.root, env: s.env });
      expect(up.exitCode).toBe(1);
      expect(up.json.modules[0].failure).toMatchObject({ file: 'modules/a/migrations/002_swap.up.sql', line: 4, pgCode: '42P07', holder: { kind: 'index', schema: 'public', table: 't_old' }, fix: expect.stringContaining(told) });
      // Rolled back: 001's table as it was, no t_old.
      expect(await s.tableExists('a', 't_old')).toBe(false);
      expect(await s.tableExists('a', 't')).toBe(true);
      const verify = await runCli(['verify', '--json'], { cwd: fx.root, env: s.env });
      expect(verify.exitCode).toBe(1);
      expect(verify.json.modules[0].findings).toContainEqual(expect.objectContaining({ kind: 'up-failed', migration: '002_swap', line: 4, fix: expect.stringContaining(told) }));
      // A relation that is no index: its kind and schema, and the general fix.
      fx.write('modules/a/migrations/002_swap.up.sql', 'CREATE SEQUENCE t_seq;\nCREATE TABLE t_seq (id int);\n');
      const seq = await runCli(['up', '--json'], { cwd: fx.root, env: s.env });
      expect(seq.json.modules[0].failure).toMatchObject({ line: 2, holder: { kind: 'sequence', schema: 'public' }, fix: expect.stringContaining('t_seq is already the name of a sequence in schema public') });
    });

    it('a migration failing midway leaves nothing of it, names file and line, skips dependents, finishes the others', async () => {
      fx = makeWorkspace([]);
      const s = await backend.session(fx.root, ['base', 'broken', 'after', 'solo', 'tsfail', 'trgm']);
      fx.write('modules/base/bulkhead.json', JSON.stringify({ name: 'base', database: { url: s.urls.base } }));
      fx.write('modules/base/migrations/001_base.up.sql', 'CREATE TABLE base_t (id int);\n');
      fx.write('modules/broken/bulkhead.json', JSON.stringify({ name: 'broken', database: { url: s.urls.broken }, dependsOn: ['base'] }));
      fx.write('modules/broken/migrations/001_ok.up.sql', 'CREATE TABLE broken_ok (id int);\n');
      fx.write(
        'modules/broken/migrations/002_bad.up.sql',
        // After a query (whose effects the SQL does not show), a missing table is the run's to find (else the plan's, BH074).
        '-- creates a table, then fails\nCREATE TABLE broken_half (id int);\n\nSELECT count(*) FROM broken_half;\nINSERT INTO\n  no_such_table VALUES (1);\n',
      );
      fx.write('modules/broken/migrations/003_never.up.sql', 'CREATE TABLE broken_never (id int);\n');
      fx.write('modules/after/bulkhead.json', JSON.stringify({ name: 'after', database: { url: s.urls.after }, dependsOn: ['broken'] }));
      fx.write('modules/after/migrations/001_after.up.sql', 'CREATE TABLE after_t (id int);\n');
      fx.write('modules/solo/bulkhead.json', JSON.stringify({ name: 'solo', database: { url: s.urls.solo } }));
      fx.write('modules/solo/migrations/001_solo.up.sql', 'CREATE TABLE solo_t (id int);\n');
      fx.write('modules/tsfail/bulkhead.json', JSON.stringify({ name: 'tsfail', database: { url: s.urls.tsfail } }));
      fx.write(
        'modules/tsfail/migrations/001_ts.ts',
        "import type { Knex } from 'knex';\n\nexport async function up(knex: Knex): Promise<void> {\n  await knex.schema.createTable('ts_half', (t) => t.integer('id'));\n  await knex('ts_missing').insert({ id: 1 });\n}\n",
      );
      // chirpstack's first migration: a trigram index, pg_trgm expected from its docker init script
      // (in SQL, refused before anything runs, BH070; from a TS migration, told when it fails).
      fx.write('modules/trgm/bulkhead.json', JSON.stringify({ name: 'trgm', database: { url: s.urls.trgm } }));
      fx.write(
        'modules/trgm/migrations/001_tenant.ts',
        "import type { Knex } from 'knex';\n\nexport async function up(knex: Knex): Promise<void> {\n  await knex.raw('CREATE TABLE tenant (name text)');\n  await knex.raw('CREATE INDEX tenant_name_trgm ON tenant USING gin (name gin_trgm_ops)');\n}\n\nexport async function down(knex: Knex): Promise<void> {\n  await knex.raw('DROP TABLE tenant');\n}\n",
      );

      const r = await runCli(['up', '--json'], { cwd: fx.root, env: s.env });
      expect(r.exitCode).toBe(1);
      const by = Object.fromEntries(r.json.modules.map((m: any) => [m.module, m]));
      expect(by.trgm.failure).toMatchObject({ line: 5, pgCode: '42704', fix: expect.stringContaining('operator class gin_trgm_ops comes from the extension pg_trgm: create it in an earlier migration (CREATE EXTENSION IF NOT EXISTS pg_trgm)') });
      expect(by.base.status).toBe('applied');
      expect(by.solo.status).toBe('applied');
      expect(by.broken.status).toBe('failed');
      expect(by.broken.migrations.map((m: any) => m.id)).toEqual(['001_ok']);
      expect(by.broken.failure).toMatchObject({
        migration: '002_bad',
        file: 'modules/broken/migrations/002_bad.up.sql',
        line: 6,
        statement: 3,
        pgCode: '42P01',
      });
      expect(by.after).toMatchObject({ status: 'skipped', skippedBecause: 'broken' });
      // What ran before the failure is said where the failure is (the progress lines may be far up a CI log).
      expect(r.stderr).toContain('broken: the migration before it (001_ok) stays applied; once it is fixed, bulkhead up continues from 002_bad');
      // A TS migration's failure names its line too (the query's builder stack, source-mapped).
      expect(by.tsfail.failure).toMatchObject({ file: 'modules/tsfail/migrations/001_ts.ts', line: 5, pgCode: '42P01' });
      expect(await s.tableExists('tsfail', 'ts_half')).toBe(false);

      expect(await s.tableExists('broken', 'broken_ok')).toBe(true);
      expect(await s.tableExists('broken', 'broken_half')).toBe(false);
      expect(await s.tableExists('broken', 'broken_never')).toBe(false);
      expect((await s.query('broken', 'SELECT id FROM broken_migrations')).map((x: any) => x.id)).toEqual(['001_ok']);
      expect(await s.tableExists('after', 'after_migrations')).toBe(false);

      const human = await runCli(['up'], { cwd: fx.root, env: s.env });
      expect(human.exitCode).toBe(1);
      expect(human.stderr).toContain('modules/broken/migrations/002_bad.up.sql:6 (statement 3)');
      expect(human.stderr).toMatch(/no_such_table.*does not exist/);
      expect(human.stderr).toContain('after: – skipped: depends on broken');
      expect(human.stderr).not.toContain('before it (001_ok)');
      // The last line counts modules, not migrations.
      expect(human.stderr.trim().split('\n').at(-1)).toMatch(/^modules: 2 up to date, 3 failed, 1 skipped \(run [0-9a-f-]{36}\)$/);

      // Declared once it failed: up makes it in the database made before (an embedded one too), then runs.
      fx.write('modules/trgm/bulkhead.json', JSON.stringify({ name: 'trgm', database: { url: s.urls.trgm }, extensions: ['pg_trgm'] }));
      const declared = await runCli(['up', 'trgm'], { cwd: fx.root, env: s.env });
      expect(declared.exitCode, declared.stderr).toBe(0);
      expect(declared.stderr).toContain('trgm: created extension pg_trgm, which modules/trgm/bulkhead.json declares');
      expect((await s.query('trgm', "SELECT indexname FROM pg_indexes WHERE tablename = 'tenant'")).map((x: any) => x.indexname)).toEqual(['tenant_name_trgm']);
    });

    it("runs a CommonJS knex migration that requires code beside its folder (which asks knex.client.config.client) and starts queries at once, quietly; one failing among them leaves nothing", async () => {
      // As kutt's migrations do: `require("../models")`, then `Promise.all([knex.raw(…), …])` on the
      // migration's transaction. The driver would queue those itself, with a DeprecationWarning.
      fx = makeWorkspace([]);
      const s = await backend.session(fx.root, ['k', 'kfail']);
      fx.write('modules/k/bulkhead.json', JSON.stringify({ name: 'k', database: { url: s.urls.k } }));
      fx.write(
        'modules/k/models/index.js',
        // A helper that branches on the client, as joplin's isPostgres does (knex.client.config.client === 'pg').
        "const isPostgres = (knex) => knex.client.config.client === 'pg';\nasync function createLinks(knex) {\n  if (!isPostgres(knex)) throw new Error('not PostgreSQL: ' + knex.client.config.client);\n  if (!(await knex.schema.hasTable('links'))) await knex.schema.createTable('links', (t) => { t.increments('id'); t.string('address'); t.integer('user_id'); });\n}\nmodule.exports = { createLinks };\n",
      );
      fx.write('modules/k/migrations/20200101000000_links.js', "const models = require('../models');\nasync function up(knex) { await models.createLinks(knex); }\nasync function down(knex) { await knex.schema.dropTable('links'); }\nmodule.exports = { up, down };\n");
      fx.write(
        'modules/k/migrations/20200102000000_indexes.js',
        "exports.up = async (knex) => {\n  await Promise.all([\n    knex.raw('CREATE INDEX links_address_index ON links (address)'),\n    knex.raw('CREATE INDEX links_user_id_index ON links (user_id)'),\n    knex('links').insert({ address: 'a' }),\n  ]);\n};\nexports.down = (knex) => Promise.all([knex.raw('DROP INDEX links_address_index'), knex.raw('DROP INDEX links_user_id_index')]);\n",
      );
      fx.write('modules/kfail/bulkhead.json', JSON.stringify({ name: 'kfail', database: { url: s.urls.kfail } }));
      fx.write(
        'modules/kfail/migrations/001_at_once.js',
        "exports.up = async (knex) => {\n  await knex.raw('CREATE TABLE kf (id int)');\n  await Promise.all([\n    knex.raw('CREATE INDEX kf_id ON kf (id)'),\n    knex.raw('CREATE INDEX kf_nope ON kf (nope)'),\n    knex.raw('INSERT INTO kf VALUES (1)'),\n  ]);\n};\n",
      );

      const r = await runCli(['up', '--json'], { cwd: fx.root, env: s.env });
      expect(r.exitCode).toBe(1);
      expect(r.stderr).not.toContain('DeprecationWarning');
      const by = Object.fromEntries(r.json.modules.map((m: any) => [m.module, m]));
      expect(by.k.status).toBe('applied');
      expect(by.k.migrations.map((m: any) => m.id)).toEqual(['20200101000000_links', '20200102000000_indexes']);
      const indexes = await s.query<{ indexname: string }>('k', "SELECT indexname FROM pg_indexes WHERE tablename = 'links' AND indexname LIKE 'links_%_index' ORDER BY 1");
      expect(indexes.map((i) => i.indexname)).toEqual(['links_address_index', 'links_user_id_index']);
      expect(by.kfail.failure).toMatchObject({ file: 'modules/kfail/migrations/001_at_once.js', pgCode: '42703' });
      expect(await s.tableExists('kfail', 'kf')).toBe(false);

      const down = await runCli(['down', 'k', '--steps', '1'], { cwd: fx.root, env: s.env });
      expect(down.exitCode, down.stderr).toBe(0);
      expect(down.stderr).not.toContain('DeprecationWarning');
      expect(await s.query('k', "SELECT 1 FROM pg_indexes WHERE indexname = 'links_address_index'")).toEqual([]);
    });

    it("compiles TypeScript migrations with their tsconfig: an Nx workspace's path aliases resolve (own tsconfig, the root's base, ES modules); a throw is named at its line", async () => {
      // As Nx workspaces share code (tsconfig.base.json "paths": @org/db → libs/db/src) and Infisical's
      // migrations import "@app/lib/knex" through their backend's tsconfig.json.
      fx = makeWorkspace([]);
      const s = await backend.session(fx.root, ['own', 'base', 'esm']);
      fx.write('tsconfig.base.json', JSON.stringify({ compilerOptions: { baseUrl: '.', paths: { '@org/db': ['libs/db/src/index.ts'] } } }));
      fx.write('libs/db/src/index.ts', "import type { Knex } from 'knex';\nexport const stamped = (knex: Knex, table: string) => knex.schema.createTable(table, (t) => { t.increments('id'); t.timestamp('created_at').defaultTo(knex.fn.now()); });\n");
      // A module with a tsconfig of its own (an alias of its own, and the base's through extends).
      fx.write('apps/own/tsconfig.json', JSON.stringify({ extends: '../../tsconfig.base.json', compilerOptions: { baseUrl: '.', paths: { '@org/db': ['../../libs/db/src/index.ts'], '@app/*': ['./src/*'] } } }));
      fx.write('apps/own/src/lib/names.ts', "export const TableName = { Users: 'own_users' } as const;\n");
      fx.write('apps/own/bulkhead.json', JSON.stringify({ name: 'own', database: { url: s.urls.own } }));
      const useBoth = "import type { Knex } from 'knex';\nimport { stamped } from '@org/db';\nimport { TableName } from '@app/lib/names';\nexport async function up(knex: Knex) { await stamped(knex, TableName.Users); }\nexport async function down(knex: Knex) { await knex.schema.dropTable(TableName.Users); }\n";
      fx.write('apps/own/migrations/20250101000000_users.ts', useBoth);
      // No tsconfig of its own: the workspace's tsconfig.base.json.
      fx.write('apps/base/bulkhead.json', JSON.stringify({ name: 'base', database: { url: s.urls.base } }));
      fx.write('apps/base/migrations/20250101000000_orders.ts', "import { stamped } from '@org/db';\nexport const up = (knex: any) => stamped(knex, 'base_orders');\nexport const down = (knex: any) => knex.schema.dropTable('base_orders');\n");
      fx.write('apps/base/migrations/20250102000000_boom.ts', "export async function up(knex: any) {\n  await knex.raw('select 1');\n  // the migration's own code fails, after a query that worked\n  throw new Error('no rates configured');\n}\nexport async function down() {}\n");
      // An ES module package ("type": "module").
      fx.write('apps/esm/package.json', JSON.stringify({ type: 'module' }));
      fx.write('apps/esm/bulkhead.json', JSON.stringify({ name: 'esm', database: { url: s.urls.esm } }));
      fx.write('apps/esm/migrations/20250101000000_events.ts', "import { stamped } from '@org/db';\nexport const up = (knex: any) => stamped(knex, 'esm_events');\nexport const down = (knex: any) => knex.schema.dropTable('esm_events');\n");
      fx.write('apps/esm/migrations/20250102000000_boom.ts', "export async function up(knex: any) {\n  await knex.raw('select 1');\n  // the migration's own code fails\n  throw new Error('no rates configured');\n}\nexport async function down() {}\n");

      const r = await runCli(['up', '--json'], { cwd: fx.root, env: s.env });
      expect(r.exitCode, r.stderr).toBe(1);
      const by = Object.fromEntries(r.json.modules.map((m: any) => [m.module, m]));
      expect(by.own.status).toBe('applied');
      expect(await s.query('own', "SELECT column_name FROM information_schema.columns WHERE table_name = 'own_users' ORDER BY 1")).toEqual([{ column_name: 'created_at' }, { column_name: 'id' }]);
      expect(await s.tableExists('base', 'base_orders')).toBe(true);
      expect(await s.tableExists('esm', 'esm_events')).toBe(true);
      // CommonJS (no "type") and ES module alike: the throw's line, and no SQL blamed for it.
      for (const m of ['base', 'esm']) {
        expect(by[m].failure, m).toMatchObject({ file: `apps/${m}/migrations/20250102000000_boom.ts`, line: 4, message: expect.stringContaining('no rates configured') });
        expect(by[m].failure.sql, m).toBeUndefined();
      }

      // An alias no tsconfig maps: the fix names the tsconfig the migration compiles with.
      fx.write('apps/own/migrations/20250103000000_more.ts', "import { x } from '@org/missing';\nexport const up = async () => x;\n");
      const v = await runCli(['validate'], { cwd: fx.root, env: s.env });
      expect(v.exitCode).toBe(2);
      expect(v.stderr).toContain("Cannot find module '@org/missing'");
      expect(v.stderr).toContain('map it in "compilerOptions.paths" of apps/own/tsconfig.json');
    });

    it('a migration that calls process.exit fails as a migration, rolled back and named, instead of ending the run', async () => {
      // As Infisical's env check does when a variable is missing: Bulkhead vanished mid-run, silent.
      fx = makeWorkspace([]);
      const s = await backend.session(fx.root, ['ex', 'ok']);
      fx.write('modules/ex/bulkhead.json', JSON.stringify({ name: 'ex', database: { url: s.urls.ex } }));
      fx.write('modules/ex/migrations/001_keys.ts', "export async function up(knex: any) {\n  await knex.schema.createTable('ex_keys', (t: any) => t.increments('id'));\n  if (!process.env.EX_ENCRYPTION_KEY) {\n    process.exit(1);\n  }\n}\nexport async function down(knex: any) { await knex.schema.dropTable('ex_keys'); }\n");
      fx.write('modules/ok/bulkhead.json', JSON.stringify({ name: 'ok', database: { url: s.urls.ok } }));
      fx.write('modules/ok/migrations/001_ok.up.sql', 'CREATE TABLE ok_things (id int);\n');
      const r = await runCli(['up', '--json'], { cwd: fx.root, env: s.env });
      expect(r.exitCode, r.stderr).toBe(1);
      const by = Object.fromEntries(r.json.modules.map((m: any) => [m.module, m]));
      expect(by.ex.failure).toMatchObject({ file: 'modules/ex/migrations/001_keys.ts', line: 4, message: expect.stringContaining('it called process.exit(1)'), fix: expect.stringContaining('throw an Error where it exits instead') });
      expect(await s.tableExists('ex', 'ex_keys')).toBe(false);
      expect(by.ok.status).toBe('applied');
      // With what it checks set, it runs.
      const again = await runCli(['up'], { cwd: fx.root, env: { ...s.env, EX_ENCRYPTION_KEY: 'k' } });
      expect(again.exitCode, again.stderr).toBe(0);
      expect(await s.tableExists('ex', 'ex_keys')).toBe(true);

      // Exiting while it is imported (a check at the top of the file): a problem of the file, exit 2.
      fx.write('modules/ex/migrations/002_top.ts', "if (!process.env.EX_KMS) process.exit(3);\nexport async function up() {}\n");
      const v = await runCli(['validate'], { cwd: fx.root, env: s.env });
      expect(v.exitCode).toBe(2);
      expect(v.stderr).toContain('modules/ex/migrations/002_top.ts:1');
      expect(v.stderr).toContain('it called process.exit(3)');
    });

    it('ends when done though a migration left a timer running (an app module it imports starts one), saying so', async () => {
      fx = makeWorkspace([]);
      const s = await backend.session(fx.root, ['tick']);
      fx.write('modules/tick/bulkhead.json', JSON.stringify({ name: 'tick', database: { url: s.urls.tick } }));
      fx.write('modules/tick/metrics.ts', 'export const timer = setInterval(() => undefined, 1000);\n');
      fx.write('modules/tick/migrations/001_tick.ts', "import '../metrics';\nexport async function up(knex: any) { await knex.raw('CREATE TABLE tick_t (id int)'); }\nexport async function down(knex: any) { await knex.raw('DROP TABLE tick_t'); }\n");
      const r = await runCli(['up'], { cwd: fx.root, env: s.env });
      expect(r.exitCode, r.stderr).toBe(0);
      expect(r.stderr).toContain('note: something a migration started (Timeout) was still running when bulkhead finished; it exits anyway');
      expect(await s.tableExists('tick', 'tick_t')).toBe(true);
    });

    it('a knex builder the migration never awaits (schema, raw, a write; it would do nothing): refused before anything runs when its chain on a scratch database shows it (BH073); on a path only the live database takes, it fails the migration at its line, nothing recorded; toSQL, returned builders and builders inside a query are fine', async () => {
      fx = makeWorkspace([]);
      const s = await backend.session(fx.root, ['lazy']);
      fx.write('modules/lazy/bulkhead.json', JSON.stringify({ name: 'lazy', database: { url: s.urls.lazy } }));
      fx.write(
        'modules/lazy/migrations/001_forgot.ts',
        "import type { Knex } from 'knex';\nexport async function up(knex: Knex) {\n  await knex.raw('CREATE TABLE lazy_first (id int)');\n  knex.schema.createTable('lazy_forgotten', (t) => t.increments());\n}\n",
      );
      const r = await runCli(['up', '--json'], { cwd: fx.root, env: s.env });
      expect(r.exitCode).toBe(2);
      expect(r.json.problems).toEqual([
        expect.objectContaining({
          code: 'BH073',
          file: 'modules/lazy/migrations/001_forgot.ts',
          line: 4,
          message: expect.stringContaining('001_forgot fails as written, wherever it runs: knex.schema.createTable(…) at line 4 is never awaited, so it did nothing'),
          fix: expect.stringContaining("await the builder (or return it) in 001_forgot's up"),
        }),
      ]);
      // Nothing ran: not the awaited statement before it, no history (an embedded database not even made).
      if (backend.name === 'pglite') expect(fs.existsSync(path.join(fx.root, '.bulkhead/lazy'))).toBe(false);
      else {
        expect(await s.tableExists('lazy', 'lazy_first')).toBe(false);
        expect(await s.tableExists('lazy', 'lazy_migrations')).toBe(false);
      }
      // verify does not prove a migration that does nothing reversible.
      const verify = await runCli(['verify', 'lazy'], { cwd: fx.root, env: s.env });
      expect(verify.exitCode).not.toBe(0);
      expect(verify.stderr).toContain('up of 001_forgot failed: modules/lazy/migrations/001_forgot.ts:4: knex.schema.createTable(…) at line 4 is never awaited');

      fx.write(
        'modules/lazy/migrations/001_forgot.ts',
        "import type { Knex } from 'knex';\nexport async function up(knex: Knex) {\n  const sql = knex.schema.createTable('lazy_made', (t) => t.increments()).toString();\n  await knex.raw(sql);\n  return knex.schema.createTable('lazy_returned', (t) => t.increments());\n}\n",
      );
      const fixed = await runCli(['up'], { cwd: fx.root, env: s.env });
      expect(fixed.exitCode, fixed.stderr).toBe(0);
      expect(await s.tableExists('lazy', 'lazy_made')).toBe(true);
      expect(await s.tableExists('lazy', 'lazy_returned')).toBe(true);

      // knex.raw and writing query builders likewise; a raw or a builder that is part of a query
      // that runs (a default, a binding, a subquery, a clone's base), and a select never run, are not.
      fx.write(
        'modules/lazy/migrations/002_rows.ts',
        [
          "import type { Knex } from 'knex';",
          'export async function up(knex: Knex) {',
          "  await knex.schema.createTable('lazy_rows', (t) => { t.increments('id'); t.text('s'); t.timestamp('at').defaultTo(knex.raw('now()')); });",
          "  await knex('lazy_rows').insert([{ s: 'a' }, { s: 'b' }]);",
          "  const sub = knex('lazy_rows').select('id').where('s', 'a');",
          "  await knex('lazy_rows').whereIn('id', sub).update({ s: knex.raw('upper(s)') });",
          "  await knex.raw('UPDATE lazy_rows SET s = s || ? WHERE id IN (?)', [knex.raw(\"'!'\"), knex('lazy_rows').select('id').where('s', 'b')]);",
          "  const base = knex('lazy_rows').where('s', 'none');",
          '  await base.clone().del();',
          "  const unused = knex('lazy_rows').select('*');",
          '  void unused;',
          '}',
          "export async function down(knex: Knex) { await knex.schema.dropTable('lazy_rows'); }",
          '',
        ].join('\n'),
      );
      // A path only the live database takes (a table made outside the migrations, which the
      // scratch database's chain does not have): found as the migration runs.
      fx.write('modules/lazy/migrations/003_forgot_update.ts', "export async function up(knex: any) {\n  await knex.raw('SELECT 1');\n  knex('lazy_rows').update({ s: 'z' });\n}\n");
      const refused = await runCli(['up', '--json'], { cwd: fx.root, env: s.env });
      expect(refused.exitCode).toBe(2);
      expect(refused.json.problems).toEqual([expect.objectContaining({ code: 'BH073', line: 3 })]);
      const live = "  if (!(await knex.schema.hasTable('lazy_live'))) return;\n";
      await s.query('lazy', 'CREATE TABLE lazy_live (id int)');
      fx.write('modules/lazy/migrations/003_forgot_update.ts', `export async function up(knex: any) {\n${live}  await knex.raw('SELECT 1');\n  knex('lazy_rows').update({ s: 'z' });\n}\n`);
      const update = await runCli(['up', '--json'], { cwd: fx.root, env: s.env });
      expect(update.exitCode, update.stderr).toBe(1);
      expect(update.json.modules[0].migrations.map((m: any) => m.id)).toEqual(['002_rows']);
      expect(await s.query('lazy', 'SELECT s FROM lazy_rows ORDER BY id')).toEqual([{ s: 'A' }, { s: 'b!' }]);
      expect(update.json.modules[0].failure).toMatchObject({ file: 'modules/lazy/migrations/003_forgot_update.ts', line: 4, message: expect.stringContaining("knex('lazy_rows').update(…) at line 4 is never awaited") });
      fx.write('modules/lazy/migrations/003_forgot_update.ts', `export async function up(knex: any) {\n${live}  knex.raw('DROP TABLE lazy_rows');\n}\n`);
      const raw = await runCli(['up', '--json'], { cwd: fx.root, env: s.env });
      expect(raw.json.modules[0].failure).toMatchObject({ line: 3, message: expect.stringContaining('knex.raw(…) at line 3 is never awaited') });
      expect(await s.tableExists('lazy', 'lazy_rows')).toBe(true);
      // Inside a transaction the migration opens itself, likewise; one committed the old way is fine.
      fx.write('modules/lazy/migrations/003_forgot_update.ts', `export async function up(knex: any) {\n${live}  await knex.transaction(async (trx: any) => {\n    await trx('lazy_rows').insert({ s: 'c' });\n    trx('lazy_rows').del();\n  });\n}\n`);
      const inTrx = await runCli(['up', '--json'], { cwd: fx.root, env: s.env });
      expect(inTrx.json.modules[0].failure).toMatchObject({ line: 5, message: expect.stringContaining("knex('lazy_rows').del(…) at line 5 is never awaited") });
      // Opened promise-style (const trx = await knex.transaction()): likewise.
      fx.write('modules/lazy/migrations/003_forgot_update.ts', `export async function up(knex: any) {\n${live}  const trx = await knex.transaction();\n  await trx('lazy_rows').insert({ s: 'd' });\n  trx('lazy_rows').del();\n  await trx.commit();\n}\n`);
      const promised = await runCli(['up', '--json'], { cwd: fx.root, env: s.env });
      expect(promised.json.modules[0].failure).toMatchObject({ line: 5, message: expect.stringContaining("knex('lazy_rows').del(…) at line 5 is never awaited") });
      expect(await s.query('lazy', "SELECT count(*)::int AS n FROM lazy_rows WHERE s = 'd'")).toEqual([{ n: 0 }]);
      fx.write('modules/lazy/migrations/003_forgot_update.ts', "exports.up = (knex) => knex.transaction((trx) => {\n  trx('lazy_rows').insert({ s: 'c' }).then(() => trx.commit(), trx.rollback);\n});\n");
      const oldStyle = await runCli(['up'], { cwd: fx.root, env: s.env });
      expect(oldStyle.exitCode, oldStyle.stderr).toBe(0);
      expect(await s.query('lazy', "SELECT count(*)::int AS n FROM lazy_rows WHERE s = 'c'")).toEqual([{ n: 1 }]);
    });

    it('stops before anything runs when an applied migration was edited, deleted, or a pending one is older', async () => {
      const { s, root } = await threeModules();
      expect((await runCli(['up'], { cwd: root, env: s.env })).exitCode).toBe(0);
      fx!.write('modules/b/migrations/20250101000000_things.ts', TS_MIGRATION.replace("'name'", "'title'"));
      fx!.write('modules/a/migrations/002_more.up.sql', 'CREATE TABLE a_more (id int);\n');
      const edited = await runCli(['up'], { cwd: root, env: s.env });
      expect(edited.exitCode).toBe(2);
      expect(edited.stderr).toContain('module b, modules/b/migrations/20250101000000_things.ts: modules/b/migrations/20250101000000_things.ts changed after it was applied');
      expect(edited.stderr).toContain('BH022');
      // Nothing ran, not even the other module's valid pending migration.
      expect(await s.tableExists('a', 'a_more')).toBe(false);

      fx!.write('modules/b/migrations/20250101000000_things.ts', TS_MIGRATION.replace(/\n/g, '\r\n'));
      fx!.remove('modules/c/migrations/001_esm.mjs');
      fx!.write('modules/c/migrations/000_older.up.sql', 'SELECT 1;\n');
      const r = await runCli(['up', '--json'], { cwd: root, env: s.env });
      expect(r.exitCode).toBe(2);
      expect(r.json.problems.map((p: any) => p.code).sort()).toEqual(['BH023', 'BH024']);
      expect(await s.tableExists('a', 'a_more')).toBe(false);
    });
  });
}
