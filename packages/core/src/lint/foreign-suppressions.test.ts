import { describe, expect, it } from 'vitest';
import { foreignSuppressions } from './foreign-suppressions.js';
import { lintSqlText } from './lint.js';
import { testModule } from './rules/test-helper.js';

/** The findings of a SQL text as `line rule`. */
async function lint(sql: string): Promise<string[]> {
  return (await lintSqlText({ module: testModule(), sql })).map((f) => `${f.line} ${f.rule}`);
}

describe("other linters' suppressions", () => {
  it("atlas:nolint with check codes or analyzer names covers our rule for the same check on the next statement only (openmeter's migrations)", async () => {
    expect(await lint('-- modify "customers" table\n-- atlas:nolint DS103\nALTER TABLE customers DROP COLUMN key;\nALTER TABLE customers DROP COLUMN name;\n')).toEqual(['4 drop-column']);
    expect(await lint('-- atlas:nolint DS103 MF103\nALTER TABLE t DROP COLUMN a, ADD COLUMN b text NOT NULL;\n')).toEqual([]);
    expect(await lint('-- atlas:nolint destructive\nDROP TABLE orders;\n')).toEqual([]);
    expect(await lint('-- atlas:nolint BC102\nALTER TABLE t RENAME COLUMN a TO b;\n')).toEqual([]);
    // A check we have no counterpart for covers nothing of ours.
    expect(await lint('-- atlas:nolint MF101\nCREATE UNIQUE INDEX t_a ON t (a);\n')).toEqual(['2 index-without-concurrently']);
  });

  it("atlas:nolint in the file's header, set off by a blank line, covers the file; a bare one covers what Atlas checks, never a statement that fails", async () => {
    expect(await lint('-- atlas:nolint DS102\n\nDROP TABLE a;\nDROP TABLE b;\n')).toEqual([]);
    expect(await lint('-- atlas:nolint DS102\nDROP TABLE a;\nDROP TABLE b;\n')).toEqual(['3 drop-table']);
    // The view still reads orders: the DROP fails, whatever Atlas was told.
    expect(await lintSqlText({ module: testModule(), sql: '-- atlas:nolint\nDROP TABLE orders;\n', before: 'CREATE TABLE orders (id int);\nCREATE VIEW recent AS SELECT * FROM orders;\n' }).then((fs) => fs.map((f) => f.rule))).toEqual(['drop-still-referenced']);
  });

  it('squawk-ignore covers the next statement, squawk-ignore-file the file; rules are comma-separated', async () => {
    expect(await lint('-- squawk-ignore ban-drop-column, renaming-column\nALTER TABLE t DROP COLUMN a;\nALTER TABLE t RENAME COLUMN b TO c;\n')).toEqual(['3 rename-table-or-column']);
    expect(await lint('ALTER TABLE t ADD COLUMN a varchar(10);\n-- squawk-ignore-file prefer-text-field\nALTER TABLE t ADD COLUMN b varchar(20);\n')).toEqual([]);
    expect(await lint('-- squawk-ignore\nDROP TABLE t;\n')).toEqual([]);
  });

  it('reads scope and rules from the text', () => {
    const [header, next] = foreignSuppressions('-- atlas:nolint incompatible\n\n-- squawk-ignore ban-drop-table\nDROP TABLE t;\n');
    expect(header).toMatchObject({ tool: 'Atlas', scope: 'file', line: 1 });
    expect([...header!.rules]).toEqual(['rename-table-or-column']);
    expect(next).toMatchObject({ tool: 'squawk', scope: 'statement', line: 3 });
    expect([...next!.rules]).toEqual(['drop-table']);
  });
});
