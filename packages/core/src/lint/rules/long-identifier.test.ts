import { describe, expect, it } from 'vitest';
import { lintSqlText } from '../lint.js';
import { expectRule, findings, testModule } from './test-helper.js';

const long = 'identity_verification_codes_selfservice_verification_flows_id_fk';

describe('BH-Y606 identifier-too-long', () => {
  it('flags a name PostgreSQL would cut to 63 bytes (ory/kratos: a foreign key), once per file; 63 bytes pass', async () => {
    await expectRule(
      'BH-Y606',
      [
        `ALTER TABLE codes ADD CONSTRAINT ${long} FOREIGN KEY (flow_id) REFERENCES flows (id);`,
        `CREATE TABLE ${'t'.repeat(64)} (id int);`,
        `CREATE INDEX ${'i'.repeat(64)} ON t (id);`,
        `CREATE TABLE t (${'c'.repeat(64)} int);`,
        `CREATE FUNCTION ${'f'.repeat(64)}() RETURNS int LANGUAGE sql AS 'select 1';`,
        `ALTER TABLE t RENAME COLUMN a TO ${'c'.repeat(64)};`,
      ],
      [`CREATE TABLE ${'t'.repeat(63)} (id int);`, `DROP TABLE ${'t'.repeat(64)};`, `SELECT '${'x'.repeat(80)}';`],
    );
    const sql = `ALTER TABLE codes ADD CONSTRAINT ${long} FOREIGN KEY (flow_id) REFERENCES flows (id);\nALTER TABLE codes DROP CONSTRAINT ${long};\nALTER TABLE codes ADD CONSTRAINT ${long} CHECK (true);\n`;
    expect(await findings('BH-Y606', sql)).toEqual([`1:34 ${long} is 64 bytes long: PostgreSQL cuts it to ${long.slice(0, 63)}`]);
  });

  it('names the statement the name is in, and an allow comment before that statement covers it (LemmyNet/lemmy: an index)', async () => {
    const index = 'idx_post_aggregates_featured_community_newest_comment_time_necro';
    const sql = `CREATE INDEX a_idx ON t (a);\n\nCREATE INDEX ${index} ON post_aggregates (featured_community DESC);\n`;
    const [finding] = (await lintSqlText({ module: testModule(), sql })).filter((f) => f.code === 'BH-Y606');
    expect(finding).toMatchObject({ line: 3, column: 14, statement: expect.stringContaining(`CREATE INDEX ${index} ON post_aggregates`) });
    const allowed = `CREATE INDEX a_idx ON t (a);\n-- bulkhead:allow identifier-too-long the cut name is the one the code uses\nCREATE INDEX ${index} ON post_aggregates (featured_community DESC);\n`;
    expect(await findings('BH-Y606', allowed, { allow: [{ rule: 'identifier-too-long', reason: 'the cut name is the one the code uses', line: 2 }] })).toEqual([]);
  });
});
