import type { Rule } from '../types.js';

export const roleChanges: Rule = {
  code: 'BH-P702',
  name: 'role-changes',
  rationale: 'roles are server-wide, shared by every module: a migration creating or altering them (SUPERUSER above all) changes what other modules may do',
  fix: 'manage roles outside migrations (bulkhead db create provisions each module\'s own)',
  severity: 'error',
  check(s) {
    if (!['CreateRoleStmt', 'AlterRoleStmt', 'DropRoleStmt', 'GrantRoleStmt', 'AlterRoleSetStmt'].includes(s.kind)) return undefined;
    const superuser = JSON.stringify(s.node).includes('"superuser"');
    return { message: `${s.kind.replace(/Stmt$/, '').replace(/([a-z])([A-Z])/g, '$1 $2').toUpperCase()}${superuser ? ' with SUPERUSER' : ''} changes server-wide roles` };
  },
};
