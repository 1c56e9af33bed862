import type { Rule } from '../types.js';

/**
 * PostgreSQL refuses DROP INDEX CONCURRENTLY naming more than one index, or with CASCADE, whatever
 * the indexes (IF EXISTS of none included): the migration fails when it runs. convoy's downs drop
 * two or three at once.
 */
export const dropConcurrentlySeveral: Rule = {
  code: 'BH-T405',
  name: 'drop-concurrently-several',
  rationale: 'PostgreSQL refuses DROP INDEX CONCURRENTLY of several indexes, or with CASCADE (0A000): the migration fails at deploy time',
  fix: 'one DROP INDEX CONCURRENTLY statement per index, without CASCADE',
  severity: 'error',
  check(s) {
    if (s.kind !== 'DropStmt' || !s.node.concurrent) return undefined;
    const n = ((s.node.objects as unknown[]) ?? []).length;
    if (n > 1) return { message: `DROP INDEX CONCURRENTLY names ${n} indexes: PostgreSQL drops one per statement and refuses this one` };
    if (s.node.behavior === 'DROP_CASCADE') return { message: 'DROP INDEX CONCURRENTLY with CASCADE: PostgreSQL refuses it' };
    return undefined;
  },
};
