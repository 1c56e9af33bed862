import type { Rule } from '../types.js';
import { existingTable, sqlQualified } from './util.js';

/** CREATE INDEX / DROP INDEX / REINDEX without CONCURRENTLY on a table that existed before this file. */
export const indexConcurrently: Rule = {
  code: 'BH-L201',
  name: 'index-without-concurrently',
  rationale: 'building or dropping an index without CONCURRENTLY blocks every write to the table (SHARE lock; DROP: ACCESS EXCLUSIVE) for as long as it takes',
  fix: 'use CREATE INDEX CONCURRENTLY / DROP INDEX CONCURRENTLY / REINDEX … CONCURRENTLY in a migration of its own marked -- bulkhead:no-transaction',
  severity: 'error',
  check(s, f) {
    if (s.kind === 'IndexStmt' && !s.node.concurrent) {
      const table = existingTable(s.node.relation, s, f);
      if (table) return { message: `CREATE INDEX on ${sqlQualified(table)} without CONCURRENTLY blocks writes while it builds`, offset: s.node.relation?.location };
    }
    if (s.kind === 'DropStmt' && s.node.removeType === 'OBJECT_INDEX' && !s.node.concurrent && f.direction === 'up') {
      return { message: 'DROP INDEX without CONCURRENTLY takes an ACCESS EXCLUSIVE lock on its table' };
    }
    if (s.kind === 'ReindexStmt' && !JSON.stringify(s.node.params ?? []).includes('"concurrently"')) {
      return { message: 'REINDEX without CONCURRENTLY blocks writes (and reads that use the index)', fix: 'REINDEX … CONCURRENTLY (PostgreSQL 12+) in a no-transaction migration' };
    }
    return undefined;
  },
};
