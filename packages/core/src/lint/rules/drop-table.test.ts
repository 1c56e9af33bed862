import { describe, it } from 'vitest';
import { expectRule } from './test-helper.js';

describe('BH-D101 drop-table', () => {
  it('flags what it must and leaves the near misses alone', async () => {
    await expectRule(
      'BH-D101',
      ["DROP TABLE users;", "DROP TABLE IF EXISTS a, b;"],
      ["CREATE TABLE t (id int);\nDROP TABLE t;", "DROP VIEW v;"],
      {},
    );
  });
});
