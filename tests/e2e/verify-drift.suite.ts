/**
 * verify and drift (SPEC §8) on both backends (verify-drift.postgres.test.ts, verify-drift.pglite.test.ts:
 * two files, run in parallel): migrations proven reversible on a scratch database
 * (seed 004's enum left behind, seed 001's hand-made downgrade job), and live databases compared
 * with what their applied migrations build (seed 002's missing columns, seed 000's extra tables).
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { scratchCreatorPid } from '@bulkhead/core';
import { postgresBackend, type Backend, type BackendSession } from '../support/backends.js';
import { adminQuery, makeWorkspace, processAlive, REPO, runCli, type Fixture, type FixtureModule } from '../support/fixtures.js';

let fx: Fixture | undefined;
afterEach(() => fx?.cleanup());

/** Every object kind a snapshot knows, with a down that removes it all. */
const EVERY_KIND_UP = `CREATE SCHEMA reporting;
CREATE TYPE status AS ENUM ('open', 'closed');
CREATE DOMAIN positive AS integer CHECK (VALUE > 0);
CREATE TYPE pair AS (x int, y text);
CREATE SEQUENCE ticket_no START 100;
CREATE TABLE accounts (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  email text NOT NULL UNIQUE,
  st status NOT NULL DEFAULT 'open',
  quota positive NOT NULL DEFAULT 5,
  name text COLLATE "C",
  doubled integer GENERATED ALWAYS AS (quota * 2) STORED,
  CHECK (email <> '')
);
CREATE TABLE orders (id serial PRIMARY KEY, account_id bigint REFERENCES accounts (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED, note text);
CREATE INDEX orders_note_idx ON orders (lower(note)) WHERE note IS NOT NULL;
CREATE VIEW open_accounts AS SELECT id, email FROM accounts WHERE st = 'open';
CREATE MATERIALIZED VIEW account_count AS SELECT count(*) AS n FROM accounts;
CREATE TABLE reporting.daily (day date PRIMARY KEY, n int);
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE PROCEDURE recount() LANGUAGE sql AS $$ REFRESH MATERIALIZED VIEW account_count $$;
CREATE TRIGGER accounts_touch BEFORE UPDATE ON accounts FOR EACH ROW EXECUTE FUNCTION touch();
ALTER TABLE accounts ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_rows ON accounts USING (st = 'open');
COMMENT ON TABLE accounts IS 'one row per customer';
COMMENT ON COLUMN accounts.quota IS 'reports per day';
`;
const EVERY_KIND_DOWN = `DROP SCHEMA reporting CASCADE;
DROP PROCEDURE recount();
DROP MATERIALIZED VIEW account_count;
DROP VIEW open_accounts;
DROP TABLE orders;
DROP TABLE accounts;
DROP FUNCTION touch();
DROP SEQUENCE ticket_no;
DROP TYPE pair;
DROP DOMAIN positive;
DROP TYPE status;
`;

/** A workspace whose modules use the backend's databases (the backend needs the root first). */
async function workspace(backend: Backend, modules: (Omit<FixtureModule, 'url'>)[]): Promise<BackendSession> {
  fx = makeWorkspace([]);
  const s = await backend.session(fx!.root, modules.map((m) => m.name));
  for (const m of modules) {
    fx!.write(`modules/${m.name}/bulkhead.json`, JSON.stringify({ name: m.name, database: { url: s.urls[m.name] }, ...m.manifest }));
    for (const [file, content] of Object.entries(m.migrations ?? {})) fx!.write(`modules/${m.name}/migrations/${file}`, content);
  }
  return s;
}

/** Scratch databases on the server now (another test file's run may have one of its own). */
async function scratchNames(): Promise<string[]> {
  return (await adminQuery("SELECT datname FROM pg_database WHERE datname LIKE 'bulkhead\\_scratch\\_%'")).map((r) => (r as { datname: string }).datname);
}

export function verifyDriftSuite(backend: Backend): void {
  describe(`verify on ${backend.name}`, () => {
    it("roles the migrations make on verify's and drift's scratch databases go with them; a role the server had stays", async () => {
      // Roles are the server's: supabase/storage's migrations create anon, authenticated, …, and
      // verify on a server left them there after dropping its scratch database.
      const made = `bh_scratch_role_${process.pid}`;
      const had = `bh_kept_role_${process.pid}`;
      if (backend.name === 'postgres') await adminQuery(`CREATE ROLE ${had} NOLOGIN`);
      let s: BackendSession | undefined;
      try {
        s = await workspace(backend, [
          {
            name: 'app',
            migrations: {
              // As supabase/storage writes them: made unless the server has them.
              '001_roles.up.sql': [made, had].map((r) => `DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${r}') THEN CREATE ROLE ${r} NOLOGIN; END IF; END $$;\n`).join('') + `CREATE TABLE notes (id int);\nGRANT SELECT ON notes TO ${made}, ${had};\n`,
              '001_roles.down.sql': 'DROP TABLE notes;\n',
            },
          },
        ]);
        const roles = async () => (await adminQuery(`SELECT rolname FROM pg_roles WHERE rolname IN ('${made}', '${had}') ORDER BY 1`)).map((r) => (r as { rolname: string }).rolname);
        const verify = await runCli(['verify'], { cwd: fx!.root, env: s.env });
        expect(verify.exitCode, verify.stderr).toBe(0);
        if (backend.name === 'postgres') expect(await roles()).toEqual([had]);
        const up = await runCli(['up'], { cwd: fx!.root, env: s.env });
        expect(up.exitCode, up.stderr).toBe(0);
        // The module's own database keeps what its migrations made (its grant holds the role there);
        // drift's scratch replay takes nothing away.
        const drift = await runCli(['drift'], { cwd: fx!.root, env: s.env });
        expect(drift.exitCode, drift.stderr).toBe(0);
        if (backend.name === 'postgres') {
          expect(await roles()).toEqual([had, made]);
          // A plain CREATE ROLE, applied: the scratch database's replay on the same server finds the role.
          fx!.write('modules/app/migrations/002_plain.up.sql', `CREATE ROLE ${made}_plain NOLOGIN;\n`);
          expect((await runCli(['up'], { cwd: fx!.root, env: s.env })).exitCode).toBe(0);
          const again = await runCli(['drift', '--json'], { cwd: fx!.root, env: s.env });
          expect(again.exitCode).toBe(1);
          expect(again.json.problems[0]).toMatchObject({ code: 'BH030', line: 1, fix: expect.stringContaining(`roles belong to the server, not to a database: ${made}_plain exists on this server already`) });
        }
      } finally {
        if (backend.name === 'postgres') {
          // The grants on the module's database go first: a role with privileges cannot be dropped.
          await s?.query('app', `DROP OWNED BY ${made}, ${had}`).catch(() => undefined);
          for (const r of [made, had, `${made}_plain`]) await adminQuery(`DROP ROLE IF EXISTS ${r}`).catch(() => undefined);
        }
      }
    });

    it('every object kind round-trips; a TS migration too; --step passes', async () => {
      const s = await workspace(backend, [
        {
          name: 'shop',
          migrations: {
            '001_everything.up.sql': EVERY_KIND_UP,
            '001_everything.down.sql': EVERY_KIND_DOWN,
            '002_coupons.ts': `import type { Knex } from 'knex';
export async function up(knex: Knex) {
  await knex.schema.createTable('coupons', (t) => { t.increments('id'); t.enu('kind', ['pct', 'abs'], { useNative: true, enumName: 'coupon_kind' }); });
}
export async function down(knex: Knex) {
  await knex.schema.dropTable('coupons');
  await knex.raw('DROP TYPE coupon_kind');
}
`,
            // Two SQL migrations in a row replay as one message; jsonb's ? operator goes to the server as written.
            '003_flags.up.sql': "CREATE TABLE flags (doc jsonb NOT NULL CHECK (doc ? 'name'));\n",
            '003_flags.down.sql': 'DROP TABLE flags;\n',
            '004_flag_names.up.sql': "CREATE VIEW flag_names AS SELECT doc ->> 'name' AS name FROM flags WHERE doc ?| array['name'];\n",
            '004_flag_names.down.sql': 'DROP VIEW flag_names;\n',
          },
        },
      ]);
      const before = backend.name === 'postgres' ? await scratchNames() : [];
      const whole = await runCli(['verify', '--json'], { cwd: fx!.root, env: s.env });
      expect(whole.exitCode, whole.stderr + JSON.stringify(whole.json?.modules?.[0]?.findings, null, 2)).toBe(0);
      expect(whole.json.modules).toMatchObject([{ module: 'shop', migrations: 4, status: 'reversible', findings: [] }]);
      const r = await runCli(['verify', '--step', '--json'], { cwd: fx!.root, env: s.env });
      expect(r.exitCode, r.stderr + JSON.stringify(r.json?.modules?.[0]?.findings, null, 2)).toBe(0);
      expect(r.json.modules).toMatchObject([{ module: 'shop', migrations: 4, status: 'reversible', findings: [] }]);
      // verify never touches the module's own database, and leaves no scratch database behind.
      if (backend.name === 'postgres') expect(await s.tableExists('shop', 'accounts')).toBe(false);
      else expect(fs.existsSync(path.join(fx!.root, '.bulkhead/shop'))).toBe(false);
      // The verify runs above (their processes have ended) left none behind.
      if (backend.name === 'postgres') expect((await scratchNames()).filter((n) => !before.includes(n) && !processAlive(scratchCreatorPid(n)))).toEqual([]);
    });

    it("seed 004: a down that leaves the enum behind, a missing down, a failing down, a uuid → integer foreign key", async () => {
      const s = await workspace(backend, [
        {
          name: 'admin',
          migrations: {
            '001_users.up.sql': "CREATE TYPE user_role_enum AS ENUM ('admin', 'user');\nCREATE TABLE users (id uuid PRIMARY KEY, role user_role_enum NOT NULL);\n",
            '001_users.down.sql': 'DROP TABLE users;\n',
          },
        },
      ]);
      const leftover = await runCli(['verify'], { cwd: fx!.root, env: s.env });
      expect(leftover.exitCode).toBe(1);
      expect(leftover.stderr).toContain('admin: ✗ 1 finding');
      expect(leftover.stderr).toContain('after every down, the database is not as before the first up');
      expect(leftover.stderr).toContain("user_role_enum: enum left behind ('admin', 'user')");
      // And whose down it is.
      expect(leftover.stderr).toContain('→ 001_users creates enum user_role_enum; its down (modules/admin/migrations/001_users.down.sql) does not drop it');
      const json = await runCli(['verify', '--json'], { cwd: fx!.root, env: s.env });
      expect(json.json.modules[0].findings).toEqual([
        expect.objectContaining({ kind: 'left-behind', migration: '001_users', file: 'modules/admin/migrations/001_users.down.sql', leftBy: [{ migration: '001_users', file: 'modules/admin/migrations/001_users.down.sql', objects: ['enum user_role_enum'], sql: ['DROP TYPE public.user_role_enum;'] }] }),
      ]);

      fx!.write('modules/admin/migrations/001_users.down.sql', 'DROP TABLE users;\nDROP TYPE user_role_enum;\n');
      fx!.write('modules/admin/migrations/002_audit.up.sql', 'CREATE TABLE audit_logs (id int PRIMARY KEY);\n');
      const noDown = await runCli(['verify', '--json'], { cwd: fx!.root, env: s.env });
      expect(noDown.exitCode).toBe(1);
      expect(noDown.json.modules[0].findings).toEqual([expect.objectContaining({ kind: 'no-down', migration: '002_audit', file: 'modules/admin/migrations/002_audit.up.sql' })]);

      fx!.write('modules/admin/migrations/002_audit.down.sql', 'DROP TABLE audit_logs;\nALTER TABLE users DROP COLUMN created_at;\n');
      const failing = await runCli(['verify', '--json'], { cwd: fx!.root, env: s.env });
      expect(failing.exitCode).toBe(1);
      expect(failing.json.modules[0].findings).toEqual([
        expect.objectContaining({ kind: 'down-failed', migration: '002_audit', file: 'modules/admin/migrations/002_audit.down.sql', line: 2, message: expect.stringContaining('column "created_at" of relation "users" does not exist') }),
      ]);

      // The line is where the server's error points (as up reports it), not where the statement starts.
      fx!.write('modules/admin/migrations/002_audit.down.sql', 'DROP TABLE audit_logs;\nUPDATE users\n   SET id = no_such_column;\n');
      const pointed = await runCli(['verify', '--json'], { cwd: fx!.root, env: s.env });
      expect(pointed.json.modules[0].findings).toEqual([expect.objectContaining({ kind: 'down-failed', migration: '002_audit', line: 3, message: expect.stringContaining('no_such_column') })]);

      // A down in SQL newer than the server (lemmy's downs re-create tables with PostgreSQL 18's
      // CONSTRAINT … NOT NULL column): on a server, every such migration is refused before anything
      // replays (BH058); on the embedded scratch database, the bare syntax error gets the form and release.
      fx!.write('modules/admin/migrations/002_audit.down.sql', 'DROP TABLE audit_logs;\nCREATE TABLE named (a int, CONSTRAINT named_a_not_null NOT NULL a);\n');
      fs.mkdirSync(path.join(fx!.root, '.bulkhead'), { recursive: true });
      const major = Math.floor(Number((await s.query<{ v: string }>('admin', "SELECT current_setting('server_version_num') AS v"))[0]!.v) / 10000);
      expect(major).toBeGreaterThanOrEqual(14);
      const newer = await runCli(['verify', '--json'], { cwd: fx!.root, env: s.env });
      if (major >= 18) {
        expect(newer.json.modules[0].findings).toEqual([expect.objectContaining({ kind: 'left-behind', migration: '002_audit' })]);
      } else if (backend.name === 'postgres') {
        expect(newer.exitCode).toBe(2);
        expect(newer.json.problems).toEqual([
          expect.objectContaining({ code: 'BH058', file: 'modules/admin/migrations/002_audit.down.sql', line: 2, message: expect.stringContaining('002_audit uses a NOT NULL table constraint (CONSTRAINT … NOT NULL column), which needs PostgreSQL 18') }),
        ]);
      } else {
        expect(newer.json.modules[0].findings).toEqual([
          expect.objectContaining({ kind: 'down-failed', migration: '002_audit', line: 2, fix: expect.stringContaining('it uses a NOT NULL table constraint (CONSTRAINT … NOT NULL column), which needs PostgreSQL 18') }),
        ]);
      }

      // A down that drops what an earlier migration made and others use (ente's 093_emergency_contact):
      // its up only replaced the function; the fix names the migration whose definition to put back.
      const stamp = 'CREATE OR REPLACE FUNCTION stamp() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;\n';
      fx!.write('modules/admin/migrations/002_audit.up.sql', `CREATE TABLE audit_logs (id int PRIMARY KEY);\n${stamp}CREATE TRIGGER audit_stamp BEFORE INSERT ON audit_logs FOR EACH ROW EXECUTE FUNCTION stamp();\n`);
      fx!.write('modules/admin/migrations/002_audit.down.sql', 'DROP TABLE audit_logs;\nDROP FUNCTION stamp();\n');
      fx!.write('modules/admin/migrations/003_stamp.up.sql', stamp);
      fx!.write('modules/admin/migrations/003_stamp.down.sql', 'DROP FUNCTION stamp();\n');
      const used = await runCli(['verify', '--json'], { cwd: fx!.root, env: s.env });
      expect(used.json.modules[0].findings).toEqual([
        expect.objectContaining({
          kind: 'down-failed',
          migration: '003_stamp',
          message: expect.stringContaining('cannot drop function stamp() because other objects depend on it'),
          fix: "function stamp was made by 002_audit, before 003_stamp, and other objects use it (the detail names them): a down reverts only its own migration — where 003_stamp's up replaced it, put 002_audit's definition back (CREATE OR REPLACE …) instead of dropping it",
        }),
      ]);
      fx!.remove('modules/admin/migrations/003_stamp.up.sql');
      fx!.remove('modules/admin/migrations/003_stamp.down.sql');
      fx!.write('modules/admin/migrations/002_audit.up.sql', 'CREATE TABLE audit_logs (id int PRIMARY KEY);\n');

      fx!.write('modules/admin/migrations/002_audit.down.sql', 'DROP TABLE audit_logs;\n');
      // A down dropping a type that a later migration gave a table a column of, where that
      // migration's down (run first) keeps the column (ente's 053_add_apps, 068_add_locker_changes).
      fx!.write('modules/admin/migrations/003_kinds.up.sql', "CREATE TYPE kind AS ENUM ('a', 'b');\n");
      fx!.write('modules/admin/migrations/003_kinds.down.sql', 'DROP TYPE kind;\n');
      fx!.write('modules/admin/migrations/004_audit_kind.up.sql', "ALTER TABLE audit_logs ADD COLUMN kind kind DEFAULT 'a';\n");
      fx!.write('modules/admin/migrations/004_audit_kind.down.sql', 'ALTER TABLE audit_logs ALTER COLUMN kind DROP DEFAULT;\n');
      const kept = await runCli(['verify', '--json'], { cwd: fx!.root, env: s.env });
      expect(kept.json.modules[0].findings).toEqual([
        expect.objectContaining({
          kind: 'down-failed',
          migration: '003_kinds',
          fix: expect.stringContaining('column audit_logs.kind uses type kind: 004_audit_kind, after 003_kinds, added the column, and its down (004_audit_kind.down.sql), which ran before this one, keeps it — drop the column in that down (ALTER TABLE audit_logs DROP COLUMN kind); where it has run already (this database), run that statement by hand before this down'),
        }),
      ]);
      // A down dropping a column, then an index that went with it (ente's 019_add_encrypted_email_columns).
      fx!.write('modules/admin/migrations/005_hash.up.sql', 'ALTER TABLE audit_logs ADD COLUMN hash text;\nCREATE INDEX audit_logs_hash_idx ON audit_logs (hash);\n');
      fx!.write('modules/admin/migrations/005_hash.down.sql', 'ALTER TABLE audit_logs\n  DROP COLUMN hash;\nDROP INDEX audit_logs_hash_idx;\n');
      fx!.write('modules/admin/migrations/004_audit_kind.down.sql', 'ALTER TABLE audit_logs DROP COLUMN kind;\n');
      const withColumn = await runCli(['verify', '--json'], { cwd: fx!.root, env: s.env });
      expect(withColumn.json.modules[0].findings).toEqual([
        expect.objectContaining({
          kind: 'down-failed',
          migration: '005_hash',
          line: 3,
          fix: expect.stringContaining('index audit_logs_hash_idx is on column audit_logs.hash (made by its up), which line 2 of this file drops first, and an index goes with its column: drop the index before the column, or write DROP INDEX IF EXISTS audit_logs_hash_idx'),
        }),
      ]);
      // The index as its up made it again, partial on the column the down drops (gitness' 0046: spaces_parent_id, first made by 0002 on another column).
      fx!.write('modules/admin/migrations/004_audit_kind.up.sql', "ALTER TABLE audit_logs ADD COLUMN kind kind DEFAULT 'a';\nCREATE INDEX audit_logs_by_id ON audit_logs (id);\n");
      fx!.write('modules/admin/migrations/005_hash.up.sql', 'ALTER TABLE audit_logs ADD COLUMN hash text;\nDROP INDEX audit_logs_by_id;\nCREATE INDEX audit_logs_by_id ON audit_logs (id) WHERE hash IS NULL;\n');
      fx!.write('modules/admin/migrations/005_hash.down.sql', 'ALTER TABLE audit_logs DROP COLUMN hash;\nDROP INDEX audit_logs_by_id;\nCREATE INDEX audit_logs_by_id ON audit_logs (id);\n');
      const partial = await runCli(['verify', '--json'], { cwd: fx!.root, env: s.env });
      expect(partial.json.modules[0].findings).toEqual([
        expect.objectContaining({ kind: 'down-failed', migration: '005_hash', line: 2, fix: expect.stringContaining('index audit_logs_by_id is partial on column audit_logs.hash (made by its up), which line 1 of this file drops first') }),
      ]);
      // A down dropping an index no migration makes: the one its up makes and the down leaves (gitness' 0046 drops spaces_deleted; its up makes spaces_deleted_parent_id).
      fx!.write('modules/admin/migrations/005_hash.up.sql', 'ALTER TABLE audit_logs ADD COLUMN hash text;\nCREATE INDEX audit_logs_hash_id ON audit_logs (hash, id);\n');
      fx!.write('modules/admin/migrations/005_hash.down.sql', 'DROP INDEX audit_logs_hash;\nALTER TABLE audit_logs DROP COLUMN hash;\n');
      const never = await runCli(['verify', '--json'], { cwd: fx!.root, env: s.env });
      expect(never.json.modules[0].findings).toEqual([
        expect.objectContaining({ kind: 'down-failed', migration: '005_hash', line: 1, fix: expect.stringMatching(/^no migration of admin up to 005_hash makes index audit_logs_hash: the down names an index these migrations never make \(did you mean audit_logs_hash_id, which its up makes and this down does not drop\?\) — fix 005_hash's down file/) }),
      ]);
      // …and gone by then with the column the down dropped first: both said.
      fx!.write('modules/admin/migrations/005_hash.down.sql', 'ALTER TABLE audit_logs DROP COLUMN hash;\nDROP INDEX audit_logs_hash;\n');
      const goneToo = await runCli(['verify', '--json'], { cwd: fx!.root, env: s.env });
      expect(goneToo.json.modules[0].findings[0].fix).toContain('did you mean audit_logs_hash_id, which its up makes? index audit_logs_hash_id is on column audit_logs.hash (made by its up), which line 1 of this file drops first');
      // A down dropping the column from another table than its up added it to (atproto ozone's add-template-lang).
      fx!.write('modules/admin/migrations/005_hash.up.sql', 'ALTER TABLE audit_logs ADD COLUMN hash text;\n');
      fx!.write('modules/admin/migrations/005_hash.down.sql', 'ALTER TABLE users DROP COLUMN hash;\n');
      const wrongTable = await runCli(['verify', '--json'], { cwd: fx!.root, env: s.env });
      expect(wrongTable.json.modules[0].findings[0].fix).toMatch(/^its up adds column hash to audit_logs, not to users: the down names the wrong table — drop hash from audit_logs \(ALTER TABLE audit_logs DROP COLUMN hash\); fix 005_hash's down file/);
      fx!.remove('modules/admin/migrations/005_hash.up.sql');
      fx!.remove('modules/admin/migrations/005_hash.down.sql');
      fx!.remove('modules/admin/migrations/003_kinds.up.sql');
      fx!.remove('modules/admin/migrations/003_kinds.down.sql');
      fx!.remove('modules/admin/migrations/004_audit_kind.up.sql');
      fx!.remove('modules/admin/migrations/004_audit_kind.down.sql');
      fx!.write('modules/admin/migrations/003_sessions.up.sql', '-- the bug of seed 004\n\nCREATE TABLE sessions (id int, user_id integer REFERENCES users (id));\n');
      fx!.write('modules/admin/migrations/003_sessions.down.sql', 'DROP TABLE sessions;\n');
      const fk = await runCli(['verify'], { cwd: fx!.root, env: s.env });
      expect(fk.exitCode).toBe(1);
      expect(fk.stderr).toContain('up of 003_sessions failed: modules/admin/migrations/003_sessions.up.sql:3 (statement 1');
      expect(fk.stderr).toContain('incompatible types: integer and uuid');

      // PostgreSQL's detail lists one dependent object per line: the finding keeps them on its line.
      fx!.write('modules/admin/migrations/003_sessions.up.sql', 'CREATE TABLE sessions (id int, user_id uuid REFERENCES users (id));\nCREATE TABLE tokens (id int, user_id uuid REFERENCES users (id));\n');
      fx!.write('modules/admin/migrations/003_sessions.down.sql', 'DROP TABLE users;\n');
      const deps = await runCli(['verify'], { cwd: fx!.root, env: s.env });
      expect(deps.exitCode).toBe(1);
      expect(deps.stderr).toMatch(/cannot drop table users because other objects depend on it; constraint \w+ on table (sessions|tokens) depends on table users; constraint \w+ on table (sessions|tokens) depends on table users; hint: /);

      // A down that drops a table before what uses it, which it drops later (vaultwarden's add_group_support).
      fx!.write('modules/admin/migrations/003_sessions.up.sql', 'CREATE TABLE groups (id int PRIMARY KEY);\nCREATE TABLE members (id int, group_id int REFERENCES groups (id));\nCREATE VIEW group_ids AS SELECT id FROM groups;\nCREATE TABLE notes (id int, group_id int REFERENCES groups (id));\n');
      fx!.write('modules/admin/migrations/003_sessions.down.sql', 'DROP TABLE groups;\nDROP VIEW group_ids;\n\nDROP TABLE IF EXISTS members;\n');
      const reversed = await runCli(['verify', '--json'], { cwd: fx!.root, env: s.env });
      const finding = reversed.json.modules[0].findings[0];
      expect(finding).toMatchObject({ kind: 'down-failed', migration: '003_sessions', line: 1 });
      expect(finding.fix).toMatch(/^table groups is used by (view group_ids \(line 2\), table members \(line 4\)|table members \(line 4\), view group_ids \(line 2\)), which this down drops after it \(line 1\): drop groups last — a down drops what its up made in the reverse order; table notes uses it too: drop it first as well, or DROP … CASCADE where it is 003_sessions's own \(a database that applied/);
      // …and a foreign key its table keeps, which the down removes later by itself (atproto bsky's create-moderation-subject-status).
      fx!.write('modules/admin/migrations/003_sessions.up.sql', 'CREATE TABLE groups (id int PRIMARY KEY);\nALTER TABLE users ADD COLUMN group_id int;\nALTER TABLE users ADD CONSTRAINT users_group_fkey FOREIGN KEY (group_id) REFERENCES groups (id);\n');
      fx!.write('modules/admin/migrations/003_sessions.down.sql', 'DROP TABLE groups;\nALTER TABLE users DROP CONSTRAINT users_group_fkey;\nALTER TABLE users DROP COLUMN group_id;\n');
      const keyLater = await runCli(['verify', '--json'], { cwd: fx!.root, env: s.env });
      expect(keyLater.json.modules[0].findings[0].fix).toMatch(/^table groups is used by constraint users_group_fkey of users \(line 2\), which this down drops after it \(line 1\): drop groups last/);

      // A down without statements whose up creates a table (diesel writes empty downs): it cannot be
      // reverted, said before any down runs, as down refuses it.
      fx!.write('modules/admin/migrations/003_sessions.up.sql', 'CREATE TABLE groups (id int PRIMARY KEY);\n');
      fx!.write('modules/admin/migrations/003_sessions.down.sql', 'DROP TABLE groups;\n');
      fx!.write('modules/admin/migrations/004_members.up.sql', 'CREATE TABLE members (id int, group_id int REFERENCES groups (id));\n');
      fx!.write('modules/admin/migrations/004_members.down.sql', '-- diesel\n');
      const emptyDown = await runCli(['verify', '--json'], { cwd: fx!.root, env: s.env });
      expect(emptyDown.json.modules[0].findings).toEqual([
        expect.objectContaining({ kind: 'empty-down', migration: '004_members', file: 'modules/admin/migrations/004_members.down.sql', message: "004_members's down has no statements, and its up creates table members (line 1): it cannot be reverted" }),
      ]);
      // The same table made IF NOT EXISTS may keep an empty down; the earlier down then cannot drop
      // what its foreign key references, and is told whose down keeps it.
      fx!.write('modules/admin/migrations/004_members.up.sql', 'CREATE TABLE IF NOT EXISTS members (id int, group_id int REFERENCES groups (id));\n');
      fx!.write('modules/admin/migrations/004_members.down.sql', '');
      const empty = await runCli(['verify', '--json'], { cwd: fx!.root, env: s.env });
      expect(empty.json.modules[0].findings).toEqual([
        expect.objectContaining({
          kind: 'down-failed',
          migration: '003_sessions',
          fix: expect.stringContaining('table members (its constraint members_group_id_fkey) uses table groups: 004_members, after 003_sessions, created the table, and its down (004_members.down.sql, empty), which ran before this one, keeps it — drop the table in that down (DROP TABLE members)'),
        }),
      ]);
      fx!.remove('modules/admin/migrations/004_members.up.sql');
      fx!.remove('modules/admin/migrations/004_members.down.sql');

      // A failure is explained as up explains it: here a table a later migration creates.
      fx!.write('modules/admin/migrations/003_sessions.up.sql', 'CREATE TABLE sessions (id int);\nINSERT INTO session_kinds VALUES (1);\n');
      fx!.write('modules/admin/migrations/003_sessions.down.sql', 'DROP TABLE sessions;\n');
      fx!.write('modules/admin/migrations/004_kinds.up.sql', 'CREATE TABLE session_kinds (id int);\n');
      fx!.write('modules/admin/migrations/004_kinds.down.sql', 'DROP TABLE session_kinds;\n');
      const order = await runCli(['verify'], { cwd: fx!.root, env: s.env });
      expect(order.exitCode).toBe(1);
      expect(order.stderr).toContain('    fix: session_kinds is created by 004_kinds, which runs after 003_sessions');
    });

    it('a set that never wrote downs is one line in text (each migration in --json)', async () => {
      const s = await workspace(backend, [{ name: 'hist', migrations: Object.fromEntries([1, 2, 3, 4].map((i) => [`00${i}_t${i}.up.sql`, `CREATE TABLE t${i} (id int);\n`])) }]);
      const text = await runCli(['verify'], { cwd: fx!.root, env: s.env });
      expect(text.exitCode).toBe(1);
      expect(text.stderr).toContain('none of its 4 migrations has a down (001_t1, 002_t2, 003_t3, …): they cannot be reverted');
      expect(text.stderr).not.toContain('001_t1 has no down');
      const json = await runCli(['verify', '--json'], { cwd: fx!.root, env: s.env });
      expect(json.json.modules[0].findings.map((f: any) => [f.kind, f.migration])).toEqual([1, 2, 3, 4].map((i) => ['no-down', `00${i}_t${i}`]));
      // Each says what its down must undo, as down does.
      expect(json.json.modules[0].findings[0].fix).toBe('add 001_t1.down.sql with what undoes its up, which creates table t1 (line 1); or revert with a new forward migration — bulkhead make hist --downs writes it from what its up builds');
      expect(text.stderr).toContain('— bulkhead make hist --downs writes the SQL ones from what their ups build');
      // With --step each one's statements are known: the fix writes them.
      const step = await runCli(['verify', '--step', '--json'], { cwd: fx!.root, env: s.env });
      expect(step.json.modules[0].findings[0]).toMatchObject({ kind: 'no-down', sql: ['DROP TABLE public.t1;'], fix: 'write modules/hist/migrations/001_t1.down.sql with: DROP TABLE public.t1; (bulkhead make hist --downs writes it)' });
    });

    it('the migrations after the last one without a down are still checked down and up again (convoy: one missing down, 88 after it)', async () => {
      const s = await workspace(backend, [
        {
          name: 'hooks',
          migrations: {
            '001_a.up.sql': 'CREATE TABLE a (id int);\n',
            '002_b.up.sql': "CREATE TYPE kind AS ENUM ('x');\nCREATE TABLE b (id int, k kind);\nCREATE TABLE b2 (id int);\n",
            '002_b.down.sql': 'DROP TABLE b;\n',
            '003_c.up.sql': 'ALTER TABLE a ADD COLUMN note text;\n',
            // A down that makes what was not there before its up.
            '003_c.down.sql': 'ALTER TABLE a DROP COLUMN note;\nCREATE INDEX a_idx ON a (id);\n',
          },
        },
      ]);
      const r = await runCli(['verify', '--json'], { cwd: fx!.root, env: s.env });
      expect(r.exitCode).toBe(1);
      const m = r.json.modules[0];
      expect(m.findings.map((f: any) => [f.kind, f.migration])).toEqual([
        ['no-down', '001_a'],
        ['left-behind', undefined],
      ]);
      expect(m.findings[1].message).toBe('after the downs of the 2 migrations after 001_a, the database is not as before their ups');
      expect(m.findings[1].leftBy).toEqual([
        // Tables (named bare) before the others: "b2, enum kind", not "enum kind, b2" (bsky's "extension pg_trgm, actor_sync").
        { migration: '002_b', file: 'modules/hooks/migrations/002_b.down.sql', objects: ['b2', 'enum kind'], sql: ['DROP TABLE public.b2;', 'DROP TYPE public.kind;'] },
        { migration: '003_c', file: 'modules/hooks/migrations/003_c.down.sql', objects: ['index a.a_idx'], down: true },
      ]);
      expect(m.tail).toEqual({ after: '001_a', migrations: 2, reversible: false });
      const text = await runCli(['verify'], { cwd: fx!.root, env: s.env });
      expect(text.stderr).toContain("→ 003_c's down (modules/hooks/migrations/003_c.down.sql) creates index a.a_idx, which was not there before its up");

      // Mended, the tail is proven; the missing down is still a finding.
      fx!.write('modules/hooks/migrations/002_b.down.sql', 'DROP TABLE b2;\nDROP TABLE b;\nDROP TYPE kind;\n');
      fx!.write('modules/hooks/migrations/003_c.down.sql', 'ALTER TABLE a DROP COLUMN note;\n');
      const mended = await runCli(['verify'], { cwd: fx!.root, env: s.env });
      expect(mended.exitCode).toBe(1);
      expect(mended.stderr).toContain('001_a has no down: it cannot be reverted');
      expect(mended.stderr).toContain('the 2 migrations after 001_a: ✓ down, up: reversible');
      // Not reproducible is told for the tail too (a down that leaves the up's row: the second up sees two).
      fx!.write('modules/hooks/migrations/003_c.up.sql', 'ALTER TABLE a ADD COLUMN note text;\nINSERT INTO a (id) VALUES (1);\nDO $$ BEGIN IF (SELECT count(*) FROM a) > 1 THEN ALTER TABLE a ADD COLUMN twice int; END IF; END $$;\n');
      fx!.write('modules/hooks/migrations/003_c.down.sql', 'ALTER TABLE a DROP COLUMN note;\nALTER TABLE a DROP COLUMN IF EXISTS twice;\n');
      const json = await runCli(['verify', '--json'], { cwd: fx!.root, env: s.env });
      expect(json.json.modules[0].findings.map((f: any) => [f.kind, f.message])).toEqual([
        ['no-down', '001_a has no down: it cannot be reverted'],
        ['not-reproducible', 'applied again after their downs, the 2 migrations after 001_a build something else'],
      ]);
      expect(json.json.modules[0].tail).toEqual({ after: '001_a', migrations: 2, reversible: false });
    });

    it('make --downs writes the down file of each SQL migration without one, from what its up builds; verify then proves them (atuin: 20 of 20)', async () => {
      const s = await workspace(backend, [
        {
          name: 'logs',
          migrations: {
            '001_init.up.sql': "CREATE TYPE level AS ENUM ('info', 'warn');\nCREATE TABLE entries (id serial PRIMARY KEY, at timestamptz NOT NULL DEFAULT now(), level level NOT NULL);\nCREATE TABLE tags (entry int REFERENCES entries (id), tag text);\n",
            '002_index.up.sql': 'CREATE INDEX entries_at ON entries (at);\nALTER TABLE entries ADD COLUMN body text;\n',
            '003_rename.up.sql': 'ALTER TABLE tags RENAME COLUMN tag TO label;\n',
            // A backfill changes no schema: its down is an empty file (supabase/auth's backfill_email_identity).
            '004_seed.up.sql': "INSERT INTO entries (level) VALUES ('info');\n",
            '005_done.up.sql': 'SELECT 1;\n',
            '005_done.down.sql': 'SELECT 1;\n',
          },
        },
      ]);
      const made = await runCli(['make', 'logs', '--downs', '--json'], { cwd: fx!.root, env: s.env });
      expect(made.exitCode, made.stderr).toBe(0);
      expect(made.json.files).toEqual(['modules/logs/migrations/001_init.down.sql', 'modules/logs/migrations/002_index.down.sql', 'modules/logs/migrations/003_rename.down.sql', 'modules/logs/migrations/004_seed.down.sql']);
      expect(fs.readFileSync(path.join(fx!.root, 'modules/logs/migrations/004_seed.down.sql'), 'utf8')).toBe('-- down of 004_seed: its up changes no schema (data, or what was there already), so nothing here (bulkhead make --downs)\n');
      // A column renamed (one gone, one come, defined alike) is renamed back: a DROP and an ADD would lose its data.
      expect(fs.readFileSync(path.join(fx!.root, 'modules/logs/migrations/003_rename.down.sql'), 'utf8')).toContain('ALTER TABLE public.tags RENAME COLUMN label TO tag;');
      expect(made.json.note).not.toContain('no down written');
      expect(fs.readFileSync(path.join(fx!.root, 'modules/logs/migrations/002_index.down.sql'), 'utf8')).toContain('DROP INDEX public.entries_at;\nALTER TABLE public.entries DROP COLUMN body;');
      const proven = await runCli(['verify'], { cwd: fx!.root, env: s.env });
      expect(proven.exitCode, proven.stderr).toBe(0);
      const none = await runCli(['make', 'logs', '--downs'], { cwd: fx!.root, env: s.env });
      expect(none.exitCode).toBe(2);
      expect(none.stderr).toContain('every migration of logs has a down file: no down to write (BH075)');
    });

    it("make --downs goes past a down of the module's own that fails, fills a down file without statements, and writes keys, sequences and identities back in an order that runs (hatchet)", async () => {
      const s = await workspace(backend, [
        {
          name: 'jobs',
          migrations: {
            '001_init.up.sql': "CREATE TYPE st AS ENUM ('a');\nCREATE TABLE act (id text PRIMARY KEY, n smallserial, k bigint GENERATED ALWAYS AS IDENTITY, s st NOT NULL DEFAULT 'a', g int GENERATED ALWAYS AS (1) STORED);\nCREATE TABLE link (a text REFERENCES act (id));\nCREATE POLICY mine ON act USING (true);\nCREATE DOMAIN pos AS int CHECK (VALUE > 0);\nCREATE TYPE pair AS (a int, b text);\n",
            '001_init.down.sql': 'DROP TABLE link, act;\nDROP TYPE st, pair;\nDROP DOMAIN pos;\n',
            // A down of its own that fails: verify --step stops there; make --downs runs no down.
            '002_t2.up.sql': 'CREATE TABLE t2 (x int);\n',
            '002_t2.down.sql': 'DROP TABLE nope;\n',
            // Both ends of a foreign key change type: its down must drop the key first.
            '003_retype.up.sql': 'ALTER TABLE link DROP CONSTRAINT link_a_fkey;\nALTER TABLE act ALTER COLUMN id TYPE varchar(40);\nALTER TABLE link ALTER COLUMN a TYPE varchar(40);\nALTER TABLE link ADD CONSTRAINT link_a_fkey FOREIGN KEY (a) REFERENCES act (id);\nALTER TABLE act ALTER COLUMN k SET GENERATED BY DEFAULT;\n',
            // A new sequence as the column's default: its down sets the default back before dropping it.
            '004_seq.up.sql': "CREATE SEQUENCE act_n2;\nALTER TABLE act ALTER COLUMN n TYPE bigint;\nALTER SEQUENCE act_n2 OWNED BY act.n;\nALTER TABLE act ALTER COLUMN n SET DEFAULT nextval('act_n2');\n",
            '004_seq.down.sql': '-- +goose Down\n-- left empty\n',
            // A label added: the type made anew without it (documenso's Prisma enums).
            '005_label.up.sql': "ALTER TYPE st ADD VALUE 'b';\n",
            // A generated column dropped: made again with its expression.
            '007_drop_gen.up.sql': 'ALTER TABLE act DROP COLUMN g;\n',
            // A policy dropped: made again as the catalog has it.
            '008_drop_policy.up.sql': 'DROP POLICY mine ON act;\n',
            // A domain dropped: made again with its check.
            '009_drop_domain.up.sql': 'DROP DOMAIN pos;\n',
            // A composite type dropped: its attributes' order is not known, so no down.
            '010_drop_pair.up.sql': 'DROP TYPE pair;\n',
            // Renamed, as the SQL says (harbor's replication_target → registry, target_id → dest_registry_id with DROP NOT NULL): renamed back.
            '006_rename.up.sql': 'ALTER TABLE link RENAME TO links;\nALTER TABLE links RENAME COLUMN a TO act_id;\nALTER TABLE links ALTER COLUMN act_id SET NOT NULL;\n',
          },
        },
      ]);
      const made = await runCli(['make', 'jobs', '--downs', '--json'], { cwd: fx!.root, env: s.env });
      expect(made.exitCode, made.stderr).toBe(0);
      expect(made.json.files).toEqual(['modules/jobs/migrations/003_retype.down.sql', 'modules/jobs/migrations/004_seq.down.sql', 'modules/jobs/migrations/005_label.down.sql', 'modules/jobs/migrations/006_rename.down.sql', 'modules/jobs/migrations/007_drop_gen.down.sql', 'modules/jobs/migrations/008_drop_policy.down.sql', 'modules/jobs/migrations/009_drop_domain.down.sql']);
      expect(fs.readFileSync(path.join(fx!.root, 'modules/jobs/migrations/008_drop_policy.down.sql'), 'utf8')).toContain('CREATE POLICY mine ON public.act USING (true);');
      expect(fs.readFileSync(path.join(fx!.root, 'modules/jobs/migrations/007_drop_gen.down.sql'), 'utf8')).toContain('ALTER TABLE public.act ADD COLUMN g integer GENERATED ALWAYS AS (1) STORED;');
      expect(fs.readFileSync(path.join(fx!.root, 'modules/jobs/migrations/005_label.down.sql'), 'utf8')).toContain(`-- mind: st: enum label 'b' added ('a' → 'a', 'b'): made anew without label 'b' — rows holding it fail the cast: change them first\nALTER TYPE public.st RENAME TO st__old;\nCREATE TYPE public.st AS ENUM ('a');\nALTER TABLE public.act ALTER COLUMN s DROP DEFAULT, ALTER COLUMN s TYPE public.st USING s::text::public.st, ALTER COLUMN s SET DEFAULT 'a'::st;\nDROP TYPE public.st__old;\n`);
      expect(fs.readFileSync(path.join(fx!.root, 'modules/jobs/migrations/006_rename.down.sql'), 'utf8')).toContain('ALTER TABLE public.links RENAME TO link;\nALTER TABLE public.link RENAME COLUMN act_id TO a;\nALTER TABLE public.link ALTER COLUMN a DROP NOT NULL;\n');
      expect(made.json.left).toEqual([{ migration: '010_drop_pair', why: expect.stringContaining('make it as the migration that creates it does') }]);
      expect(made.json.note).toContain('a down file that held no statements was filled (004_seq)');
      const seq = fs.readFileSync(path.join(fx!.root, 'modules/jobs/migrations/004_seq.down.sql'), 'utf8');
      expect(seq.startsWith('-- +goose Down\n-- left empty\n')).toBe(true);
      expect(seq.indexOf('ALTER TABLE public.act ALTER COLUMN n TYPE smallint')).toBeLessThan(seq.indexOf('DROP SEQUENCE public.act_n2;'));
      const text = await runCli(['make', 'jobs', '--downs'], { cwd: fx!.root, env: s.env });
      expect(text.exitCode, text.stderr).toBe(0);
      expect(text.stderr).toContain('no down: 010_drop_pair — pair: composite type missing');
      // With its own down mended (gone here), verify proves the written ones: only 010 is left.
      fs.rmSync(path.join(fx!.root, 'modules/jobs/migrations/002_t2.up.sql'));
      fs.rmSync(path.join(fx!.root, 'modules/jobs/migrations/002_t2.down.sql'));
      const proven = await runCli(['verify', '--step', '--json'], { cwd: fx!.root, env: s.env });
      expect(proven.json.modules[0].findings.map((f: { kind: string; migration: string }) => [f.kind, f.migration])).toEqual([['no-down', '010_drop_pair']]);
    });

    it('--step: an up whose rows its down leaves cannot be applied again; the fix names the down to delete them in (documenso seeding a setting)', async () => {
      const s = await workspace(backend, [
        {
          name: 'site',
          migrations: {
            '001_settings.up.sql': 'CREATE TABLE settings (id text PRIMARY KEY, v jsonb);\n',
            '001_settings.down.sql': 'DROP TABLE settings;\n',
            '002_banner.up.sql': "INSERT INTO settings (id, v) VALUES ('site.banner', '{}');\n",
            '002_banner.down.sql': "UPDATE settings SET v = '{}' WHERE id = 'site.banner';\n",
          },
        },
      ]);
      const r = await runCli(['verify', '--step', '--json'], { cwd: fx!.root, env: s.env });
      expect(r.exitCode).toBe(1);
      expect(r.json.modules[0].findings).toEqual([
        expect.objectContaining({
          kind: 'up-failed',
          migration: '002_banner',
          message: expect.stringContaining('002_banner cannot be applied again after its down: duplicate key value violates unique constraint "settings_pkey"'),
          fix: 'its up inserts rows its down leaves (Key (id)=(site.banner) already exists.): delete them in modules/site/migrations/002_banner.down.sql, or write the insert to skip what is there (INSERT … ON CONFLICT DO NOTHING)',
        }),
      ]);
    });

    it("a knex migration's do-nothing down (kutt) cannot be reverted; what a partial down leaves is named with the migration that made it", async () => {
      const s = await workspace(backend, [
        {
          name: 'links',
          migrations: {
            '001_init.js': "exports.up = async (knex) => {\n  await knex.schema.createTable('links', (t) => { t.increments('id'); t.string('address'); });\n  await knex.schema.createTable('visits', (t) => { t.increments('id'); t.integer('link_id').references('id').inTable('links'); });\n};\nexports.down = async () => {\n  // do nothing\n};\n",
            '002_expire.up.sql': 'ALTER TABLE links ADD COLUMN expire_in timestamptz;\nCREATE INDEX links_expire_idx ON links (expire_in);\n',
            '002_expire.down.sql': 'DROP INDEX links_expire_idx;\n',
          },
        },
      ]);
      // The down sends no SQL while the up makes tables: it cannot be reverted, said before any down runs.
      const nothing = await runCli(['verify', '--json'], { cwd: fx!.root, env: s.env });
      expect(nothing.exitCode, nothing.stderr).toBe(1);
      // The migration after it is still checked down and up again: its down leaves the column.
      expect(nothing.json.modules[0].findings).toEqual([
        expect.objectContaining({ kind: 'empty-down', migration: '001_init', message: expect.stringContaining("001_init's down sends no SQL, and its up creates table links (line 2), creates table visits (line 3)") }),
        expect.objectContaining({ kind: 'left-behind', message: 'after the downs of the migration after 001_init, the database is not as before its up', leftBy: [{ migration: '002_expire', file: 'modules/links/migrations/002_expire.down.sql', objects: ['links.expire_in'], sql: ['ALTER TABLE public.links DROP COLUMN expire_in;'] }] }),
      ]);
      // A down that drops one of the two: what it leaves is named, with the migration that made it.
      fx!.write('modules/links/migrations/001_init.js', "exports.up = async (knex) => {\n  await knex.schema.createTable('links', (t) => { t.increments('id'); t.string('address'); });\n  await knex.schema.createTable('visits', (t) => { t.increments('id'); t.integer('link_id').references('id').inTable('links'); });\n};\nexports.down = async (knex) => {\n  await knex.schema.dropTable('visits');\n};\n");
      const r = await runCli(['verify', '--json'], { cwd: fx!.root, env: s.env });
      expect(r.exitCode, r.stderr).toBe(1);
      // The table's sequence, key, indexes and columns (002's too) go with the table.
      expect(r.json.modules[0].findings[0].leftBy).toEqual([{ migration: '001_init', file: 'modules/links/migrations/001_init.js', objects: ['links'] }]);
    });

    it('--step names the migration whose down does not undo its up (a down dropping a column its up did not add)', async () => {
      const s = await workspace(backend, [
        {
          name: 'crm',
          migrations: {
            '001_people.up.sql': 'CREATE TABLE people (id int PRIMARY KEY, name text, phone text);\n',
            '001_people.down.sql': 'DROP TABLE people;\n',
            '002_email.up.sql': 'ALTER TABLE people ADD COLUMN email text;\n',
            '002_email.down.sql': 'ALTER TABLE people DROP COLUMN phone;\n',
          },
        },
      ]);
      const whole = await runCli(['verify'], { cwd: fx!.root, env: s.env });
      // All up, all down, all up cannot see it: the table goes as a whole.
      expect(whole.exitCode, whole.stderr).toBe(0);
      const step = await runCli(['verify', '--step'], { cwd: fx!.root, env: s.env });
      expect(step.exitCode).toBe(1);
      expect(step.stderr).toContain('002_email: its down does not undo its up (modules/crm/migrations/002_email.up.sql)');
      expect(step.stderr).toContain('people.email: column left behind (text)');
      expect(step.stderr).toContain('people.phone: column dropped (text)');

      // A down that makes a table its up never made: told by its step, and the whole pass after the
      // steps (on the database they left) does not fail on it again.
      fx!.write('modules/crm/migrations/002_email.down.sql', 'ALTER TABLE people DROP COLUMN email;\nCREATE TABLE leftover (id int);\n');
      const made = await runCli(['verify', '--step', '--json'], { cwd: fx!.root, env: s.env });
      expect(made.exitCode).toBe(1);
      expect(made.json.modules[0].findings.map((f: any) => [f.kind, f.migration])).toEqual([
        ['step-not-reverted', '002_email'],
        ['step-not-reproducible', '002_email'],
      ]);
    });

    it("a down that cannot drop a column because a later migration's down made a SELECT * view again (lemmy's user_alias_1): that down is named", async () => {
      const s = await workspace(backend, [
        {
          name: 'forum',
          migrations: {
            '001_users.up.sql': 'CREATE TABLE users (id int PRIMARY KEY, name text);\nCREATE VIEW users_alias AS SELECT * FROM users;\n',
            '001_users.down.sql': 'DROP VIEW users_alias;\nDROP TABLE users;\n',
            '002_inbox.up.sql': 'ALTER TABLE users ADD COLUMN inbox text;\n',
            '002_inbox.down.sql': 'ALTER TABLE users DROP COLUMN inbox;\n',
            '003_no_alias.up.sql': 'DROP VIEW users_alias;\n',
            '003_no_alias.down.sql': '-- the alias, as it was\n\nCREATE VIEW users_alias AS SELECT * FROM users;\n',
          },
        },
      ]);
      const r = await runCli(['verify', '--json'], { cwd: fx!.root, env: s.env });
      expect(r.exitCode).toBe(1);
      const finding = r.json.modules[0].findings[0];
      expect(finding).toMatchObject({ kind: 'down-failed', migration: '002_inbox', file: 'modules/forum/migrations/002_inbox.down.sql', line: 1 });
      expect(finding.fix).toContain('view users_alias uses column inbox of users because the down of 003_no_alias, which ran before this one, made it again (003_no_alias.down.sql:3) while users had inbox');
      expect(finding.fix).toContain('bulkhead repair forum --accept <its id>');
    });

    it("a down dropping a view a later migration's up dropped, its down not making it again (lemmy's comment_report_view): that migration is named", async () => {
      const s = await workspace(backend, [
        {
          name: 'reports',
          migrations: {
            '001_reports.up.sql': 'CREATE TABLE reports (id int);\nCREATE VIEW report_view AS SELECT id FROM reports;\n',
            '001_reports.down.sql': 'DROP VIEW report_view;\nDROP TABLE reports;\n',
            '002_cleanup.up.sql': 'DROP VIEW IF EXISTS stale_view, report_view;\n',
            '002_cleanup.down.sql': 'SELECT 1;\n',
          },
        },
      ]);
      const r = await runCli(['verify', '--json'], { cwd: fx!.root, env: s.env });
      expect(r.exitCode).toBe(1);
      const finding = r.json.modules[0].findings[0];
      expect(finding).toMatchObject({ kind: 'down-failed', migration: '001_reports', line: 1 });
      expect(finding.fix).toContain('report_view is dropped (or renamed) by the up of 002_cleanup, after 001_reports, and its down does not make it again');
    });

    it("what an up dropped, renamed or changed and its down did not put back names that migration (mattermost's 000126 drops an index; 000111 sets a table's options)", async () => {
      const s = await workspace(backend, [
        {
          name: 'chat',
          migrations: {
            // No down: the migrations after it are checked, from the schema it builds.
            '001_clusters.up.sql': 'CREATE TABLE clusters (id int PRIMARY KEY, site text, name varchar(10));\nCREATE UNIQUE INDEX clusters_site ON clusters (site);\nCREATE TABLE notes (id int);\n',
            '002_tweak.up.sql': "DROP INDEX clusters_site;\nALTER TABLE clusters ALTER COLUMN name TYPE varchar(20);\nALTER TABLE clusters RENAME COLUMN site TO url;\nALTER TABLE clusters SET (fillfactor = 70);\nCOMMENT ON TABLE notes IS 'kept';\n",
            '002_tweak.down.sql': 'SELECT 1;\n',
            '003_zone.up.sql': 'ALTER TABLE clusters ADD COLUMN zone text;\nALTER TABLE notes ADD COLUMN body text;\n',
            '003_zone.down.sql': 'ALTER TABLE clusters DROP COLUMN zone;\nALTER TABLE notes DROP COLUMN body;\n',
          },
        },
      ]);
      const r = await runCli(['verify', '--json'], { cwd: fx!.root, env: s.env });
      expect(r.exitCode).toBe(1);
      const left = r.json.modules[0].findings.find((f: { kind: string }) => f.kind === 'left-behind');
      const down = 'modules/chat/migrations/002_tweak.down.sql';
      expect(left.leftBy).toHaveLength(4);
      expect(left.leftBy).toEqual(
        expect.arrayContaining([
          { migration: '002_tweak', file: down, objects: ['clusters.url'] },
          { migration: '002_tweak', file: down, objects: ['index clusters.clusters_site'], change: 'dropped' },
          // Two ups alter clusters; only 002's ALTER TABLE sets options.
          { migration: '002_tweak', file: down, objects: ['clusters.name', 'clusters'], change: 'changed' },
          { migration: '002_tweak', file: down, objects: ['clusters.site'], change: 'renamed' },
        ]),
      );
      expect(left.lines).toEqual(
        expect.arrayContaining([
          `→ 002_tweak drops index clusters.clusters_site; its down (${down}) does not make it again`,
          `→ 002_tweak renames (or moves) clusters.site; its down (${down}) does not rename it back`,
          `→ 002_tweak changes clusters.name, clusters; its down (${down}) does not put them back as they were`,
          `→ 002_tweak creates clusters.url; its down (${down}) does not drop it`,
        ]),
      );
      // notes' comment: both ups alter notes, and a COMMENT is no ALTER TABLE subcommand: which one
      // changed it is not in the SQL's names, and checking each alone tells.
      expect(left.lines).toEqual(expect.arrayContaining([expect.stringMatching(/^clusters: table differs: options/), expect.stringMatching(/^notes: table differs: comment/)]));
      expect(left.fix).toBe('bulkhead verify chat --step checks each migration alone (up, down, up) and names the one whose down does not undo its up');
      const step = await runCli(['verify', '--step', '--json'], { cwd: fx!.root, env: s.env });
      expect(step.json.modules[0].findings).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'step-not-reverted', migration: '002_tweak' })]));
      // What its down lacks, in an order that runs: the column renamed back (site → url, a DROP and an ADD would lose its data), the index made again on it.
      expect(step.json.modules[0].findings.find((f: { kind: string }) => f.kind === 'step-not-reverted').fix).toBe(
        'write in modules/chat/migrations/002_tweak.down.sql: ALTER TABLE public.clusters RENAME COLUMN url TO site; ALTER TABLE public.clusters ALTER COLUMN name TYPE character varying(10) USING name::character varying(10); ALTER TABLE public.clusters RESET (fillfactor); COMMENT ON TABLE public.notes IS NULL; CREATE UNIQUE INDEX clusters_site ON public.clusters USING btree (site);',
      );

      // A function and a view an up makes anew (CREATE OR REPLACE) and its down does not put back;
      // a text search configuration it makes and its down does not drop.
      fx!.write('modules/chat/migrations/001_clusters.up.sql', "CREATE FUNCTION width(x int) RETURNS int LANGUAGE sql AS 'SELECT x';\nCREATE VIEW sizes AS SELECT 1 AS one;\nCREATE TABLE pairs (a int, CONSTRAINT pairs_a_key UNIQUE (a));\n");
      fx!.write('modules/chat/migrations/002_tweak.up.sql', "CREATE OR REPLACE FUNCTION width(x int) RETURNS int LANGUAGE sql AS 'SELECT x + 1';\nCREATE OR REPLACE VIEW sizes AS SELECT 2 AS one;\nCREATE TEXT SEARCH CONFIGURATION chat_english (COPY = english);\nALTER TABLE pairs DROP CONSTRAINT pairs_a_key;\n");
      fx!.write('modules/chat/migrations/003_zone.up.sql', 'CREATE TABLE zones (id int);\n');
      fx!.write('modules/chat/migrations/003_zone.down.sql', 'DROP TABLE zones;\n');
      const replaced = await runCli(['verify', '--json'], { cwd: fx!.root, env: s.env });
      const again = replaced.json.modules[0].findings.find((f: { kind: string }) => f.kind === 'left-behind');
      expect(again.leftBy).toEqual([
        { migration: '002_tweak', file: down, objects: ['text search configuration chat_english'] },
        // Named by no statement (DROP CONSTRAINT is an ALTER TABLE): the one up that alters its table.
        { migration: '002_tweak', file: down, objects: ['constraint pairs.pairs_a_key'], change: 'dropped', sql: ['ALTER TABLE public.pairs ADD CONSTRAINT pairs_a_key UNIQUE (a);'] },
        // The statements its down lacks: the earlier definitions back.
        { migration: '002_tweak', file: down, objects: ['function width(x integer)', 'view sizes'], change: 'changed', sql: [expect.stringMatching(/^CREATE OR REPLACE VIEW public\.sizes AS\n\s*SELECT 1 AS one;$/), expect.stringMatching(/^CREATE OR REPLACE FUNCTION public\.width\(x integer\)[\s\S]*SELECT x\$function\$;$/)] },
      ]);
      expect(again.fix).toBeUndefined();

      // An up drops a table; its down makes it again without a constraint and a column it had
      // (pocket-id's oauth2_storage): what went with the table is that up's.
      fx!.write('modules/chat/migrations/001_clusters.up.sql', 'CREATE TABLE sites (id int PRIMARY KEY);\nCREATE TABLE codes (id int, site int, note text);\nALTER TABLE codes ADD CONSTRAINT codes_site_fk FOREIGN KEY (site) REFERENCES sites (id);\n');
      fx!.write('modules/chat/migrations/002_tweak.up.sql', 'DROP TABLE codes;\n');
      fx!.write('modules/chat/migrations/002_tweak.down.sql', 'CREATE TABLE codes (id int, site int REFERENCES sites (id));\n');
      const remade = await runCli(['verify', '--json'], { cwd: fx!.root, env: s.env });
      const gone = remade.json.modules[0].findings.find((f: { kind: string }) => f.kind === 'left-behind');
      expect(gone.leftBy).toEqual([
        { migration: '002_tweak', file: down, objects: expect.arrayContaining(['codes.note', 'constraint codes.codes_site_fk']), change: 'dropped', sql: expect.arrayContaining(['ALTER TABLE public.codes ADD COLUMN note text;', 'ALTER TABLE public.codes ADD CONSTRAINT codes_site_fk FOREIGN KEY (site) REFERENCES sites(id);']) },
        { migration: '002_tweak', file: down, objects: ['constraint codes.codes_site_fkey'], down: true },
      ]);
      expect(gone.fix).toBeUndefined();

      // A table with a serial an up drops and its down does not make again (gitness' 0074 connectors):
      // the statements make its sequence too, and written in the down, verify passes.
      fx!.write('modules/chat/migrations/001_clusters.up.sql', 'CREATE TABLE tags (id serial PRIMARY KEY, label text NOT NULL UNIQUE);\n');
      fx!.write('modules/chat/migrations/002_tweak.up.sql', 'DROP TABLE tags;\n');
      fx!.write('modules/chat/migrations/002_tweak.down.sql', 'SELECT 1;\n');
      const dropped = await runCli(['verify', '--json'], { cwd: fx!.root, env: s.env });
      const tags = dropped.json.modules[0].findings.find((f: { kind: string }) => f.kind === 'left-behind').leftBy[0];
      expect(tags).toMatchObject({ migration: '002_tweak', objects: ['tags'], change: 'dropped' });
      expect(tags.sql[0]).toBe('CREATE SEQUENCE public.tags_id_seq AS integer INCREMENT BY 1 START WITH 1;');
      // --step says the same for the one migration.
      const stepped = await runCli(['verify', '--step', '--json'], { cwd: fx!.root, env: s.env });
      expect(stepped.json.modules[0].findings.find((f: { kind: string }) => f.kind === 'step-not-reverted').fix).toMatch(/^write in modules\/chat\/migrations\/002_tweak\.down\.sql: CREATE SEQUENCE public\.tags_id_seq /);
      fx!.write('modules/chat/migrations/002_tweak.down.sql', `${tags.sql.join('\n')}\n`);
      const mended = await runCli(['verify', '--json'], { cwd: fx!.root, env: s.env });
      expect(mended.json.modules[0].findings.filter((f: { kind: string }) => f.kind !== 'no-down')).toEqual([]);
    });

    it("a knex down that fails names the SQL it sent and gets up's fix (uptime-kuma's table.enu(…).alter(), which knex cannot write for PostgreSQL)", async () => {
      const s = await workspace(backend, [
        {
          name: 'kuma',
          migrations: {
            '001_status.js': "exports.up = (knex) => knex.schema.createTable('status_page', (t) => { t.increments('id'); t.string('analytics_type'); });\nexports.down = (knex) => knex.schema.dropTable('status_page');\n",
            '002_any_type.js':
              "const old = ['google', 'umami'];\nexports.up = (knex) => knex.schema.alterTable('status_page', (t) => { t.string('analytics_type').nullable().alter(); });\nexports.down = (knex) =>\n  knex.schema.alterTable('status_page', (t) => { t.enu('analytics_type', old).nullable().alter(); });\n",
          },
        },
      ]);
      const r = await runCli(['verify', '--json'], { cwd: fx!.root, env: s.env });
      expect(r.exitCode).toBe(1);
      const finding = r.json.modules[0].findings[0];
      expect(finding).toMatchObject({ kind: 'down-failed', migration: '002_any_type', line: 4 });
      expect(finding.message).toContain('modules/kuma/migrations/002_any_type.js:4 (the SQL it sent: alter table "status_page" alter column "analytics_type" type text check (');
      expect(finding.message).toMatch(/: syntax error at or near "check"$/);
      expect(finding.fix).toContain('knex cannot alter a column into an enum on PostgreSQL (table.enu(…).alter(), table.enum(…).alter())');
      expect(finding.fix).toContain('ALTER TABLE "status_page" ALTER COLUMN "analytics_type" TYPE text');
    });
  });

  describe(`drift on ${backend.name}`, () => {
    it('seed 002: four missing columns by table; seed 000: a table no migration created; an enum label; a dropped index', async () => {
      const s = await workspace(backend, [
        {
          name: 'auth',
          migrations: {
            '001_accounts.up.sql': "CREATE TYPE role AS ENUM ('user', 'admin');\nCREATE TABLE accounts (id int PRIMARY KEY, email text NOT NULL, role role NOT NULL DEFAULT 'user');\nCREATE INDEX accounts_email_idx ON accounts (email);\n",
            '002_limits.up.sql': 'ALTER TABLE accounts ADD COLUMN max_reports integer NOT NULL DEFAULT 5, ADD COLUMN mfa boolean NOT NULL DEFAULT false, ADD COLUMN last_login timestamptz, ADD COLUMN locale text;\n',
          },
        },
      ]);
      expect((await runCli(['up'], { cwd: fx!.root, env: s.env })).exitCode).toBe(0);
      const clean = await runCli(['drift'], { cwd: fx!.root, env: s.env });
      expect(clean.exitCode, clean.stderr).toBe(0);
      expect(clean.stderr).toContain('auth: ✓ no drift (2 applied migrations rebuild it exactly)');

      await s.query('auth', 'ALTER TABLE accounts DROP COLUMN max_reports, DROP COLUMN mfa, DROP COLUMN last_login, DROP COLUMN locale');
      await s.query('auth', 'CREATE TABLE legacy_cache (k text PRIMARY KEY, v jsonb)');
      await s.query('auth', "ALTER TYPE role ADD VALUE 'owner'");
      await s.query('auth', 'DROP INDEX accounts_email_idx');
      const r = await runCli(['drift', '--json'], { cwd: fx!.root, env: s.env });
      expect(r.exitCode).toBe(1);
      expect(r.json.units[0].lines).toEqual([
        'accounts.last_login: column missing (timestamp with time zone)',
        'accounts.locale: column missing (text)',
        'accounts.max_reports: column missing (integer NOT NULL DEFAULT 5)',
        'accounts.mfa: column missing (boolean NOT NULL DEFAULT false)',
        'accounts.accounts_email_idx: index missing (CREATE INDEX accounts_email_idx ON public.accounts USING btree (email))',
        'legacy_cache: table extra (k text NOT NULL, v jsonb)',
        "role: enum label 'owner' added ('user', 'admin' → 'user', 'admin', 'owner')",
      ]);
      // The text counts what it lists (legacy_cache's columns and key go with it; convoy's said 6 over 5 lines).
      expect((await runCli(['drift'], { cwd: fx!.root, env: s.env })).stderr).toContain('auth: ✗ drift, 7 differences from what its 2 applied migrations build');
      // What is made outside the migrations on purpose is left out by --ignore ([kind:]glob); a
      // table's columns, constraints and indexes go with it.
      const some = await runCli(['drift', '--ignore', 'table:legacy_*', '--ignore', 'column:accounts.*', '--json'], { cwd: fx!.root, env: s.env });
      expect(some.json.units[0]).toMatchObject({ status: 'drift', ignored: 8 });
      expect(some.json.units[0].lines).toEqual(['accounts.accounts_email_idx: index missing (CREATE INDEX accounts_email_idx ON public.accounts USING btree (email))', "role: enum label 'owner' added ('user', 'admin' → 'user', 'admin', 'owner')"]);
      const all = await runCli(['drift', '--ignore', '*'], { cwd: fx!.root, env: s.env });
      expect(all.exitCode).toBe(0);
      expect(all.stderr).toContain('auth: ✓ no drift (2 applied migrations rebuild it, 10 differences left out by --ignore)');
      const bad = await runCli(['drift', '--ignore', 'tabel:legacy_*'], { cwd: fx!.root, env: s.env });
      expect(bad.exitCode).toBe(2);
      expect(bad.stderr).toContain('--ignore tabel:legacy_*: no object kind "tabel"');

      // --sql: the statements that end the drift either way, run as a user would.
      const withSql = await runCli(['drift', '--sql', '--json'], { cwd: fx!.root, env: s.env });
      const { undo, keep } = withSql.json.units[0].sql;
      // The label is undone by making the type anew (its column read from the live database), with a caution.
      expect(undo.manual).toEqual([]);
      expect(undo.cautions).toContainEqual(expect.stringContaining("made anew without label 'owner' — rows holding it fail the cast"));
      expect(undo.statements).toContain('ALTER TYPE public.role RENAME TO role__old;');
      expect(keep.manual).toEqual([]);
      const text = await runCli(['drift', '--sql'], { cwd: fx!.root, env: s.env });
      expect(text.stderr).toContain('ALTER TABLE public.accounts ADD COLUMN max_reports integer DEFAULT 5 NOT NULL;');
      expect((await runCli(['drift'], { cwd: fx!.root, env: s.env })).stderr).toContain('fix: undo on the database what was changed outside the migrations, or keep it in a new migration (bulkhead make auth <name>); bulkhead drift auth --sql writes the statements for either');
      // Kept: the new migration runs on this database, changing nothing, and the drift is gone.
      fx!.write('modules/auth/migrations/003_keep.up.sql', `${keep.statements.join('\n')}\n`);
      const kept = await runCli(['up'], { cwd: fx!.root, env: s.env });
      expect(kept.exitCode, kept.stderr).toBe(0);
      const after = await runCli(['drift'], { cwd: fx!.root, env: s.env });
      expect(after.exitCode, after.stderr).toBe(0);
      // Undone: the statements make the database what the migrations build again, the enum label too.
      fx!.remove('modules/auth/migrations/003_keep.up.sql');
      await s.query('auth', "DELETE FROM auth_migrations WHERE id = '003_keep'");
      const undoNow = (await runCli(['drift', '--sql', '--json'], { cwd: fx!.root, env: s.env })).json.units[0].sql.undo;
      for (const statement of undoNow.statements) await s.query('auth', statement);
      const undone = await runCli(['drift', '--json'], { cwd: fx!.root, env: s.env });
      expect(undone.exitCode, undone.stderr).toBe(0);
      await s.query('auth', "ALTER TYPE role ADD VALUE 'owner'");
      // make --from-drift writes the keep statements as a migration (its down: the undo, here by hand); up records it, and the drift is gone.
      const made = await runCli(['make', 'auth', 'keep_owner', '--from-drift', '--json'], { cwd: fx!.root, env: s.env });
      expect(made.exitCode, made.stderr).toBe(0);
      const upFile = made.json.files.find((f: string) => f.endsWith('.up.sql'));
      expect(fs.readFileSync(path.join(fx!.root, upFile), 'utf8')).toContain("ALTER TYPE public.role ADD VALUE IF NOT EXISTS 'owner' AFTER 'admin';");
      expect(fs.readFileSync(path.join(fx!.root, upFile.replace('.up.sql', '.down.sql')), 'utf8')).toContain("-- mind: role: enum label 'owner' added");
      expect((await runCli(['up'], { cwd: fx!.root, env: s.env })).exitCode).toBe(0);
      expect((await runCli(['drift'], { cwd: fx!.root, env: s.env })).exitCode).toBe(0);
      const nothing = await runCli(['make', 'auth', 'again', '--from-drift'], { cwd: fx!.root, env: s.env });
      expect(nothing.exitCode).toBe(2);
      expect(nothing.stderr).toContain("auth's database has nothing its migrations do not build: no drift to keep (BH075)");
    });

    it("a column's compression and n_distinct, and a table's CLUSTER ON, set by hand are drift; what the migrations set is not", async () => {
      const s = await workspace(backend, [
        { name: 'docs', migrations: { '001_pages.up.sql': 'CREATE TABLE pages (id int PRIMARY KEY, body text COMPRESSION pglz, title text);\nALTER TABLE pages ALTER COLUMN id SET (n_distinct = 100);\nCREATE INDEX pages_title ON pages (title);\nALTER TABLE pages CLUSTER ON pages_title;\n' } },
      ]);
      expect((await runCli(['up'], { cwd: fx!.root, env: s.env })).exitCode).toBe(0);
      expect((await runCli(['drift'], { cwd: fx!.root, env: s.env })).exitCode).toBe(0);
      await s.query('docs', 'ALTER TABLE pages ALTER COLUMN body SET COMPRESSION default, ALTER COLUMN title SET COMPRESSION pglz, ALTER COLUMN id SET (n_distinct = 5), ALTER COLUMN title SET (n_distinct_inherited = 7), CLUSTER ON pages_pkey');
      const r = await runCli(['drift', '--json'], { cwd: fx!.root, env: s.env });
      expect(r.exitCode).toBe(1);
      expect(r.json.units[0].lines).toEqual([
        'pages: table differs: cluster_on pages_title → pages_pkey',
        'pages.body: column differs: compression pglz → (none)',
        'pages.id: column differs: options [n_distinct=100] → [n_distinct=5]',
        'pages.title: column differs: compression (none) → pglz; options (none) → [n_distinct_inherited=7]',
      ]);
    });

    it('privileges granted or revoked by hand are drift; --sql writes the REVOKE and GRANT that undo or keep them', async () => {
      const s = await workspace(backend, [{ name: 'acl', migrations: { '001_t.up.sql': "CREATE TABLE t (id int, secret text);\nCREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1';\n" } }]);
      expect((await runCli(['up'], { cwd: fx!.root, env: s.env })).exitCode).toBe(0);
      for (const hand of ['GRANT SELECT ON t TO PUBLIC', 'GRANT UPDATE (secret) ON t TO PUBLIC', 'REVOKE EXECUTE ON FUNCTION f() FROM PUBLIC', 'ALTER DEFAULT PRIVILEGES GRANT SELECT ON TABLES TO PUBLIC']) await s.query('acl', hand);
      const r = await runCli(['drift', '--sql', '--json'], { cwd: fx!.root, env: s.env });
      expect(r.exitCode).toBe(1);
      const { undo, keep } = r.json.units[0].sql;
      expect(undo).toEqual({
        statements: ['REVOKE UPDATE (secret) ON TABLE public.t FROM PUBLIC;', 'ALTER DEFAULT PRIVILEGES REVOKE SELECT ON TABLES FROM PUBLIC;', 'GRANT EXECUTE ON FUNCTION public.f() TO PUBLIC;', 'REVOKE SELECT ON TABLE public.t FROM PUBLIC;'],
        manual: [],
        cautions: [],
      });
      expect(keep.statements).toEqual(['GRANT UPDATE (secret) ON TABLE public.t TO PUBLIC;', 'ALTER DEFAULT PRIVILEGES GRANT SELECT ON TABLES TO PUBLIC;', 'REVOKE EXECUTE ON FUNCTION public.f() FROM PUBLIC;', 'GRANT SELECT ON TABLE public.t TO PUBLIC;']);
      for (const statement of undo.statements) await s.query('acl', statement);
      const undone = await runCli(['drift'], { cwd: fx!.root, env: s.env });
      expect(undone.exitCode, undone.stderr).toBe(0);
    });

    it('partitions named by date, made for the day a migration ran (hatchet), are one line per family with the --ignore that leaves them out; --sql drops none of them', async () => {
      const s = await workspace(backend, [
        {
          name: 'ev',
          migrations: {
            '001_events.up.sql': "CREATE TABLE events (id int, at date NOT NULL, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);\nDO $$ BEGIN EXECUTE format('CREATE TABLE events_%s PARTITION OF events FOR VALUES FROM (%L) TO (%L)', to_char(now(), 'YYYYMMDD'), current_date, current_date + 1); END $$;\n",
          },
        },
      ]);
      expect((await runCli(['up'], { cwd: fx!.root, env: s.env })).exitCode).toBe(0);
      // The live database was migrated another day: its partition has that day's name.
      const [today] = (await s.query('ev', "SELECT relname AS name FROM pg_class WHERE relname LIKE 'events\\_2%' AND relkind = 'r'")) as { name: string }[];
      await s.query('ev', `ALTER TABLE ${today!.name} RENAME TO events_20200101`);
      const r = await runCli(['drift', '--json'], { cwd: fx!.root, env: s.env });
      expect(r.exitCode).toBe(1);
      expect(r.json.units[0].lines).toEqual([expect.stringMatching(/^events_\*: partitions named by date — events_20200101 here only; events_2\d{7} from the replay only \(with their \d+ keys, indexes and columns\)$/)]);
      expect(r.json.units[0].dated).toEqual([expect.objectContaining({ family: 'events_*', ignore: 'table:events_2*' })]);
      const text = await runCli(['drift', '--sql'], { cwd: fx!.root, env: s.env });
      expect(text.stderr).toContain("note: partitions named by date are made for the day something runs (a migration calling now(), the application, pg_partman), so a database migrated another day has others: --ignore 'table:events_2*' leaves them out (--sql writes nothing for them");
      expect(text.stderr).not.toContain('DROP TABLE');
      // In a GitHub job's summary too.
      const summary = path.join(fx!.root, 'summary.md');
      await runCli(['drift'], { cwd: fx!.root, env: { ...s.env, GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: summary } });
      expect(fs.readFileSync(summary, 'utf8')).toContain("> partitions named by date are made for the day something runs (a migration calling now(), the application, pg_partman), so a database migrated another day has others: --ignore 'table:events_2*' leaves them out");
      const kept = await runCli(['make', 'ev', 'keep', '--from-drift'], { cwd: fx!.root, env: s.env });
      expect(kept.exitCode).toBe(2);
      expect(kept.stderr).toContain("ev's database differs only in partitions named by date (made for the day something ran): no drift to keep (BH075)");
      expect((await runCli(['drift', '--ignore', 'table:events_2*'], { cwd: fx!.root, env: s.env })).exitCode).toBe(0);
    });
  });

  describe(`a platform schema on ${backend.name}`, () => {
    it("migrations using Supabase's auth schema: up says whose it is; drift, where the live database has it, says it was made outside the migrations", async () => {
      const s = await workspace(backend, [{ name: 'app', migrations: { '001_profiles.up.sql': 'CREATE TABLE profiles (id uuid PRIMARY KEY REFERENCES auth.users);\n' } }]);
      const fresh = await runCli(['up'], { cwd: fx!.root, env: s.env });
      // Refused before anything runs (BH074: auth.users, which no migration makes and the database lacks), on a server and embedded.
      expect(fresh.exitCode).toBe(2);
      expect(fresh.stderr).toContain('(BH074)');
      expect(fresh.stderr).toContain("fix: schema auth is Supabase's: its platform makes it, not these migrations");
      // What Supabase's platform makes, made by hand: up applies, drift cannot rebuild without it.
      await s.query('app', 'CREATE SCHEMA auth');
      await s.query('app', 'CREATE TABLE auth.users (id uuid PRIMARY KEY)');
      expect((await runCli(['up'], { cwd: fx!.root, env: s.env })).exitCode).toBe(0);
      const drift = await runCli(['drift', '--json'], { cwd: fx!.root, env: s.env });
      expect(drift.exitCode, drift.stdout).toBe(1);
      expect(drift.json.problems[0]).toMatchObject({
        code: 'BH030',
        fix: expect.stringMatching(/^schema auth is in the live database, but no migration makes it: it was made outside them \(Supabase's platform makes it\)/),
      });
      // Supabase's API roles, and a role nobody made: roles belong to the server.
      fx!.write('modules/app/migrations/002_grant.up.sql', 'GRANT SELECT ON profiles TO authenticated;\n');
      const grant = await runCli(['up'], { cwd: fx!.root, env: s.env });
      expect(grant.stderr).toContain("fix: role authenticated is Supabase's");
      fx!.write('modules/app/migrations/002_grant.up.sql', 'GRANT SELECT ON profiles TO reporting_reader;\n');
      const other = await runCli(['up'], { cwd: fx!.root, env: s.env });
      expect(other.stderr).toContain('fix: roles belong to the server, not to a database: create reporting_reader where');
    });
  });

  describe(`declared extensions on ${backend.name}`, () => {
    it("verify of migrations using an extension's operator class that nothing creates (chirpstack's gin_trgm_ops) is refused before anything replays; declared, they are reversible", async () => {
      const s = await workspace(backend, [
        { name: 'search', migrations: { '001_t.up.sql': 'CREATE TABLE tenant (name text);\nCREATE INDEX tenant_name_trgm ON tenant USING gin (name gin_trgm_ops);\n', '001_t.down.sql': 'DROP TABLE tenant;\n' } },
      ]);
      const r = await runCli(['verify', '--json'], { cwd: fx!.root, env: s.env });
      expect(r.exitCode).toBe(2);
      expect(r.json.problems).toEqual([
        expect.objectContaining({ code: 'BH070', file: 'modules/search/migrations/001_t.up.sql', line: 2, message: expect.stringContaining('001_t uses operator class gin_trgm_ops, which comes from the extension pg_trgm'), fix: expect.stringContaining('"extensions": ["pg_trgm"]') }),
      ]);
      const manifest = JSON.parse(fs.readFileSync(path.join(fx!.root, 'modules/search/bulkhead.json'), 'utf8'));
      fx!.write('modules/search/bulkhead.json', JSON.stringify({ ...manifest, extensions: ['pg_trgm'] }));
      const declared = await runCli(['verify', '--json'], { cwd: fx!.root, env: s.env });
      expect(declared.exitCode, declared.stderr).toBe(0);
      expect(declared.json.modules[0].status).toBe('reversible');
    });

    it('verify of a migration creating an undeclared extension: on an embedded scratch database it names the line to add to the manifest; a server has it', async () => {
      const s = await workspace(backend, [{ name: 'app', migrations: { '001_x.up.sql': 'CREATE EXTENSION IF NOT EXISTS pgcrypto;\n', '001_x.down.sql': 'DROP EXTENSION pgcrypto;\n' } }]);
      const r = await runCli(['verify', '--json'], { cwd: fx!.root, env: s.env });
      if (backend.name === 'pglite') {
        expect(r.exitCode).toBe(1);
        expect(r.json.modules[0].findings[0].fix).toBe('list "pgcrypto" in "extensions" in modules/app/bulkhead.json: an embedded database (the default, and the scratch ones of verify and drift) loads only declared extensions; a server needs it installed');
      } else {
        expect(r.exitCode, r.stderr).toBe(0);
        expect(r.json.modules[0].status).toBe('reversible');
      }
    });

    it('a declared extension no migration creates (db create makes it) is in every database Bulkhead makes: the embedded one, the scratch ones of verify and drift', async () => {
      const s = await workspace(backend, [
        {
          name: 'app',
          manifest: { extensions: ['citext', 'pgcrypto'] },
          migrations: {
            '001_users.up.sql': 'CREATE TABLE users (id int PRIMARY KEY, email citext NOT NULL);\n',
            '001_users.down.sql': 'DROP TABLE users;\n',
            // One a migration creates itself, without IF NOT EXISTS: not made before it.
            '002_tokens.up.sql': 'CREATE EXTENSION pgcrypto;\nCREATE TABLE tokens (t text DEFAULT encode(gen_random_bytes(8), \'hex\'));\n',
            '002_tokens.down.sql': 'DROP TABLE tokens;\nDROP EXTENSION pgcrypto;\n',
          },
        },
      ]);
      // On a server, what `bulkhead db create` makes of the declaration (an embedded database gets it at its first up).
      if (backend.name === 'postgres') await s.query('app', 'CREATE EXTENSION IF NOT EXISTS citext');
      const up = await runCli(['up'], { cwd: fx!.root, env: s.env });
      expect(up.exitCode, up.stderr).toBe(0);
      expect(await s.query('app', "SELECT extname FROM pg_extension WHERE extname IN ('citext', 'pgcrypto') ORDER BY 1")).toEqual([{ extname: 'citext' }, { extname: 'pgcrypto' }]);
      const verify = await runCli(['verify'], { cwd: fx!.root, env: s.env });
      expect(verify.exitCode, verify.stderr).toBe(0);
      expect(verify.stderr).toContain('reversible');
      const drift = await runCli(['drift'], { cwd: fx!.root, env: s.env });
      expect(drift.exitCode, drift.stderr).toBe(0);
      expect(drift.stderr).toContain('no drift');
    });

    it("a declared extension the first up creates IF NOT EXISTS (hasura-auth's citext) is the database's: a down may keep it", async () => {
      const s = await workspace(backend, [
        { name: 'app', manifest: { extensions: ['citext'] }, migrations: { '001_tags.up.sql': 'CREATE EXTENSION IF NOT EXISTS citext;\nCREATE TABLE tags (name citext);\n', '001_tags.down.sql': 'DROP TABLE tags;\n' } },
      ]);
      const kept = await runCli(['verify', '--step', '--json'], { cwd: fx!.root, env: s.env });
      expect(kept.exitCode, kept.stderr).toBe(0);
      expect(kept.json.modules[0].status).toBe('reversible');
    });

    it('an undeclared extension the up creates and the down keeps is left behind (a server); an embedded scratch database asks for the declaration', async () => {
      const s = await workspace(backend, [{ name: 'app', migrations: { '001_tags.up.sql': 'CREATE EXTENSION IF NOT EXISTS citext;\nCREATE TABLE tags (name citext);\n', '001_tags.down.sql': 'DROP TABLE tags;\n' } }]);
      const r = await runCli(['verify', '--json'], { cwd: fx!.root, env: s.env });
      expect(r.exitCode).toBe(1);
      if (backend.name === 'pglite') expect(r.json.modules[0].findings[0].fix).toContain('list "citext" in "extensions" in modules/app/bulkhead.json');
      else {
        expect(r.json.modules[0].findings[0]).toMatchObject({ kind: 'left-behind', migration: '001_tags', lines: expect.arrayContaining([expect.stringContaining('citext: extension left behind')]) });
        // Or it is the database's: declared (nakama's pg_trgm).
        expect(r.json.modules[0].findings[0].fix).toBe('drop it in the down, or declare citext in modules/app/bulkhead.json "extensions": a declared extension is the database\'s (db create makes it), and a down may keep it');
      }
    });
  });

}

/** The cases that need no second backend: schema tenants on the server, the repository's example modules. */
export function verifyDriftSharedSuite(): void {
  describe('drift per tenant, and the example modules', () => {
    it('tenants with the same difference are grouped; the others say no drift', async () => {
      const s = await workspace(postgresBackend, [
        {
          name: 'billing',
          manifest: { tenants: { kind: 'schema', names: ['acme', 'globex', 'initech'] } },
          migrations: { '001_invoices.up.sql': 'CREATE TABLE invoices (id int PRIMARY KEY, total numeric NOT NULL);\n' },
        },
      ]);
      expect((await runCli(['up'], { cwd: fx!.root, env: s.env })).exitCode).toBe(0);
      await s.query('billing', 'ALTER TABLE acme.invoices ADD COLUMN hack text; ALTER TABLE globex.invoices ADD COLUMN hack text');
      const r = await runCli(['drift'], { cwd: fx!.root, env: s.env });
      expect(r.exitCode).toBe(1);
      expect(r.stderr).toContain('billing@initech: ✓ no drift');
      expect(r.stderr).toContain('billing@{acme, globex}: ✗ drift (2 tenants alike)\n  invoices.hack: column extra (text)');
    });

    it('the example modules verify on PGlite', async () => {
      const r = await runCli(['verify'], { cwd: REPO });
      expect(r.exitCode, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/admin: ✓ \d+ migrations up, down, up: reversible/);
    });
  });
}
