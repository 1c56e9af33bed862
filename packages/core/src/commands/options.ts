import { randomUUID } from 'node:crypto';
import { BulkheadError, problem } from '../errors.js';
import { didYouMean } from '../text.js';
import { productionRefusal } from '../db/open.js';
import { parseDuration } from '../db/duration.js';
import { analyseModules, type ModulesAnalysis } from '../analysis/migrations.js';
import { checkOwnership } from '../plan/ownership.js';
import { meantOf } from '../plan/plan.js';
import type { Unit } from '../plan/units.js';
import type { Reporter } from '../runner/events.js';
import type { MigrationFile } from '../migrations/files.js';
import { loadWorkspace, migrationsOf, type LoadOptions, type Module, type Workspace } from '../workspace.js';
import { shellWord } from '../migrations/shell.js';

/** Options every command shares. */
export interface CommonOptions extends LoadOptions {
  /** Module names; empty means every module. */
  modules?: readonly string[];
  /** Only tenants matching one of these globs (`--tenant`), for modules with tenants. */
  tenants?: readonly string[];
  /** Refuse embedded databases. Also on with BULKHEAD_ENV=production. */
  production?: boolean;
  reporter?: Reporter;
}

export const DEFAULT_LOCK_TIMEOUT_MS = 5 * 60_000;
/** Per-statement `lock_timeout` for DDL when neither the flag nor the manifest sets one. */
export const DEFAULT_STATEMENT_LOCK_TIMEOUT_MS = 3000;
/** Attempts of a migration whose statement timed out waiting for a lock (then it fails, naming the blocker). */
export const LOCK_ATTEMPTS = 5;
/** Units migrated at once when `--concurrency` is not given. */
export const DEFAULT_CONCURRENCY = 4;

/** Options of the commands that run migrations (`up`, `down`). */
export interface RunOptions extends CommonOptions {
  /** Plan only: report what would run, change nothing. */
  dryRun?: boolean;
  /** How long to wait for another runner's module lock. Default 5 minutes; 0 waits forever. */
  lockTimeoutMs?: number;
  /**
   * Per-statement `lock_timeout` for DDL, overriding each manifest's `lockTimeout`; a statement
   * that waits longer rolls its migration back, which is retried with backoff. Default 3 s.
   */
  statementLockTimeoutMs?: number;
  /** Continue no-transaction migrations an earlier run left midway (after fixing what it left). */
  resume?: boolean;
  /** Units (modules and tenants) in flight at once; capped by the server's free connections. Default 4. */
  concurrency?: number;
  /** Migrate the first N tenants of each module with tenants first; stop there if one fails. */
  canary?: number;
  /** Start no unit after the first failure. */
  failFast?: boolean;
  /** Retry connecting to servers that are not reachable yet for this long (release pipelines). */
  waitMs?: number;
}

/** The per-statement lock timeout of a unit: the flag, else its manifest's `lockTimeout`, else the default. */
export function statementLockTimeout(unit: Unit, override: number | undefined): number {
  if (override !== undefined) return override;
  const own = unit.module.manifest.lockTimeout;
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

/**
 * Load the workspace and stop with every static problem at once (exit 2), before any connection.
 * Named modules: only their migration folders are read (every manifest is, for isolation).
 */
export function loadValidWorkspace(o: LoadOptions & { modules?: readonly string[] }): Workspace {
  const ws = loadWorkspace({ ...o, scan: o.scan ?? (o.modules?.length ? o.modules : undefined) });
  if (ws.problems.length) throw new BulkheadError(ws.problems);
  return ws;
}

/**
 * Isolation in depth before anything runs (SPEC §7): what the migrations of `subjects` do to
 * other modules' objects and schemas, against what every module's migrations create and every
 * module's `owns`. Throws BH043–BH045.
 */
export async function checkIsolationInDepth(ws: Workspace, subjects: readonly Module[]): Promise<ModulesAnalysis> {
  const analysis = await analyseModules(ws, await withEveryFolder(ws));
  const problems = checkOwnership(ws.modules, analysis.analysed, { subjects: new Set(subjects.map((m) => m.name)) });
  if (problems.length) throw new BulkheadError(problems);
  return analysis;
}

/**
 * The workspace's modules, each with its migrations (migrationsOf): an object another module's
 * migrations create is that module's even in a per-module call (SPEC §7: `bulkhead up b` must not
 * create a's table because a has no `owns`). Their analysis comes from the cache by checksum.
 */
async function withEveryFolder(ws: Workspace): Promise<Module[]> {
  const all: Module[] = [];
  let since = performance.now();
  for (const m of ws.modules) {
    all.push(m.scanned ? m : { ...m, migrations: [...migrationsOf(ws, m)], scanned: true });
    // Reading a hundred folders takes tens of milliseconds: connections opening meanwhile (the
    // run's, warmed) get a turn every few, instead of starting only once the reading is done.
    if (performance.now() - since > 3) {
      await new Promise((resolve) => setImmediate(resolve));
      since = performance.now();
    }
  }
  return all;
}

/** The module meant by a name that is none (a slip), and those there are (a long list cut). */
function moduleNamesFix(name: string, names: readonly string[]): string {
  const sorted = [...names].sort();
  const list = sorted.length > 20 ? `${sorted.slice(0, 20).join(', ')}, … (${sorted.length} in all: bulkhead validate --json lists them)` : sorted.join(', ');
  return `${didYouMean(name, names)}modules in this workspace: ${list}`;
}

/** The named modules (in dependency order), or all of them; unknown names are an error. */
export function selectModules(ws: Workspace, names: readonly string[] | undefined): Module[] {
  if (!names?.length) return ws.graph.order.map((n) => ws.byName.get(n)!);
  const unknown = names.filter((n) => !ws.byName.has(n));
  if (unknown.length) {
    throw new BulkheadError(
      unknown.map((n) =>
        problem('BH015', `unknown module "${n}"`, { module: n, fix: moduleNamesFix(n, ws.modules.map((m) => m.name)) }),
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
  const refused = modules.filter((m) => m.target.kind === 'pglite').map((m) => productionRefusal(m.name, m.file, m.target.display).problems[0]!);
  if (refused.length) throw new BulkheadError(refused);
}

/** The module's migration named by `ref` (its id or version) for `flag`, or BH026. */
export function findMigration(ws: Workspace, module: Module, ref: string, flag: string): MigrationFile {
  const found = module.migrations.find((m) => m.id === ref || m.version === ref);
  if (!found) {
    throw new BulkheadError(
      problem('BH026', `${flag} ${ref}: no migration with that id or version in ${ws.rel(module.migrationsDir)}`, {
        module: module.name,
        fix: `${meantOf(ref, module.migrations.map((m) => m.id))}bulkhead status ${module.name} lists the migrations`,
      }),
    );
  }
  return found;
}

/** The one module a command such as repair or baseline acts on, with its required flags present (BH025). */
export function oneModule(ws: Workspace, command: string, module: string | undefined, required: Record<string, string | undefined>): Module {
  const missing = Object.entries(required).filter(([, v]) => v === undefined || v.trim() === '').map(([flag]) => flag);
  // A module named rightly is checked first, so the fix can name it and its migrations.
  const named = module ? selectModules(ws, [module])[0]! : undefined;
  if (!named || missing.length) {
    const ids = named ? [...migrationsOf(ws, named)].map((f) => f.id) : [];
    // What was given stays as given; what is missing is a placeholder.
    const value = (flag: string) => {
      const given = required[flag]?.trim();
      if (given) return shellWord(given);
      return flag === '--reason' ? '"<why>"' : MIGRATION_FLAGS.has(flag) ? '<migration id>' : '<…>';
    };
    const which = ids.length ? ` (its migrations: ${ids.length > 2 ? `${ids[0]} … ${ids.at(-1)}` : ids.join(', ')}; bulkhead status ${named!.name} lists them)` : '';
    throw new BulkheadError(
      problem('BH025', `${command} needs ${[!named && 'a module', ...missing].filter(Boolean).join(' and ')}`, {
        ...(named ? { module: named.name } : {}),
        fix: `bulkhead ${command} ${named?.name ?? '<module>'} ${Object.keys(required).map((f) => `${f} ${value(f)}`).join(' ')}${missing.some((f) => MIGRATION_FLAGS.has(f)) ? which : ''}`,
      }),
    );
  }
  return named;
}

/** The flags of oneModule's commands whose value is a migration's id or version. */
const MIGRATION_FLAGS = new Set(['--at', '--to', '--accept']);
