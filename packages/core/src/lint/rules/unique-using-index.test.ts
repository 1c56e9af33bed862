import { describe, it } from 'vitest';
import { expectRule } from './test-helper.js';

describe('BH-L205 unique-using-index', () => {
  it('flags what it must and leaves the near misses alone', async () => {
    await expectRule(
      'BH-L205',
      ["ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);", "ALTER TABLE users ADD PRIMARY KEY (id);"],
      ["ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE USING INDEX users_email_idx;", "CREATE TABLE t (a int);\nALTER TABLE t ADD PRIMARY KEY (a);"],
      {},
    );
  });
});
