import type { Rule } from '../types.js';
import { strings } from './util.js';

/** DROP TABLE of a table this file did not create (a down file may drop what its up created). */
export const dropTable: Rule = {
  code: 'BH-D101',
  name: 'drop-table',
  rationale: 'dropping a table loses its data for good, and running code that still reads it breaks',
  fix: 'stop using the table in a release first, keep a backup, then drop it in a later migration (and allow it with a reason)',
  severity: 'error',
  check(s, f) {
    if (s.kind !== 'DropStmt' || s.node.removeType !== 'OBJECT_TABLE') return undefined;
    return ((s.node.objects as any[]) ?? [])
      .map((o) => strings(o.List?.items))
      .map((parts) => f.qualify(parts.length > 1 ? parts[parts.length - 2] : undefined, parts[parts.length - 1]!))
      .filter((q) => !f.createdBefore(s).has(q) && !f.createdByUp.has(q))
      .map((q) => ({ message: `DROP TABLE ${q} deletes the table and its data` }));
  },
};
