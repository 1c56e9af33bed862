/**
 * Other migration tools' history tables, by name, with the tool. A database that has one and no
 * Bulkhead history was migrated by that tool (adopt it with `baseline`); migrations written for
 * those tools sometimes alter them (Harbor's 0030 adds a column to golang-migrate's).
 */
export const OTHER_TOOLS_HISTORY: ReadonlyMap<string, string> = new Map([
  ['schema_migrations', 'golang-migrate, dbmate and Rails'],
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
  ['schema_migration', 'pop (ory popx)'],
]);
