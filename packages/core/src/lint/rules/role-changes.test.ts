import { describe, it } from 'vitest';
import { expectRule } from './test-helper.js';

describe('BH-P702 role-changes', () => {
  it('flags what it must and leaves the near misses alone', async () => {
    await expectRule(
      'BH-P702',
      ["CREATE ROLE app LOGIN;", "ALTER ROLE app SUPERUSER;"],
      ["CREATE TABLE t (id int);"],
      {},
    );
  });
});
