import { describe, it } from 'vitest';
import { expectRule } from './test-helper.js';

describe('BH-T402 transaction-control', () => {
  it('flags what it must and leaves the near misses alone', async () => {
    await expectRule(
      'BH-T402',
      ["BEGIN;\nCREATE TABLE t (id int);\nCOMMIT;"],
      ["SAVEPOINT s;\nRELEASE SAVEPOINT s;", "CREATE TABLE t (id int);"],
      {},
    );
  });
});
