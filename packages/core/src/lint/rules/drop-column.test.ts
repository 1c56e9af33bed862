import { describe, it } from 'vitest';
import { expectRule } from './test-helper.js';

describe('BH-D102 drop-column', () => {
  it('flags what it must and leaves the near misses alone', async () => {
    await expectRule(
      'BH-D102',
      ["ALTER TABLE users DROP COLUMN legacy;"],
      ["CREATE TABLE t (a int, b int);\nALTER TABLE t DROP COLUMN b;", "ALTER TABLE users ADD COLUMN c int;"],
      {},
    );
  });
});
