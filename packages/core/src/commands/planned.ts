import { BulkheadError } from '../errors.js';
import type { TargetPool } from '../db/targets.js';
import { buildPlan, modulesRequiredOutside, type AppliedRequirement, type Plan, type UnitRead } from '../plan/build.js';
import type { Unit } from '../plan/units.js';
import { prepareMigration } from '../runner/prepare.js';
import type { Intent } from '../plan/plan.js';
import type { Reporter } from '../runner/events.js';
import { listUnits, parseSelected, readCatalogs, readUnits } from '../runner/read.js';
import type { Module, Workspace } from '../workspace.js';
import type { ModuleCreates } from '../analysis/migrations.js';

export interface PlannedOptions {
  readOnly: boolean;
  createEmbedded?: boolean;
  resume?: boolean;
  tenants?: readonly string[];
  canary?: number;
  reporter?: Reporter;
  /** What the migrations create (functions by module, roles): analysis/migrations.ts moduleCreates. */
  creates?: ModuleCreates;
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
  const { reads: read, problems, connectionCap } = await readUnits(ws, pool, units, o);
  if (problems.length) throw new BulkheadError(problems);
  const parsed = await parseSelected(ws, read, intent);
  // What would run and what its database has (extensions, roles): for commands that run it (up, down, plan).
  const reads = o.creates ? await readCatalogs(ws, pool, read, parsed, intent, o.creates) : read;
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
  const applied = intent.direction === 'down' ? await appliedRequirements(ws, pool, reads, units) : undefined;
  const plan = buildPlan({ ws, intent, reads, parsed, outside, canary: o.canary, applied, creates: o.creates });
  return { plan, connectionCap };
}

/**
 * For `down`: the applied migrations of the run's units and of the units of modules that depend
 * on them (only a dependent may require a module's migration), each with its `requires`.
 */
async function appliedRequirements(ws: Workspace, pool: TargetPool, reads: readonly UnitRead[], units: readonly Unit[]): Promise<AppliedRequirement[]> {
  const inRun = new Set(units.map((u) => u.module.name));
  const dependents = ws.modules.filter((m) => !inRun.has(m.name) && m.manifest.dependsOn.some((d) => inRun.has(d)));
  let more: readonly UnitRead[] = [];
  if (dependents.length) {
    const r = await readUnits(ws, pool, await listUnits(ws, pool, dependents, { readOnly: true }), { readOnly: true });
    if (r.problems.length) throw new BulkheadError(r.problems);
    more = r.reads;
  }
  const out: AppliedRequirement[] = [];
  for (const { unit, state } of [...reads, ...more]) {
    if (!unit.module.manifest.dependsOn.length) continue;
    for (const a of state.applied) {
      const file = unit.module.migrations.find((m) => m.id === a.row.id);
      if (!file) continue;
      let requires: readonly string[] = file.sql?.directives.requires ?? [];
      if (file.format !== 'sql') {
        const p = await prepareMigration(unit.module.name, file, 'up', ws.rel);
        requires = p.ok ? p.runnable.requires : [];
      }
      if (requires.length) out.push({ unit: unit.id, module: unit.module.name, id: file.id, file: ws.rel(file.upPath), requires });
    }
  }
  return out;
}
