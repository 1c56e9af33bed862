import { describe, expect, it } from 'vitest';
import { expectRule, findings } from './test-helper.js';

describe('BH-T404 enum-value-used-where-added', () => {
  it('flags a new label used later in the same transaction, and leaves the near misses alone', async () => {
    await expectRule(
      'BH-T404',
      [
        "ALTER TYPE mood ADD VALUE 'happy';\nUPDATE people SET mood = 'happy' WHERE id = 1;",
        "ALTER TYPE s.mood ADD VALUE IF NOT EXISTS 'it''s' BEFORE 'a';\nINSERT INTO people (mood) VALUES ('it''s');",
        "ALTER TYPE mood ADD VALUE 'sad';\nCREATE INDEX people_sad ON people (id) WHERE mood = 'sad'::mood;",
      ],
      [
        "ALTER TYPE mood ADD VALUE 'happy';",
        "ALTER TYPE mood ADD VALUE 'happy';\nALTER TYPE mood ADD VALUE 'glad' AFTER 'happy';",
        "UPDATE people SET mood = 'happy';\nALTER TYPE mood ADD VALUE 'happy';",
        "ALTER TYPE mood RENAME VALUE 'sad' TO 'blue';\nUPDATE people SET mood = 'blue';",
      ],
    );
    // A no-transaction file commits each statement: the value is committed when used.
    expect(await findings('BH-T404', "ALTER TYPE mood ADD VALUE 'happy';\nUPDATE people SET mood = 'happy';", { transactional: false })).toEqual([]);
    expect(await findings('BH-T404', "ALTER TYPE mood ADD VALUE 'happy';\nSELECT 1;\nUPDATE people SET mood = 'happy';")).toEqual(["3:1 value 'happy' of enum public.mood is used in the transaction that adds it"]);
  });
});
