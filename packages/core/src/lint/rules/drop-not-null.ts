import type { Rule } from '../types.js';
import { alterCmds, existingTable, sqlName, sqlQualified } from './util.js';

/** squawk's ban-drop-not-null: a column that may now be NULL, read by a release that assumes it never is. */
export const dropNotNull: Rule = {
  code: 'BH-C303',
  name: 'drop-not-null',
  rationale: 'the release still running reads the column as never NULL (a non-optional field, a NOT NULL assumption in its queries): the first NULL written breaks it',
  fix: 'make every reader handle NULL first, in a release of its own; then drop NOT NULL, and allow it here with a reason',
  severity: 'warning',
  check(s, f) {
    // A down dropping what its up set is the up undone, not a change of contract.
    if (f.direction === 'down') return undefined;
    const table = existingTable(s.node.relation, s, f);
    if (!table) return undefined;
    return alterCmds(s)
      .filter((c) => c.subtype === 'AT_DropNotNull')
      .map((c) => ({ message: `DROP NOT NULL on ${sqlQualified(table)}.${sqlName(c.name)}: readers of the running release may get NULL where they never did` }));
  },
};
