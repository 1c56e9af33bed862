import { describe, expect, it } from 'vitest';
import { syntaxSlip } from './prepare.js';

/** The slip told for an error at (line, column) of this SQL. */
function slip(sql: string, line: number, column: number): string | undefined {
  return syntaxSlip(sql.split('\n'), line, column);
}

describe('syntaxSlip', () => {
  it('tells a DROP written with IF NOT EXISTS, and a CREATE with IF EXISTS', () => {
    // ente's 44_trash_add_index.down.sql; the server stops at NOT.
    expect(slip('DROP INDEX IF NOT EXISTS trash_user_id_and_updated_at_index;', 1, 15)).toBe('line 1: DROP INDEX takes IF EXISTS, not IF NOT EXISTS: remove the NOT');
    expect(slip('ALTER TABLE t\n  DROP COLUMN IF NOT EXISTS c;', 2, 18)).toBe('line 2: DROP COLUMN takes IF EXISTS, not IF NOT EXISTS: remove the NOT');
    expect(slip('CREATE TABLE IF EXISTS t (id int);', 1, 17)).toBe('line 1: CREATE TABLE takes IF NOT EXISTS, not IF EXISTS: write IF NOT EXISTS');
    // An error at NOT elsewhere is not this slip.
    expect(slip('SELECT 1 NOT;', 1, 10)).toBeUndefined();
  });

  it('tells the comma missing between ALTER TABLE actions, not a semicolon', () => {
    // ente's 3_add_encypted_collection_name.down.sql: the server stops at the second DROP.
    const sql = 'ALTER TABLE collections\n    DROP COLUMN encrypted_name\n    DROP COLUMN name_decryption_nonce\n    ALTER COLUMN name SET NOT NULL;';
    expect(slip(sql, 3, 5)).toBe('line 3 is another action of the ALTER TABLE begun on line 1, and ALTER TABLE\'s actions are separated by commas: add one at the end of line 2');
    expect(slip('CREATE TABLE a (id int);\nALTER TABLE a ADD COLUMN b int\n-- why\nADD COLUMN c int;', 4, 1)).toContain('begun on line 2, and ALTER TABLE\'s actions are separated by commas: add one at the end of line 2');
  });

  it('tells IF EXISTS written before COLUMN or CONSTRAINT', () => {
    // quickwit's 19_add-split-node-id-field.down.sql; the server stops at COLUMN.
    expect(slip('ALTER TABLE splits\n    DROP IF EXISTS COLUMN node_id;', 2, 20)).toBe('line 2: IF EXISTS comes after DROP COLUMN, not before it: write DROP COLUMN IF EXISTS node_id');
    expect(slip('ALTER TABLE t ADD IF NOT EXISTS COLUMN c int;', 1, 33)).toBe('line 1: IF NOT EXISTS comes after ADD COLUMN, not before it: write ADD COLUMN IF NOT EXISTS c');
  });

  it("tells MySQL's DROP INDEX … ON table", () => {
    // gitness' 0029_create_index_job_job_group_id_down.sql; the server stops at ON.
    expect(slip('DROP INDEX job_group_id ON jobs;', 1, 25)).toBe("line 1: DROP INDEX … ON jobs is MySQL's form; PostgreSQL drops an index by its name alone, in its table's schema: write DROP INDEX job_group_id");
    expect(slip('DROP INDEX concurrently if exists "Idx"\n  ON app.jobs;', 2, 3)).toBe("line 2: DROP INDEX … ON app.jobs is MySQL's form; PostgreSQL drops an index by its name alone, in its table's schema: write DROP INDEX CONCURRENTLY IF EXISTS app.\"Idx\"");
    // ON after something else: not this slip.
    expect(slip('GRANT SELECT x ON t TO r;', 1, 16)).toBeUndefined();
  });

  it('tells a comma that nothing follows in its list', () => {
    // pocket-id's 20250408120918_app_config_cols.down.sql; the server stops at the semicolon.
    expect(slip('ALTER TABLE app_config_variables ADD type VARCHAR(20) NOT NULL,;', 1, 64)).toBe('line 1 ends a list with a comma that nothing follows: remove that comma');
    expect(slip('CREATE TABLE t (\n  a int,\n  b int, -- last\n\n);', 5, 1)).toBe('line 3 ends a list with a comma that nothing follows: remove that comma');
    expect(slip('SELECT (1);', 1, 10)).toBeUndefined();
  });

  it('tells a missing semicolon when the next line is a statement of its own', () => {
    // A new statement after an ALTER TABLE (DROP TABLE is no action of it): the semicolon.
    expect(slip('ALTER TABLE a DROP COLUMN b\nDROP TABLE c;', 2, 1)).toBe('line 2 begins a new statement (DROP), but the statement before it has no semicolon at its end: add one at the end of line 1');
    expect(slip('CREATE TABLE ok (id int)\n\n-- the next one\nALTER TABLE ok ADD COLUMN name text;', 4, 1)).toBe('line 4 begins a new statement (ALTER), but the statement before it has no semicolon at its end: add one at the end of line 1');
    // Not at a line's first word: no guess.
    expect(slip('CREATE TABLE ok (id int,, name text);', 1, 24)).toBeUndefined();
  });
});
