import type { Rule } from '../types.js';
import { existingTable } from './util.js';

export const unboundedDml: Rule = {
  code: 'BH-M501',
  name: 'update-or-delete-without-where',
  rationale: 'an UPDATE or DELETE without WHERE touches every row: a long lock on a big table, or every row gone',
  fix: 'add the WHERE that says which rows; for a backfill, batch it (WHERE id BETWEEN …)',
  severity: 'error',
  check(s, f) {
    if ((s.kind !== 'UpdateStmt' && s.kind !== 'DeleteStmt') || s.node.whereClause) return undefined;
    const table = existingTable(s.node.relation, s, f);
    return table ? { message: `${s.kind === 'UpdateStmt' ? 'UPDATE' : 'DELETE'} of every row of ${table} (no WHERE)` } : undefined;
  },
};
