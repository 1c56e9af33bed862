import type { Rule } from '../types.js';
import { alterCmds, existingTable, sqlQualified } from './util.js';

/** ALTER TABLE forms that copy the whole table (and its indexes) while holding ACCESS EXCLUSIVE. */
const REWRITING: Record<string, string> = {
  AT_SetLogged: 'SET LOGGED',
  AT_SetUnLogged: 'SET UNLOGGED',
  AT_SetAccessMethod: 'SET ACCESS METHOD',
  AT_SetTableSpace: 'SET TABLESPACE',
};

export const vacuumFull: Rule = {
  code: 'BH-L208',
  name: 'vacuum-full-or-cluster',
  rationale: 'VACUUM FULL, CLUSTER and ALTER TABLE … SET LOGGED / UNLOGGED / ACCESS METHOD / TABLESPACE rewrite the table under an ACCESS EXCLUSIVE lock',
  fix: 'use pg_repack or plain VACUUM outside migrations; change a big table\'s persistence, access method or tablespace in a maintenance window (or create the new table and copy in batches)',
  severity: 'error',
  check(s, f) {
    if (s.kind === 'ClusterStmt') return { message: 'CLUSTER rewrites the table under ACCESS EXCLUSIVE' };
    if (s.kind === 'VacuumStmt' && JSON.stringify(s.node.options ?? []).includes('"full"')) return { message: 'VACUUM FULL rewrites the table under ACCESS EXCLUSIVE' };
    if (s.kind !== 'AlterTableStmt') return undefined;
    // A table created earlier in the file is empty: nothing to copy, nobody to block.
    const table = existingTable(s.node.relation, s, f);
    if (!table) return undefined;
    return alterCmds(s)
      .filter((c) => Object.hasOwn(REWRITING, String(c.subtype)))
      .map((c) => ({ message: `ALTER TABLE ${sqlQualified(table)} ${REWRITING[String(c.subtype)]} rewrites the table under ACCESS EXCLUSIVE` }));
  },
};
