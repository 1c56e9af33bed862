import type { Rule } from '../types.js';
import { sqlName, sqlQualified, strings } from './util.js';

/**
 * DROP INDEX <table>.<index>: PostgreSQL reads the first part as a schema (an index's name is its
 * schema's), so with IF EXISTS nothing is dropped and the index stays — ory/kratos' 2023-02-16
 * session_devices_index_drop, whose psql run notes `schema "session_devices" does not exist,
 * skipping` — and without it the migration fails.
 */
export const indexNamedByTable: Rule = {
  code: 'BH-Y607',
  name: 'index-named-by-table',
  rationale: 'an index is named by its schema, not its table: DROP INDEX <table>.<index> looks for a schema of the table\'s name',
  fix: 'name the index alone (DROP INDEX … <index>, in the schema the search path starts with) or with its schema',
  severity: 'warning',
  check(s, f) {
    if (s.kind !== 'DropStmt' || s.node.removeType !== 'OBJECT_INDEX') return undefined;
    const hits = [];
    for (const o of (s.node.objects as { List?: { items?: unknown[] } }[] | undefined) ?? []) {
      const parts = strings(o.List?.items);
      if (parts.length !== 2) continue;
      const [table, index] = parts as [string, string];
      if (!f.tableKnown(f.qualify(undefined, table), s)) continue;
      hits.push({
        message: `DROP INDEX ${sqlQualified(table)}.${sqlName(index)} looks for index ${sqlName(index)} in a schema named ${sqlQualified(table)}, not on the table ${sqlQualified(table)}: ${s.node.missing_ok ? 'with IF EXISTS it drops nothing, and the index stays' : 'the migration fails (schema does not exist)'}`,
        fix: `DROP INDEX ${s.node.concurrent ? 'CONCURRENTLY ' : ''}${s.node.missing_ok ? 'IF EXISTS ' : ''}${index}`,
      });
    }
    return hits;
  },
};
