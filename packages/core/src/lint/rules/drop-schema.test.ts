import { describe, it } from 'vitest';
import { expectRule } from './test-helper.js';

describe('BH-D103 drop-schema', () => {
  it('flags what it must and leaves the near misses alone', async () => {
    await expectRule(
      'BH-D103',
      ["DROP SCHEMA billing CASCADE;", "DROP DATABASE other;"],
      ["CREATE SCHEMA s;\nDROP SCHEMA s;", "DROP TABLE IF EXISTS nothing_here_but_a_table CASCADE;"],
      {},
    );
  });
});
