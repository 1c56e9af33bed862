import { describe, expect, it } from 'vitest';
import { lintSqlText } from '../lint.js';
import { expectRule, testModule } from './test-helper.js';

describe('BH-T401 non-transactional', () => {
  it('flags what it must and leaves the near misses alone', async () => {
    await expectRule(
      'BH-T401',
      ["CREATE INDEX CONCURRENTLY i ON users (email);", "VACUUM users;"],
      ["CREATE INDEX i ON users (email);"],
      {},
    );
  });

  it("names another tool's no-transaction mark, which Bulkhead does not read", async () => {
    const sql = '-- +goose NO TRANSACTION\n-- +goose Up\nCREATE INDEX CONCURRENTLY i ON users (email);\n';
    const [f] = (await lintSqlText({ module: testModule(), sql })).filter((x) => x.code === 'BH-T401');
    expect(f?.fix).toBe("line 1 is goose's mark (-- +goose NO TRANSACTION), which Bulkhead does not read: move the statement into a migration of its own marked -- bulkhead:no-transaction");
  });
});
