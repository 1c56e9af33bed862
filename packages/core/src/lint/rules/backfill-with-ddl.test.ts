import { describe, it } from 'vitest';
import { expectRule } from './test-helper.js';

describe('BH-M502 backfill-with-ddl', () => {
  it('flags what it must and leaves the near misses alone', async () => {
    await expectRule(
      'BH-M502',
      ["ALTER TABLE users ADD COLUMN tier text;\nUPDATE users SET tier = 'free' WHERE tier IS NULL;"],
      ["UPDATE users SET tier = 'free' WHERE tier IS NULL;"],
      {},
    );
  });
});
