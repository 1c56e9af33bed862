import type { Rule } from '../types.js';

export const dropCascade: Rule = {
  code: 'BH-D105',
  name: 'drop-cascade',
  rationale: 'CASCADE drops whatever depends on the object, which the migration does not name: views, foreign keys, other modules\' objects',
  fix: 'drop the dependent objects explicitly, then the object without CASCADE',
  severity: 'warning',
  check(s) {
    const cascade = (s.kind === 'DropStmt' && s.node.behavior === 'DROP_CASCADE') || (s.kind === 'AlterTableStmt' && ((s.node.cmds as any[]) ?? []).some((c) => c.AlterTableCmd?.behavior === 'DROP_CASCADE'));
    return cascade ? { message: 'CASCADE drops objects this migration does not name' } : undefined;
  },
};
