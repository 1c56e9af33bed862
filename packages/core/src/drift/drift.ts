import { analyseModules, rememberCachedStatements } from '../analysis/migrations.js';
import { DEFAULT_LOCK_TIMEOUT_MS, isProduction, loadValidWorkspace, selectModules, type CommonOptions } from '../commands/options.js';
import { databaseKey } from '../db/url.js';
import { withScratchDatabase } from '../db/scratch.js';
import { withTarget, withTargets, type TargetPool } from '../db/targets.js';
import { BulkheadError, problem, type ExitCode, type Problem } from '../errors.js';
import { OTHER_TOOLS_SCHEMAS, otherToolOf, platformOf } from '../history/other-tools.js';
import { progressTable } from '../history/store.js';
import type { Unit } from '../plan/units.js';
import { prepareMigration, type Runnable } from '../runner/prepare.js';
import { listUnits, mapLimit, readUnits } from '../runner/read.js';
import { replayAll, ReplayError } from '../runner/replay.js';
import { extensionBehind, roleThatExists, serverRoleExistsFix } from '../runner/apply.js';
import { diffSnapshots, diffText, type Difference } from '../snapshot/diff.js';
import { driftRepair, type RepairSql } from '../snapshot/repair.js';
import { readSnapshot, SNAPSHOT_KINDS, type Snapshot, type SnapshotScope } from '../snapshot/read.js';
import { globToRegExp } from '../plan/ownership.js';
import type { Workspace } from '../workspace.js';
import { INVALID_SCHEMA_NAME, UNDEFINED_OBJECT, UNDEFINED_TABLE } from '../db/sqlstate.js';
import { datedLine, datedPartitions, type DatedPartitions } from './dated.js';

export interface DriftOptions extends CommonOptions {
  /** Build the expected schema on this server instead of next to each unit's own database. */
  server?: string;
  concurrency?: number;
  /**
   * Differences left out, as `[kind:]glob` over an object's name (also `schema.name`,
   * `table.name`): what the database gets from outside the migrations on purpose (Debezium's
   * `publication:dbz_*`, a platform's `event trigger:*`).
   */
  ignore?: readonly string[];
  /** Also write the statements that end each drift: undo it on the database, or keep it in a new migration. */
  sql?: boolean;
}

export interface UnitDrift {
  unit: string;
  module: string;
  tenant?: string;
  database: string;
  /** Migrations the live history says are applied (what the scratch database replays). */
  applied: number;
  status: 'no-drift' | 'drift' | 'not-created';
  /** expected = what the applied migrations build; actual = the live database. */
  differences: Difference[];
  /** Differences --ignore left out. */
  ignored?: number;
  /** One line each, grouped by table; partitions named by date one line per family (`dated`). */
  lines: string[];
  /** Partitions named by date that differ (made for the day something ran), by family, with the --ignore that leaves them out. */
  dated?: DatedPartitions[];
  /**
   * With `sql`: the statements that make the live database what its migrations build (`undo`),
   * and those a new migration would hold to keep the live state (`keep`), for a person to review;
   * what has no statement of its own is in their `manual`.
   */
  sql?: { undo: RepairSql; keep: RepairSql };
}

export interface DriftResult {
  command: 'drift';
  exitCode: ExitCode;
  units: UnitDrift[];
  /** Tenants of one module with the same differences, together. */
  groups: { module: string; tenants: string[]; lines: string[] }[];
}

/**
 * `drift` (SPEC §8): read each unit's live history, apply exactly those migrations on a scratch
 * database, and compare the two snapshots: every missing, extra or changed object (exit 1). The
 * live database is only read.
 */
export async function drift(o: DriftOptions = {}): Promise<DriftResult> {
  const ignored = ignoreMatcher(o.ignore ?? []);
  const ws = loadValidWorkspace(o);
  const selected = selectModules(ws, o.modules);
  const production = isProduction(o);
  const schemasOf = schemasCreatedBy(ws, selected);
  // The replay's statements as the analysis cache has them split: not parsed again.
  rememberCachedStatements(ws, selected);
  return withTargets({ command: 'drift', lockTimeoutMs: DEFAULT_LOCK_TIMEOUT_MS, production, reporter: o.reporter }, async (pool) => {
    const units = await listUnits(ws, pool, selected, { readOnly: true, tenants: o.tenants, reporter: o.reporter });
    const { reads, problems } = await readUnits(ws, pool, units, { readOnly: true });
    if (problems.length) throw new BulkheadError(problems);
    const results = await mapLimit(reads, o.concurrency ?? 2, async ({ unit, state, created }): Promise<UnitDrift> => {
      const base = { unit: unit.id, module: unit.module.name, ...(unit.tenant !== undefined ? { tenant: unit.tenant } : {}), database: unit.target.display };
      if (!created) return { ...base, applied: 0, status: 'not-created', differences: [], lines: [] };
      // A database another tool migrated, not adopted yet: every object would be "extra"; say what to do.
      const adopt = state.problems.filter((p) => p.code === 'BH057');
      if (adopt.length) throw new BulkheadError(adopt);
      // Edited applied files would replay as they are now: the difference is then what drift shows.
      const runnables: Runnable[] = [];
      const missing: Problem[] = [];
      for (const a of state.applied) {
        if (!a.file) {
          missing.push(problem('BH023', `${a.row.id} is applied on ${unit.id} but its file is gone: drift cannot rebuild what it did`, { module: unit.id, fix: 'restore the file (git checkout it)' }));
          continue;
        }
        const p = await prepareMigration(unit.module.name, a.file, 'up', ws.rel);
        if (!p.ok) missing.push(...p.problems);
        else runnables.push(p.runnable);
      }
      if (missing.length) throw new BulkheadError(missing);
      const { differences: all, expected, actual } = await compareWithMigrations(ws, pool, unit, units, runnables, { command: 'drift', server: o.server, schemasOf });
      const differences = all.filter((d) => !ignored(d));
      const left = all.length - differences.length;
      const { families, rest } = datedPartitions(differences, unit.schema);
      return {
        ...base,
        applied: runnables.length,
        status: differences.length ? 'drift' : 'no-drift',
        differences,
        lines: [...diffText(rest, unit.schema), ...families.map(datedLine)],
        ...(families.length ? { dated: families } : {}),
        ...(left ? { ignored: left } : {}),
        // A tenant's keep migration runs in every tenant's schema: its own schema is left unnamed. Partitions
        // named by date are left out (undo would drop the day's partition and its rows).
        ...(o.sql && differences.length ? { sql: driftRepair(rest, { live: actual, built: expected, ...(unit.tenant !== undefined && unit.module.manifest.tenants?.kind === 'schema' ? { home: unit.schema } : {}) }) } : {}),
      };
    });
    const groups: DriftResult['groups'] = [];
    for (const r of results) {
      if (r.tenant === undefined || r.status !== 'drift') continue;
      const key = r.lines.join('\n');
      const g = groups.find((x) => x.module === r.module && x.lines.join('\n') === key);
      if (g) g.tenants.push(r.tenant);
      else groups.push({ module: r.module, tenants: [r.tenant], lines: r.lines });
    }
    return { command: 'drift', exitCode: results.some((r) => r.status === 'drift') ? 1 : 0, units: results, groups };
  });
}

/**
 * How the unit's live database differs from what `runnables` build on a scratch database
 * (expected → actual), compared over what of the database is the unit's (scopeOf). Shared by
 * `drift` (the applied migrations) and `baseline` (the migrations it would record).
 */
export async function compareWithMigrations(
  ws: Workspace,
  pool: TargetPool,
  unit: Unit,
  units: readonly Unit[],
  runnables: readonly Runnable[],
  o: { command: string; server?: string; schemasOf: (module: string) => Promise<string[]> },
): Promise<{ differences: Difference[]; expected: Snapshot; actual: Snapshot }> {
  const scope = await scopeOf(ws, unit, units, () => o.schemasOf(unit.module.name));
  // The live database is read while the scratch database is made and replayed (two databases: a
  // server with cores to spare works on both at once, and the live snapshot's time is saved).
  const reading = withTarget(pool, unit, (db) => readSnapshot(db, scope));
  // Handled from now on (a failure while the replay runs is no unhandled rejection); awaited below.
  const settled = reading.then(() => undefined, () => undefined);
  let failed: ReplayError | undefined;
  let expected: Snapshot | undefined;
  try {
    expected = await withScratchDatabase(unit, { command: o.command, server: o.server, root: ws.root }, async ({ db }) => {
      try {
        await replayAll(db, runnables, { schema: unit.schema });
      } catch (e) {
        if (!(e instanceof ReplayError)) throw e;
        failed = e;
        return undefined;
      }
      return readSnapshot(db, scope);
    });
  } finally {
    // Settled before anything else uses the target or the command ends, whatever the replay did.
    await settled;
  }
  const actual = await reading;
  if (!expected) {
    const e = failed!;
    // What the replay missed, when the live database has it: made outside the migrations.
    const missing = missingObject(e.cause);
    const live = missing && (await withTarget(pool, unit, async (db) => (await db.query(LIVE[missing.kind], [missing.name])).rows.length > 0).catch(() => false));
    // A type, function or operator class of an extension the live database has and the module does not declare.
    const cause = (e.cause ?? {}) as { code?: string };
    const behind = extensionBehind(cause.code, e.serverMessage);
    const liveExtension =
      behind && !unit.module.manifest.extensions.includes(behind.provider) && (await withTarget(pool, unit, async (db) => (await db.query('SELECT 1 FROM pg_extension WHERE extname = $1', [behind.provider])).rows.length > 0).catch(() => false));
    // A role the module's own run made: the scratch database shares the server's roles.
    const existingRole = roleThatExists(cause.code, e.serverMessage);
    throw new BulkheadError(
      problem('BH030', `migration ${e.id} fails on a fresh database, so what it builds cannot be rebuilt: ${e.describe(ws.rel)}`, {
        module: unit.id,
        file: ws.rel(e.file),
        line: e.statement?.line ?? e.line,
        fix: liveExtension
          ? `${behind.what} comes from the extension ${behind.provider}, which the live database has (made outside the migrations) and ${ws.rel(unit.module.file)} does not declare: declare it there ("extensions") — the scratch database of this rebuild, verify's and db create then make it; no migration needs to change`
          : live
            ? `${missing.kind} ${missing.name} is in the live database, but no migration makes it: it was made outside them (${platformOf(missing.kind === 'role' ? missing.name : missing.name.split('.')[0]!, missing.kind === 'role' ? 'role' : 'schema') ? "Supabase's platform makes it" : 'by hand, by another tool or a platform'}), and the scratch database this rebuild runs on lacks it — make it in the migrations, before they use it (CREATE … IF NOT EXISTS changes nothing where it exists)`
            : existingRole
              ? serverRoleExistsFix(existingRole)
              : 'run bulkhead verify to see the chain fail; fix it with a new migration (an applied one must stay as it was)',
      }),
    );
  }
  return { differences: diffSnapshots(expected, actual).filter((d) => !otherToolsHistory(d, actual)), expected, actual };
}

/**
 * Whether a difference is one --ignore leaves out (a kind written `event trigger`, `event_trigger`
 * or `event-trigger`); an unknown kind is bad input (exit 2), before anything is read.
 */
export function ignoreMatcher(patterns: readonly string[]): (d: Difference) => boolean {
  const rules = patterns.map((p) => {
    const at = p.lastIndexOf(':');
    const kind = at > 0 ? p.slice(0, at).replace(/[_-]/g, ' ').toLowerCase() : undefined;
    if (kind !== undefined && !(SNAPSHOT_KINDS as readonly string[]).includes(kind)) {
      throw new BulkheadError(problem('BH025', `--ignore ${p}: no object kind "${p.slice(0, at)}"`, { fix: `write [kind:]glob, the kind one of: ${SNAPSHOT_KINDS.map((k) => k.replace(/ /g, '_')).join(', ')} (e.g. --ignore 'publication:dbz_*')` }));
    }
    return { kind, name: globToRegExp(at > 0 ? p.slice(at + 1) : p) };
  });
  const names = (d: Difference) => [d.name, `${d.schema}.${d.name}`, ...(d.table ? [`${d.table}.${d.name}`, `${d.schema}.${d.table}.${d.name}`] : [])];
  // What belongs to a left-out table (its columns, constraints, indexes, triggers) goes with it.
  const ofTable = (d: Difference) => (d.table ? [d.table, `${d.schema}.${d.table}`] : []);
  return (d) =>
    rules.some(
      (r) =>
        ((r.kind === undefined || r.kind === d.kind) && names(d).some((n) => r.name.test(n))) ||
        ((r.kind === undefined || RELATIONS.has(r.kind)) && ofTable(d).some((n) => r.name.test(n))),
    );
}

/** Kinds whose objects own columns, constraints, indexes, triggers, rules and policies. */
const RELATIONS: ReadonlySet<string> = new Set(['table', 'view', 'materialized view', 'foreign table', 'composite type']);

/** Queries whether the live database has an object a replay found missing (one row if it does). */
const LIVE = {
  schema: 'SELECT 1 FROM pg_namespace WHERE nspname = $1',
  relation: 'SELECT 1 WHERE to_regclass($1) IS NOT NULL',
  role: 'SELECT 1 FROM pg_roles WHERE rolname = $1',
  type: 'SELECT 1 WHERE to_regtype($1) IS NOT NULL',
} as const;

/** The object a failed statement did not find (schema "auth" does not exist, relation "auth.users" …), from the server's error. */
function missingObject(cause: unknown): { kind: keyof typeof LIVE; name: string } | undefined {
  const { code, message = '' } = (cause ?? {}) as { code?: string; message?: string };
  const found = /^(schema|relation|role|type) "([^"]+)" does not exist/.exec(message);
  if (!found || ![INVALID_SCHEMA_NAME, UNDEFINED_TABLE, UNDEFINED_OBJECT].includes(code ?? '')) return undefined;
  return { kind: found[1] as keyof typeof LIVE, name: found[2]! };
}

/**
 * What the live database has of another migration tool's history table (`_prisma_migrations`,
 * `knex_migrations`, …, with what lives on it), which the migrations do not build: the trace of
 * the tool a database was adopted from, not drift.
 */
function otherToolsHistory(d: Difference, actual: Snapshot): boolean {
  if (d.change !== 'extra') return false;
  // Drizzle's `drizzle` schema, graphile-migrate's, the Supabase CLI's, and what is in them.
  if (d.kind === 'schema') return OTHER_TOOLS_SCHEMAS.has(d.name);
  if (OTHER_TOOLS_SCHEMAS.has(d.schema)) return true;
  const table = d.table ?? (d.kind === 'table' ? d.name : undefined);
  if (table !== undefined && otherToolOf(d.schema, table)) return true;
  // A serial's sequence goes with its table.
  const owner = d.kind === 'sequence' ? (actual.objects[d.key]?.def.owned_by as string | undefined)?.split('.') : undefined;
  return owner !== undefined && owner.length >= 3 && otherToolOf(owner.at(-3)!, owner.at(-2)!) !== undefined;
}

/**
 * What of the live database is the unit's: the whole database when it has it to itself (seed
 * 000's tables that no migration created are found in any schema), else its own schema and the
 * schemas its migrations create. The history table and its companion are never part of it.
 */
async function scopeOf(ws: Workspace, unit: Unit, all: readonly Unit[], created: () => Promise<string[]>): Promise<SnapshotScope> {
  const exclude = [unit.history, progressTable(unit.history)];
  const mine = databaseKey(unit.target);
  // Another unit of this run (a sibling schema tenant), or another module, in the same database.
  const shared = mine !== undefined && (all.some((u) => u.id !== unit.id && databaseKey(u.target) === mine) || ws.modules.some((m) => m !== unit.module && databaseKey(m.target) === mine));
  return shared ? { schemas: [...new Set([unit.schema, ...(await created())])], exclude } : { exclude };
}

/**
 * The schemas a module's migrations create (CREATE SCHEMA), by module name, for these modules:
 * read from the cached analysis on the first call only (a unit with a database to itself never
 * asks), then kept.
 */
export function schemasCreatedBy(ws: Workspace, modules: readonly { name: string }[]): (module: string) => Promise<string[]> {
  let created: Promise<Map<string, string[]>> | undefined;
  const read = async () => {
    const { analysed } = await analyseModules(ws, ws.modules.filter((m) => modules.some((x) => x.name === m.name)));
    const out = new Map<string, string[]>();
    for (const a of analysed) {
      if (a.direction !== 'up') continue;
      for (const t of a.touches) if (t.kind === 'schema' && t.action === 'create') (out.get(a.module) ?? out.set(a.module, []).get(a.module)!).push(t.name);
    }
    return out;
  };
  return async (module) => (await (created ??= read())).get(module) ?? [];
}
