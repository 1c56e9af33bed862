import { describe, it } from 'vitest';
import { expectRule } from './test-helper.js';

describe('BH-L208 vacuum-full', () => {
  it('flags what it must and leaves the near misses alone', async () => {
    await expectRule(
      'BH-L208',
      ["VACUUM FULL users;", "CLUSTER users USING users_pkey;"],
      ["VACUUM users;", "ANALYZE users;"],
      { transactional: false },
    );
  });

  it('flags ALTER TABLE forms that copy the table (SET LOGGED / UNLOGGED / ACCESS METHOD / TABLESPACE), not on a table the file just created', async () => {
    await expectRule(
      'BH-L208',
      ['ALTER TABLE events SET LOGGED;', 'ALTER TABLE events SET UNLOGGED;', 'ALTER TABLE events SET ACCESS METHOD heap2;', 'ALTER TABLE events SET TABLESPACE fast;'],
      ['ALTER TABLE events SET (fillfactor = 70);', 'ALTER TABLE events ALTER COLUMN a DROP NOT NULL;', 'CREATE UNLOGGED TABLE staging (id int);\nALTER TABLE staging SET LOGGED;'],
    );
  });
});
