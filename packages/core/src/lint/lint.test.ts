import { describe, expect, it } from 'vitest';
import { lintSqlText } from './lint.js';
import { RULES } from './registry.js';
import { testModule } from './rules/test-helper.js';

const show = async (sql: string, o: Partial<Parameters<typeof lintSqlText>[0]> = {}) =>
  (await lintSqlText({ module: testModule(), sql, ...o })).map((f) => `${f.line}:${f.column} ${f.code} ${f.message}`);

describe('lint engine', () => {
  it('every rule has a unique code and name, a rationale and a fix', () => {
    expect(new Set(RULES.map((r) => r.code)).size).toBe(RULES.length);
    expect(new Set(RULES.map((r) => r.name)).size).toBe(RULES.length);
    for (const r of RULES) expect([r.code, r.name, r.rationale.length > 10, r.fix.length > 5]).toEqual([expect.stringMatching(/^BH-[A-Z]\d{3}$/), expect.stringMatching(/^[a-z][a-z0-9-]+$/), true, true]);
  });

  it('names the exact line and column, after comments and multibyte text', async () => {
    expect(await show("-- café ☕\nCREATE TABLE t (id int);\n\n  CREATE INDEX t_id ON users (email);\nALTER TABLE users ADD COLUMN tier text NOT NULL;\n")).toEqual([
      '4:24 BH-L201 CREATE INDEX on public.users without CONCURRENTLY blocks writes while it builds',
      '5:30 BH-L206 new column public.users.tier is NOT NULL without a default: the ALTER fails if the table has rows',
    ]);
  });

  it("shows each clause of a long statement by its own line, not the statement's opening each time", async () => {
    const sql = "-- ☕ é\nALTER TABLE events\n  ADD COLUMN kind text GENERATED ALWAYS AS (payload->>'kind') STORED,\n  ADD COLUMN at timestamptz GENERATED ALWAYS AS (now_utc(payload)) STORED;\nCREATE INDEX e_kind ON events (kind);\n";
    const found = await lintSqlText({ module: testModule(), sql });
    expect(found.filter((f) => f.code === 'BH-L209').map((f) => `${f.line} ${f.statement}`)).toEqual([
      "3 ALTER TABLE events … ADD COLUMN kind text GENERATED ALWAYS AS (payload->>'kind') STORED, ADD COLUM...",
      '4 ALTER TABLE events … ADD COLUMN at timestamptz GENERATED ALWAYS AS (now_utc(payload)) STORED',
    ]);
    // A DO block's CREATE EXTENSION: at its own line.
    const doBlock = await lintSqlText({ module: testModule(), sql: "DO $$\nBEGIN\n  IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'btree_gin') THEN\n    CREATE EXTENSION btree_gin;\n  END IF;\nEND $$;\n" });
    expect(doBlock.filter((f) => f.code === 'BH-X801').map((f) => `${f.line}:${f.column} ${f.statement}`)).toEqual(['4:5 DO $$ … CREATE EXTENSION btree_gin; END IF; END $$']);
    // On the statement's own line: the statement as it is.
    expect(found.find((f) => f.code === 'BH-L201')?.statement).toBe('CREATE INDEX e_kind ON events (kind)');
  });

  it('a down may drop what its up created; not what it did not', async () => {
    const up = 'CREATE TABLE invoices (id bigint PRIMARY KEY);\nALTER TABLE customers ADD COLUMN vip boolean;\n';
    expect(await show('DROP TABLE invoices;\nALTER TABLE customers DROP COLUMN vip;\n', { direction: 'down', up })).toEqual([]);
    expect(await show('DROP TABLE customers;\n', { direction: 'down', up })).toEqual(['1:1 BH-D101 DROP TABLE public.customers deletes the table and its data']);
  });

  it('-- bulkhead:allow <code|rule> <reason> covers the next statement; no reason, or nothing matched, is reported', async () => {
    const sql = 'DROP TABLE legacy;\nDROP TABLE old;\nUPDATE users SET a = 1;\n';
    expect(await show(sql, { allow: [{ rule: 'BH-D101', reason: 'archived in s3 first', line: 0 }] })).toEqual([
      '2:1 BH-D101 DROP TABLE public.old deletes the table and its data',
      '3:1 BH-M501 UPDATE of every row of public.users (no WHERE)',
    ]);
    expect(await show(sql, { allow: [{ rule: 'drop-table', reason: '', line: 1 }, { rule: 'update-or-delete-without-where', reason: 'tiny table', line: 2 }, { rule: 'json-not-jsonb', reason: 'x', line: 2 }] })).toEqual([
      '1:1 BH-D101 DROP TABLE public.legacy deletes the table and its data',
      '2:1 BH-D101 DROP TABLE public.old deletes the table and its data',
      '1:1 BH-S001 -- bulkhead:allow drop-table gives no reason',
      '2:1 BH-S002 -- bulkhead:allow json-not-jsonb matches no finding of the next statement',
    ]);
  });

  it('the target version decides version-dependent rules', async () => {
    const sql = "ALTER TABLE users ADD COLUMN region text DEFAULT 'eu';\n";
    expect(await show(sql, { pgVersion: 10 })).toEqual(["1:42 BH-L207 new column public.users.region has a default: before PostgreSQL 11 the table is rewritten"]);
    expect(await show(sql, { pgVersion: 15 })).toEqual([]);
  });
});
