import type { ColumnType } from '../references.js';
import type { Rule } from '../types.js';
import { alterCmds, existingTable, typeName } from './util.js';

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
      .filter((c) => c.def?.ColumnDef?.raw_default !== undefined || !widens(f.columnType(table, c.name, s), typeName(c.def?.ColumnDef)))
      .map((c) => ({ message: `changing the type of ${table}.${c.name} rewrites the table under ACCESS EXCLUSIVE`, offset: c.def?.ColumnDef?.location }));
  },
};

/** Types PostgreSQL changes in place when only their limit grows (or goes): no rewrite, no scan. */
const LIMITED = new Set(['varchar', 'varbit', 'numeric']);

/**
 * Whether changing a column from `from` to `to` (with no USING) leaves every stored value as it
 * is, so that PostgreSQL neither rewrites nor scans the table: the same type with a limit at
 * least as large or none (numeric: more precision, the same scale), or varchar ↔ text. Unknown
 * when the earlier type is not known (the table was made outside the module's migrations).
 */
function widens(from: ColumnType | undefined, to: ColumnType | undefined): boolean {
  if (!from || !to || from.array || to.array) return false;
  const [a, b] = [canonical(from.name), canonical(to.name)];
  if ((a === 'varchar' && b === 'text') || (a === 'text' && b === 'varchar' && !to.mods.length)) return true;
  if (a !== b) return false;
  if (!to.mods.length) return LIMITED.has(a) || !from.mods.length;
  if (!from.mods.length || !LIMITED.has(a)) return from.mods.join(',') === to.mods.join(',');
  if (a === 'numeric') return (to.mods[1] ?? 0) === (from.mods[1] ?? 0) && to.mods[0]! >= from.mods[0]!;
  return to.mods[0]! >= from.mods[0]!;
}

function canonical(name: string): string {
  const n = name.toLowerCase();
  return n === 'decimal' ? 'numeric' : n === 'bit varying' ? 'varbit' : n;
}
