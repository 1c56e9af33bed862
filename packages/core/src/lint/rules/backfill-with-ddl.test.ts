import { describe, expect, it } from 'vitest';
import { expectRule, findings } from './test-helper.js';

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

  it('says every row without a WHERE, the rows it matches with one', async () => {
    expect(await findings('BH-M502', "ALTER TABLE users ADD COLUMN tier text;\nUPDATE users SET tier = 'free';")).toEqual(['2:1 backfill of public.users in the transaction that altered it: the table stays locked while every row is written']);
    expect(await findings('BH-M502', "ALTER TABLE users ADD COLUMN tier text;\nUPDATE users SET tier = 'free' WHERE id < 10;")).toEqual(['2:1 backfill of public.users in the transaction that altered it: the table stays locked while the rows it matches are written']);
  });
});
