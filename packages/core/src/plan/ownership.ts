import { family, SERVER_WIDE, type Action, type ObjectKind, type Touch } from '../analysis/objects.js';
import { roleOf } from '../db/provision.js';
import { searchPath } from '../db/postgres.js';
import { databaseIdentity, serverIdentity } from '../db/url.js';
import { article, regexLiteral, sqlName, sqlQualified } from '../text.js';
import { markAlike, problem, type Alike, type Problem } from '../errors.js';
import type { Module } from '../workspace.js';

/**
 * Isolation in depth (SPEC §7), pure: given what each module's migrations do to database
 * objects, find a module that creates, alters, drops or writes another module's object (by
 * `owns`, or because the other module's migrations create it), creates objects outside its own
 * `owns`, or references another module's objects or schema. Objects are compared by kind and
 * schema-qualified name whether the modules share a database or not: seed 004's query module
 * created the storage module's tables in its own database.
 */

/** One direction of one migration, analysed. */
export interface AnalysedMigration {
  module: string;
  id: string;
  /** Workspace-relative file the SQL comes from. */
  file: string;
  direction: 'up' | 'down';
  touches: readonly Touch[];
}

/** Objects `owns` patterns and the created-by map speak about: named schema objects. */
const OWNABLE = new Set<ObjectKind>([
  'table',
  'view',
  'materialized view',
  'relation',
  'sequence',
  'type',
  'function',
  'procedure',
  'collation',
  'text search configuration',
  'text search dictionary',
  'statistics',
  'conversion',
]);
/** Kinds that live on a table: touching one touches the table. */
const ON_TABLE = new Set<ObjectKind>(['trigger', 'policy', 'column']);
/** What a migration does to an object, as a message says it. */
const VERB: Record<Action, string> = { create: 'creates', alter: 'alters', drop: 'drops', write: 'writes to', reference: 'references' };
const SYSTEM_SCHEMAS = new Set(['pg_catalog', 'information_schema', 'pg_toast']);

interface Claim {
  module: string;
  pattern: string;
  /** Higher wins: an exact name beats any glob; a glob with more literal characters beats one with fewer. */
  specificity: number;
}

export function globToRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`);
}

function specificity(pattern: string): number {
  return /[*?]/.test(pattern) ? pattern.replace(/[*?]/g, '').length : Number.MAX_SAFE_INTEGER;
}

/** The module's default schema: where its unqualified names resolve. */
export function moduleSchema(m: Module): string {
  return m.manifest.tenants?.kind === 'schema' ? `${m.name}@tenant` : m.schema;
}

/**
 * The fix of a change to another module's object. Where the name was unqualified and the module's
 * own migrations create an object of that name in another schema (supabase storage's tenant
 * migrations create storage.iceberg_namespaces, then alter iceberg_namespaces, run with the search
 * path storage, public), the module likely means its own: qualify the name, or give the module
 * that schema.
 */
function movedOrOwn(m: Module, owner: string, own: { schema: string; file: string; line: number } | undefined, name: string, unqualified: boolean): string {
  const move = `move this change into a migration of ${owner}`;
  if (!own || !unqualified) return move;
  return `${m.name}'s own ${own.file}:${own.line} creates ${own.schema}.${name}: if this means that one, the unqualified name finds the one ${owner} creates instead, as ${m.name}'s search path is ${searchPath(m.schema)} — qualify it (${own.schema}.${name}), or, if ${m.name}'s objects live in schema ${own.schema}, set "database": { "schema": "${own.schema}" } in ${m.file}; else ${move}`;
}

export function checkOwnership(modules: readonly Module[], analysed: readonly AnalysedMigration[], o: { subjects?: ReadonlySet<string> } = {}): Problem[] {
  return [...checkHistoryTables(modules, analysed, o), ...checkObjects(modules, analysed, o), ...extensionsInTenantSchemas(modules, analysed, o)];
}

/**
 * A module whose tenants are schemas, creating an extension it does not declare, without SCHEMA:
 * the first tenant to run it gets the extension in its own schema (the first on its search path),
 * and every other tenant's CREATE EXTENSION IF NOT EXISTS finds it made and cannot see its objects
 * (kratos' pg_trgm over five tenants: gin_trgm_ops "does not exist" for four of them). A declared
 * one is made once, in public, by db create (and the embedded database), where every tenant's
 * search path finds it.
 */
function extensionsInTenantSchemas(modules: readonly Module[], analysed: readonly AnalysedMigration[], o: { subjects?: ReadonlySet<string> }): Problem[] {
  const tenanted = new Map(modules.filter((m) => m.manifest.tenants?.kind === 'schema' && (!o.subjects || o.subjects.has(m.name))).map((m) => [m.name, m]));
  const found: { m: Module; a: AnalysedMigration; t: Touch }[] = [];
  for (const a of analysed) {
    const m = tenanted.get(a.module);
    if (!m || a.direction !== 'up') continue;
    for (const t of a.touches) if (t.kind === 'extension' && t.action === 'create' && t.schema === undefined && !m.manifest.extensions.includes(t.name)) found.push({ m, a, t });
  }
  // The fix names every extension the module must declare, whichever problem is read.
  const undeclared = (m: Module) => [...new Set([...m.manifest.extensions, ...found.filter((f) => f.m === m).map((f) => f.t.name)])];
  const problems: Problem[] = [];
  for (const { m, a, t } of found) {
    problems.push(
      problem('BH067', `${m.name} runs each migration once per tenant schema, and this one creates extension ${t.name}${t.context ? ` (in a ${t.context})` : ''} without SCHEMA: the first tenant to run it gets it in its own schema, and the others cannot see its types, functions and operators`, {
        module: m.name,
        file: a.file,
        line: t.line,
        column: t.column,
        fix: `declare it in ${m.file} ("extensions": [${undeclared(m).map((e) => JSON.stringify(e)).join(', ')}]): bulkhead db create makes it once, in public, which is on every tenant's search path; or write CREATE EXTENSION IF NOT EXISTS ${t.name} SCHEMA public`,
      }),
    );
  }
  return problems;
}

/**
 * A migration that creates, alters, drops or writes a history table Bulkhead keeps (its own
 * module's or another's, or the progress table beside it): Bulkhead writes each migration's row
 * in the migration's transaction, so a DELETE there makes the next up apply migrations again, a
 * DROP fails the migration at its history row, and a CREATE … IF NOT EXISTS does nothing.
 * Reading it is allowed.
 */
function checkHistoryTables(modules: readonly Module[], analysed: readonly AnalysedMigration[], o: { subjects?: ReadonlySet<string> }): Problem[] {
  const byName = new Map(modules.map((m) => [m.name, m]));
  // By schema.table as touches resolve (a schema tenant's unqualified names: moduleSchema).
  const kept = new Map<string, { module: string; progress: boolean }>();
  for (const m of modules) {
    const schema = m.manifest.tenants?.kind === 'schema' ? moduleSchema(m) : m.history.schema;
    kept.set(`${schema}.${m.history.table}`, { module: m.name, progress: false });
    kept.set(`${schema}.${m.history.table}_progress`, { module: m.name, progress: true });
  }
  const problems: Problem[] = [];
  const seen = new Set<string>();
  for (const a of analysed) {
    const m = byName.get(a.module);
    if (!m || (o.subjects && !o.subjects.has(m.name))) continue;
    for (const t of a.touches) {
      // Dropping the schema that holds its history table drops the table with it (CASCADE), or
      // fails on it: a module with a schema of its own dropping it in its first migration's down.
      // (Another module's schema is told as such, BH043.)
      if (t.kind === 'schema' && t.action === 'drop') {
        const at = `${a.file}:${t.line}:schema ${t.name}`;
        if (m.manifest.tenants?.kind !== 'schema' && m.history.schema === t.name && !seen.has(at)) {
          seen.add(at);
          problems.push(
            problem('BH062', `${m.name} drops schema ${t.name}, which holds its own history table ${t.name}.${m.history.table}: with CASCADE it goes too (the migration then fails at its history row), without it the DROP fails`, {
              module: m.name,
              file: a.file,
              line: t.line,
              column: t.column,
              fix: `drop the module's objects instead of the schema, or keep the history in a schema the migrations leave alone ("historyTable": "<schema>.${m.history.table}" in ${m.file})`,
            }),
          );
        }
        continue;
      }
      const onTable = ON_TABLE.has(t.kind) || t.kind === 'index';
      const table = onTable ? t.table : t.kind === 'table' || t.kind === 'relation' ? t : undefined;
      if (!table) continue;
      const action = onTable ? (t.action === 'reference' ? 'reference' : 'alter') : t.action;
      if (action === 'reference') continue;
      const schema = table.schema ?? moduleSchema(m);
      const hit = kept.get(`${schema}.${table.name}`);
      // Another module's history table counts in a database they share; elsewhere a table of that
      // name is just a table.
      if (!hit || (hit.module !== m.name && databaseIdentity(m.target) !== databaseIdentity(byName.get(hit.module)!.target))) continue;
      const at = `${a.file}:${t.line}:${schema}.${table.name}`;
      if (seen.has(at)) continue;
      seen.add(at);
      const verb = VERB[action];
      const whose = hit.module === m.name ? 'its own' : `module ${hit.module}'s`;
      const name = schema.endsWith('@tenant') ? table.name : `${schema}.${table.name}`;
      problems.push(
        problem('BH062', `${m.name} ${verb} ${name}, ${whose} ${hit.progress ? 'progress table (beside its history)' : 'history table'}, which Bulkhead writes in each migration's transaction${action === 'write' ? ': rows deleted or changed here make up apply migrations again, or skip them' : ''}`, {
          module: m.name,
          file: a.file,
          line: t.line,
          column: t.column,
          fix: `remove this from the migration; history is changed only by Bulkhead (up, down, baseline, repair)${hit.module === m.name && action === 'create' ? `, and a table of the module's own needs another name than its history table's (or set "historyTable" in ${m.file})` : ''}`,
        }),
      );
    }
  }
  return problems;
}

function checkObjects(modules: readonly Module[], analysed: readonly AnalysedMigration[], o: { subjects?: ReadonlySet<string> }): Problem[] {
  // Alone and claiming nothing, a module can neither reach another's objects nor stray from its owns.
  if (modules.length < 2 && modules.every((m) => m.manifest.owns.length === 0)) return [];
  const byName = new Map(modules.map((m) => [m.name, m]));
  const claims: { module: string; pattern: string; re: RegExp; qualified: boolean; specificity: number; home?: { database: string; schema: string } }[] = [];
  for (const m of modules) {
    for (const pattern of m.manifest.owns) {
      // "*" is everything the module makes where it lives: its own database and schema, not every
      // name anywhere (auth's and billing's users, each on its own database, each say "*").
      const home = pattern === '*' ? { database: databaseIdentity(m.target), schema: moduleSchema(m) } : undefined;
      claims.push({ module: m.name, pattern, re: globToRegExp(pattern), qualified: pattern.includes('.'), specificity: specificity(pattern), ...(home ? { home } : {}) });
    }
  }
  /** The most specific claim on an object (of `module`'s, when given); `from` is the module whose migration touches it. */
  const claimOf = (schema: string, name: string, module?: string, from?: Module): Claim | undefined => {
    let best: Claim | undefined;
    for (const c of claims) {
      if (module !== undefined && c.module !== module) continue;
      // "*" also covers a schema the module's migrations alone create in its database (appflowy's
      // stand-in for Supabase's auth.users).
      if (c.home && from && (c.home.database !== databaseIdentity(from.target) || (c.home.schema !== schema && createdSchemaOwner(schema) !== c.module))) continue;
      if (!c.re.test(c.qualified ? `${schema}.${name}` : name)) continue;
      if (!best || c.specificity > best.specificity) best = c;
    }
    return best;
  };
  // A server database a module's URL (or its listed database tenants) names is that module's
  // (modules in schema mode share one); so is the role db create makes it (the owner of its
  // database, the one role its CONNECT is left to).
  const databaseOwners = grouped(
    modules.flatMap((m) => (m.target.kind === 'postgres' ? [m.target.database, ...(m.manifest.tenants?.kind === 'database' ? (m.manifest.tenants.names ?? []) : [])] : []).map((d) => [d, m.name] as const)),
  );
  const roleOwners = grouped(modules.filter((m) => m.target.kind === 'postgres').map((m) => [roleOf(m, modules).role, m.name] as const));
  // A schema named by a module's manifest belongs to it (public is everyone's).
  const schemaOwner = new Map<string, string>();
  for (const m of modules) if (m.schema !== 'public' && !m.manifest.tenants) schemaOwner.set(m.schema, m.name);

  // A schema the migrations of one module alone create (no manifest naming it) is that module's
  // too, for what others create, alter, drop or write in it. Several modules creating one name
  // share it (an `extensions` schema in each module's database).
  const schemaCreators = new Map<string, Set<string>>();
  for (const a of analysed) {
    if (a.direction !== 'up' || !byName.has(a.module)) continue;
    for (const t of a.touches) if (t.kind === 'schema' && t.action === 'create') (schemaCreators.get(t.name) ?? schemaCreators.set(t.name, new Set()).get(t.name)!).add(a.module);
  }
  const createdSchemaOwner = (schema: string): string | undefined => {
    const by = schemaCreators.get(schema);
    return by?.size === 1 && schema !== 'public' && !SYSTEM_SCHEMAS.has(schema) ? [...by][0] : undefined;
  };

  const resolve = (m: Module, t: { schema?: string; name: string }) => ({ schema: t.schema ?? moduleSchema(m), name: t.name });
  // A role, tablespace or database is one per server: modules on one server share its names
  // (each embedded database is a server of its own).
  const servers = new Map<string, string>();
  const serverOf = (m: Module): string => {
    let id = servers.get(m.name);
    if (id === undefined) servers.set(m.name, (id = serverIdentity(m.target)));
    return id;
  };
  const key = (kind: ObjectKind, schema: string, name: string, m: Module) => (SERVER_WIDE.has(kind) ? `${kind}:${serverOf(m)}:${name}` : `${family(kind)}:${schema}.${name}`);

  // Who creates what (up migrations): each module's first creation of each object.
  const creators = new Map<string, { module: string; file: string; line: number; id: string; kind: ObjectKind }[]>();
  const madeByName = new Map<string, { schema: string; file: string; line: number }>();
  for (const a of analysed) {
    if (a.direction !== 'up') continue;
    const m = byName.get(a.module);
    if (!m) continue;
    for (const t of a.touches) {
      if (t.action !== 'create' || !(OWNABLE.has(t.kind) || t.kind === 'index' || SERVER_WIDE.has(t.kind))) continue;
      const r = resolve(m, t);
      if (SYSTEM_SCHEMAS.has(r.schema)) continue;
      const k = key(t.kind, r.schema, r.name, m);
      const list = creators.get(k) ?? [];
      if (!list.some((c) => c.module === m.name)) list.push({ module: m.name, file: a.file, line: t.line, id: a.id, kind: t.kind });
      creators.set(k, list);
      const named = `${m.name}\u0000${t.kind}\u0000${r.name}`;
      if (!madeByName.has(named)) madeByName.set(named, { schema: r.schema, file: a.file, line: t.line });
    }
  }
  /**
   * What a module's migrations create, by kind and name whatever the schema: where an unqualified
   * name finds another module's object, the module may mean its own, in a schema off its search path.
   */
  const ownElsewhere = (m: Module, kind: ObjectKind, name: string, schema: string) => {
    const made = madeByName.get(`${m.name}\u0000${kind}\u0000${name}`);
    return made && made.schema !== schema ? made : undefined;
  };
  /**
   * Of several modules creating one object (and no owns deciding), the one it belongs to: the
   * module whose name prefixes the object's, else one the others depend on, else the first by name.
   */
  const dependsOn = (a: string, b: string, seen = new Set<string>()): boolean => {
    if (seen.has(a)) return false;
    seen.add(a);
    return (byName.get(a)?.manifest.dependsOn ?? []).some((d) => d === b || dependsOn(d, b, seen));
  };
  const creatorOwner = (list: { module: string }[], name: string): string => {
    const prefixed = list.filter((c) => namedAfter(name, c.module));
    if (prefixed.length === 1) return prefixed[0]!.module;
    const depended = list.filter((c) => list.every((d) => d === c || dependsOn(d.module, c.module)));
    if (depended.length === 1) return depended[0]!.module;
    return [...list].sort((x, y) => x.module.localeCompare(y.module))[0]!.module;
  };

  const problems: Problem[] = [];
  const reported = new Set<string>();
  const report = (p: Problem, dedupe: string) => {
    if (reported.has(dedupe)) return;
    reported.add(dedupe);
    problems.push(p);
  };

  /**
   * Where an unqualified name a module changes or reads is found at run time: its own schema
   * first, then public (Bulkhead's search_path for a module with a schema of its own is
   * `<schema>, public`). A name its own migrations never create there, that another module on the
   * same database creates in public, is that module's public one (billing's unqualified users,
   * auth's public.users).
   */
  const found = (m: Module, t: { schema?: string; name: string }, kind: ObjectKind): { schema: string; name: string; viaPublic?: true } => {
    const own = moduleSchema(m);
    if (t.schema !== undefined || own === 'public' || SERVER_WIDE.has(kind) || m.manifest.tenants?.kind === 'database') return resolve(m, t);
    if ((creators.get(key(kind, own, t.name, m)) ?? []).some((c) => c.module === m.name)) return resolve(m, t);
    const db = databaseIdentity(m.target);
    const inPublic = (creators.get(key(kind, 'public', t.name, m)) ?? []).some((c) => c.module !== m.name && databaseIdentity(byName.get(c.module)!.target) === db);
    return inPublic ? { schema: 'public', name: t.name, viaPublic: true } : resolve(m, t);
  };

  for (const a of analysed) {
    const m = byName.get(a.module);
    if (!m || (o.subjects && !o.subjects.has(m.name))) continue;
    for (const t of a.touches) {
      // The object whose owner matters: the table for a column, trigger or policy. Created, an
      // unqualified name is in the module's schema; otherwise it may be found in public.
      const target = ON_TABLE.has(t.kind) && t.table ? { kind: 'table' as ObjectKind, ...found(m, t.table, 'table') } : { kind: t.kind, ...(t.action === 'create' ? resolve(m, t) : found(m, t, t.kind)) };
      if (SYSTEM_SCHEMAS.has(target.schema) || target.schema.startsWith('pg_temp')) continue;
      const where = { module: m.name, file: a.file, line: t.line, column: t.column };
      // Adding, changing or dropping a column, trigger or policy alters its table.
      const action = ON_TABLE.has(t.kind) && t.table ? (t.action === 'reference' ? 'reference' : 'alter') : t.action;
      const verb = VERB[action];
      const ownSchema = m.manifest.tenants?.kind === 'schema' ? "each tenant's schema" : `${m.name}'s schema ${moduleSchema(m)}`;
      const via = `${t.context === 'SQL it emits' ? ' (in the SQL it emits)' : t.context ? ` (in a ${t.context})` : ''}${t.searchPath !== undefined ? ` (unqualified, after the SET search_path at line ${t.searchPath})` : ''}${'viaPublic' in target ? ` (unqualified: ${ownSchema} has no ${target.name}, so its search path finds public's)` : ''}`;
      const serverWide = SERVER_WIDE.has(target.kind);
      // As SQL writes the name (public."User"), quoted where it must be.
      const what = serverWide ? `${target.kind} ${sqlName(target.name)}` : `${target.kind} ${sqlQualified(`${target.schema}.${target.name}`)}`;

      // Another module's database, reached by a foreign server or dblink: its objects read from
      // here, past the isolation db create sets up (CONNECT revoked from the others' roles).
      if (t.kind === 'database' && t.connection) {
        const owners = databaseOwners.get(t.name) ?? [];
        const owner = owners[0];
        if (owner && !owners.includes(m.name)) {
          report(
            problem('BH045', `${m.name} connects to module ${owner}'s database ${t.name}${via} (${t.connection === 'dblink' ? 'a dblink connection string' : t.connection === 'subscription' ? "a subscription's CONNECTION" : "a foreign server's dbname"}), past the isolation that keeps each module to its own database`, {
              ...where,
              fix: `a module uses only its own database: ask ${owner} for the data through its API, or move what needs ${owner}'s tables into ${owner}`,
            }),
            `${a.file}:${t.line}:database ${t.name}`,
          );
        }
        continue;
      }
      // Another module's database (its settings, who may connect: db create revokes CONNECT from
      // PUBLIC) or the role db create made its owner.
      if ((t.kind === 'database' || t.kind === 'role') && action !== 'reference') {
        const owners = (t.kind === 'database' ? databaseOwners : roleOwners).get(t.name) ?? [];
        if (owners.length && !owners.includes(m.name)) {
          const owner = owners[0]!;
          report(
            problem('BH043', `${m.name} ${verb} ${t.kind} ${t.name}${via}, ${t.kind === 'database' ? `module ${owner}'s database` : `the role db create made owner of module ${owner}'s database`}`, {
              ...where,
              fix: `modules do not change each other's databases or roles (db create leaves CONNECT on ${owner}'s database to ${owner}'s role alone): move this to a migration of ${owner}, or ask ${owner} for the data through its API`,
            }),
            `${a.file}:${t.line}:${t.kind} ${t.name}`,
          );
          continue;
        }
      }
      // Another module's schema itself: dropped, altered, granted on, or created again.
      if (t.kind === 'schema') {
        const owner = schemaOwner.get(t.name) ?? createdSchemaOwner(t.name);
        if (owner && owner !== m.name && action !== 'reference') {
          report(
            problem('BH043', `${m.name} ${verb} schema ${t.name}${via}, which ${schemaOwner.has(t.name) ? `is module ${owner}'s (its manifest's schema)` : `module ${owner} creates`}`, {
              ...where,
              fix: `modules do not change each other's schemas: move this to a migration of ${owner}, or give ${m.name} a schema of its own`,
            }),
            `${a.file}:${t.line}:schema ${t.name}`,
          );
        }
        continue;
      }
      // Another module's schema.
      const schemaModule = serverWide ? undefined : (schemaOwner.get(target.schema) ?? (action !== 'reference' ? createdSchemaOwner(target.schema) : undefined));
      if (schemaModule && schemaModule !== m.name && t.kind !== 'extension') {
        report(
          problem(action === 'reference' ? 'BH045' : 'BH043', `${m.name} ${verb} ${what}${via}, in schema ${target.schema} of module ${schemaModule}`, {
            ...where,
            fix: `modules do not reach into each other's schemas: move this to a migration of ${schemaModule}, or expose what ${m.name} needs through an API rather than ${schemaModule}'s tables`,
          }),
          `${a.file}:${t.line}:${what}`,
        );
        continue;
      }
      if (!(OWNABLE.has(target.kind) || target.kind === 'index' || serverWide)) continue;

      // Owned by another module: by its owns pattern (more specific than this module's own), or
      // because its migrations create the object.
      // An index is its table's owner's (owns patterns name tables; Prisma names an index
      // User_email_key): one on this module's own table is its own, whoever else has that name
      // (one on another module's table is told as altering that table); an index whose table is
      // not known is claimed only by "*".
      const index = target.kind === 'index';
      const claimed = index && t.table ? resolve(m, t.table) : target;
      const ownClaim = serverWide ? undefined : claimOf(claimed.schema, claimed.name, m.name, m);
      const other = index || serverWide ? undefined : claimOf(target.schema, target.name, undefined, m);
      const own = index && !t.table && ownClaim?.pattern !== '*' ? undefined : ownClaim;
      const created = creators.get(key(target.kind, target.schema, target.name, m)) ?? [];
      const byOwns = other && other.module !== m.name && !(own && own.specificity >= other.specificity);
      const creatorModule = !other && !own && created.length ? creatorOwner(created, target.name) : undefined;
      const byCreation = creatorModule !== undefined && creatorModule !== m.name;
      // Using an object this module creates itself is reported where it creates it.
      if (action === 'reference' && created.some((c) => c.module === m.name)) continue;
      // A change to an object this module creates too: told once, where it creates it.
      if ((byOwns || byCreation) && action !== 'create' && created.some((c) => c.module === m.name)) continue;
      if (byOwns || byCreation) {
        const owner = byOwns ? other!.module : creatorModule!;
        const c = created.find((x) => x.module === owner);
        // Two modules on different databases may each keep a table of one name (auth's and
        // billing's users): declared in both manifests' owns, each is its module's own.
        const ownerModule = byName.get(owner);
        // Not for a name the owner's prefixes (seed 004: query made storage_elem_01_files, storage's).
        const apart = action === 'create' && !serverWide && !namedAfter(target.name, owner) && ownerModule !== undefined && databaseIdentity(ownerModule.target) !== databaseIdentity(m.target);
        const where2 = byOwns ? `${m.file} too` : `both manifests (${m.file}, ${ownerModule?.file})`;
        // The module claims it already, less specifically than the owner ("*" against "users"): the
        // name itself, in its owns as in the owner's, makes the two claims equal.
        const weaker = byOwns && own ? own.pattern : undefined;
        const both = !apart
          ? ''
          : weaker
            ? `; if each keeps ${article(target.kind)} of its own (${m.name} and ${owner} are on different databases), name it in ${m.file} as ${owner} does: ${owner}'s "${other!.pattern}" is more specific than ${m.name}'s "${weaker}", so add "${target.name}" to ${m.name}'s owns (two equal claims, on different databases, are each its module's own)`
            : `; if each keeps ${article(target.kind)} of its own (${m.name} and ${owner} are on different databases), say so in ${where2}: "owns": ["*"] (everything the module creates in its own database and schema), or "owns": ["${target.name}", …] (a module with owns names, or matches by pattern, every object it creates)`;
        const why = byOwns
          ? `which ${owner} owns (owns: "${other!.pattern}")`
          : `which ${owner} ${action === 'create' ? 'also ' : ''}creates${action === 'create' && c!.kind !== target.kind ? ` as ${article(c!.kind)} (${article(c!.kind)} and ${article(target.kind)} of one schema cannot share a name)` : ''} (${c!.file}:${c!.line})${serverWide ? `, on the same server (${serverOf(m)}), where ${target.kind}s are shared by every database` : ''}`;
        const reference = action === 'reference';
        const p = problem(reference ? 'BH045' : 'BH043', `${m.name} ${verb} ${what}${via}, ${why}`, {
            ...where,
            fix: reference
              ? `a module uses only its own objects: ask ${owner} for the data through its API, or move this object into ${m.name}`
              : action === 'create' && serverWide
                ? `one module owns each ${target.kind} on a server: move it into a migration of ${owner} (and add ${owner} to dependsOn of modules that use it), or give ${m.name}'s a name of its own (${m.name.replace(/-/g, '_')}_${target.name})`
                : action === 'create'
                ? `one module owns each object: move it into a migration of ${owner}, or give it a name of its own and add it to owns in ${m.file}${both}`
                : movedOrOwn(m, owner, ownElsewhere(m, target.kind, target.name, target.schema), target.name, (ON_TABLE.has(t.kind) && t.table ? t.table.schema : t.schema) === undefined && t.searchPath === undefined),
          });
        // Two apps' schemas side by side (documenso's and formbricks' User, Session, Account, …):
        // their same names told as one problem per pair of modules, with one fix.
        const told = apart && !byOwns ? markAlike(p, `apart\u0000${m.name}\u0000${owner}`, { what, at: `${a.file}:${t.line}`, theirs: `${c!.file}:${c!.line}` }, (all) => sameNames(all, m.name, owner, where2), { textOnly: true }) : p;
        report(told, `${a.file}:${t.line}:${what}:${action}`);
        continue;
      }
      // Created outside the module's own patterns, when it declares some.
      if (action === 'create' && a.direction === 'up' && OWNABLE.has(t.kind) && m.manifest.owns.length && !claimOf(target.schema, target.name, m.name, m)) {
        report(
          problem('BH044', `${m.name} creates ${what}${via}, which matches none of its owns patterns (${m.manifest.owns.map((p) => `"${p}"`).join(', ')})`, {
            ...where,
            fix: `add a pattern for it to owns in ${m.file} (${ownsPatternFor(target, moduleSchema(m))}), or rename it to match one`,
          }),
          `${a.file}:${t.line}:${what}:outside`,
        );
      }
    }
  }
  return problems;
}

/** Values by key, in order. */
function grouped(pairs: readonly (readonly [string, string])[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [k, v] of pairs) (out.get(k) ?? out.set(k, []).get(k)!).push(v);
  return out;
}

/** The owns entries that would claim an object: its name, or in another schema than the module's, schema-qualified. */
function ownsPatternFor(target: { schema: string; name: string }, home: string): string {
  return target.schema === home ? `"${target.name}"` : `"${target.schema}.${target.name}", or "${target.schema}.*" for all of schema ${target.schema}`;
}

/** Objects of one name that two modules on different databases both create, told together. */
function sameNames(all: readonly Alike<{ what: string; at: string; theirs: string }>[], module: string, owner: string, manifests: string): Problem {
  // In each module's migrations folder: the file names say enough.
  const base = (at: string) => at.slice(at.lastIndexOf('/') + 1);
  const named = all.slice(0, 6).map(({ data }) => `${data.what} (${base(data.at)}; ${owner}'s ${base(data.theirs)})`);
  const more = all.length > named.length ? `, and ${all.length - named.length} more (--json lists each)` : '';
  const first = all[0]!.problem;
  return problem('BH043', `${module} creates ${all.length} objects of the names ${owner} also creates: ${named.join(', ')}${more}`, {
    module,
    file: first.file,
    line: first.line,
    column: first.column,
    fix: `if each keeps objects of its own (${module} and ${owner} are on different databases), say so in ${manifests}: "owns": ["*"] (everything the module creates in its own database and schema); else one module owns each object: move it into a migration of ${owner}, or give it a name of its own`,
  });
}

/** Many statements naming objects in one fixed schema of a schema-tenant module (BH066), as one. */
function fixedSchemaTogether(all: readonly Alike<{ name: string; at: string }>[], m: Module, schema: string, tenants: string): Problem {
  const first = all[0]!.problem;
  const names = [...new Set(all.map((x) => x.data.name))];
  const files = new Set(all.map((x) => x.data.at.slice(0, x.data.at.lastIndexOf(':'))));
  const dir = first.file ? first.file.slice(0, first.file.lastIndexOf('/')) : undefined;
  return problem('BH066', `${m.name} runs each migration once per tenant schema, but ${all.length} statements of ${files.size} of its migrations name objects in the fixed schema ${schema} (${names.slice(0, 3).join(', ')}${names.length > 3 ? ', …' : ''}): every tenant${tenants} shares them, or the second tenant's run fails`, {
    module: m.name,
    file: first.file,
    line: first.line,
    column: first.column,
    fix: `write them unqualified (each tenant's schema is first on its search path)${dir ? `, e.g. in ${dir} (GNU sed; check the diff: it also rewrites strings and comments): sed -i -E 's/(^|[^A-Za-z0-9_$."])"?${regexLiteral(schema).replace(/\//g, '\\/')}"?\\./\\1/g' *.sql` : ''}; what every tenant shares belongs in a module of its own, without tenants, that ${m.name} lists in dependsOn`,
  });
}

/** Whether an object's name is a module's by its prefix (storage_files, storage's), or is the module's name. */
function namedAfter(name: string, module: string): boolean {
  const prefix = module.replace(/-/g, '_');
  return name === prefix || name.startsWith(`${prefix}_`);
}

/**
 * A module whose tenants are schemas runs each migration once per tenant, its unqualified names in
 * that tenant's schema; an object it names in a fixed schema (`shared.items`, `public.settings`) is
 * one object for every tenant: they share it (IF NOT EXISTS), or the second tenant's run fails.
 * Warnings (BH066): a lookup table all tenants share can be meant, an extension's schema is.
 */
export function fixedSchemaInTenants(modules: readonly Module[], analysed: readonly AnalysedMigration[]): Problem[] {
  const tenanted = new Map(modules.filter((m) => m.manifest.tenants?.kind === 'schema').map((m) => [m.name, m]));
  const problems: Problem[] = [];
  for (const a of analysed) {
    const m = tenanted.get(a.module);
    if (!m || a.direction !== 'up') continue;
    const told = new Set<string>();
    for (const t of a.touches) {
      const onTable = t.table !== undefined && (ON_TABLE.has(t.kind) || t.kind === 'index');
      const schema = onTable ? t.table!.schema : t.schema;
      if (!schema || SYSTEM_SCHEMAS.has(schema) || schema.startsWith('pg_') || t.action === 'reference' || t.kind === 'extension' || t.kind === 'schema' || SERVER_WIDE.has(t.kind)) continue;
      const name = onTable ? `${schema}.${t.table!.name}` : `${schema}.${t.name}`;
      if (told.has(name)) continue;
      told.add(name);
      const verb = VERB[t.action];
      const names = m.manifest.tenants?.names;
      const tenants = names?.length ? ` (${names.slice(0, 3).join(', ')}${names.length > 3 ? ', …' : ''})` : '';
      const p = problem('BH066', `${m.name} runs each migration once per tenant schema, but this one ${verb} ${name}${t.context ? ` (in a ${t.context})` : ''}, in a fixed schema: every tenant${tenants} ${t.action === 'create' ? 'shares that one object (IF NOT EXISTS), or the second tenant\'s run fails' : 'changes that one object again'}`, {
        module: m.name,
        file: a.file,
        line: t.line,
        column: t.column,
        fix: `write it unqualified (each tenant's schema is first on its search path); what every tenant shares belongs in a module of its own, without tenants, that ${m.name} lists in dependsOn`,
      });
      // A set written for one schema (convoy's convoy.* in every statement, 226 of them): told once
      // per schema in text, with the command that unqualifies them; --json keeps each.
      problems.push(markAlike(p, `fixed-schema\u0000${m.name}\u0000${schema}`, { name, at: `${a.file}:${t.line}` }, (all) => fixedSchemaTogether(all, m, schema, tenants), { textOnly: true }));
    }
  }
  return problems;
}
