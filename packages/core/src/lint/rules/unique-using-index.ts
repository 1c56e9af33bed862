import type { Rule } from '../types.js';
import { alterCmds, existingTable } from './util.js';

export const uniqueUsingIndex: Rule = {
  code: 'BH-L205',
  name: 'constraint-without-index',
  rationale: 'adding a UNIQUE constraint or PRIMARY KEY builds its index under an ACCESS EXCLUSIVE lock',
  fix: 'CREATE UNIQUE INDEX CONCURRENTLY first (no-transaction migration), then ADD CONSTRAINT … UNIQUE USING INDEX / PRIMARY KEY USING INDEX',
  severity: 'error',
  check(s, f) {
    const table = existingTable(s.node.relation, s, f);
    if (!table) return undefined;
    return alterCmds(s)
      .filter((c) => c.subtype === 'AT_AddConstraint')
      .map((c) => c.def?.Constraint)
      .filter((k) => k && (k.contype === 'CONSTR_UNIQUE' || k.contype === 'CONSTR_PRIMARY') && !k.indexname)
      .map((k) => ({ message: `${k.contype === 'CONSTR_UNIQUE' ? 'UNIQUE' : 'PRIMARY KEY'} on ${table} builds its index under ACCESS EXCLUSIVE`, offset: k.location }));
  },
};
