import { describe, it } from 'vitest';
import { expectRule } from './test-helper.js';

describe('BH-M501 unbounded-dml', () => {
  it('flags what it must and leaves the near misses alone', async () => {
    await expectRule(
      'BH-M501',
      [
        "UPDATE users SET tier = 'free';",
        "DELETE FROM sessions;",
        // A column added earlier, but the UPDATE also sets an old one; or added to another table.
        "ALTER TABLE users ADD COLUMN tier text;\nUPDATE users SET tier = 'free', name = 'x';",
        "ALTER TABLE teams ADD COLUMN tier text;\nUPDATE users SET tier = 'free';",
      ],
      [
        "UPDATE users SET tier = 'free' WHERE tier IS NULL;",
        "CREATE TABLE t (a int);\nDELETE FROM t;",
        // The backfill of a column the file adds sets every row on purpose (BH-M502 tells of its lock).
        "ALTER TABLE users ADD COLUMN tier text;\nUPDATE users SET tier = 'free';",
        "ALTER TABLE public.users ADD COLUMN a int, ADD COLUMN b int;\nUPDATE users SET a = 1, b = 2;",
      ],
      {},
    );
  });
});
