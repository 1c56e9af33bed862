import type { Knex } from 'knex';

// Retention: when a file may be deleted, and an index for the sweeper.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('storage_files', (t) => {
    t.timestamp('retain_until', { useTz: true });
    t.index(['retain_until'], 'storage_files_retain_until_idx');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('storage_files', (t) => {
    t.dropIndex(['retain_until'], 'storage_files_retain_until_idx');
    t.dropColumn('retain_until');
  });
}
