import { describe, it } from 'vitest';
import { expectRule } from './test-helper.js';

describe('BH-X801 undeclared-extension', () => {
  it('flags what it must and leaves the near misses alone', async () => {
    await expectRule(
      'BH-X801',
      ["CREATE EXTENSION IF NOT EXISTS pgcrypto;"],
      ["CREATE EXTENSION IF NOT EXISTS citext;"],
      { extensions: ['citext'] },
    );
  });
});
