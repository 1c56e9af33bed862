import type { Rule } from '../types.js';
import { columnDefs, sqlName, typeName } from './util.js';

export const varcharColumn: Rule = {
  code: 'BH-Y603',
  name: 'varchar-with-length',
  rationale: 'varchar(n) is text with a limit that takes an ACCESS EXCLUSIVE lock (and a rewrite check) to change later',
  fix: 'use text, with a CHECK (length(col) <= n) if the limit matters (a CHECK can be changed NOT VALID)',
  tsFix: "use text: table.text('col') instead of table.string('col') (knex's string() is varchar(255)), with a CHECK (length(col) <= n) if the limit matters",
  severity: 'warning',
  check(s) {
    return columnDefs(s)
      .filter((d) => typeName(d)?.name === 'varchar' && typeName(d)!.mods.length > 0)
      .map((d) => ({ message: `column ${sqlName(d.colname)} is varchar(${typeName(d)!.mods[0]})`, offset: typeName(d)?.location }));
  },
};
