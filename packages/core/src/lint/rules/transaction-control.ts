import type { Rule } from '../types.js';

export const transactionControl: Rule = {
  code: 'BH-T402',
  name: 'transaction-control-in-file',
  rationale: 'Bulkhead commits each migration with its history row; a BEGIN/COMMIT in the file breaks that atomicity',
  fix: 'remove BEGIN/COMMIT (the migration already runs in one transaction), or mark the file -- bulkhead:no-transaction',
  severity: 'error',
  check(s, f) {
    // A no-transaction file manages its own transactions.
    if (s.kind !== 'TransactionStmt' || !f.transactional) return undefined;
    const kind = String(s.node.kind ?? '');
    return /SAVEPOINT|RELEASE|ROLLBACK_TO/.test(kind) ? undefined : { message: `${kind.replace('TRANS_STMT_', '')} inside a migration file` };
  },
};
