import type { Rule } from '../types.js';
import { alterCmds, constraints, existingTable } from './util.js';

export const notNullWithoutDefault: Rule = {
  code: 'BH-L206',
  name: 'not-null-column-without-default',
  rationale: 'adding a NOT NULL column without a default fails on a table that has rows, at deploy time',
  fix: 'give it a DEFAULT, or add it nullable, backfill, then SET NOT NULL',
  severity: 'error',
  check(s, f) {
    const table = existingTable(s.node.relation, s, f);
    if (!table) return undefined;
    return alterCmds(s)
      .filter((c) => c.subtype === 'AT_AddColumn')
      .map((c) => c.def?.ColumnDef)
      .filter((d) => d && constraints(d).some((k) => k.contype === 'CONSTR_NOTNULL' || k.contype === 'CONSTR_PRIMARY') && !constraints(d).some((k) => k.contype === 'CONSTR_DEFAULT' || k.contype === 'CONSTR_IDENTITY' || k.contype === 'CONSTR_GENERATED'))
      .map((d) => ({ message: `new column ${table}.${d.colname} is NOT NULL without a default: the ALTER fails if the table has rows`, offset: d.location }));
  },
};
