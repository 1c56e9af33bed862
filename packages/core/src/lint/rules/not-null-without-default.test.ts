import { describe, it } from 'vitest';
import { expectRule } from './test-helper.js';

describe('BH-L206 not-null-without-default', () => {
  it('flags what it must and leaves the near misses alone', async () => {
    await expectRule(
      'BH-L206',
      ["ALTER TABLE users ADD COLUMN tier text NOT NULL;"],
      ["ALTER TABLE users ADD COLUMN tier text NOT NULL DEFAULT 'free';", "ALTER TABLE users ADD COLUMN tier text;", "ALTER TABLE users ADD COLUMN id2 bigint GENERATED ALWAYS AS IDENTITY NOT NULL;"],
      {},
    );
  });
});
