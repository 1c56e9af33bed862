import { describe, expect, it } from 'vitest';
import { findings, expectRule } from './test-helper.js';

describe('BH-L202 column-type-change', () => {
  it('flags what it must and leaves the near misses alone', async () => {
    await expectRule(
      'BH-L202',
      ["ALTER TABLE users ALTER COLUMN id TYPE bigint;"],
      ["CREATE TABLE t (id int);\nALTER TABLE t ALTER COLUMN id TYPE bigint;", "ALTER TABLE users ALTER COLUMN id SET DEFAULT 1;"],
      {},
    );
  });

  it('leaves a widening alone when the earlier migrations show the type it widens (Harbor: varchar(128) → varchar(1024))', async () => {
    const before = 'CREATE TABLE props (k varchar(64), v varchar(128), n numeric(10, 2), b text, i int);\nALTER TABLE props RENAME COLUMN k TO key;';
    const flagged = async (sql: string) => (await findings('BH-L202', sql, { before })).length > 0;
    // In place: a longer or no limit, varchar ↔ text, more numeric precision with the same scale.
    for (const sql of [
      'ALTER TABLE props ALTER COLUMN v TYPE varchar(1024);',
      'ALTER TABLE props ALTER COLUMN v TYPE character varying;',
      'ALTER TABLE props ALTER COLUMN v TYPE text;',
      'ALTER TABLE props ALTER COLUMN key TYPE varchar(64);',
      'ALTER TABLE props ALTER COLUMN n TYPE numeric(12, 2);',
      'ALTER TABLE props ALTER COLUMN n TYPE decimal;',
      'ALTER TABLE props ALTER COLUMN b TYPE varchar;',
    ]) {
      expect(await flagged(sql), sql).toBe(false);
    }
    // Rewrites (or scans): a shorter limit, another scale, another type, a USING, a type the
    // migrations do not show, a column widened after the file changed it to something else.
    for (const sql of [
      'ALTER TABLE props ALTER COLUMN v TYPE varchar(64);',
      'ALTER TABLE props ALTER COLUMN n TYPE numeric(12, 3);',
      'ALTER TABLE props ALTER COLUMN i TYPE bigint;',
      'ALTER TABLE props ALTER COLUMN b TYPE varchar(10);',
      "ALTER TABLE props ALTER COLUMN v TYPE varchar(1024) USING upper(v);",
      'ALTER TABLE elsewhere ALTER COLUMN v TYPE varchar(1024);',
    ]) {
      expect(await flagged(sql), sql).toBe(true);
    }
    const twice = 'ALTER TABLE props ALTER COLUMN v TYPE int USING 0;\nALTER TABLE props ALTER COLUMN v TYPE varchar(1024);';
    expect(await findings('BH-L202', twice, { before })).toHaveLength(2);
  });
});
