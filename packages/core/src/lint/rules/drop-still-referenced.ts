import type { Rule } from '../types.js';
import { droppedNames, sqlQualified } from './util.js';

/** DROP TABLE of a table a view or foreign key of the module still references. */
export const dropStillReferenced: Rule = {
  code: 'BH-C302',
  name: 'drop-still-referenced',
  rationale: 'a table that a view or foreign key still references cannot be dropped (the deploy fails), and with CASCADE the view or key silently goes too',
  fix: 'drop or change the views and foreign keys that use it first, in the same or an earlier migration',
  severity: 'error',
  check(s, f) {
    const dropped = droppedNames(s, 'OBJECT_TABLE', f.qualify);
    // Tables dropped by the same statement take their foreign keys with them (DROP TABLE a, b).
    const goneWith = new Set(dropped.map((t) => `foreign key of ${t}`));
    // With CASCADE, what the file drops itself later loses nothing it would have kept: the
    // referencing table or view goes in the same migration (trigger.dev drops MissingConnection
    // CASCADE, then its join table _JobRunToMissingConnection).
    if (s.node.behavior === 'DROP_CASCADE') {
      for (const later of f.statements.filter((x) => x.index > s.index)) {
        for (const t of droppedNames(later, 'OBJECT_TABLE', f.qualify)) goneWith.add(`foreign key of ${t}`);
        for (const v of droppedNames(later, 'OBJECT_VIEW', f.qualify)) goneWith.add(`view ${v}`);
        for (const v of droppedNames(later, 'OBJECT_MATVIEW', f.qualify)) goneWith.add(`materialized view ${v}`);
      }
    }
    return dropped
      .map((table) => ({ table, by: f.referencedBy(table, s).filter((who) => !goneWith.has(who)) }))
      .filter((x) => x.by.length)
      .map((x) => ({ message: `${sqlQualified(x.table)} is still referenced by ${x.by.join(', ')}${s.node.behavior === 'DROP_CASCADE' ? ': CASCADE drops them silently' : ': the DROP fails'}` }));
  },
};
