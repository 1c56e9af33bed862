import type { Rule } from '../types.js';
import { addedColumns, constraints, sqlName, sqlQualified, typeName } from './util.js';

export const addSerialColumn: Rule = {
  code: 'BH-L209',
  name: 'adding-serial-identity-or-stored-column',
  rationale: 'adding a serial, identity or STORED generated column to an existing table rewrites it under ACCESS EXCLUSIVE',
  fix: 'add a plain nullable column, backfill it in batches, then attach the sequence or default',
  severity: 'error',
  check(s, f) {
    return addedColumns(s, f).flatMap(({ table, def: d }) => {
        const t = typeName(d);
        const serial = t && /^(small|big)?serial[248]?$/.test(t.name);
        const identity = constraints(d).some((k) => k.contype === 'CONSTR_IDENTITY');
        const stored = constraints(d).some((k) => k.contype === 'CONSTR_GENERATED');
        if (!serial && !identity && !stored) return [];
        return [{ message: `new ${serial ? 'serial' : identity ? 'identity' : 'generated STORED'} column ${sqlQualified(table)}.${sqlName(d.colname)} rewrites the table`, offset: d.location }];
      });
  },
};
