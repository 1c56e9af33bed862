/**
 * The bad-input corpus: one small workspace per case, beside a valid module `good` (on a real
 * database), and what Bulkhead must say. Exit 2 cases must leave `good`'s database untouched;
 * warnings are shown by `validate` (exit 0); a few hygiene cases must be accepted as they are.
 */

export interface BadInputCase {
  name: string;
  /** Files to write, workspace-relative (a Buffer for raw bytes). */
  files: Record<string, string | Buffer>;
  env?: Record<string, string>;
  /** Command line; default `up`. */
  args?: string[];
  /** Expected exit code; default 2. */
  exit?: 0 | 1 | 2;
  /** Error code expected in the output (or `warning`). */
  code?: string;
  /** Texts (or patterns) the output must contain: the file, field or line, and the fix. */
  says: (string | RegExp)[];
  /** Texts that must never appear (secrets; a misleading second message), in text or JSON. */
  never?: string[];
}

const manifest = (o: Record<string, unknown>, name = 'bad') => JSON.stringify({ name, database: { url: 'pglite://memory' }, ...o });
/** A module `bad` with a manifest and migrations. */
const bad = (o: Record<string, unknown>, migrations: Record<string, string | Buffer> = {}, dir = 'bad'): Record<string, string | Buffer> => ({
  [`modules/${dir}/bulkhead.json`]: manifest(o),
  [`modules/${dir}/migrations/.keep`]: '',
  ...Object.fromEntries(Object.entries(migrations).map(([f, c]) => [`modules/${dir}/migrations/${f}`, c])),
});
const M = 'modules/bad/migrations';
const latin1 = (text: string) => Buffer.from(text, 'latin1');

export const CASES: BadInputCase[] = [
  // Manifests: JSON and schema.
  { name: 'manifest is not JSON (a comma left out)', files: { 'modules/bad/bulkhead.json': '{\n  "name": "bad"\n  "database": {}\n}' }, code: 'BH001', says: ['modules/bad/bulkhead.json:3:3', 'not valid JSON', 'fix: add a comma at the end of line 2, after its value'] },
  { name: 'manifest is not JSON (a name without quotes)', files: { 'modules/bad/bulkhead.json': '{ name: "bad" }' }, code: 'BH001', says: ['modules/bad/bulkhead.json:1:3', 'fix: put the field name in double quotes ("name")'] },
  { name: 'manifest is not JSON (single quotes)', files: { 'modules/bad/bulkhead.json': "{ 'name': 'bad' }" }, code: 'BH001', says: ['modules/bad/bulkhead.json', 'fix: write strings and names in double quotes'] },
  { name: 'manifest is not JSON', files: { 'modules/bad/bulkhead.json': '{ "name": "bad", "database": {} ]' }, code: 'BH001', says: ['modules/bad/bulkhead.json:1:33', 'not valid JSON', 'fix: fix the JSON syntax'] },
  { name: 'manifest with a trailing comma (JSONC)', files: { 'modules/bad/bulkhead.json': '{\n  "name": "bad",\n}\n' }, code: 'BH001', says: ['modules/bad/bulkhead.json:3:1', 'no comma after the last field or item'] },
  {
    name: "manifest saved as UTF-16 (PowerShell's > writes it so)",
    files: { 'modules/bad/bulkhead.json': Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('{ "name": "bad", "database": { "url": "pglite://memory" } }\n', 'utf16le')]), 'modules/bad/migrations/.keep': '' },
    code: 'BH001',
    says: ['modules/bad/bulkhead.json', 'the file is UTF-16', 'fix: save it as UTF-8: iconv -f utf-16 -t utf-8 modules/bad/bulkhead.json > converted.json'],
  },
  { name: 'manifest with a comment (JSONC)', files: { 'modules/bad/bulkhead.json': '{\n  // the bad module\n  "name": "bad"\n}\n' }, code: 'BH001', says: ['modules/bad/bulkhead.json:2:3', 'remove the comments'] },
  { name: 'empty manifest', files: { 'modules/bad/bulkhead.json': '' }, code: 'BH001', says: ['modules/bad/bulkhead.json', 'the file is empty'] },
  { name: 'name of the wrong type', files: bad({ name: 5 }), code: 'BH002', says: ['field name', 'expected string, got number 5'] },
  { name: 'dependsOn as a string', files: bad({ dependsOn: 'good' }), code: 'BH002', says: ['field dependsOn', 'expected array, got the string "good"'] },
  { name: 'database missing', files: { 'modules/bad/bulkhead.json': JSON.stringify({ name: 'bad' }) }, code: 'BH002', says: ['field database', 'required field is missing', 'add "database": { "url": "${BAD_DATABASE_URL:-pglite://.bulkhead/bad}" } (an embedded PGlite database until BAD_DATABASE_URL names a server'] },
  { name: 'database.url missing', files: bad({ database: {} }), code: 'BH002', says: ['field database.url', 'required field is missing', 'add "url": "${BAD_DATABASE_URL:-pglite://.bulkhead/bad}" to "database"'] },
  { name: 'name missing', files: { 'modules/billing-v2/bulkhead.json': JSON.stringify({ database: { url: 'pglite://memory' } }), 'modules/billing-v2/migrations/.keep': '' }, code: 'BH002', says: ['field name', 'required field is missing', 'add "name": "billing-v2"'] },
  { name: 'database.url of the wrong type', files: bad({ database: { url: ['x'] } }), code: 'BH002', says: ['field database.url', 'expected string, got an array'] },
  { name: 'unknown field', files: bad({ colour: 'red' }), code: 'BH002', says: ['unknown field "colour"', 'allowed fields:', 'lockTimeout'] },
  { name: 'unknown nested field', files: bad({ database: { url: 'pglite://memory', shema: 'x' } }), code: 'BH002', says: ['field database.shema'] },
  { name: 'invalid module name', files: bad({ name: 'Bad_Name' }), code: 'BH002', says: ['field name', 'must match [a-z][a-z0-9-]*'] },
  { name: 'invalid history table', files: bad({ historyTable: 'a.b.c' }), code: 'BH002', says: ['field historyTable', 'schema.table'] },
  { name: 'invalid schema identifier', files: bad({ database: { url: 'pglite://memory', schema: 'my schema' } }), code: 'BH002', says: ['field database.schema', 'plain SQL identifier'] },
  { name: 'invalid extension name', files: bad({ extensions: ['Post GIS'] }), code: 'BH002', says: ['field extensions.0', 'extension name'] },
  { name: 'history table in a system schema', files: bad({ historyTable: 'pg_catalog.bad_history' }), code: 'BH002', says: ['field historyTable', 'historyTable "pg_catalog.bad_history" is in schema pg_catalog, which the server keeps for itself', 'keep it in the module\'s schema: "bad_history"'] },
  { name: 'invalid lockTimeout', files: bad({ lockTimeout: '3 seconds' }), code: 'BH002', says: ['field lockTimeout', 'duration with its unit, such as 3s'] },
  { name: 'lockTimeout without a unit', files: bad({ lockTimeout: '5000' }), code: 'BH002', says: ['field lockTimeout', 'a bare number is ambiguous (PostgreSQL reads one as milliseconds)'] },
  { name: '--lock-timeout without a unit', files: {}, args: ['up', '--lock-timeout', '5000'], code: 'BH025', says: ['--lock-timeout 5000: give a duration with its unit, such as 30s, 5m or 1500ms (0 waits forever): a bare number is ambiguous (5000s or 5000ms?)'] },
  { name: 'owns not an array', files: bad({ owns: 'bad_*' }), code: 'BH002', says: ['field owns', 'expected array'] },
  { name: 'empty migrations path', files: bad({ migrations: '' }), code: 'BH002', says: ['field migrations'] },
  { name: 'manifest that is an array', files: { 'modules/bad/bulkhead.json': '[]' }, code: 'BH002', says: ['modules/bad/bulkhead.json', 'expected object, got an array'] },

  // Environment expansion.
  { name: 'unset variable without default', files: bad({ database: { url: '${BAD_DATABASE_URL}' } }), code: 'BH003', says: ['module bad', 'BAD_DATABASE_URL is not set', 'fix: set BAD_DATABASE_URL'] },
  { name: 'unclosed ${', files: bad({ database: { url: 'postgres://h/${DB_NAME' } }), code: 'BH003', says: ['malformed variable reference ${DB_NAME', 'field database.url', 'closing brace'] },
  { name: 'variable name starting with a digit', files: bad({ database: { url: '${1URL}' } }), code: 'BH003', says: ['malformed variable reference ${1URL}'] },
  { name: "variable holding a secret file's last line break", files: bad({ database: { url: '${BAD_URL}' } }), env: { BAD_URL: 'postgres://u:nl-Secret-7@127.0.0.1:5432/bad\n' }, code: 'BH018', says: ['the value of BAD_URL ends with a line break', 'BAD_URL="$(cat <file>)"'], never: ['nl-Secret-7'] },
  { name: "variable wrapped in an env file's quotes", files: bad({ database: { url: '${BAD_URL:-pglite://memory}' } }), env: { BAD_URL: '"postgres://127.0.0.1:5432/bad"' }, code: 'BH018', says: ['the value of BAD_URL is wrapped in quotes', 'env_file'] },
  { name: 'blank before the URL in the manifest', files: bad({ database: { url: ' pglite://memory' } }), code: 'BH018', says: ['database.url starts with a blank', 'field database.url'] },
  { name: 'empty default of an unset variable', files: bad({ database: { url: '${BAD_URL:-}' } }), code: 'BH003', says: ['BAD_URL is not set and its default is empty', 'field database.url'] },
  { name: 'set-but-empty variable without default', files: bad({ database: { url: '${BAD_URL}' } }), env: { BAD_URL: '' }, code: 'BH003', says: ['environment variable BAD_URL is set but empty (used in database.url)', 'fix: set BAD_URL'] },

  // URLs and secrets.
  { name: 'unsupported scheme', files: bad({ database: { url: 'mysql://u:hunter22@h/db' } }), code: 'BH018', says: ['unsupported URL mysql://u:***@h/db'], never: ['hunter22'] },
  { name: 'URL without a database name', files: bad({ database: { url: 'postgres://u@127.0.0.1:5432' } }), code: 'BH018', says: ['names no database', 'postgres://user@host:5432/<database>'] },
  { name: 'URL with a slash but no database', files: bad({ database: { url: 'postgres://u@127.0.0.1:5432/' } }), code: 'BH018', says: ['names no database'] },
  // A # in the password ends the address: the database looked missing; the password is never shown.
  { name: 'URL whose password holds a # (not percent-encoded)', files: bad({ database: { url: 'postgres://u:p@ss#w0rd@127.0.0.1:5432/x' } }), code: 'BH018', says: ['percent-encode it (# → %23'], never: ['w0rd'] },
  {
    name: "URL naming template1 (what a module made there, every database created after would start with)",
    files: bad({ database: { url: 'postgres://u:hunter2@127.0.0.1:5432/template1' } }),
    code: 'BH018',
    says: ['field database.url', 'names database template1, which the server keeps for itself: template1 is the template every new database is copied from', 'fix: give the module a database of its own, e.g. postgres://u:***@127.0.0.1:5432/bad'],
    never: ['hunter2'],
  },
  { name: 'libpq key=value string', files: bad({ database: { url: 'host=127.0.0.1 dbname=x password=kv-s3cret' } }), code: 'BH018', says: ['libpq key=value string', 'password=***'], never: ['kv-s3cret'] },
  { name: 'not a URL at all', files: bad({ database: { url: 'localhost:5432/db' } }), code: 'BH018', says: ['is not a URL', 'postgres://user@host:5432/db'] },
  { name: 'pglite without a folder', files: bad({ database: { url: 'pglite://' } }), code: 'BH018', says: ['pglite:// needs a folder'] },
  {
    name: 'password with an unencoded @ on an unreachable server',
    files: bad({ database: { url: 'postgres://app:p@ss-w0rd@127.0.0.1:1/db' } }),
    code: 'BH020',
    says: ['cannot connect to postgres://app:***@127.0.0.1:1/db', 'module bad'],
    never: ['p@ss-w0rd', 'ss-w0rd'],
  },
  {
    name: 'password from a variable in a failing connection',
    files: bad({ database: { url: 'postgres://app:${BAD_PW}@127.0.0.1:1/db' } }),
    env: { BAD_PW: 'zq-Secret-9' },
    code: 'BH020',
    says: ['cannot connect'],
    never: ['zq-Secret-9'],
  },
  {
    name: 'PGPASSWORD never printed',
    files: bad({ database: { url: 'postgres://app@127.0.0.1:1/db' } }),
    env: { PGPASSWORD: 'pg-env-Secret' },
    args: ['up', '--json'],
    code: 'BH020',
    says: ['cannot connect'],
    never: ['pg-env-Secret'],
  },

  // Workspace and graph.
  { name: 'two manifests with one name', files: { ...bad({ name: 'good' }, {}, 'other') }, code: 'BH004', says: ['module name good is declared by both', 'rename one'] },
  { name: 'dependsOn an unknown module', files: bad({ dependsOn: ['nope'] }), code: 'BH005', says: ['nope', 'modules/bad/bulkhead.json'] },
  { name: 'depends on itself', files: bad({ dependsOn: ['bad'] }), code: 'BH006', says: ['module bad'] },
  {
    name: 'dependency cycle',
    files: { ...bad({ name: 'alpha', dependsOn: ['beta'] }, {}, 'alpha'), ...bad({ name: 'beta', dependsOn: ['alpha'] }, {}, 'beta') },
    code: 'BH007',
    says: [/alpha → beta → alpha|beta → alpha → beta/],
  },
  { name: 'two modules on one database and schema', files: bad({ database: { url: '${GOOD_URL}' } }), code: 'BH008', says: ['modules bad and good both use database', 'give each module its own database'] },
  {
    name: 'two modules share a history table',
    files: bad({ database: { url: '${GOOD_URL}', schema: 'other' }, historyTable: 'public.good_migrations' }),
    code: 'BH009',
    says: ['share history table public.good_migrations', 'field historyTable'],
  },
  {
    name: 'two modules read one migrations folder',
    files: { 'modules/bad/bulkhead.json': manifest({ migrations: '../good/migrations' }) },
    code: 'BH059',
    says: ['modules bad and good read migrations from one folder, modules/good/migrations', 'field migrations', 'give bad a migrations folder of its own'],
  },
  { name: 'migrations folder missing', files: { 'modules/bad/bulkhead.json': manifest({}) }, code: 'BH010', says: ['migrations folder modules/bad/migrations does not exist'] },
  { name: 'migrations path is a file', files: { 'modules/bad/bulkhead.json': manifest({ migrations: 'schema.sql' }), 'modules/bad/schema.sql': 'SELECT 1;' }, code: 'BH010', says: ['modules/bad/schema.sql is a file, not a folder'] },
  { name: 'embedded database in production', files: bad({}), args: ['up', '--production'], code: 'BH014', says: ['refused in production', 'field database.url'] },
  { name: 'unknown module on the command line', files: {}, args: ['up', 'nope'], code: 'BH015', says: ['unknown module "nope"', 'modules in this workspace: good'] },

  // Migration file names.
  { name: 'SQL file without .up', files: bad({}, { '001_x.sql': 'SELECT 1;' }), code: 'BH011', says: [`${M}/001_x.sql`, 'rename it to 001_x.up.sql'] },
  { name: 'no version', files: bad({}, { 'add_users.up.sql': 'SELECT 1;' }), code: 'BH011', says: ['does not start with a version'] },
  { name: 'upper-case extension', files: bad({}, { '001_x.UP.SQL': 'SELECT 1;' }), code: 'BH038', says: ['001_x.UP.SQL will not run', 'rename it to 001_x.up.sql'] },
  { name: 'mixed-case TS extension', files: bad({}, { '001_x.Ts': 'export async function up() {}' }), code: 'BH038', says: ['001_x.Ts will not run', 'rename it to 001_x.ts'] },
  { name: 'truncated extension', files: bad({}, { '001_x.up.sq': 'SELECT 1;' }), code: 'BH038', says: ['001_x.up.sq looks like a migration but will not run'] },
  { name: 'misspelled direction', files: bad({}, { '001_x.upp.sql': 'SELECT 1;' }), code: 'BH011', says: ['001_x.upp.sql'] },
  { name: 'one id in two formats', files: bad({}, { '001_x.up.sql': 'SELECT 1;', '001_x.ts': 'export async function up() {}' }), code: 'BH012', says: ['defined by more than one file'] },
  {
    name: 'a goose file with both directions',
    files: bad({}, { '20240101120000_users.sql': '-- +goose Up\nCREATE TABLE users (id int);\n\n-- +goose Down\nDROP TABLE users;\n' }),
    code: 'BH011',
    says: [`${M}/20240101120000_users.sql`, 'it holds both directions (-- +goose Up / -- +goose Down): split it into 20240101120000_users.up.sql'],
  },
  {
    name: 'a dbmate file with both directions',
    files: bad({}, { '20240101120000_users.sql': '-- migrate:up\nCREATE TABLE users (id int);\n-- migrate:down\nDROP TABLE users;\n' }),
    code: 'BH011',
    says: ['(-- migrate:up / -- migrate:down): split it into 20240101120000_users.up.sql (the part under "migrate:up") and 20240101120000_users.down.sql'],
  },
  {
    name: "drizzle-kit's folder (<id>.sql, meta/_journal.json)",
    files: bad({}, {
      '0000_brave_thor.sql': 'CREATE TABLE "users" ("id" serial PRIMARY KEY NOT NULL);\n--> statement-breakpoint\nCREATE INDEX "users_id_idx" ON "users" ("id");\n',
      '0001_quiet_hulk.sql': 'ALTER TABLE "users" ADD COLUMN "name" text;',
      '0002_odd_storm.sql': 'ALTER TABLE "users" ADD COLUMN "email" text;',
      'meta/_journal.json': '{"version":"7","dialect":"postgresql","entries":[]}',
    }),
    code: 'BH011',
    says: ['3 SQL migrations of drizzle-kit (meta/_journal.json) are named <id>.sql', 'mv "$f" "${f%.sql}.up.sql"', 'bulkhead baseline bad --at <the last id>'],
  },
  {
    name: 'Liquibase formatted SQL (changesets and --rollback lines)',
    files: bad({}, { '001_a.up.sql': '--liquibase formatted sql\n\n--changeset alice:1\nCREATE TABLE t1 (id int);\n--rollback DROP TABLE t1;\n\n--changeset alice:2\nCREATE TABLE t2 (id int);\n--rollback DROP TABLE t2;\n' }),
    code: 'BH038',
    says: [`${M}/001_a.up.sql`, 'a Liquibase formatted SQL file of 2 changesets (alice:1, alice:2)', 'its --rollback statements in <version>_<name>.down.sql'],
  },
  { name: 'tenant schema with the reserved pg_ prefix', files: bad({ tenants: { kind: 'schema', names: ['acme', 'pg_evil'] } }, { '001_x.up.sql': 'CREATE TABLE x (id int);' }), code: 'BH039', says: ['tenants.names lists tenant pg_evil, a schema name the server keeps for itself', 'fix: name the tenant\'s schema otherwise (e.g. t_evil)'] },
  { name: 'module schema information_schema', files: bad({ database: { url: 'pglite://memory', schema: 'information_schema' } }, { '001_x.up.sql': 'CREATE TABLE x (id int);' }), code: 'BH002', says: ['field database.schema', "information_schema is the system's catalog views"] },
  { name: "migration deleting from its module's history table", files: bad({}, { '001_x.up.sql': 'CREATE TABLE x (id int);', '002_reset.up.sql': 'DELETE FROM bad_migrations;' }), code: 'BH062', says: [`${M}/002_reset.up.sql:1`, "bad writes to public.bad_migrations, its own history table", 'make up apply migrations again'] },
  { name: "Liquibase YAML changelog (Metabase's 000_migrations.yaml)", files: bad({}, { '000_migrations.yaml': 'databaseChangeLog:\n  - changeSet:\n      id: v1\n      author: x\n' }), code: 'BH038', says: ['000_migrations.yaml: Liquibase changelogs', 'adopted with bulkhead baseline'] },
  { name: 'one version twice', files: bad({}, { '001_a.up.sql': 'SELECT 1;', '001_b.up.sql': 'SELECT 1;' }), code: 'BH012', says: ['1 migration shares its version with an earlier one (001_b)', '001_a → 0010…, 001_b → 0011…'] },
  { name: 'down without up', files: bad({}, { '001_x.down.sql': 'SELECT 1;' }), code: 'BH013', says: ['001_x.down.sql has no 001_x.up.sql'] },
  {
    name: 'down paired by version only (golang-migrate)',
    files: bad({}, { '030_add_meta.up.sql': 'SELECT 1;', '030_drop_meta.down.sql': 'SELECT 1;' }),
    code: 'BH013',
    says: ['030_drop_meta.down.sql has no 030_drop_meta.up.sql (030_add_meta.up.sql has its version, and no down file)', 'rename it to 030_add_meta.down.sql'],
  },
  { name: 'unknown directive', files: bad({}, { '001_x.up.sql': 'SELECT 1;\n-- bulkhead:no-transactions\n' }), code: 'BH011', says: [`${M}/001_x.up.sql:2`, 'unknown directive'] },
  {
    name: 'unpadded versions that sort wrongly',
    files: bad({}, { '1_a.up.sql': 'SELECT 1;', '2_b.up.sql': 'SELECT 2;', '10_c.up.sql': 'SELECT 10;' }),
    code: 'BH038',
    says: ['10_c would run before 1_a', 'pad every version to 2 digits'],
  },

  // File contents: encoding and SQL.
  { name: 'Latin-1 byte in an up file', files: bad({}, { '001_x.up.sql': latin1("SELECT 1;\nINSERT INTO t VALUES ('café');\n") }), code: 'BH037', says: [`${M}/001_x.up.sql:2`, 'not valid UTF-8: byte 0xe9 at line 2, column 27', 'iconv'] },
  { name: 'Latin-1 byte at the very start (column 1)', files: bad({}, { '001_x.up.sql': latin1('\u00e9 SELECT 1;\n') }), code: 'BH037', says: [`${M}/001_x.up.sql:1`, 'byte 0xe9 at line 1, column 1 (byte offset 0)'] },
  { name: 'UTF-16 file with a BOM (SQL Server Management Studio)', files: bad({}, { '001_x.up.sql': Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('CREATE TABLE t (id int);\n', 'utf16le')]) }), code: 'BH037', says: [`${M}/001_x.up.sql`, 'the file is UTF-16', 'iconv -f utf-16 -t utf-8'] },
  { name: 'UTF-16 file without a BOM', files: bad({}, { '001_x.up.sql': Buffer.from('CREATE TABLE t (id int);\n', 'utf16le') }), code: 'BH037', says: ['the file is UTF-16'] },
  { name: 'binary data named like a migration (an archive, an image)', files: bad({}, { '001_x.up.sql': Buffer.from(Array.from({ length: 2048 }, (_, i) => (i * 7919 + 13) % 256)) }), code: 'BH037', says: [`${M}/001_x.up.sql`, 'the file is not text (binary data', `file ${M}/001_x.up.sql tells what it is`] },
  { name: 'a Git LFS pointer in place of the migration (LFS content not fetched)', files: bad({}, { '001_x.up.sql': `version https://git-lfs.github.com/spec/v1\noid sha256:${'ab'.repeat(32)}\nsize 1234\n` }), code: 'BH038', says: [`${M}/001_x.up.sql`, 'a Git LFS pointer, not the migration', 'git lfs pull'] },
  { name: 'a git-crypt encrypted migration (repository locked)', files: bad({}, { '001_x.ts': Buffer.concat([Buffer.from('\0GITCRYPT\0', 'latin1'), Buffer.from(Array.from({ length: 200 }, (_, i) => (i * 31 + 7) % 256))]) }), code: 'BH038', says: [`${M}/001_x.ts`, 'encrypted by git-crypt', 'git-crypt unlock'] },
  { name: 'a NUL byte in an up file (everything after it would be dropped)', files: bad({}, { '001_x.up.sql': 'CREATE TABLE a (id int);\n\0CREATE TABLE b (id int);\n' }), code: 'BH061', says: [`${M}/001_x.up.sql:2`, 'a NUL byte at line 2, column 1', "tr -d '\\000'"] },
  { name: 'Latin-1 byte in a down file', files: bad({}, { '001_x.up.sql': 'SELECT 1;', '001_x.down.sql': latin1('-- r\u00e9sum\u00e9\nSELECT 1;') }), code: 'BH037', says: [`${M}/001_x.down.sql:1`, 'byte 0xe9'] },
  { name: 'Latin-1 byte in a TS migration', files: bad({}, { '001_x.ts': latin1("export async function up(knex) { await knex.raw(\"SELECT 'na\u00efve'\"); }\n") }), code: 'BH037', says: [`${M}/001_x.ts:1`] },
  { name: 'syntax error after multibyte text', files: bad({}, { '001_x.up.sql': "-- ééééééé 日本語 🙂🙂\nSELECT 'ü';\n\nSELEC 2;\n" }), code: 'BH033', says: [`${M}/001_x.up.sql:4:1`, 'syntax error at or near "SELEC"'] },
  { name: 'syntax error mid-line after an emoji', files: bad({}, { '001_x.up.sql': "SELECT '🙂🙂', 1 2;\n" }), code: 'BH033', says: [`${M}/001_x.up.sql:1:`, 'syntax error'] },
  { name: 'file with its own BEGIN/COMMIT', files: bad({}, { '001_x.up.sql': 'BEGIN;\nCREATE TABLE t (id int);\nEND;\n' }), code: 'BH016', says: [`${M}/001_x.up.sql:1`, 'BEGIN at line 1, END at line 3: the file manages its own transaction', 'fix: remove those lines'] },
  {
    name: "a BEGIN the file never ends (AppFlowy's template migration): removing it is the fix, not no-transaction",
    files: bad({}, { '001_x.up.sql': 'CREATE TABLE t (id int);\nBEGIN;\nCREATE TABLE u (id int);\n' }),
    code: 'BH016',
    says: [`${M}/001_x.up.sql:2`, `fix: remove that line (Bulkhead commits the migration with its history row) (GNU sed: sed -i '2d' ${M}/001_x.up.sql)\n`],
  },
  { name: 'CONCURRENTLY in a transactional file', files: bad({}, { '001_x.up.sql': 'CREATE TABLE t (id int);\nCREATE INDEX CONCURRENTLY i ON t (id);\n' }), code: 'BH034', says: [`${M}/001_x.up.sql:2`, 'bulkhead:no-transaction'] },
  {
    name: "DROP INDEX CONCURRENTLY of two indexes (convoy's downs), which PostgreSQL refuses",
    files: bad({}, { '001_x.up.sql': '-- bulkhead:no-transaction\nCREATE TABLE t (id int, n int);\nCREATE INDEX CONCURRENTLY i ON t (id);\nCREATE INDEX CONCURRENTLY j ON t (n);\n', '002_y.up.sql': '-- bulkhead:no-transaction\nDROP INDEX CONCURRENTLY IF EXISTS i, j;\n' }),
    code: 'BH069',
    says: [`${M}/002_y.up.sql:2`, 'DROP INDEX CONCURRENTLY at line 2 names 2 indexes, which PostgreSQL refuses', 'fix: write one DROP INDEX CONCURRENTLY per index'],
  },
  {
    name: "CONCURRENTLY under another tool's no-transaction mark (mattermost's morph)",
    files: bad({}, { '001_x.up.sql': '-- morph:nontransactional\nCREATE INDEX CONCURRENTLY IF NOT EXISTS i ON t (id);\n' }),
    code: 'BH034',
    says: [`${M}/001_x.up.sql:2`, "line 1 is morph's mark (-- morph:nontransactional), which Bulkhead does not read: mark the file with -- bulkhead:no-transaction"],
  },

  // TS/JS migrations.
  { name: 'TS syntax error', files: bad({}, { '001_x.ts': "export async function up(knex) {\n  await knex.raw('x'\n}\n" }), code: 'BH017', says: [`${M}/001_x.ts:3:1`, 'syntax error: Expected ")" but found "}"'] },
  { name: 'TS that throws while loading', files: bad({}, { '001_x.ts': "const x = 1;\nthrow new TypeError('config missing');\nexport async function up() {}\n" }), code: 'BH017', says: [`${M}/001_x.ts:2`, 'TypeError: config missing'] },
  {
    name: 'TS importing a package that is not installed',
    files: bad({}, { '001_x.ts': "import { parse } from 'tldts-not-installed/dist';\nexport async function up() {\n  parse('x');\n}\n", '002_y.js': "const x = require('@nope/missing');\nexports.up = async () => {};\n" }),
    code: 'BH017',
    says: ["Cannot find module 'tldts-not-installed/dist'", 'install tldts-not-installed where the migration can resolve it', 'install @nope/missing where'],
  },
  {
    name: "Flyway's per-script configuration beside its migration",
    files: bad({}, { 'V5__index.sql.conf': 'executeInTransaction=false\n', '005_index.up.sql': 'SELECT 1;' }),
    code: 'BH038',
    says: ["V5__index.sql.conf is Flyway's configuration of V5__index.sql, which Bulkhead does not read", 'its executeInTransaction=false is -- bulkhead:no-transaction as the first line of V5__index.sql'],
  },
  {
    name: "gobuffalo/pop's Fizz migrations",
    files: bad({}, { '20191100000001_identities.up.fizz': 'create_table("identities") {\n  t.Column("id", "uuid", {primary: true})\n}\n' }),
    code: 'BH038',
    says: ["another tool's migration that Bulkhead does not run (20191100000001_identities.up.fizz: Fizz migrations are gobuffalo/pop's DSL, not SQL"],
  },
  {
    // uptime-kuma's require("../../extra/rdap-dns.json"), its migrations moved into a module; an ES module's import names the file resolved.
    name: 'JS reading a file by a relative path that is not there',
    files: bad({}, { '001_x.js': "const dns = require('../../extra/rdap-dns.json');\nexports.up = async () => {};\n", '002_y.mjs': "import data from './seed/data.js';\nexport async function up() {}\n" }),
    code: 'BH017',
    says: ['modules/extra/rdap-dns.json, which the migration reads (../../extra/rdap-dns.json, from its own folder), does not exist', `${M}/seed/data.js, which the migration reads, does not exist`],
  },
  {
    name: 'CommonJS migration where package.json says "type": "module"',
    files: { ...bad({}, { '001_x.js': 'exports.up = async () => {};\n' }), 'modules/bad/package.json': '{ "type": "module" }' },
    code: 'BH017',
    says: [`${M}/001_x.js:1:1`, 'exports is not defined in ES module scope', 'rename it to .cjs'],
  },
  { name: 'TS without up', files: bad({}, { '001_x.ts': 'export async function down() {}\n' }), code: 'BH017', says: ['exports no up(knex) function'] },
  {
    name: "TS migration of another convention (medplum's run(client))",
    files: bad({}, { '001_v1.ts': "export async function run(client: any): Promise<void> {\n  await client.query('CREATE TABLE project (id uuid)');\n}\n" }),
    code: 'BH017',
    says: ['modules/bad/migrations/001_v1.ts', 'exports no up(knex) function (it exports run())', 'with a knex instance (knex.raw(sql), knex.schema…), not a driver\'s client'],
  },
  { name: 'JS migration as a default export', files: bad({}, { '001_x.js': 'module.exports = async function (knex) { await knex.raw("SELECT 1"); };\n' }), code: 'BH017', says: ['(it exports a default function)', 'fix: name it: export async function up(knex)'] },
  {
    name: "CommonJS `exports = { up, down }` (backstage's scaffolder migrations): it exports nothing",
    files: { ...bad({}, { '001_x.js': 'async function up(knex) {}\nasync function down(knex) {}\n\nexports = {\n  up,\n  down,\n};\n' }), 'modules/bad/package.json': '{ "type": "commonjs" }' },
    code: 'BH017',
    says: [`${M}/001_x.js:4`, "`exports = { … }` rebinds the file's local exports variable, so the migration exports nothing", 'fix: write module.exports = { … } at line 4'],
  },
  { name: 'TS up defined, never exported', files: bad({}, { '001_x.ts': 'async function up(knex: unknown) {}\nexport async function down() {}\n' }), code: 'BH017', says: [`${M}/001_x.ts:1`, 'the migration defines up (line 1) but does not export it', 'export async function up(knex) (ES module)'] },
  { name: 'TS config of the wrong shape', files: bad({}, { '001_x.ts': "export const config = { transaction: 'no' };\nexport async function up() {}\n" }), code: 'BH017', says: ['export "config" must be { transaction?: boolean }'] },
  { name: 'TS requires not an array', files: bad({}, { '001_x.ts': "export const requires = 'good:001_good';\nexport async function up() {}\n" }), code: 'BH017', says: ['export "requires" must be an array'] },

  // requires.
  { name: 'requires malformed', files: bad({ dependsOn: ['good'] }, { '001_x.up.sql': '-- bulkhead:requires good\nSELECT 1;' }), code: 'BH029', says: ['is not of the form module:migration_id'] },
  {
    name: 'requires a later migration of its own module',
    files: bad({}, { '001_x.up.sql': '-- bulkhead:requires bad:002_y\nSELECT 1;', '002_y.up.sql': '-- bulkhead:requires bad:001_x\nSELECT 2;' }),
    code: 'BH029',
    says: ["001_x requires bad:002_y of its own module, which runs after it: a module's migrations run in version order", 'give 002_y a version before 001_x'],
  },
  { name: 'requires a module not in dependsOn', files: bad({}, { '001_x.up.sql': '-- bulkhead:requires good:001_good\nSELECT 1;' }), code: 'BH029', says: ['good is not in dependsOn', 'add "good" to dependsOn'] },
  { name: 'requires an unknown migration', files: bad({ dependsOn: ['good'] }, { '001_x.up.sql': '-- bulkhead:requires good:999_nope\nSELECT 1;' }), code: 'BH029', says: ['good has no migration 999_nope'] },
  // A per-module call (an Nx task) does not plan good's migrations, but knows their ids: a slip is
  // told as one (not "migrate good first"), and the one meant is named.
  {
    name: 'requires a slip of an id, from a per-module call',
    files: bad({ dependsOn: ['good'] }, { '001_x.up.sql': '-- bulkhead:requires good:001_god\nSELECT 1;' }),
    args: ['up', 'bad'],
    code: 'BH029',
    says: ['001_x requires good:001_god, but good has no migration 001_god', 'did you mean 001_good? check the id against modules/good/migrations'],
    never: ['migrate good first'],
  },

  // Command line.
  { name: '--to an unknown migration', files: {}, args: ['up', 'good', '--to', '999'], code: 'BH026', says: ['--to 999: no migration'] },
  { name: 'unknown flag', files: {}, args: ['up', '--colour'], code: 'BH025', says: ['unknown option --colour for bulkhead up', 'usage: bulkhead up'] },
  { name: '--concurrency 0', files: {}, args: ['up', '--concurrency', '0'], code: 'BH025', says: ['--concurrency 0: give a whole number ≥ 1'] },
  { name: 'bad duration', files: {}, args: ['up', '--statement-lock-timeout', 'soon'], code: 'BH025', says: ['--statement-lock-timeout soon: give a duration'] },
  { name: 'run id that is not a UUID', files: {}, env: { BULKHEAD_RUN_ID: 'release-42' }, code: 'BH025', says: ['BULKHEAD_RUN_ID "release-42" is not a UUID'] },

  // Worth a word, not a refusal: validate says it, exit 0.
  {
    name: "JS migration reading a global the application defines (wiki.js's WIKI), validated",
    files: bad({}, { '001_x.js': "exports.up = async (knex) => { if (WIKI.config.db.type === 'mysql') return; await knex.raw('CREATE TABLE x (id int)'); };\nexports.down = async (knex) => { await knex.raw('DROP TABLE x'); };\n" }),
    args: ['validate'],
    exit: 0,
    code: 'warning',
    says: ['WIKI is not defined (BH048)', 'fix: WIKI is a global the application defines before it runs its migrations'],
  },
  {
    name: "JS migration reading a global the application defines (wiki.js's WIKI), run",
    files: bad({}, { '001_x.js': "exports.up = async (knex) => { if (WIKI.config.db.type === 'mysql') return; await knex.raw('CREATE TABLE x (id int)'); };\nexports.down = async (knex) => { await knex.raw('DROP TABLE x'); };\n" }),
    args: ['up', 'bad'],
    exit: 1,
    says: [`${M}/001_x.js:1`, 'WIKI is not defined', 'fix: WIKI is a global the application defines before it runs its migrations, and Bulkhead runs them on their own'],
  },
  { name: "folders named as migrations holding a tool's data-migration scripts, beside SQL migrations", files: bad({}, { '001_x.up.sql': 'CREATE TABLE x (id int);\n', '002_backfill/migration.ts': 'export const script = { run: async () => {} };\n', '003_cleanup/main.go': 'package main\n' }), args: ['validate'], exit: 0, code: 'warning', says: [`${M}/002_backfill/migration.ts: 2 subfolders named as migrations hold code that Bulkhead does not run (002_backfill/migration.ts, 003_cleanup/main.go)`, 'write each as a knex migration directly in modules/bad/migrations'] },
  { name: "only folders named as migrations holding scripts", files: bad({}, { '002_backfill/migration.ts': 'export const script = {};\n' }), args: ['validate'], code: 'BH038', says: ['1 subfolder named as a migration holds code that Bulkhead does not run (002_backfill/migration.ts)'] },
  { name: 'empty up file', files: bad({}, { '001_x.up.sql': '' }), args: ['validate'], exit: 0, code: 'warning', says: [`${M}/001_x.up.sql`, '001_x.up.sql has no statements (empty)'] },
  { name: 'comment-only up file', files: bad({}, { '001_x.up.sql': '-- nothing yet\n/* later */\n' }), args: ['validate'], exit: 0, code: 'warning', says: ['has no statements (comments only)', 'write its SQL, or delete the file'] },
  {
    name: 'migrations in a subfolder, beside ones that run',
    files: bad({}, { '003_z.up.sql': 'SELECT 1;', 'old/001_x.up.sql': 'SELECT 1;', 'old/002_y.up.sql': 'SELECT 1;' }),
    args: ['validate'],
    exit: 0,
    code: 'warning',
    says: ['subfolder modules/bad/migrations/old holds 2 migration-like files', 'move them into modules/bad/migrations'],
  },
  {
    name: 'migrations only in a subfolder',
    files: bad({}, { 'old/001_x.up.sql': 'SELECT 1;', 'old/002_y.up.sql': 'SELECT 1;' }),
    code: 'BH011',
    says: ['subfolder modules/bad/migrations/old holds 2 migration-like files (001_x.up.sql, 002_y.up.sql); Bulkhead runs only the files directly in modules/bad/migrations, and none runs there: up would say up to date', 'move them into modules/bad/migrations'],
  },

  // A type or function of an extension the database does not have and nothing creates: refused before anything runs, the extension named.
  {
    name: 'uuid_generate_v4() without uuid-ossp',
    files: bad({}, { '001_x.up.sql': 'CREATE TABLE x (id uuid DEFAULT uuid_generate_v4());\n' }),
    code: 'BH070',
    says: [`${M}/001_x.up.sql:1`, '001_x uses uuid_generate_v4(), which comes from the extension uuid-ossp', 'fix: declare it in modules/bad/bulkhead.json: "extensions": ["uuid-ossp"]', 'CREATE EXTENSION IF NOT EXISTS "uuid-ossp"'],
  },
  {
    name: 'database.schema with capitals, and the SQL names it unquoted',
    files: bad({ database: { url: 'pglite://memory', schema: 'Billing' } }, { '001_x.up.sql': 'CREATE TABLE billing.x (id int);\n' }),
    exit: 1,
    says: [`${M}/001_x.up.sql:1`, 'fix: the module\'s database.schema is "Billing" (in modules/bad/bulkhead.json): Bulkhead quotes it', 'write "billing" in the manifest'],
  },
  {
    name: 'an embedded module declaring an extension PGlite does not have (postgis)',
    files: bad({ extensions: ['citext', 'postgis'] }, { '001_x.up.sql': 'CREATE TABLE x (id int);\n' }),
    args: ['validate'],
    code: 'BH049',
    says: ['modules/bad/bulkhead.json, field extensions: extension postgis that module bad declares is not available in the embedded database', 'fix: point this module at a PostgreSQL server that has it'],
  },
  { name: 'a citext column without citext', files: bad({}, { '001_x.up.sql': 'CREATE TABLE x (email citext[] NOT NULL);\n' }), code: 'BH070', says: ['001_x uses type citext, which comes from the extension citext', '"extensions": ["citext"]'] },

  // Hostile names and data: shown escaped, never sent to the terminal as control characters.
  { name: 'an escape sequence in a migration file name', files: bad({}, { '001_a\u001b[2Jcls.up.sql': 'SELECT 1;' }), code: 'BH011', says: ['a file name holds a control character: "001_a\\u001b[2Jcls.up.sql"'], never: ['\u001b'] },
  { name: 'an escape sequence in data a server error quotes', files: bad({}, { '001_x.up.sql': "SELECT E'\\x1b]0;pwned\\x07'::int;\n" }), exit: 1, says: ['bad: ✗ 001_x failed', 'invalid input syntax for type integer: "\\x1b]0;pwned\\x07"'], never: ['\u001b', '\u0007'] },
  { name: 'an sslrootcert file that does not exist', files: bad({ database: { url: 'postgres://app:s3cret@127.0.0.1:5432/app?sslmode=verify-full&sslrootcert=certs/ca.pem' } }), args: ['validate'], code: 'BH018', says: ['sslrootcert certs/ca.pem cannot be read (no such file)', "fix: give sslrootcert the path of the server's CA certificate"], never: ['s3cret'] },

  // Accepted as they are (Windows editors).
  { name: 'BOM in a SQL file', files: bad({}, { '001_x.up.sql': '\uFEFFCREATE TABLE bom_t (id int);\n' }), args: ['validate'], exit: 0, says: ['ok: 2 modules'] },
  { name: 'BOM in a manifest', files: { 'modules/bad/bulkhead.json': `\uFEFF${manifest({})}`, 'modules/bad/migrations/.keep': '' }, args: ['validate'], exit: 0, says: [/ok: 2 modules \(.*\), 1 migration$/m] },
];
