import { describe, it } from 'vitest';
import { expectRule } from './test-helper.js';

describe('BH-L203 set-not-null', () => {
  it('flags what it must and leaves the near misses alone', async () => {
    await expectRule(
      'BH-L203',
      ["ALTER TABLE users ALTER COLUMN email SET NOT NULL;"],
      ["ALTER TABLE users ADD CONSTRAINT email_nn CHECK (email IS NOT NULL) NOT VALID;\nALTER TABLE users VALIDATE CONSTRAINT email_nn;\nALTER TABLE users ALTER COLUMN email SET NOT NULL;", "CREATE TABLE t (a int);\nALTER TABLE t ALTER COLUMN a SET NOT NULL;"],
      {},
    );
  });
});
