import type { Rule } from '../types.js';
import { addedColumns, constraints, functionsIn, sqlName, sqlQualified, VOLATILE_FUNCTIONS } from './util.js';


export const volatileDefault: Rule = {
  code: 'BH-L207',
  name: 'adding-column-with-volatile-default',
  rationale: 'ADD COLUMN with a volatile default (or any default before PostgreSQL 11) rewrites the whole table under ACCESS EXCLUSIVE',
  fix: 'add the column without a default (or with a constant), set the default afterwards, and backfill in batches',
  severity: 'error',
  check(s, f) {
    return addedColumns(s, f).flatMap(({ table, def: d }) => {
        const def = constraints(d).find((k) => k.contype === 'CONSTR_DEFAULT');
        if (!def) return [];
        const volatile = functionsIn(def.raw_expr).filter((fn) => VOLATILE_FUNCTIONS.has(fn));
        if (volatile.length) return [{ message: `new column ${sqlQualified(table)}.${sqlName(d.colname)} has a volatile default (${volatile[0]}()): the table is rewritten`, offset: def.location }];
        if (f.pgVersion < 11) return [{ message: `new column ${sqlQualified(table)}.${sqlName(d.colname)} has a default: before PostgreSQL 11 the table is rewritten`, offset: def.location }];
        return [];
      });
  },
};
