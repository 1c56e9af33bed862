import { describe, expect, it } from 'vitest';
import { analyzeSql, analyzeSqlFile, family, qualify, type Touch } from './objects.js';

/** One line per touch: `action kind schema.name [on table] line:column [context]`. */
const show = (ts: Touch[]) =>
  ts.map((t) =>
    [t.action, t.kind, (t.schema ? `${t.schema}.` : '') + t.name, t.table ? `on ${t.table.schema ? `${t.table.schema}.` : ''}${t.table.name}` : '', `${t.line}:${t.column}`, t.context ?? '']
      .filter(Boolean)
      .join(' '),
  );

describe('analyzeSql', () => {
  it('tables, columns, constraints and indexes, quoted and schema-qualified', async () => {
    const ts = await analyzeSql(`-- header
CREATE TABLE "Billing".invoices (id bigint PRIMARY KEY, customer_id int REFERENCES crm.customers(id), status billing.status);
ALTER TABLE invoices ADD COLUMN total numeric, DROP COLUMN legacy;
ALTER TABLE ONLY invoices ADD CONSTRAINT fk FOREIGN KEY (x) REFERENCES other.t (id);
CREATE INDEX CONCURRENTLY invoices_status_idx ON billing.invoices (status);
CREATE TABLE part_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');`);
    expect(show(ts)).toEqual([
      'create table Billing.invoices 2:14',
      'reference relation crm.customers 2:84',
      'reference type billing.status 2:110',
      'alter table invoices 3:13',
      'create column total on invoices 3:33',
      'drop column legacy on invoices 3:13',
      'alter table invoices 4:18',
      'reference relation other.t 4:72',
      'alter table billing.invoices 5:50',
      'create index billing.invoices_status_idx on billing.invoices 5:50',
      'create table part_2024 6:14',
      // A partition (or an INHERITS child) changes its parent.
      'alter table events 6:37',
    ]);
  });

  it('marks the alterations that run again unharmed (an empty down is right for them), and a table altered by those alone', async () => {
    const ts = await analyzeSql(`ALTER TABLE webauthn_devices ALTER COLUMN aaguid DROP NOT NULL;
ALTER TABLE s ALTER COLUMN signature TYPE varchar(768), ALTER COLUMN n SET DEFAULT 0;
ALTER TABLE t ADD COLUMN IF NOT EXISTS c int, DROP COLUMN IF EXISTS d, ENABLE ROW LEVEL SECURITY;
ALTER TABLE u ALTER COLUMN a SET NOT NULL, ADD CONSTRAINT k UNIQUE (a);
ALTER TABLE v ADD COLUMN b int, OWNER TO r;
ALTER TABLE w ALTER COLUMN price TYPE int USING price * 100, ALTER COLUMN at TYPE timestamptz USING at::timestamptz;`);
    expect(ts.filter((t) => t.action !== 'reference').map((t) => `${t.action} ${t.kind} ${t.name}${t.rerunnable ? ' (rerunnable)' : ''}`)).toEqual([
      'alter table webauthn_devices (rerunnable)',
      'alter column aaguid (rerunnable)',
      'alter table s (rerunnable)',
      'alter column signature (rerunnable)',
      'alter column n (rerunnable)',
      'alter table t (rerunnable)',
      'create column c (rerunnable)',
      'drop column d (rerunnable)',
      // A constraint added fails a second time: the table's alteration is not.
      'alter table u',
      'alter column a (rerunnable)',
      'alter table v',
      'create column b',
      // USING a computation changes the data again when run again; a cast of the column does not.
      'alter table w',
      'alter column price',
      'alter column at (rerunnable)',
    ]);
  });

  it("a temporary relation (openmeter's CREATE TEMP TABLE … ON COMMIT DROP for a backfill) is the session's: neither it nor what is on it is an object", async () => {
    const ts = await analyzeSql(`CREATE TEMP TABLE tmp_map ON COMMIT DROP AS SELECT id FROM accounts;
CREATE INDEX tmp_map_id ON tmp_map (id);
ALTER TABLE tmp_map ADD COLUMN seen boolean;
INSERT INTO tmp_map VALUES (1);
UPDATE accounts SET flagged = true FROM tmp_map WHERE tmp_map.id = accounts.id;
CREATE TEMPORARY VIEW recent AS SELECT 1;
CREATE TABLE pg_temp.scratch (a int);
DROP TABLE tmp_map;
CREATE TABLE kept (a int);`);
    expect(show(ts.filter((t) => t.action !== 'reference'))).toEqual(['write table accounts 5:8', 'create table kept 9:14']);
    expect(show(ts.filter((t) => t.action === 'reference'))).toEqual(['reference relation accounts 1:60']);
  });

  it("records what an ALTER TABLE's subcommands do on the table's alteration (verify reads which migration set a table's options)", async () => {
    const ts = await analyzeSql(`ALTER TABLE posts SET (autovacuum_vacuum_scale_factor = 0.1), ADD COLUMN x int, ADD COLUMN y int;
ALTER TABLE posts ENABLE ROW LEVEL SECURITY;
CREATE INDEX posts_x ON posts (x);
COMMENT ON TABLE posts IS 'p';`);
    expect(ts.filter((t) => t.kind === 'table').map((t) => `${t.action} ${t.name} ${t.subcommands?.join(',') ?? '-'}`)).toEqual([
      'alter posts AT_SetRelOptions,AT_AddColumn',
      'alter posts AT_EnableRowSecurity',
      // Not ALTER TABLEs: no subcommands.
      'alter posts -',
      'alter posts -',
    ]);
  });

  it('a foreign table is created, not referenced (a later INSERT into it uses what the migrations make)', async () => {
    const ts = await analyzeSql("CREATE FOREIGN TABLE remote_users (id int) SERVER billing OPTIONS (table_name 'users');\nINSERT INTO remote_users VALUES (1);");
    expect(show(ts)).toEqual(['create table remote_users 1:22', 'write table remote_users 2:13']);
  });

  it('views, materialized views (CTE names are not relations), sequences, types of every kind', async () => {
    const ts = await analyzeSql(`CREATE VIEW v AS SELECT * FROM invoices i JOIN storage.files f USING (id);
CREATE MATERIALIZED VIEW mv AS WITH x AS (SELECT 1) SELECT * FROM x, invoices;
CREATE SEQUENCE s1; ALTER SEQUENCE s1 RESTART;
CREATE TYPE status AS ENUM ('a'); ALTER TYPE status ADD VALUE 'b';
CREATE DOMAIN email AS text CHECK (value ~ '@'); CREATE TYPE pair AS (a int); CREATE TYPE r AS RANGE (subtype = int4);`);
    expect(show(ts).filter((l) => !l.startsWith('reference type'))).toEqual([
      'create view v 1:13',
      'reference relation invoices 1:32',
      'reference relation storage.files 1:48',
      'create materialized view mv 2:26',
      'reference relation invoices 2:70',
      'create sequence s1 3:17',
      'alter sequence s1 3:36',
      'create type status 4:1',
      'alter type status 4:35',
      'create type email 5:1',
      'create type pair 5:62',
      'create type r 5:79',
    ]);
  });

  it("a CTE's name is not a relation wherever it is used in its statement, and only there", async () => {
    const ts = await analyzeSql(`UPDATE accounts a SET n = s.n FROM (WITH z AS (SELECT 1 AS id, 2 AS n) SELECT * FROM z) s WHERE a.id = s.id;
SELECT * FROM z;
WITH w AS (SELECT 1) INSERT INTO log SELECT * FROM w, public.w;`);
    expect(show(ts).filter((l) => l.startsWith('reference relation'))).toEqual(['reference relation z 2:15', 'reference relation public.w 3:55']);
  });

  it('functions and procedures, triggers, policies, schemas, extensions', async () => {
    const ts = await analyzeSql(`CREATE SCHEMA app CREATE TABLE t (id int) CREATE VIEW v AS SELECT * FROM t;
CREATE FUNCTION app.f(a int) RETURNS int LANGUAGE sql AS 'SELECT count(*) FROM storage.files';
CREATE PROCEDURE p() LANGUAGE sql BEGIN ATOMIC INSERT INTO x.y VALUES (1); END;
CREATE TRIGGER tr BEFORE UPDATE ON app.t FOR EACH ROW EXECUTE FUNCTION app.f();
CREATE POLICY own ON app.t USING (true);
CREATE EXTENSION IF NOT EXISTS pgcrypto;`);
    expect(show(ts).filter((l) => !l.startsWith('reference type'))).toEqual([
      'create schema app 1:1',
      'create table app.t 1:32',
      'create view app.v 1:55',
      'reference relation app.t 1:74',
      'create function app.f 2:1',
      'reference function count 2:66 function body',
      'reference relation storage.files 2:80 function body',
      'create procedure p 3:1',
      'write table x.y 3:60 function body',
      'alter table app.t 4:36',
      'create trigger tr on app.t 4:36',
      'reference function app.f 4:1',
      'alter table app.t 5:22',
      'create policy own on app.t 5:22',
      'create extension pgcrypto 6:1',
    ]);
    expect(ts.find((t) => t.name === 'count')!.context).toBe('function body');
  });

  it('inside DO blocks and PL/pgSQL bodies, with the line in the file; EXECUTE of a literal', async () => {
    const ts = await analyzeSql(`SELECT 1;
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'kind') THEN
    CREATE TYPE inventory_kind AS ENUM ('a');
  END IF;
END $$;
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $body$
BEGIN
  NEW.updated_at := now();
  INSERT INTO audit.log VALUES (NEW.id);
  EXECUTE 'DROP TABLE storage_files';
  RETURN NEW;
END $body$;`);
    expect(show(ts).filter((l) => !l.startsWith('reference type'))).toEqual([
      'reference relation pg_type 4:32 DO block',
      'create type inventory_kind 5:5 DO block',
      'create function touch 8:1',
      'write table audit.log 11:15 function body',
      'drop table storage_files 12:11 dynamic SQL',
    ]);
  });

  it('renames, moves, comments, grants, ownership and data changes', async () => {
    const ts = await analyzeSql(`ALTER TABLE a RENAME TO b;
ALTER TABLE b RENAME COLUMN x TO y;
ALTER TABLE b SET SCHEMA archive;
COMMENT ON TABLE s.c IS 'x'; GRANT SELECT ON s.d TO r; ALTER TABLE e OWNER TO r;
INSERT INTO f SELECT * FROM g; UPDATE h SET x = 1; DELETE FROM i; TRUNCATE j, k; COPY l FROM stdin;
REFRESH MATERIALIZED VIEW m;`);
    expect(show(ts)).toEqual([
      'alter table a 1:13',
      'create table b 1:13',
      'alter table b 2:13',
      'alter column x on b 2:13',
      'create column y on b 2:13',
      'alter table b 3:13',
      'create table archive.b 3:1',
      'alter table s.c 4:1',
      'alter table s.d 4:46',
      'alter table e 4:68',
      'write table f 5:13',
      'reference relation g 5:29',
      'write table h 5:39',
      'write table i 5:64',
      'write table j 5:76',
      'write table k 5:79',
      'write table l 5:87',
      'write materialized view m 6:27',
    ]);
  });

  it('ownership of every kind, CALL, collations, statistics, text search, conversions, and relations named in strings', async () => {
    const ts = await analyzeSql(`ALTER TYPE s.e OWNER TO r; ALTER FUNCTION f(int) OWNER TO r; ALTER TEXT SEARCH CONFIGURATION ts OWNER TO r;
CALL s.p(1);
CREATE COLLATION c (provider = icu, locale = 'de'); ALTER COLLATION c REFRESH VERSION; CREATE TABLE t (x text COLLATE s.c, y text COLLATE "C");
CREATE STATISTICS st ON a, b FROM s.t; ALTER STATISTICS st SET STATISTICS 10;
CREATE TEXT SEARCH CONFIGURATION ts (COPY = simple); ALTER TEXT SEARCH CONFIGURATION ts ADD MAPPING FOR word WITH simple;
CREATE TEXT SEARCH DICTIONARY d (TEMPLATE = simple); ALTER TEXT SEARCH DICTIONARY d (x = 1);
CREATE CONVERSION cv FOR 'LATIN1' TO 'UTF8' FROM iso8859_1_to_utf8;
SELECT setval('s.q', 5), nextval('"Odd"."Seq"'::regclass), currval('q2'), pg_get_serial_sequence('s.t', 'id'), 'T'::regclass, nextval(name);
DROP COLLATION c; DROP STATISTICS st; DROP TEXT SEARCH CONFIGURATION ts; DROP TEXT SEARCH DICTIONARY d; DROP CONVERSION cv;`);
    expect(show(ts).map((l) => l.replace(/ \d+:\d+$/, ''))).toEqual([
      'alter type s.e',
      'alter function f',
      'alter text search configuration ts',
      'reference procedure s.p',
      'create collation c',
      'alter collation c',
      'create table t',
      'reference type text',
      'reference collation s.c',
      'reference type text',
      'reference collation C',
      'alter table s.t',
      'create statistics st',
      'alter statistics st',
      'create text search configuration ts',
      'alter text search configuration ts',
      'create text search dictionary d',
      'alter text search dictionary d',
      'create conversion cv',
      'reference function setval',
      'write sequence s.q',
      'reference function nextval',
      'reference sequence Odd.Seq',
      'reference function currval',
      'reference sequence q2',
      'reference function pg_get_serial_sequence',
      'reference relation s.t',
      'reference relation t',
      'reference function nextval',
      'drop collation c',
      'drop statistics st',
      'drop text search configuration ts',
      'drop text search dictionary d',
      'drop conversion cv',
    ]);
  });

  it('rules and CLUSTER alter their table; a cast references its types; default privileges IN SCHEMA alter the schema', async () => {
    const ts = await analyzeSql(`CREATE RULE r AS ON INSERT TO a.t DO INSTEAD NOTHING;
CLUSTER a.t USING t_pkey; CLUSTER;
CREATE CAST (a.pair AS text) WITH INOUT;
ALTER DEFAULT PRIVILEGES FOR ROLE app IN SCHEMA a, b GRANT SELECT ON TABLES TO PUBLIC;`);
    expect(show(ts)).toEqual(['alter table a.t 1:31', 'alter table a.t 2:9', 'reference type a.pair 3:14', 'reference type text 3:24', 'alter schema a 4:39', 'alter schema b 4:39']);
  });

  it('roles, tablespaces and databases: server-wide objects, created, altered (membership too), renamed and dropped', async () => {
    const ts = await analyzeSql(`CREATE ROLE app_reader NOLOGIN;
ALTER ROLE app_reader SET search_path = app;
GRANT app_reader TO billing_svc;
DROP ROLE IF EXISTS old_one, CURRENT_USER;
ALTER ROLE app_reader RENAME TO app_ro;
CREATE TABLESPACE fast LOCATION '/mnt/fast';
ALTER DATABASE orders SET timezone = 'UTC';
DROP DATABASE IF EXISTS scratch;`);
    expect(ts.map((t) => `${t.action} ${t.kind} ${t.name}`)).toEqual([
      'create role app_reader',
      'alter role app_reader',
      'alter role app_reader',
      'drop role old_one',
      'alter role app_reader',
      'create role app_ro',
      'create tablespace fast',
      'alter database orders',
      'drop database scratch',
    ]);
  });

  it("a foreign server's dbname, a dblink connection string's and a subscription's database are references to that database, in DO blocks too", async () => {
    const ts = await analyzeSql(`CREATE SERVER storage FOREIGN DATA WRAPPER postgres_fdw OPTIONS (host 'db', dbname 'storage_db');
ALTER SERVER storage OPTIONS (SET dbname 'storage2');
SELECT * FROM dblink('host=db dbname = ''billing db'' user=x', 'SELECT 1') AS t(x int);
SELECT dblink_connect('c', 'postgresql://u@db:5432/crm?sslmode=require'), dblink_exec('c', 'dbname=postgres://h/ledger', 'SELECT 1');
SELECT dblink_connect('c', 'storage');
DO $$ BEGIN PERFORM dblink_exec('dbname=audit', 'SELECT 1'); END $$;
CREATE SUBSCRIPTION files_sub CONNECTION 'host=db dbname=storage_db' PUBLICATION files;`);
    expect(ts.filter((t) => t.kind === 'database').map((t) => `${t.action} ${t.name} ${t.connection} ${t.line}:${t.column}${t.context ? ` ${t.context}` : ''}`)).toEqual([
      'reference storage_db foreign server 1:77',
      'reference storage2 foreign server 2:35',
      'reference billing db dblink 3:22',
      'reference crm dblink 4:28',
      'reference ledger dblink 4:92',
      // PERFORM's call at its place in the body (PL/pgSQL hands over SELECT …).
      'reference audit dblink 6:33 DO block',
      'reference storage_db subscription 7:1',
    ]);
  });

  it('identifierParts reads a qualified name in a string as the server does', async () => {
    const { identifierParts } = await import('./objects.js');
    expect(identifierParts('Orders')).toEqual(['orders']);
    expect(identifierParts('Billing."Orders_Seq"')).toEqual(['billing', 'Orders_Seq']);
    expect(identifierParts('"a.b"."c""d"')).toEqual(['a.b', 'c"d']);
    expect(identifierParts('db.s.t')).toEqual(['db', 's', 't']);
    for (const bad of ['', 'a.', '.a', '"open', 'a..b', 'w.x.y.z']) expect(identifierParts(bad), bad).toBeUndefined();
  });

  it('every DROP form', async () => {
    const ts = await analyzeSql(`DROP TABLE IF EXISTS a, s.b CASCADE; DROP VIEW v; DROP MATERIALIZED VIEW mv; DROP SEQUENCE q;
DROP INDEX CONCURRENTLY s.i; DROP TYPE s.e, e2; DROP DOMAIN d; DROP FUNCTION s.f(int), g; DROP PROCEDURE p;
DROP TRIGGER tr ON s.t; DROP POLICY po ON t; DROP SCHEMA x CASCADE; DROP EXTENSION pgcrypto;`);
    expect(show(ts).map((l) => l.replace(/ \d+:\d+$/, ''))).toEqual([
      'drop table a',
      'drop table s.b',
      'drop view v',
      'drop materialized view mv',
      'drop sequence q',
      'drop index s.i',
      'drop type s.e',
      'drop type e2',
      'drop type d',
      'drop function s.f',
      'drop function g',
      'drop procedure p',
      'alter table s.t',
      'drop trigger tr on s.t',
      'alter table t',
      'drop policy po on t',
      'drop schema x',
      'drop extension pgcrypto',
    ]);
  });

  it('columns count characters after multibyte text; comments and dollar quotes do not confuse positions', async () => {
    const ts = await analyzeSql(`/* é ü */ SELECT 'ü;' AS x FROM t1; -- ; DROP TABLE nope
SELECT $q$ ; DROP TABLE nope2 $q$ FROM "Ünï".t2;`);
    expect(show(ts)).toEqual(['reference relation t1 1:33', 'reference relation Ünï.t2 2:40']);
  });

  it("unqualified names after the SQL's own SET search_path (or set_config) are in that path's first schema; RESET, DEFAULT and pg_dump's empty path give them back", async () => {
    const ts = await analyzeSql(`CREATE TABLE mine (id int);
SET search_path TO "$user", billing, public;
CREATE TABLE invoices (id int);
CREATE INDEX invoices_id ON invoices (id);
SELECT count(*), now() FROM invoices;
RESET search_path;
CREATE TABLE mine2 (id int);
SELECT pg_catalog.set_config('search_path', 'Audit, public', false);
ALTER TABLE log ADD COLUMN at timestamptz;
SELECT pg_catalog.set_config('search_path', '', false);
CREATE TABLE public.dumped (id int);
SET LOCAL search_path = shop;
INSERT INTO orders VALUES (1);
SET search_path TO DEFAULT;
DROP TABLE gone;`);
    expect(show(ts)).toEqual([
      'create table mine 1:14',
      'create table billing.invoices 3:14',
      'alter table billing.invoices 4:29',
      'create index billing.invoices_id on billing.invoices 4:29',
      // Built-in functions and types resolve in pg_catalog first, whatever the path: as written.
      'reference function count 5:8',
      'reference function now 5:18',
      'reference relation billing.invoices 5:29',
      'create table mine2 7:14',
      'alter table audit.log 9:13',
      'create column audit.at on audit.log 9:28',
      'reference type timestamptz 9:31',
      'create table public.dumped 11:14',
      'write table shop.orders 13:13',
      'drop table gone 15:1',
    ]);
    expect(show(await analyzeSql('GRANT SELECT ON ALL TABLES IN SCHEMA billing, audit TO reader;\nCREATE TABLE c () INHERITS (billing.base);'))).toEqual([
      'alter schema billing 1:1',
      'alter schema audit 1:1',
      'create table c 2:14',
      'alter table billing.base 2:29',
    ]);
    // The line of the statement that set the path, for the message.
    expect(ts.find((t) => t.name === 'invoices')?.searchPath).toBe(2);
    expect(ts.find((t) => t.name === 'mine2')?.searchPath).toBeUndefined();
  });

  it("a DO block runs in the search_path set before it, and its own SET (or set_config) holds for the rest of it and after it; a function's body keeps its own", async () => {
    const ts = await analyzeSql(`DO $$
BEGIN
  CREATE TABLE before_set (id int);
  SET search_path TO billing;
  CREATE TABLE in_block (id int);
END $$;
CREATE TABLE after_block (id int);
RESET search_path;
DO $$ BEGIN PERFORM set_config('search_path', 'audit', false); INSERT INTO log VALUES (1); END $$;
CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $f$ BEGIN SET search_path TO elsewhere; DELETE FROM queue; END $f$;
UPDATE jobs SET done = true;
CREATE FUNCTION g() RETURNS void LANGUAGE sql SET search_path = shop, public AS $g$ DELETE FROM carts $g$;`);
    expect(ts.filter((t) => t.action !== 'reference').map((t) => `${t.action} ${t.schema ?? '-'}.${t.name}`)).toEqual([
      'create -.before_set',
      'create billing.in_block',
      'create billing.after_block',
      'write audit.log',
      'create audit.f',
      // When f runs, its SET holds for the rest of its body, not for the SQL around its CREATE.
      'write elsewhere.queue',
      'write audit.jobs',
      'create audit.g',
      // Its SET clause: where its body runs, whoever calls it.
      'write shop.carts',
    ]);
  });

  it('a long PL/pgSQL body: each embedded statement at its line, one a few lines below its IF too (found without rescanning the body per statement)', async () => {
    const performs = Array.from({ length: 3000 }, (_, i) => `  PERFORM ${i};`).join('\n');
    const ts = await analyzeSql(`CREATE FUNCTION big() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
${performs}
  IF
    EXISTS (SELECT 1 FROM audit.flags)
  THEN
    INSERT INTO audit.log VALUES (1);
  END IF;
END $$;`);
    expect(ts.filter((t) => t.schema === 'audit').map((t) => `${t.action} ${t.name} ${t.line}:${t.column}`)).toEqual(['reference flags 3004:27', 'write log 3006:17']);
  });

  it('a file too large to parse at once: touches and statements at their lines, its search_path carried from piece to piece', async () => {
    const rows = Array.from({ length: 12_000 }, (_, i) => `INSERT INTO seed VALUES (${i}, '${'x'.repeat(80)}');`).join('\n');
    const sql = `SET search_path TO billing;\n${rows}\nCREATE TABLE late (id int);\n`;
    expect(sql.length).toBeGreaterThan(1 << 20);
    const { touches, statements } = await analyzeSqlFile(sql);
    expect(statements).toHaveLength(12_002);
    expect(statements.at(-1)).toMatchObject({ kind: 'CreateStmt', line: 12_002 });
    expect(touches.filter((t) => t.action === 'create').map((t) => `${t.schema}.${t.name} ${t.line}`)).toEqual(['billing.late 12002']);
    expect(touches.filter((t) => t.action === 'write' && t.line === 12_001)).toEqual([expect.objectContaining({ schema: 'billing', name: 'seed', searchPath: 1 })]);
  });

  it('qualify and family', () => {
    expect(qualify({ name: 't' }, 'billing')).toBe('billing.t');
    expect(qualify({ schema: 'x', name: 't' }, 'billing')).toBe('x.t');
    expect(family('index')).toBe(family('table'));
    expect(family('procedure')).toBe(family('function'));
    expect(family('type')).not.toBe(family('table'));
  });

  it('a syntax error is the parser error', async () => {
    await expect(analyzeSql('CREATE TABLE (')).rejects.toThrow(/syntax error/);
  });
});
