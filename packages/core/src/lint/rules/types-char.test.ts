import { describe, it } from 'vitest';
import { expectRule } from './test-helper.js';

describe('BH-Y602 types-char', () => {
  it('flags what it must and leaves the near misses alone', async () => {
    await expectRule(
      'BH-Y602',
      ["CREATE TABLE t (code char(3));"],
      ["CREATE TABLE t (code text);", "CREATE TABLE t (code \"char\");"],
      {},
    );
  });
});
