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
      if (table) {
        // The statement as it should read, where it is short enough to give whole.
        const rewritten = s.text.trim().replace(/;\s*$/, '').replace(/^(create\s+(?:unique\s+)?index)\b/i, (m) => `${m} CONCURRENTLY`);
        const fix = rewritten !== s.text.trim().replace(/;\s*$/, '') && rewritten.length <= 400 && !rewritten.includes('\n--')
          ? `move it to a migration of its own marked -- bulkhead:no-transaction (its first line), as ${rewritten.replace(/\s+/g, ' ')}; (a build that fails there leaves an INVALID index: drop it and run again)`
          : undefined;
        return { message: `CREATE INDEX on ${sqlQualified(table)} without CONCURRENTLY blocks writes while it builds`, offset: s.node.relation?.location, ...(fix ? { fix } : {}) };
      }
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
