import type { SqlSession } from '../db/types.js';
import path from 'node:path';
import { codeMigrationBefore, type MigrationFile } from '../migrations/files.js';
import { extensionBehind, type MigrationFailure } from './apply.js';
import { DEPENDENT_OBJECTS_STILL_EXIST, DUPLICATE_TABLE, INSUFFICIENT_PRIVILEGE, INVALID_SCHEMA_NAME, UNDEFINED_COLUMN, UNDEFINED_FUNCTION, UNDEFINED_OBJECT, UNDEFINED_TABLE } from '../db/sqlstate.js';
import { createsRelation, nearest, regexLiteral, sqlName, sqlQualified } from '../text.js';
import { extensionPackage } from '../db/extensions.js';
import { withoutComments } from '../analysis/statements.js';
import { baseSchemaFix, codeMigrationFix, laterCreatorFix, madeElsewhereFix } from '../analysis/migrations.js';


/**
 * A failure's fix that needs the database, or the module's other migrations, to know. For a table
 * that does not exist: one the database has in a schema off the search path (below); one a
 * migration that sorts later creates (an ordering slip); none that any migration creates, where
 * the failing migration is the module's first (tt-rss's sql/pgsql/migrations start at 3.sql and
 * alter the tables its schema.sql, kept beside them, creates); the module's own history table,
 * dropped; a code migration before it that names it. For a table that exists already: the earlier
 * migration that creates it too. Undefined where there is nothing to add: a failure whose fix is
 * set keeps it (the caller uses the result in its place), except for an existing table, where
 * naming the earlier migration says more than the generic fix.
 */
export async function explainFailure(
  db: SqlSession,
  failure: MigrationFailure,
  module: { name: string; file?: string; schema?: string; migrations: readonly MigrationFile[]; history?: { table: string }; manifest?: { extensions: readonly string[] } },
): Promise<string | undefined> {
  // A table an earlier migration of the module creates too: said more exactly than "exists already",
  // unless the catalog showed the name is an index's (of a table renamed, say): that is said already.
  if (failure.pgCode === DUPLICATE_TABLE) return failure.holder?.table ? undefined : createdBefore(failure, module);
  const declared = await declaredExtensionMissing(db, failure, module);
  if (declared) return declared;
  const used = stillUsed(failure, module);
  if (used) return used;
  const gone = indexWentWithItsColumn(failure, module) ?? indexNeverMade(failure, module) ?? columnOfAnotherTable(failure, module);
  if (gone) return gone;
  const cased = schemaCase(failure, module);
  if (cased) return cased;
  if (failure.fix) return undefined;
  const owned = await ownerOrPrivilegeFix(db, failure);
  if (owned) return owned;
  const notConstraint = await indexNotConstraint(db, failure, module);
  if (notConstraint) return notConstraint;
  const inCatalog = await explainFromCatalog(db, failure);
  if (inCatalog || failure.pgCode !== UNDEFINED_TABLE) return inCatalog;
  const missing = /^(?:relation|table|view|materialized view|sequence|index) "(?:([^"]*)\.)?([^".]+)" does not exist/.exec(failure.message);
  if (!missing) return undefined;
  const [, schema, name] = missing as unknown as [string, string | undefined, string];
  // Its own history (or progress) table, gone when its row was to be written: the migration dropped it.
  if (module.history && (name === module.history.table || name === `${module.history.table}_progress`)) {
    return `${schema ? `${schema}.` : ''}${name} is ${module.name}'s own ${name === module.history.table ? 'history' : 'progress'} table, which ${failure.migration} dropped (a DROP SCHEMA … CASCADE, a DROP TABLE, in a DO block or a function), so its history row could not be written: drop the module's objects instead`;
  }
  const at = module.migrations.findIndex((m) => m.id === failure.migration);
  if (at < 0) return undefined;
  const creates = createsRelation(name);
  if (failure.direction !== 'up') {
    // A down naming a table that neither its own up nor any migration before it creates
    // (nhost's hasura-auth 00005 down comments on auth.migrations; its up, on auth.schema_migrations).
    // Made any way a relation is: an index (a constraint's too), a rename; a TS/JS migration may, unseen.
    const other = new RegExp(`\\b(?:INDEX\\s+(?:CONCURRENTLY\\s+)?(?:IF\\s+NOT\\s+EXISTS\\s+)?|RENAME\\s+TO\\s+|CONSTRAINT\\s+)(?:(?:"[^"]+"|[\\w$]+)\\.)?"?${regexLiteral(name)}"?(?![\\w$])`, 'i');
    const made = module.migrations.slice(0, at + 1).some((m) => m.sql === undefined || creates.test(code(m.sql.up)) || other.test(code(m.sql.up)));
    if (made) return goneByLaterUp(failure, module, at, schema ? `${schema}.${name}` : name, name, creates);
    // The name it likely meant (gitness' 0069 down drops usergroups_reviewers; its up makes usergroup_reviewers).
    const meant = nearestMade(name, module.migrations.slice(0, at + 1));
    const cause = meant ? `did you mean ${meant.name}, which ${meant.id === failure.migration ? 'its up' : meant.id} creates?` : 'a typo, or a name from another version or tool';
    return `no migration of ${module.name} up to ${failure.migration} creates ${schema ? `${schema}.${name}` : name}: the down names a table these migrations never make (${cause}) — ${editedDownFix(module.name, failure.migration)}`;
  }
  const index = module.migrations.findIndex((m, i) => i !== at && m.sql !== undefined && creates.test(code(m.sql.up)));
  const creator = module.migrations[index];
  const what = schema ? `${schema}.${name}` : name;
  if (creator && index > at) {
    return laterCreatorFix(what, creator, module.migrations[at]!);
  }
  if (!creator && at === 0) {
    return baseSchemaFix(module.name, what, failure.migration, module.migrations[0]!.version);
  }
  // Another tool's code migration before it, which Bulkhead does not run, names it (hatchet's
  // goose folder: 20260424190713_v1_0_99.go fills v1_dags_olap_new, 20260424205453_v1_0_100.up.sql locks it).
  const failing = module.migrations[at]!;
  const script = creator ? undefined : codeMigrationBefore(path.dirname(failing.upPath), failing.version, name);
  if (script) return codeMigrationFix(module.name, what, script, failure.migration);
  // Nothing in the module's SQL creates it (TS/JS migrations may, where the text does not show it).
  if (!creator && module.migrations.every((m) => m.sql)) {
    return madeElsewhereFix(module.name, what, failure.migration);
  }
  return undefined;
}

/** Tables, views and sequences a CREATE names (the name's last part, unquoted). */
const CREATED = /\bCREATE\s+(?:OR\s+REPLACE\s+)?(?:(?:UNLOGGED|TEMP|TEMPORARY|MATERIALIZED|RECURSIVE|FOREIGN)\s+)*(?:TABLE|VIEW|SEQUENCE)\s+(?:IF\s+NOT\s+EXISTS\s+)?(?:(?:"[^"]+"|[\w$]+)\.)?("[^"]+"|[\w$]+)/gi;

/** The relation within two edits of `name` that these migrations create (the latest's, where two make it), and which one does. */
function nearestMade(name: string, migrations: readonly MigrationFile[]): { name: string; id: string } | undefined {
  const by = new Map<string, string>();
  for (const m of migrations) {
    if (m.sql === undefined) continue;
    for (const c of code(m.sql.up).matchAll(CREATED)) by.set(c[1]!.startsWith('"') ? c[1]!.slice(1, -1) : c[1]!.toLowerCase(), m.id);
  }
  const meant = nearest(name, [...by.keys()]);
  return meant ? { name: meant, id: by.get(meant)! } : undefined;
}

/** SQL without its comments (memoised): a table a comment names (boundary's commented-out CREATE TABLE log_migration) is not made by it. */
const uncommented = new Map<string, string>();
function code(sql: string): string {
  let out = uncommented.get(sql);
  if (out === undefined) uncommented.set(sql, (out = withoutComments(sql)));
  return out;
}

/**
 * A type or function of an extension the module declares, but its database lacks: an earlier
 * migration's CREATE EXTENSION failed quietly (AppFlowy's, in a DO block that ignores every
 * error), or the database was made without db create. Whether the server has the extension at all
 * is asked on the session that ran the migration.
 */
async function declaredExtensionMissing(db: SqlSession, failure: MigrationFailure, module: { name: string; file?: string; manifest?: { extensions: readonly string[] } }): Promise<string | undefined> {
  const behind = extensionBehind(failure.pgCode, failure.message);
  if (!behind || !module.manifest?.extensions.includes(behind.provider)) return undefined;
  const { what, provider } = behind;
  const server = await db
    .query("SELECT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = $1) AS found, current_setting('server_version_num')::int / 10000 AS major", [provider])
    .then((r) => r.rows[0] as { found: boolean; major: number }, () => undefined);
  const found = server?.found;
  const manifest = module.file ?? `${module.name}'s bulkhead.json`;
  return found === false
    ? `${what} comes from the extension ${provider}, which ${manifest} declares but the server does not have: install it there (${extensionPackage(provider, server?.major)}), then bulkhead db create ${module.name} creates it; an earlier migration that creates it while ignoring errors (in a DO block) hid the failure`
    : `${what} comes from the extension ${provider}, which ${manifest} declares but the database does not have: bulkhead db create ${module.name} creates it (or CREATE EXTENSION IF NOT EXISTS ${sqlName(provider)} in an earlier migration)`;
}

/** A relation's name in SQL, as a pattern: schema-qualified or not, quoted or not (its last part, when `name` is qualified). */
function relationName(name: string): string {
  return `(?:(?:"[^"]+"|[\\w$]+)\\.)?"?${regexLiteral(name.replace(/^.*\./, ''))}"?(?![\\w$])`;
}

/**
 * A DROP INDEX of an index that an earlier statement of the same file removed with its column or
 * table (ente's 019_add_encrypted_email_columns down drops users.email_hash, then DROP INDEX
 * users_email_hash_index, which was on it): dropping a column drops the indexes on it.
 */
function indexWentWithItsColumn(failure: MigrationFailure, module: { name: string; migrations: readonly MigrationFile[] }, index?: string): string | undefined {
  const name = index ?? missingIndex(failure);
  const migration = module.migrations.find((m) => m.id === failure.migration);
  const text = failure.direction === 'down' ? migration?.sql?.down : migration?.sql?.up;
  if (!name || !migration || text === undefined || failure.line === undefined) return undefined;
  const made = new RegExp(`\\bCREATE\\s+(?:UNIQUE\\s+)?INDEX\\s+(?:CONCURRENTLY\\s+)?(?:IF\\s+NOT\\s+EXISTS\\s+)?"?${regexLiteral(name)}"?\\s+ON\\s+(?:ONLY\\s+)?((?:(?:"[^"]+"|[\\w$]+)\\.)?(?:"[^"]+"|[\\w$]+))(?:\\s+USING\\s+\\w+)?\\s*\\(([^;]*)`, 'i');
  // The definition in force: the latest up to this migration's (gitness' 0046 makes spaces_parent_id
  // again, partial on space_deleted, which its down drops first), its columns with its INCLUDE and WHERE.
  const at = module.migrations.indexOf(migration);
  const creator = module.migrations.slice(0, at + 1).reverse().find((m) => m.sql !== undefined && made.test(code(m.sql.up))) ?? module.migrations.find((m) => m.sql !== undefined && made.test(code(m.sql.up)));
  const [, qualified, columns] = (creator && made.exec(creator.sql!.up)) ?? [];
  if (!creator || qualified === undefined || columns === undefined) return undefined;
  const table = qualified.replace(/^.*\./, '').replace(/"/g, '');
  const t = relationName(table);
  const before = text.split('\n').slice(0, failure.line - 1).join('\n');
  const lineOf = (at: number) => before.slice(0, at).split('\n').length;
  const dropped = new RegExp(`\\bDROP\\s+TABLE\\s+(?:IF\\s+EXISTS\\s+)?(?:[^;]*?,\\s*)?${t}`, 'i').exec(before);
  const repair = failure.direction === 'down' ? ` ${editedDownRepair(module.name, failure.migration)}` : '';
  const by = creator.id === failure.migration ? 'made by its up' : `made by ${creator.id}`;
  if (dropped) {
    return `index ${name} is on table ${table} (${by}), which line ${lineOf(dropped.index)} of this file drops first, with its indexes: drop the index before the table, or write DROP INDEX IF EXISTS ${name}${repair}`;
  }
  const alter = new RegExp(`\\bALTER\\s+TABLE\\s+(?:IF\\s+EXISTS\\s+)?(?:ONLY\\s+)?${t}[^;]*`, 'gi');
  for (const a of before.matchAll(alter)) {
    for (const d of a[0].matchAll(/\bDROP\s+(?:COLUMN\s+)?(?:IF\s+EXISTS\s+)?("[^"]+"|[\w$]+)/gi)) {
      const column = d[1]!.replace(/"/g, '');
      const named = new RegExp(`(?<![\\w$])"?${regexLiteral(column)}"?(?![\\w$])`, 'i');
      if (/^(constraint|column)$/i.test(column) || !named.test(columns)) continue;
      const where = /\bWHERE\b/i.exec(columns);
      const inWhere = where !== null && !named.test(columns.slice(0, where.index));
      return `index ${name} ${inWhere ? 'is partial on' : 'is on'} column ${table}.${column} (${by}), which line ${lineOf(a.index! + d.index!)} of this file drops first, and an index goes with its column: drop the index before the column, or write DROP INDEX IF EXISTS ${name}${repair}`;
    }
  }
  return undefined;
}

/**
 * A down dropping a column from a table its up did not add it to, where its up adds a column of
 * that name to another table (atproto ozone's add-template-lang: up adds lang to
 * communication_template, down drops moderation_event.lang): that table.
 */
function columnOfAnotherTable(failure: MigrationFailure, module: { name: string; migrations: readonly MigrationFile[] }): string | undefined {
  const m = failure.pgCode === UNDEFINED_COLUMN && failure.direction === 'down' ? /^column "([^"]+)" of relation "([^"]+)" does not exist/.exec(failure.message) : null;
  const migration = module.migrations.find((x) => x.id === failure.migration);
  if (!m || migration?.sql === undefined) return undefined;
  const [, column, table] = m as unknown as [string, string, string];
  const adds = new RegExp(`\\bALTER\\s+TABLE\\s+(?:IF\\s+EXISTS\\s+)?(?:ONLY\\s+)?((?:(?:"[^"]+"|[\\w$]+)\\.)?(?:"[^"]+"|[\\w$]+))[^;]*?\\bADD\\s+(?:COLUMN\\s+)?(?:IF\\s+NOT\\s+EXISTS\\s+)?"?${regexLiteral(column)}"?(?![\\w$])`, 'gi');
  const tables = [...new Set([...code(migration.sql.up).matchAll(adds)].map((a) => a[1]!.replace(/"/g, '')))];
  const other = tables.filter((t) => t.replace(/^.*\./, '') !== table);
  if (other.length !== 1 || tables.length !== 1) return undefined;
  return `its up adds column ${column} to ${other[0]}, not to ${table}: the down names the wrong table — drop ${column} from ${other[0]} (ALTER TABLE ${sqlQualified(other[0]!)} DROP COLUMN ${sqlName(column)}); ${editedDownFix(module.name, failure.migration)}`;
}

/** The index an "index … does not exist" failure names. */
function missingIndex(failure: MigrationFailure): string | undefined {
  return failure.pgCode === UNDEFINED_OBJECT ? /^index "(?:[^"]*\.)?([^".]+)" does not exist/.exec(failure.message)?.[1] : undefined;
}

/** CREATE INDEX statements' index names (unquoted), in order. */
const INDEX_MADE = /\bCREATE\s+(?:UNIQUE\s+)?INDEX\s+(?:CONCURRENTLY\s+)?(?:IF\s+NOT\s+EXISTS\s+)?(?:(?:"[^"]+"|[\w$]+)\.)?("[^"]+"|[\w$]+)\s+ON\b/gi;

/**
 * A down dropping an index that no migration up to it makes (gitness' 0046 down drops
 * spaces_deleted; its up makes spaces_deleted_parent_id): the index its up makes that the down
 * leaves, where one is (or the nearest name, of several).
 */
function indexNeverMade(failure: MigrationFailure, module: { name: string; migrations: readonly MigrationFile[] }): string | undefined {
  const name = failure.direction === 'down' ? missingIndex(failure) : undefined;
  const at = module.migrations.findIndex((m) => m.id === failure.migration);
  const migration = module.migrations[at];
  if (!name || !migration?.sql || migration.sql.down === undefined) return undefined;
  const names = (sql: string) => [...code(sql).matchAll(INDEX_MADE)].map((m) => (m[1]!.startsWith('"') ? m[1]!.slice(1, -1) : m[1]!.toLowerCase()));
  // Made any way an index is (a constraint's, a rename) by these migrations, or by code unseen: not this case.
  const other = new RegExp(`\\b(?:RENAME\\s+TO\\s+|CONSTRAINT\\s+)"?${regexLiteral(name)}"?(?![\\w$])`, 'i');
  if (module.migrations.slice(0, at + 1).some((m) => m.sql === undefined || names(m.sql.up).includes(name) || other.test(code(m.sql.up)))) return undefined;
  const down = code(migration.sql.down);
  const left = names(migration.sql.up).filter((n) => !new RegExp(`\\bDROP\\s+INDEX\\s+(?:CONCURRENTLY\\s+)?(?:IF\\s+EXISTS\\s+)?(?:(?:"[^"]+"|[\\w$]+)\\.)?"?${regexLiteral(n)}"?(?![\\w$])`, 'i').test(down));
  const meant = left.length === 1 ? left[0] : nearest(name, left);
  const never = `no migration of ${module.name} up to ${failure.migration} makes index ${name}: the down names an index these migrations never make`;
  // The one it meant may be gone by then too, with a column or table the down dropped first (gitness' spaces_deleted_parent_id).
  const gone = meant && indexWentWithItsColumn(failure, module, meant);
  if (gone) return `${never} — did you mean ${meant}, which its up makes? ${gone}`;
  const cause = meant ? `did you mean ${meant}, which its up makes and this down does not drop?` : 'a typo, or a name from another version or tool';
  return `${never} (${cause}) — ${editedDownFix(module.name, failure.migration)}`;
}

/**
 * A down whose DROP fails because other objects use the object (ente's 093_emergency_contact drops
 * trigger_updated_at_microseconds_column(), which an earlier migration made and its triggers call;
 * 093's up only replaced it): the earlier migration that creates it, whose definition the down
 * should put back; else the dependents to drop first.
 */
function stillUsed(failure: MigrationFailure, module: { name: string; migrations: readonly MigrationFile[] }): string | undefined {
  if (failure.pgCode !== DEPENDENT_OBJECTS_STILL_EXIST || failure.direction !== 'down') return undefined;
  const column = columnStillUsed(failure, module);
  if (column) return column;
  const m = /^cannot drop (function|procedure|table|view|materialized view|type|sequence) (?:[^\s(]+\.)?([^\s.(]+)/.exec(failure.message);
  const at = module.migrations.findIndex((x) => x.id === failure.migration);
  if (!m || at < 0) return undefined;
  const [, kind, name] = m as unknown as [string, string, string];
  const order = droppedLaterInFile(failure, module.migrations[at]!, module.name, `${kind} ${name}`);
  if (order) return order;
  const kept = keptByLaterDown(failure, module, at, `${kind} ${name}`);
  if (kept) return kept;
  const creates = kind === 'function' || kind === 'procedure' ? createsRoutine(name) : kind === 'type' ? createsType(name) : createsRelation(name);
  let earlier: MigrationFile | undefined;
  for (let i = at - 1; i >= 0 && !earlier; i--) if (module.migrations[i]!.sql !== undefined && creates.test(code(module.migrations[i]!.sql!.up))) earlier = module.migrations[i];
  return earlier
    ? `${kind} ${name} was made by ${earlier.id}, before ${failure.migration}, and other objects use it (the detail names them): a down reverts only its own migration — where ${failure.migration}'s up replaced it, put ${earlier.id}'s definition back (CREATE OR REPLACE …) instead of dropping it`
    : `other objects use ${kind} ${name} (the detail names them): drop them first in this down, or DROP … CASCADE where they are ${failure.migration}'s own`;
}

/** A dependent named by a line of PostgreSQL's "depends on" detail: its kind and name (a constraint's, column's: its relation's), and how a DROP of it reads. */
const DEPENDENTS: readonly [RegExp, string][] = [
  [/^(?:constraint|trigger|rule|policy|(?:default value for )?column) \S+ (?:on|of) (table|view|materialized view|foreign table) (\S+)$/, '(?:MATERIALIZED\\s+|FOREIGN\\s+)?(?:TABLE|VIEW)'],
  [/^(view|materialized view|table|foreign table|sequence) (\S+)$/, '(?:MATERIALIZED\\s+|FOREIGN\\s+)?(?:TABLE|VIEW|SEQUENCE)'],
  [/^(function|procedure) ([^\s(]+)\(/, '(?:FUNCTION|PROCEDURE)'],
  [/^(type|domain) (\S+)$/, '(?:TYPE|DOMAIN)'],
];

/**
 * A down that drops an object before what uses it, and those later in the same file (vaultwarden's
 * 2022-07-27-110000_add_group_support down drops groups, then groups_users and collections_groups,
 * whose foreign keys reference it): the order to drop them in.
 */
function droppedLaterInFile(failure: MigrationFailure, migration: MigrationFile, module: string, what: string): string | undefined {
  const text = migration.sql?.down;
  if (text === undefined || failure.line === undefined || !failure.detail) return undefined;
  // What follows the failing statement (it ends at its first semicolon: a DROP holds no string).
  const from = text.split('\n').slice(0, failure.line - 1).join('\n').length;
  const end = text.indexOf(';', from);
  if (end < 0) return undefined;
  const lineAt = (at: number) => text.slice(0, at).split('\n').length;
  const later: string[] = [];
  const others: string[] = [];
  for (const dependent of failure.detail.split('\n').map((l) => l.replace(/ depends on .*$/, ''))) {
    // A constraint, trigger, rule or policy the down removes later by itself, its table kept
    // (atproto bsky's create-moderation-subject-status: drop table moderation_event, then the
    // foreign keys of actor and record that reference it).
    const part = /^(constraint|trigger|rule|policy) (\S+) on (?:table|view|materialized view|foreign table) (\S+)$/.exec(dependent);
    if (part) {
      const [, kind, member, table] = part as unknown as [string, string, string, string];
      const m = `"?${regexLiteral(member)}"?(?![\\w$])`;
      const removes =
        kind === 'constraint'
          ? new RegExp(`\\bALTER\\s+TABLE\\s+(?:IF\\s+EXISTS\\s+)?(?:ONLY\\s+)?${relationName(table)}[^;]*?\\bDROP\\s+CONSTRAINT\\s+(?:IF\\s+EXISTS\\s+)?${m}`, 'i')
          : new RegExp(`\\bDROP\\s+${kind}\\s+(?:IF\\s+EXISTS\\s+)?${m}\\s+ON\\s+${relationName(table)}`, 'i');
      const removed = removes.exec(text.slice(end));
      if (removed) {
        later.push(`${kind} ${member} of ${table} (line ${lineAt(end + removed.index)})`);
        continue;
      }
    }
    const hit = DEPENDENTS.map(([re, drop]) => [re.exec(dependent), drop] as const).find(([m]) => m);
    if (!hit) continue;
    const [[, kind, name], drop] = hit as unknown as [[string, string, string], string];
    const label = `${kind} ${name}`;
    if (later.some((l) => l.startsWith(`${label} (`)) || others.includes(label)) continue;
    const dropped = new RegExp(`\\bDROP\\s+${drop}\\s+(?:IF\\s+EXISTS\\s+)?(?:[^;]*?,\\s*)?${relationName(name)}`, 'i').exec(text.slice(end));
    if (dropped) later.push(`${label} (line ${lineAt(end + dropped.index)})`);
    else others.push(label);
  }
  if (later.length === 0) return undefined;
  const rest = others.length ? `; ${others.join(', ')} ${others.length === 1 ? 'uses' : 'use'} it too: drop ${others.length === 1 ? 'it' : 'them'} first as well, or DROP … CASCADE where ${others.length === 1 ? 'it is' : 'they are'} ${migration.id}'s own` : '';
  return `${what} is used by ${later.join(', ')}, which this down drops after it (line ${failure.line}): drop ${what.replace(/^\S+ /, '')} last — a down drops what its up made in the reverse order${rest} ${editedDownRepair(module, failure.migration)}`;
}

/**
 * A down whose DROP fails because a column uses the object, where a migration after it added that
 * column (or created its table) and its down, which ran first, keeps it (ente's 053_add_apps down
 * drops type app, which 068_add_locker_changes gave collections a column of; 068's down only sets
 * the column to NULL): that migration, whose down must drop what its up added.
 */
function keptByLaterDown(failure: MigrationFailure, module: { name: string; migrations: readonly MigrationFile[] }, at: number, what: string): string | undefined {
  // Each dependent: a column, or a constraint (a trigger, a rule) of a table; what a later up that
  // made it looks like, and what in its down undoes it.
  const dependents = [...(failure.detail ?? '').matchAll(/\b(column|constraint|trigger|rule) (\S+) (?:of|on) table (\S+) depends on /g)];
  for (const [, part, member, table] of dependents as unknown as [string, string, string, string][]) {
    const t = relationName(table);
    const c = `"?${regexLiteral(member)}"?(?![\\w$])`;
    const column = part === 'column';
    const adds = column
      ? new RegExp(`\\bALTER\\s+TABLE\\s+(?:IF\\s+EXISTS\\s+)?(?:ONLY\\s+)?${t}[^;]*?\\bADD\\s+(?:COLUMN\\s+)?(?:IF\\s+NOT\\s+EXISTS\\s+)?${c}`, 'i')
      : part === 'constraint'
        ? new RegExp(`\\bALTER\\s+TABLE\\s+(?:IF\\s+EXISTS\\s+)?(?:ONLY\\s+)?${t}[^;]*?\\bADD\\s+CONSTRAINT\\s+${c}`, 'i')
        : undefined;
    const drops = new RegExp(`\\bALTER\\s+TABLE\\s+(?:IF\\s+EXISTS\\s+)?(?:ONLY\\s+)?${t}[^;]*?\\bDROP\\s+(?:${column ? 'COLUMN\\s+)?' : 'CONSTRAINT\\s+)'}(?:IF\\s+EXISTS\\s+)?${c}`, 'i');
    const creates = createsRelation(table.replace(/^.*\./, ''));
    const removes = new RegExp(`\\bDROP\\s+TABLE\\s+(?:IF\\s+EXISTS\\s+)?(?:[^;]*?,\\s*)?${t}`, 'i');
    // Only a migration with a down was reverted before this one.
    for (const later of module.migrations.slice(at + 1)) {
      const up = later.sql?.up;
      const down = later.sql?.down;
      if (up === undefined || down === undefined || !later.downPath) continue;
      const file = `${path.basename(later.downPath)}${down.trim() === '' ? ', empty' : ''}`;
      const kept = (object: string, made: string, statement: string) =>
        `${object} uses ${what}: ${later.id}, after ${failure.migration}, ${made}, and its down (${file}), which ran before this one, keeps it — ${statement}; where it has run already (this database), run that statement by hand before this down ${editedDownRepair(module.name, later.id)}`;
      if (adds?.test(code(up)) && !drops.test(code(down)) && !removes.test(code(down))) {
        return column
          ? kept(`column ${table}.${member}`, 'added the column', `drop the column in that down (ALTER TABLE ${table} DROP COLUMN ${member})`)
          : kept(`constraint ${member} of table ${table}`, 'added the constraint', `drop the constraint in that down (ALTER TABLE ${table} DROP CONSTRAINT ${member})`);
      }
      if (creates.test(code(up)) && !removes.test(code(down))) return kept(`table ${table} (its ${part} ${member})`, 'created the table', `drop the table in that down (DROP TABLE ${table})`);
    }
  }
  return undefined;
}

/**
 * A down naming a relation its migration (or one before) made, which a later migration's up drops
 * or renames while that migration's down does not make it again (lemmy's 2020-12-17
 * remove_fast_tables_and_views drops comment_report_view; its down leaves it gone, so 2020-10-13
 * create_report_tables' down cannot drop it): that migration, whose down the reverts ran first.
 */
function goneByLaterUp(failure: MigrationFailure, module: { name: string; migrations: readonly MigrationFile[] }, at: number, what: string, name: string, creates: RegExp): string | undefined {
  const n = relationName(name);
  const removes = new RegExp(`\\bDROP\\s+(?:MATERIALIZED\\s+)?(?:TABLE|VIEW|SEQUENCE|INDEX)\\s+(?:CONCURRENTLY\\s+)?(?:IF\\s+EXISTS\\s+)?(?:[^;]*?,\\s*)?${n}|\\bALTER\\s+(?:MATERIALIZED\\s+)?(?:TABLE|VIEW|SEQUENCE|INDEX)\\s+(?:IF\\s+EXISTS\\s+)?${n}\\s+RENAME\\s+TO\\b`, 'i');
  const back = new RegExp(`\\bRENAME\\s+TO\\s+"?${regexLiteral(name)}"?(?![\\w$])`, 'i');
  const later = module.migrations.slice(at + 1).find((m) => m.sql !== undefined && removes.test(code(m.sql.up)) && !(m.sql.down !== undefined && (creates.test(code(m.sql.down)) || back.test(code(m.sql.down)))));
  if (!later) return undefined;
  return `${what} is dropped (or renamed) by the up of ${later.id}, after ${failure.migration}, and ${later.downPath ? `its down does not make it again` : 'it has no down'}: reverting ${later.id} left it gone — its down must restore what its up removed (${what} as ${failure.migration} or a migration before it made it), or this down may say IF EXISTS ${editedDownRepair(module.name)}`;
}

/** A down file to fix, and the repair its edit needs where it was applied. */
function editedDownFix(module: string, id: string): string {
  return `fix ${id}'s down file, then accept the fix (the history's checksum covers it): bulkhead repair ${module} --accept ${id} --reason <why>`;
}

/**
 * What a database that applied a migration needs once its down file is edited (the checksum
 * covers it): the migration's id where the fix edits one down, else a placeholder.
 */
function editedDownRepair(module: string, id?: string): string {
  return `(a database that applied ${id ?? 'the migration whose down you edit'} accepts its edited down with bulkhead repair ${module} --accept ${id ?? '<its id>'} --reason "<why>")`;
}

/**
 * A down dropping a column a view still uses, where a later migration's down made that view again
 * (lemmy's 2021-03-09 split_user_table_2 down recreates user_alias_1 AS SELECT * FROM user_, which
 * then takes inbox_url, so 2021-02-02 apub_columns' down cannot drop it): the view's first
 * definition, made before the column, did not use it — a SELECT * takes the columns a table has
 * when the view is made.
 */
function columnStillUsed(failure: MigrationFailure, module: { name: string; migrations: readonly MigrationFile[] }): string | undefined {
  const m = /^cannot drop column (\S+) of table (\S+)/.exec(failure.message);
  const view = /\b(?:materialized )?view (\S+) depends on column/.exec(failure.detail ?? '')?.[1];
  const at = module.migrations.findIndex((x) => x.id === failure.migration);
  if (!m || !view || at < 0) return undefined;
  const [, column, table] = m as unknown as [string, string, string];
  const name = view.replace(/^.*\./, '');
  const creates = createsRelation(name);
  // Downs run latest first: the last to make the view again before this one is the earliest after it.
  const remade = module.migrations.slice(at + 1).find((x) => x.sql?.down !== undefined && creates.test(code(x.sql.down)));
  if (!remade) return `view ${view} uses column ${column} of ${table}: drop the view in this down before the column (and make it again without it after), or drop it in the down of the migration that made it use ${column}`;
  const down = remade.sql!.down!;
  const line = down.slice(0, creates.exec(down)!.index).split('\n').length;
  return `view ${view} uses column ${column} of ${table} because the down of ${remade.id}, which ran before this one, made it again (${path.basename(remade.downPath ?? `${remade.id}.down.sql`)}:${line}) while ${table} had ${column} — a SELECT * takes the columns the table has when the view is made: make that down list the view's columns as its earlier definition had them, or drop the view in this down before the column and make it again after ${editedDownRepair(module.name)}`;
}

/**
 * A schema that does not exist, named in lower case, where the manifest's `database.schema` is the
 * same name with capitals: Bulkhead quotes that one ("Billing"), and unquoted SQL folds to billing.
 */
function schemaCase(failure: MigrationFailure, module: { schema?: string; file?: string; name: string }): string | undefined {
  const missing = failure.pgCode === INVALID_SCHEMA_NAME ? /^schema "([^"]+)" does not exist/.exec(failure.message)?.[1] : undefined;
  if (!missing || !module.schema || module.schema === missing || module.schema.toLowerCase() !== missing) return undefined;
  return `the module's database.schema is "${module.schema}" (in ${module.file ?? `${module.name}'s bulkhead.json`}): Bulkhead quotes it, so it is the schema "${module.schema}", and ${missing} (unquoted SQL folds names to lower case) is another, which does not exist: write "${missing}" in the manifest, or "${module.schema}" quoted in the SQL`;
}

/** A CREATE FUNCTION or PROCEDURE of `name`. */
function createsRoutine(name: string): RegExp {
  return new RegExp(`\\bCREATE\\s+(?:OR\\s+REPLACE\\s+)?(?:FUNCTION|PROCEDURE)\\s+(?:(?:"[^"]+"|[\\w$]+)\\.)?"?${regexLiteral(name)}"?\\s*\\(`, 'i');
}

/** A CREATE TYPE or DOMAIN of `name`. */
function createsType(name: string): RegExp {
  return new RegExp(`\\bCREATE\\s+(?:TYPE|DOMAIN)\\s+(?:(?:"[^"]+"|[\\w$]+)\\.)?"?${regexLiteral(name)}"?(?![\\w$])`, 'i');
}

/**
 * "relation … already exists" where an earlier migration of the module creates it too (ory/hydra's
 * networks, kept beside the networkx migration that makes it): which one; else undefined (the
 * server's own fix stands: a database built before Bulkhead is adopted with baseline).
 */
function createdBefore(failure: MigrationFailure, module: { migrations: readonly MigrationFile[] }): string | undefined {
  const name = /^relation "(?:[^"]*\.)?([^".]+)" already exists/.exec(failure.message)?.[1];
  const at = module.migrations.findIndex((m) => m.id === failure.migration);
  if (!name || at <= 0 || failure.direction !== 'up') return undefined;
  const creates = createsRelation(name);
  const earlier = module.migrations.slice(0, at).find((m) => m.sql !== undefined && creates.test(code(m.sql.up)));
  if (!earlier) return undefined;
  return `${name} is created already by ${earlier.id}, which runs before ${failure.migration}: two migrations create it (one kept twice, under two versions?); keep one, or write CREATE … IF NOT EXISTS in the later — unless ${earlier.id} dropped it again and something else made it`;
}

/** The catalog query for the owner of an object of a kind, by the name a "must be owner of" message gives. */
const OWNER_OF: Record<string, string> = {
  relation: 'select pg_get_userbyid(relowner) as owner from pg_catalog.pg_class where oid = to_regclass($1)',
  type: 'select pg_get_userbyid(typowner) as owner from pg_catalog.pg_type where oid = to_regtype($1)',
  function: 'select pg_get_userbyid(proowner) as owner from pg_catalog.pg_proc where proname = $1 and pronamespace = any (current_schemas(false)::regnamespace[]) limit 1',
  schema: 'select pg_get_userbyid(nspowner) as owner from pg_catalog.pg_namespace where nspname = $1',
};
const RELATION_KINDS = new Set(['table', 'relation', 'view', 'materialized view', 'sequence', 'index', 'foreign table']);

/** The ALTER … OWNER TO form for an object of a kind a message names (a relation or index is altered as a table). */
function alterKeyword(kind: string): string {
  return kind === 'relation' || kind === 'index' ? 'TABLE' : kind.toUpperCase();
}

/**
 * "must be owner of table t", "permission denied for table t": the object belongs to another role
 * than the one migrating (made by hand, by another tool, or before db create gave the module a
 * role of its own). Who owns it, and the ways to let the migration change or use it.
 */
async function ownerOrPrivilegeFix(db: SqlSession, failure: MigrationFailure): Promise<string | undefined> {
  if (failure.pgCode !== INSUFFICIENT_PRIVILEGE || failure.connectionLost) return undefined;
  const denied = /^permission denied for (table|relation|view|materialized view|sequence|schema|function|procedure) (.+)$/.exec(failure.message);
  const m = denied ?? /^must be owner of (table|relation|view|materialized view|sequence|index|foreign table|type|function|procedure|schema) (.+)$/.exec(failure.message);
  if (!m) return undefined;
  const [, kind, name] = m as unknown as [string, string, string];
  const sql = OWNER_OF[RELATION_KINDS.has(kind) ? 'relation' : kind === 'procedure' ? 'function' : kind];
  let found: { owner?: string; current?: string; database?: string; superuser?: boolean };
  try {
    const { rows } = await db.query(`select o.owner, current_user as current, current_database() as database, r.rolsuper as superuser from (${sql}) o left join pg_catalog.pg_roles r on r.rolname = o.owner`, [name]);
    found = (rows[0] ?? {}) as typeof found;
  } catch {
    return undefined;
  }
  const { owner: role, current, database, superuser } = found;
  if (!role || !current) return undefined;
  // PostgreSQL 15's public schema belongs to whichever role owns the database.
  const owner = role === 'pg_database_owner' ? "the database's owner" : role;
  if (denied) {
    // A privilege the migrating role lacks (PostgreSQL 15: CREATE on public for all but the database's owner).
    const grant = kind === 'schema' ? `GRANT CREATE, USAGE ON SCHEMA ${name} TO ${sqlName(current)}` : kind === 'function' || kind === 'procedure' ? `GRANT EXECUTE ON ${kind.toUpperCase()} ${name} TO ${sqlName(current)}` : `GRANT SELECT, INSERT, UPDATE, DELETE ON ${kind === 'sequence' ? 'SEQUENCE' : 'TABLE'} ${name} TO ${sqlName(current)}`;
    const giveOver = role !== owner
      ? `make ${current} the database's owner, as bulkhead db create does (ALTER DATABASE ${sqlName(database ?? '<database>')} OWNER TO ${sqlName(current)})`
      : `give it to the module's role (ALTER ${alterKeyword(kind)} ${name} OWNER TO ${sqlName(current)})`;
    return `${kind} ${name} belongs to ${role === owner ? `role ${owner}` : owner}, and the migration runs as ${current}, which lacks the privilege: ${grant} (run as ${owner} or a superuser), or ${giveOver}`;
  }
  // Membership of a superuser's role is not offered: it would hand the module everything that role owns.
  const member = superuser || role !== owner ? '' : `, or let ${current} act as ${owner} (GRANT ${sqlName(owner)} TO ${sqlName(current)})`;
  return `${kind} ${name} belongs to ${role === owner ? `role ${owner}` : owner}, and the migration runs as ${current}: only its owner${superuser ? '' : ' (or a member of that role)'} may change it — give it to the module's role (ALTER ${alterKeyword(kind)} ${name} OWNER TO ${sqlName(current)}, run as ${owner} or a superuser)${member}. Objects made by hand or by another tool keep the role that made them`;
}

/**
 * A DROP CONSTRAINT naming an index that is no constraint (rust-lang/crates.io's 2024-10-25
 * make-unique-version-unique: its up makes a unique index, CREATE UNIQUE INDEX CONCURRENTLY, its
 * down drops it as a constraint): the catalog has an index of that name on that table.
 */
async function indexNotConstraint(db: SqlSession, failure: MigrationFailure, module: { name: string }): Promise<string | undefined> {
  if (failure.connectionLost || failure.pgCode !== UNDEFINED_OBJECT) return undefined;
  const [, name, table] = /^constraint "([^"]+)" of relation "([^"]+)" does not exist/.exec(failure.message) ?? [];
  if (name === undefined || table === undefined) return undefined;
  try {
    const { rows } = await db.query(
      `select 1 from pg_catalog.pg_index x join pg_catalog.pg_class i on i.oid = x.indexrelid join pg_catalog.pg_class t on t.oid = x.indrelid
       where i.relname = $1 and t.relname = $2 and pg_catalog.pg_table_is_visible(t.oid)`,
      [name, table],
    );
    if (!rows.length) return undefined;
  } catch {
    return undefined;
  }
  const repair = failure.direction === 'down' ? ` ${editedDownRepair(module.name, failure.migration)}` : '';
  return `${name} is an index of ${table} (made by CREATE INDEX), not a constraint: drop it with DROP INDEX ${sqlName(name)} (DROP INDEX CONCURRENTLY in a -- bulkhead:no-transaction file)${repair}`;
}

/**
 * A failure's fix that needs the database to know: an unqualified table, function or type the migration
 * could not find, which the database has in a schema off the search path (supabase/storage's
 * migrations name `iceberg_namespaces`, created as `storage.iceberg_namespaces`, and run with
 * `search_path=storage,public`). Asked after the migration has rolled back, on the session that
 * ran it; undefined when the session is gone or the catalog has no such object.
 */
async function explainFromCatalog(db: SqlSession, failure: MigrationFailure): Promise<string | undefined> {
  if (failure.connectionLost) return undefined;
  const table = failure.pgCode === UNDEFINED_TABLE ? /^relation "([^".]+)" does not exist/.exec(failure.message)?.[1] : undefined;
  const fn = failure.pgCode === UNDEFINED_FUNCTION ? /^function "?([\w$]+)"?\(/.exec(failure.message)?.[1] : undefined;
  const type = failure.pgCode === UNDEFINED_OBJECT ? /^type "([^".[]+)(?:\[\])*" does not exist/.exec(failure.message)?.[1] : undefined;
  const name = table ?? fn ?? type;
  if (!name) return undefined;
  const catalog = table
    ? 'select n.nspname as schema from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace where c.relname = $1'
    : fn
      ? 'select n.nspname as schema from pg_catalog.pg_proc p join pg_catalog.pg_namespace n on n.oid = p.pronamespace where p.proname = $1'
      : 'select n.nspname as schema from pg_catalog.pg_type t join pg_catalog.pg_namespace n on n.oid = t.typnamespace where t.typname = $1';
  let rows: { schema: string; path: string }[];
  try {
    // A function of that name on the search path means a wrong signature, not a wrong schema.
    ({ rows } = await db.query(
      `select distinct o.schema, current_setting('search_path') as path from (${catalog}) o
       where not (o.schema = any (current_schemas(true))) and o.schema not like 'pg\\_%' and o.schema <> 'information_schema'
         and not exists (select 1 from (${catalog}) s where s.schema = any (current_schemas(true)))
       order by 1`,
      [name],
    ));
  } catch {
    return undefined;
  }
  if (!rows.length) return undefined;
  const schemas = rows.map((r) => r.schema);
  const one = schemas[0]!;
  const what = fn ? `${name}()` : type ? `type ${name}` : name;
  const where = schemas.length === 1 ? `schema ${one}` : `schemas ${schemas.join(', ')}`;
  return (
    `${what} exists in ${where}, which is not on the search path (${rows[0]!.path}): write ${sqlName(one)}.${sqlName(name)}` +
    `, or, if the module's objects live in ${one}, say so in its bulkhead.json ("database": { "schema": "${one}" }): Bulkhead then puts ${one} first on the search path and keeps the module's history table there`
  );
}
