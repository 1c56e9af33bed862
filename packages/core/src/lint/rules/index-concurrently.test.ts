import { describe, it } from 'vitest';
import { expectRule } from './test-helper.js';

describe('BH-L201 index-concurrently', () => {
  it('flags what it must and leaves the near misses alone', async () => {
    await expectRule(
      'BH-L201',
      ["CREATE INDEX users_email_idx ON users (email);", "DROP INDEX users_email_idx;", "REINDEX INDEX users_email_idx;"],
      ["CREATE TABLE t (id int);\nCREATE INDEX t_id ON t (id);", "CREATE INDEX CONCURRENTLY users_email_idx ON users (email);", "REINDEX INDEX CONCURRENTLY i;"],
      {},
    );
  });
});
