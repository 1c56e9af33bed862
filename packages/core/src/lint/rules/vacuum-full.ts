import type { Rule } from '../types.js';

export const vacuumFull: Rule = {
  code: 'BH-L208',
  name: 'vacuum-full-or-cluster',
  rationale: 'VACUUM FULL and CLUSTER rewrite the table under an ACCESS EXCLUSIVE lock',
  fix: 'use pg_repack or plain VACUUM outside migrations',
  severity: 'error',
  check(s) {
    if (s.kind === 'ClusterStmt') return { message: 'CLUSTER rewrites the table under ACCESS EXCLUSIVE' };
    if (s.kind === 'VacuumStmt' && JSON.stringify(s.node.options ?? []).includes('"full"')) return { message: 'VACUUM FULL rewrites the table under ACCESS EXCLUSIVE' };
    return undefined;
  },
};
