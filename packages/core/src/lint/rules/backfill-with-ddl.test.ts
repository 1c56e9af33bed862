import { describe, it } from 'vitest';
import { expectRule } from './test-helper.js';

describe('BH-M502 backfill-with-ddl', () => {
  it('flags what it must and leaves the near misses alone', async () => {
    await expectRule(
      'BH-M502',
      ["ALTER TABLE users ADD COLUMN tier text;\nUPDATE users SET tier = 'free' WHERE tier IS NULL;"],
      [
        "UPDATE users SET tier = 'free' WHERE tier IS NULL;",
        // Written before the ALTER takes its lock (hydra: backfill, then SET NOT NULL).
        "UPDATE users SET tier = '' WHERE tier IS NULL;\nALTER TABLE users ALTER COLUMN tier SET NOT NULL;",
        "ALTER TABLE orders ADD COLUMN tier text;\nUPDATE users SET tier = 'free' WHERE tier IS NULL;",
      ],
      {},
    );
  });
});
