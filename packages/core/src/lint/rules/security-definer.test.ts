import { describe, it } from 'vitest';
import { expectRule } from './test-helper.js';

describe('BH-P703 security-definer', () => {
  it('flags what it must and leaves the near misses alone', async () => {
    await expectRule(
      'BH-P703',
      ["CREATE FUNCTION f() RETURNS int LANGUAGE sql SECURITY DEFINER AS 'SELECT 1';"],
      ["CREATE FUNCTION f() RETURNS int LANGUAGE sql SECURITY DEFINER SET search_path = app, pg_temp AS 'SELECT 1';", "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1';"],
      {},
    );
  });
});
