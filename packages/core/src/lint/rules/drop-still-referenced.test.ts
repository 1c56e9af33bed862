import { describe, it } from 'vitest';
import { expectRule } from './test-helper.js';

describe('BH-C302 drop-still-referenced', () => {
  it('flags what it must and leaves the near misses alone', async () => {
    await expectRule(
      'BH-C302',
      [
        'CREATE VIEW recent AS SELECT * FROM orders WITH x AS (SELECT 1) SELECT 1;'.replace(' WITH x AS (SELECT 1) SELECT 1', '') + '\nDROP TABLE orders;',
        'CREATE TABLE items (id int, order_id int REFERENCES orders (id));\nDROP TABLE orders CASCADE;',
        // A view follows its table through a rename.
        'CREATE VIEW recent AS SELECT * FROM orders;\nALTER TABLE orders RENAME TO orders_old;\nDROP TABLE orders_old;',
      ],
      ['CREATE VIEW recent AS SELECT * FROM orders;\nDROP VIEW recent;\nDROP TABLE orders;', 'CREATE TABLE items (id int, order_id int REFERENCES orders (id));\nDROP TABLE items;\nDROP TABLE orders;', 'DROP TABLE orders;'],
    );
  });
});
