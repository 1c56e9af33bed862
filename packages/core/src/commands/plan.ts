import type { ExitCode } from '../errors.js';
import { withTarget, withTargets } from '../db/targets.js';
import { tableSizes, type TableSize } from '../db/sizes.js';
import { notCreatedYet } from '../runner/read.js';
import { BulkheadError } from '../errors.js';
import { checkIsolationInDepth, checkProduction, DEFAULT_LOCK_TIMEOUT_MS, isProduction, loadValidWorkspace, selectModules, type CommonOptions } from './options.js';
import { planFor } from './planned.js';
import { moduleCreates } from '../analysis/migrations.js';
import { followMigration, migrationLocks } from '../lint/locks.js';
import { References } from '../lint/references.js';
import type { MigrationFile } from '../migrations/files.js';

export interface PlanOptions extends CommonOptions {
  /** Stop after this migration (id or version). */
  to?: string;
  canary?: number;
  /** Per pending statement, the lock it takes and what it blocks (`plan --locks`). */
  locks?: boolean;
}

export interface PlannedUnit {
  module: string;
  /** `module` or `module@tenant`. */
  unit: string;
  tenant?: string;
  database: string;
  dependsOn: string[];
  /** What `up` would apply, in order. */
  run: string[];
  /** Migrations of other modules each step requires (SPEC §3), for steps that have any. */
  requires?: Record<string, string[]>;
  /** What it would not, and why (e.g. after --to). */
  held: { id: string; why: string }[];
  upToDate: boolean;
  /** One of the first `--canary N` tenants. */
  canary?: boolean;
  /** With --locks: per pending statement, the table locks it takes and what they block. */
  /** Per statement, each table lock; `size`: the table's in the database now (not for a new one). */
  locks?: { migration: string; file: string; line: number; statement: string; mode: string; table: string; new: boolean; madeBy?: string; rewrite: boolean; blocks: string; held?: { mode: string; line: number; blocks: string }; size?: TableSize }[];
}

export interface PlanResult {
  command: 'plan';
  exitCode: ExitCode;
  /** Modules in the order `up` would start them; each wave only depends on earlier waves. */
  waves: string[][];
  /** One entry per unit (a module, or a module at a tenant). */
  modules: PlannedUnit[];
}

/** What `up` would run, in order, and why not if it cannot (SPEC §5 `plan`). Changes nothing. */
export async function plan(o: PlanOptions = {}): Promise<PlanResult> {
  const ws = loadValidWorkspace(o);
  const selected = selectModules(ws, o.modules);
  checkProduction(selected, isProduction(o));
  if (o.to !== undefined && selected.length !== 1) {
    throw new BulkheadError({ code: 'BH025', message: `--to needs exactly one module (got ${selected.length})`, fix: `name the module: bulkhead plan <module> --to ${o.to}` });
  }
  const analysis = await checkIsolationInDepth(ws, selected);
  const names = new Set(selected.map((m) => m.name));
  return withTargets({ command: 'plan', lockTimeoutMs: DEFAULT_LOCK_TIMEOUT_MS, production: isProduction(o), reporter: o.reporter }, async (pool) => {
    const { plan: p } = await planFor(ws, pool, selected, { direction: 'up', to: o.to }, { readOnly: true, tenants: o.tenants, canary: o.canary, creates: moduleCreates(analysis) });
    if (p.problems.length) throw new BulkheadError([...p.problems]);
    // The isolation check's analysis covers every module: what each TS migration emits is in it.
    const emitted = analysis.emitted;
    const locksOf = async (u: (typeof p.units)[number]): Promise<NonNullable<PlannedUnit['locks']>> => {
      const out: NonNullable<PlannedUnit['locks']> = [];
      const upSql = (m: MigrationFile) => (m.format === 'sql' ? m.sql?.up : emitted.get(`${u.unit.module.name}:${m.id}`)?.up.join(';\n'));
      // What the module's earlier migrations made (a column's type: widening it is no rewrite).
      const facts = new References();
      const pending = new Set(u.steps.map((r) => r.file.id));
      for (const m of u.unit.module.migrations) {
        if (pending.has(m.id)) break;
        const sql = upSql(m);
        if (sql !== undefined) await followMigration(sql, u.unit.schema, facts);
      }
      // Tables the run's earlier migrations create: new to it (all of them, on a fresh database).
      const made = new Map<string, string>();
      for (const r of u.steps) {
        const sql = upSql(r.file);
        if (sql === undefined) continue;
        for (const x of await migrationLocks(sql, u.unit.schema, facts, { id: r.file.id, made, transaction: r.transaction })) {
          for (const l of x.locks) out.push({ migration: r.file.id, file: ws.rel(r.step.path), line: r.step.format === 'sql' ? x.line : 0, statement: x.statement, ...l });
        }
      }
      // How big each existing table is: how long a lock on it lasts, a rewrite of it takes.
      const existing = out.filter((l) => !l.new).map((l) => l.table);
      if (existing.length && !notCreatedYet(u.unit.target)) {
        const sizes = await withTarget(pool, u.unit, (db) => tableSizes(db, existing));
        for (const l of out) {
          const size = l.new ? undefined : sizes.get(l.table);
          if (size) l.size = size;
        }
      }
      return out;
    };
    const locks = o.locks ? await Promise.all(p.units.map(locksOf)) : [];
    return {
      command: 'plan',
      exitCode: 0,
      waves: ws.graph.waves.map((w) => w.filter((n) => names.has(n))).filter((w) => w.length),
      modules: p.units.map((u, i) => ({
        module: u.unit.module.name,
        unit: u.unit.id,
        ...(u.unit.tenant !== undefined ? { tenant: u.unit.tenant } : {}),
        database: u.unit.target.display,
        dependsOn: u.unit.module.manifest.dependsOn,
        run: u.steps.map((r) => r.file.id),
        ...(u.steps.some((r) => r.requires.length) ? { requires: Object.fromEntries(u.steps.filter((r) => r.requires.length).map((r) => [r.file.id, [...r.requires]])) } : {}),
        held: [...u.held],
        upToDate: u.steps.length === 0,
        ...(u.canary ? { canary: true } : {}),
        ...(o.locks ? { locks: locks[i]! } : {}),
      })),
    };
  });
}
