import { describe, it } from 'vitest';
import { expectRule } from './test-helper.js';

describe('BH-Y605 types-json', () => {
  it('flags what it must and leaves the near misses alone', async () => {
    await expectRule(
      'BH-Y605',
      ["CREATE TABLE t (doc json);"],
      ["CREATE TABLE t (doc jsonb);"],
      {},
    );
  });
});
