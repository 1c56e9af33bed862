import type { Rule } from '../types.js';
import { existingTable, sqlQualified } from './util.js';

export const backfillWithDdl: Rule = {
  code: 'BH-M502',
  name: 'backfill-in-ddl-transaction',
  rationale: "a backfill in the same transaction as DDL keeps the DDL's ACCESS EXCLUSIVE lock until every row is written",
  fix: 'put the backfill in a migration of its own (batched), after the DDL migration',
  severity: 'warning',
  checkFile(f) {
    if (!f.transactional) return [];
    /** Each existing table an ALTER TABLE locks, and the first statement that does. */
    const lockedAt = new Map<string, number>();
    for (const s of f.statements) {
      const t = s.kind === 'AlterTableStmt' ? existingTable(s.node.relation, s, f) : undefined;
      if (t && !lockedAt.has(t)) lockedAt.set(t, s.index);
    }
    // An UPDATE before the ALTER (hydra's backfill, then SET NOT NULL) writes before the lock is taken.
    return f.statements.flatMap((s) => {
      const t = s.kind === 'UpdateStmt' ? existingTable(s.node.relation, s, f) : undefined;
      const at = t === undefined ? undefined : lockedAt.get(t);
      // With a WHERE (trigger.dev's UPDATE … WHERE "slug" = 'dev'), the rows it matches: not every row.
      const rows = s.node.whereClause ? 'the rows it matches are' : 'every row is';
      return at !== undefined && at < s.index ? [{ message: `backfill of ${sqlQualified(t!)} in the transaction that altered it: the table stays locked while ${rows} written`, offset: s.offset }] : [];
    });
  },
};
