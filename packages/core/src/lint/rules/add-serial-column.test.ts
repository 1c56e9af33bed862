import { describe, it } from 'vitest';
import { expectRule } from './test-helper.js';

describe('BH-L209 add-serial-column', () => {
  it('flags what it must and leaves the near misses alone', async () => {
    await expectRule(
      'BH-L209',
      ["ALTER TABLE users ADD COLUMN n serial;", "ALTER TABLE users ADD COLUMN n bigint GENERATED ALWAYS AS IDENTITY;", "ALTER TABLE users ADD COLUMN d int GENERATED ALWAYS AS (a * 2) STORED;"],
      ["ALTER TABLE users ADD COLUMN n bigint;", "CREATE TABLE t (id bigserial);"],
      {},
    );
  });
});
