import { describe, expect, it } from 'vitest';
import { expectRule, findings } from './test-helper.js';

describe('BH-X803 newer-postgres', () => {
  it('flags what it must and leaves the near misses alone', async () => {
    await expectRule(
      'BH-X803',
      ["MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN UPDATE SET v = s.v;", "CREATE UNIQUE INDEX i ON t (a) NULLS NOT DISTINCT;"],
      ["UPDATE t SET v = 1 WHERE id = 2;"],
      { pgVersion: 14 },
    );
  });

  it("what real sets use that older servers refuse (lemmy's alias-less subquery failed on 15 after 240 migrations had run)", async () => {
    await expectRule(
      'BH-X803',
      [
        'CREATE TABLE comment_actions AS SELECT person_id FROM (SELECT person_id FROM comment_like UNION ALL SELECT person_id FROM comment_saved) GROUP BY person_id;',
        "SELECT '{}' IS JSON;",
        "UPDATE t SET doc = JSON_OBJECT('a': 1);",
        "SELECT JSON_VALUE(doc, '$.a') FROM t;",
        'GRANT app_reader TO app WITH INHERIT TRUE;',
        'ALTER TABLE t ALTER COLUMN total SET EXPRESSION AS (price * qty);',
      ],
      [
        'CREATE TABLE a AS SELECT person_id FROM (SELECT person_id FROM comment_like) AS x;',
        'SELECT * FROM generate_series(1, 3);',
        "SELECT doc -> 'a' FROM t;",
        'GRANT app_reader TO app WITH ADMIN OPTION;',
        // Older than 15: fine on 15.
        'CREATE OR REPLACE TRIGGER t BEFORE INSERT ON x FOR EACH ROW EXECUTE FUNCTION f();',
        'CREATE VIEW v WITH (security_invoker = true) AS SELECT 1;',
      ],
      { pgVersion: 15 },
    );
    await expectRule(
      'BH-X803',
      [
        'CREATE OR REPLACE TRIGGER t BEFORE INSERT ON x FOR EACH ROW EXECUTE FUNCTION f();',
        'CREATE FUNCTION one() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; END;',
        'CREATE TABLE t (body text COMPRESSION lz4);',
        'ALTER TABLE p DETACH PARTITION c CONCURRENTLY;',
        'CREATE VIEW v WITH (security_invoker = true) AS SELECT 1;',
      ],
      ['CREATE TRIGGER t BEFORE INSERT ON x FOR EACH ROW EXECUTE FUNCTION f();', "CREATE FUNCTION one() RETURNS int LANGUAGE sql AS 'SELECT 1';", 'CREATE VIEW v WITH (security_barrier = true) AS SELECT 1;'],
      { pgVersion: 13 },
    );
  });

  it('names the newest form a statement uses', async () => {
    expect(await findings('BH-X803', "CREATE OR REPLACE TRIGGER t BEFORE INSERT ON x FOR EACH ROW WHEN (JSON_EXISTS(NEW.doc, '$.a')) EXECUTE FUNCTION f();", { pgVersion: 13 })).toEqual([
      '1:1 JSON_EXISTS() needs PostgreSQL 17; the target is 13',
    ]);
  });

  it("built-in functions newer than the target (a backfill's any_value(), a default's uuidv7()); not another schema's, not a module's own of that name", async () => {
    await expectRule(
      'BH-X803',
      ['UPDATE t SET owner = (SELECT any_value(o) FROM owners);', 'ALTER TABLE t ALTER COLUMN id SET DEFAULT uuidv7();', 'SELECT pg_catalog.random_normal();'],
      ['ALTER TABLE t ALTER COLUMN id SET DEFAULT public.uuidv7();', "SELECT regexp_replace(name, 'a', 'b') FROM t;", 'SELECT uuid_generate_v4();'],
      { pgVersion: 15 },
    );
    expect(await findings('BH-X803', 'ALTER TABLE t ALTER COLUMN id SET DEFAULT uuidv7();', { pgVersion: 15 })).toEqual(['1:1 uuidv7() needs PostgreSQL 18; the target is 15']);
    // Many projects define their own uuidv7(): then it is theirs, on any server.
    const polyfill = 'CREATE OR REPLACE FUNCTION uuidv7() RETURNS uuid LANGUAGE sql AS $$ SELECT gen_random_uuid() $$;';
    expect(await findings('BH-X803', 'ALTER TABLE t ALTER COLUMN id SET DEFAULT uuidv7();', { pgVersion: 15, before: polyfill })).toEqual([]);
    expect(await findings('BH-X803', 'SELECT any_value(x) FROM t;', { pgVersion: 16 })).toEqual([]);
  });

  it("PostgreSQL 18's forms (lemmy's down re-creates tables with CONSTRAINT … NOT NULL column, which 15 refuses), 17's and 15's that were missed", async () => {
    await expectRule(
      'BH-X803',
      [
        'CREATE TABLE m (community_id int, CONSTRAINT m_community_id_not_null NOT NULL community_id, PRIMARY KEY (community_id));',
        'ALTER TABLE t ADD CONSTRAINT t_a_not_null NOT NULL a NOT VALID;',
        'CREATE TABLE t (a int, b int GENERATED ALWAYS AS (a * 2));',
        'CREATE TABLE t (a int, b int GENERATED ALWAYS AS (a * 2) VIRTUAL);',
        'ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0) NOT ENFORCED;',
        'CREATE TABLE t (a int REFERENCES u NOT ENFORCED);',
        'CREATE TABLE t (id int, valid tstzrange, PRIMARY KEY (id, valid WITHOUT OVERLAPS));',
        'CREATE TABLE t (id int, valid tstzrange, FOREIGN KEY (id, PERIOD valid) REFERENCES u (id, PERIOD valid));',
        'UPDATE t SET a = a + 1 RETURNING old.a, new.a;',
        'DELETE FROM t RETURNING WITH (OLD AS o) o.a;',
      ],
      [
        'CREATE TABLE t (a int CONSTRAINT a_nn NOT NULL, b int NOT NULL DEFAULT 0, CHECK (b >= 0), FOREIGN KEY (a) REFERENCES u);',
        'ALTER TABLE t ALTER COLUMN a SET NOT NULL;',
        'ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0) NOT VALID;',
        'SELECT * FROM t WHERE a IS NOT NULL AND b > 0;',
        'CREATE TABLE t (a int, b int GENERATED ALWAYS AS (a * 2) STORED, c int GENERATED ALWAYS AS IDENTITY);',
        'CREATE DOMAIN d AS int CHECK (VALUE > 0);',
        'UPDATE t SET a = 1 RETURNING a, t.b;',
        'INSERT INTO t AS new VALUES (1) RETURNING new.a;',
      ],
      { pgVersion: 17 },
    );
    await expectRule(
      'BH-X803',
      [
        'MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN DELETE RETURNING t.id;',
        'MERGE INTO t USING s ON t.id = s.id WHEN NOT MATCHED BY SOURCE THEN DELETE;',
        'GRANT MAINTAIN ON t TO app;',
      ],
      ['MERGE INTO t USING s ON t.id = s.id WHEN NOT MATCHED THEN INSERT VALUES (s.id);', 'GRANT SELECT, UPDATE ON t TO app;'],
      { pgVersion: 16 },
    );
    await expectRule(
      'BH-X803',
      [
        'ALTER VIEW v SET (security_invoker = on);',
        'GRANT SET ON PARAMETER work_mem TO app;',
        'CREATE PUBLICATION p FOR TABLES IN SCHEMA s;',
        'CREATE TABLE t (a int, b int, FOREIGN KEY (a, b) REFERENCES u ON DELETE SET NULL (b));',
      ],
      ['ALTER VIEW v SET (security_barrier = on);', 'CREATE PUBLICATION p FOR TABLE t;', 'CREATE TABLE t (a int REFERENCES u ON DELETE SET NULL);'],
      { pgVersion: 14 },
    );
    await expectRule('BH-X803', ['WITH RECURSIVE x(a) AS (SELECT 1) SEARCH DEPTH FIRST BY a SET o SELECT * FROM x;'], ['WITH RECURSIVE x(a) AS (SELECT 1) SELECT * FROM x;'], { pgVersion: 13 });
    expect(await findings('BH-X803', 'CREATE TABLE t (a int, b int GENERATED ALWAYS AS (a * 2) STORED, CONSTRAINT n NOT NULL a);', { pgVersion: 11 })).toEqual([
      '1:1 a NOT NULL table constraint (CONSTRAINT … NOT NULL column) needs PostgreSQL 18; the target is 11',
    ]);
  });
});
