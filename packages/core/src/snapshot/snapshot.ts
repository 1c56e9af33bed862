import { DEFAULT_LOCK_TIMEOUT_MS, isProduction, loadValidWorkspace, selectModules, type CommonOptions } from '../commands/options.js';
import { withTarget, withTargets } from '../db/targets.js';
import { BulkheadError, type ExitCode } from '../errors.js';
import { progressTable } from '../history/store.js';
import { listUnits, mapLimit, readUnits } from '../runner/read.js';
import { readSnapshot, type Snapshot } from './read.js';

export interface SnapshotResult {
  command: 'snapshot';
  exitCode: ExitCode;
  /** One per unit whose database exists; its own history table left out. */
  units: { unit: string; module: string; tenant?: string; database: string; snapshot: Snapshot }[];
}

/** Snapshots of the modules' live databases (library API, SPEC §9), read only. */
export async function snapshot(o: CommonOptions = {}): Promise<SnapshotResult> {
  const ws = loadValidWorkspace(o);
  const selected = selectModules(ws, o.modules);
  return withTargets({ command: 'snapshot', lockTimeoutMs: DEFAULT_LOCK_TIMEOUT_MS, production: isProduction(o), reporter: o.reporter }, async (pool) => {
    const units = await listUnits(ws, pool, selected, { readOnly: true, tenants: o.tenants });
    const { reads, problems } = await readUnits(ws, pool, units, { readOnly: true });
    if (problems.length) throw new BulkheadError(problems);
    const out = await mapLimit(
      reads.filter((r) => r.created),
      4,
      async ({ unit }) => ({
        unit: unit.id,
        module: unit.module.name,
        ...(unit.tenant !== undefined ? { tenant: unit.tenant } : {}),
        database: unit.target.display,
        snapshot: await withTarget(pool, unit, (db) => readSnapshot(db, { exclude: [unit.history, progressTable(unit.history)] })),
      }),
    );
    return { command: 'snapshot', exitCode: 0, units: out };
  });
}
