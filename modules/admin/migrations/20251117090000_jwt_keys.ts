import type { Knex } from 'knex';

// Signing keys with rotation: at most one active key at a time.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('jwt_keys', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.text('kid').notNullable().unique();
    t.text('algorithm').notNullable().defaultTo('RS256');
    t.text('public_key').notNullable();
    t.text('private_key_ref').notNullable();
    t.boolean('active').notNullable().defaultTo(false);
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw('CREATE UNIQUE INDEX jwt_keys_one_active_idx ON jwt_keys (active) WHERE active');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('jwt_keys');
}
