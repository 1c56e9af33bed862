import { describe, expect, it } from 'vitest';
import { expectRule, findings } from './test-helper.js';

describe('BH-T403 several-concurrently', () => {
  it('flags what it must and leaves the near misses alone', async () => {
    await expectRule(
      'BH-T403',
      ["CREATE INDEX CONCURRENTLY a ON users (x);\nCREATE INDEX CONCURRENTLY b ON users (y);"],
      ["CREATE INDEX CONCURRENTLY a ON users (x);"],
      { transactional: false },
    );
  });

  it('is one finding per file, at the second statement, naming the lines of all', async () => {
    const sql = Array.from({ length: 8 }, (_, i) => `CREATE INDEX CONCURRENTLY i${i} ON users (x${i});`).join('\n');
    expect(await findings('BH-T403', sql, { transactional: false })).toEqual(['2:1 8 CONCURRENTLY statements in one no-transaction file (lines 1, 2, 3, 4, 5, … 8)']);
    expect(await findings('BH-T403', sql.split('\n').slice(0, 3).join('\n'), { transactional: false })).toEqual(['2:1 3 CONCURRENTLY statements in one no-transaction file (lines 1, 2 and 3)']);
  });
});
