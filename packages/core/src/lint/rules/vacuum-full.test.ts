import { describe, it } from 'vitest';
import { expectRule } from './test-helper.js';

describe('BH-L208 vacuum-full', () => {
  it('flags what it must and leaves the near misses alone', async () => {
    await expectRule(
      'BH-L208',
      ["VACUUM FULL users;", "CLUSTER users USING users_pkey;"],
      ["VACUUM users;", "ANALYZE users;"],
      { transactional: false },
    );
  });
});
