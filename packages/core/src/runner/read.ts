import path from 'node:path';
import { BulkheadError, problem, type Problem } from '../errors.js';
import type { CatalogNames, ModuleDb } from '../db/types.js';
import { pgliteExists } from '../db/pglite.js';
import { extensionsLeftToDbCreate } from '../db/provision.js';
import { withTarget, type TargetPool } from '../db/targets.js';
import { databaseIdentity } from '../db/url.js';
import { historyStore, type ProgressRow } from '../history/store.js';
import type { ForeignHistory } from '../history/other-tools.js';
import { parseKey, type Parsed, type UnitRead } from '../plan/build.js';
import { checkServerIdentities } from '../plan/isolation.js';
import { select, unitState, type Intent, type UnitState } from '../plan/plan.js';
import { checkTenantNames, checkUnitIsolation, historyOfAnother, moduleUnit, tenantMatcher, tenantUnits, type Unit } from '../plan/units.js';
import type { Module, Workspace } from '../workspace.js';
import { invalidIndexes, schemaOf } from './apply.js';
import { prepareMigration, type Prepared } from './prepare.js';
import type { Reporter } from './events.js';
import type { ModuleCreates } from '../analysis/migrations.js';
import { codeMigrationBefore, type MigrationFile } from '../migrations/files.js';

/** Units whose history is read at once (reads are short; server connections are released after each). */
export const READ_CONCURRENCY = 16;

export interface ReadOptions {
  /** Do not create embedded databases that do not exist yet (status, plan, dry runs, down). */
  readOnly?: boolean;
  /** Read migrations left midway without reporting them as a problem (`--resume`). */
  resume?: boolean;
  /** A real `up`: an embedded database whose tenants a query lists may be created to ask it. */
  createEmbedded?: boolean;
  /** `--tenant` globs: only matching tenants of modules with tenants. */
  tenants?: readonly string[];
  reporter?: Reporter;
  /**
   * What the migrations use of other tools' history tables (analysis/migrations.ts moduleCreates):
   * a module whose migrations use one has them looked up, for the plan's BH065, whatever its
   * history holds. Other units ask only when their history is missing or empty.
   */
  creates?: Pick<ModuleCreates, 'otherToolTables'>;
}

/** An embedded database folder that does not exist yet: read-only commands must not create it. */
export function notCreatedYet(target: Unit['target']): boolean {
  return target.kind === 'pglite' && target.dir !== undefined && !pgliteExists(target.dir);
}

/**
 * The units of these modules (SPEC §2): the module itself, or one per tenant — listed in the
 * manifest or by its query on the module's database — filtered by `--tenant`. Isolation of
 * every unit against every other module's is checked here (query tenants are known only now).
 */
export async function listUnits(ws: Workspace, pool: TargetPool, modules: readonly Module[], o: ReadOptions): Promise<Unit[]> {
  const problems: Problem[] = [];
  const matches = tenantMatcher(o.tenants ?? []);
  const units: Unit[] = [];
  let tenantModules = 0;
  for (const module of modules) {
    const t = module.manifest.tenants;
    if (!t) {
      units.push(moduleUnit(module));
      continue;
    }
    tenantModules++;
    let names = t.names;
    if (names === undefined) {
      const base = moduleUnit(module);
      const notYet = !o.createEmbedded && notCreatedYet(base.target);
      const before = problems.length;
      names = notYet ? [] : await queryTenants(pool, base, t.query!, problems);
      problems.push(...checkTenantNames(module, names, 'tenants.query'));
      // A query that lists nobody (the wrong database, an empty table) is said, not passed over in silence.
      if (!notYet && !names.length && problems.length === before) o.reporter?.notice?.(`${module.name}: tenants.query lists no tenants on ${base.target.display}: nothing to do for it`);
    }
    units.push(...tenantUnits(module, names.filter(matches)));
  }
  if (o.tenants?.length && !units.some((u) => u.tenant !== undefined) && !problems.length) {
    problems.push(
      problem('BH040', tenantModules ? `no tenant matches --tenant ${o.tenants.join(', ')}` : `--tenant ${o.tenants.join(', ')}: no module of this run has tenants`, {
        fix: tenantModules ? 'bulkhead status lists the tenants; * matches any run of characters, ? one' : 'give a module with "tenants" in its manifest, or drop --tenant',
      }),
    );
  }
  const others = ws.modules.filter((m) => !modules.includes(m) && !m.manifest.tenants).map(moduleUnit);
  problems.push(...checkUnitIsolation([...units, ...others]));
  if (problems.length) throw new BulkheadError(problems);
  return units;
}

async function queryTenants(pool: TargetPool, base: Unit, query: string, problems: Problem[]): Promise<string[]> {
  try {
    return await withTarget(pool, base, async (db) => {
      const r = await db.query(query);
      const rows = (r.rows ?? []) as Record<string, unknown>[];
      const column = r.fields?.[0]?.name as string | undefined;
      const values = rows.map((row) => (column === undefined ? Object.values(row)[0] : row[column]));
      // A NULL is no tenant (String(null) would make a schema named "null").
      const nulls = values.flatMap((v, i) => (v === null || v === undefined ? [i + 1] : []));
      if (nulls.length) {
        problems.push(
          problem('BH039', `tenants.query returned NULL as a tenant name (row ${nulls.slice(0, 5).join(', ')}${nulls.length > 5 ? ', …' : ''} of ${rows.length})`, {
            module: base.module.name,
            file: base.module.file,
            field: 'tenants.query',
            fix: 'leave out the rows without a name (… WHERE name IS NOT NULL), or give them one',
          }),
        );
      }
      return values.filter((v) => v !== null && v !== undefined).map(String);
    });
  } catch (e) {
    if (e instanceof BulkheadError) {
      problems.push(...e.problems);
      return [];
    }
    problems.push(
      problem('BH039', `tenants.query failed on ${base.target.display}: ${(e as Error).message}`, {
        module: base.module.name,
        file: base.module.file,
        field: 'tenants.query',
        fix: "make the query return the tenant names in its first column (it runs on the module's database, in its schema)",
      }),
    );
    return [];
  }
}

/**
 * A unit's state read from its database: history, unfinished runs, and INVALID indexes when a
 * run stopped midway. Outside the lock, unfinished runs are reported only when no runner holds
 * the lock (else they are in flight).
 */
export async function readUnitState(db: ModuleDb, unit: Unit, ws: Workspace, o: { resume: boolean; underLock: boolean; otherTools?: boolean }): Promise<{ state: UnitState; layout: number | undefined; foreign: readonly ForeignHistory[] }> {
  const rel = ws.rel;
  const store = historyStore(unit.history);
  const first = await store.readState(db, { others: o.otherTools ?? false });
  let history = first.history;
  const layout = history?.layout;
  // Another tool's history tables: with none of ours, a database that tool migrated (unitState says
  // adopt it). Bulkhead's own elsewhere, not another unit's: where a changed manifest left it.
  const otherHistory = first.elsewhere.filter((t) => !historyOfAnother(ws.modules, unit, t));
  const options = { resume: o.resume, foreignHistory: first.foreign, otherHistory };
  if (history?.progress.length && !o.underLock) {
    const holder = await db.lockHolder();
    if (holder !== undefined) {
      const running = history.progress.map((p) => ({ id: p.id, direction: p.direction, statementsDone: p.statements_done, statementsTotal: p.statements_total, runId: p.run_id, holder }));
      return { state: { ...unitState(unit, { ...history, progress: [] }, rel, { resume: o.resume }), running }, layout, foreign: first.foreign };
    }
    // Nobody holds the lock now. A row that was in flight at the first read has since been
    // cleared or rewritten; one that is unchanged was left by a run that stopped.
    const seen = new Set(history.progress.map(progressKey));
    history = await store.read(db);
    if (history) history = { ...history, progress: history.progress.filter((p) => seen.has(progressKey(p))) };
  }
  if (!history?.progress.length) return { state: unitState(unit, history, rel, options), layout, foreign: first.foreign };
  // A schema tenant's own: the other tenants' indexes of the same names are theirs.
  const own = (name: string) => unit.module.manifest.tenants?.kind !== 'schema' || schemaOf(name) === unit.schema;
  return { state: unitState(unit, history, rel, { ...options, invalidIndexes: (await invalidIndexes(db)).filter(own) }), layout, foreign: first.foreign };
}

function progressKey(p: ProgressRow): string {
  return `${p.id}|${p.run_id}|${p.statements_done}|${p.updated_at.toISOString()}`;
}

export interface ReadResult {
  reads: UnitRead[];
  /** Units that could not be read, with why (cannot connect, cannot read the history table). */
  problems: Problem[];
  /**
   * Units that may run at once without exhausting a server's connections: each holds one (its
   * work connection, which holds its lock) and a second while a statement waits for a lock (to
   * name who blocks it), so two are counted. Undefined when no server was asked.
   */
  connectionCap: number | undefined;
}

/**
 * Read each unit's history (no lock). A unit that cannot be read is left out and its problems
 * collected, so a report can show the others. Also checks, by asking the servers, that no two
 * modules reach one database through different URLs.
 */
export async function readUnits(ws: Workspace, pool: TargetPool, units: readonly Unit[], o: ReadOptions): Promise<ReadResult> {
  const problems: Problem[] = [];
  const identities: { module: Module; identity: string | undefined }[] = [];
  let connectionCap: number | undefined;
  const usingOtherTools = new Set([...(o.creates?.otherToolTables.keys() ?? [])].map((key) => key.slice(0, key.indexOf('\u0000'))));
  const readOne = async (unit: Unit): Promise<UnitRead | undefined> => {
    if (o.readOnly && notCreatedYet(unit.target)) return { unit, state: unitState(unit, undefined, ws.rel), created: false };
    try {
      return await withTarget(pool, unit, async (db) => {
        const { state, foreign } = await readUnitState(db, unit, ws, { resume: o.resume ?? false, underLock: false, otherTools: usingOtherTools.has(unit.module.name) });
        if (unit.tenant === undefined) identities.push({ module: unit.module, identity: await db.identity() });
        // How many units may run at once matters only when there are several (a round trip, and
        // pg_stat_activity costs the server a few ms in a new session).
        if (db.kind === 'postgres' && connectionCap === undefined && units.length > 1) {
          const free = await db.connectionHeadroom();
          if (free !== undefined) connectionCap = Math.max(1, Math.floor(free / 2));
        }
        return { unit, state, created: true, serverVersion: db.serverVersion, ...(db.readOnly ? { readOnly: db.readOnly } : {}), otherToolTables: foreign.map((f) => f.table) };
      });
    } catch (e) {
      // The problem itself when it names its module: a copy would lose what groupAlike tells together.
      if (e instanceof BulkheadError) problems.push(...e.problems.map((p) => (p.module ? p : { ...p, module: unit.id })));
      else {
        const table = `${unit.history.schema}.${unit.history.table}`;
        problems.push(
          problem('BH020', `cannot read history table ${table} in ${unit.target.display}: ${(e as Error).message}`, {
            module: unit.id,
            file: unit.module.file,
            fix: `check that the URL's user may read ${table} (and use its schema)`,
          }),
        );
      }
      return undefined;
    }
  };
  // The first unit alone: it tells how many connections the server has to spare.
  const [first, ...rest] = units;
  const reads = first ? [await readOne(first)] : [];
  reads.push(...(await mapLimit(rest, Math.min(READ_CONCURRENCY, connectionCap ?? READ_CONCURRENCY), readOne)));

  // Two URLs written differently may still lead to one database: ask the servers — also about
  // modules outside this run that name the same database (a socket path, an alias, a proxy port).
  const peers = await mapLimit(identityPeers(ws, units), READ_CONCURRENCY, async (module) => {
    try {
      return await withTarget(pool, moduleUnit(module), async (db) => ({ module, identity: await db.identity() }));
    } catch {
      return { module, identity: undefined };
    }
  });
  problems.push(...checkServerIdentities([...identities, ...peers]));
  return { reads: reads.filter((r): r is UnitRead => r !== undefined), problems, connectionCap };
}

/** Modules outside the run on a server whose database name matches one of the run's, but whose URL differs. */
function identityPeers(ws: Workspace, units: readonly Unit[]): Module[] {
  const inRun = new Set(units.map((u) => u.module.name));
  const names = new Map<string, Set<string>>();
  for (const u of units) {
    if (u.tenant !== undefined || u.target.kind !== 'postgres') continue;
    (names.get(u.target.database) ?? names.set(u.target.database, new Set()).get(u.target.database)!).add(databaseIdentity(u.target));
  }
  return ws.modules.filter((m) => {
    if (inRun.has(m.name) || m.target.kind !== 'postgres' || m.manifest.tenants) return false;
    const same = names.get(m.target.database);
    return same !== undefined && !same.has(databaseIdentity(m.target));
  });
}

/**
 * Load and check every migration the plan would run, once per module (tenants share files).
 * TS/JS migrations are imported here; SQL is parsed with the real parser.
 */
export async function parseSelected(ws: Workspace, reads: readonly UnitRead[], intent: Intent, into = new Map<string, Prepared>()): Promise<Parsed> {
  for (const { unit, state } of reads) {
    for (const m of select(unit, state, intent, ws.rel).run) {
      const key = parseKey(unit.module.name, m.id, intent.direction);
      if (!into.has(key)) into.set(key, await prepareMigration(unit.module.name, m, intent.direction, ws.rel));
    }
  }
  return into;
}

/**
 * Of the extensions and roles the migrations each unit would run name (CREATE EXTENSION, GRANT …
 * TO, OWNER TO, …), and of the tables and views they use that no migration makes, those its
 * server has: one query per unit whose migrations name some, none for the others. The plan
 * refuses, before anything runs, what would fail for want of them.
 */
export async function readCatalogs(ws: Workspace, pool: TargetPool, reads: readonly UnitRead[], parsed: Parsed, intent: Intent, creates?: Pick<ModuleCreates, 'unmadeRelations'>): Promise<UnitRead[]> {
  // Schema tenants share their database (and every database its server's roles): asked once per database and names.
  const asked = new Map<string, Promise<CatalogNames<ReadonlySet<string>> | undefined>>();
  return mapLimit(reads, READ_CONCURRENCY, async (read) => {
    if (read.unit.target.kind === 'pglite') return embeddedCatalog(pool, read, parsed, intent, creates, ws);
    if (read.unit.target.kind !== 'postgres' || !read.created) return read;
    const extensions = new Set<string>();
    const roles = new Set<string>();
    // Extensions whose types, functions or operator classes the statements use: whether the database has them.
    const used = new Set<string>();
    // Tables and views the migrations use that none makes: whether the database has them (BH074).
    const run = select(read.unit, read.state, intent, ws.rel).run;
    const relations = unmadeRelationsToAsk(read.unit.module.name, run, parsed, intent, creates);
    for (const m of run) {
      const p = parsed.get(parseKey(read.unit.module.name, m.id, intent.direction));
      if (!p?.ok || p.runnable.step.format !== 'sql') continue;
      for (const st of p.runnable.step.statements) {
        for (const ext of st.node.extname === undefined ? (st.node.extensions ?? []) : [st.node.extname]) extensions.add(ext);
        for (const r of st.node.roles ?? []) roles.add(r);
        for (const u of st.node.uses ?? []) used.add(u.extension);
      }
    }
    // The declared extensions db create makes, when the unit has something to run: a database
    // made without db create (or before the extension was declared) lacks them.
    const declared = run.length && intent.direction === 'up' ? [...extensionsLeftToDbCreate(read.unit.module)].sort() : [];
    for (const ext of declared) extensions.add(ext);
    if (!extensions.size && !roles.size && !used.size && !relations.size) return read;
    const installed = [...new Set([...declared, ...used])].sort();
    const names = { extensions: [...extensions].sort(), roles: [...roles].sort(), ...(installed.length ? { installed } : {}), ...(relations.size ? { relations: [...relations.keys()].sort() } : {}) };
    const key = `${read.unit.target.url}\u0000${JSON.stringify(names)}`;
    // A check before the run, not the run: a database that cannot answer (it read the history a
    // moment ago) leaves it to the run itself.
    if (!asked.has(key)) asked.set(key, withTarget(pool, read.unit, (db) => db.catalog(names)).catch(() => undefined));
    const catalog = await asked.get(key)!;
    return catalog ? { ...read, catalog, ...(declared.length ? { leftToDbCreate: declared } : {}), ...namedInCode(relations, catalog) } : read;
  });
}

/** A table or view a pending migration uses that no migration makes: the first migration that uses it, and the name as written. */
type UnmadeUse = { migration: MigrationFile; name: string };

/**
 * The tables and views an up's pending SQL migrations of a unit use that no migration makes, by
 * lower-case name, each with its first use (`run`: the unit's pending migrations, in order).
 */
function unmadeRelationsToAsk(module: string, run: readonly MigrationFile[], parsed: Parsed, intent: Intent, creates: Pick<ModuleCreates, 'unmadeRelations'> | undefined): Map<string, UnmadeUse> {
  const relations = new Map<string, UnmadeUse>();
  if (intent.direction !== 'up' || !creates) return relations;
  for (const m of run) {
    const p = parsed.get(parseKey(module, m.id, intent.direction));
    if (!p?.ok || p.runnable.step.format !== 'sql') continue;
    for (const u of creates.unmadeRelations.get(`${module}\u0000${m.id}`) ?? []) {
      const key = u.name.toLowerCase();
      if (!relations.has(key)) relations.set(key, { migration: m, name: u.name });
    }
  }
  return relations;
}

/**
 * An embedded database's catalog, as far as it is asked: the tables and views the unit's pending
 * SQL migrations use that no migration makes (BH074; its extensions and roles are its build's,
 * known without asking). One not made yet (plan before the first up) is a copy of the empty
 * template: it has none of them.
 */
async function embeddedCatalog(pool: TargetPool, read: UnitRead, parsed: Parsed, intent: Intent, creates: Pick<ModuleCreates, 'unmadeRelations'> | undefined, ws: Workspace): Promise<UnitRead> {
  const relations = unmadeRelationsToAsk(read.unit.module.name, select(read.unit, read.state, intent, ws.rel).run, parsed, intent, creates);
  if (!relations.size) return read;
  const catalog = read.created
    ? await withTarget(pool, read.unit, (db) => db.catalog({ extensions: [], roles: [], relations: [...relations.keys()].sort() })).catch(() => undefined)
    : { extensions: new Set<string>(), roles: new Set<string>(), relations: new Set<string>() };
  return catalog ? { ...read, catalog, ...namedInCode(relations, catalog) } : read;
}

/**
 * Of the tables a unit's pending migrations use that no migration makes and its database lacks,
 * those named by another tool's code migration before their first use (hatchet's goose .go files,
 * which Bulkhead does not run): the fix says which. Files are read only for what is missing.
 */
function namedInCode(relations: ReadonlyMap<string, UnmadeUse>, catalog: CatalogNames<ReadonlySet<string>>): Pick<UnitRead, 'namedInCode'> {
  const named = new Map<string, string>();
  for (const [key, { migration, name }] of relations) {
    if (catalog.relations?.has(key)) continue;
    const script = codeMigrationBefore(path.dirname(migration.upPath), migration.version, name);
    if (script) named.set(key, script);
  }
  return named.size ? { namedInCode: named } : {};
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
