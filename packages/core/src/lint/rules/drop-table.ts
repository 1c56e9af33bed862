import type { Rule } from '../types.js';
import { droppedNames } from './util.js';

/**
 * DROP TABLE of a table this file did not create (a down file may drop what its up created). A
 * module's first migration runs on an empty database (one built otherwise is adopted with
 * baseline, which skips it): its DROP TABLE IF EXISTS clears a slate (tt-rss's schema.sql), it
 * loses nothing.
 */
export const dropTable: Rule = {
  code: 'BH-D101',
  name: 'drop-table',
  rationale: 'dropping a table loses its data for good, and running code that still reads it breaks',
  fix: 'stop using the table in a release first, keep a backup, then drop it in a later migration (and allow it with a reason)',
  severity: 'error',
  check(s, f) {
    if (f.direction === 'up' && f.module.migrations?.[0]?.id === f.migration) return [];
    return droppedNames(s, 'OBJECT_TABLE', f.qualify)
      .filter((q) => !f.createdBefore(s).has(q) && !f.createdByUp.has(q))
      .map((q) => ({ message: `DROP TABLE ${q} deletes the table and its data` }));
  },
};
