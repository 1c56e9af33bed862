import type { LintFile, LintStatement, Rule } from '../types.js';
import { columnDefs, existingTable, rangeVar, sqlQualified } from './util.js';

type Node = Record<string, any>;

/**
 * Columns the file adds to `table` before `s` (ALTER TABLE … ADD COLUMN): a new column's backfill
 * (`ADD COLUMN tier text; UPDATE users SET tier = 'free'`) sets every row on purpose (BH-M502
 * tells of the lock it holds alongside the DDL).
 */
function columnsAddedBefore(s: LintStatement, f: LintFile, table: string): Set<string> {
  const added = new Set<string>();
  for (const earlier of f.statements) {
    if (earlier.index >= s.index) break;
    const r = earlier.kind === 'AlterTableStmt' ? rangeVar(earlier.node.relation) : undefined;
    if (!r || f.qualify(r.schema, r.name) !== table) continue;
    for (const d of columnDefs(earlier)) if (typeof d.colname === 'string') added.add(d.colname);
  }
  return added;
}

export const unboundedDml: Rule = {
  code: 'BH-M501',
  name: 'update-or-delete-without-where',
  rationale: 'an UPDATE or DELETE without WHERE touches every row: a long lock on a big table, or every row gone',
  fix: 'add the WHERE that says which rows; for a backfill, batch it (WHERE id BETWEEN …)',
  severity: 'error',
  check(s, f) {
    if ((s.kind !== 'UpdateStmt' && s.kind !== 'DeleteStmt') || s.node.whereClause) return undefined;
    const table = existingTable(s.node.relation, s, f);
    if (!table) return undefined;
    if (s.kind === 'UpdateStmt') {
      const set = ((s.node.targetList as Node[] | undefined) ?? []).map((t) => t.ResTarget?.name as string | undefined);
      const added = columnsAddedBefore(s, f, table);
      if (set.length && set.every((c) => c !== undefined && added.has(c))) return undefined;
    }
    return { message: `${s.kind === 'UpdateStmt' ? 'UPDATE' : 'DELETE'} of every row of ${sqlQualified(table)} (no WHERE)` };
  },
};
