import { refusedDropConcurrently } from '../../analysis/statements.js';
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
    const refused = refusedDropConcurrently(s.kind, s.node);
    if (!refused) return undefined;
    return { message: refused.objects ? `DROP INDEX CONCURRENTLY names ${refused.objects} indexes: PostgreSQL drops one per statement and refuses this one` : 'DROP INDEX CONCURRENTLY with CASCADE: PostgreSQL refuses it' };
  },
};
