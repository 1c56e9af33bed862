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
