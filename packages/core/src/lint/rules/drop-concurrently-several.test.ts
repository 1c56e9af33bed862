import { describe, expect, it } from 'vitest';
import { expectRule, findings } from './test-helper.js';

describe('BH-T405 drop-concurrently-several', () => {
  it('flags what PostgreSQL refuses and leaves one index at a time alone', async () => {
    await expectRule(
      'BH-T405',
      ['DROP INDEX CONCURRENTLY IF EXISTS a, b;', 'DROP INDEX CONCURRENTLY a CASCADE;'],
      ['DROP INDEX CONCURRENTLY IF EXISTS a;', 'DROP INDEX a, b;', 'DROP INDEX a CASCADE;', 'DROP TABLE a, b;'],
      { transactional: false },
    );
    expect(await findings('BH-T405', 'DROP INDEX CONCURRENTLY IF EXISTS convoy.a, convoy.b, convoy.c;', { transactional: false })).toEqual(['1:1 DROP INDEX CONCURRENTLY names 3 indexes: PostgreSQL drops one per statement and refuses this one']);
  });
});
