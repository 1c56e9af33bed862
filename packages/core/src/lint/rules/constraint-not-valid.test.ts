import { describe, it } from 'vitest';
import { expectRule } from './test-helper.js';

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
});
