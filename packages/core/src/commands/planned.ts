import { BulkheadError } from '../errors.js';
import type { TargetPool } from '../db/targets.js';
import { buildPlan, modulesRequiredOutside, type Plan } from '../plan/build.js';
import type { Intent } from '../plan/plan.js';
import type { Reporter } from '../runner/events.js';
import { listUnits, parseSelected, readUnits } from '../runner/read.js';
import type { Module, Workspace } from '../workspace.js';

export interface PlannedOptions {
  readOnly: boolean;
  createEmbedded?: boolean;
  resume?: boolean;
  tenants?: readonly string[];
  canary?: number;
  reporter?: Reporter;
}

export interface Planned {
  plan: Plan;
  /** Units that may run at once on the servers' free connections, if a server said. */
  connectionCap: number | undefined;
}

/**
 * The first half of every module-level command: list the units, read their history, load the
 * migrations they would run, and build the frozen plan. Nothing is changed; a unit that cannot be
 * read stops it (exit 2).
 */
export async function planFor(ws: Workspace, pool: TargetPool, modules: readonly Module[], intent: Intent, o: PlannedOptions): Promise<Planned> {
  const units = await listUnits(ws, pool, modules, o);
  const { reads, problems, connectionCap } = await readUnits(ws, pool, units, o);
  if (problems.length) throw new BulkheadError(problems);
  const parsed = await parseSelected(ws, reads, intent);
  // `requires` on modules outside the run: what their history has.
  const outside = new Map<string, Set<string>>();
  const needed = intent.direction === 'up' ? modulesRequiredOutside(units, parsed).map((n) => ws.byName.get(n)).filter((m): m is Module => m !== undefined) : [];
  if (needed.length) {
    const others = await readUnits(ws, pool, await listUnits(ws, pool, needed, { readOnly: true }), { readOnly: true });
    if (others.problems.length) throw new BulkheadError(others.problems);
    for (const r of others.reads) {
      const has = new Set(r.state.applied.map((a) => a.row.id));
      const prev = outside.get(r.unit.module.name);
      outside.set(r.unit.module.name, prev ? new Set([...prev].filter((id) => has.has(id))) : has);
    }
  }
  const plan = buildPlan({ ws, intent, reads, parsed, outside, canary: o.canary });
  return { plan, connectionCap };
}
