/**
 * SPEC §7 under faults, on a real server: runners that race, lose their lock, meet a busy
 * table, die midway through a no-transaction migration, or lose their connection.
 */
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { createDatabase, makeWorkspace, query, runCli, startCli, tableExists, waitFor, waitForMigration, waitForQuery, type Fixture } from '../support/fixtures.js';

let fx: Fixture | undefined;
afterEach(() => fx?.cleanup());

/** A session that holds locks until released: the "long open transaction" of a busy database. */
async function holdOpenTransaction(url: string, sql: string, app = 'reporting-job'): Promise<{ pid: number; release(): Promise<void> }> {
  const c = new pg.Client({ connectionString: url, application_name: app });
  await c.connect();
  await c.query('BEGIN');
  await c.query(sql);
  const pid = (c as unknown as { processID: number }).processID;
  return {
    pid,
    async release() {
      await c.query('COMMIT').catch(() => undefined);
      await c.end();
    },
  };
}

describe('racing runners', () => {
  it('runners started at once on a module with CREATE INDEX CONCURRENTLY never deadlock, and apply each migration once', async () => {
    const url = await createDatabase();
    fx = makeWorkspace([
      {
        name: 'search',
        url: '${SEARCH_URL}',
        migrations: {
          '001_table.up.sql': 'CREATE TABLE docs (id int, body text);\nINSERT INTO docs SELECT g, md5(g::text) FROM generate_series(1, 20000) g;\nCREATE TABLE search_log (n int);\nINSERT INTO search_log VALUES (1);\n',
          '002_index.up.sql': '-- bulkhead:no-transaction\nCREATE INDEX CONCURRENTLY docs_body_idx ON docs (body);\nINSERT INTO search_log VALUES (2);\n',
          '003_slow.up.sql': 'SELECT pg_sleep(1);\nINSERT INTO search_log VALUES (3);\n',
        },
      },
    ]);
    const env = { SEARCH_URL: url };
    // A deadlock would hang until --lock-timeout (60 s) and fail the run; the test would time out.
    const runs = await Promise.all(Array.from({ length: 8 }, () => startCli(['up', '--json', '--lock-timeout', '60s'], { cwd: fx!.root, env })));
    for (const r of runs) expect(r.exitCode, String(r.stderr)).toBe(0);
    expect(await query(url, 'SELECT n FROM search_log ORDER BY n')).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    expect(await query(url, "SELECT indisvalid FROM pg_index WHERE indexrelid = 'docs_body_idx'::regclass")).toEqual([{ indisvalid: true }]);
    const applied = runs.flatMap((r) => JSON.parse(String(r.stdout)).modules.flatMap((m: any) => m.migrations.map((x: any) => x.id)));
    expect(applied.sort()).toEqual(['001_table', '002_index', '003_slow']);
  });

  it('down racing up decides under the lock: the history stays consistent with the schema', async () => {
    const url = await createDatabase();
    fx = makeWorkspace([
      {
        name: 'race',
        url: '${RACE_URL}',
        migrations: {
          '001_a.up.sql': 'CREATE TABLE race_a (id int);\n',
          '001_a.down.sql': 'DROP TABLE race_a;\n',
          '002_b.up.sql': 'CREATE TABLE race_b (id int);\nSELECT pg_sleep(2);\n',
          '002_b.down.sql': 'DROP TABLE race_b;\n',
          '003_c.up.sql': 'CREATE TABLE race_c (id int);\n',
          '003_c.down.sql': 'DROP TABLE race_c;\n',
        },
      },
    ]);
    const env = { RACE_URL: url };
    expect((await runCli(['up', 'race', '--to', '001_a'], { cwd: fx.root, env })).exitCode).toBe(0);
    const upRun = startCli(['up'], { cwd: fx.root, env });
    await waitForQuery(url, 'pg_sleep(2)');
    // Planned while 001 was the last applied; under the lock 003 is: that is what it reverts.
    const downRun = await runCli(['down', 'race', '--json'], { cwd: fx.root, env });
    expect((await upRun).exitCode).toBe(0);
    expect(downRun.exitCode, downRun.stderr).toBe(0);
    expect(downRun.json.modules[0].migrations.map((m: any) => m.id)).toEqual(['003_c']);
    const ids = (await query<{ id: string }>(url, 'SELECT id FROM race_migrations ORDER BY id')).map((r) => r.id);
    expect(ids).toEqual(['001_a', '002_b']);
    expect([await tableExists(url, 'race_a'), await tableExists(url, 'race_b'), await tableExists(url, 'race_c')]).toEqual([true, true, false]);
  });
});

describe('a lost module lock', () => {
  it('a runner whose session holding the lock is terminated stops (BH036); the runner that takes over applies each migration once', async () => {
    const url = await createDatabase();
    fx = makeWorkspace([
      {
        name: 'lost',
        url: '${LOST_URL}',
        migrations: {
          '000_log.up.sql': 'CREATE TABLE lost_log (n int);\n',
          '001_slow.up.sql': 'INSERT INTO lost_log VALUES (1);\nSELECT pg_sleep(3);\n',
          '002_next.up.sql': 'INSERT INTO lost_log VALUES (2);\n',
        },
      },
    ]);
    const env = { LOST_URL: url };
    const first = startCli(['up', '--json'], { cwd: fx.root, env });
    await waitForMigration(url, '001_slow');
    // Kill the session holding the module lock (what a proxy or an idle timeout would do): the
    // one running the migration, and the only one the runner has open.
    const holders = await query<{ pid: number }>(
      url,
      "SELECT DISTINCT l.pid FROM pg_locks l JOIN pg_stat_activity a USING (pid) WHERE l.locktype = 'advisory' AND l.granted AND a.datname = current_database() AND l.pid <> pg_backend_pid()",
    );
    expect(holders).toHaveLength(1);
    await query(url, 'SELECT pg_terminate_backend($1)', [holders[0]!.pid]);
    const second = await runCli(['up', '--json', '--lock-timeout', '60s'], { cwd: fx.root, env });
    const firstDone = await first;
    expect(second.exitCode, second.stderr).toBe(0);
    // The first runner's migration was rolled back with its session, and it says the lock went too.
    expect(firstDone.exitCode).toBe(1);
    const failure = JSON.parse(String(firstDone.stdout)).modules[0].failure;
    expect(failure).toMatchObject({ code: 'BH036', migration: '001_slow', connectionLost: true, partial: false });
    expect(failure.message).toMatch(/^connection lost: .*\(the module lock went with the session\)$/);
    expect(await query(url, 'SELECT n FROM lost_log ORDER BY n')).toEqual([{ n: 1 }, { n: 2 }]);
    expect((await query(url, 'SELECT id FROM lost_migrations ORDER BY id')).map((r: any) => r.id)).toEqual(['000_log', '001_slow', '002_next']);
  });

  it('a migration that releases the module lock (pg_advisory_unlock_all; SQL, no-transaction or TS) is stopped by the server before it commits', async () => {
    const urls = { tx: await createDatabase(), nt: await createDatabase(), ts: await createDatabase(), nl: await createDatabase() };
    fx = makeWorkspace([
      { name: 'tx', url: '${TX_URL}', migrations: { '001_unlock.up.sql': 'CREATE TABLE tx_t (id int);\nSELECT pg_advisory_unlock_all();\n' } },
      {
        name: 'ts',
        url: '${TS_URL}',
        migrations: { '001_unlock.ts': "export async function up(knex: any) {\n  await knex.raw('CREATE TABLE ts_t (id int)');\n  await knex.raw('SELECT pg_advisory_unlock_all()');\n}\n" },
      },
      {
        name: 'nt',
        url: '${NT_URL}',
        migrations: { '001_unlock.up.sql': '-- bulkhead:no-transaction\nCREATE TABLE nt_a (id int);\nSELECT pg_advisory_unlock_all();\nCREATE TABLE nt_b (id int);\n' },
      },
      // Released by a function its SQL does not show: the server refuses its history row.
      {
        name: 'nl',
        url: '${NL_URL}',
        migrations: {
          '001_fn.up.sql': 'CREATE FUNCTION nl_release() RETURNS void LANGUAGE sql AS $$ SELECT pg_advisory_unlock_all() $$;\n',
          '002_release.up.sql': '-- bulkhead:no-transaction\nCREATE TABLE nl_a (id int);\nSELECT nl_release();\n',
        },
      },
    ]);
    const r = await runCli(['up', '--json'], { cwd: fx.root, env: { TX_URL: urls.tx, NT_URL: urls.nt, TS_URL: urls.ts, NL_URL: urls.nl } });
    expect(r.exitCode).toBe(1);
    const byModule = Object.fromEntries(r.json.modules.map((m: any) => [m.module, m]));
    expect(byModule.nl.problems[0].message).toContain('stopped before recording 002_release');
    expect(await tableExists(urls.nl, 'nl_a')).toBe(true);
    expect(await query(urls.nl, 'SELECT id FROM nl_migrations')).toEqual([{ id: '001_fn' }]);
    for (const name of ['tx', 'nt', 'ts', 'nl']) {
      expect(byModule[name].status).toBe('failed');
      expect(byModule[name].problems).toEqual([expect.objectContaining({ code: 'BH036', module: name })]);
      expect(byModule[name].problems[0].message).toMatch(/lost the lock of module .* \(the server no longer lists it\)/);
    }
    // The transactional migration left nothing; the no-transaction one stopped before its third statement.
    expect(await tableExists(urls.tx, 'tx_t')).toBe(false);
    expect(await tableExists(urls.ts, 'ts_t')).toBe(false);
    expect(await query(urls.tx, "SELECT to_regclass('tx_migrations') IS NOT NULL AND EXISTS (SELECT 1 FROM tx_migrations) AS any")).toEqual([{ any: false }]);
    expect([await tableExists(urls.nt, 'nt_a'), await tableExists(urls.nt, 'nt_b')]).toEqual([true, false]);
  });

  it("a server-wide idle_session_timeout does not close the lock's session during a long migration", async () => {
    const url = await createDatabase();
    const db = new URL(url).pathname.slice(1);
    await query(url, `ALTER DATABASE "${db}" SET idle_session_timeout = '300ms'`);
    fx = makeWorkspace([
      {
        name: 'idle',
        url: '${IDLE_URL}',
        migrations: {
          '001_slow.up.sql': 'CREATE TABLE idle_log (n int);\nSELECT pg_sleep(1.5);\n',
          '002_slow.up.sql': 'INSERT INTO idle_log VALUES (2);\nSELECT pg_sleep(1);\n',
        },
      },
    ]);
    const r = await runCli(['up'], { cwd: fx.root, env: { IDLE_URL: url } });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(await query(url, 'SELECT n FROM idle_log')).toEqual([{ n: 2 }]);
  });
});

describe('DDL on a busy table', () => {
  const workspace = () =>
    makeWorkspace([
      {
        name: 'busy',
        url: '${BUSY_URL}',
        migrations: {
          '001_table.up.sql': 'CREATE TABLE accounts (id int);\nINSERT INTO accounts VALUES (1);\n',
          '002_column.up.sql': 'ALTER TABLE accounts ADD COLUMN max_reports int NOT NULL DEFAULT 5;\n',
        },
      },
    ]);

  it('a DDL statement behind a long transaction is retried with backoff and applied once the blocker ends', async () => {
    const url = await createDatabase();
    fx = workspace();
    const env = { BUSY_URL: url };
    expect((await runCli(['up', 'busy', '--to', '001_table'], { cwd: fx.root, env })).exitCode).toBe(0);
    const blocker = await holdOpenTransaction(url, 'SELECT * FROM accounts');
    const run = startCli(['up', '--statement-lock-timeout', '300ms'], { cwd: fx.root, env });
    await waitFor(async () => (await query(url, "SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND query LIKE '%ALTER TABLE accounts%' AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()")).length > 0);
    // Readers are not queued behind the waiting DDL for longer than its lock timeout.
    const reader = new pg.Client({ connectionString: url, statement_timeout: 3000 } as pg.ClientConfig);
    await reader.connect();
    for (let i = 0; i < 5; i++) expect((await reader.query('SELECT count(*)::int AS n FROM accounts')).rows).toEqual([{ n: 1 }]);
    await reader.end();
    await new Promise((r) => setTimeout(r, 800));
    await blocker.release();
    const done = await run;
    expect(done.exitCode, String(done.stderr)).toBe(0);
    expect(String(done.stderr)).toMatch(/002_column timed out waiting for a lock \(attempt 1 of 5\), rolled back; retrying; blocked by pid \d+ \("reporting-job", idle in transaction/);
    expect(await query(url, 'SELECT max_reports FROM accounts')).toEqual([{ max_reports: 5 }]);
  });

  it('when the blocker never ends: exit 1 naming the blocking session, nothing applied', async () => {
    const url = await createDatabase();
    fx = workspace();
    const env = { BUSY_URL: url };
    expect((await runCli(['up', 'busy', '--to', '001_table'], { cwd: fx.root, env })).exitCode).toBe(0);
    const blocker = await holdOpenTransaction(url, 'SELECT * FROM accounts', 'stuck-report');
    try {
      const r = await runCli(['up', '--json', '--statement-lock-timeout', '200ms'], { cwd: fx.root, env });
      expect(r.exitCode).toBe(1);
      const failure = r.json.modules[0].failure;
      expect(failure).toMatchObject({ migration: '002_column', attempts: 5, pgCode: '55P03', file: 'modules/busy/migrations/002_column.up.sql' });
      expect(failure.blockers).toEqual([expect.objectContaining({ pid: blocker.pid, application: 'stuck-report', state: 'idle in transaction' })]);
      expect(r.stderr).toContain(`blocked by: pid ${blocker.pid} ("stuck-report", idle in transaction`);
      expect(r.stderr).toContain(`pg_terminate_backend(${blocker.pid})`);
    } finally {
      await blocker.release();
    }
    expect(await query(url, "SELECT count(*)::int AS n FROM information_schema.columns WHERE table_name = 'accounts' AND column_name = 'max_reports'")).toEqual([{ n: 0 }]);
    expect(await query(url, 'SELECT id FROM busy_migrations')).toEqual([{ id: '001_table' }]);
  });
});

describe('a deadlock with the application', () => {
  it('the server breaks it by rolling the migration back; the migration is retried and applied', async () => {
    const url = await createDatabase();
    fx = makeWorkspace([
      {
        name: 'dl',
        url: '${DL_URL}',
        migrations: {
          '001_tables.up.sql': 'CREATE TABLE dl_orders (id int);\nCREATE TABLE dl_items (id int);\n',
          '002_both.up.sql': 'LOCK TABLE dl_orders IN ACCESS EXCLUSIVE MODE;\nLOCK TABLE dl_items IN ACCESS EXCLUSIVE MODE;\nALTER TABLE dl_items ADD COLUMN qty int;\n',
        },
      },
    ]);
    const env = { DL_URL: url };
    expect((await runCli(['up', 'dl', '--to', '001_tables'], { cwd: fx.root, env })).exitCode).toBe(0);
    // The application holds dl_items, then asks for dl_orders, which the migration holds while it
    // waits for dl_items: the migration, waiting first, finds the deadlock and is rolled back.
    const app = new pg.Client({ connectionString: url, application_name: 'order-job' });
    await app.connect();
    try {
      // The application looks for the deadlock later than the migration does (1 s): the migration is
      // the one the server rolls back, however busy the machine (a superuser setting: where the test
      // role may not, the migration still waits first).
      await app.query("SET deadlock_timeout = '10s'").catch(() => undefined);
      await app.query('BEGIN');
      await app.query('LOCK TABLE dl_items IN ACCESS EXCLUSIVE MODE');
      const run = startCli(['up', '--statement-lock-timeout', '20s'], { cwd: fx.root, env });
      await waitFor(async () => (await query(url, "SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND query LIKE '%LOCK TABLE dl_items%' AND wait_event_type = 'Lock' AND application_name <> 'order-job'")).length > 0);
      await app.query('LOCK TABLE dl_orders IN ACCESS EXCLUSIVE MODE');
      await app.query('COMMIT');
      const done = await run;
      expect(done.exitCode, String(done.stderr)).toBe(0);
      expect(String(done.stderr)).toMatch(/002_both deadlocked with another session \(attempt 1 of 5\), rolled back; retrying/);
    } finally {
      await app.end();
    }
    expect(await query(url, "SELECT count(*)::int AS n FROM information_schema.columns WHERE table_name = 'dl_items' AND column_name = 'qty'")).toEqual([{ n: 1 }]);
  });
});

describe('a serialization conflict with the application', () => {
  it('a SERIALIZABLE migration the server rolls back for a concurrent serializable transaction is retried and applied', async () => {
    const url = await createDatabase();
    fx = makeWorkspace([
      {
        name: 'ser',
        url: '${SER_URL}',
        migrations: {
          '001_tables.up.sql': 'CREATE TABLE ser_stock (id int PRIMARY KEY, n int);\nINSERT INTO ser_stock VALUES (1, 10);\nCREATE TABLE ser_totals (total int);\n',
          // Reads ser_stock, then (after the application's commit) writes ser_totals.
          '002_total.up.sql': 'SET TRANSACTION ISOLATION LEVEL SERIALIZABLE;\nSELECT sum(n) FROM ser_stock;\nSELECT pg_sleep(1);\nINSERT INTO ser_totals SELECT sum(n) FROM ser_stock;\n',
        },
      },
    ]);
    const env = { SER_URL: url };
    expect((await runCli(['up', 'ser', '--to', '001_tables'], { cwd: fx.root, env })).exitCode).toBe(0);
    // The application reads ser_totals and writes ser_stock meanwhile: with the migration's read
    // and write, a cycle no serial order explains; the migration, committing last, is rolled back.
    const app = new pg.Client({ connectionString: url, application_name: 'stock-job' });
    await app.connect();
    try {
      await app.query('BEGIN ISOLATION LEVEL SERIALIZABLE');
      await app.query('SELECT count(*) FROM ser_totals');
      const run = startCli(['up'], { cwd: fx.root, env });
      await waitFor(async () => (await query(url, "SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND query LIKE '%pg_sleep(1)%' AND wait_event = 'PgSleep' AND pid <> pg_backend_pid()")).length > 0);
      await app.query('UPDATE ser_stock SET n = 11 WHERE id = 1');
      await app.query('COMMIT');
      const done = await run;
      expect(done.exitCode, String(done.stderr)).toBe(0);
      expect(String(done.stderr)).toMatch(/002_total conflicted with another serializable transaction \(attempt 1 of 5\), rolled back; retrying/);
    } finally {
      await app.end();
    }
    expect(await query(url, 'SELECT total FROM ser_totals')).toEqual([{ total: 11 }]);
  });
});

describe('no-transaction migrations stopped midway', () => {
  it("a file's own transactions: a failure inside one names its statement and line, rolls back to its BEGIN, and --resume starts there", async () => {
    const url = await createDatabase();
    const file = (bad: string) => `-- bulkhead:no-transaction
CREATE TABLE ot_log (n int);
BEGIN;
INSERT INTO ot_log VALUES (1);
COMMIT;
BEGIN;
INSERT INTO ot_log VALUES (2);
${bad};
COMMIT;
INSERT INTO ot_log VALUES (3);
`;
    fx = makeWorkspace([{ name: 'ot', url: '${OT_URL}', migrations: { '001_own.up.sql': file('SELECT no_such_column FROM ot_log') } }]);
    const env = { OT_URL: url };
    const failed = await runCli(['up', '--json'], { cwd: fx.root, env });
    expect(failed.exitCode).toBe(1);
    expect(failed.json.modules[0].failure).toMatchObject({ migration: '001_own', statement: 7, line: 8, pgCode: '42703', partial: true });
    // The first transaction committed; the second rolled back whole; nothing after it ran.
    expect(await query(url, 'SELECT n FROM ot_log ORDER BY n')).toEqual([{ n: 1 }]);
    const refused = await runCli(['up'], { cwd: fx.root, env });
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toMatch(/4 of 9 statements completed; statement 7 failed: column "no_such_column" does not exist/);

    fx.write('modules/ot/migrations/001_own.up.sql', file('SELECT n FROM ot_log'));
    const resumed = await runCli(['up', '--resume'], { cwd: fx.root, env });
    expect(resumed.exitCode, resumed.stderr).toBe(0);
    expect(await query(url, 'SELECT n FROM ot_log ORDER BY n')).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    expect(await query(url, 'SELECT count(*)::int AS n FROM ot_migrations_progress')).toEqual([{ n: 0 }]);
  });

  it('a statement whose commit fails (a deferred constraint) is the one named; those before it stay committed', async () => {
    const url = await createDatabase();
    fx = makeWorkspace([
      {
        name: 'dc',
        url: '${DC_URL}',
        migrations: {
          '001_deferred.up.sql': `-- bulkhead:no-transaction
CREATE TABLE dc_parent (id int PRIMARY KEY);
CREATE TABLE dc_child (parent int REFERENCES dc_parent DEFERRABLE INITIALLY DEFERRED);
INSERT INTO dc_child VALUES (1);
CREATE TABLE dc_after (id int);
`,
        },
      },
    ]);
    const r = await runCli(['up', '--json'], { cwd: fx.root, env: { DC_URL: url } });
    expect(r.exitCode).toBe(1);
    expect(r.json.modules[0].failure).toMatchObject({ statement: 3, line: 4, pgCode: '23503' });
    expect([await tableExists(url, 'dc_child'), await tableExists(url, 'dc_after')]).toEqual([true, false]);
    expect(await query(url, 'SELECT statements_done AS n FROM dc_migrations_progress')).toEqual([{ n: 2 }]);
  });

  it('a statement of a no-transaction migration behind a long transaction is retried by itself and applied once the blocker ends', async () => {
    const url = await createDatabase();
    fx = makeWorkspace([
      { name: 'nb', url: '${NB_URL}', migrations: { '001_table.up.sql': 'CREATE TABLE nb_t (id int);\n', '002_steps.up.sql': '-- bulkhead:no-transaction\nCREATE TABLE nb_a (id int);\nALTER TABLE nb_t ADD COLUMN note text;\nCREATE TABLE nb_b (id int);\n' } },
    ]);
    const env = { NB_URL: url };
    expect((await runCli(['up', '--to', '001_table'], { cwd: fx.root, env })).exitCode).toBe(0);
    const blocker = await holdOpenTransaction(url, 'SELECT * FROM nb_t');
    const run = startCli(['up', '--statement-lock-timeout', '200ms'], { cwd: fx.root, env });
    await waitFor(async () => (await query(url, "SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'ALTER TABLE nb_t%' AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()")).length > 0);
    await blocker.release();
    const done = await run;
    expect(done.exitCode, String(done.stderr)).toBe(0);
    expect(String(done.stderr)).toMatch(/002_steps timed out waiting for a lock \(attempt 1 of 5\)/);
    expect([await tableExists(url, 'nb_a'), await tableExists(url, 'nb_b')]).toEqual([true, true]);
    expect(await query(url, "SELECT count(*)::int AS n FROM information_schema.columns WHERE table_name = 'nb_t' AND column_name = 'note'")).toEqual([{ n: 1 }]);
  });

  it('SIGKILL between statements: the next run reports exactly what completed; --resume continues after it', async () => {
    const url = await createDatabase();
    fx = makeWorkspace([
      {
        name: 'nt',
        url: '${NT_URL}',
        migrations: {
          '001_steps.up.sql': '-- bulkhead:no-transaction\nCREATE TABLE nt_a (id int);\nSELECT pg_sleep(30);\nCREATE TABLE nt_b (id int);\n',
        },
      },
    ]);
    const env = { NT_URL: url };
    const runner = startCli(['up'], { cwd: fx.root, env });
    await waitForQuery(url, 'pg_sleep(30)');
    // Meanwhile status says what is running, how far it got, and who holds the lock.
    const meanwhile = await runCli(['status'], { cwd: fx.root, env });
    expect(meanwhile.exitCode, meanwhile.stderr).toBe(0);
    expect(meanwhile.stderr).toMatch(/running {2}001_steps {2}\(up, no-transaction: 1 of 3 statements done, lock held by "bulkhead\/[^"]* up pid=/);
    runner.kill('SIGKILL');
    await runner;
    await waitFor(async () => (await query(url, "SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND query LIKE '%pg_sleep(30)%' AND pid <> pg_backend_pid()")).length === 0, 15_000);

    const next = await runCli(['up', '--json'], { cwd: fx.root, env });
    expect(next.exitCode).toBe(2);
    expect(next.json.problems[0]).toMatchObject({ code: 'BH035', module: 'nt', file: 'modules/nt/migrations/001_steps.up.sql' });
    expect(next.stderr).toMatch(/001_steps \(up\) stopped midway .*: 1 of 3 statements completed; statement 2 was running when the run was interrupted/);
    expect(next.stderr).toContain('bulkhead up nt --resume');
    expect(await tableExists(url, 'nt_b')).toBe(false);

    // Statement 2 is where it stopped: shorten it (statement 1 unchanged) and continue from there.
    fx.write('modules/nt/migrations/001_steps.up.sql', '-- bulkhead:no-transaction\nCREATE TABLE nt_a (id int);\nSELECT pg_sleep(0.1);\nCREATE TABLE nt_b (id int);\n');
    const resumed = await runCli(['up', '--resume', '--json'], { cwd: fx.root, env });
    // Statement 1 is not run again (it would fail: nt_a exists).
    expect(resumed.exitCode, resumed.stderr).toBe(0);
    expect(resumed.json.modules[0].migrations.map((m: any) => m.id)).toEqual(['001_steps']);
    expect(await tableExists(url, 'nt_b')).toBe(true);
    expect((await runCli(['status', '--json'], { cwd: fx.root, env })).json.modules[0].problems).toEqual([]);
  }, 90_000);

  it('a failed statement leaves progress; after fixing the file, --resume runs only what did not complete', async () => {
    const url = await createDatabase();
    fx = makeWorkspace([
      {
        name: 'fx',
        url: '${FX_URL}',
        migrations: {
          '001_steps.up.sql': '-- bulkhead:no-transaction\nCREATE TABLE fx_a (id int);\nCREATE TABLE fx_b (id no_such_type);\nCREATE TABLE fx_c (id int);\n',
        },
      },
    ]);
    const env = { FX_URL: url };
    const failed = await runCli(['up'], { cwd: fx.root, env });
    expect(failed.exitCode).toBe(1);
    expect(failed.stderr).toContain('001_steps failed at modules/fx/migrations/001_steps.up.sql:3 (statement 2)');
    expect(failed.stderr).toContain('bulkhead up fx --resume');

    const refused = await runCli(['up'], { cwd: fx.root, env });
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toMatch(/1 of 3 statements completed; statement 2 failed: type "no_such_type" does not exist/);

    // Editing a statement that already ran makes the resume ambiguous: refused.
    fx.write('modules/fx/migrations/001_steps.up.sql', '-- bulkhead:no-transaction\nCREATE TABLE fx_a (id bigint);\nCREATE TABLE fx_b (id int);\nCREATE TABLE fx_c (id int);\n');
    const ambiguous = await runCli(['up', '--resume'], { cwd: fx.root, env });
    expect(ambiguous.exitCode).toBe(2);
    expect(ambiguous.stderr).toContain('cannot resume 001_steps: its first 1 statement, which completed in run');

    fx.write('modules/fx/migrations/001_steps.up.sql', '-- bulkhead:no-transaction\nCREATE TABLE fx_a (id int);\nCREATE TABLE fx_b (id int);\nCREATE TABLE fx_c (id int);\n');
    const resumed = await runCli(['up', '--resume'], { cwd: fx.root, env });
    expect(resumed.exitCode, resumed.stderr).toBe(0);
    expect([await tableExists(url, 'fx_a'), await tableExists(url, 'fx_b'), await tableExists(url, 'fx_c')]).toEqual([true, true, true]);
    expect(await query(url, 'SELECT id FROM fx_migrations')).toEqual([{ id: '001_steps' }]);
    expect(await query(url, 'SELECT count(*)::int AS n FROM fx_migrations_progress')).toEqual([{ n: 0 }]);
    expect((await runCli(['up'], { cwd: fx.root, env })).exitCode).toBe(0);
  });

  for (const ifNotExists of [false, true]) {
    it(`SIGKILL inside CREATE INDEX CONCURRENTLY${ifNotExists ? ' IF NOT EXISTS' : ''}: the INVALID index is named and never recorded as applied`, async () => {
      const url = await createDatabase();
      const create = `CREATE INDEX CONCURRENTLY${ifNotExists ? ' IF NOT EXISTS' : ''} items_name_idx ON items (name);`;
      fx = makeWorkspace([
        {
          name: 'idx',
          url: '${IDX_URL}',
          migrations: {
            '001_items.up.sql': "CREATE TABLE items (id int, name text);\nINSERT INTO items VALUES (1, 'a');\n",
            '002_index.up.sql': `-- bulkhead:no-transaction\n${create}\n`,
          },
        },
      ]);
      const env = { IDX_URL: url };
      expect((await runCli(['up', 'idx', '--to', '001_items'], { cwd: fx.root, env })).exitCode).toBe(0);
      // A writer's open transaction makes the concurrent build wait after its catalog entry exists.
      const writer = await holdOpenTransaction(url, "INSERT INTO items VALUES (2, 'b')", 'writer');
      const runner = startCli(['up'], { cwd: fx.root, env });
      await waitFor(async () => (await query(url, "SELECT 1 FROM pg_class WHERE relname = 'items_name_idx'")).length > 0);
      runner.kill('SIGKILL');
      await runner;
      await waitFor(async () => (await query(url, "SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'CREATE INDEX CONCURRENTLY%'")).length === 0, 15_000);
      await writer.release();
      expect(await query(url, "SELECT indisvalid FROM pg_index WHERE indexrelid = 'items_name_idx'::regclass")).toEqual([{ indisvalid: false }]);

      const next = await runCli(['up'], { cwd: fx.root, env });
      expect(next.exitCode).toBe(2);
      expect(next.stderr).toContain('INVALID index left in the database: public.items_name_idx');
      expect(next.stderr).toContain('DROP INDEX CONCURRENTLY public.items_name_idx;');

      if (ifNotExists) {
        // Resuming without dropping it: IF NOT EXISTS skips the build; the index is still INVALID.
        const r = await runCli(['up', '--resume'], { cwd: fx.root, env });
        expect(r.exitCode).toBe(1);
        expect(r.stderr).toContain('index public.items_name_idx is INVALID after the migration');
        expect(await query(url, 'SELECT id FROM idx_migrations')).toEqual([{ id: '001_items' }]);
      }
      await query(url, 'DROP INDEX CONCURRENTLY items_name_idx');
      const resumed = await runCli(['up', '--resume'], { cwd: fx.root, env });
      expect(resumed.exitCode, resumed.stderr).toBe(0);
      expect(await query(url, "SELECT indisvalid FROM pg_index WHERE indexrelid = 'items_name_idx'::regclass")).toEqual([{ indisvalid: true }]);
      expect((await query(url, 'SELECT id FROM idx_migrations ORDER BY id')).map((r: any) => r.id)).toEqual(['001_items', '002_index']);
    });
  }
});

describe('clean sessions and lost connections', () => {
  it("a migration's SET search_path or SET ROLE does not leak into the next migration", async () => {
    const url = await createDatabase();
    fx = makeWorkspace([
      {
        name: 'leak',
        url: '${LEAK_URL}',
        migrations: {
          '001_elsewhere.up.sql': 'CREATE SCHEMA elsewhere;\nSET search_path TO elsewhere;\nCREATE TABLE t1 (id int);\n',
          '002_here.up.sql': 'CREATE TABLE t2 (id int);\n',
          '003_knex.ts': "export async function up(knex) { await knex.raw('SET search_path TO elsewhere'); await knex.schema.createTable('t3', (t) => t.integer('id')); }\nexport async function down() {}\n",
          '004_here.up.sql': 'CREATE TABLE t4 (id int);\n',
        },
      },
    ]);
    const r = await runCli(['up'], { cwd: fx.root, env: { LEAK_URL: url } });
    expect(r.exitCode, r.stderr).toBe(0);
    const where = await query<{ t: string; s: string }>(url, "SELECT relname AS t, relnamespace::regnamespace::text AS s FROM pg_class WHERE relname IN ('t1','t2','t3','t4') ORDER BY 1");
    expect(where).toEqual([
      { t: 't1', s: 'elsewhere' },
      { t: 't2', s: 'public' },
      { t: 't3', s: 'elsewhere' },
      { t: 't4', s: 'public' },
    ]);
  });

  it('a migration that switches to a role that may not write the history is named, with the fix; one that resets its role applies', async () => {
    const url = await createDatabase();
    const role = `bh_reader_${process.pid}`;
    await query(url, `CREATE ROLE ${role}`);
    try {
      fx = makeWorkspace([{ name: 'sw', url: '${SW_URL}', migrations: { '001_switch.up.sql': `CREATE TABLE sw_t (id int);\nSET ROLE ${role};\n` } }]);
      const env = { SW_URL: url };
      const failed = await runCli(['up', '--json'], { cwd: fx.root, env });
      expect(failed.exitCode).toBe(1);
      expect(failed.json.modules[0].failure).toMatchObject({ migration: '001_switch', pgCode: '42501', partial: false });
      expect(failed.json.modules[0].failure.fix).toMatch(/changed the session's role .*end the migration with RESET ROLE/);
      expect(await tableExists(url, 'sw_t')).toBe(false);
      fx.write('modules/sw/migrations/001_switch.up.sql', `CREATE TABLE sw_t (id int);\nSET ROLE ${role};\nRESET ROLE;\n`);
      const ok = await runCli(['up'], { cwd: fx.root, env });
      expect(ok.exitCode, ok.stderr).toBe(0);
      expect(await tableExists(url, 'sw_t')).toBe(true);
    } finally {
      await query(url, `DROP ROLE ${role}`).catch(() => undefined);
    }
  });

  it('a connection terminated mid-migration: exit 1 naming module, migration, file and "connection lost"; nothing partial; a clean rerun', async () => {
    const url = await createDatabase();
    fx = makeWorkspace([
      {
        name: 'cut',
        url: '${CUT_URL}',
        migrations: { '001_cut.up.sql': 'CREATE TABLE cut_half (id int);\nSELECT pg_sleep(20);\nCREATE TABLE cut_after (id int);\n' },
      },
    ]);
    const env = { CUT_URL: url };
    const run = startCli(['up', '--json'], { cwd: fx.root, env });
    await waitForQuery(url, 'pg_sleep(20)');
    await query(url, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE '%pg_sleep(20)%' AND pid <> pg_backend_pid()");
    const r = await run;
    expect(r.exitCode).toBe(1);
    const failure = JSON.parse(String(r.stdout)).modules[0].failure;
    expect(failure).toMatchObject({ module: 'cut', migration: '001_cut', file: 'modules/cut/migrations/001_cut.up.sql', connectionLost: true, partial: false });
    expect(failure.message).toMatch(/^connection lost: /);
    expect(String(r.stderr)).toContain('cut: ✗ 001_cut failed at modules/cut/migrations/001_cut.up.sql');
    expect(await tableExists(url, 'cut_half')).toBe(false);
    fx.write('modules/cut/migrations/001_cut.up.sql', 'CREATE TABLE cut_half (id int);\nCREATE TABLE cut_after (id int);\n');
    const again = await runCli(['up'], { cwd: fx.root, env });
    expect(again.exitCode, again.stderr).toBe(0);
    expect(await tableExists(url, 'cut_after')).toBe(true);
  });
});
