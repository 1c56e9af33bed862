import type { Rule } from '../types.js';
import { addedColumns, constraints, sqlName, sqlQualified } from './util.js';

export const notNullWithoutDefault: Rule = {
  code: 'BH-L206',
  name: 'not-null-column-without-default',
  rationale: 'adding a NOT NULL column without a default fails on a table that has rows, at deploy time',
  fix: 'give it a DEFAULT, or add it nullable, backfill, then SET NOT NULL',
  severity: 'error',
  check(s, f) {
    return addedColumns(s, f)
      .filter(({ def: d }) => constraints(d).some((k) => k.contype === 'CONSTR_NOTNULL' || k.contype === 'CONSTR_PRIMARY') && !constraints(d).some((k) => k.contype === 'CONSTR_DEFAULT' || k.contype === 'CONSTR_IDENTITY' || k.contype === 'CONSTR_GENERATED'))
      .map(({ table, def: d }) => ({ message: `new column ${sqlQualified(table)}.${sqlName(d.colname)} is NOT NULL without a default: the ALTER fails if the table has rows`, offset: d.location }));
  },
};
