import type { Rule } from '../types.js';
import { columnDefs, sqlName, typeName } from './util.js';

export const jsonColumn: Rule = {
  code: 'BH-Y605',
  name: 'json-not-jsonb',
  rationale: 'json stores text and reparses it on every access; it cannot be indexed or compared',
  fix: 'use jsonb',
  tsFix: "use jsonb: table.jsonb('col') instead of table.json('col')",
  severity: 'warning',
  check(s) {
    return columnDefs(s)
      .filter((d) => typeName(d)?.name === 'json')
      .map((d) => ({ message: `column ${sqlName(d.colname)} is json`, offset: typeName(d)?.location }));
  },
};
