import type { Rule } from '../types.js';
import { addedConstraints, sqlQualified } from './util.js';

export const uniqueUsingIndex: Rule = {
  code: 'BH-L205',
  name: 'constraint-without-index',
  rationale: 'adding a UNIQUE constraint or PRIMARY KEY builds its index under an ACCESS EXCLUSIVE lock',
  fix: 'CREATE UNIQUE INDEX CONCURRENTLY first (no-transaction migration), then ADD CONSTRAINT … UNIQUE USING INDEX / PRIMARY KEY USING INDEX',
  severity: 'error',
  check(s, f) {
    return addedConstraints(s, f)
      .filter(({ constraint: k }) => (k.contype === 'CONSTR_UNIQUE' || k.contype === 'CONSTR_PRIMARY') && !k.indexname)
      .map(({ table, constraint: k }) => ({ message: `${k.contype === 'CONSTR_UNIQUE' ? 'UNIQUE' : 'PRIMARY KEY'} on ${sqlQualified(table)} builds its index under ACCESS EXCLUSIVE`, offset: k.location }));
  },
};
