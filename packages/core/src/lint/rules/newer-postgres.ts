import type { Rule } from '../types.js';
import { alterCmds, columnDefs, constraints } from './util.js';

/** Statement forms and the PostgreSQL version that introduced them. */
function needs(s: import('../types.js').LintStatement): { version: number; what: string } | undefined {
  const json = JSON.stringify(s.node);
  if (s.kind === 'MergeStmt') return s.node.returningList ? { version: 17, what: 'MERGE … RETURNING' } : { version: 15, what: 'MERGE' };
  if (json.includes('"nulls_not_distinct":true')) return { version: 15, what: 'NULLS NOT DISTINCT' };
  if (s.kind === 'ReindexStmt' && json.includes('"concurrently"')) return { version: 12, what: 'REINDEX CONCURRENTLY' };
  if (json.includes('"JsonTable"')) return { version: 17, what: 'JSON_TABLE' };
  const generated = columnDefs(s).flatMap((d) => constraints(d)).find((k) => k.contype === 'CONSTR_GENERATED');
  if (generated) return generated.generated_kind === 'v' || !json.includes('"generated_when":"a"') ? { version: 12, what: 'generated columns' } : { version: 12, what: 'generated columns' };
  if (alterCmds(s).some((c) => c.subtype === 'AT_SetAccessMethod')) return { version: 15, what: 'ALTER TABLE … SET ACCESS METHOD' };
  return undefined;
}

export const newerPostgres: Rule = {
  code: 'BH-X803',
  name: 'needs-newer-postgres',
  rationale: 'the statement is valid on a newer PostgreSQL than the one the module deploys to: it fails at deploy time',
  fix: 'rewrite it for the target version, or raise --pg-version once production runs the newer server',
  severity: 'error',
  check(s, f) {
    const n = needs(s);
    return n && n.version > f.pgVersion ? { message: `${n.what} needs PostgreSQL ${n.version}; the target is ${f.pgVersion}` } : undefined;
  },
};
