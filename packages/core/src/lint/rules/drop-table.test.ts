import { describe, expect, it } from 'vitest';
import type { Module } from '../../workspace.js';
import { lintSqlText } from '../lint.js';
import { expectRule, testModule } from './test-helper.js';

describe('BH-D101 drop-table', () => {
  it('flags what it must and leaves the near misses alone', async () => {
    await expectRule(
      'BH-D101',
      ["DROP TABLE users;", "DROP TABLE IF EXISTS a, b;"],
      ["CREATE TABLE t (id int);\nDROP TABLE t;", "DROP VIEW v;"],
      {},
    );
  });

  it("a table's rebuild — renamed aside, its rows copied into the new one, then dropped — loses nothing (authelia's _bkp_ tables)", async () => {
    const rebuild =
      'ALTER TABLE totp RENAME TO _bkp_totp;\nCREATE TABLE totp (id int, secret bytea);\nINSERT INTO totp (id, secret) SELECT id, secret FROM _bkp_totp;\nDROP TABLE IF EXISTS _bkp_totp;';
    // Set aside and dropped without a copy: that is a DROP of the table's data.
    const noCopy = 'ALTER TABLE totp RENAME TO _bkp_totp;\nCREATE TABLE totp (id int, secret bytea);\nDROP TABLE _bkp_totp;';
    // Copied from, but not renamed here: an existing table, dropped.
    const notRenamed = 'CREATE TABLE totp2 (id int);\nINSERT INTO totp2 SELECT id FROM totp;\nDROP TABLE totp;';
    await expectRule('BH-D101', [noCopy, notRenamed], [rebuild, 'ALTER TABLE a RENAME TO old_a;\nCREATE TABLE a AS SELECT * FROM (SELECT * FROM old_a) x;\nDROP TABLE old_a;'], {});
  });

  it('names are written as SQL writes them: quoted where mixed case or a key word needs it (Prisma\'s "User")', async () => {
    const module = { ...testModule(), migrations: [{ id: '001_first' }, { id: 'migration' }] } as unknown as Module;
    const found = await lintSqlText({ module, sql: 'ALTER TABLE "User" DROP COLUMN "emailAddress";\nDROP TABLE "User";\nDROP TABLE "order", plain_name;\n' });
    expect(found.filter((f) => f.code === 'BH-D101' || f.code === 'BH-D102').map((f) => f.message).sort()).toEqual([
      'DROP TABLE public."User" deletes the table and its data',
      'DROP TABLE public."order" deletes the table and its data',
      'DROP TABLE public.plain_name deletes the table and its data',
      'drops column "emailAddress" of public."User"',
    ]);
  });

  it("a module's first migration clears a slate (tt-rss's schema.sql opens with DROP TABLE IF EXISTS …): nothing exists yet to lose", async () => {
    const sql = 'DROP TABLE IF EXISTS ttrss_entries;\nCREATE TABLE ttrss_entries (id int);\n';
    const at = (ids: string[]) => ({ ...testModule(), migrations: ids.map((id) => ({ id })) }) as unknown as Module;
    const codes = async (module: Module) => (await lintSqlText({ module, sql })).filter((f) => f.code === 'BH-D101').length;
    expect(await codes(at(['migration', '002_more']))).toBe(0);
    expect(await codes(at(['001_schema', 'migration']))).toBe(1);
  });
});
