/**
 * `db create` and the role check of `validate --server` (SPEC §5, §7): isolation enforced by the
 * server. Each module's database is owned by a role of its own, CONNECT is revoked from PUBLIC,
 * and validate proves by connecting as each role that it cannot reach the other databases.
 */
import { afterEach, describe, expect, inject, it } from 'vitest';
import { adminQuery, createDatabase, makeWorkspace, query, runCli, tableExists, type Fixture } from '../support/fixtures.js';

let fx: Fixture | undefined;
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  fx?.cleanup();
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

function serverUrl(database: string, user?: string, password?: string): string {
  const u = new URL(inject('pgAdminUrl'));
  u.pathname = `/${database}`;
  if (user !== undefined) {
    u.username = user;
    u.password = password ?? '';
  }
  return u.toString();
}

describe('db create', () => {
  it('creates each database owned by its own role, sealed from PUBLIC, with schema and extensions; idempotent; validate --server proves the seal', async () => {
    const tag = `${inject('dbPrefix')}${process.pid}_prov`;
    const [alphaDb, betaDb, alphaRole] = [`${tag}_alpha`, `${tag}_beta`, `${tag}_alpha_app`];
    cleanups.push(
      () => adminQuery(`DROP ROLE IF EXISTS "${alphaRole}"`),
      () => adminQuery('DROP ROLE IF EXISTS beta_owner'),
      () => adminQuery(`DROP DATABASE IF EXISTS "${alphaDb}" WITH (FORCE)`),
      () => adminQuery(`DROP DATABASE IF EXISTS "${betaDb}" WITH (FORCE)`),
    );
    const password = 'pa$$-word-never-printed';
    fx = makeWorkspace([
      { name: 'alpha', url: '${ALPHA_URL}', manifest: { extensions: ['citext'] }, migrations: { '001_t.up.sql': 'CREATE TABLE people (email citext PRIMARY KEY);\n' } },
      { name: 'beta', url: '${BETA_URL}', manifest: { database: { url: '${BETA_URL}', schema: 'beta' } } },
    ]);
    const env = { ALPHA_URL: serverUrl(alphaDb, alphaRole, password), BETA_URL: serverUrl(betaDb) };
    const admin = serverUrl('postgres');

    const dry = await runCli(['db', 'create', '--dry-run', '--admin-url', admin], { cwd: fx.root, env });
    expect(dry.exitCode, dry.stderr).toBe(0);
    expect(dry.stdout).toContain(`CREATE ROLE "${alphaRole}" LOGIN PASSWORD '***';`);
    expect(dry.stdout).toContain(`CREATE DATABASE "${alphaDb}" OWNER "${alphaRole}";`);
    expect(dry.stdout).toContain(`REVOKE CONNECT, TEMPORARY ON DATABASE "${alphaDb}" FROM PUBLIC;`);
    expect(dry.stdout).toContain(`\\connect ${alphaDb}\nCREATE EXTENSION IF NOT EXISTS "citext";`);
    expect(dry.stdout).toContain(`\\connect ${betaDb}\nCREATE SCHEMA IF NOT EXISTS "beta" AUTHORIZATION "beta_owner";`);
    expect(dry.stdout + dry.stderr).not.toContain(password);
    expect(await adminQuery('SELECT 1 FROM pg_database WHERE datname = $1', [alphaDb])).toEqual([]);

    const made = await runCli(['db', 'create', '--admin-url', admin], { cwd: fx.root, env });
    expect(made.exitCode, made.stderr).toBe(0);
    expect(made.stderr).not.toContain(password);
    expect(await adminQuery('SELECT pg_get_userbyid(datdba) AS owner FROM pg_database WHERE datname = $1', [alphaDb])).toEqual([{ owner: alphaRole }]);
    expect(await adminQuery(`SELECT has_database_privilege('beta_owner', $1, 'CONNECT') AS c`, [alphaDb])).toEqual([{ c: false }]);
    expect(await query(serverUrl(alphaDb), "SELECT extname FROM pg_extension WHERE extname = 'citext'")).toHaveLength(1);
    expect(await query(serverUrl(betaDb), "SELECT pg_get_userbyid(nspowner) AS owner FROM pg_namespace WHERE nspname = 'beta'")).toEqual([{ owner: 'beta_owner' }]);

    const again = await runCli(['db', 'create', '--admin-url', admin], { cwd: fx.root, env });
    expect(again.exitCode, again.stderr).toBe(0);
    expect(again.stderr).toContain('nothing to do');

    // The module's own role migrates its own database.
    const up = await runCli(['up', 'alpha'], { cwd: fx.root, env });
    expect(up.exitCode, up.stderr).toBe(0);
    expect(await query(serverUrl(alphaDb), "SELECT pg_get_userbyid(relowner) AS owner FROM pg_class WHERE relname = 'people'")).toEqual([{ owner: alphaRole }]);

    const sealed = await runCli(['validate', '--server'], { cwd: fx.root, env });
    expect(sealed.exitCode, sealed.stderr).toBe(0);
    await adminQuery(`GRANT CONNECT ON DATABASE "${betaDb}" TO PUBLIC`);
    const leak = await runCli(['validate', '--server', '--json'], { cwd: fx.root, env });
    expect(leak.exitCode).toBe(2);
    expect(leak.json.problems).toContainEqual(
      expect.objectContaining({ code: 'BH051', module: 'alpha', message: `role ${alphaRole} of module alpha can connect to database ${betaDb} of module beta (it connected)` }),
    );
    expect(leak.stdout).not.toContain(password);
  });

  it('an extension the server does not have is exit 2 naming module, extension and package; nothing is created', async () => {
    const db = `${inject('dbPrefix')}${process.pid}_prov_gamma`;
    cleanups.push(() => adminQuery(`DROP DATABASE IF EXISTS "${db}" WITH (FORCE)`), () => adminQuery('DROP ROLE IF EXISTS gamma_owner'));
    fx = makeWorkspace([{ name: 'gamma', url: '${GAMMA_URL}', manifest: { extensions: ['pg_trgm', 'no_such_extension', 'vector'] } }]);
    const r = await runCli(['db', 'create'], { cwd: fx.root, env: { GAMMA_URL: serverUrl(db) } });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('extension no_such_extension that module gamma declares is not available');
    expect(r.stderr).toContain('nothing was created');
    const available = await adminQuery(`SELECT 1 FROM pg_available_extensions WHERE name = 'vector'`);
    if (!available.length) expect(r.stderr).toMatch(/extension vector .*\n\s+fix: install it on the server: postgresql-\d+-pgvector/);
    expect(await adminQuery('SELECT 1 FROM pg_database WHERE datname = $1', [db])).toEqual([]);
    expect(await adminQuery(`SELECT 1 FROM pg_roles WHERE rolname = 'gamma_owner'`)).toEqual([]);
  });

  it('a declared extension no migration creates, in a database made without db create: up creates it where the server has it, refuses one it lacks before anything runs, and fails the unit before its first migration where the role may not', async () => {
    const url = await createDatabase();
    const weak = `${inject('dbPrefix')}${process.pid}_weak`;
    // Run last first: the database, then the roles.
    cleanups.push(() => adminQuery(`DROP ROLE IF EXISTS "${weak}"`), () => adminQuery(`DROP DATABASE IF EXISTS "${new URL(url).pathname.slice(1)}" WITH (FORCE)`));
    const manifest = (extensions: string[]) => JSON.stringify({ name: 'delta', database: { url: '${DELTA_URL}' }, extensions });
    fx = makeWorkspace([
      {
        name: 'delta',
        url: '${DELTA_URL}',
        manifest: { extensions: ['pg_trgm', 'no_such_extension'] },
        migrations: { '001_a.up.sql': 'CREATE TABLE notes (body text);\n', '002_b.up.sql': 'CREATE INDEX notes_body ON notes USING gin (body gin_trgm_ops);\n' },
      },
    ]);
    const env = { DELTA_URL: url };
    const r = await runCli(['up', '--json'], { cwd: fx.root, env });
    expect(r.exitCode, r.stderr).toBe(2);
    expect(r.json.problems.filter((p: { code: string }) => p.code === 'BH049').map((p: { message: string; fix: string; field: string; file: string }) => [p.field, p.file, p.message, p.fix])).toEqual([
      [
        'extensions',
        'modules/delta/bulkhead.json',
        expect.stringMatching(/^delta declares extension no_such_extension, which \S+ does not have, nor its server \(pg_available_extensions does not list it\)$/),
        expect.stringMatching(/^install it on the server \(.*\); or remove it from "extensions" in modules\/delta\/bulkhead.json$/),
      ],
    ]);
    expect(await tableExists(url, 'notes')).toBe(false);
    expect(await query(url, "SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")).toEqual([]);
    // One the server has: up creates it first, as db create would, and says so.
    fx.write('modules/delta/bulkhead.json', manifest(['pg_trgm']));
    const up = await runCli(['up'], { cwd: fx.root, env });
    expect(up.exitCode, up.stderr).toBe(0);
    expect(up.stderr).toContain('delta: created extension pg_trgm, which modules/delta/bulkhead.json declares (its database was made without bulkhead db create)');
    expect(await tableExists(url, 'notes')).toBe(true);
    // A role that may not create it (dblink is not a trusted extension): the unit fails before its first migration.
    await adminQuery(`CREATE ROLE "${weak}" LOGIN`);
    await adminQuery(`GRANT ALL ON DATABASE "${new URL(url).pathname.slice(1)}" TO "${weak}"`);
    await query(url, `GRANT ALL ON SCHEMA public TO "${weak}"; GRANT ALL ON ALL TABLES IN SCHEMA public TO "${weak}"`);
    fx.write('modules/delta/bulkhead.json', manifest(['pg_trgm', 'dblink']));
    fx.write('modules/delta/migrations/003_c.up.sql', 'CREATE TABLE more_notes (body text);\n');
    const weakUrl = new URL(url);
    weakUrl.username = weak;
    const denied = await runCli(['up'], { cwd: fx.root, env: { DELTA_URL: weakUrl.toString() } });
    expect(denied.exitCode).not.toBe(0);
    expect(denied.stderr).toMatch(/delta declares extension dblink, which \S+ does not have, and it cannot be created there: permission denied to create extension "dblink"/);
    expect(denied.stderr).toContain('fix: bulkhead db create delta makes it, run with a role that may');
    expect(await tableExists(url, 'more_notes')).toBe(false);
  });

  it("a declared extension whose migration failed quietly (AppFlowy's DO block that ignores errors): the failure at its type says so", async () => {
    const url = await createDatabase();
    cleanups.push(() => adminQuery(`DROP DATABASE IF EXISTS "${new URL(url).pathname.slice(1)}" WITH (FORCE)`));
    fx = makeWorkspace([
      {
        name: 'epsilon',
        url: '${EPSILON_URL}',
        manifest: { extensions: ['citext'] },
        migrations: {
          '001_ext.up.sql': "DO $$ BEGIN CREATE EXTENSION IF NOT EXISTS citext VERSION '99'; EXCEPTION WHEN OTHERS THEN RAISE NOTICE 'no citext'; END $$;\n",
          '002_people.up.sql': 'CREATE TABLE people (email citext);\n',
        },
      },
    ]);
    const r = await runCli(['up'], { cwd: fx.root, env: { EPSILON_URL: url } });
    expect(r.exitCode, r.stderr).toBe(1);
    expect(r.stderr).toContain('modules/epsilon/migrations/002_people.up.sql:1');
    expect(r.stderr).toContain(
      'fix: type citext comes from the extension citext, which modules/epsilon/bulkhead.json declares but the database does not have: bulkhead db create epsilon creates it (or CREATE EXTENSION IF NOT EXISTS citext in an earlier migration)',
    );
  });

  it('db needs the action create; embedded modules are skipped with the reason', async () => {
    fx = makeWorkspace([{ name: 'local', url: 'pglite://memory' }]);
    const bad = await runCli(['db', 'drop'], { cwd: fx.root });
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain('db drop: the db command has one action, create');
    const ok = await runCli(['db', 'create'], { cwd: fx.root });
    expect(ok.exitCode, ok.stderr).toBe(0);
    expect(ok.stderr).toContain('local: skipped (embedded database: created by its first up)');
  });
});
