import { describe, it } from 'vitest';
import { expectRule } from './test-helper.js';

describe('BH-M501 unbounded-dml', () => {
  it('flags what it must and leaves the near misses alone', async () => {
    await expectRule(
      'BH-M501',
      ["UPDATE users SET tier = 'free';", "DELETE FROM sessions;"],
      ["UPDATE users SET tier = 'free' WHERE tier IS NULL;", "CREATE TABLE t (a int);\nDELETE FROM t;"],
      {},
    );
  });
});
