import { describe, it } from 'vitest';
import { expectRule } from './test-helper.js';

describe('BH-Y603 types-varchar', () => {
  it('flags what it must and leaves the near misses alone', async () => {
    await expectRule(
      'BH-Y603',
      ["CREATE TABLE t (name varchar(50));"],
      ["CREATE TABLE t (name varchar);", "CREATE TABLE t (name text);"],
      {},
    );
  });
});
