import { describe, it } from 'vitest';
import { expectRule } from './test-helper.js';

describe('BH-Y604 types-int-pk', () => {
  it('flags what it must and leaves the near misses alone', async () => {
    await expectRule(
      'BH-Y604',
      ["CREATE TABLE t (id serial PRIMARY KEY);", "CREATE TABLE t (id int, PRIMARY KEY (id));", "CREATE TABLE t (tenant uuid, id serial, PRIMARY KEY (tenant, id));", "CREATE TABLE t (tenant uuid, id int GENERATED ALWAYS AS IDENTITY, PRIMARY KEY (tenant, id));", "CREATE TABLE t (tenant uuid, id int DEFAULT nextval('s'), PRIMARY KEY (tenant, id));"],
      ["CREATE TABLE t (id bigserial PRIMARY KEY);", "CREATE TABLE d (crate_id integer PRIMARY KEY REFERENCES crates (id));", "CREATE TABLE e (v int, PRIMARY KEY (v), FOREIGN KEY (v) REFERENCES versions (id));", "CREATE TABLE t (id int, other bigint PRIMARY KEY);", "CREATE TABLE group_edge (source_id uuid, state smallint NOT NULL DEFAULT 0, position bigint, PRIMARY KEY (source_id, state, position));"],
      {},
    );
  });
});
