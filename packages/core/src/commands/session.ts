import fs from 'node:fs';
import path from 'node:path';
import { BulkheadError, problem, type Problem } from '../errors.js';
import { openModuleDb, productionRefusal } from '../db/open.js';
import type { ModuleDb } from '../db/types.js';
import { readHistory } from '../history/history.js';
import { moduleState, type ModuleState } from '../plan/plan.js';
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
  /** Undefined only in read-only mode for an embedded database not created yet. */
  db: ModuleDb | undefined;
  state: ModuleState;
}

/** An embedded database folder that does not exist yet: read-only commands must not create it. */
export function notCreatedYet(module: Module): boolean {
  const t = module.target;
  return t.kind === 'pglite' && t.dir !== undefined && !fs.existsSync(path.join(t.dir, 'PG_VERSION'));
}

/**
 * Open each module's database and read its history (no lock). Every connection problem is
 * collected; if any, all opened databases are closed and the problems thrown together.
 */
export async function openAndRead(
  ws: Workspace,
  modules: readonly Module[],
  o: { command: string; lockTimeoutMs: number; concurrency: number; production: boolean; reporter?: Reporter; readOnly?: boolean },
): Promise<Opened[]> {
  const problems: Problem[] = [];
  const opened = await mapLimit(modules, o.concurrency, async (module): Promise<Opened | undefined> => {
    let db: ModuleDb | undefined;
    if (o.readOnly && notCreatedYet(module)) return { module, db: undefined, state: moduleState(module, undefined, ws.rel) };
    try {
      db = await openModuleDb(module, {
        command: o.command,
        lockTimeoutMs: o.lockTimeoutMs,
        production: o.production,
        onWait: (h) => o.reporter?.lockWait?.(module.name, h),
      });
      const rows = await readHistory(db.knex, module.history);
      return { module, db, state: moduleState(module, rows, ws.rel) };
    } catch (e) {
      await db?.close().catch(() => undefined);
      if (e instanceof BulkheadError) problems.push(...e.problems);
      else problems.push(problem('BH020', `cannot read ${module.target.display}: ${(e as Error).message}`, { module: module.name }));
      return undefined;
    }
  });
  const ok = opened.filter((x): x is Opened => x !== undefined);
  if (problems.length) {
    await closeAll(ok);
    throw new BulkheadError(problems);
  }
  return ok;
}

export async function closeAll(opened: readonly { db: ModuleDb | undefined }[]): Promise<void> {
  await Promise.all(opened.map((x) => x.db?.close().catch(() => undefined)));
}
