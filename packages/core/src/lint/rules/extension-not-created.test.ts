import { describe, expect, it } from 'vitest';
import { expectRule, findings } from './test-helper.js';

describe('BH-X805 extension-not-created', () => {
  it("flags a type, function or operator class of an extension nothing creates (chirpstack's gin_trgm_ops, pg_trgm from its docker init), not one declared, created before, or the module's own", async () => {
    await expectRule(
      'BH-X805',
      [
        'CREATE INDEX idx_tenant_name_trgm ON tenant USING gin (name gin_trgm_ops);',
        'CREATE TABLE users (email citext NOT NULL);',
        'ALTER TABLE users ALTER COLUMN id SET DEFAULT uuid_generate_v4();',
        'CREATE TABLE places (id int, at geography(Point, 4326));',
        "SELECT ST_MakePoint(1, 2);",
        'CREATE INDEX ON docs USING gist (path gist_ltree_ops);',
        "SELECT 'a'::public.citext;",
      ],
      [
        // Declared: db create makes it.
        'CREATE INDEX ON tenant USING gin (name jsonb_path_ops);',
        'CREATE TABLE users (email text, id uuid DEFAULT gen_random_uuid());',
        // Created earlier in the file, or by a DO block before it.
        'CREATE EXTENSION IF NOT EXISTS "uuid-ossp";\nALTER TABLE users ALTER COLUMN id SET DEFAULT uuid_generate_v4();',
        "DO $$ BEGIN CREATE EXTENSION IF NOT EXISTS pg_trgm; END $$;\nCREATE INDEX ON tenant USING gin (name gin_trgm_ops);",
        // A function body is a string: not read.
        "CREATE FUNCTION f() RETURNS uuid LANGUAGE sql AS $$ SELECT uuid_generate_v4() $$;",
        // The extension's own statements.
        'CREATE EXTENSION citext;',
      ],
      { extensions: [] },
    );
    // Declared, or created by an earlier migration of the module; its own function or type of the name.
    expect(await findings('BH-X805', 'CREATE TABLE users (email citext);', { extensions: ['citext'] })).toEqual([]);
    expect(await findings('BH-X805', 'CREATE INDEX ON t USING gin (name gin_trgm_ops);', { before: 'CREATE EXTENSION pg_trgm;' })).toEqual([]);
    expect(await findings('BH-X805', 'SELECT uuid_generate_v4();', { before: "CREATE FUNCTION uuid_generate_v4() RETURNS uuid LANGUAGE sql AS 'SELECT gen_random_uuid()';" })).toEqual([]);
    expect(await findings('BH-X805', 'CREATE TABLE t (v vector);', { before: 'CREATE TYPE vector AS (x float8, y float8);' })).toEqual([]);
    expect(await findings('BH-X805', 'CREATE TABLE users (email citext, id uuid DEFAULT uuid_generate_v4());')).toEqual([
      '1:1 type citext comes from the extension citext, which no migration of app creates and modules/app/bulkhead.json does not declare',
      '1:1 uuid_generate_v4() comes from the extension uuid-ossp, which no migration of app creates and modules/app/bulkhead.json does not declare',
    ]);
  });
});
