/**
 * The two kinds of database a module can use: a PostgreSQL server and the embedded PGlite
 * default. End-to-end suites run once per backend.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createDatabase, query } from './fixtures.js';

export interface BackendSession {
  /** Manifest URL for each module. */
  urls: Record<string, string>;
  /** Environment the CLI needs for those URLs. */
  env: Record<string, string>;
  /** Run SQL against a module's database (after the CLI has exited). */
  query<T = Record<string, unknown>>(module: string, sql: string): Promise<T[]>;
  tableExists(module: string, table: string): Promise<boolean>;
}

export interface Backend {
  name: 'postgres' | 'pglite';
  session(root: string, modules: string[]): Promise<BackendSession>;
}

export const postgresBackend: Backend = {
  name: 'postgres',
  async session(_root, modules) {
    const urls: Record<string, string> = {};
    const env: Record<string, string> = {};
    const real: Record<string, string> = {};
    for (const m of modules) {
      const v = `${m.toUpperCase().replace(/-/g, '_')}_DATABASE_URL`;
      real[m] = await createDatabase();
      env[v] = real[m]!;
      urls[m] = `\${${v}}`;
    }
    const q = <T,>(m: string, sql: string) => query<T>(real[m]!, sql);
    return {
      urls,
      env,
      query: q,
      tableExists: async (m, t) => (await q<{ t: string | null }>(m, `SELECT to_regclass('${t}')::text AS t`))[0]!.t !== null,
    };
  },
};

export const pgliteBackend: Backend = {
  name: 'pglite',
  async session(root, modules) {
    const urls = Object.fromEntries(modules.map((m) => [m, `pglite://.bulkhead/${m}`]));
    const q = async <T,>(m: string, sql: string): Promise<T[]> => {
      const { PGlite } = await import('@electric-sql/pglite');
      // A database up has not made yet (it refused before anything ran) is made here.
      fs.mkdirSync(path.join(root, '.bulkhead'), { recursive: true });
      const db = await PGlite.create(path.join(root, '.bulkhead', m));
      try {
        return (await db.query<T>(sql)).rows;
      } finally {
        await db.close();
      }
    };
    return {
      urls,
      env: {},
      query: q,
      tableExists: async (m, t) => (await q<{ t: string | null }>(m, `SELECT to_regclass('${t}')::text AS t`))[0]!.t !== null,
    };
  },
};

export const BACKENDS: Backend[] = [postgresBackend, pgliteBackend];
