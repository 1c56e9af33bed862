import type { Problem } from '../errors.js';
import type { Direction, Prepared, Runnable } from '../runner/prepare.js';
import { migrationsOf, type Workspace } from '../workspace.js';
import { select, type Intent, type UnitState } from './plan.js';
import { checkRequiresStatic, parseRequirement } from './requires.js';
import { groupAlike, markAlike, problem, type Alike } from '../errors.js';
import { endsOf, listed, plural, sqlName } from '../text.js';
import type { Unit } from './units.js';
import type { VersionNeed } from '../analysis/versions.js';
import { extensionAt, type Statement } from '../analysis/statements.js';
import { definedByModule } from '../analysis/extension-uses.js';
import { baseSchemaFix, codeMigrationFix, databaseExtensions, laterCreatorFix, madeElsewhereFix, missingDownFix, type ModuleCreates, emptyDown, type OtherToolTableUse, type RelationUse } from '../analysis/migrations.js';
import type { Touch } from '../analysis/objects.js';
import type { CatalogNames, ReadOnlyReason } from '../db/types.js';
import { describeReadOnly, readOnlyFix } from '../db/describe.js';
import { extensionPackage, makesNoRelations } from '../db/extensions.js';
import { embeddedExtensionAvailable } from '../db/embedded-extensions.js';
import { missingRoleFix, platformOf } from '../history/other-tools.js';

/** A unit as read from its database: its state, and whether its database exists yet. */
export interface UnitRead {
  unit: Unit;
  state: UnitState;
  /** False for an embedded database whose folder does not exist yet (nothing was read). */
  created: boolean;
  /** The server's release (server_version_num), when a server was read. */
  serverVersion?: number;
  /** Why the server runs the database's sessions read-only (a standby; default_transaction_read_only), when it does. */
  readOnly?: ReadOnlyReason;
  /** Of the extensions and roles its migrations name, those its server has (asked only where they name some: runner/read.ts readCatalogs). */
  catalog?: CatalogNames<ReadonlySet<string>>;
  /** The declared extensions no migration of the module creates, asked of its database (catalog.installed says which it has). */
  leftToDbCreate?: readonly string[];
  /** Other tools' history tables its database has (`schema.table`), when it was read. */
  otherToolTables?: readonly string[];
  /**
   * Of the tables its pending migrations use that no migration makes and the database lacks, those
   * another tool's code migration before the first use names (hatchet's goose .go files), with it.
   */
  namedInCode?: ReadonlyMap<string, string>;
}

/** Migrations loaded for one direction, keyed by `parseKey`: parsed once per module, shared by its tenants. */
export type Parsed = ReadonlyMap<string, Prepared>;

export function parseKey(module: string, id: string, direction: Direction): string {
  return `${module}\u0000${id}\u0000${direction}`;
}

/** What one unit would do: its steps in order, what it holds back and why, and what stops it. */
export interface UnitPlan {
  readonly unit: Unit;
  readonly state: UnitState;
  /** The migrations to run, in order, loaded and checked. */
  readonly steps: readonly Runnable[];
  readonly held: readonly { id: string; why: string }[];
  readonly problems: readonly Problem[];
  /** One of the first `--canary N` tenants of its module (the others wait for them). */
  readonly canary: boolean;
  /**
   * Declared extensions its database lacks and its server has (made without db create): up
   * creates them, under the unit's lock, before its first migration, as db create would.
   */
  readonly createExtensions?: readonly string[];
}

/**
 * Everything a command knows before it changes anything, frozen: per unit the ordered steps,
 * and which units must finish before which. `plan`, `status` and dry runs render it; `up` and
 * `down` hand it to the one executor.
 */
export interface Plan {
  readonly intent: Intent;
  /** Units in dependency order of their modules (tenants in listed order); reversed for `down`. */
  readonly units: readonly UnitPlan[];
  /** Unit id → the units that must be done first: dependencies (dependents for `down`), and canaries. */
  readonly waitsFor: ReadonlyMap<string, readonly string[]>;
  /** Every problem found, each once: the plan cannot run while there is one. */
  readonly problems: readonly Problem[];
}

export interface PlanInput {
  ws: Workspace;
  intent: Intent;
  /** Every unit of the run, in dependency order of their modules. */
  reads: readonly UnitRead[];
  parsed: Parsed;
  /** Applied migration ids of modules outside the run (for `requires`), per module. */
  outside?: ReadonlyMap<string, ReadonlySet<string>>;
  /** Tenants of each module that go first; the others wait for them and are skipped if one fails. */
  canary?: number;
  /** `down`: applied migrations of the run's modules and of their dependents, with their `requires`. */
  applied?: readonly AppliedRequirement[];
  /** What each module's migrations create: a built-in function of a created name is the module's own, not the server's to have. */
  creates?: ModuleCreates;
}

/** An applied migration and what it requires (for refusing a `down` that would pull its ground away). */
export interface AppliedRequirement {
  unit: string;
  module: string;
  id: string;
  file: string;
  requires: readonly string[];
}

/** Build the plan. Pure: the workspace, each unit's state and the parsed migrations in, a frozen plan out. */
export function buildPlan(input: PlanInput): Plan {
  const { ws, intent, parsed } = input;
  const problems: Problem[] = [];
  const once = new Set<string>();
  const add = (list: readonly Problem[]) => {
    for (const p of list) {
      const key = `${p.code}\u0000${p.module}\u0000${p.file}\u0000${p.line}\u0000${p.message}`;
      if (!once.has(key)) {
        once.add(key);
        problems.push(p);
      }
    }
  };
  // Down reverses the order of modules (dependents first); a module's tenants keep their listed order.
  const ordered = intent.direction === 'up' ? input.reads : reverseModules(input.reads);
  const canaries = new Map<string, string[]>();
  // Canaries are the first tenants in the listed order, not the run's (down reverses the run).
  const listed = new Map<Unit, number>();
  const seen = new Map<string, number>();
  for (const r of input.reads) {
    const n = seen.get(r.unit.module.name) ?? 0;
    listed.set(r.unit, n);
    seen.set(r.unit.module.name, n + 1);
  }
  /** Every migration the run would apply or revert, loadable or not. */
  const selected: { unit: string; module: string; id: string }[] = [];
  const units: UnitPlan[] = ordered.map(({ unit, state, serverVersion, readOnly, catalog, leftToDbCreate, created, otherToolTables, namedInCode }) => {
    const creates = input.creates;
    const selection = select(unit, state, intent, ws.rel, creates && ((m) => missingDownFix(m, creates.upChanges, unit.module.name)));
    const unitProblems = [...state.problems, ...selection.problems];
    const steps: Runnable[] = [];
    for (const m of selection.run) {
      selected.push({ unit: unit.id, module: unit.module.name, id: m.id });
      const p = parsed.get(parseKey(unit.module.name, m.id, intent.direction));
      if (!p) throw new Error(`internal: ${unit.module.name} ${m.id} (${intent.direction}) was not parsed before planning`);
      if (p.ok) steps.push(p.runnable);
      else unitProblems.push(...p.problems);
    }
    if (intent.direction === 'up') {
      for (const r of steps) unitProblems.push(...checkRequiresStatic(ws, unit.module, r.file.id, ws.rel(r.file.upPath), r.requires));
    } else if (input.creates) {
      unitProblems.push(...emptyDowns(unit, steps, input.creates.upChanges, ws.rel));
    }
    if (input.creates) unitProblems.push(...failsAsWritten(unit, steps, intent.direction, input.creates.defects).map((p) => tenantsAlike(unit, p)));
    // What the database lacks for the migrations (a newer release's SQL, an extension, a role).
    const lacking = [
      ...(readOnly && steps.length ? [readOnlyDatabase(unit, readOnly, ws.rel)] : []),
      ...(serverVersion !== undefined ? newerThanServer(unit, steps, serverVersion, ws.rel, input.creates?.functions.get(unit.module.name)) : []),
      ...missingExtensions(unit, steps, catalog?.extensions, serverVersion, ws.rel),
      ...(steps.length ? declaredUnavailable(unit, leftToDbCreate ?? [], catalog, serverVersion, ws.rel) : []),
      ...unprovidedExtensions(unit, steps, catalog?.installed, input.creates, ws, serverVersion),
      ...(input.creates ? missingRoles(unit, steps, rolesOf(unit, created, catalog), input.creates.roles, ws.rel) : []),
      ...(input.creates ? missingOtherToolTables(unit, steps, created ? otherToolTables : [], input.creates.otherToolTables, ws.rel) : []),
      ...(input.creates && intent.direction === 'up' && catalog?.relations ? missingRelations(unit, steps, catalog.relations, input.creates.unmadeRelations, ws.rel, namedInCode) : []),
    ];
    unitProblems.push(...lacking.map((p) => tenantsAlike(unit, p)));
    add(unitProblems);
    let canary = false;
    if (unit.tenant !== undefined && input.canary) {
      const list = canaries.get(unit.module.name) ?? canaries.set(unit.module.name, []).get(unit.module.name)!;
      canary = listed.get(unit)! < input.canary;
      if (canary) list.push(unit.id);
    }
    const createExtensions = steps.length && intent.direction === 'up' && catalog?.installed ? (leftToDbCreate ?? []).filter((ext) => !catalog.installed!.has(ext) && catalog.extensions.has(ext)) : [];
    return Object.freeze({ unit, state, steps: Object.freeze(steps), held: Object.freeze(selection.held), problems: Object.freeze(unitProblems), canary, ...(createExtensions.length ? { createExtensions: Object.freeze(createExtensions) } : {}) });
  });
  if (intent.direction === 'up') add(requiresProblems(ws, units, input.outside ?? new Map(), intent.to));
  else add(downProtection(selected, input.applied ?? []));

  const byModule = new Map<string, string[]>();
  for (const u of units) (byModule.get(u.unit.module.name) ?? byModule.set(u.unit.module.name, []).get(u.unit.module.name)!).push(u.unit.id);
  const dependents = new Map<string, string[]>();
  for (const m of ws.modules) for (const d of m.manifest.dependsOn) (dependents.get(d) ?? dependents.set(d, []).get(d)!).push(m.name);
  const waitsFor = new Map<string, readonly string[]>();
  for (const u of units) {
    const module = u.unit.module;
    const before = intent.direction === 'up' ? module.manifest.dependsOn : (dependents.get(module.name) ?? []);
    const ids = before.flatMap((name) => byModule.get(name) ?? []);
    if (!u.canary && u.unit.tenant !== undefined) ids.push(...(canaries.get(module.name) ?? []));
    waitsFor.set(u.unit.id, Object.freeze(ids));
  }
  return Object.freeze({ intent, units: Object.freeze(units), waitsFor, problems: Object.freeze(groupAlike(problems)) });
}

/**
 * Downs without statements whose up changes the schema (diesel writes an empty down.sql;
 * vaultwarden keeps twenty): reverting one would only delete its history row and leave what its
 * up made, for the next up to fail on. Refused before anything is reverted (see emptyDown).
 */
function emptyDowns(unit: Unit, steps: readonly Runnable[], changes: ReadonlyMap<string, readonly Touch[]>, rel: (abs: string) => string): Problem[] {
  const problems: Problem[] = [];
  for (const r of steps) {
    const e = emptyDown(r, changes, unit.module.name);
    if (!e) continue;
    const one = problem('BH028', `cannot revert ${r.file.id}: ${e.down} ${e.does}, and its up ${e.leaves}`, {
      module: unit.id,
      file: rel(r.step.path),
      fix: `write in ${e.writeIn} what undoes its up: reverting it as it is would delete its history row and leave what the up made, for the next up to fail on; where that should stay, leave ${r.file.id} applied and make the change with a new migration`,
    });
    // A set that writes its downs empty (vaultwarden's twenty), or a module's tenants: told as one
    // in text, each in --json.
    problems.push(
      markAlike(one, `empty-down\u0000${unit.module.name}`, { id: r.file.id, tenant: unit.tenant }, (each) => {
        const ids = [...new Set(each.map((x) => x.data.id))];
        const tenants = new Set(each.map((x) => x.data.tenant).filter((t) => t !== undefined));
        return problem('BH028', `cannot revert ${plural(ids.length, 'migration')} whose ${ids.length === 1 ? 'down does' : 'downs do'} nothing while ${ids.length === 1 ? 'its up changes' : 'their ups change'} the schema (${endsOf(ids)})${tenants.size ? `, in ${plural(tenants.size, 'tenant')}` : ''}`, {
          module: tenants.size ? `${unit.module.name}@{${listed([...tenants] as string[])}}` : unit.id,
          file: rel(unit.module.migrationsDir),
          fix: 'write in each down what undoes its up (bulkhead down --json lists each, with what its up does): reverting them as they are would delete their history rows and leave what the ups made, for the next up to fail on',
        });
      }, { textOnly: true }),
    );
  }
  return problems;
}

/**
 * A database the server runs read-only (a read replica's URL; default_transaction_read_only set
 * for it or the role): every migration would fail, "cannot execute … in a read-only transaction".
 */
function readOnlyDatabase(unit: Unit, why: ReadOnlyReason, rel: (abs: string) => string): Problem {
  return problem('BH072', `${unit.target.display} is read-only: ${describeReadOnly(why)}, so no migration can run there`, {
    module: unit.id,
    file: rel(unit.module.file),
    field: 'database.url',
    fix: readOnlyFix(why),
  });
}

/**
 * SQL the server's release does not have (analysis/versions.ts): it would fail there mid-run,
 * after the migrations before it committed — typically a migration written and tried on the
 * embedded default (a recent PostgreSQL), deployed to an older server. Refused before anything
 * runs, once per migration, at its first such statement.
 */
export function newerThanServer(unit: Unit, steps: readonly Runnable[], serverVersion: number, rel: (abs: string) => string, own: ReadonlySet<string> = new Set()): Problem[] {
  const major = Math.floor(serverVersion / 10000);
  const problems: Problem[] = [];
  // A built-in the module defines itself (a uuidv7() of its own) is not the server's to have.
  const newer = (need: VersionNeed) => need.version > major && !(need.func && own.has(need.func));
  for (const r of steps) {
    if (r.step.format !== 'sql') continue;
    const st = r.step.statements.find((s) => s.node.needs?.some(newer));
    if (!st) continue;
    const { version, what } = st.node.needs!.filter(newer).reduce((a, b) => (b.version > a.version ? b : a));
    problems.push(
      problem('BH058', `${r.file.id} uses ${what}, which needs PostgreSQL ${version}; the server (${unit.target.display}) runs PostgreSQL ${major}`, {
        module: unit.id,
        file: rel(r.step.path),
        line: st.line,
        fix: `rewrite it for PostgreSQL ${major} (Bulkhead's parser and the embedded default accept newer SQL than this server), or upgrade the server first; bulkhead lint --pg-version ${major} finds every such statement`,
      }),
    );
  }
  return problems;
}

/**
 * CREATE EXTENSION of an extension the database cannot load: the migration would fail there
 * mid-run, after the ones before it committed. An embedded database loads only the extensions
 * its manifest declares (and PL/pgSQL); a server, those pg_available_extensions lists (or that
 * it has). Told per extension, at the first migration that creates it.
 */
function missingExtensions(unit: Unit, steps: readonly Runnable[], available: ReadonlySet<string> | undefined, serverVersion: number | undefined, rel: (abs: string) => string): Problem[] {
  const embedded = unit.target.kind === 'pglite';
  const declared = unit.module.manifest.extensions;
  const has = embedded ? new Set(['plpgsql', ...declared]) : available;
  if (!has) return [];
  const missing = [...firstNamed(steps, extensionOf, extensionLine)].filter(([name]) => !has.has(name));
  const manifest = rel(unit.module.file);
  // An extension PGlite has no build of (supabase's pgjwt) is not fixed by declaring it (BH049 next).
  const loadable = (n: string) => !embedded || embeddedExtensionAvailable(n);
  const all = [...declared, ...missing.map(([n]) => n).filter((n) => !declared.includes(n) && loadable(n))];
  return missing.map(([name, { r, line }]) =>
    problem(
      'BH063',
      !embedded
        ? `${r.file.id} creates extension ${name}, which the server (${unit.target.display}) does not have (pg_available_extensions does not list it)`
        : loadable(name)
          ? `${r.file.id} creates extension ${name}, which the embedded database does not load: it loads only the extensions the module declares`
          : `${r.file.id} creates extension ${name}, which the embedded database (PGlite: its contrib extensions and vector) cannot load`,
      {
        module: unit.id,
        file: rel(r.step.path),
        line,
        fix: !embedded
          ? `install it on the server: ${extensionPackage(name, serverVersion === undefined ? undefined : Math.floor(serverVersion / 10000))}; or point the module at a server that has it${declared.includes(name) ? '' : `; declaring it in ${manifest} ("extensions") lets bulkhead db create make it`}`
          : loadable(name)
            ? `declare it in ${manifest}: "extensions": [${all.map((n) => JSON.stringify(n)).join(', ')}]`
            : `point the module at a PostgreSQL server that has it (set the variable of its "database.url" in ${manifest}), or remove what uses it`,
      },
    ),
  );
}

/**
 * For `validate`, which opens no database: an embedded module's migrations creating an extension
 * it does not declare (BH063), which `up` would refuse. Known from the files alone — an embedded
 * database loads the declared extensions only — so told before anything connects.
 */
export function undeclaredEmbeddedExtensions(unit: Unit, ups: readonly Runnable[], rel: (abs: string) => string): Problem[] {
  return unit.target.kind === 'pglite' ? missingExtensions(unit, ups, undefined, undefined, rel) : [];
}

/**
 * For `validate` (no database): an embedded module's migrations using a type, function or
 * operator class of an extension it neither declares nor creates — its database cannot have it.
 */
export function unprovidedEmbeddedExtensions(unit: Unit, ups: readonly Runnable[], creates: ModuleCreates, ws: Workspace): Problem[] {
  return unit.target.kind === 'pglite' ? unprovidedExtensions(unit, ups, undefined, creates, ws) : [];
}

/**
 * For a scratch database (verify's): it has the declared extensions and those the migrations
 * create, nothing else — a use of any other extension fails there.
 */
export function unprovidedOnScratch(unit: Unit, steps: readonly Runnable[], creates: ModuleCreates, ws: Workspace, serverVersion?: number): Problem[] {
  return unprovidedExtensions(unit, steps, new Set(), creates, ws, serverVersion);
}

/**
 * A type, function or operator class of a well-known extension (analysis/extension-uses.ts: a
 * citext column, uuid_generate_v4(), chirpstack's gin_trgm_ops) that the database lacks and
 * nothing provides: not declared (db create and up make those), not created by a migration of the
 * module, not in the database (`installed`: a server database's, as asked for these uses). Many
 * sets expect it from a docker init script; the migration would fail mid-run, after the ones
 * before it committed. An embedded database has exactly the declared ones and those its
 * migrations create; a server's is judged only once asked. Told per extension, at its first use.
 */
function unprovidedExtensions(unit: Unit, steps: readonly Runnable[], installed: ReadonlySet<string> | undefined, creates: ModuleCreates | undefined, ws: Workspace, serverVersion?: number): Problem[] {
  const embedded = unit.target.kind === 'pglite';
  if (!creates || (!embedded && !installed)) return [];
  const name = unit.module.name;
  const declared = unit.module.manifest.extensions;
  const rel = ws.rel;
  const has = new Set([...databaseExtensions(unit.module, ws.modules, creates.extensions), ...(installed ?? [])]);
  const ownFunctions = creates.functions.get(name);
  const ownTypes = creates.types.get(name);
  const manifest = rel(unit.module.file);
  const problems: Problem[] = [];
  for (const r of steps) {
    if (r.step.format !== 'sql') continue;
    for (const st of r.step.statements) {
      for (const u of st.node.uses ?? []) {
        if (has.has(u.extension) || definedByModule(u, ownFunctions, ownTypes)) continue;
        has.add(u.extension);
        const loadable = !embedded || embeddedExtensionAvailable(u.extension);
        problems.push(
          problem('BH070', `${r.file.id} uses ${u.what}, which comes from the extension ${u.extension}: ${embedded ? 'the embedded database loads only the extensions the module declares' : `${unit.target.display} does not have it`}, and no migration of ${name} creates it`, {
            module: unit.id,
            file: rel(r.step.path),
            line: st.line,
            fix: !loadable
              ? `the embedded database (PGlite) cannot load ${u.extension}: point the module at a PostgreSQL server that has it (set the variable of its "database.url" in ${manifest})`
              : `declare it in ${manifest}: "extensions": [${[...new Set([...declared, u.extension])].map((e) => JSON.stringify(e)).join(', ')}] (${embedded ? 'the embedded database then loads it' : `up and db create then make it; the server needs its package: ${extensionPackage(u.extension, serverVersion === undefined ? undefined : Math.floor(serverVersion / 10000))}`}), or create it in an earlier migration: CREATE EXTENSION IF NOT EXISTS ${sqlName(u.extension)}`,
          }),
        );
      }
    }
  }
  return problems;
}

/**
 * Declared extensions (those no migration of the module creates) that the database lacks and its
 * server cannot give it: the migrations would fail at the first use of the extension's types or
 * functions, with earlier ones applied. (One the server has, up creates: createExtensions.)
 */
function declaredUnavailable(unit: Unit, declared: readonly string[], catalog: CatalogNames<ReadonlySet<string>> | undefined, serverVersion: number | undefined, rel: (abs: string) => string): Problem[] {
  if (!catalog?.installed) return [];
  const manifest = rel(unit.module.file);
  return declared
    .filter((ext) => !catalog.installed!.has(ext) && !catalog.extensions.has(ext))
    .map((ext) =>
      problem('BH049', `${unit.module.name} declares extension ${ext}, which ${unit.target.display} does not have, nor its server (pg_available_extensions does not list it)`, {
        module: unit.id,
        file: manifest,
        field: 'extensions',
        fix: `install it on the server (${extensionPackage(ext, serverVersion === undefined ? undefined : Math.floor(serverVersion / 10000))}); or remove it from "extensions" in ${manifest}`,
      }),
    );
}

/**
 * A pending TS/JS migration that fails as written wherever it runs — a knex builder it never
 * awaits, seen when the module's chain ran on a scratch database — refused before anything runs:
 * the run would apply the migrations before it and stop there (uptime-kuma's
 * 2025-02-17-2142-generalize-analytics, kutt's 20200510140704_domains). One already applied is
 * not asked about: what it did not do is past.
 */
function failsAsWritten(unit: Unit, steps: readonly Runnable[], direction: Direction, defects: ModuleCreates['defects']): Problem[] {
  return steps.flatMap((r) => {
    const d = defects.get(`${unit.module.name}\u0000${r.file.id}\u0000${direction}`);
    if (!d) return [];
    return [
      problem('BH073', `${r.file.id} fails as written, wherever it runs: ${d.message} (its ${direction} ran on a scratch database before anything ran here)`, {
        module: unit.id,
        file: d.file,
        ...(d.line ? { line: d.line } : {}),
        fix: `await the builder (or return it) in ${r.file.id}'s ${direction}; knex's own migrator would have skipped it silently, so a database knex migrated never ran it either`,
      }),
    ];
  });
}

/**
 * A tenant's problem that its module's other tenants share (same code, file, line and cause, on
 * whichever of their databases): told once in text, naming the tenants (JSON keeps each).
 */
function tenantsAlike(unit: Unit, p: Problem): Problem {
  if (unit.tenant === undefined) return p;
  const cause = p.message.split(unit.target.display).join('');
  return markAlike(p, `tenants\u0000${p.code}\u0000${unit.module.name}\u0000${p.file}\u0000${p.line}\u0000${cause}`, unit.tenant, (all: readonly Alike<string>[]) => ({
    ...all[0]!.problem,
    module: `${unit.module.name}@{${listed(all.map((a) => a.data))}}`,
    message: `${all[0]!.problem.message} (${all.length} tenants alike)`,
  }), { textOnly: true });
}

/** Each name the SQL statements of these steps give, with the first step and line that gives it. */
function firstNamed(steps: readonly Runnable[], names: (st: Statement) => readonly string[], lineOf: (st: Statement, name: string) => number = (st) => st.line): Map<string, { r: Runnable; line: number }> {
  const first = new Map<string, { r: Runnable; line: number }>();
  for (const r of steps) {
    if (r.step.format !== 'sql') continue;
    for (const st of r.step.statements) for (const name of names(st)) if (!first.has(name)) first.set(name, { r, line: lineOf(st, name) });
  }
  return first;
}

/** The line that creates an extension: a DO block's CREATE EXTENSION inside it, else the statement's. */
const extensionLine = (st: Statement, name: string): number => {
  const at = st.node.extname === undefined ? extensionAt(st.text, name) : undefined;
  return at === undefined ? st.line : st.line + (st.text.slice(0, at).match(/\n/g)?.length ?? 0);
};

/** The extension a statement creates, as firstNamed takes names. */
const extensionOf = (st: Statement): readonly string[] => (st.node.extname === undefined ? (st.node.extensions ?? []) : [st.node.extname]);

/** The roles a new embedded database has: its superuser, and PostgreSQL's predefined pg_* roles. */
const EMBEDDED_ROLES: Pick<ReadonlySet<string>, 'has'> = { has: (name) => name === 'postgres' || name.startsWith('pg_') };

/**
 * The roles a unit's database is known to have: a new embedded one (a folder not made yet, or
 * in memory) its own few; a server what its catalog said; otherwise unknown (no check).
 */
function rolesOf(unit: Unit, created: boolean, catalog: UnitRead['catalog']): Pick<ReadonlySet<string>, 'has'> | undefined {
  if (unit.target.kind === 'pglite') return !created || unit.target.dir === undefined ? EMBEDDED_ROLES : undefined;
  return catalog?.roles;
}

/**
 * A role a statement names (GRANT … TO, OWNER TO, a policy's TO, SET ROLE) that the server does
 * not have and no migration creates: the migration would fail mid-run, after the ones before it
 * committed. Roles a migration creates anywhere (DO blocks and TS migrations too, any module's:
 * roles are the server's) count as made, as do those named beside a CREATE ROLE in a file of the
 * run (made by dynamic SQL) and those prefixed by an extension the run creates (pgsodium's
 * pgsodium_keyholder). Told per role, at the first migration that names it.
 */
function missingRoles(unit: Unit, steps: readonly Runnable[], has: Pick<ReadonlySet<string>, 'has'> | undefined, created: ReadonlySet<string>, rel: (abs: string) => string): Problem[] {
  if (!has) return [];
  const extensions = [...firstNamed(steps, extensionOf).keys()];
  const missing = [...firstNamed(steps, (st) => st.node.roles ?? [])].filter(([name]) => !has.has(name) && !created.has(name) && !extensions.some((e) => name.startsWith(e)));
  if (!missing.length) return [];
  // Made by dynamic SQL (EXECUTE format('CREATE ROLE %I', …)): a file of the run that creates roles and names it.
  // (A CREATE ROLE statement itself makes only its own role, counted already: a role it names IN ROLE or ADMIN is not made by it.)
  const texts = steps.flatMap((r) => (r.step.format === 'sql' ? r.step.statements.filter((st) => st.kind !== 'CreateRoleStmt').map((st) => st.text) : [])).filter((t) => /\bcreate\s+(role|user|group)\b/i.test(t));
  const embedded = unit.target.kind === 'pglite';
  return missing
    .filter(([name]) => !texts.some((t) => t.toLowerCase().includes(name.toLowerCase())))
    .map(([name, { r, line }]) =>
      problem('BH064', `${r.file.id} uses role ${name}, which ${embedded ? 'a new embedded database does not have (it has postgres)' : `the server (${unit.target.display}) does not have`}, and no migration creates`, {
        module: unit.id,
        file: rel(r.step.path),
        line,
        fix: missingRoleFix(name),
      }),
    );
}

/**
 * A migration that alters, writes or reads another tool's history table (Harbor's ALTER TABLE
 * schema_migrations ADD COLUMN data_version) that no migration of its module creates and its
 * database does not have: only a database that tool migrated has it, so on this one the migration
 * would fail mid-run, after the ones before it committed. Unknown tables (a database not read) are
 * left to the run.
 */
function missingOtherToolTables(unit: Unit, steps: readonly Runnable[], has: readonly string[] | undefined, uses: ReadonlyMap<string, OtherToolTableUse>, rel: (abs: string) => string): Problem[] {
  if (!has) return [];
  const present = new Set(has.map((t) => t.toLowerCase()));
  const bare = new Set(has.map((t) => t.slice(t.indexOf('.') + 1).toLowerCase()));
  // Per table, every migration of the run that uses it (Harbor's 0030 adds a column, 0040 drops it).
  const byTable = new Map<string, { r: Runnable; use: OtherToolTableUse }[]>();
  for (const r of steps) {
    const use = uses.get(`${unit.module.name}\u0000${r.file.id}`);
    if (!use || (use.table.includes('.') ? present.has(use.table.toLowerCase()) : bare.has(use.table.toLowerCase()))) continue;
    (byTable.get(use.table) ?? byTable.set(use.table, []).get(use.table)!).push({ r, use });
  }
  return [...byTable].map(([table, all]) => {
    const [{ r, use }] = all as [{ r: Runnable; use: OtherToolTableUse }];
    const also = all.slice(1).map((a) => a.r.file.id);
    return problem('BH065', `${r.file.id} uses ${table}${also.length ? ` (so ${also.length === 1 ? 'does' : 'do'} ${listed(also)})` : ''}, which ${use.tool} keep${/ and /.test(use.tool) ? '' : 's'} history in: ${unit.target.display} does not have it (only a database that tool migrated does), and no migration of ${unit.module.name} creates it`, {
      module: unit.id,
      file: rel(r.step.path),
      line: use.line,
      fix: `Bulkhead keeps its own history (a table per module) and makes no other tool's: remove what the migration${also.length ? 's do' : ' does'} to ${table} (bookkeeping for the tool ${also.length ? 'they were' : 'it was'} written for), or create the table in an earlier migration if something still reads it. A database that tool already migrated has it: adopt it with bulkhead baseline`,
    });
  });
}

/**
 * Statements after which what exists is not known from the SQL: a call or a query may make tables
 * (create_hypertable's chunks, partman's partitions), as may a DO block (unless all it does is in
 * its text: Statement's node.shows), an extension not known to make none, an imported foreign
 * schema or an event trigger.
 */
const UNKNOWN_EFFECTS = new Set(['DoStmt', 'CallStmt', 'SelectStmt', 'ExecuteStmt', 'ImportForeignSchemaStmt', 'AlterExtensionStmt', 'AlterExtensionContentsStmt', 'CreateEventTrigStmt']);
/** pg_dump's own queries (a squashed migration opens with them): a setting, a sequence's value. */
const DUMP_QUERY = /^\s*SELECT\s+(?:pg_catalog\.)?(?:set_config|setval)\s*\([^;]*\)\s*$/i;
const unknownEffects = (st: Statement) =>
  (UNKNOWN_EFFECTS.has(st.kind) && !(st.kind === 'SelectStmt' && DUMP_QUERY.test(st.text)) && !(st.kind === 'DoStmt' && st.node.shows && (st.node.extensions ?? []).every(makesNoRelations))) ||
  (st.kind === 'CreateExtensionStmt' && !makesNoRelations(st.node.extname ?? ''));

/** A statement that runs whether or not what it names exists (ALTER TABLE IF EXISTS, CREATE TABLE IF NOT EXISTS … REFERENCES). */
const GUARDED = /\bIF\s+(?:NOT\s+)?EXISTS\b/i;

/**
 * Tables and views the pending migrations use (ALTER TABLE, INSERT, a view's FROM, REFERENCES)
 * that no migration of any module makes and the database does not have (in any schema): the
 * migration would fail there, after the ones before it committed — boundary's migrations insert
 * into log_migration, which its tool makes before them; a folder missing the base schema its
 * upgrades start from. Asked only up to the first statement whose effects the SQL does not show
 * (a DO block that may make tables unseen, a call, a query, a TS migration), and not for
 * statements guarded by IF [NOT] EXISTS.
 */
function missingRelations(unit: Unit, steps: readonly Runnable[], present: ReadonlySet<string>, uses: ReadonlyMap<string, readonly RelationUse[]>, rel: (abs: string) => string, namedInCode?: ReadonlyMap<string, string>): Problem[] {
  // A declared extension that may make tables (PostGIS's spatial_ref_sys) is made before the first
  // migration: its names are not known here.
  if (unit.module.manifest.extensions.some((e) => !makesNoRelations(e))) return [];
  const missing = new Map<string, { r: Runnable; use: RelationUse; before: number }[]>();
  for (const [i, r] of steps.entries()) {
    if (r.step.format !== 'sql') break;
    const statements = r.step.statements;
    const unknownFrom = statements.find(unknownEffects)?.line ?? Infinity;
    for (const use of uses.get(`${unit.module.name}\u0000${r.file.id}`) ?? []) {
      if (use.line >= unknownFrom || present.has(use.name.toLowerCase())) continue;
      const st = statements.findLast((x) => x.line <= use.line);
      if (st && GUARDED.test(st.text)) continue;
      const key = use.name.toLowerCase();
      (missing.get(key) ?? missing.set(key, []).get(key)!).push({ r, use, before: i });
    }
    if (unknownFrom !== Infinity) break;
  }
  const module = unit.module;
  return [...missing.values()].map((all) => {
    const [{ r, use, before }] = all as [{ r: Runnable; use: RelationUse; before: number }];
    const what = use.schema ? `${use.schema}.${use.name}` : use.name;
    const also = [...new Set(all.slice(1).map((a) => a.r.file.id))].filter((id) => id !== r.file.id);
    const first = module.migrations[0]?.id === r.file.id;
    const creator = use.madeBy === undefined ? undefined : module.migrations.find((m) => m.id === use.madeBy);
    return problem(
      'BH074',
      `${r.file.id} uses ${what}${also.length ? ` (so ${also.length === 1 ? 'does' : 'do'} ${listed(also)})` : ''}, which ${creator ? `only a later migration of ${module.name} creates (${creator.id})` : `no migration of ${module.name} creates`} and ${unit.target.display} does not have: it would fail there${before === 1 ? ', after the migration before it committed' : before ? `, after the ${before} migrations before it committed` : ''}`,
      {
        module: unit.id,
        file: rel(r.step.path),
        line: use.line,
        // A platform's (a Supabase project's REFERENCES auth.users): that the migrations expect it.
        fix:
          (use.schema && platformOf(use.schema, 'schema')) ||
          (creator
            ? laterCreatorFix(what, creator, r.file)
            : first
              ? baseSchemaFix(module.name, what, r.file.id, r.file.version)
              : namedInCode?.has(use.name.toLowerCase())
                ? codeMigrationFix(module.name, what, namedInCode.get(use.name.toLowerCase())!, r.file.id)
                : madeElsewhereFix(module.name, what, r.file.id)),
      },
    );
  });
}

/**
 * `requires` that no unit of the run, and no history outside it, satisfies. A required module
 * with tenants satisfies a requirement only when every one of its units has (or will have) it.
 */
function requiresProblems(ws: Workspace, units: readonly UnitPlan[], outside: ReadonlyMap<string, ReadonlySet<string>>, to: string | undefined): Problem[] {
  const willHave = new Map<string, Set<string>>();
  for (const u of units) {
    const has = new Set([...u.state.applied.map((a) => a.row.id), ...u.steps.map((r) => r.file.id)]);
    const name = u.unit.module.name;
    const prev = willHave.get(name);
    willHave.set(name, prev ? new Set([...prev].filter((id) => has.has(id))) : has);
  }
  const problems: Problem[] = [];
  for (const u of units) {
    for (const r of u.steps) {
      for (const t of r.requires) {
        const req = parseRequirement(t);
        if (!req) continue;
        const has = willHave.get(req.module) ?? outside.get(req.module);
        // A migration its module does not have is told as such (checkRequiresStatic), not as one to migrate first.
        const other = ws.byName.get(req.module);
        if (!has?.has(req.id) && other && migrationsOf(ws, other).some((m) => m.id === req.id)) {
          problems.push(
            problem('BH029', `${r.file.id} requires ${t}, which is not applied and not part of this run`, {
              module: u.unit.id,
              file: ws.rel(r.file.upPath),
              fix: `migrate ${req.module} first (bulkhead up ${req.module})${to === undefined ? '' : ', or run without --to'}`,
            }),
          );
        }
      }
    }
  }
  return problems;
}

/**
 * SPEC §3 in reverse: a `down` may not revert a migration that another module's applied migration
 * requires, unless the same run reverts that migration first (dependents go first in a down).
 */
function downProtection(reverted: readonly { unit: string; module: string; id: string }[], applied: readonly AppliedRequirement[]): Problem[] {
  const reverting = new Map<string, string>();
  const revertedHere = new Set<string>();
  for (const r of reverted) {
    reverting.set(`${r.module}:${r.id}`, r.module);
    revertedHere.add(`${r.unit}\u0000${r.id}`);
  }
  const problems: Problem[] = [];
  for (const a of applied) {
    if (revertedHere.has(`${a.unit}\u0000${a.id}`)) continue;
    for (const t of a.requires) {
      const module = reverting.get(t);
      if (!module || module === a.module) continue;
      const id = t.slice(t.indexOf(':') + 1);
      problems.push(
        problem('BH046', `cannot revert ${id}: ${a.unit}'s applied migration ${a.id} requires ${t}`, {
          module,
          file: a.file,
          fix: `revert ${a.id} of ${a.module} first (bulkhead down ${a.module} --to <the migration before it>), or revert both with bulkhead down ${module} ${a.module} --all`,
        }),
      );
    }
  }
  return problems;
}

/** Modules outside the run whose history `requires` needs (their units must be read too). */
export function modulesRequiredOutside(units: readonly Unit[], parsed: Parsed): string[] {
  const inRun = new Set(units.map((u) => u.module.name));
  const needed = new Set<string>();
  for (const p of parsed.values()) {
    if (!p.ok || p.runnable.direction !== 'up') continue;
    for (const t of p.runnable.requires) {
      const req = parseRequirement(t);
      if (req && !inRun.has(req.module)) needed.add(req.module);
    }
  }
  return [...needed];
}

function reverseModules(reads: readonly UnitRead[]): UnitRead[] {
  const groups: UnitRead[][] = [];
  for (const r of reads) {
    const last = groups.at(-1);
    if (last && last[0]!.unit.module === r.unit.module) last.push(r);
    else groups.push([r]);
  }
  return groups.reverse().flat();
}
