import type { Rule } from '../types.js';

export const grantPublic: Rule = {
  code: 'BH-P701',
  name: 'grant-to-public',
  rationale: 'PUBLIC is every role on the server, including other modules\' roles: it undoes the isolation db create sets up',
  fix: "grant to the module's own roles",
  severity: 'error',
  check(s) {
    if (s.kind !== 'GrantStmt' || !s.node.is_grant) return undefined;
    const toPublic = ((s.node.grantees as any[]) ?? []).some((g) => g.RoleSpec?.roletype === 'ROLESPEC_PUBLIC');
    return toPublic ? { message: 'GRANT … TO PUBLIC' } : undefined;
  },
};
