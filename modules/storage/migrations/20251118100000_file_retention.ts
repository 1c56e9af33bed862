import type { Knex } from 'knex';

// Retention: when a file may be deleted, and an index for the sweeper. storage_files is busy, so
// the index is built CONCURRENTLY, which cannot run inside a transaction.
export const config = { transaction: false };

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('storage_files', (t) => {
    t.timestamp('retain_until', { useTz: true });
  });
  await knex.raw('CREATE INDEX CONCURRENTLY IF NOT EXISTS storage_files_retain_until_idx ON storage_files (retain_until)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX CONCURRENTLY IF EXISTS storage_files_retain_until_idx');
  await knex.schema.alterTable('storage_files', (t) => {
    t.dropColumn('retain_until');
  });
}
