import type { Knex } from 'knex';

// The registry of storage elements, written with knex's schema builder (native enums).
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('storage_elements', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.text('name').notNullable().unique();
    t.text('base_url').notNullable();
    t.enu('type', ['local', 's3', 'nfs'], { useNative: true, enumName: 'storage_type_enum' }).notNullable();
    t.enu('status', ['online', 'degraded', 'offline'], { useNative: true, enumName: 'storage_status_enum' })
      .notNullable()
      .defaultTo('online');
    t.enu('mode', ['edit', 'read_write', 'read_only', 'archive'], { useNative: true, enumName: 'storage_mode_enum' })
      .notNullable()
      .defaultTo('edit');
    t.bigInteger('capacity_bytes').notNullable();
    t.timestamps(true, true);
    t.index(['status', 'mode']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('storage_elements');
  await knex.raw('DROP TYPE storage_mode_enum');
  await knex.raw('DROP TYPE storage_status_enum');
  await knex.raw('DROP TYPE storage_type_enum');
}
