import { describe, it } from 'vitest';
import { expectRule } from './test-helper.js';

describe('BH-C302 drop-still-referenced', () => {
  it('flags what it must and leaves the near misses alone', async () => {
    await expectRule(
      'BH-C302',
      [
        'CREATE VIEW recent AS SELECT * FROM orders WITH x AS (SELECT 1) SELECT 1;'.replace(' WITH x AS (SELECT 1) SELECT 1', '') + '\nDROP TABLE orders;',
        'CREATE TABLE items (id int, order_id int REFERENCES orders (id));\nDROP TABLE orders CASCADE;',
        // Without CASCADE a later drop of the referencing table comes too late: the DROP fails.
        'CREATE TABLE items (id int, order_id int REFERENCES orders (id));\nDROP TABLE orders;\nDROP TABLE items;',
        // CASCADE takes a view the file keeps.
        'CREATE VIEW recent AS SELECT * FROM orders;\nCREATE VIEW other AS SELECT * FROM orders;\nDROP TABLE orders CASCADE;\nDROP VIEW other;',
        // A view follows its table through a rename.
        'CREATE VIEW recent AS SELECT * FROM orders;\nALTER TABLE orders RENAME TO orders_old;\nDROP TABLE orders_old;',
        // A renamed view still reads its table.
        'CREATE VIEW recent AS SELECT * FROM orders;\nALTER VIEW recent RENAME TO latest;\nDROP TABLE orders;',
      ],
      ['CREATE VIEW recent AS SELECT * FROM orders;\nDROP VIEW recent;\nDROP TABLE orders;', 'CREATE TABLE items (id int, order_id int REFERENCES orders (id));\nDROP TABLE items;\nDROP TABLE orders;', 'DROP TABLE orders;',
        // Renamed, then dropped under the new name: nothing references orders any more.
        'CREATE VIEW recent AS SELECT * FROM orders;\nALTER VIEW recent RENAME TO latest;\nDROP VIEW latest;\nDROP TABLE orders;',
        'CREATE MATERIALIZED VIEW totals AS SELECT count(*) FROM orders;\nALTER MATERIALIZED VIEW totals RENAME TO sums;\nDROP MATERIALIZED VIEW sums;\nDROP TABLE orders;',
        'CREATE TABLE items (id int, order_id int REFERENCES orders (id));\nALTER TABLE items RENAME TO lines;\nDROP TABLE lines;\nDROP TABLE orders;',
        // Dropped in one statement with the table that references it (the referencing one listed first or last).
        'CREATE TABLE items (id int, order_id int REFERENCES orders (id));\nDROP TABLE items, orders;',
        'CREATE TABLE items (id int, order_id int REFERENCES orders (id));\nDROP TABLE orders, items;',
        // CASCADE, and what it would take the file drops itself afterwards (trigger.dev's join tables).
        'CREATE TABLE items (id int, order_id int REFERENCES orders (id));\nDROP TABLE IF EXISTS orders CASCADE;\nDROP TABLE IF EXISTS items;',
        'CREATE VIEW recent AS SELECT * FROM orders;\nDROP TABLE orders CASCADE;\nDROP VIEW IF EXISTS recent;',
      ],
    );
  });
});
