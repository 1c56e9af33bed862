import type { Rule } from '../types.js';
import { alterCmds, existingTable, sqlName, sqlQualified } from './util.js';

export const dropColumn: Rule = {
  code: 'BH-D102',
  name: 'drop-column',
  rationale: "dropping a column loses its data, and the running release's queries that name it fail",
  fix: 'stop reading and writing the column in one release, drop it in the next (expand/contract), and allow it here with a reason',
  severity: 'error',
  check(s, f) {
    const table = existingTable(s.node.relation, s, f);
    if (!table) return undefined;
    return alterCmds(s)
      .filter((c) => c.subtype === 'AT_DropColumn')
      // A column the file itself added before (a temporary one), or a down's up added, is no one's data yet.
      .filter((c) => !f.createdBefore(s).has(`${table}.${c.name}`) && !(f.direction === 'down' && f.createdByUp.has(`${table}.${c.name}`)))
      .map((c) => ({ message: `drops column ${sqlName(c.name)} of ${sqlQualified(table)}` }));
  },
};
