import { describe, expect, it } from 'vitest';
import { expectRule, findings } from './test-helper.js';

describe('BH-D102 drop-column', () => {
  it('flags what it must and leaves the near misses alone', async () => {
    await expectRule(
      'BH-D102',
      ["ALTER TABLE users DROP COLUMN legacy;"],
      [
        "CREATE TABLE t (a int, b int);\nALTER TABLE t DROP COLUMN b;",
        "ALTER TABLE users ADD COLUMN c int;",
        // A temporary column of the same file.
        'ALTER TABLE users ADD COLUMN tmp int;\nUPDATE users SET tmp = 1 WHERE id = 1;\nALTER TABLE users DROP COLUMN tmp;',
        'ALTER TABLE users ADD COLUMN tmp int;\nALTER TABLE users RENAME COLUMN tmp TO tmp2;\nALTER TABLE users DROP COLUMN tmp2;',
      ],
      {},
    );
  });

  it("a down dropping its up's column under the name the down gave it (hydra: pk → pk_tmp) is no finding; another column is", async () => {
    const up = 'ALTER TABLE hydra_client RENAME pk TO pk_deprecated;\nALTER TABLE hydra_client ADD COLUMN pk uuid;';
    const down = 'ALTER TABLE hydra_client RENAME pk TO pk_tmp;\nALTER TABLE hydra_client RENAME pk_deprecated TO pk;\nALTER TABLE hydra_client DROP pk_tmp;';
    expect(await findings('BH-D102', down, { direction: 'down', up })).toEqual([]);
    expect(await findings('BH-D102', down.replace('DROP pk_tmp', 'DROP secret'), { direction: 'down', up })).toEqual(['3:1 drops column secret of public.hydra_client']);
  });
});
