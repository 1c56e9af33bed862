import { ident, literal } from '../db/postgres.js';
import { sqlName } from '../text.js';
/**
 * Other migration tools' history tables, with the tool: by bare name (kept in the schema the
 * tool migrates) or schema-qualified (kept in a schema of the tool's own). A database that has
 * one and no Bulkhead history was migrated by that tool (adopt it with `baseline`); migrations
 * written for those tools sometimes alter them (Harbor's 0030 adds a column to golang-migrate's).
 */
export const OTHER_TOOLS_HISTORY: ReadonlyMap<string, string> = new Map([
  ['schema_migrations', 'golang-migrate, dbmate and Rails'],
  ['schema_migration', 'pop (ory popx)'],
  ['goose_db_version', 'goose'],
  ['flyway_schema_history', 'Flyway'],
  ['knex_migrations', 'knex'],
  ['knex_migrations_lock', 'knex'],
  ['__diesel_schema_migrations', 'diesel'],
  ['_prisma_migrations', 'Prisma'],
  ['alembic_version', 'Alembic'],
  ['atlas_schema_revisions', 'Atlas'],
  ['gorp_migrations', 'sql-migrate'],
  ['pgmigrations', 'node-pg-migrate'],
  ['_sqlx_migrations', 'sqlx'],
  ['seaql_migrations', 'SeaORM'],
  ['django_migrations', 'Django'],
  ['SequelizeMeta', 'Sequelize'],
  ['kysely_migration', 'Kysely'],
  ['databasechangelog', 'Liquibase'],
  ['databasechangeloglock', 'Liquibase'],
  ['schema_version', 'Flyway (before 5) and tern'],
  ['mikro_orm_migrations', 'MikroORM'],
  ['__EFMigrationsHistory', 'Entity Framework'],
  ['phinxlog', 'Phinx'],
  ['doctrine_migration_versions', 'Doctrine Migrations'],
  ['refinery_schema_history', 'refinery'],
  ['_yoyo_migration', 'yoyo'],
  ['play_evolutions', 'Play evolutions'],
  ['pgroll.migrations', 'pgroll'],
  ['drizzle.__drizzle_migrations', 'Drizzle'],
  ['supabase_migrations.schema_migrations', 'the Supabase CLI'],
  ['graphile_migrate.migrations', 'graphile-migrate'],
  ['atlas_schema_revisions.atlas_schema_revisions', 'Atlas'],
  ['sqitch.changes', 'Sqitch'],
]);

/** Schemas the tools above keep their history in: a trace of the tool, not part of a module's schema. */
export const OTHER_TOOLS_SCHEMAS: ReadonlySet<string> = new Set([...OTHER_TOOLS_HISTORY.keys()].filter((k) => k.includes('.')).map((k) => k.split('.')[0]!));

/** The tool whose history table this is (`schema.table`; a bare name in any schema), if any. */
export function otherToolOf(schema: string, table: string): string | undefined {
  return OTHER_TOOLS_HISTORY.get(`${schema}.${table}`) ?? OTHER_TOOLS_HISTORY.get(table);
}

/** Another tool's history table found in a unit's database (`schema.table`), and the tool. */
export interface ForeignHistory {
  table: string;
  tool: string;
  /** What it says was applied, where it could be read (a database with no Bulkhead history). */
  applied?: ForeignApplied;
}

/**
 * The migrations another tool's history records as applied: each one's version or name as the
 * tool wrote it (`20240101120000`, `20240101120000_users.sql`, `V3`), or, for a tool that keeps
 * only its last version (golang-migrate), that version with `upTo`; `dirty` when that tool marks
 * its last migration unfinished.
 */
export interface ForeignApplied {
  entries: string[];
  upTo?: boolean;
  dirty?: boolean;
}

/** int2, int4, int8 (pg's type oids). */
const INTEGER_TYPES = new Set([20, 21, 23]);

/** Columns naming an applied migration, by tool: the first a table has is read (not Alembic's version_num: a revision hash, whose leading digits would pass for a version). */
const NAME_COLUMNS = ['migration_name', 'version_id', 'version', 'name', 'id', 'script', 'change'];

/**
 * Read what another tool's history table says was applied (at most 100,000 rows); undefined when
 * it cannot be read or has no column naming migrations. Rows the tool marks failed, rolled back or
 * unapplied are left out.
 */
export async function readForeignApplied(q: { query(text: string): Promise<{ rows: Record<string, unknown>[]; fields: { name: string; dataTypeID?: number }[] }> }, table: string): Promise<ForeignApplied | undefined> {
  const [schema, name] = table.split('.') as [string, string];
  const qualified = `${ident(schema)}.${ident(name)}`;
  let result: { rows: Record<string, unknown>[]; fields: { name: string; dataTypeID?: number }[] };
  try {
    // Asked first, so a table this role may not read fails nothing (the read may be inside a transaction).
    const may = await q.query(`SELECT has_schema_privilege(${literal(schema)}, 'USAGE') AND has_table_privilege(${literal(qualified)}, 'SELECT') AS ok`);
    if (may.rows[0]?.ok !== true) return undefined;
    result = await q.query(`SELECT * FROM ${qualified} LIMIT 100000`);
  } catch {
    return undefined;
  }
  const columns = new Set(result.fields.map((f) => f.name));
  const column = NAME_COLUMNS.find((c) => columns.has(c));
  // An integer id is a row number (Drizzle's serial beside its hashes), not a migration's version.
  if (!column || (column === 'id' && INTEGER_TYPES.has(result.fields.find((f) => f.name === 'id')?.dataTypeID ?? 0))) return undefined;
  const failed = (r: Record<string, unknown>) =>
    r.success === false || r.is_applied === false || (columns.has('finished_at') && r.finished_at == null) || r.rolled_back_at != null;
  let rows = result.rows;
  // goose keeps a row per apply and per rollback: a version's latest row says where it stands.
  if (columns.has('is_applied') && columns.has('version_id')) {
    const latest = new Map<string, Record<string, unknown>>();
    for (const r of [...rows].sort((a, b) => Number(a.id ?? 0) - Number(b.id ?? 0))) latest.set(String(r.version_id), r);
    rows = [...latest.values()];
  }
  const entries = rows.filter((r) => !failed(r) && r[column] != null && String(r[column]) !== '0').map((r) => String(r[column]));
  // golang-migrate: one row, the last version applied (every earlier one is, too), dirty if it stopped midway.
  if (columns.has('dirty')) return { entries, upTo: true, dirty: rows.some((r) => r.dirty === true) };
  return { entries };
}

/**
 * A migration's version, or another tool's record of one (`20240101120000`, `V3`, a file name),
 * reduced to compare: its leading digits without leading zeros; diesel's dated form
 * (`2019-02-26-002946`) as one number.
 */
function versionKey(s: string): string | undefined {
  const base = s.replace(/(\.(up|down))?\.(sql|ts|js|py|go)$/i, '');
  const dated = /^(\d{4})-(\d{2})-(\d{2})-(\d{6})/.exec(base);
  const digits = dated ? dated.slice(1).join('') : /^[Vv]?(\d+)/.exec(base)?.[1];
  return digits?.replace(/^0+(?=\d)/, '');
}

/**
 * Which of a module's migrations (in run order) another tool's history says were applied, matched
 * by id (file name without its extension) or by version; the last of them is what `baseline
 * --at` takes. `missing`: migrations before that last one the tool has no record of.
 */
export function matchForeignApplied(migrations: readonly { id: string; version: string }[], applied: ForeignApplied): { last?: string; count: number; missing: string[] } {
  const names = new Set(applied.entries.map((e) => e.replace(/\.(up\.)?(sql|ts|js)$/i, '')));
  const keys = applied.entries.map(versionKey).filter((k): k is string => k !== undefined);
  const versions = new Set(keys);
  const ceiling = applied.upTo && keys.length ? keys.map((k) => BigInt(k)).reduce((a, b) => (a > b ? a : b)) : undefined;
  const isApplied = (m: { id: string; version: string }) => {
    if (names.has(m.id)) return true;
    const k = versionKey(m.version);
    if (k === undefined) return false;
    return ceiling !== undefined ? BigInt(k) <= ceiling : versions.has(k);
  };
  const flags = migrations.map(isApplied);
  const lastIndex = flags.lastIndexOf(true);
  if (lastIndex < 0) return { count: 0, missing: [] };
  return { last: migrations[lastIndex]!.id, count: flags.filter(Boolean).length, missing: migrations.slice(0, lastIndex).filter((_, i) => !flags[i]).map((m) => m.id) };
}

/** What Supabase's platform makes in a project's database (its services' schemas, its API roles), which a project's migrations use and never create. */
const SUPABASE = { schema: new Set(['auth', 'storage', 'realtime', 'graphql', 'graphql_public', 'vault', 'supabase_functions', 'pgsodium', 'net']), role: new Set(['anon', 'authenticated', 'service_role', 'supabase_admin', 'supabase_auth_admin', 'supabase_storage_admin', 'authenticator']) };

/** The fix for a schema or role a platform provides (Supabase's auth schema, its authenticated role), if it is one. */
/** What to do about a role the server does not have (a platform's, or one to create). */
export function missingRoleFix(role: string): string {
  return (
    platformOf(role, 'role') ??
    `roles belong to the server, not to a database: create ${role} where the module's database is set up (bulkhead db create makes the module's own role), or in an earlier migration (DO $$ BEGIN CREATE ROLE ${sqlName(role)}; EXCEPTION WHEN duplicate_object THEN NULL; END $$)`
  );
}

export function platformOf(name: string, kind: 'schema' | 'role'): string | undefined {
  if (!SUPABASE[kind].has(name)) return undefined;
  return `${kind} ${name} is Supabase's: its platform makes it, not these migrations, which expect a Supabase database — point the module's URL at one (supabase start runs one locally); on plain PostgreSQL, create what they use of it first, in a migration of its own (drift and verify rebuild on a scratch database, which needs it too)`;
}
