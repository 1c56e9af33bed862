import { describe, expect, it } from 'vitest';
import { lintSqlText } from '../lint.js';
import { expectRule, testModule } from './test-helper.js';

describe('BH-L201 index-concurrently', () => {
  it('flags what it must and leaves the near misses alone', async () => {
    await expectRule(
      'BH-L201',
      ["CREATE INDEX users_email_idx ON users (email);", "DROP INDEX users_email_idx;", "REINDEX INDEX users_email_idx;"],
      ["CREATE TABLE t (id int);\nCREATE INDEX t_id ON t (id);", "CREATE INDEX CONCURRENTLY users_email_idx ON users (email);", "REINDEX INDEX CONCURRENTLY i;"],
      {},
    );
  });

  it("gives the statement as it should read (ozone's create index on moderation_event)", async () => {
    const [f] = (await lintSqlText({ module: testModule({}), sql: 'create unique index "moderation_event_message_id_index" on "moderation_event" ("subjectMessageId");' })).filter((x) => x.code === 'BH-L201');
    expect(f!.fix).toBe('move it to a migration of its own marked -- bulkhead:no-transaction (its first line), as create unique index CONCURRENTLY "moderation_event_message_id_index" on "moderation_event" ("subjectMessageId"); (a build that fails there leaves an INVALID index: drop it and run again)');
  });
});
