import { describe, it } from 'vitest';
import { expectRule } from './test-helper.js';

describe('BH-P701 grant-public', () => {
  it('flags what it must and leaves the near misses alone', async () => {
    await expectRule(
      'BH-P701',
      ["GRANT SELECT ON users TO PUBLIC;"],
      ["GRANT SELECT ON users TO reporting;", "REVOKE ALL ON users FROM PUBLIC;"],
      {},
    );
  });
});
