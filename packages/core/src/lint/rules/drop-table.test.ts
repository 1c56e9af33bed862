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

  it("a module's first migration clears a slate (tt-rss's schema.sql opens with DROP TABLE IF EXISTS …): nothing exists yet to lose", async () => {
    const sql = 'DROP TABLE IF EXISTS ttrss_entries;\nCREATE TABLE ttrss_entries (id int);\n';
    const at = (ids: string[]) => ({ ...testModule(), migrations: ids.map((id) => ({ id })) }) as unknown as Module;
    const codes = async (module: Module) => (await lintSqlText({ module, sql })).filter((f) => f.code === 'BH-D101').length;
    expect(await codes(at(['migration', '002_more']))).toBe(0);
    expect(await codes(at(['001_schema', 'migration']))).toBe(1);
  });
});
