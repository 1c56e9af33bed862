import type { Rule } from '../types.js';
import { sqlName } from './util.js';

export const dropSchema: Rule = {
  code: 'BH-D103',
  name: 'drop-schema-or-database',
  rationale: 'dropping a schema or a database removes everything in it at once',
  fix: 'drop the objects one by one in reviewed migrations, or do it outside migrations',
  severity: 'error',
  check(s, f) {
    if (s.kind === 'DropdbStmt') return { message: `DROP DATABASE ${s.node.dbname}` };
    if (s.kind !== 'DropStmt' || s.node.removeType !== 'OBJECT_SCHEMA') return undefined;
    return ((s.node.objects as any[]) ?? [])
      .map((o) => o.String?.sval as string)
      .filter((name) => name && !f.createdBefore(s).has(`schema:${name}`) && !f.createdByUp.has(`schema:${name}`))
      .map((name) => ({ message: `DROP SCHEMA ${sqlName(name)} removes everything in it` }));
  },
};
