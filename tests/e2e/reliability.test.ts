/**
 * Runners racing and runners dying: the module lock is a PostgreSQL advisory lock held by a
 * session, so the server releases it when a runner dies, and every migration applies once.
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createDatabase, makeWorkspace, query, runCli, startCli, tableExists, waitFor, waitForMigration, type Fixture } from '../support/fixtures.js';

let fx: Fixture | undefined;
afterEach(() => fx?.cleanup());

describe('reliability on a PostgreSQL server', () => {
  it('20 runners started at once on the same fresh databases apply every migration exactly once', async () => {
    const urls = { one: await createDatabase(), two: await createDatabase() };
    const migrations = (prefix: string) =>
      Object.fromEntries(
        Array.from({ length: 5 }, (_, i) => [
          `00${i + 1}_step.up.sql`,
          // Not idempotent on purpose: a second application would fail.
          `CREATE TABLE ${prefix}_t${i + 1} (id int);\nINSERT INTO ${prefix}_log VALUES (${i + 1});\n`,
        ]),
      );
    fx = makeWorkspace([
      { name: 'one', url: '${ONE_URL}', migrations: { '000_log.up.sql': 'CREATE TABLE one_log (n int);\n', ...migrations('one') } },
      { name: 'two', url: '${TWO_URL}', dependsOn: ['one'], migrations: { '000_log.up.sql': 'CREATE TABLE two_log (n int);\n', ...migrations('two') } },
    ]);
    const env = { ONE_URL: urls.one, TWO_URL: urls.two };
    const runs = await Promise.all(Array.from({ length: 20 }, () => startCli(['up', '--json', '--lock-timeout', '2m'], { cwd: fx!.root, env })));
    for (const r of runs) expect(r.exitCode, String(r.stderr)).toBe(0);
    for (const [name, url] of Object.entries(urls)) {
      expect(await query(url, `SELECT n FROM ${name}_log ORDER BY n`)).toEqual([1, 2, 3, 4, 5].map((n) => ({ n })));
      expect(await query(url, `SELECT count(*)::int AS n FROM ${name}_migrations`)).toEqual([{ n: 6 }]);
    }
    // Each migration was applied by exactly one of the runners.
    const applied = runs.flatMap((r) => JSON.parse(String(r.stdout)).modules.flatMap((m: any) => m.migrations.map((x: any) => `${m.module}:${x.id}`)));
    expect(applied.length).toBe(12);
    expect(new Set(applied).size).toBe(12);
  });

  it('a migration of a batch that another runner recorded meanwhile is not applied twice, nor reported as this run\'s', async () => {
    const url = await createDatabase();
    // 001 records 002 as another runner would (one without the module lock): after this run read
    // the history, while 001-003 go to the server as one batch. Through EXECUTE format(…): a
    // migration that plainly writes a history table is refused before anything runs (BH062).
    fx = makeWorkspace([
      {
        name: 'svc',
        url: '${SVC_URL}',
        migrations: {
          '001_a.up.sql': `CREATE TABLE a (id int);\nDO $$ BEGIN EXECUTE format('INSERT INTO public.%I (id, name, checksum, duration_ms, run_id, bulkhead_version) VALUES (%L, %L, %L, 0, %L, %L)', 'svc_migrations', '002_b', 'b', 'elsewhere', '00000000-0000-4000-8000-000000000002', 'other'); END $$;\n`,
          '002_b.up.sql': 'CREATE TABLE b (id int);\nINSERT INTO a VALUES (2);\n',
          '003_c.up.sql': 'CREATE TABLE c (id int);\n',
        },
      },
    ]);
    const up = await runCli(['up', '--json'], { cwd: fx.root, env: { SVC_URL: url } });
    expect(up.exitCode, up.stderr).toBe(0);
    expect(up.json.modules[0].migrations.map((m: any) => m.id)).toEqual(['001_a', '003_c']);
    expect(await tableExists(url, 'b')).toBe(false);
    expect(await query(url, 'SELECT count(*)::int AS n FROM a')).toEqual([{ n: 0 }]);
    expect(await query(url, 'SELECT id, bulkhead_version AS v FROM svc_migrations ORDER BY id')).toEqual([
      { id: '001_a', v: expect.not.stringMatching(/other/) },
      { id: '002_b', v: 'other' },
      { id: '003_c', v: expect.not.stringMatching(/other/) },
    ]);
  });

  it('a runner waiting for the lock says who holds it; --lock-timeout gives up with exit 2', async () => {
    const url = await createDatabase();
    fx = makeWorkspace([
      { name: 'slow', url: '${SLOW_URL}', migrations: { '001_slow.up.sql': 'CREATE TABLE slow_t (id int);\nSELECT pg_sleep(4);\n' } },
    ]);
    const env = { SLOW_URL: url };
    const holder = startCli(['up'], { cwd: fx.root, env });
    await waitFor(async () => (await query(url, "SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND query LIKE '%pg_sleep(4)%' AND pid <> pg_backend_pid()")).length > 0);
    const waiter = await runCli(['up', '--lock-timeout', '1s'], { cwd: fx.root, env });
    expect(waiter.exitCode).toBe(2);
    // The lock's session is the one running the migration: its application_name names it.
    expect(waiter.stderr).toMatch(/slow: waiting for the module lock, held by "bulkhead up slow 001_slow" \(pid \d+, since /);
    expect(waiter.stderr).toContain('BH021');
    expect((await holder).exitCode).toBe(0);
    expect(await query(url, 'SELECT id FROM slow_migrations')).toEqual([{ id: '001_slow' }]);
  });

  /** A module whose second migration sleeps 30 s: a runner to stop mid-migration. */
  async function victim(): Promise<{ url: string; env: Record<string, string>; ws: Fixture }> {
    const url = await createDatabase();
    const ws = makeWorkspace([
      {
        name: 'victim',
        url: '${VICTIM_URL}',
        migrations: {
          '001_first.up.sql': 'CREATE TABLE victim_first (id int);\n',
          '002_slow.up.sql': 'CREATE TABLE victim_half (id int);\nSELECT pg_sleep(30);\nCREATE TABLE victim_after (id int);\n',
        },
      },
    ]);
    fx = ws;
    return { url, env: { VICTIM_URL: url }, ws };
  }

  /** The server noticed the runner gone (client_connection_check_interval), rolled back, freed the lock. */
  const lockReleased = (url: string) =>
    waitFor(async () => (await query(url, "SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())")).length === 0, 15_000);

  it('a runner killed with SIGKILL mid-migration leaves no partial state and no held lock', async () => {
    const { url, env, ws } = await victim();
    const runner = startCli(['up'], { cwd: ws.root, env });
    await waitForMigration(url, '002_slow');
    runner.kill('SIGKILL');
    await runner;

    await lockReleased(url);
    expect(await tableExists(url, 'victim_half')).toBe(false);
    expect(await query(url, 'SELECT id FROM victim_migrations')).toEqual([{ id: '001_first' }]);

    ws.write('modules/victim/migrations/002_slow.up.sql', 'CREATE TABLE victim_half (id int);\nCREATE TABLE victim_after (id int);\n');
    // The file changed, but it was never applied: no checksum problem.
    const next = await runCli(['up', '--lock-timeout', '5s'], { cwd: ws.root, env });
    expect(next.exitCode, next.stderr).toBe(0);
    expect(await query(url, 'SELECT id FROM victim_migrations ORDER BY id')).toEqual([{ id: '001_first' }, { id: '002_slow' }]);
    expect(await tableExists(url, 'victim_after')).toBe(true);
  });

  it('Ctrl-C or SIGTERM (a cancelled CI job) mid-migration says what became of the run, exits 128 + the signal, and leaves no partial state', async () => {
    const { url, env, ws } = await victim();
    for (const [signal, code] of [['SIGTERM', 143], ['SIGINT', 130]] as const) {
      const runner = startCli(['up'], { cwd: ws.root, env });
      await waitForMigration(url, '002_slow');
      runner.kill(signal);
      const r = await runner;
      expect(r.exitCode).toBe(code);
      expect(String(r.stderr)).toContain(`${signal}: stopped. The migration in flight, if any, applies whole or not at all: the server rolls it back unless its COMMIT was reached; those before it stay applied.`);
      await lockReleased(url);
      expect(await tableExists(url, 'victim_half')).toBe(false);
      expect(await query(url, 'SELECT id FROM victim_migrations')).toEqual([{ id: '001_first' }]);
    }
  });
});

describe('--wait', () => {
  it('retries a server that is not reachable yet, then migrates; without --wait it fails at once with exit 2', async () => {
    const real = new URL(await createDatabase());
    const port = await freePort();
    const viaProxy = new URL(real.toString());
    viaProxy.hostname = '127.0.0.1';
    viaProxy.port = String(port);
    fx = makeWorkspace([{ name: 'late', url: '${LATE_URL}', migrations: { '001_t.up.sql': 'CREATE TABLE late_t (id int);\n' } }]);
    const env = { LATE_URL: viaProxy.toString() };

    const noWait = await runCli(['up'], { cwd: fx.root, env });
    expect(noWait.exitCode).toBe(2);
    expect(noWait.stderr).toContain('BH020');

    // The "server" comes up once the runner has found it unreachable and said it waits (on a busy
    // machine its start can take longer than any fixed delay): a TCP proxy to the real one.
    const runner = startCli(['up', '--wait', '30s'], { cwd: fx.root, env });
    let said = '';
    runner.stderr?.on('data', (d: Buffer) => (said += String(d)));
    await waitFor(async () => said.includes('late: database not reachable yet'), 30_000);
    const proxy = net.createServer((client) => {
      const upstream = net.connect(Number(real.port || 5432), real.hostname);
      client.pipe(upstream).pipe(client);
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
    });
    await new Promise<void>((r) => proxy.listen(port, '127.0.0.1', r));
    try {
      const r = await runner;
      expect(r.exitCode, String(r.stderr)).toBe(0);
      expect(String(r.stderr)).toContain('late: database not reachable yet');
      expect(await tableExists(real.toString(), 'late_t')).toBe(true);
    } finally {
      proxy.close();
    }
  });
});

describe('through a connection pool', () => {
  it("in session mode (PgBouncer's default: the pool's own process ids, each client one server session) migrates, naming and holding the lock as directly", async () => {
    const real = new URL(await createDatabase());
    // A pool's BackendKeyData carries its own number, not the server process's (PgBouncer's is random).
    const proxy = net.createServer((client) => {
      const upstream = net.connect(Number(real.port || 5432), real.hostname);
      client.pipe(upstream);
      let pending = Buffer.alloc(0);
      upstream.on('data', (chunk: Buffer) => {
        pending = Buffer.concat([pending, chunk]);
        let at = 0;
        while (pending.length - at >= 5) {
          const len = pending.readInt32BE(at + 1);
          if (pending.length - at < 1 + len) break;
          // 'K': BackendKeyData (process id, secret key).
          if (pending[at] === 0x4b) pending.writeInt32BE(pending.readInt32BE(at + 5) + 700_000_000, at + 5);
          at += 1 + len;
        }
        client.write(pending.subarray(0, at));
        pending = pending.subarray(at);
      });
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    try {
      const viaPool = new URL(real.toString());
      viaPool.hostname = '127.0.0.1';
      viaPool.port = String((proxy.address() as net.AddressInfo).port);
      fx = makeWorkspace([{ name: 'pooled', url: '${POOLED_URL}', migrations: { '001_t.up.sql': 'CREATE TABLE pooled_t (id int);\n', '002_u.up.sql': 'CREATE TABLE pooled_u (id int);\n' } }]);
      const r = await runCli(['up'], { cwd: fx.root, env: { POOLED_URL: viaPool.toString() } });
      // Before, the lock check compared the server's pg_backend_pid() with the pool's number: BH036 at the first migration.
      expect(r.exitCode, r.stderr).toBe(0);
      expect(r.stderr).toContain('2 applied');
      expect(await query(real.toString(), 'SELECT id FROM pooled_migrations ORDER BY id')).toEqual([{ id: '001_t' }, { id: '002_u' }]);
      expect(await query(real.toString(), "SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())")).toEqual([]);
    } finally {
      proxy.close();
    }
  });

  it("one in transaction mode known by its URL (Supabase's port 6543, Neon's -pooler host, pgbouncer=true) is refused before it connects, exit 2", async () => {
    const real = new URL(await createDatabase());
    real.searchParams.set('pgbouncer', 'true');
    real.password = 's3cret';
    fx = makeWorkspace([{ name: 'txpool', url: '${TXPOOL_URL}', migrations: { '001_t.up.sql': 'CREATE TABLE txpool_t (id int);\n' } }]);
    const r = await runCli(['up'], { cwd: fx.root, env: { TXPOOL_URL: real.toString() } });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('field database.url:');
    expect(r.stderr).toContain('hands each transaction to another server session (pgbouncer=true (PgBouncer in transaction mode, as Prisma says it))');
    expect(r.stderr).toContain("fix: point the module at the database directly, or at a pool in session mode");
    expect(r.stderr).not.toContain('s3cret');
    // validate says it without connecting.
    const validate = await runCli(['validate'], { cwd: fx.root, env: { TXPOOL_URL: real.toString() } });
    expect(validate.exitCode).toBe(2);
    expect(validate.stderr).toContain('(BH071)');
    // Reading needs no session of its own: status works through it.
    const status = await runCli(['status'], { cwd: fx.root, env: { TXPOOL_URL: real.toString().replace(':s3cret', '') } });
    expect(status.exitCode, status.stderr).toBe(0);
    expect(status.stderr).toContain('pending  001_t');
    real.searchParams.delete('pgbouncer');
    expect(await tableExists(real.toString().replace(':s3cret', ''), 'txpool_migrations')).toBe(false);
  });
});

describe('connect timeout', () => {
  it('a server that accepts and never answers (a stuck proxy, a half-open firewall) is given up on after connect_timeout, named, exit 2', async () => {
    // Accepts the TCP connection, then says nothing.
    const sockets: net.Socket[] = [];
    const silent = net.createServer((socket) => sockets.push(socket));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const { port } = silent.address() as net.AddressInfo;
    try {
      fx = makeWorkspace([{ name: 'mute', url: '${MUTE_URL}', migrations: { '001_t.up.sql': 'CREATE TABLE mute_t (id int);\n' } }]);
      const viaUrl = await runCli(['up'], { cwd: fx.root, env: { MUTE_URL: `postgres://app:s3cret@127.0.0.1:${port}/mute?connect_timeout=2` } });
      expect(viaUrl.exitCode).toBe(2);
      expect(viaUrl.stderr).toContain(`cannot connect to postgres://app:***@127.0.0.1:${port}/mute?connect_timeout=2: no answer within 2 s (connect_timeout) (BH020)`);
      expect(viaUrl.stderr).toContain('fix: check host and port in the URL, and that no firewall drops the connection');
      expect(viaUrl.stderr).not.toContain('s3cret');
      // libpq's variable, when the URL says nothing.
      const viaEnv = await runCli(['status', '--json'], { cwd: fx.root, env: { MUTE_URL: `postgres://app@127.0.0.1:${port}/mute`, PGCONNECT_TIMEOUT: '2' } });
      expect(viaEnv.exitCode).toBe(2);
      expect(JSON.stringify(viaEnv.json)).toContain('no answer within 2 s (connect_timeout)');
    } finally {
      for (const s of sockets) s.destroy();
      silent.close();
    }
  });
});

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

describe('reliability on the embedded default', () => {
  it('runners started at once on a fresh embedded workspace create each folder once and apply every migration exactly once', async () => {
    const migrations = (prefix: string) => ({
      '000_log.up.sql': `CREATE TABLE ${prefix}_log (n int);\n`,
      // Not idempotent on purpose: a second application, or a second copy of the folder, shows.
      ...Object.fromEntries([1, 2, 3].map((i) => [`00${i}_step.up.sql`, `CREATE TABLE ${prefix}_t${i} (id int);\nINSERT INTO ${prefix}_log VALUES (${i});\n`])),
    });
    fx = makeWorkspace([
      { name: 'one', url: 'pglite://.bulkhead/one', migrations: migrations('one') },
      { name: 'two', url: 'pglite://.bulkhead/two', dependsOn: ['one'], migrations: migrations('two') },
    ]);
    const runs = await Promise.all(Array.from({ length: 4 }, () => startCli(['up', '--json', '--lock-timeout', '2m'], { cwd: fx!.root })));
    for (const r of runs) expect(r.exitCode, String(r.stderr)).toBe(0);
    const applied = runs.flatMap((r) => JSON.parse(String(r.stdout)).modules.flatMap((m: any) => m.migrations.map((x: any) => `${m.module}:${x.id}`)));
    expect(applied.length).toBe(8);
    expect(new Set(applied).size).toBe(8);
    const status = await runCli(['status', '--json'], { cwd: fx.root });
    for (const m of status.json.modules) {
      expect(m.applied.map((a: any) => a.id)).toEqual(['000_log', '001_step', '002_step', '003_step']);
      // All of one module's rows are one run's: no second runner applied any of them.
      expect(new Set(m.applied.map((a: any) => a.runId)).size, m.module).toBe(1);
    }
  });

  it('a second process waits for the folder lock, names the holder, and a stale lock is taken over', async () => {
    fx = makeWorkspace([
      { name: 'emb', url: 'pglite://.bulkhead/emb', migrations: { '001_slow.up.sql': 'CREATE TABLE emb_t (id int);\nSELECT pg_sleep(3);\n' } },
    ]);
    const lock = path.join(fx.root, '.bulkhead/emb.lock');
    const holder = startCli(['up'], { cwd: fx.root });
    await waitFor(async () => fs.existsSync(lock));
    const busy = await runCli(['up', '--lock-timeout', '500ms'], { cwd: fx.root });
    expect(busy.exitCode).toBe(2);
    expect(busy.stderr).toMatch(/emb: waiting for the module lock, held by "up on .*" \(pid \d+/);
    expect(busy.stderr).toContain('BH027');
    expect((await holder).exitCode).toBe(0);
    expect(fs.existsSync(lock)).toBe(false);

    // A lock file left by a process that no longer exists does not block anyone.
    fs.writeFileSync(lock, JSON.stringify({ pid: 2 ** 22 + 7, host: os.hostname(), command: 'up', since: new Date().toISOString() }));
    fx.write('modules/emb/migrations/002_more.up.sql', 'CREATE TABLE emb_more (id int);\n');
    const next = await runCli(['up', '--json', '--lock-timeout', '2s'], { cwd: fx.root });
    expect(next.exitCode, next.stderr).toBe(0);
    expect(next.json.modules[0].migrations.map((m: any) => m.id)).toEqual(['002_more']);
  });
});
