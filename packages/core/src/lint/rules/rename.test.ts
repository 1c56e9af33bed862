import { describe, it } from 'vitest';
import { expectRule } from './test-helper.js';

describe('BH-C301 rename', () => {
  it('flags what it must and leaves the near misses alone', async () => {
    await expectRule(
      'BH-C301',
      ["ALTER TABLE users RENAME TO accounts;", "ALTER TABLE users RENAME COLUMN email TO mail;"],
      ["CREATE TABLE t (a int);\nALTER TABLE t RENAME COLUMN a TO b;", "ALTER INDEX i RENAME TO j;"],
      {},
    );
  });
});
