import { describe, it } from 'vitest';
import { expectRule } from './test-helper.js';

describe('BH-Y601 types-timestamp', () => {
  it('flags what it must and leaves the near misses alone', async () => {
    await expectRule(
      'BH-Y601',
      ["CREATE TABLE t (at timestamp);", "ALTER TABLE t ADD COLUMN at timestamp without time zone;"],
      ["CREATE TABLE t (at timestamptz);", "CREATE TABLE t (at timestamp with time zone);"],
      {},
    );
  });
});
