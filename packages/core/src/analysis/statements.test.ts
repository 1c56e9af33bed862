import { describe, expect, it } from 'vitest';
import { analyzeSqlFile } from './objects.js';
import { insideOwnTransaction, isTransactionControl, nonTransactional, shortenSql, rememberStatements, splitStatements, SqlSyntaxError } from './statements.js';

describe('splitStatements', () => {
  it('splits on the real grammar: dollar quotes, comments, semicolons in strings', async () => {
    const sql = `-- header
CREATE TABLE a (id int, note text DEFAULT 'x;y');

CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$
BEGIN
  RETURN 1; -- inside
END $$;
/* block */ INSERT INTO a VALUES (1, 'é;')`;
    const s = await splitStatements(sql);
    expect(s.map((x) => [x.kind, x.line])).toEqual([
      ['CreateStmt', 2],
      ['CreateFunctionStmt', 4],
      ['InsertStmt', 8],
    ]);
    expect(s[2]!.text).toBe("INSERT INTO a VALUES (1, 'é;')");
  });

  it('the analysis splits a file exactly as the runner does, from one parse; a remembered split is used without parsing', async () => {
    const sql = "-- é header\nCREATE TABLE é (id int);\n\nCREATE INDEX CONCURRENTLY é_i ON é (id);\nSELECT 'a;b'";
    const { statements } = await analyzeSqlFile(sql);
    const direct = await splitStatements(sql);
    rememberStatements('k:up', statements);
    expect(await splitStatements(sql, 'k:up')).toEqual(direct);
    expect(direct.map((x) => [x.text, x.line, x.node.concurrent ?? false])).toEqual([
      ['CREATE TABLE é (id int)', 2, false],
      ['CREATE INDEX CONCURRENTLY é_i ON é (id)', 4, true],
      ["SELECT 'a;b'", 5, false],
    ]);
    // An ASCII file takes the same split by character offsets.
    const ascii = "-- header\nCREATE TABLE e (id int);\n\n  SELECT 'a;b'  ;\n";
    rememberStatements('k3:up', (await analyzeSqlFile(ascii)).statements);
    expect((await splitStatements(ascii, 'k3:up')).map((x) => [x.text, x.line])).toEqual([
      ['CREATE TABLE e (id int)', 2],
      ["SELECT 'a;b'", 4],
    ]);
    // The key is the file's checksum: a remembered split is trusted as is (no parse, so no syntax check).
    rememberStatements('k2:up', []);
    expect(await splitStatements('NOT SQL AT ALL', 'k2:up')).toEqual([]);
  });

  it('names the line of a syntax error', async () => {
    await expect(splitStatements('SELECT 1;\n\nSELEC 2;')).rejects.toMatchObject({ line: 3 });
    await expect(splitStatements('SELECT 1;\n\nSELEC 2;')).rejects.toBeInstanceOf(SqlSyntaxError);
  });

  it('recognises statements that open or close a transaction, not savepoints', async () => {
    const s = await splitStatements('BEGIN; SAVEPOINT x; ROLLBACK TO SAVEPOINT x; COMMIT; START TRANSACTION; END;');
    expect(s.map(isTransactionControl)).toEqual([true, false, false, true, true, true]);
  });

  it("knows which statements run inside a transaction the file opened itself, and whether one is left open", async () => {
    const inside = async (sql: string) => insideOwnTransaction(await splitStatements(sql));
    expect(await inside('CREATE TABLE a (id int); BEGIN; INSERT INTO a VALUES (1); SAVEPOINT s; ROLLBACK TO s; COMMIT; INSERT INTO a VALUES (2)')).toEqual([false, false, true, true, true, true, false, false]);
    // AND CHAIN keeps it open, END and ABORT end it, PREPARE TRANSACTION hands it over.
    expect(await inside('START TRANSACTION; COMMIT AND CHAIN; END; BEGIN; ABORT; BEGIN; PREPARE TRANSACTION \'x\'')).toEqual([false, true, true, false, true, false, true, false]);
    expect((await inside('BEGIN; SELECT 1')).at(-1)).toBe(true);
  });

  it('shortens SQL to one line for a report without its comments, keeping strings and quoted names as written', () => {
    const sql = `DO $body$
BEGIN
  -- Tolerate a missing table; it's fine.
  IF to_regclass('a--b /* x */') IS NULL THEN /* nested /* twice */ still */ RAISE NOTICE 'it''s -- here'; END IF;
END $body$`;
    expect(shortenSql(sql)).toBe(`DO $body$ BEGIN IF to_regclass('a--b /* x */') IS NULL THEN RAISE NOTICE 'it''s -- here'; END IF; END $body$`);
    expect(shortenSql('ALTER TABLE /* TEMPLATE: schema */river_job ADD COLUMN "a--b" int -- trailing')).toBe('ALTER TABLE river_job ADD COLUMN "a--b" int');
    expect(shortenSql(`SELECT '${'x'.repeat(300)}'`, 20)).toBe("SELECT 'xxxxxxxxx...");
  });

  it('recognises statements PostgreSQL refuses inside a transaction block', async () => {
    const s = await splitStatements(
      'CREATE INDEX CONCURRENTLY a ON t (x); CREATE INDEX b ON t (x); DROP INDEX CONCURRENTLY a; REINDEX INDEX CONCURRENTLY b; VACUUM t; CREATE DATABASE d; ALTER SYSTEM SET work_mem = 1; DROP TABLE t;',
    );
    expect(s.map(nonTransactional)).toEqual([
      'CREATE INDEX CONCURRENTLY',
      undefined,
      'DROP INDEX CONCURRENTLY',
      'REINDEX CONCURRENTLY',
      'VACUUM',
      'CREATE DATABASE',
      'ALTER SYSTEM',
      undefined,
    ]);
  });

  it('a DO block whose PL/pgSQL commits or rolls back cannot run inside a transaction; other DO blocks can', async () => {
    const s = await splitStatements(
      "DO $$ BEGIN FOR i IN 1..3 LOOP INSERT INTO t VALUES (i); COMMIT; END LOOP; END $$;\n" +
        "DO $$ BEGIN PERFORM 1; ROLLBACK; END $$;\n" +
        "DO $$ BEGIN RAISE NOTICE 'commit; rollback'; END $$;\n" +
        'DO $$ BEGIN CREATE TEMP TABLE x (n int) ON COMMIT DROP; END $$;\n' +
        "DO LANGUAGE sql $$ COMMIT $$;\n",
    );
    const name = 'a DO block that commits (COMMIT or ROLLBACK in its body)';
    expect(s.map(nonTransactional)).toEqual([name, name, undefined, undefined, undefined]);
  });

  it('a DO block shows all it does when its PL/pgSQL has no EXECUTE, PERFORM, CALL or call of a function that may make a table', async () => {
    const shows = async (sql: string) => (await splitStatements(sql))[0]!.node.shows === true;
    // Shown: a type made if missing; a table made inside it; a column added where it is missing; an extension made for sure.
    expect(await shows("DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'mood') THEN CREATE TYPE mood AS ENUM ('ok'); END IF; END $$;")).toBe(true);
    expect(await shows('DO $$ BEGIN CREATE TABLE t (id int); ALTER TABLE t ADD COLUMN n varchar(20); END $$;')).toBe(true);
    expect(await shows("DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'btree_gin') THEN CREATE EXTENSION btree_gin; END IF; END $$;")).toBe(true);
    // Not shown: dynamic SQL, PERFORM, CALL, a function that may make tables (create_hypertable), a quoted one, another language, an extension made only if it can be.
    expect(await shows("DO $$ BEGIN EXECUTE 'CREATE TABLE t (id int)'; END $$;")).toBe(false);
    expect(await shows("DO $$ BEGIN PERFORM create_hypertable('t', 'at'); END $$;")).toBe(false);
    expect(await shows('DO $$ BEGIN CALL make_partitions(); END $$;')).toBe(false);
    expect(await shows("DO $$ DECLARE x int; BEGIN SELECT create_hypertable('t', 'at') INTO x; END $$;")).toBe(false);
    expect(await shows('DO $$ DECLARE x int; BEGIN x := "Partitions"(3); END $$;')).toBe(false);
    expect(await shows("DO $$ DECLARE x int; BEGIN SELECT create_partition ('t') INTO x; END $$;")).toBe(false);
    // Column lists after the names DDL gives are no calls.
    expect(await shows('DO $$ BEGIN CREATE TABLE app.t (id int REFERENCES app.u (id)); CREATE INDEX i ON app.t USING btree (id); INSERT INTO app.t (id) VALUES (1); END $$;')).toBe(true);
    expect(await shows("DO LANGUAGE plpython3u $$ plpy.execute('CREATE TABLE t (id int)') $$;")).toBe(false);
    expect(await shows('DO $$ BEGIN CREATE EXTENSION postgis; EXCEPTION WHEN OTHERS THEN NULL; END $$;')).toBe(false);
  });

  it('an empty or comment-only file has no statements (a legitimate no-op down)', async () => {
    expect(await splitStatements('')).toEqual([]);
    expect(await splitStatements('-- nothing to undo\n')).toEqual([]);
  });
});
