import { exitCodeOf, type ExitCode, type Problem } from '../errors.js';
import { hasDown } from '../migrations/files.js';
import { importJsMigration } from '../migrations/load-js.js';
import { closeAll, DEFAULT_LOCK_TIMEOUT_MS, isProduction, loadValidWorkspace, notCreatedYet, readModules, selectModules, type CommonOptions } from './session.js';

export interface ModuleStatus {
  module: string;
  database: string;
  historyTable: string;
  /** False for an embedded database whose folder does not exist yet. */
  created: boolean;
  applied: { id: string; appliedAt: string; durationMs: number; appliedBy: string; runId: string; fileMissing: boolean }[];
  pending: string[];
  /** Migrations with no way back (allowed: forward-only projects exist). */
  withoutDown: string[];
  problems: Problem[];
}

export interface StatusResult {
  command: 'status';
  exitCode: ExitCode;
  modules: ModuleStatus[];
  /** Problems that stopped a module from being read (e.g. cannot connect). */
  problems: Problem[];
}

/** Per module: applied, pending, integrity problems (SPEC §5 `status`). Changes nothing. */
export async function status(o: CommonOptions = {}): Promise<StatusResult> {
  const ws = loadValidWorkspace(o);
  const { opened, problems } = await readModules(ws, selectModules(ws, o.modules), {
    command: 'status',
    lockTimeoutMs: DEFAULT_LOCK_TIMEOUT_MS,
    concurrency: 4,
    production: isProduction(o),
    readOnly: true,
  });
  await closeAll(opened);
  const modules: ModuleStatus[] = [];
  for (const { module, state } of opened) {
    const withoutDown: string[] = [];
    for (const m of module.migrations) {
      const mod = m.format === 'js' ? await importJsMigration(m.upPath).catch(() => undefined) : undefined;
      if (!hasDown(m, mod)) withoutDown.push(m.id);
    }
    modules.push({
      module: module.name,
      database: module.target.display,
      historyTable: `${module.history.schema}.${module.history.table}`,
      created: !notCreatedYet(module),
      applied: state.applied.map(({ row, file }) => ({
        id: row.id,
        appliedAt: row.applied_at.toISOString(),
        durationMs: row.duration_ms,
        appliedBy: row.applied_by,
        runId: row.run_id,
        fileMissing: !file,
      })),
      pending: state.pending.map((m) => m.id),
      withoutDown,
      problems: state.problems,
    });
  }
  const all = [...problems, ...modules.flatMap((m) => m.problems)];
  return { command: 'status', exitCode: exitCodeOf(all), modules, problems };
}
