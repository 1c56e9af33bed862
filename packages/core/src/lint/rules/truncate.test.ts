import { describe, it } from 'vitest';
import { expectRule } from './test-helper.js';

describe('BH-D104 truncate', () => {
  it('flags what it must and leaves the near misses alone', async () => {
    await expectRule(
      'BH-D104',
      ["TRUNCATE users;", "TRUNCATE users CASCADE;"],
      ["CREATE TABLE t (id int);\nTRUNCATE t;"],
      {},
    );
  });
});
