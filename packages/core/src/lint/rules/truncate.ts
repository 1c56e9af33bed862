import type { Rule } from '../types.js';
import { existingTable, sqlQualified } from './util.js';

export const truncate: Rule = {
  code: 'BH-D104',
  name: 'truncate',
  rationale: 'TRUNCATE deletes every row (CASCADE: of every referencing table too) and takes an ACCESS EXCLUSIVE lock',
  fix: 'delete what must go with a WHERE, in batches; or allow it with a reason if the table is disposable',
  severity: 'error',
  check(s, f) {
    if (s.kind !== 'TruncateStmt') return undefined;
    return ((s.node.relations as unknown[]) ?? [])
      .map((r) => existingTable(r, s, f))
      .filter((t): t is string => t !== undefined)
      .map((t) => ({ message: `TRUNCATE ${sqlQualified(t)}${s.node.behavior === 'DROP_CASCADE' ? ' CASCADE (and every table referencing it)' : ''} deletes every row` }));
  },
};
