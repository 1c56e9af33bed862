import type { LintFile, LintStatement, Rule } from '../types.js';
import { relationsIn } from '../references.js';
import { droppedNames, rangeVar, sqlQualified } from './util.js';

/**
 * DROP TABLE of a table this file did not create (a down file may drop what its up created). A
 * module's first migration runs on an empty database (one built otherwise is adopted with
 * baseline, which skips it): its DROP TABLE IF EXISTS clears a slate (tt-rss's schema.sql), it
 * loses nothing. Nor does the last step of a table's rebuild: renamed aside, its rows copied into
 * a new table, the old one dropped (authelia's _bkp_ tables).
 */
export const dropTable: Rule = {
  code: 'BH-D101',
  name: 'drop-table',
  rationale: 'dropping a table loses its data for good, and running code that still reads it breaks',
  fix: 'stop using the table in a release first, keep a backup, then drop it in a later migration (and allow it with a reason)',
  severity: 'error',
  check(s, f) {
    if (f.direction === 'up' && f.module.migrations?.[0]?.id === f.migration) return [];
    const dropped = droppedNames(s, 'OBJECT_TABLE', f.qualify).filter((q) => !f.createdBefore(s).has(q) && !f.createdByUp.has(q));
    const rebuilt = dropped.length ? copiedAside(f, s) : new Set<string>();
    return dropped.filter((q) => !rebuilt.has(q)).map((q) => ({ message: `DROP TABLE ${sqlQualified(q)} deletes the table and its data` }));
  },
};

/**
 * Tables this file renamed into being and then copied rows out of (INSERT … SELECT … FROM it,
 * CREATE TABLE … AS), before `before`: a table set aside while its new shape is built.
 */
function copiedAside(f: LintFile, before: LintStatement): Set<string> {
  const renamed = new Set<string>();
  const copied = new Set<string>();
  for (const s of f.statements.slice(0, before.index)) {
    if (s.kind === 'RenameStmt' && s.node.renameType === 'OBJECT_TABLE' && typeof s.node.newname === 'string') {
      const from = rangeVar(s.node.relation);
      renamed.add(f.qualify(from?.schema, s.node.newname));
    }
    const source = s.kind === 'InsertStmt' ? s.node.selectStmt : s.kind === 'CreateTableAsStmt' ? s.node.query : undefined;
    for (const r of relationsIn(source)) if (renamed.has(f.qualify(r.schema, r.name))) copied.add(f.qualify(r.schema, r.name));
  }
  return copied;
}

