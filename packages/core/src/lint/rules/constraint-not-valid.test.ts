import { describe, it } from 'vitest';
import { expectRule } from './test-helper.js';

describe('BH-L204 constraint-not-valid', () => {
  it('flags what it must and leaves the near misses alone', async () => {
    await expectRule(
      'BH-L204',
      ["ALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (user_id) REFERENCES users (id);", "ALTER TABLE orders ADD CONSTRAINT positive CHECK (total > 0);"],
      ["ALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;", "CREATE TABLE t (a int);\nALTER TABLE t ADD CONSTRAINT c CHECK (a > 0);"],
      {},
    );
  });
});
