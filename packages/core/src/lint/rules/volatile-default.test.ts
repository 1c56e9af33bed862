import { describe, it } from 'vitest';
import { expectRule } from './test-helper.js';

describe('BH-L207 volatile-default', () => {
  it('flags what it must and leaves the near misses alone', async () => {
    await expectRule(
      'BH-L207',
      ["ALTER TABLE users ADD COLUMN token uuid DEFAULT gen_random_uuid();", "ALTER TABLE users ADD COLUMN r float8 DEFAULT random();"],
      ["ALTER TABLE users ADD COLUMN created_at timestamptz DEFAULT now();", "ALTER TABLE users ADD COLUMN n int DEFAULT 0;"],
      {},
    );
  });
});
