import { exitCodeOf, type ExitCode, type Problem } from '../errors.js';
import { withTargets } from '../db/targets.js';
import { hasDown } from '../migrations/files.js';
import { importJsMigration } from '../migrations/load-js.js';
import type { UnitState } from '../plan/plan.js';
import { listUnits, readUnits } from '../runner/read.js';
import { DEFAULT_LOCK_TIMEOUT_MS, isProduction, loadValidWorkspace, selectModules, type CommonOptions } from './options.js';

export interface ModuleStatus {
  module: string;
  /** `module` or `module@tenant`. */
  unit: string;
  tenant?: string;
  database: string;
  historyTable: string;
  /** False for an embedded database whose folder does not exist yet. */
  created: boolean;
  /** kind: how the row came to be (`apply`, `baseline`, `repair`, `squash`); reason: why, for rows written or changed by hand. */
  applied: { id: string; appliedAt: string; durationMs: number; appliedBy: string; runId: string; kind: string; reason?: string; fileMissing: boolean }[];
  pending: string[];
  /** No-transaction migrations another runner is applying right now, how far, and who. */
  running?: NonNullable<UnitState['running']>;
  /** Migrations with no way back (allowed: forward-only projects exist). */
  withoutDown: string[];
  problems: Problem[];
}

/** A module with tenants at a glance: how many are up to date, pending, or need attention. */
export interface TenantSummary {
  module: string;
  tenants: number;
  upToDate: number;
  pending: number;
  /** Tenants with problems: unreadable, interrupted, edited migrations. */
  failed: number;
  /** The tenants that need attention (problems first, then pending), at most 20. */
  attention: string[];
}

export interface StatusResult {
  command: 'status';
  exitCode: ExitCode;
  /** One entry per unit (a module, or a module at a tenant). */
  modules: ModuleStatus[];
  tenants: TenantSummary[];
  /** Problems that stopped a unit from being read (e.g. cannot connect). */
  problems: Problem[];
}

/** Per unit: applied, pending, integrity problems (SPEC §5 `status`). Changes nothing. */
export async function status(o: CommonOptions = {}): Promise<StatusResult> {
  const ws = loadValidWorkspace(o);
  const selected = selectModules(ws, o.modules);
  return withTargets({ command: 'status', lockTimeoutMs: DEFAULT_LOCK_TIMEOUT_MS, production: isProduction(o) }, async (pool) => {
    const units = await listUnits(ws, pool, selected, { readOnly: true, tenants: o.tenants, reporter: o.reporter });
    const { reads, problems } = await readUnits(ws, pool, units, { readOnly: true });
    // Whether a migration can be reverted is a property of its files: asked once per module.
    const withoutDown = new Map<string, string[]>();
    for (const m of selected) {
      const list: string[] = [];
      for (const f of m.migrations) {
        const mod = f.format === 'js' ? await importJsMigration(f.upPath).catch(() => undefined) : undefined;
        if (!hasDown(f, mod)) list.push(f.id);
      }
      withoutDown.set(m.name, list);
    }
    const modules: ModuleStatus[] = reads.map(({ unit, state, created }) => ({
      module: unit.module.name,
      unit: unit.id,
      ...(unit.tenant !== undefined ? { tenant: unit.tenant } : {}),
      database: unit.target.display,
      historyTable: `${unit.history.schema}.${unit.history.table}`,
      created,
      applied: state.applied.map(({ row, file }) => ({
        id: row.id,
        appliedAt: row.applied_at.toISOString(),
        durationMs: row.duration_ms,
        appliedBy: row.applied_by,
        runId: row.run_id,
        kind: row.kind ?? 'apply',
        ...(row.reason ? { reason: row.reason } : {}),
        fileMissing: !file,
      })),
      pending: state.pending.map((m) => m.id),
      ...(state.running?.length ? { running: state.running } : {}),
      withoutDown: withoutDown.get(unit.module.name)!,
      problems: state.problems,
    }));
    const tenants: TenantSummary[] = selected
      .filter((m) => m.manifest.tenants)
      .map((m) => {
        const mine = units.filter((u) => u.module === m);
        const read = new Map(modules.filter((s) => s.module === m.name).map((s) => [s.unit, s]));
        const failed = mine.filter((u) => !read.has(u.id) || read.get(u.id)!.problems.length).map((u) => u.id);
        const pending = mine.filter((u) => read.get(u.id) && !read.get(u.id)!.problems.length && read.get(u.id)!.pending.length).map((u) => u.id);
        return {
          module: m.name,
          tenants: mine.length,
          upToDate: mine.length - failed.length - pending.length,
          pending: pending.length,
          failed: failed.length,
          attention: [...failed, ...pending].slice(0, 20),
        };
      });
    const all = [...problems, ...modules.flatMap((m) => m.problems)];
    return { command: 'status', exitCode: exitCodeOf(all), modules, tenants, problems };
  });
}
