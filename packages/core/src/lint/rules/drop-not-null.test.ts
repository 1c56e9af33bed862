import { describe, it } from 'vitest';
import { expectRule } from './test-helper.js';

describe('BH-C303 drop-not-null', () => {
  it('flags what it must and leaves the near misses alone', async () => {
    await expectRule(
      'BH-C303',
      ['ALTER TABLE users ALTER COLUMN email DROP NOT NULL;', 'ALTER TABLE ONLY public.users ALTER email DROP NOT NULL, ADD COLUMN x int;'],
      ['CREATE TABLE t (a int NOT NULL);\nALTER TABLE t ALTER COLUMN a DROP NOT NULL;', 'ALTER TABLE users ALTER COLUMN email SET NOT NULL;', 'ALTER TABLE users ALTER COLUMN email DROP DEFAULT;'],
      {},
    );
  });
});
