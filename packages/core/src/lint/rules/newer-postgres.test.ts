import { describe, it } from 'vitest';
import { expectRule } from './test-helper.js';

describe('BH-X803 newer-postgres', () => {
  it('flags what it must and leaves the near misses alone', async () => {
    await expectRule(
      'BH-X803',
      ["MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN UPDATE SET v = s.v;", "CREATE UNIQUE INDEX i ON t (a) NULLS NOT DISTINCT;"],
      ["UPDATE t SET v = 1 WHERE id = 2;"],
      { pgVersion: 14 },
    );
  });
});
