import type { Rule } from '../types.js';
import { columnDefs, sqlName, typeName } from './util.js';

export const timestampWithoutTz: Rule = {
  code: 'BH-Y601',
  name: 'timestamp-without-time-zone',
  rationale: 'timestamp without time zone stores wall-clock times with no zone: comparisons across servers and DST go wrong',
  fix: 'use timestamptz',
  tsFix: "use timestamptz: knex's table.timestamp('col') and table.timestamps() are, unless given { useTz: false }",
  severity: 'warning',
  check(s) {
    return columnDefs(s)
      .filter((d) => typeName(d)?.name === 'timestamp')
      .map((d) => ({ message: `column ${sqlName(d.colname)} is timestamp without time zone`, offset: typeName(d)?.location }));
  },
};
