import type { Rule } from '../types.js';
import { existingTable } from './util.js';

const DDL = new Set(['AlterTableStmt', 'CreateStmt', 'IndexStmt', 'DropStmt', 'RenameStmt', 'CreateEnumStmt', 'AlterEnumStmt']);

export const backfillWithDdl: Rule = {
  code: 'BH-M502',
  name: 'backfill-in-ddl-transaction',
  rationale: 'a backfill in the same transaction as DDL keeps the DDL\'s ACCESS EXCLUSIVE lock until every row is written',
  fix: 'put the backfill in a migration of its own (batched), after the DDL migration',
  severity: 'warning',
  checkFile(f) {
    if (!f.transactional) return [];
    const lockedBy = f.statements.filter((s) => s.kind === 'AlterTableStmt' && existingTable(s.node.relation, s, f)).map((s) => existingTable(s.node.relation, s, f)!);
    if (!lockedBy.length) return [];
    return f.statements
      .filter((s) => s.kind === 'UpdateStmt' && existingTable(s.node.relation, s, f) && lockedBy.includes(existingTable(s.node.relation, s, f)!))
      .filter(() => f.statements.some((d) => DDL.has(d.kind)))
      .map((s) => ({ message: `backfill of ${existingTable(s.node.relation, s, f)} in the transaction that altered it: the table stays locked while every row is written`, offset: s.offset }));
  },
};
