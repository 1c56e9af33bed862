import { describe, it } from 'vitest';
import { expectRule } from './test-helper.js';

describe('BH-D105 drop-cascade', () => {
  it('flags what it must and leaves the near misses alone', async () => {
    await expectRule(
      'BH-D105',
      ["DROP TYPE status CASCADE;", "ALTER TABLE t DROP COLUMN c CASCADE;"],
      ["DROP TYPE status;"],
      {},
    );
  });
});
