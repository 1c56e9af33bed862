import type { Rule } from '../types.js';
import { alterCmds, existingTable, sqlName, sqlQualified } from './util.js';

/** SET NOT NULL scans the table under ACCESS EXCLUSIVE, unless a validated CHECK (col IS NOT NULL) proves it (PostgreSQL 12+). */
export const setNotNull: Rule = {
  code: 'BH-L203',
  name: 'set-not-null',
  rationale: 'SET NOT NULL scans the whole table while holding an ACCESS EXCLUSIVE lock',
  fix: 'PostgreSQL 12+: ADD CONSTRAINT … CHECK (col IS NOT NULL) NOT VALID; VALIDATE CONSTRAINT (in another migration); then SET NOT NULL is instant; drop the CHECK',
  severity: 'warning',
  check(s, f) {
    const table = existingTable(s.node.relation, s, f);
    if (!table) return undefined;
    const cmds = alterCmds(s);
    const text = f.statements.slice(0, s.index).map((x) => x.text).join('\n');
    return cmds
      .filter((c) => c.subtype === 'AT_SetNotNull')
      .filter((c) => !(f.pgVersion >= 12 && new RegExp(`VALIDATE\\s+CONSTRAINT`, 'i').test(text) && new RegExp(`\\b${c.name}\\s+IS\\s+NOT\\s+NULL`, 'i').test(text)))
      .map((c) => ({ message: `SET NOT NULL on ${sqlQualified(table)}.${sqlName(c.name)} scans the table under ACCESS EXCLUSIVE` }));
  },
};
