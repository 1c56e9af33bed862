import { typeChangeRewrites } from '../references.js';
import type { Rule } from '../types.js';
import { alterCmds, existingTable, sqlName, sqlQualified } from './util.js';

export const columnTypeChange: Rule = {
  code: 'BH-L202',
  name: 'column-type-change',
  rationale: 'changing a column type rewrites the table (and its indexes) under an ACCESS EXCLUSIVE lock, unless it only widens the type (a longer varchar, varchar to text, more numeric precision)',
  fix: 'add a new column, backfill in batches, switch readers, then drop the old one',
  severity: 'error',
  check(s, f) {
    const table = existingTable(s.node.relation, s, f);
    if (!table) return undefined;
    return alterCmds(s)
      .filter((c) => c.subtype === 'AT_AlterColumnType')
      .filter((c) => typeChangeRewrites(c, f.columnType(table, c.name, s)))
      .map((c) => ({ message: `changing the type of ${sqlQualified(table)}.${sqlName(c.name)} rewrites the table under ACCESS EXCLUSIVE`, offset: c.def?.ColumnDef?.location }));
  },
};
