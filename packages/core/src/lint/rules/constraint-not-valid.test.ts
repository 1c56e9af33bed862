import { describe, expect, it } from 'vitest';
import { lintSqlText } from '../lint.js';
import { expectRule, testModule } from './test-helper.js';

describe('BH-L204 constraint-not-valid', () => {
  it('flags what it must and leaves the near misses alone', async () => {
    await expectRule(
      'BH-L204',
      [
        "ALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (user_id) REFERENCES users (id);",
        "ALTER TABLE orders ADD CONSTRAINT positive CHECK (total > 0);",
        // squawk's ban-alter-domain-with-add-constraint: every column of the domain is checked.
        'ALTER DOMAIN price ADD CONSTRAINT price_positive CHECK (VALUE > 0);',
        'ALTER DOMAIN billing.price SET NOT NULL;',
      ],
      [
        "ALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;",
        "CREATE TABLE t (a int);\nALTER TABLE t ADD CONSTRAINT c CHECK (a > 0);",
        'ALTER DOMAIN price ADD CONSTRAINT price_positive CHECK (VALUE > 0) NOT VALID;',
        'ALTER DOMAIN price VALIDATE CONSTRAINT price_positive;',
        'CREATE DOMAIN price AS numeric;\nALTER DOMAIN price ADD CONSTRAINT price_positive CHECK (VALUE > 0);\nALTER DOMAIN price SET NOT NULL;',
      ],
      {},
    );
  });

  it("writes the later VALIDATE of a named constraint (convoy's partition_runs_operation_check)", async () => {
    const fixes = (await lintSqlText({ module: testModule({}), sql: 'ALTER TABLE convoy.partition_runs ADD CONSTRAINT partition_runs_operation_check CHECK (operation IN (\'a\'));\nALTER TABLE orders ADD CHECK (total > 0);' }))
      .filter((x) => x.code === 'BH-L204')
      .map((x) => x.fix);
    expect(fixes).toEqual([
      'write NOT VALID after it here, and in a later migration: ALTER TABLE convoy.partition_runs VALIDATE CONSTRAINT partition_runs_operation_check; (that checks the rows under a lock that lets writes go on)',
      'ADD CONSTRAINT … NOT VALID, then ALTER TABLE … VALIDATE CONSTRAINT … in a later migration (it takes a weaker lock)',
    ]);
  });
});
