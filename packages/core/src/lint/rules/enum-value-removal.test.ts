import { describe, it } from 'vitest';
import { expectRule } from './test-helper.js';

describe('BH-D106 enum-value-removal', () => {
  it('flags what it must and leaves the near misses alone', async () => {
    await expectRule(
      'BH-D106',
      [
        "ALTER TYPE status RENAME TO status_old;\nCREATE TYPE status AS ENUM ('open', 'closed');\nALTER TABLE t ALTER COLUMN s TYPE status USING s::text::status;\nDROP TYPE status_old;",
        "DELETE FROM pg_enum WHERE enumlabel = 'gone';",
      ],
      ["ALTER TYPE status ADD VALUE 'archived';", "CREATE TYPE status AS ENUM ('a');", "ALTER TYPE status RENAME TO state;"],
    );
  });
});
