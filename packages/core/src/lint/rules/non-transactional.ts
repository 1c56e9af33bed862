import { nonTransactional as kindOf } from '../../analysis/statements.js';
import { noTransactionFix } from '../../migrations/directives.js';
import type { Rule } from '../types.js';

export const nonTransactional: Rule = {
  code: 'BH-T401',
  name: 'non-transactional-in-transaction',
  rationale: 'PostgreSQL refuses CONCURRENTLY, VACUUM and the like inside a transaction block: the migration fails at deploy time',
  fix: 'move the statement into a migration of its own marked -- bulkhead:no-transaction',
  severity: 'error',
  check(s, f) {
    if (!f.transactional) return undefined;
    const what = kindOf({ text: s.text, line: s.line, kind: s.kind, node: s.node as never });
    if (!what) return undefined;
    return { message: `${what} cannot run inside the transaction this migration runs in`, fix: noTransactionFix(f.foreignNoTransaction, nonTransactional.fix) };
  },
};
