import { describe, it } from 'vitest';
import { expectRule } from './test-helper.js';

describe('BH-T403 several-concurrently', () => {
  it('flags what it must and leaves the near misses alone', async () => {
    await expectRule(
      'BH-T403',
      ["CREATE INDEX CONCURRENTLY a ON users (x);\nCREATE INDEX CONCURRENTLY b ON users (y);"],
      ["CREATE INDEX CONCURRENTLY a ON users (x);"],
      { transactional: false },
    );
  });
});
