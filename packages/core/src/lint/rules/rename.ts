import type { Rule } from '../types.js';
import { existingTable, sqlName, sqlQualified } from './util.js';

export const rename: Rule = {
  code: 'BH-C301',
  name: 'rename-table-or-column',
  rationale: 'the release still running uses the old name: every query naming it fails from the moment the migration commits',
  fix: 'add the new column (or a view with the new name), write both, move readers, then drop the old one in a later release',
  severity: 'error',
  check(s, f) {
    if (s.kind !== 'RenameStmt' || f.direction === 'down') return undefined;
    const t = s.node.renameType;
    if (t !== 'OBJECT_TABLE' && t !== 'OBJECT_COLUMN') return undefined;
    const table = existingTable(s.node.relation, s, f);
    if (!table) return undefined;
    return t === 'OBJECT_TABLE' ? { message: `renaming table ${sqlQualified(table)} to ${sqlName(s.node.newname)} breaks the running release` } : { message: `renaming column ${sqlQualified(table)}.${sqlName(s.node.subname)} to ${sqlName(s.node.newname)} breaks the running release` };
  },
};
