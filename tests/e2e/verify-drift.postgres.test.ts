import { afterEach, describe, expect, it } from 'vitest';
import { postgresBackend } from '../support/backends.js';
import { createDatabase, makeWorkspace, query, runCli, type Fixture } from '../support/fixtures.js';
import { verifyDriftSharedSuite, verifyDriftSuite } from './verify-drift.suite.js';

verifyDriftSuite(postgresBackend);
verifyDriftSharedSuite();

let fx: Fixture | undefined;
afterEach(() => fx?.cleanup());

describe('drift on a server database made partly outside the migrations', () => {
  it("an extension the live database has and the module does not declare (chirpstack's pg_trgm, from a docker init script) is named as the fix, not a new migration", async () => {
    const url = await createDatabase();
    await query(url, 'CREATE EXTENSION pg_trgm');
    fx = makeWorkspace([{ name: 'search', url: '${SEARCH_URL}', migrations: { '001_t.up.sql': 'CREATE TABLE tenant (name text);\nCREATE INDEX tenant_name_trgm ON tenant USING gin (name gin_trgm_ops);\n' } }]);
    const env = { SEARCH_URL: url };
    const up = await runCli(['up'], { cwd: fx.root, env });
    expect(up.exitCode, up.stderr).toBe(0);
    const drift = await runCli(['drift'], { cwd: fx.root, env });
    expect(drift.exitCode).toBe(1);
    expect(drift.stderr).toContain('modules/search/migrations/001_t.up.sql:2: migration 001_t fails on a fresh database');
    expect(drift.stderr).toContain('fix: operator class gin_trgm_ops comes from the extension pg_trgm, which the live database has (made outside the migrations) and modules/search/bulkhead.json does not declare: declare it there');
    fx.write('modules/search/bulkhead.json', JSON.stringify({ name: 'search', database: { url: '${SEARCH_URL}' }, extensions: ['pg_trgm'] }));
    const declared = await runCli(['drift'], { cwd: fx.root, env });
    expect(declared.exitCode, declared.stderr).toBe(0);
    expect(declared.stderr).toContain('search: ✓ no drift');
  });
});
