import { randomUUID } from 'node:crypto';
import { BulkheadError, problem, type Problem } from '../errors.js';
import { openModuleDb, productionRefusal } from '../db/open.js';
import { pgliteExists } from '../db/pglite.js';
import type { ModuleDb } from '../db/types.js';
import { parseDuration } from '../db/duration.js';
import { moduleState, type ModuleState } from '../plan/plan.js';
import { readModuleState } from '../runner/run-module.js';
import { checkServerIdentities } from '../plan/isolation.js';
import { databaseIdentity } from '../db/url.js';
import type { Reporter } from '../runner/events.js';
import { loadWorkspace, type LoadOptions, type Module, type Workspace } from '../workspace.js';

/** Options every command shares. */
export interface CommonOptions extends LoadOptions {
  /** Module names; empty means every module. */
  modules?: readonly string[];
  /** Refuse embedded databases. Also on with BULKHEAD_ENV=production. */
  production?: boolean;
  reporter?: Reporter;
}

export const DEFAULT_LOCK_TIMEOUT_MS = 5 * 60_000;
/** Per-statement `lock_timeout` for DDL when neither the flag nor the manifest sets one. */
export const DEFAULT_STATEMENT_LOCK_TIMEOUT_MS = 3000;
/** Attempts of a migration whose statement timed out waiting for a lock (then it fails, naming the blocker). */
export const LOCK_ATTEMPTS = 5;

/** Options of the commands that run migrations (`up`, `down`). */
export interface RunOptions extends CommonOptions {
  /** How long to wait for another runner's module lock. Default 5 minutes; 0 waits forever. */
  lockTimeoutMs?: number;
  /**
   * Per-statement `lock_timeout` for DDL, overriding each manifest's `lockTimeout`; a statement
   * that waits longer rolls its migration back, which is retried with backoff. Default 3 s.
   */
  statementLockTimeoutMs?: number;
  /** Continue no-transaction migrations an earlier run left midway (after fixing what it left). */
  resume?: boolean;
}

/** The per-statement lock timeout of a module: the flag, else its manifest's `lockTimeout`, else the default. */
export function statementLockTimeout(module: Module, override: number | undefined): number {
  if (override !== undefined) return override;
  const own = module.manifest.lockTimeout;
  return own === undefined ? DEFAULT_STATEMENT_LOCK_TIMEOUT_MS : parseDuration(own)!;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The run id recorded in every history row a call writes. BULKHEAD_RUN_ID lets a pipeline
 * share one id across several calls (e.g. one per Nx task) so a release is traceable as one.
 */
export function runIdFrom(env: NodeJS.ProcessEnv = process.env): string {
  const given = env.BULKHEAD_RUN_ID;
  if (given === undefined || given === '') return randomUUID();
  if (!UUID.test(given)) {
    throw new BulkheadError(
      problem('BH025', `BULKHEAD_RUN_ID "${given}" is not a UUID`, { fix: 'set it to a UUID (e.g. from uuidgen), or unset it for a new id per call' }),
    );
  }
  return given.toLowerCase();
}

/** Load the workspace and stop with every static problem at once (exit 2), before any connection. */
export function loadValidWorkspace(o: LoadOptions): Workspace {
  const ws = loadWorkspace(o);
  if (ws.problems.length) throw new BulkheadError(ws.problems);
  return ws;
}

/** The named modules (in dependency order), or all of them; unknown names are an error. */
export function selectModules(ws: Workspace, names: readonly string[] | undefined): Module[] {
  if (!names?.length) return ws.graph.order.map((n) => ws.byName.get(n)!);
  const unknown = names.filter((n) => !ws.byName.has(n));
  if (unknown.length) {
    throw new BulkheadError(
      unknown.map((n) =>
        problem('BH015', `unknown module "${n}"`, { module: n, fix: `modules in this workspace: ${ws.modules.map((m) => m.name).join(', ')}` }),
      ),
    );
  }
  const wanted = new Set(names);
  return ws.graph.order.filter((n) => wanted.has(n)).map((n) => ws.byName.get(n)!);
}

export function isProduction(o: { production?: boolean; env?: NodeJS.ProcessEnv }): boolean {
  return o.production === true || (o.env ?? process.env).BULKHEAD_ENV === 'production';
}

/** Refuse every embedded database at once in production (exit 2). */
export function checkProduction(modules: readonly Module[], production: boolean): void {
  if (!production) return;
  const refused = modules.filter((m) => m.target.kind === 'pglite').map((m) => productionRefusal(m).problems[0]!);
  if (refused.length) throw new BulkheadError(refused);
}

/** Run `fn` over items, at most `limit` at a time, keeping order of results. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, limit), items.length) }, worker));
  return out;
}

export interface Opened {
  module: Module;
  state: ModuleState;
  /**
   * The open connection, kept only for embedded databases (seconds to reopen). Server
   * connections are closed after reading, so a hundred modules never hold a hundred
   * connections while they wait for their turn.
   */
  db: ModuleDb | undefined;
  /** The module's connection: the kept one, or a new one (kept in `db` until closed). */
  connect(): Promise<ModuleDb>;
  /** Who the database is, as its server says (server databases only; see ModuleDb.identity). */
  identity?: string;
}

/** An embedded database folder that does not exist yet: read-only commands must not create it. */
export function notCreatedYet(module: Module): boolean {
  const t = module.target;
  return t.kind === 'pglite' && t.dir !== undefined && !pgliteExists(t.dir);
}

export interface ReadOptions {
  command: string;
  lockTimeoutMs: number;
  concurrency: number;
  production: boolean;
  reporter?: Reporter;
  /** Do not create embedded databases that do not exist yet (status, plan, dry runs, down). */
  readOnly?: boolean;
  /** Retry servers that are not reachable yet for this long (`--wait`). */
  waitMs?: number;
  /** Read migrations left midway without reporting them as a problem (`--resume`). */
  resume?: boolean;
}

/**
 * Read each module's history (no lock). A module that cannot be read is left out and its
 * problems collected, so a report can show the others.
 */
export async function readModules(ws: Workspace, modules: readonly Module[], o: ReadOptions): Promise<{ opened: Opened[]; problems: Problem[] }> {
  const problems: Problem[] = [];
  const opened = await mapLimit(modules, o.concurrency, async (module): Promise<Opened | undefined> => {
    const x: Opened = {
      module,
      db: undefined,
      state: moduleState(module, undefined, ws.rel),
      async connect() {
        x.db ??= await openModuleDb(module, {
          command: o.command,
          lockTimeoutMs: o.lockTimeoutMs,
          production: o.production,
          onWait: (h) => o.reporter?.lockWait?.(module.name, h),
          waitMs: o.waitMs,
          onConnectWait: (reason) => o.reporter?.connectWait?.(module.name, reason),
        });
        return x.db;
      },
    };
    if (o.readOnly && notCreatedYet(module)) return x;
    try {
      const db = await x.connect();
      x.state = await readModuleState(db, module, ws.rel, { resume: o.resume ?? false, underLock: false });
      x.identity = await db.identity();
      if (db.kind === 'postgres') await closeAll([x]);
      return x;
    } catch (e) {
      await closeAll([x]);
      if (e instanceof BulkheadError) problems.push(...e.problems);
      else {
        const table = `${module.history.schema}.${module.history.table}`;
        problems.push(
          problem('BH020', `cannot read history table ${table} in ${module.target.display}: ${(e as Error).message}`, {
            module: module.name,
            file: module.file,
            fix: `check that the URL's user may read ${table} (and use its schema)`,
          }),
        );
      }
      return undefined;
    }
  });
  const reached = opened.filter((x): x is Opened => x !== undefined);
  // Two URLs written differently may still lead to one database: ask the servers — also about
  // modules outside this run that name the same database (a socket path, an alias, a proxy port).
  const peers = await mapLimit(identityPeers(ws, modules), o.concurrency, async (module) => {
    let db: ModuleDb | undefined;
    try {
      db = await openModuleDb(module, { command: o.command, lockTimeoutMs: o.lockTimeoutMs, production: o.production });
      return { module, identity: await db.identity() };
    } catch {
      return { module, identity: undefined };
    } finally {
      await db?.close().catch(() => undefined);
    }
  });
  problems.push(...checkServerIdentities([...reached.map((x) => ({ module: x.module, identity: x.identity })), ...peers]));
  return { opened: reached, problems };
}

/** Modules outside `modules` on a server whose database name matches one of theirs, but whose URL differs. */
function identityPeers(ws: Workspace, modules: readonly Module[]): Module[] {
  const inRun = new Set(modules.map((m) => m.name));
  const names = new Map<string, Set<string>>();
  for (const m of modules) if (m.target.kind === 'postgres') (names.get(m.target.database) ?? names.set(m.target.database, new Set()).get(m.target.database)!).add(databaseIdentity(m.target));
  return ws.modules.filter((m) => {
    if (inRun.has(m.name) || m.target.kind !== 'postgres') return false;
    const same = names.get(m.target.database);
    return same !== undefined && !same.has(databaseIdentity(m.target));
  });
}

/** Read each module's history; if any module cannot be read, close all and throw every problem. */
export async function openAndRead(ws: Workspace, modules: readonly Module[], o: ReadOptions): Promise<Opened[]> {
  const { opened, problems } = await readModules(ws, modules, o);
  if (problems.length) {
    await closeAll(opened);
    throw new BulkheadError(problems);
  }
  return opened;
}

/** Close every kept connection. */
export async function closeAll(opened: readonly { db: ModuleDb | undefined }[]): Promise<void> {
  await Promise.all(
    opened.map(async (x) => {
      const db = x.db;
      x.db = undefined;
      await db?.close().catch(() => undefined);
    }),
  );
}
