import type { Rule } from '../types.js';
import { droppedNames } from './util.js';

/** DROP TABLE of a table this file did not create (a down file may drop what its up created). */
export const dropTable: Rule = {
  code: 'BH-D101',
  name: 'drop-table',
  rationale: 'dropping a table loses its data for good, and running code that still reads it breaks',
  fix: 'stop using the table in a release first, keep a backup, then drop it in a later migration (and allow it with a reason)',
  severity: 'error',
  check(s, f) {
    return droppedNames(s, 'OBJECT_TABLE', f.qualify)
      .filter((q) => !f.createdBefore(s).has(q) && !f.createdByUp.has(q))
      .map((q) => ({ message: `DROP TABLE ${q} deletes the table and its data` }));
  },
};
