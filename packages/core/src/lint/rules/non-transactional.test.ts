import { describe, it } from 'vitest';
import { expectRule } from './test-helper.js';

describe('BH-T401 non-transactional', () => {
  it('flags what it must and leaves the near misses alone', async () => {
    await expectRule(
      'BH-T401',
      ["CREATE INDEX CONCURRENTLY i ON users (email);", "VACUUM users;"],
      ["CREATE INDEX i ON users (email);"],
      {},
    );
  });
});
