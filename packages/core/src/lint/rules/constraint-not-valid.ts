import type { Rule } from '../types.js';
import { addedConstraints } from './util.js';

/** A new CHECK or FOREIGN KEY on an existing table without NOT VALID. */
export const constraintNotValid: Rule = {
  code: 'BH-L204',
  name: 'constraint-without-not-valid',
  rationale: 'adding a CHECK or FOREIGN KEY validates every row while holding a lock that blocks writes (both tables for a foreign key)',
  fix: 'ADD CONSTRAINT … NOT VALID, then ALTER TABLE … VALIDATE CONSTRAINT … in a later migration (it takes a weaker lock)',
  severity: 'error',
  check(s, f) {
    return addedConstraints(s, f)
      .filter(({ constraint: k }) => (k.contype === 'CONSTR_CHECK' || k.contype === 'CONSTR_FOREIGN') && !k.skip_validation)
      .map(({ table, constraint: k }) => ({ message: `${k.contype === 'CONSTR_CHECK' ? 'CHECK' : 'FOREIGN KEY'} constraint ${k.conname ?? ''} on ${table} validates every row while blocking writes`.replace('  ', ' '), offset: k.location }));
  },
};
