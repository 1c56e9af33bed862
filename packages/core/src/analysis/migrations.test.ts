import { describe, expect, it } from 'vitest';
import { moduleCreates } from './migrations.js';
import { analyzeSql } from './objects.js';
import type { AnalysedMigration } from '../plan/ownership.js';

/** Up migrations of one module `m` (and more modules' when named `module/id`), analysed. */
async function analysed(files: Record<string, string>): Promise<AnalysedMigration[]> {
  const out: AnalysedMigration[] = [];
  for (const [key, sql] of Object.entries(files)) {
    const [module, id] = key.includes('/') ? (key.split('/') as [string, string]) : ['m', key];
    out.push({ module, id, file: `${id}.up.sql`, direction: 'up', touches: await analyzeSql(sql) });
  }
  return out;
}

describe('moduleCreates: unmadeRelations', () => {
  it('names top-level uses of tables no migration makes, and those only a later migration of the module makes', async () => {
    const { unmadeRelations } = moduleCreates({
      analysed: await analysed({
        '001_a': "CREATE TABLE a (id serial PRIMARY KEY);\nALTER TABLE a ALTER COLUMN id SET DEFAULT nextval('a_id_seq'::regclass);\nINSERT INTO log_migration VALUES (1);\nALTER TABLE later ADD COLUMN x int;",
        // Made by a rename, in a DO block, by another module: made.
        '002_b': "ALTER TABLE a RENAME TO renamed;\nINSERT INTO renamed VALUES (1);\nDO $$ BEGIN CREATE TABLE in_do (id int); END $$;\nINSERT INTO in_do VALUES (1);\nINSERT INTO theirs VALUES (1);\nINSERT INTO schema_migrations VALUES (1);",
        '003_later': 'CREATE TABLE later (id int);\nCREATE VIEW v AS SELECT * FROM later, nowhere;',
        'other/001_theirs': 'CREATE TABLE theirs (id int);',
      }),
    });
    expect(Object.fromEntries(unmadeRelations)).toEqual({
      'm\u0000001_a': [
        { name: 'log_migration', line: 3 },
        { name: 'later', line: 4, madeBy: '003_later' },
      ],
      'm\u0000003_later': [{ name: 'nowhere', line: 2 }],
    });
  });
});

describe('missingDownFix', () => {
  it("names what an up that drops must make again (quickwit's 06_delete-…-trigger: DROP TRIGGER IF EXISTS), not an empty file", async () => {
    const { missingDownFix } = await import('./migrations.js');
    const file = (up: string) => ({ id: '06_delete', version: '06', name: 'delete', format: 'sql', upPath: '06_delete.up.sql', checksum: 'x', sql: { up } }) as never;
    const fixOf = async (up: string) => missingDownFix(file(up), moduleCreates({ analysed: await analysed({ '06_delete': up }) }).upChanges, 'm');
    expect(await fixOf('DROP TRIGGER IF EXISTS set_update_timestamp ON splits;\nDROP TRIGGER IF EXISTS set_publish ON splits;\n')).toBe(
      'add 06_delete.down.sql that makes again what its up drops — trigger splits.set_update_timestamp (line 1), trigger splits.set_publish (line 2) — as the migrations that made them had them; or revert with a new forward migration',
    );
    expect(await fixOf('DROP TABLE IF EXISTS old_splits;')).toContain('makes again what its up drops — table old_splits (line 1) — as the migration that made it had it;');
    // A data change alone: an empty down is right.
    expect(await fixOf('UPDATE splits SET x = 1;')).toBe('add 06_delete.down.sql (an empty file if there is nothing to undo), or revert with a new forward migration');
    // A table dropped and made again, with its index (documenso's password_reset_token): applied again, it is made anew.
    expect(await fixOf('DROP TABLE IF EXISTS "Token" CASCADE;\nCREATE TABLE "Token" (id int);\nCREATE UNIQUE INDEX "Token_id_key" ON "Token" (id);\n')).toBe('add 06_delete.down.sql (an empty file if there is nothing to undo), or revert with a new forward migration');
    expect(await fixOf('DROP TABLE IF EXISTS "Token";\nCREATE TABLE "Token" (id int);\nCREATE TABLE other (id int);\n')).toContain('which creates table other (line 3)');
  });
});
