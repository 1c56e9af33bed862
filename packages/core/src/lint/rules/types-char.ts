import type { Rule } from '../types.js';
import { columnDefs, sqlName, typeName } from './util.js';

export const charColumn: Rule = {
  code: 'BH-Y602',
  name: 'char-column',
  rationale: 'char(n) pads with spaces and is no faster than text; comparisons surprise',
  fix: 'use text (with a CHECK on length if one matters)',
  severity: 'warning',
  check(s) {
    return columnDefs(s)
      .filter((d) => typeName(d)?.name === 'bpchar')
      .map((d) => ({ message: `column ${sqlName(d.colname)} is char(n)`, offset: typeName(d)?.location }));
  },
};
