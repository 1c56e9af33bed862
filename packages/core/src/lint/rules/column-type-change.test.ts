import { describe, it } from 'vitest';
import { expectRule } from './test-helper.js';

describe('BH-L202 column-type-change', () => {
  it('flags what it must and leaves the near misses alone', async () => {
    await expectRule(
      'BH-L202',
      ["ALTER TABLE users ALTER COLUMN id TYPE bigint;"],
      ["CREATE TABLE t (id int);\nALTER TABLE t ALTER COLUMN id TYPE bigint;", "ALTER TABLE users ALTER COLUMN id SET DEFAULT 1;"],
      {},
    );
  });
});
