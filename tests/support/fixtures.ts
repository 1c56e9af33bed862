/** Fixture workspaces on disk, test databases on the real server, and the CLI run as a user runs it. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa, type ResultPromise } from 'execa';
import pg from 'pg';
import { inject } from 'vitest';
import { processAlive as coreProcessAlive } from '../../packages/core/src/db/process.js';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const CLI = path.join(REPO, 'packages/cli/bin/bulkhead.js');

let counter = 0;

/** A fresh database on the test server, named with this run's prefix (dropped at the end of the run). */
export async function createDatabase(): Promise<string> {
  const name = `${inject('dbPrefix')}${process.pid}_${++counter}`;
  await adminQuery(`CREATE DATABASE "${name}"`);
  return databaseUrl(name);
}

export function databaseUrl(name: string): string {
  const u = new URL(inject('pgAdminUrl'));
  u.pathname = `/${name}`;
  return u.toString();
}

export async function adminQuery(sql: string, params: unknown[] = []) {
  return query(inject('pgAdminUrl'), sql, params);
}

export async function query<T = Record<string, unknown>>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as T[];
  } finally {
    await client.end();
  }
}

export async function tableExists(url: string, table: string): Promise<boolean> {
  const [row] = await query<{ t: string | null }>(url, 'SELECT to_regclass($1)::text AS t', [table]);
  return row!.t !== null;
}

export interface FixtureModule {
  name: string;
  /** Database URL as written in the manifest (may use ${VAR}). */
  url: string;
  dependsOn?: string[];
  /** Extra manifest fields, or overrides. */
  manifest?: Record<string, unknown>;
  /** Migration files by name, in `migrations/`. */
  migrations?: Record<string, string>;
  /** Folder under modules/, default the name. */
  dir?: string;
}

export interface Fixture {
  root: string;
  write(rel: string, content: string): void;
  remove(rel: string): void;
  cleanup(): void;
}

/** Write a workspace: modules/<name>/bulkhead.json and its migrations. */
export function makeWorkspace(modules: FixtureModule[]): Fixture {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'bulkhead-ws-'));
  const write = (rel: string, content: string) => {
    const abs = path.join(root, rel);
    fs.mkdirSync(path.dirname(abs), { recursive: true });
    fs.writeFileSync(abs, content);
  };
  for (const m of modules) {
    const dir = `modules/${m.dir ?? m.name}`;
    write(
      `${dir}/bulkhead.json`,
      JSON.stringify({ name: m.name, database: { url: m.url }, ...(m.dependsOn ? { dependsOn: m.dependsOn } : {}), ...m.manifest }, null, 2),
    );
    fs.mkdirSync(path.join(root, dir, 'migrations'), { recursive: true });
    for (const [file, content] of Object.entries(m.migrations ?? {})) write(`${dir}/migrations/${file}`, content);
  }
  return {
    root,
    write,
    remove: (rel) => fs.rmSync(path.join(root, rel), { recursive: true, force: true }),
    cleanup: () => fs.rmSync(root, { recursive: true, force: true }),
  };
}

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** Parsed stdout when --json was given. */
  json: any;
}

/** Environment for the CLI: only what a user's shell would have, plus `env`. */
function cliEnv(env: Record<string, string>): Record<string, string> {
  const base: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? os.homedir() };
  if (process.env.BULKHEAD_CACHE_DIR) base.BULKHEAD_CACHE_DIR = process.env.BULKHEAD_CACHE_DIR;
  return { ...base, ...env };
}

/** Start `bulkhead <args>` in `cwd` (a subprocess, as a user runs it). */
export function startCli(args: string[], o: { cwd: string; env?: Record<string, string> }): ResultPromise<{ reject: false; extendEnv: false }> {
  return execa('node', [CLI, ...args], { cwd: o.cwd, env: cliEnv(o.env ?? {}), reject: false, extendEnv: false });
}

export async function runCli(args: string[], o: { cwd: string; env?: Record<string, string> }): Promise<CliResult> {
  const r = await startCli(args, o);
  let json: unknown;
  if (args.includes('--json')) {
    try {
      json = JSON.parse(String(r.stdout));
    } catch {
      throw new Error(`--json output is not JSON:\n${r.stdout}\n--- stderr:\n${r.stderr}`);
    }
  }
  return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr), json };
}

/** Poll `check` until it holds (or fail after `timeoutMs`). */
export async function waitFor(check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('condition not reached in time');
}

/**
 * Wait until a runner's session is inside migration `id` (its application_name names the
 * migration while it runs: a batch of migrations is one query text, showing only its start).
 */
export async function waitForMigration(url: string, id: string, timeoutMs = 20_000): Promise<void> {
  await waitFor(async () => (await query(url, "SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE $1 AND state = 'active' AND pid <> pg_backend_pid()", [`bulkhead up % ${id}`])).length > 0, timeoutMs);
}

/** Wait until a session other than the caller's runs a query containing `text`. */
export async function waitForQuery(url: string, text: string, timeoutMs = 20_000): Promise<void> {
  await waitFor(
    async () => (await query(url, 'SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND query LIKE $1 AND pid <> pg_backend_pid() AND query NOT LIKE $2', [`%${text}%`, '%pg_stat_activity%'])).length > 0,
    timeoutMs,
  );
}

/** Whether a process (a CLI a test started, a scratch database's creator) is still running: core's own check. */
export function processAlive(pid: number | undefined): boolean {
  return pid !== undefined && coreProcessAlive(pid);
}
