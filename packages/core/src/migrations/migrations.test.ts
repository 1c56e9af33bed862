import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import { checksum } from './checksum.js';
import { parseDirectives } from './directives.js';
import { scanMigrationsFolder } from './files.js';
import { markTemplated, templateExpressions, templateOn } from './templates.js';
import { groupAlike, problem } from '../errors.js';

/**
 * Run the shell command a problem's fix suggests (after "e.g. in <folder>:", up to " — "), in the
 * scanned folder: the command must do what the fix says.
 */
function runFixCommand(p: { fix?: string }, cwd: string): void {
  const command = /e\.g\. in [^:]*?(?: \(bash\))?: (.*?)(?: — .*)?$/.exec(p.fix ?? '')?.[1];
  if (!command) throw new Error(`no command in the fix: ${p.fix}`);
  execFileSync('bash', ['-c', command], { cwd });
}

/** Write files (paths relative to `dir`, in subfolders too). */
function writeTree(dir: string, files: Record<string, string>): void {
  for (const [f, text] of Object.entries(files)) {
    fs.mkdirSync(path.join(dir, path.dirname(f)), { recursive: true });
    fs.writeFileSync(path.join(dir, f), text);
  }
}

describe('checksum', () => {
  it('ignores line endings and a BOM', () => {
    expect(checksum(['a\nb\n'])).toBe(checksum(['\uFEFFa\r\nb\r\n']));
    expect(checksum(['a\nb\n'])).toBe(checksum(['a\rb\r']));
    expect(checksum(['a\nb\n'])).not.toBe(checksum(['a\nb \n']));
  });
  it('covers every file of a migration', () => {
    expect(checksum(['up', 'down'])).not.toBe(checksum(['up', 'down2']));
    expect(checksum(['up', 'down'])).not.toBe(checksum(['up']));
  });
});

describe('parseDirectives', () => {
  it('reads no-transaction, requires, allow, and flags unknown directives with their line', () => {
    const d = parseDirectives('-- bulkhead:no-transaction\n-- bulkhead:requires admin:001_a, storage:002_b\nSELECT 1;\n  --  bulkhead:allow ban-drop-table legacy cleanup\n-- bulkhead:no-transactions\n');
    expect(d.noTransaction).toBe(true);
    expect(d.requires).toEqual(['admin:001_a', 'storage:002_b']);
    expect(d.allow).toEqual([{ rule: 'ban-drop-table', reason: 'legacy cleanup', line: 4 }]);
    expect(d.unknown).toEqual([{ text: '-- bulkhead:no-transactions', line: 5 }]);
    expect(d.foreignNoTransaction).toBeUndefined();
  });

  it("finds other tools' no-transaction marks (it does not obey them)", () => {
    const marks: [string, string][] = [
      ['-- +goose NO TRANSACTION', 'goose'],
      ['-- migrate:up transaction:false', 'dbmate'],
      ['-- morph:nontransactional', 'morph'],
      ['--! no-transaction', 'graphile-migrate'],
      ['-- atlas:txmode none', 'Atlas'],
      ['-- no-transaction', 'sqlx'],
      ['-- postgres-migrations disable-transaction', 'postgres-migrations'],
      ['-- +migrate Up notransaction', 'sql-migrate'],
      ['---- tern: disable-tx ----', 'tern'],
    ];
    for (const [mark, tool] of marks) {
      const d = parseDirectives(`-- a header\n${mark}\nCREATE INDEX CONCURRENTLY i ON t (a);\n`);
      expect(d.foreignNoTransaction, mark).toEqual({ tool, text: mark, line: 2 });
      expect(d.noTransaction).toBe(false);
    }
    // Near misses: a dbmate section that keeps its transaction, a string that mentions a mark.
    expect(parseDirectives('-- migrate:up\nSELECT 1;\n').foreignNoTransaction).toBeUndefined();
    expect(parseDirectives('-- +migrate Up\nSELECT 1;\n').foreignNoTransaction).toBeUndefined();
    expect(parseDirectives("SELECT '-- +goose NO TRANSACTION';\n").foreignNoTransaction).toBeUndefined();
  });
});

describe('scanMigrationsFolder', () => {
  let dir: string;
  /** Every folder a test made (some scan several): all removed after it. */
  const made: string[] = [];
  afterEach(() => {
    for (const d of made.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });
  const newFolder = () => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), 'bh-scan-'));
    made.push(d);
    return d;
  };
  const scan = (files: Record<string, string>) => {
    dir = newFolder();
    for (const [f, c] of Object.entries(files)) fs.writeFileSync(path.join(dir, f), c);
    return scanMigrationsFolder('m', dir, (p) => path.relative(dir, p));
  };
  /** The problems of loading every migration of the scanned folder for up, as each file has them. */
  const prepareFolder = async () => {
    const { prepareMigration } = await import('../runner/prepare.js');
    const problems = [];
    for (const m of scanMigrationsFolder('m', dir, (x) => path.relative(dir, x)).migrations) {
      const p = await prepareMigration('m', m, 'up', (x) => path.relative(dir, x));
      if (!p.ok) problems.push(...p.problems);
    }
    return problems;
  };

  it("SQL files without a version (ThingsBoard's schema-*.sql): two are told each; three or more are one problem, with the baseline way in", () => {
    const two = scan({ 'schema.sql': 'CREATE TABLE a (id int);\n', 'seed.sql': 'INSERT INTO a VALUES (1);\n' });
    expect(two.problems.map((p) => [p.code, p.file])).toEqual([
      ['BH011', 'schema.sql'],
      ['BH011', 'seed.sql'],
    ]);
    const many = scan({ 'schema-entities.sql': 'CREATE TABLE a (id int);\n', 'schema-functions.sql': 'SELECT 1;\n', 'schema-views.sql': 'SELECT 1;\n' });
    expect(many.problems.map((p) => [p.code, p.message])).toEqual([
      ['BH011', '3 SQL files have no version (schema-entities.sql, schema-functions.sql, schema-views.sql): Bulkhead runs a sequence of <version>_<name>.up.sql files, and these are not one'],
    ]);
    expect(many.problems[0]!.fix).toContain('make them the first migration, in the order the application loads them (cat first.sql second.sql … > 0001_baseline.up.sql, then move them out)');
  });

  it("an extension's install and upgrade scripts (pgmq's) are told as such: the full script first, the upgrades moved out, or the extension declared", () => {
    const files = { 'pgmq.sql': 'CREATE SCHEMA pgmq;\nCREATE TABLE pgmq.meta (queue_name text);\n', 'pgmq--1.4.5--1.5.0.sql': 'SELECT 1;\n', 'pgmq--1.5.0--1.5.1.sql': 'SELECT 1;\n', 'seed.sql': 'SELECT 1;\n' };
    const r = scan(files);
    expect(r.problems.map((p) => [p.code, p.file, p.message])).toEqual([
      ['BH011', '', "3 SQL files are the install and upgrade scripts of extension pgmq (pgmq--1.4.5--1.5.0.sql, pgmq--1.5.0--1.5.1.sql, pgmq.sql), which PostgreSQL's CREATE EXTENSION and ALTER EXTENSION … UPDATE run: Bulkhead runs a sequence of <version>_<name>.up.sql files, and these are not one"],
      // What is not the extension's is told as before.
      ['BH011', 'seed.sql', expect.stringContaining('seed.sql')],
    ]);
    runFixCommand(r.problems[0]!, dir);
    fs.rmSync(path.join(dir, 'seed.sql'));
    const again = scanMigrationsFolder('m', dir, (p) => path.relative(dir, p));
    expect(again.problems).toEqual([]);
    expect(again.migrations.map((m) => m.id)).toEqual(['0001_pgmq']);
    expect(fs.readdirSync(path.join(dir, '.extension-scripts')).sort()).toEqual(['pgmq--1.4.5--1.5.0.sql', 'pgmq--1.5.0--1.5.1.sql']);
    // Without a full script, the install script of the latest version is the first migration.
    const versions = scan({ 'ext--1.0.sql': 'SELECT 1;\n', 'ext--1.10.sql': 'SELECT 2;\n', 'ext--1.0--1.9.sql': 'SELECT 3;\n', 'ext--1.9--1.10.sql': 'SELECT 4;\n' });
    expect(versions.problems[0]!.fix).toContain('make its full script (ext--1.10.sql) the first migration');
    runFixCommand(versions.problems[0]!, dir);
    expect(fs.readFileSync(path.join(dir, '0001_ext.up.sql'), 'utf8')).toBe('SELECT 2;\n');
  });

  it("drizzle-kit's files its journal does not list, and the journal's migrations without a file, are told", () => {
    dir = newFolder();
    fs.mkdirSync(path.join(dir, 'meta'));
    const journal = { version: '7', dialect: 'postgresql', entries: ['0000_init', '0001_users', '0002_gone'].map((tag, idx) => ({ idx, tag, when: 1700000000000 + idx, breakpoints: true })) };
    fs.writeFileSync(path.join(dir, 'meta', '_journal.json'), JSON.stringify(journal));
    for (const f of ['0000_init.up.sql', '0001_users.up.sql', '0001_leftover.up.sql']) fs.writeFileSync(path.join(dir, f), 'SELECT 1;\n');
    const r = scanMigrationsFolder('m', dir, (p) => path.relative(dir, p));
    expect(r.warnings.map((w) => [w.code, w.file, w.message])).toEqual([
      ['BH038', path.join('meta', '_journal.json'), "the folder has 1 SQL file that drizzle-kit's journal (meta/_journal.json) does not list, so drizzle-kit never ran it, but Bulkhead would (0001_leftover.up.sql); and 1 migration the journal lists without its file (0002_gone)"],
    ]);
    // All listed, all there: nothing to say.
    fs.rmSync(path.join(dir, '0001_leftover.up.sql'));
    fs.writeFileSync(path.join(dir, '0002_gone.up.sql'), 'SELECT 1;\n');
    expect(scanMigrationsFolder('m', dir, (p) => path.relative(dir, p)).warnings).toEqual([]);
  });

  it('orders by file name and pairs SQL files; mixes formats; ignores docs and .d.ts', () => {
    const r = scan({
      '002_b.ts': 'export async function up() {}',
      '001_a.up.sql': 'SELECT 1;',
      '001_a.down.sql': '',
      '003_c.cjs': 'exports.up = async () => {};',
      'README.md': '# notes',
      '.gitkeep': '',
      'types.d.ts': 'export {}',
    });
    expect(r.problems).toEqual([]);
    expect(r.migrations.map((m) => [m.id, m.format, m.version, m.name, m.downPath !== undefined])).toEqual([
      ['001_a', 'sql', '001', 'a', true],
      ['002_b', 'js', '002', 'b', false],
      ['003_c', 'js', '003', 'c', false],
    ]);
  });

  it('reports a missing folder with the fix', () => {
    const r = scanMigrationsFolder('m', '/nonexistent/bh/migrations', (p) => p);
    expect(r.problems[0]).toMatchObject({ code: 'BH010', module: 'm' });
  });

  it('a date written with separators is one version (knex/diesel/Laravel-style names), not its year', () => {
    const r = scan({
      '2023-08-16-0000-create-uptime.up.sql': '',
      '2023-08-18-0301-heartbeat.up.sql': '',
      '2023-09-29-0000-heartbeat-retries.up.sql': '',
      '2019-12-20-191248_add_x.up.sql': '',
      '2014_10_12_000000_create_users_table.up.sql': '',
      '2014_10_12_100000_create_password_resets_table.up.sql': '',
    });
    expect(r.problems).toEqual([]);
    expect(r.migrations.map((m) => [m.version, m.name])).toEqual([
      ['2014_10_12_000000', 'create_users_table'],
      ['2014_10_12_100000', 'create_password_resets_table'],
      ['2019-12-20-191248', 'add_x'],
      ['2023-08-16-0000', 'create-uptime'],
      ['2023-08-18-0301', 'heartbeat'],
      ['2023-09-29-0000', 'heartbeat-retries'],
    ]);
    // A dated version with a typo reads as its year: named, with the fix.
    const typo = scan({ '2023-08-16-0000-a.up.sql': '', '2024-10-1315-b.up.sql': '', '2025-01-01-0000-c.up.sql': '' });
    expect(typo.problems).toEqual([
      expect.objectContaining({
        code: 'BH038',
        // The odd one is named (not the first file, whose date is right).
        message: "versions written in different forms sort wrongly: 2024-10-1315-b's version reads as 2024, lower than 2023-08-16-0000-a's, yet its file name sorts after it (file names sort as text)",
        file: '2024-10-1315-b.up.sql',
        fix: "write 2024-10-1315-b's version as the others are written (e.g. 2023-08-16-0000_…): it reads as version 2024",
      }),
    ]);
    // Two forms mixed (crates.io's diesel set): they sort apart as text.
    const mixed = scan({ '20170102131034_dumped.up.sql': '', '2017-08-31-230457_invitations.up.sql': '', '20170901000000_more.up.sql': '' });
    expect(mixed.problems).toEqual([
      expect.objectContaining({ code: 'BH038', fix: 'write every version in one form: file names sort as text, and "-" sorts before digits (e.g. rename 2017-08-31-230457_invitations to 20170831230457_invitations)' }),
    ]);
    // Timestamps of different precision (ory's 20 digits, one of 14 made later) sort as they read.
    const ory = scan({ '20150101000001000000_networks.up.sql': '', '20190100000001000000_client.up.sql': '', '20261205101559_add.up.sql': '' });
    expect(ory.problems).toEqual([]);
    expect(ory.migrations.map((m) => m.id)).toEqual(['20150101000001000000_networks', '20190100000001000000_client', '20261205101559_add']);
    // Groups after the time are part of the version (diesel reads up to the first underscore).
    expect(scan({ '2026-05-27-120000-0000_a.up.sql': '', '2026-05-27-120000_b.up.sql': '' }).problems).toEqual([]);
    // A number after a sequence's dash is part of the name (0012-2fa…), not a date.
    expect(scan({ '0012-2fa-setup.up.sql': '' }).migrations[0]).toMatchObject({ version: '0012', name: '2fa-setup' });
  });

  it("versions of different widths (supabase/storage's 00010 among 0002…) are one problem whose command pads them, downs included", () => {
    const r = scan({ '0001-init.up.sql': 'CREATE TABLE a (id int);\n', '00010-search.up.sql': 'SELECT 1;\n', '0002-schema.up.sql': 'SELECT 2;\n', '0002-schema.down.sql': 'SELECT 3;\n' });
    const p = r.problems.find((x) => x.code === 'BH038')!;
    expect(p.message).toContain('00010-search would run before 0002-schema');
    expect(p.fix).toContain('pad every version to 5 digits (0002 becomes 00002), e.g. in');
    runFixCommand(p, dir);
    expect(fs.readdirSync(dir).sort()).toEqual(['00001-init.up.sql', '00002-schema.down.sql', '00002-schema.up.sql', '00010-search.up.sql']);
    const again = scanMigrationsFolder('m', dir, (x) => path.relative(dir, x));
    expect(again.problems).toEqual([]);
    expect(again.migrations.map((m) => m.id)).toEqual(['00001-init', '00002-schema', '00010-search']);
  });

  it("a date alone among timestamps (langfuse's 20250625_…) is that day's midnight: it sorts where its name does", () => {
    const r = scan({ '20230518191501_init.up.sql': '', '20250624101010_b.up.sql': '', '20250625_pivot.up.sql': '', '20250701093000_c.up.sql': '' });
    expect(r.problems).toEqual([]);
    expect(r.migrations.map((m) => m.id)).toEqual(['20230518191501_init', '20250624101010_b', '20250625_pivot', '20250701093000_c']);
  });

  it("a migration's test beside it (joplin's 20220131185922_x.test.ts), there or in a subfolder, is not a migration", () => {
    scan({ '20220131185922_x.ts': 'export async function up() {}\n', '20220131185922_x.test.ts': "import { up } from './20220131185922_x';\n" });
    fs.mkdirSync(path.join(dir, 'tests'));
    fs.writeFileSync(path.join(dir, 'tests', '20220131185922_x.spec.js'), '');
    const r = scanMigrationsFolder('m', dir, (p) => path.relative(dir, p));
    expect(r.problems).toEqual([]);
    expect(r.warnings).toEqual([]);
    expect(r.migrations.map((m) => m.id)).toEqual(['20220131185922_x']);
  });

  it("a timestamp whose month is no month (joplin's 20203012152842) still sorts among timestamps as its name does", () => {
    const r = scan({ '20190913171451_create.up.sql': '', '20203012152842_notifications.up.sql': '', '20210201143859_app_share.up.sql': '', '20150101000001000000_ory.up.sql': '' });
    expect(r.problems).toEqual([]);
    expect(r.migrations.map((m) => m.id)).toEqual(['20150101000001000000_ory', '20190913171451_create', '20203012152842_notifications', '20210201143859_app_share']);
  });

  it("timestamps used three or more times (langfuse's Prisma set) are one problem whose command renumbers them in order, a neighbour pushed on", () => {
    const r = scan({
      '20240512155021_a.up.sql': '',
      '20240512155021_b.up.sql': '',
      '20240512155021_b.down.sql': '',
      '20240512155022_c.up.sql': '',
      '20240528214728_d1.up.sql': '',
      '20240528214728_d2.up.sql': '',
      '20240528214728_d3.up.sql': '',
      '20240603212024_e.up.sql': '',
    });
    const shared = r.problems.filter((p) => p.code === 'BH012');
    expect(shared).toHaveLength(1);
    expect(shared[0]!.message).toBe('3 migrations share their version with an earlier one (20240512155021_b, 20240528214728_d2, 20240528214728_d3): versions must be unique');
    runFixCommand(shared[0]!, dir);
    const again = scanMigrationsFolder('m', dir, (x) => path.relative(dir, x));
    expect(again.problems).toEqual([]);
    expect(again.migrations.map((m) => m.id)).toEqual(['20240512155021_a', '20240512155022_b', '20240512155023_c', '20240528214728_d1', '20240528214729_d2', '20240528214730_d3', '20240603212024_e']);
    expect(fs.existsSync(path.join(dir, '20240512155022_b.down.sql'))).toBe(true);
  });

  it("a short sequence with groups under one number (penpot's 0105-mod-file-change-table and 0105-mod-server-error-report-table, a 0122 of three) is one problem, its command widening every version", () => {
    const r = scan({
      '0104-a.up.sql': 'SELECT 1;',
      '0105-mod-file-change-table.up.sql': 'SELECT 1;',
      '0105-mod-server-error-report-table.up.sql': 'SELECT 1;',
      '0105-mod-server-error-report-table.down.sql': 'SELECT 1;',
      '0122-mod-file-data-fragment-table.up.sql': 'SELECT 1;',
      '0122-mod-file-fragment-table.up.sql': 'SELECT 1;',
      '0122-mod-file-table.up.sql': 'SELECT 1;',
      '0123-b.up.sql': 'SELECT 1;',
    });
    const shared = r.problems.filter((p) => p.code === 'BH012');
    expect(shared.map((p) => p.message)).toEqual([
      '3 migrations share their version with an earlier one (0105-mod-server-error-report-table, 0122-mod-file-fragment-table, 0122-mod-file-table): versions must be unique, and in a short sequence no later number is free',
    ]);
    // The rest are shown by one alone under its version (it showed the first migration, which may be in a group: gitness' 0000_create_extension_btree).
    expect(shared[0]!.fix).toContain('(0105-mod-file-change-table → 01050…, 0105-mod-server-error-report-table → 01051…; each other one as 0104-a → 01040…)');
    runFixCommand(shared[0]!, dir);
    const again = scanMigrationsFolder('m', dir, (x) => path.relative(dir, x));
    expect(again.problems).toEqual([]);
    expect(again.migrations.map((m) => m.id)).toEqual([
      '01040-a',
      '01050-mod-file-change-table',
      '01051-mod-server-error-report-table',
      '01220-mod-file-data-fragment-table',
      '01221-mod-file-fragment-table',
      '01222-mod-file-table',
      '01230-b',
    ]);
    expect(fs.existsSync(path.join(dir, '01051-mod-server-error-report-table.down.sql'))).toBe(true);
    const first = scan({ '0000_a.up.sql': 'SELECT 1;', '0000_b.up.sql': 'SELECT 1;', '0001_c.up.sql': 'SELECT 1;' });
    expect(first.problems[0]!.fix).toContain('(0000_a → 00000…, 0000_b → 00001…; each other one as 0001_c → 00010…)');
    const allGrouped = scan({ '0000_a.up.sql': 'SELECT 1;', '0000_b.up.sql': 'SELECT 1;' });
    expect(allGrouped.problems[0]!.fix).toContain('(0000_a → 00000…, 0000_b → 00001…)');
  });

  it("Kysely's ISO timestamps (atproto's 20231219T205730722Z-init.ts) are told to drop the T and Z, and its index.ts and MigrationProvider are passed over", () => {
    const r = scan({
      '20250211T003647759Z-add-reporter-stats-index.ts': "import { Kysely } from 'kysely'\nexport async function up(db: Kysely<unknown>) {}\n",
      '20250211T132135150Z-moderation-event.ts': "import { Kysely } from 'kysely'\nexport async function up(db: Kysely<unknown>) {}\n",
      '20260219T165302248Z-moderator-assignment.up.sql': 'SELECT 1;',
      'index.ts': "// appended to by migration:create\nexport * as _20250211T003647759Z from './20250211T003647759Z-add-reporter-stats-index.js'\n",
      'provider.ts': "import type { Migration, MigrationProvider } from 'kysely/migration'\nexport class CtxMigrationProvider implements MigrationProvider {}\n",
    });
    const shared = r.problems.filter((p) => p.code === 'BH012');
    expect(shared.map((p) => p.message)).toEqual([
      "1 migration shares its version with an earlier one (20250211T132135150Z-moderation-event): in an ISO timestamp (20250211T132135150Z, as Kysely's migrations are often named) the version is the leading digits, the day alone",
    ]);
    expect(r.problems.filter((p) => p.code === 'BH011')).toEqual([]);
    runFixCommand(shared[0]!, dir);
    expect(fs.readdirSync(dir).sort()).toEqual(['20250211003647759_add-reporter-stats-index.ts', '20250211132135150_moderation-event.ts', '20260219165302248_moderator-assignment.up.sql', 'index.ts', 'provider.ts']);
    expect(scanMigrationsFolder('m', dir, (x) => path.relative(dir, x)).problems.filter((p) => p.code === 'BH012')).toEqual([]);
  });

  it("Directus' day-and-letter versions (20201029A-, 20201029B-) are told to fold the letter into the version, keeping the order", () => {
    const js = 'export async function up() {}\nexport async function down() {}\n';
    const r = scan({ '20201028A-remove-foreign-keys.js': js, '20201029A-remove-system-relations.js': js, '20201029B-remove-system-collections.js': js, '20201105A-add-cascade.js': js });
    const shared = r.problems.filter((p) => p.code === 'BH012');
    expect(shared.map((p) => p.message)).toEqual([
      "1 migration shares its version with an earlier one (20201029B-remove-system-collections): the letter after a version (20201029B-, as Directus names a day's migrations) is not part of it; a version is the leading digits",
    ]);
    expect(shared[0]!.fix).toContain('fold the letter into the version as two digits (20201029B- → 2020102902-)');
    runFixCommand(shared[0]!, dir);
    const again = scanMigrationsFolder('m', dir, (x) => path.relative(dir, x));
    expect(again.problems).toEqual([]);
    expect(again.migrations.map((m) => m.id)).toEqual(['2020102801-remove-foreign-keys', '2020102901-remove-system-relations', '2020102902-remove-system-collections', '2020110501-add-cascade']);
  });

  it('a symbolic link to a migration file is that migration; a link to nothing is an error, not a migration passed over', () => {
    const shared = fs.mkdtempSync(path.join(os.tmpdir(), 'bh-shared-'));
    onTestFinished(() => fs.rmSync(shared, { recursive: true, force: true }));
    fs.writeFileSync(path.join(shared, 'extensions.sql'), 'CREATE EXTENSION IF NOT EXISTS pgcrypto;\n');
    const r = scan({ '002_own.up.sql': 'CREATE TABLE own (id int);\n' });
    fs.symlinkSync(path.join(shared, 'extensions.sql'), path.join(dir, '001_extensions.up.sql'));
    fs.symlinkSync(path.join(shared, 'gone.sql'), path.join(dir, '003_gone.up.sql'));
    fs.symlinkSync('..', path.join(dir, 'parent'));
    fs.symlinkSync('004_loop.up.sql', path.join(dir, '004_loop.up.sql'));
    expect(r.migrations.map((m) => m.id)).toEqual(['002_own']);
    const again = scanMigrationsFolder('m', dir, (x) => path.relative(dir, x));
    expect(again.migrations.map((m) => m.id)).toEqual(['001_extensions', '002_own']);
    expect(again.migrations[0]!.sql!.up).toContain('pgcrypto');
    expect(again.problems).toEqual([
      expect.objectContaining({ code: 'BH038', file: '003_gone.up.sql', message: `003_gone.up.sql is a symbolic link to ${path.join(shared, 'gone.sql')}, which does not exist: it cannot run` }),
      expect.objectContaining({ code: 'BH038', file: '004_loop.up.sql', message: '004_loop.up.sql is a symbolic link to 004_loop.up.sql, which leads back to itself (a loop of links): it cannot run' }),
    ]);
    expect(again.warnings).toEqual([]);
  });

  it("files carrying another tool's no-transaction mark that need it are one problem whose sed puts Bulkhead's mark in its place", async () => {
    const mark = '-- postgres-migrations disable-transaction';
    scan({
      '0028-sorting.up.sql': `${mark}\n-- postgres-migrations ignore\nCREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS idx_a ON a (name);\n`,
      '0031-level.up.sql': `${mark}\nCREATE INDEX CONCURRENTLY IF NOT EXISTS idx_b ON a (level);\n`,
      '0032-plain.up.sql': 'CREATE TABLE c (id int);\n',
    });
    const prepareAll = async () => groupAlike(await prepareFolder());
    const grouped = await prepareAll();
    expect(grouped).toEqual([
      expect.objectContaining({
        code: 'BH034',
        file: '.',
        message: `2 migrations carry postgres-migrations' no-transaction mark (${mark}), which Bulkhead does not read, and run statements that cannot run inside a transaction (0028-sorting.up.sql, 0031-level.up.sql)`,
      }),
    ]);
    runFixCommand(grouped[0]!, dir);
    expect(await prepareAll()).toEqual([]);
    expect(fs.readFileSync(path.join(dir, '0031-level.up.sql'), 'utf8')).toBe('-- bulkhead:no-transaction\nCREATE INDEX CONCURRENTLY IF NOT EXISTS idx_b ON a (level);\n');
  });

  it("files that need no-transaction, or wrap themselves in BEGIN … COMMIT (a Prisma folder), are told once where problems print, with the commands that fix them", async () => {
    scan({
      '001_a.up.sql': 'CREATE INDEX CONCURRENTLY a_x ON a (x);\n',
      '002_b.up.sql': '-- drop\nDROP INDEX CONCURRENTLY b_x;\n',
      '003_enum.up.sql': '-- AlterEnum\nBEGIN;\nCREATE TYPE e2 AS ENUM (\'x\');\nCOMMIT;\n\nALTER TABLE a ADD COLUMN y int;\n',
      '004_fill.up.sql': 'BEGIN;\nSET TRANSACTION ISOLATION LEVEL REPEATABLE READ;\nINSERT INTO a SELECT 1;\nCOMMIT;\n',
    });
    const prepareAll = prepareFolder;
    const problems = await prepareAll();
    // --json keeps each file's problem, with its line; text tells each kind once.
    expect(groupAlike(problems).map((p) => [p.code, p.file, p.line])).toEqual([['BH034', '001_a.up.sql', 1], ['BH034', '002_b.up.sql', 2], ['BH016', '003_enum.up.sql', 2], ['BH016', '004_fill.up.sql', 1]]);
    const told = groupAlike(problems, { text: true });
    expect(told.map((p) => p.message)).toEqual([
      '2 migrations run CREATE INDEX CONCURRENTLY, DROP INDEX CONCURRENTLY, which cannot run inside a transaction, and Bulkhead runs each file in one (001_a.up.sql:1, 002_b.up.sql:2)',
      '2 migrations manage their own transaction (BEGIN … COMMIT), but Bulkhead wraps each migration in one (003_enum.up.sql, 004_fill.up.sql)',
    ]);
    for (const p of told) runFixCommand(p, dir);
    expect(await prepareAll()).toEqual([]);
    expect(fs.readFileSync(path.join(dir, '002_b.up.sql'), 'utf8')).toBe('-- bulkhead:no-transaction\n-- drop\nDROP INDEX CONCURRENTLY b_x;\n');
    expect(fs.readFileSync(path.join(dir, '003_enum.up.sql'), 'utf8')).toBe("-- AlterEnum\nCREATE TYPE e2 AS ENUM ('x');\n\nALTER TABLE a ADD COLUMN y int;\n");
    // A transaction command sharing its line with a statement is not deleted: no command then.
    scan({ '001_a.up.sql': 'BEGIN; CREATE TABLE a (id int);\nCOMMIT;\n', '002_b.up.sql': 'BEGIN;\nCREATE TABLE b (id int);\nCOMMIT;\n' });
    const shared = groupAlike(await prepareAll(), { text: true });
    expect(shared).toHaveLength(1);
    expect(shared[0]!.fix).toBe('remove those lines (Bulkhead commits each migration with its history row, in one transaction) — or mark a file with -- bulkhead:no-transaction to keep its own transactions');
  });

  it("a file that ends its tool's transaction to run CONCURRENTLY (nakama's COMMIT; … BEGIN;) is told to be marked no-transaction with that transaction written out, not to lose the lines", async () => {
    scan({
      '001_acl.up.sql': 'ALTER TABLE a ADD COLUMN acl jsonb;\n-- for CockroachDB\nCOMMIT;\nBEGIN;\nUPDATE a SET acl = \'{}\';\n',
      '002_idx.up.sql': 'CREATE EXTENSION IF NOT EXISTS pg_trgm;\n\nCOMMIT;\nCREATE INDEX CONCURRENTLY IF NOT EXISTS a_acl ON a (acl);\nBEGIN;\n',
      '003_own.up.sql': 'BEGIN;\nUPDATE a SET acl = NULL;\nCOMMIT;\nCREATE INDEX CONCURRENTLY a_x ON a (x);\n',
    });
    const problems = await prepareFolder();
    expect(problems.map((p) => [p.file, p.fix])).toEqual([
      // Its last BEGIN is never ended: marked no-transaction, it would stay open.
      ['001_acl.up.sql', "remove those lines (Bulkhead commits the migration with its history row) (GNU sed: sed -i '3d;4d' 001_acl.up.sql)"],
      ['002_idx.up.sql', "CREATE INDEX CONCURRENTLY at line 4 cannot run inside a transaction, and the file's COMMIT at line 3 ends the one its tool ran it in: mark the file with -- bulkhead:no-transaction and write that transaction out, BEGIN; as its first statement and COMMIT; as its last (GNU sed: sed -i -e '1i -- bulkhead:no-transaction' -e '1i BEGIN;' -e '$a COMMIT;' 002_idx.up.sql)"],
      ['003_own.up.sql', 'CREATE INDEX CONCURRENTLY at line 4 cannot run inside a transaction: mark the file with -- bulkhead:no-transaction, which keeps its own BEGIN … COMMIT'],
    ]);
    const told = groupAlike(problems, { text: true });
    expect(told).toHaveLength(1);
    expect(told[0]!.fix).toContain('002_idx.up.sql runs CREATE INDEX CONCURRENTLY (line 4), which cannot run inside a transaction: mark it with -- bulkhead:no-transaction and write out the transaction its tool ran it in');
    runFixCommand(told[0]!, dir);
    expect(await prepareFolder()).toEqual([]);
    expect(fs.readFileSync(path.join(dir, '001_acl.up.sql'), 'utf8')).toBe("ALTER TABLE a ADD COLUMN acl jsonb;\n-- for CockroachDB\nUPDATE a SET acl = '{}';\n");
    expect(fs.readFileSync(path.join(dir, '002_idx.up.sql'), 'utf8')).toBe('-- bulkhead:no-transaction\nBEGIN;\nCREATE EXTENSION IF NOT EXISTS pg_trgm;\n\nCOMMIT;\nCREATE INDEX CONCURRENTLY IF NOT EXISTS a_acl ON a (acl);\nBEGIN;\nCOMMIT;\n');
    expect(fs.readFileSync(path.join(dir, '003_own.up.sql'), 'utf8')).toBe('-- bulkhead:no-transaction\nBEGIN;\nUPDATE a SET acl = NULL;\nCOMMIT;\nCREATE INDEX CONCURRENTLY a_x ON a (x);\n');
    // When every file of the group needs the mark, nothing is told to be removed.
    scan({ '001_a.up.sql': 'COMMIT;\nCREATE INDEX CONCURRENTLY a_1 ON a (x);\nBEGIN;\n', '002_b.up.sql': 'COMMIT;\nCREATE INDEX CONCURRENTLY b_1 ON b (x);\nBEGIN;\n' });
    const marks = groupAlike(await prepareFolder(), { text: true });
    expect(marks[0]!.fix).toMatch(/^001_a\.up\.sql runs CREATE INDEX CONCURRENTLY \(line 2\), which cannot run inside a transaction: mark it with -- bulkhead:no-transaction and write out the transaction its tool ran it in \(BEGIN; first, COMMIT; last\); 002_b\.up\.sql runs .*, e\.g\. in \S* ?\(GNU sed\): sed -i -e '1i -- bulkhead:no-transaction' -e '1i BEGIN;' -e '\$a COMMIT;' 001_a\.up\.sql && /);
  });

  it('a BEGIN with options is told to become SET TRANSACTION with them, so removing it keeps the isolation', async () => {
    scan({ '001_fill.up.sql': 'BEGIN ISOLATION LEVEL SERIALIZABLE READ ONLY;\nSELECT 1;\nCOMMIT;\n' });
    expect((await prepareFolder())[0]!.fix).toBe("remove those lines (Bulkhead commits the migration with its history row), writing what the BEGIN asked for as the file's first statement: SET TRANSACTION ISOLATION LEVEL SERIALIZABLE READ ONLY, or mark the file with -- bulkhead:no-transaction");
  });

  it("a down whose up is code of another tool (concourse's .up.go) is told so, not to add an up", () => {
    const r = scan({ '1510262030_init.up.sql': 'CREATE TABLE a (id int);\n', '1522178770_add_job_tags.up.go': 'package migrations\n', '1522178770_add_job_tags.down.sql': 'ALTER TABLE a DROP COLUMN tags;\n' });
    expect(r.problems).toEqual([
      expect.objectContaining({
        code: 'BH013',
        message: '1522178770_add_job_tags.down.sql has no 1522178770_add_job_tags.up.sql (its up, 1522178770_add_job_tags.up.go, is code Bulkhead does not run: goose and golang code migrations are Go)',
        fix: expect.stringContaining('write what 1522178770_add_job_tags.up.go does as 1522178770_add_job_tags.up.sql'),
      }),
    ]);
  });

  it('reports duplicate versions', () => {
    const r = scan({ '001_a.up.sql': '', '001_b.up.sql': '' });
    expect(r.problems).toEqual([
      expect.objectContaining({ code: 'BH012', message: '1 migration shares its version with an earlier one (001_b): versions must be unique, and in a short sequence no later number is free', fix: expect.stringContaining('give every version one digit more, the migrations of a version numbered in name order (001_a → 0010…, 001_b → 0011…') }),
    ]);
    // Two timestamps alike (two branches merged): the second one gets a later timestamp.
    // Its files renamed, down too, the rest of each name as it was (nakama's `-`), past a version taken.
    const t = scan({ '20250101120000-a.up.sql': '', '20250101120000-b.up.sql': '', '20250101120000-b.down.sql': '', '20250101120001-c.up.sql': '' });
    expect(t.problems[0]!.fix).toMatch(
      /^give 20250101120000-b a later version \(the ids change: rename before a database has applied it\), e\.g\. in .*: mv 20250101120000-b\.up\.sql 20250101120002-b\.up\.sql && mv 20250101120000-b\.down\.sql 20250101120002-b\.down\.sql — bulkhead make generates timestamps for new ones$/,
    );
    const d = scan({ '2026-01-05-0000-add-rss-title.up.sql': '', '2026-01-05-0000-add-tls-monitor.up.sql': '' });
    expect(d.problems[0]!.fix).toContain('mv 2026-01-05-0000-add-tls-monitor.up.sql 2026-01-05-0001-add-tls-monitor.up.sql');
    // Seconds since 1970 (golang-migrate's default, concourse's): the next second.
    const unix = scan({ '1626194317_add_job_pauses_table.up.sql': '', '1626194317_add_pipeline_pauses_table.up.sql': '' });
    expect(unix.problems[0]!.fix).toContain('mv 1626194317_add_pipeline_pauses_table.up.sql 1626194318_add_pipeline_pauses_table.up.sql');
  });

  it("another tool's file of both directions, renamed .up.sql, is refused: its down section would run with the up", () => {
    const r = scan({
      '001_dbmate.up.sql': '-- migrate:up\nCREATE TABLE t (id int);\n\n-- migrate:down\nDROP TABLE t;\n',
      '002_goose.up.sql': '-- +goose Up\nCREATE TABLE u (id int);\n-- +goose Down\nDROP TABLE u;\n',
      '003_sqlmigrate.up.sql': 'CREATE TABLE v (id int);\n',
      '003_sqlmigrate.down.sql': '-- +migrate Up\nCREATE TABLE v (id int);\n-- +migrate Down\nDROP TABLE v;\n',
      '004_fine.up.sql': '-- +goose Up\n-- migrate:downtime is a column name, not a marker\nCREATE TABLE w (id int);\n',
    });
    expect(r.problems.map((p) => [p.code, p.file, p.line, p.message, p.fix])).toEqual([
      ['BH038', '001_dbmate.up.sql', 4, '"-- migrate:down" at line 4: what follows is another tool\'s down section, and Bulkhead would run it as part of the up', 'move the statements under it to 001_dbmate.down.sql, and delete the marker lines'],
      ['BH038', '002_goose.up.sql', 3, '"-- +goose Down" at line 3: what follows is another tool\'s down section, and Bulkhead would run it as part of the up', 'move the statements under it to 002_goose.down.sql, and delete the marker lines'],
      ['BH038', '003_sqlmigrate.down.sql', 1, '"-- +migrate Up" at line 1: what follows is another tool\'s up section, and Bulkhead would run it as part of the down', 'move the statements under it to 003_sqlmigrate.up.sql, and delete the marker lines'],
    ]);
    expect(r.migrations.map((m) => m.id)).toEqual(['004_fine']);
  });

  it("a folder of <id>.sql files (sqlx, Flyway without the V) is one problem with one command, not one per file", () => {
    const r = scan({ '20210425153745_create_history.sql': 'SELECT 1;', '20210425153757_create_users.sql': 'SELECT 1;', '20220419082412_add_trigger.sql': 'SELECT 1;', '20220421073605_fix_down.sql': 'SELECT 1;', '20230101000000_ok.up.sql': 'SELECT 1;' });
    expect(r.problems.map((p) => [p.code, p.file, p.message, p.fix])).toEqual([
      ['BH011', '20220421073605_fix_down.sql', 'SQL migration 20220421073605_fix_down.sql must be named <id>.up.sql (with an optional <id>.down.sql)', 'rename it to 20220421073605_fix.down.sql'],
      [
        'BH011',
        '',
        '3 SQL migrations are named <id>.sql (20210425153745_create_history.sql, 20210425153757_create_users.sql, 20220419082412_add_trigger.sql): Bulkhead runs <id>.up.sql, with an optional <id>.down.sql',
        'rename each to <id>.up.sql, e.g. in : for f in *.sql; do case "$f" in *.up.sql|*.down.sql) ;; *) mv "$f" "${f%.sql}.up.sql" ;; esac; done',
      ],
    ]);
    expect(r.migrations.map((m) => m.id)).toEqual(['20230101000000_ok']);
  });

  it('a .sql file without a version is told it is no migration yet: version it, or move it out (a seed, a helper)', () => {
    const r = scan({ 'helpers.sql': 'CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;', '001_init.up.sql': 'SELECT 1;' });
    expect(r.problems.map((p) => [p.code, p.file, p.fix])).toEqual([
      ['BH011', 'helpers.sql', "if it is a migration, rename it to <timestamp>_helpers.up.sql (a migration's name starts with its version); if it is not (a seed, a helper script), move it out of the migrations folder"],
    ]);
    expect(r.migrations.map((m) => m.id)).toEqual(['001_init']);
  });

  it("Flyway's V/U/R files are told their Bulkhead names (the undo is the down); a repeatable one has no equivalent", () => {
    const r = scan({ 'V1__init.sql': 'SELECT 1;', 'U1__add.users.sql': 'SELECT 1;', 'R__views.sql': 'SELECT 1;' });
    expect(r.problems.map((p) => `${p.file}: ${p.fix}`)).toEqual([
      "R__views.sql: a Flyway repeatable migration (R__) has no Bulkhead equivalent: make it a versioned one (<version>_<name>.up.sql) that CREATE OR REPLACEs what it defines, and add a new version for each change",
      "U1__add.users.sql: rename it to 1_add_users.down.sql (Flyway's U1__ without the letter; the same for its siblings keeps their order)",
      "V1__init.sql: rename it to 1_init.up.sql (Flyway's V1__ without the letter; the same for its siblings keeps their order)",
    ]);
    // A folder of them: one problem, one command.
    const many = scan({ 'V1__a.sql': 'SELECT 1;', 'V2__b.sql': 'SELECT 1;', 'V3__c.sql': 'SELECT 1;', 'V4__d.sql': 'SELECT 1;' });
    expect(many.problems.map((p) => p.message)).toEqual(['4 Flyway migrations (V1__a.sql, V2__b.sql, V3__c.sql, …): Bulkhead runs <id>.up.sql, with an optional <id>.down.sql']);
    expect(many.problems[0]!.fix).toContain('for f in [VU]*__*.sql; do');
    // Versions with parts (1.1, 1_2): each as fixed-width parts, so that 2 stays after 1.1 and 10 after 2.
    const two = scan({ 'V1__a.sql': 'SELECT 1;', 'V1.1__b.sql': 'SELECT 1;' });
    expect(two.problems.map((p) => p.fix)).toEqual([
      "rename it to 001001_b.up.sql (Flyway's version 1.1 as 2 parts of 3 digits, so that versions with dots keep Flyway's order (1 < 1.1 < 2 < 10); its siblings renamed the same way keep theirs)",
      "rename it to 001000_a.up.sql (Flyway's version 1 as 2 parts of 3 digits, so that versions with dots keep Flyway's order (1 < 1.1 < 2 < 10); its siblings renamed the same way keep theirs)",
    ]);
    const dotted = scan({ 'V1__a.sql': 'SELECT 1;', 'V1.1__b.sql': 'SELECT 1;', 'V1_2_1__c.sql': 'SELECT 1;', 'V10__d.sql': 'SELECT 1;' });
    expect(dotted.problems.map((p) => p.message)).toEqual(['4 Flyway migrations (V1.1__b.sql, V10__d.sql, V1_2_1__c.sql, …): Bulkhead runs <id>.up.sql, with an optional <id>.down.sql, and a version is one number']);
    expect(dotted.problems[0]!.fix).toContain('each version as 3 parts of 3 digits (1 → 001000000, 1.1 → 001001000)');
    expect(dotted.problems[0]!.fix).toContain('for i in $(seq 0 2); do k="$k$(printf %03d');
    // Plain versions of different widths (peerdb's V1 … V55): padded in the same rename, not left to a second fix.
    const wide = scan({ 'V1__a.sql': 'SELECT 1;', 'V2__b.sql': 'SELECT 1;', 'U2__b.sql': 'SELECT 1;', 'V10__c.sql': 'SELECT 1;', 'V9__d.sql': 'SELECT 1;' });
    expect(wide.problems.map((p) => p.message)).toEqual(['5 Flyway migrations (U2__b.sql, V10__c.sql, V1__a.sql, …): Bulkhead runs <id>.up.sql, with an optional <id>.down.sql, and versions of different widths sort as text']);
    expect(wide.problems[0]!.fix).toContain('each version padded to 2 digits (1 → 01)');
    runFixCommand(wide.problems[0]!, dir);
    const padded = scanMigrationsFolder('m', dir, (p) => path.relative(dir, p));
    expect(padded.problems).toEqual([]);
    expect(padded.migrations.map((m) => [m.id, m.downPath !== undefined])).toEqual([['01_a', false], ['02_b', true], ['09_d', false], ['10_c', false]]);
    // Its callbacks run around every migrate: no equivalent, said so.
    const callbacks = scan({ '1_init.up.sql': 'SELECT 1;', 'afterMigrate.sql': 'GRANT SELECT ON ALL TABLES IN SCHEMA public TO reader;', 'beforeEachMigrate__timeout.sql': 'SET lock_timeout = 5000;' });
    expect(callbacks.problems.map((p) => [p.file, p.fix?.split(':')[0]])).toEqual([
      ['afterMigrate.sql', 'it is a Flyway callback (afterMigrate), which Flyway runs around each migrate and Bulkhead has no equivalent of'],
      ['beforeEachMigrate__timeout.sql', 'it is a Flyway callback (beforeEachMigrate), which Flyway runs around each migrate and Bulkhead has no equivalent of'],
    ]);
  });

  it("Postgrator's <version>.do.<name>.sql and .undo. files are one problem whose command names them up and down (the undo was renamed an up)", () => {
    const one = scan({ '001.do.create-users.sql': 'CREATE TABLE u (id int);\n' });
    expect(one.problems.map((p) => p.fix)).toEqual(["rename it to 001_create-users.up.sql (Postgrator's undo is the down)"]);
    const r = scan({
      '001.do.create-users.sql': 'CREATE TABLE u (id int);\n',
      '001.undo.create-users.sql': 'DROP TABLE u;\n',
      '002.do.sql': 'ALTER TABLE u ADD n text;\n',
      '002.undo.sql': 'ALTER TABLE u DROP n;\n',
    });
    expect(r.problems.map((p) => p.message)).toEqual(['4 Postgrator migrations (001.do.create-users.sql, 001.undo.create-users.sql, 002.do.sql, …): Bulkhead runs <id>.up.sql, with an optional <id>.down.sql']);
    runFixCommand(r.problems[0]!, dir);
    const again = scanMigrationsFolder('m', dir, (x) => path.relative(dir, x));
    expect(again.problems).toEqual([]);
    expect(again.migrations.map((m) => [m.id, m.sql!.up.trim(), m.sql!.down?.trim()])).toEqual([
      ['001_create-users', 'CREATE TABLE u (id int);', 'DROP TABLE u;'],
      ['002', 'ALTER TABLE u ADD n text;', 'ALTER TABLE u DROP n;'],
    ]);
  });

  it('a folder of goose/dbmate files holding both directions is one problem whose command splits them, no-transaction marks kept', () => {
    const r = scan({
      '001_a.sql': '-- +goose Up\nCREATE TABLE a (id int);\n-- +goose Down\nDROP TABLE a;\n',
      '002_b.sql': '-- +goose NO TRANSACTION\n-- +goose Up\nCREATE INDEX CONCURRENTLY a_i ON a (id);\n-- +goose Down\nDROP INDEX CONCURRENTLY a_i;\n',
      '003_c.sql': '-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY a_j ON a (id);\n\n-- migrate:down\nDROP INDEX a_j;\n',
      // node-pg-migrate's SQL migrations.
      '004_d.sql': '-- Up Migration\nCREATE TABLE d (id int);\n\n-- Down Migration\nDROP TABLE d;\n',
      // goose's mark is the file's wherever it stands (hatchet's, after -- +goose Up).
      '005_f.sql': '-- +goose Up\n-- +goose NO TRANSACTION\n\nCREATE INDEX CONCURRENTLY a_k ON a (id);\n-- +goose Down\nDROP INDEX CONCURRENTLY a_k;\n',
      // …and in any case (hatchet's "-- +goose no transaction").
      '006_g.sql': '-- +goose no transaction\n-- +goose Up\nCREATE INDEX CONCURRENTLY a_l ON a (id);\n',
      // sql-migrate's sections, many of one direction, the mark on a later one (convoy's): the
      // direction is marked once, on its first line.
      '007_h.sql': '-- +migrate Up\nALTER TABLE a ADD b int;\n-- +migrate Up notransaction\nCREATE INDEX CONCURRENTLY a_m ON a (b);\n-- +migrate Down\nDROP INDEX a_m;\n-- +migrate Down\nALTER TABLE a DROP b;\n',
    });
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]!.message).toBe("7 SQL migrations hold both directions under another tool's markers (001_a.sql, 002_b.sql, 003_c.sql, …): Bulkhead runs <id>.up.sql, with an optional <id>.down.sql");
    // The command does what it says.
    runFixCommand(r.problems[0]!, dir);
    const again = scanMigrationsFolder('m', dir, (p) => path.relative(dir, p));
    expect(again.problems).toEqual([]);
    expect(again.migrations.map((m) => [m.id, m.sql!.directives.noTransaction, m.sql!.up.trim(), m.sql!.down?.trim()])).toEqual([
      ['001_a', false, 'CREATE TABLE a (id int);', 'DROP TABLE a;'],
      ['002_b', true, '-- bulkhead:no-transaction\nCREATE INDEX CONCURRENTLY a_i ON a (id);', '-- bulkhead:no-transaction\nDROP INDEX CONCURRENTLY a_i;'],
      ['003_c', true, '-- bulkhead:no-transaction\nCREATE INDEX CONCURRENTLY a_j ON a (id);', 'DROP INDEX a_j;'],
      ['004_d', false, 'CREATE TABLE d (id int);', 'DROP TABLE d;'],
      ['005_f', true, '-- bulkhead:no-transaction\n\nCREATE INDEX CONCURRENTLY a_k ON a (id);', '-- bulkhead:no-transaction\nDROP INDEX CONCURRENTLY a_k;'],
      ['006_g', true, '-- bulkhead:no-transaction\nCREATE INDEX CONCURRENTLY a_l ON a (id);', undefined],
      ['007_h', true, '-- bulkhead:no-transaction\nALTER TABLE a ADD b int;\nCREATE INDEX CONCURRENTLY a_m ON a (b);', 'DROP INDEX a_m;\nALTER TABLE a DROP b;'],
    ]);
    // One renamed .up.sql as it was: its down section would run with the up.
    const renamed = scan({ '005_e.up.sql': '-- Up Migration\nCREATE TABLE e (id int);\n-- Down Migration\nDROP TABLE e;\n' });
    expect(renamed.problems.map((p) => [p.code, p.line])).toEqual([['BH038', 3]]);
  });

  it('many migrations without a version are one problem naming them (logto\'s next-<time>-<name>.ts)', () => {
    const few = scan({ 'next-1785393731-a.up.sql': 'SELECT 1;\n', 'next-1785481546-b.up.sql': 'SELECT 1;\n' });
    expect(few.problems.map((p) => p.message)).toEqual(['migration next-1785393731-a.up.sql does not start with a version (leading digits)', 'migration next-1785481546-b.up.sql does not start with a version (leading digits)']);
    const many = scan({ 'next-1785393731-a.up.sql': 'SELECT 1;\n', 'next-1785481546-b.up.sql': 'SELECT 1;\n', 'next-1785488115-c.up.sql': 'SELECT 1;\n', 'next-1785722831-d.up.sql': 'SELECT 1;\n' });
    expect(many.problems.map((p) => [p.code, p.message])).toEqual([['BH011', '4 migrations do not start with a version (leading digits): next-1785393731-a.up.sql, next-1785481546-b.up.sql, next-1785488115-c.up.sql, …']]);
  });

  it("yoyo's <id>.rollback.sql beside its <id>.sql becomes its down (run as a migration of its own it would undo it right after)", () => {
    const r = scan({
      '0001.create-users.sql': '-- depends:\nCREATE TABLE users (id int);\n',
      '0001.create-users.rollback.sql': 'DROP TABLE users;\n',
      '0002.add-name.sql': 'ALTER TABLE users ADD name text;\n',
      '0002.add-name.rollback.sql': 'ALTER TABLE users DROP name;\n',
      // A migration named rollback with nothing it rolls back beside it is an up.
      '0003_rollback.sql': 'UPDATE users SET name = NULL;\n',
    });
    expect(r.problems.map((p) => p.fix)).toEqual([expect.stringMatching(/^rename each to <id>\.up\.sql \(the 2 rollbacks beside their migrations, yoyo's <id>\.rollback\.sql, to <id>\.down\.sql\), e\.g\. in /)]);
    runFixCommand(r.problems[0]!, dir);
    const again = scanMigrationsFolder('m', dir, (p) => path.relative(dir, p));
    expect(again.problems).toEqual([]);
    expect(again.migrations.map((m) => [m.id, m.sql!.up.trim(), m.sql!.down?.trim()])).toEqual([
      ['0001.create-users', '-- depends:\nCREATE TABLE users (id int);', 'DROP TABLE users;'],
      ['0002.add-name', 'ALTER TABLE users ADD name text;', 'ALTER TABLE users DROP name;'],
      ['0003_rollback', 'UPDATE users SET name = NULL;', undefined],
    ]);
    // Renamed as ups, as the plain fix once said: refused, not renumbered into a migration of its own.
    const renamed = scan({ '0001.create-users.up.sql': 'CREATE TABLE users (id int);\n', '0001.create-users.rollback.up.sql': 'DROP TABLE users;\n' });
    expect(renamed.problems.map((p) => [p.code, p.file, p.fix])).toEqual([['BH038', '0001.create-users.rollback.up.sql', 'rename it to 0001.create-users.down.sql']]);
  });

  it("tern's files (the up above ---- create above / drop below ----, the down below it) are one problem whose command splits them", () => {
    const r = scan({
      '001_create_users.sql': 'CREATE TABLE users (id int);\n\n---- create above / drop below ----\n\ndrop table users;\n',
      // Its disable-tx line is its part's: here the up's.
      '002_idx.sql': '---- tern: disable-tx ----\nCREATE INDEX CONCURRENTLY users_id ON users (id);\n\n---- create above / drop below ----\nDROP INDEX users_id;\n',
      // Nothing below the line: tern calls it irreversible, so it gets no down.
      '003_irreversible.sql': 'ALTER TABLE users ADD n int;\n---- create above / drop below ----\n\n',
      '004_plain.sql': 'ALTER TABLE users ADD m int;\n',
    });
    expect(r.problems.map((p) => p.message)).toEqual([
      'SQL migration 004_plain.sql must be named <id>.up.sql (with an optional <id>.down.sql)',
      '3 tern migrations hold both directions, split by its "---- create above / drop below ----" line (001_create_users.sql, 002_idx.sql, 003_irreversible.sql): Bulkhead runs <id>.up.sql, with an optional <id>.down.sql',
    ]);
    runFixCommand(r.problems[1]!, dir);
    const again = scanMigrationsFolder('m', dir, (p) => path.relative(dir, p));
    expect(again.problems).toEqual([]);
    expect(again.migrations.map((m) => [m.id, m.sql!.directives.noTransaction, m.sql!.up.trim(), m.sql!.down?.trim()])).toEqual([
      ['001_create_users', false, 'CREATE TABLE users (id int);', 'drop table users;'],
      ['002_idx', true, '-- bulkhead:no-transaction\nCREATE INDEX CONCURRENTLY users_id ON users (id);', 'DROP INDEX users_id;'],
      ['003_irreversible', false, 'ALTER TABLE users ADD n int;', undefined],
      ['004_plain', false, 'ALTER TABLE users ADD m int;', undefined],
    ]);
    // One renamed .up.sql as it was: its down would run with the up (create, then drop).
    const renamed = scan({ '005_e.up.sql': 'CREATE TABLE e (id int);\n---- create above / drop below ----\nDROP TABLE e;\n' });
    expect(renamed.problems.map((p) => [p.code, p.line])).toEqual([['BH038', 2]]);
  });

  it('files whose down sits below a line that only says so (MyBatis, shmig, rambler) are one problem whose command splits them; commented-out downs are left alone', () => {
    const r = scan({
      '20090330184034_first.sql': '-- // First migration.\nCREATE TABLE a (id int);\n\n-- //@UNDO\nDROP TABLE a;\n',
      '20090330184035_second.sql': '-- ==== UP ====\nCREATE TABLE b (id int);\n-- ==== DOWN ====\nDROP TABLE b;\n',
      '20090330184036_third.sql': '-- rambler up\nCREATE TABLE c (id int);\n-- rambler down\nDROP TABLE c;\n',
      // Nothing runs below its "-- Down": a plain up.
      '20090330184037_fourth.sql': 'CREATE TABLE d (id int);\n-- Down\n-- DROP TABLE d;\n',
    });
    expect(r.problems.map((p) => p.message)).toEqual([
      'SQL migration 20090330184037_fourth.sql must be named <id>.up.sql (with an optional <id>.down.sql)',
      "3 SQL migrations hold a down section below a line that says so (MyBatis' -- //@UNDO, shmig's -- ==== DOWN ====, rambler's -- rambler down) (20090330184034_first.sql, 20090330184035_second.sql, 20090330184036_third.sql): Bulkhead runs <id>.up.sql, with an optional <id>.down.sql",
    ]);
    // The command makes the folder's other .sql files ups as they are.
    runFixCommand(r.problems[1]!, dir);
    const again = scanMigrationsFolder('m', dir, (p) => path.relative(dir, p));
    expect(again.problems).toEqual([]);
    expect(again.migrations.map((m) => [m.id, m.sql!.up.trim(), m.sql!.down?.trim()])).toEqual([
      ['20090330184034_first', '-- // First migration.\nCREATE TABLE a (id int);', 'DROP TABLE a;'],
      ['20090330184035_second', '-- ==== UP ====\nCREATE TABLE b (id int);', 'DROP TABLE b;'],
      ['20090330184036_third', '-- rambler up\nCREATE TABLE c (id int);', 'DROP TABLE c;'],
      ['20090330184037_fourth', 'CREATE TABLE d (id int);\n-- Down\n-- DROP TABLE d;', undefined],
    ]);
    // Renamed .up.sql as they were: refused, the line named.
    const renamed = scan({ '001_a.up.sql': 'CREATE TABLE a (id int);\n--//@UNDO\nDROP TABLE a;\n', '002_b.up.sql': 'CREATE TABLE b (id int);\n-- Rollback:\n-- DROP TABLE b;\n', '003_c.up.sql': '-- down the road this becomes a view\nCREATE TABLE c (id int);\n' });
    expect(renamed.problems.map((p) => [p.code, p.file, p.line, p.message])).toEqual([['BH038', '001_a.up.sql', 2, '"-- //@UNDO" at line 2: what follows reads as a down section, and Bulkhead would run it as part of the up']]);
  });

  it("Prisma's <version>_<name>/migration.sql folders are an error with the command that moves them (they would not run, and up would say up to date)", () => {
    dir = newFolder();
    for (const d of ['20221206131204_init', '20221207113401_users']) {
      fs.mkdirSync(path.join(dir, d));
      fs.writeFileSync(path.join(dir, d, 'migration.sql'), 'CREATE TABLE x (id int);\n');
    }
    fs.writeFileSync(path.join(dir, 'migration_lock.toml'), 'provider = "postgresql"\n');
    const rel = (p: string) => path.relative(dir, p);
    const r = scanMigrationsFolder('app', dir, rel);
    expect(r.problems.map((p) => [p.code, p.file, p.message])).toEqual([
      ['BH011', '20221206131204_init', '2 Prisma migrations (20221206131204_init/migration.sql, 20221207113401_users/migration.sql) will not run: Bulkhead runs <id>.up.sql files directly in '],
    ]);
    runFixCommand(r.problems[0]!, dir);
    const again = scanMigrationsFolder('app', dir, rel);
    expect(again.problems).toEqual([]);
    expect(again.migrations.map((m) => m.id)).toEqual(['20221206131204_init', '20221207113401_users']);
    expect(fs.readdirSync(dir).sort()).toEqual(['20221206131204_init.up.sql', '20221207113401_users.up.sql']);
  });

  it("Diesel's <version>_<name>/up.sql + down.sql folders (and sourcegraph's) are an error whose command moves them, run_in_transaction = false kept", () => {
    dir = newFolder();
    const dirs: Record<string, Record<string, string>> = {
      '00000000000000_diesel_initial_setup': { 'up.sql': 'CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;\n', 'down.sql': 'DROP FUNCTION f();\n' },
      '2019-02-26-002946_create_user': { 'up.sql': 'CREATE TABLE u (id int);\n', 'down.sql': 'DROP TABLE u;\n' },
      '2025-09-19-132648-0000_theme-default': { 'up.sql': 'CREATE INDEX CONCURRENTLY u_i ON u (id);\n', 'down.sql': 'DROP INDEX u_i;\n', 'metadata.toml': 'run_in_transaction = false\n' },
    };
    for (const [d, files] of Object.entries(dirs)) {
      fs.mkdirSync(path.join(dir, d));
      for (const [f, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, d, f), text);
    }
    const rel = (p: string) => path.relative(dir, p);
    const r = scanMigrationsFolder('lemmy', dir, rel);
    expect(r.problems.map((p) => [p.code, p.file, p.message])).toEqual([
      ['BH011', '00000000000000_diesel_initial_setup', '3 Diesel, Hasura or sourcegraph migration folders (00000000000000_diesel_initial_setup/up.sql, 2019-02-26-002946_create_user/up.sql, 2025-09-19-132648-0000_theme-default/up.sql) will not run: Bulkhead runs <id>.up.sql files directly in '],
    ]);
    runFixCommand(r.problems[0]!, dir);
    expect(fs.readdirSync(dir).filter((f) => !f.endsWith('.sql'))).toEqual([]);
    const again = scanMigrationsFolder('lemmy', dir, rel);
    expect(again.problems).toEqual([]);
    expect(again.migrations.map((m) => [m.id, m.sql!.directives.noTransaction, m.downPath !== undefined])).toEqual([
      ['00000000000000_diesel_initial_setup', false, true],
      ['2019-02-26-002946_create_user', false, true],
      ['2025-09-19-132648-0000_theme-default', true, true],
    ]);
  });

  it('a folder with nothing of its own but SQL in subfolders is an error (up would say up to date); a Sqitch project gets the command that converts it in plan order', () => {
    dir = newFolder();
    const rel = (p: string) => path.relative(dir, p);
    fs.mkdirSync(path.join(dir, 'sql'));
    fs.writeFileSync(path.join(dir, 'sql', 'schema.sql'), 'SELECT 1;');
    const wrong = scanMigrationsFolder('m', dir, rel);
    expect(wrong.problems.map((p) => [p.code, p.message, p.fix])).toEqual([
      ['BH011', 'the migrations folder has no migrations of its own, but its subfolders hold 1 SQL file (sql/schema.sql)', 'set "migrations" in the manifest to the folder that holds the <id>.up.sql files, or move them into '],
    ]);
    // <id>.up.sql files in a subfolder are the subfolder warning's (an archive may stay) beside
    // migrations that run; alone, an error too (Ghost's versions/5.0/…js): up would do nothing.
    fs.writeFileSync(path.join(dir, 'sql', '001_init.up.sql'), 'SELECT 1;');
    expect(scanMigrationsFolder('m', dir, rel).problems.map((p) => [p.code, p.message])).toEqual([
      ['BH011', 'subfolder sql holds 1 migration-like file (001_init.up.sql); Bulkhead runs only the files directly in , and none runs there: up would say up to date'],
    ]);
    fs.writeFileSync(path.join(dir, '002_next.up.sql'), 'SELECT 1;');
    expect(scanMigrationsFolder('m', dir, rel)).toMatchObject({ problems: [], warnings: [expect.objectContaining({ code: 'BH038', file: 'sql' })] });
    // Another module's folder inside (its bulkhead.json): that module's migrations, not strays.
    fs.writeFileSync(path.join(dir, 'sql', 'bulkhead.json'), '{"name":"inner","database":{"url":"pglite://memory"}}');
    expect(scanMigrationsFolder('m', dir, rel)).toMatchObject({ problems: [], warnings: [] });
    fs.rmSync(path.join(dir, 'sql', 'bulkhead.json'));
    fs.rmSync(path.join(dir, '002_next.up.sql'));
    fs.rmSync(path.join(dir, 'sql'), { recursive: true });
    for (const d of ['deploy', 'revert', 'verify']) fs.mkdirSync(path.join(dir, d));
    fs.writeFileSync(path.join(dir, 'sqitch.plan'), '%syntax-version=1.0.0\n%project=flipr\n\nusers 2024-01-01T00:00:00Z Ann <a@x> # users\nappschema [users] 2024-01-02T00:00:00Z Ann <a@x>\n@v1.0 2024-01-03T00:00:00Z Ann <a@x>\nflips [appschema] 2024-01-04T00:00:00Z Ann <a@x>\n');
    for (const c of ['users', 'appschema', 'flips']) {
      fs.writeFileSync(path.join(dir, 'deploy', `${c}.sql`), `BEGIN;\nCREATE TABLE ${c} (id int);\nCOMMIT;\n`);
      fs.writeFileSync(path.join(dir, 'revert', `${c}.sql`), `BEGIN;\nDROP TABLE ${c};\nCOMMIT;\n`);
      fs.writeFileSync(path.join(dir, 'verify', `${c}.sql`), `SELECT id FROM ${c} WHERE false;\n`);
    }
    const r = scanMigrationsFolder('flipr', dir, rel);
    expect(r.problems.map((p) => p.message)).toEqual([
      'the migrations folder has no migrations of its own, but its subfolders hold 9 SQL files (deploy/appschema.sql, deploy/flips.sql, deploy/users.sql, …): a Sqitch project (sqitch.plan), whose deploy/ and revert/ scripts Bulkhead does not run',
    ]);
    runFixCommand(r.problems[0]!, dir);
    const again = scanMigrationsFolder('flipr', dir, rel);
    expect(again.problems).toEqual([]);
    expect(again.migrations.map((m) => [m.id, m.downPath !== undefined])).toEqual([
      ['0001_users', true],
      ['0002_appschema', true],
      ['0003_flips', true],
    ]);
  });

  it("one folder per version, numbered (boundary's 0/ … 104/), is one problem whose command replays the folders in number order", () => {
    dir = newFolder();
    const rel = (p: string) => path.relative(dir, p);
    const files: Record<string, string> = {
      '0/01_domain_types.up.sql': 'CREATE DOMAIN wt_id AS text;',
      '0/02_oplog.up.sql': 'CREATE TABLE oplog (id wt_id);',
      '1/01_kms.up.sql': 'CREATE TABLE kms (id int);',
      '10/01_jobs.up.sql': 'CREATE TABLE jobs (id int);',
      '2/01_log.up.sql': 'CREATE TABLE log (id int);',
      '2/02_oidc.up.sql': 'CREATE TABLE oidc (id int);',
    };
    writeTree(dir, files);
    const r = scanMigrationsFolder('boundary', dir, rel);
    expect(r.problems.map((p) => [p.code, p.message])).toEqual([
      ['BH011', 'the migrations are in one folder per version (0/, 1/, 2/, …: 6 SQL files): Bulkhead runs one sequence of <id>.up.sql files directly in '],
    ]);
    runFixCommand(r.problems[0]!, dir);
    const again = scanMigrationsFolder('boundary', dir, rel);
    expect(again.problems).toEqual([]);
    // 2 before 10: number order, not name order.
    expect(again.migrations.map((m) => m.id)).toEqual(['00000000000_domain_types', '00000000001_oplog', '00100000000_kms', '00200000000_log', '00200000001_oidc', '01000000000_jobs']);
    fs.rmSync(dir, { recursive: true });
  });

  it('one folder per release (memos, Temporal) is one problem whose command replays the releases in version order; beside a full schema, that schema is the first migration', () => {
    dir = newFolder();
    const rel = (p: string) => path.relative(dir, p);
    const files: Record<string, string> = {
      '0.9/00__init.sql': 'CREATE TABLE memo (id int);',
      '0.10/00__tags.sql': 'ALTER TABLE memo ADD COLUMN tags text;',
      '0.10/01__pinned.sql': 'ALTER TABLE memo ADD COLUMN pinned bool;',
      'v1.2/add-user.sql': 'CREATE TABLE "user" (id int);',
      // bytebase's 0000##name.sql
      'v1.2/0001##add_role.sql': 'CREATE TABLE role (id int);',
      // an up with its down keeps one number
      'v1.3/0001_seats.up.sql': 'CREATE TABLE seats (id int);',
      'v1.3/0001_seats.down.sql': 'DROP TABLE seats;',
      'v1.3/0002_rows.up.sql': 'INSERT INTO seats VALUES (1);',
      // Temporal's manifest.json lists a release's files in their order (not the names').
      'v1.10/zz_table.sql': 'CREATE TABLE zz (id int);',
      'v1.10/aa_index.sql': 'CREATE INDEX ON zz (id);',
      'v1.10/manifest.json': JSON.stringify({ CurrVersion: '1.10', SchemaUpdateCqlFiles: ['zz_table.sql', 'aa_index.sql'] }),
    };
    writeTree(dir, files);
    const r = scanMigrationsFolder('memos', dir, rel);
    expect(r.warnings).toEqual([]);
    expect(r.problems.map((p) => [p.code, p.message])).toEqual([
      ['BH011', 'the migrations are in one folder per release (0.9/, 0.10/, v1.2/, …: 10 SQL files): Bulkhead runs one sequence of <id>.up.sql files directly in '],
    ]);
    runFixCommand(r.problems[0]!, dir);
    const again = scanMigrationsFolder('memos', dir, rel);
    expect(again.problems).toEqual([]);
    // 0.9 before 0.10: version order, not name order.
    expect(again.migrations.map((m) => [m.id, m.downPath !== undefined])).toEqual([
      ['00000900000_init', false],
      ['00001000000_tags', false],
      ['00001000001_pinned', false],
      ['00100200000_add_role', false],
      ['00100200001_add-user', false],
      ['00100300000_seats', true],
      ['00100300001_rows', false],
      ['00101000000_zz_table', false],
      ['00101000001_aa_index', false],
    ]);
    expect(fs.readdirSync(dir).filter((f) => !f.endsWith('.sql'))).toEqual([]);
    // Temporal's visibility v1.10 to v1.12: releases whose manifests list none of their files (a
    // later release combined them) are left behind by the command; their SQL never runs, which is told.
    for (const v of ['v1.11', 'v1.12']) {
      fs.mkdirSync(path.join(dir, v));
      fs.writeFileSync(path.join(dir, v, 'add_column.sql'), 'ALTER TABLE zz ADD COLUMN c int;');
    }
    const behind = scanMigrationsFolder('memos', dir, rel);
    expect(behind.problems).toEqual([]);
    expect(behind.warnings.map((p) => [p.code, p.file, p.message])).toEqual([
      ['BH038', '', `2 release folders (v1.11/, v1.12/) hold 2 SQL files that Bulkhead does not run (${path.join('v1.11', 'add_column.sql')}, ${path.join('v1.12', 'add_column.sql')}): it runs only the files directly in `],
    ]);
    expect(behind.migrations).toHaveLength(9);
    fs.rmSync(path.join(dir, 'v1.11'), { recursive: true });
    fs.rmSync(path.join(dir, 'v1.12'), { recursive: true });

    // memos: LATEST.sql (what a new install runs) beside the upgrade folders.
    fs.rmSync(dir, { recursive: true });
    fs.mkdirSync(path.join(dir, '0.19'), { recursive: true });
    fs.writeFileSync(path.join(dir, '0.19', '00__add_name.sql'), 'ALTER TABLE memo ADD COLUMN name text;');
    fs.writeFileSync(path.join(dir, 'LATEST.sql'), 'CREATE TABLE memo (id int, name text);');
    const schema = scanMigrationsFolder('memos', dir, rel);
    expect(schema.warnings).toEqual([]);
    expect(schema.problems.map((p) => [p.code, p.file, p.message])).toEqual([
      ['BH011', 'LATEST.sql', 'a full schema (LATEST.sql) beside one folder of upgrades per release (0.19/: 1 SQL file): Bulkhead runs one sequence of <id>.up.sql files directly in , and none of these is one'],
    ]);
    expect(schema.problems[0]!.fix).toContain('bulkhead baseline memos --at 0001_latest');
    runFixCommand(schema.problems[0]!, dir);
    fs.rmSync(path.join(dir, '0.19'), { recursive: true });
    expect(scanMigrationsFolder('memos', dir, rel).migrations.map((m) => m.id)).toEqual(['0001_latest']);

    // tt-rss: schema.sql beside a folder of numbered upgrades (3.sql … 150.sql), not per release.
    fs.rmSync(dir, { recursive: true });
    fs.mkdirSync(path.join(dir, 'migrations'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'migrations', '3.sql'), 'ALTER TABLE ttrss_entries ADD COLUMN num_comments int;');
    fs.writeFileSync(path.join(dir, 'migrations', '150.sql'), 'ALTER TABLE ttrss_entries ADD COLUMN x int;');
    fs.writeFileSync(path.join(dir, 'schema.sql'), 'CREATE TABLE ttrss_entries (id int, num_comments int, x int);');
    const ttrss = scanMigrationsFolder('ttrss', dir, rel);
    expect(ttrss.problems.map((p) => [p.code, p.file, p.message])).toEqual([
      ['BH011', 'schema.sql', 'a full schema (schema.sql) beside folders of numbered upgrades (migrations/: 2 SQL files): Bulkhead runs one sequence of <id>.up.sql files directly in , and none of these is one'],
    ]);
    expect(ttrss.problems[0]!.fix).toContain('mv schema.sql 0001_schema.up.sql — and move the migrations/ folder out (it upgrades databases older than the schema; an archive)');
    runFixCommand(ttrss.problems[0]!, dir);
    fs.rmSync(path.join(dir, 'migrations'), { recursive: true });
    expect(scanMigrationsFolder('ttrss', dir, rel).migrations.map((m) => m.id)).toEqual(['0001_schema']);
    // Without a schema beside it, such a folder is what it was: SQL below that nothing runs.
    fs.mkdirSync(path.join(dir, 'more'));
    fs.writeFileSync(path.join(dir, 'more', '3.sql'), 'SELECT 1;');
    fs.rmSync(path.join(dir, '0001_schema.up.sql'));
    expect(scanMigrationsFolder('ttrss', dir, rel).problems.map((p) => p.message)).toEqual([expect.stringContaining('the migrations folder has no migrations of its own, but its subfolders hold 1 SQL file')]);
    fs.rmSync(dir, { recursive: true });
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, '0001_latest.up.sql'), 'CREATE TABLE memo (id int, name text);');

    // Beside migrations of its own, a release folder is an archive (the subfolder warning).
    fs.mkdirSync(path.join(dir, '0.20'));
    fs.writeFileSync(path.join(dir, '0.20', '00__x.up.sql'), 'SELECT 1;');
    const archive = scanMigrationsFolder('memos', dir, rel);
    expect(archive.problems).toEqual([]);
    expect(archive.warnings.map((p) => p.code)).toEqual(['BH038']);
  });

  it("a migration's name on a folder, a named pipe or a link to a device is an error, not passed over (nor read forever)", () => {
    dir = newFolder();
    const rel = (p: string) => path.relative(dir, p);
    fs.writeFileSync(path.join(dir, '001_t.up.sql'), 'CREATE TABLE t (id int);');
    fs.mkdirSync(path.join(dir, '002_d.up.sql'));
    execFileSync('mkfifo', [path.join(dir, '003_p.up.sql')]);
    fs.symlinkSync('/dev/zero', path.join(dir, '004_z.up.sql'));
    // A folder whose name is not a migration's is a subfolder as before.
    fs.mkdirSync(path.join(dir, 'archive'));
    const r = scanMigrationsFolder('a', dir, rel);
    expect(r.problems.map((p) => [p.code, p.file, p.message])).toEqual([
      ['BH038', '002_d.up.sql', '002_d.up.sql is a folder, not a file: it cannot run'],
      ['BH038', '003_p.up.sql', '003_p.up.sql is a named pipe, not a file: it cannot run'],
      ['BH038', '004_z.up.sql', '004_z.up.sql is a link to a device, not a file: it cannot run'],
    ]);
    expect(r.migrations.map((m) => m.id)).toEqual(['001_t']);
  });

  it('a Liquibase formatted SQL changelog is one problem whose command splits its changesets, rollbacks as downs, other databases left out', () => {
    dir = newFolder();
    const rel = (p: string) => path.relative(dir, p);
    fs.writeFileSync(
      path.join(dir, 'changelog.sql'),
      [
        '--liquibase formatted sql',
        '',
        '--changeset nvoxland:1',
        'create table test1 (id int primary key, name varchar(255));',
        '--rollback drop table test1;',
        '',
        '--changeset nvoxland:add-rows',
        "insert into test1 (id, name) values (1, 'name 1');",
        '--rollback not required',
        '',
        '--changeset nvoxland:3 dbms:oracle',
        'create sequence seq_test nocache;',
        '',
        '-- changeset ann:4 runInTransaction:false',
        'create index concurrently test1_name on test1 (name);',
        '--rollback drop index concurrently test1_name;',
        '',
      ].join('\n'),
    );
    const r = scanMigrationsFolder('a', dir, rel);
    expect(r.problems.map((p) => [p.code, p.file, p.message])).toEqual([
      ['BH011', 'changelog.sql', 'changelog.sql is a Liquibase formatted SQL changelog: its changesets share a file, and Bulkhead runs one migration per <id>.up.sql file'],
    ]);
    runFixCommand(r.problems[0]!, dir);
    const again = scanMigrationsFolder('a', dir, rel);
    expect(again.problems).toEqual([]);
    expect(again.migrations.map((m) => [m.id, m.sql!.directives.noTransaction, m.sql!.up.trim(), m.sql!.down?.trim()])).toEqual([
      ['0001_1', false, 'create table test1 (id int primary key, name varchar(255));', 'drop table test1;'],
      ['0002_add_rows', false, "insert into test1 (id, name) values (1, 'name 1');", undefined],
      ['0004_4', true, '-- bulkhead:no-transaction\ncreate index concurrently test1_name on test1 (name);', '-- bulkhead:no-transaction\ndrop index concurrently test1_name;'],
    ]);
    expect(fs.readdirSync(path.join(dir, '.liquibase'))).toEqual(['changelog.sql']);
  });

  it("a graphile-migrate folder is one problem: its command moves committed/ up in order; current and afterReset.sql are told, not run", () => {
    dir = newFolder();
    const rel = (p: string) => path.relative(dir, p);
    for (const d of ['committed', 'current']) fs.mkdirSync(path.join(dir, d));
    fs.writeFileSync(path.join(dir, 'committed', '000001.sql'), '--! Previous: -\n--! Hash: sha1:aa\n\ncreate table users (id int);\n');
    fs.writeFileSync(path.join(dir, 'committed', '000002-add-emails.sql'), '--! Previous: sha1:aa\n--! Hash: sha1:bb\n--! Message: add emails\n\ncreate table emails (id int);\n');
    fs.writeFileSync(path.join(dir, 'current', '1-current.sql'), '-- Enter migration here\n');
    fs.writeFileSync(path.join(dir, 'afterReset.sql'), 'BEGIN;\nGRANT CONNECT ON DATABASE :DATABASE_NAME TO :DATABASE_OWNER;\nCOMMIT;\n');
    const r = scanMigrationsFolder('starter', dir, rel);
    expect(r.warnings).toEqual([]);
    expect(r.problems.map((p) => [p.code, p.file, p.message])).toEqual([
      ['BH011', 'committed', 'a graphile-migrate folder: its 2 committed migrations (committed/000001.sql, committed/000002-add-emails.sql) will not run: Bulkhead runs <id>.up.sql files directly in '],
    ]);
    expect(r.problems[0]!.fix).toContain('current/ is work in progress, not a migration');
    expect(r.problems[0]!.fix).toContain('afterReset.sql (roles, grants, extensions, run as a superuser after a reset) is not a migration');
    runFixCommand(r.problems[0]!, dir);
    fs.rmSync(path.join(dir, 'current'), { recursive: true });
    fs.rmSync(path.join(dir, 'afterReset.sql'));
    const again = scanMigrationsFolder('starter', dir, rel);
    expect(again.problems).toEqual([]);
    expect(again.migrations.map((m) => m.id)).toEqual(['000001', '000002_add-emails']);
  });

  it('a file name with a control character (a line break, an escape sequence) is named escaped, and read no further', () => {
    const r = scan({ '001_a\u001b[31mred.up.sql': 'SELECT 1;', '002_b\nc.up.sql': 'SELECT 2;', '003_ok.up.sql': 'SELECT 3;' });
    expect(r.problems.map((p) => [p.code, p.message]).sort()).toEqual([
      ['BH011', 'a file name holds a control character: "001_a\\u001b[31mred.up.sql"'],
      ['BH011', 'a file name holds a control character: "002_b\\nc.up.sql"'],
    ]);
    expect(r.migrations.map((m) => m.id)).toEqual(['003_ok']);
  });

  it("ory's popx files, one per database, are one problem whose command keeps PostgreSQL's (its own replacing the shared one, .autocommit. marked)", () => {
    const r = scan({
      '001_networks.postgres.up.sql': 'CREATE TABLE networks (id uuid);',
      '001_networks.mysql.up.sql': 'CREATE TABLE networks (id char(36));',
      '001_networks.sqlite3.up.sql': 'CREATE TABLE networks (id TEXT);',
      '001_networks.down.sql': 'DROP TABLE networks;',
      '002_ids.up.sql': 'CREATE TABLE ids (id int);',
      '002_ids.cockroach.up.sql': 'CREATE TABLE ids (id INT8);',
      '002_ids.down.sql': 'DROP TABLE ids;',
      '003_idx.postgres.autocommit.up.sql': 'CREATE INDEX CONCURRENTLY ids_i ON ids (id);',
      '003_idx.mysql.autocommit.up.sql': 'CREATE INDEX ids_i ON ids (id);',
      '003_idx.postgres.down.sql': 'DROP INDEX ids_i;',
      // hydra's device_flow: a shared autocommit file (CockroachDB's inline INDEX) that PostgreSQL's own replaces.
      '004_flow.autocommit.up.sql': 'CREATE TABLE flow (id int, INDEX flow_i (id));',
      '004_flow.postgres.up.sql': 'CREATE TABLE flow (id int);',
      '004_flow.down.sql': 'DROP TABLE flow;',
    });
    expect(r.problems.map((p) => [p.code, p.message])).toEqual([
      ['BH011', "9 migration files are written per database (001_networks.mysql.up.sql, 001_networks.postgres.up.sql, 001_networks.sqlite3.up.sql, …: autocommit, cockroach, mysql, postgres, sqlite3), as ory's popx runs them: Bulkhead runs <id>.up.sql on PostgreSQL"],
    ]);
    runFixCommand(r.problems[0]!, dir);
    const again = scanMigrationsFolder('m', dir, (p) => path.relative(dir, p));
    expect(again.problems).toEqual([]);
    expect(again.migrations.map((m) => [m.id, m.sql!.directives.noTransaction, m.sql!.up.trim(), m.sql!.down?.trim()])).toEqual([
      ['001_networks', false, 'CREATE TABLE networks (id uuid);', 'DROP TABLE networks;'],
      ['002_ids', false, 'CREATE TABLE ids (id int);', 'DROP TABLE ids;'],
      ['003_idx', true, '-- bulkhead:no-transaction\nCREATE INDEX CONCURRENTLY ids_i ON ids (id);', 'DROP INDEX ids_i;'],
      ['004_flow', false, 'CREATE TABLE flow (id int);', 'DROP TABLE flow;'],
    ]);
    expect(fs.readdirSync(path.join(dir, '.other-databases')).sort()).toEqual(['001_networks.mysql.up.sql', '001_networks.sqlite3.up.sql', '002_ids.cockroach.up.sql', '003_idx.mysql.autocommit.up.sql', '004_flow.autocommit.up.sql']);
  });

  it("files named for another database beside PostgreSQL's (goatcounter's -postgres.sql, -sqlite.sql) never run: one problem whose command moves them out, whichever fix runs first", () => {
    const r = scan({
      '2021-04-01-1-store-warn.sql': 'ALTER TABLE sites ADD COLUMN warn int;',
      '2021-04-02-1-paths.sql': 'ALTER TABLE sites ADD COLUMN path text;',
      '2021-04-07-1-billing-anchor-postgres.sql': 'ALTER TABLE sites ADD COLUMN IF NOT EXISTS notes text;',
      // Valid PostgreSQL too: renamed and renumbered as the version fix says, it would drop the column.
      '2021-04-07-1-billing-anchor-sqlite.sql': 'ALTER TABLE sites DROP COLUMN plan;',
      '2021-06-27-1-public_mysql.sql': 'SELECT 1;',
    });
    const told = groupAlike(r.problems);
    expect(told.map((p) => [p.code, p.message])).toEqual([
      ['BH011', '3 SQL migrations are named <id>.sql (2021-04-01-1-store-warn.sql, 2021-04-02-1-paths.sql, 2021-04-07-1-billing-anchor-postgres.sql): Bulkhead runs <id>.up.sql, with an optional <id>.down.sql'],
      ['BH011', "2 migration files are written for another database (2021-04-07-1-billing-anchor-sqlite.sql, 2021-06-27-1-public_mysql.sql: mysql, sqlite), beside PostgreSQL's (2021-04-07-1-billing-anchor-postgres.sql): Bulkhead runs every migration of the folder on PostgreSQL"],
    ]);
    // The rename first (it renames the other databases' files too), then the move.
    runFixCommand(told[0]!, dir);
    runFixCommand(told[1]!, dir);
    const again = scanMigrationsFolder('m', dir, (p) => path.relative(dir, p));
    expect(again.problems).toEqual([]);
    expect(again.migrations.map((m) => m.id)).toEqual(['2021-04-01-1-store-warn', '2021-04-02-1-paths', '2021-04-07-1-billing-anchor-postgres']);
    expect(fs.readdirSync(path.join(dir, '.other-databases')).sort()).toEqual(['2021-04-07-1-billing-anchor-sqlite.up.sql', '2021-06-27-1-public_mysql.up.sql']);
    // Where no file is PostgreSQL's by name, a name ending in a database is a PostgreSQL migration about it.
    fs.rmSync(path.join(dir, '2021-04-07-1-billing-anchor-postgres.up.sql'));
    fs.writeFileSync(path.join(dir, '2021-07-01-1-import_from_mysql.up.sql'), 'SELECT 1;');
    fs.writeFileSync(path.join(dir, '2021-07-02-1-drop_sqlite_cache.up.sql'), 'SELECT 1;');
    const alone = scanMigrationsFolder('m', dir, (p) => path.relative(dir, p));
    expect(alone.problems).toEqual([]);
    expect(alone.migrations.map((m) => m.id)).toEqual(['2021-04-01-1-store-warn', '2021-04-02-1-paths', '2021-07-01-1-import_from_mysql', '2021-07-02-1-drop_sqlite_cache']);
    // H2's beside them (DolphinScheduler's sql/: dolphinscheduler_postgresql.sql, _mysql.sql, _h2.sql): another database's, not a migration to rename.
    const java = scan({ 'dolphinscheduler_postgresql.sql': 'CREATE TABLE t (id int);', 'dolphinscheduler_mysql.sql': 'CREATE TABLE t (id int);', 'dolphinscheduler_h2.sql': 'CREATE TABLE t (id int);' });
    expect(groupAlike(java.problems).map((p) => p.message)).toContain("2 migration files are written for another database (dolphinscheduler_h2.sql, dolphinscheduler_mysql.sql: h2, mysql), beside PostgreSQL's (dolphinscheduler_postgresql.sql): Bulkhead runs every migration of the folder on PostgreSQL");
  });

  it("one subfolder per database (pocket-id's migrations/postgres beside migrations/sqlite) is one problem: point the manifest at PostgreSQL's, the others are not to be moved in", () => {
    scan({});
    for (const db of ['postgres', 'sqlite']) {
      fs.mkdirSync(path.join(dir, db));
      fs.writeFileSync(path.join(dir, db, '20241211111554_init.up.sql'), 'CREATE TABLE users (id int);');
    }
    const r = scanMigrationsFolder('m', dir, (p) => path.relative(dir, p) || '.');
    expect(r.warnings).toEqual([]);
    expect(r.problems.map((p) => [p.code, p.message, p.fix])).toEqual([
      [
        'BH011',
        'the migrations are in one subfolder per database (postgres/, sqlite/): Bulkhead runs the files directly in ., and none is there: up would say up to date',
        'point "migrations" in the manifest at PostgreSQL\'s folder, postgres (its value now followed by /postgres); sqlite/ is another database\'s, not to be run',
      ],
    ]);
  });

  it("migration-named templates of another extension (goatcounter's .gotxt) are one problem: render them for PostgreSQL, not rename them", () => {
    const r = scan({
      '001_init.up.sql': 'CREATE TABLE hits (id int);',
      '002_campaigns.gotxt': 'create table campaigns (\n  campaign_id {{auto_increment}},\n  name varchar not null {{sqlite "on conflict replace"}}\n);\n',
      '003_hits.gotxt': 'create index "hits#site" on hits(id) {{psql "using brin"}};\n',
      '004_notes.txt.bak': 'no template here',
    });
    expect(r.problems.map((p) => [p.code, p.message, p.file])).toEqual([
      ['BH038', '004_notes.txt.bak looks like a migration but will not run: a migration is <version>_<name>.up.sql (+ .down.sql) or .ts/.js', '004_notes.txt.bak'],
      ['BH033', '2 migration files are templates another tool renders before it runs them (002_campaigns.gotxt, 003_hits.gotxt: {{auto_increment}}, {{sqlite "on conflict replace"}}, {{psql "using brin"}}), not SQL Bulkhead can run', ''],
    ]);
    expect(r.problems[1]!.fix).toMatch(/^render each for PostgreSQL with that tool .* keep the rendered SQL as <id>\.up\.sql in .*, in place of the template/);
  });

  it("a folder of V-prefixed versions (authelia's V0001.Initial_Schema.up.sql) is one problem whose command drops the letter", () => {
    const r = scan({ 'V0001.Initial_Schema.up.sql': 'SELECT 1;', 'V0001.Initial_Schema.down.sql': 'SELECT 1;', 'V0002.Webauthn_Data.up.sql': 'SELECT 1;', 'V0010.Ban.up.sql': 'SELECT 1;' });
    expect(r.problems.map((p) => p.message)).toEqual(['4 migrations start with a letter before their version (V0001.Initial_Schema.down.sql, V0001.Initial_Schema.up.sql, V0002.Webauthn_Data.up.sql, …): a version is the leading digits']);
    runFixCommand(r.problems[0]!, dir);
    const again = scanMigrationsFolder('m', dir, (p) => path.relative(dir, p));
    expect(again.problems).toEqual([]);
    expect(again.migrations.map((m) => [m.id, m.downPath !== undefined])).toEqual([
      ['0001_Initial_Schema', true],
      ['0002_Webauthn_Data', false],
      ['0010_Ban', false],
    ]);
  });

  it('an up file without statements is a warning; several are one (ory sets have dozens of blank placeholders)', () => {
    const one = scan({ '001_a.up.sql': '-- nothing here\n', '002_b.up.sql': 'SELECT 1;' });
    expect(one.warnings.map((w) => w.message)).toEqual(['001_a.up.sql has no statements (comments only): it will be recorded as applied without changing anything']);
    const many = scan({ '001_a.up.sql': '-- blank\n', '002_b.up.sql': '', '003_c.up.sql': '/* x */', '004_d.up.sql': '-- y', '005_e.up.sql': 'SELECT 1;' });
    expect(many.problems).toEqual([]);
    expect(many.warnings.map((w) => w.message)).toEqual(['4 up files have no statements (001_a.up.sql, 002_b.up.sql, 003_c.up.sql, …): each will be recorded as applied without changing anything']);
    expect(many.migrations).toHaveLength(5);
  });

  it("another tool's migrations in another language (Alembic's Python) are an error when nothing else runs, a warning beside real migrations", () => {
    const alone = scan({ 'ae1027a6acf_create_users.py': 'revision = "ae1027a6acf"', '0002_more.py': 'x', '__init__.py': '' });
    expect(alone.problems.map((p) => [p.code, p.file, p.message])).toEqual([
      ['BH038', '0002_more.py', "3 files in  are another tool's migrations that Bulkhead does not run (0002_more.py, __init__.py, ae1027a6acf_create_users.py: Alembic and Django migrations are Python)"],
    ]);
    // The fix says how the tool prints their SQL: Alembic's offline mode (seed 003's 9ff5c33f8506), Django's sqlmigrate.
    const alembic = scan({
      '9ff5c33f8506_initial.py': 'revision = "9ff5c33f8506"\ndown_revision = None\n',
      'b2c3_more.py': "revision: str = 'b2c3'\ndown_revision: Union[str, None] = '9ff5c33f8506'\n",
    });
    expect(alembic.problems[0]!.fix).toContain(
      'Alembic prints a revision\'s SQL without a database (offline mode): alembic upgrade 9ff5c33f8506 --sql > <version>_<name>.up.sql for 9ff5c33f8506, alembic downgrade 9ff5c33f8506:base --sql for its down — then drop the alembic_version lines it adds',
    );
    const django = scan({ '0001_initial.py': 'from django.db import migrations\nclass Migration(migrations.Migration):\n    initial = True\n' });
    expect(django.problems[0]!.fix).toContain('python manage.py sqlmigrate <app> <migration> > <version>_<name>.up.sql, and with --backwards for its down');
    expect(alone.problems[0]!.fix).not.toContain('sqlmigrate');
    const beside = scan({ '001_a.up.sql': 'SELECT 1;', '20230101_x.rb': 'class X; end', 'embed.go': 'package migrations\n\n//go:embed *.sql\nvar FS embed.FS\n' });
    expect(beside.problems).toEqual([]);
    // Go migrations named v<version> (listmonk's v0.4.0.go, gitea's v283.go) or after "migration" (SpiceDB's
    // zz_migration.0001_initial.go) were passed over like embed.go: "ok, 0 migrations", and up had nothing to run.
    const go = scan({ 'v0.4.0.go': 'package migrations', 'zz_migration.0001_initial.go': 'package migrations', 'manager.go': 'package migrations' });
    expect(go.problems.map((p) => p.message)).toEqual([
      "2 files in  are another tool's migrations that Bulkhead does not run (v0.4.0.go, zz_migration.0001_initial.go: goose and golang code migrations are Go)",
    ]);
    expect(beside.warnings.map((w) => w.message)).toEqual(["1 file in  is another tool's migration that Bulkhead does not run (20230101_x.rb: Rails migrations are Ruby)"]);
    // Beside SQL migrations, moving the code out is only for what no later migration needs (hatchet's v1_0_99.go makes a table v1_0_100 locks).
    expect(beside.warnings[0]!.fix).toContain('or move them out of the folder (only those whose work no later migration needs');
    expect(alone.problems[0]!.fix).not.toContain('only those whose work');
    // pgroll's JSON and YAML documents of operations were passed over as JSON (up: "up to date"); other JSON still is.
    const pgroll = scan({ '01_create_users.json': '{"name": "01_create_users", "operations": [{"create_table": {"name": "users"}}]}', '02_add.yaml': 'operations:\n  - add_column: {}\n', 'package.json': '{"name": "x"}' });
    expect(pgroll.problems.map((p) => p.message)).toEqual([expect.stringContaining("2 files in  are another tool's migrations that Bulkhead does not run (01_create_users.json, 02_add.yaml: pgroll migrations are JSON or YAML operations")]);
    // SQL under another extension and no version, alone in the folder: named, not "0 migrations".
    const unnamed = scan({ 'schema.psql': 'CREATE TABLE x (id int);', 'notes.csv': 'a,b' });
    expect(unnamed.problems.map((p) => [p.code, p.message])).toEqual([['BH038', 'the migrations folder has no migrations Bulkhead runs, but 1 file of SQL (schema.psql): up would say up to date without it']]);
    expect(scan({ '001_a.up.sql': 'SELECT 1;', 'schema.psql': 'CREATE TABLE x (id int);' }).problems).toEqual([]);
    // A configuration file's keywords are not SQL (a manifest pointed at /etc: inputrc's set, logrotate's create).
    expect(scan({ inputrc: 'set bell-style none\n', 'logrotate.conf': 'weekly\ncreate 0640 root utmp\n' }).problems).toEqual([]);
    expect(scan({ 'seed.ddl': 'set search_path = app;\ngrant select, insert on t to app;\n' }).problems.map((p) => p.code)).toEqual(['BH038']);
  });

  it('a TS/JS migration written for another tool is told apart from a knex one by its source', async () => {
    const { foreignMigrationTool } = await import('./load-js.js');
    const tool = (src: string) => foreignMigrationTool(src)?.tool;
    expect(tool("exports.shorthands = undefined;\nexports.up = (pgm) => { pgm.createTable('u', {}); };")).toBe('node-pg-migrate');
    expect(tool('module.exports = { async up(queryInterface, Sequelize) { await queryInterface.createTable("i", {}); } };')).toBe('Sequelize (umzug)');
    expect(tool("import { MigrationInterface, QueryRunner } from 'typeorm';\nexport class A implements MigrationInterface { async up(queryRunner: QueryRunner) { await queryRunner.query('x'); } }")).toBe('TypeORM');
    expect(tool("import { Migration } from '@mikro-orm/migrations';\nexport class M extends Migration { async up() { this.addSql('x'); } }")).toBe('MikroORM');
    expect(tool("import { Kysely } from 'kysely';\nexport async function up(db: Kysely<any>) {}")).toBe('Kysely');
    expect(tool("import { sql } from '@silverhand/slonik';\nconst alteration = { up: async (pool) => { await pool.query(sql`create table a (id int)`); } };\nexport default alteration;")).toBe('slonik');
    expect(tool("'use strict';\nexports.up = function (db, cb) {\n  db.runSql('ALTER TABLE t ADD c int', cb);\n};")).toBe('db-migrate');
    expect(tool("var dbm;\nexports.setup = function (options) { dbm = options.dbmigrate; };\nexports.up = function (db) { return db.createTable('t', { id: 'int' }); };\nexports._meta = { version: 1 };")).toBe('db-migrate');
    // A knex migration whose parameter is named db.
    expect(tool("exports.up = async (db) => { await db.schema.createTable('t', (t) => t.increments()); await db.raw('select 1'); await db.insert({ a: 1 }).into('t'); };")).toBeUndefined();
    // knex's own, CommonJS and ESM, raw SQL included.
    expect(tool("import type { Knex } from 'knex';\nexport async function up(knex: Knex) { await knex.schema.createTable('t', (t) => t.increments()); await knex.raw('select 1'); }")).toBeUndefined();
    expect(tool("exports.up = (knex) => knex.schema.alterTable('t', (t) => t.string('x'));")).toBeUndefined();
    // db-migrate's schema calls alone (Unleash's create-client-applications).
    expect(tool("'use strict';\nexports.up = function (db, cb) {\n  db.createTable('client_applications', { app_name: { type: 'varchar' } }, cb);\n};")).toBe('db-migrate');
  });

  it("TypeORM's, node-pg-migrate's, Kysely's and Sequelize's migrations that only hand over SQL become SQL files, their no-transaction marks kept; the rest are named and left", async () => {
    const { toSqlCommand } = await import('./to-sql.js');
    const run = (tool: string, files: Record<string, string>) => {
      dir = newFolder();
      for (const [f, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, f), text);
      // tsx from this repository, as a project that has Bulkhead has it.
      const printed = execFileSync('bash', ['-c', toSqlCommand(tool)!.command], { cwd: dir, encoding: 'utf8', env: { ...process.env, NODE_PATH: path.resolve('node_modules') } });
      const read = (f: string) => (fs.existsSync(path.join(dir, f)) ? fs.readFileSync(path.join(dir, f), 'utf8') : undefined);
      return { printed: printed.trim(), read };
    };
    const typeorm = (name: string, up: string, down: string, extra = '') =>
      `import { MigrationInterface, QueryRunner } from "typeorm";\n\nexport class ${name} implements MigrationInterface {\n    name = "${name}";\n${extra}    public async up(queryRunner: QueryRunner): Promise<void> {\n${up}\n    }\n    public async down(queryRunner: QueryRunner): Promise<void> {\n${down}\n    }\n}\n`;
    const t = run('TypeORM', {
      '1700000000000-Init.ts': typeorm('Init1700000000000', '        await queryRunner.query(`CREATE TABLE "user" ("id" SERIAL NOT NULL, CONSTRAINT "PK_user" PRIMARY KEY ("id"))`);\n        await queryRunner.query(`CREATE TABLE "post" ("id" SERIAL NOT NULL)`);', '        await queryRunner.query(`DROP TABLE "post"`);\n        await queryRunner.query(`DROP TABLE "user"`);'),
      '1700000000001-Index.ts': typeorm('Index1700000000001', '        await queryRunner.query(`CREATE INDEX CONCURRENTLY "IDX_user" ON "user" ("id") `);', '        await queryRunner.query(`DROP INDEX CONCURRENTLY "IDX_user"`);', '    transaction = false;\n'),
      '1700000000002-Column.ts': typeorm('Column1700000000002', '        await queryRunner.addColumn("user", { name: "x" } as any);', ''),
      '1700000000003-Backfill.ts': typeorm('Backfill1700000000003', "        await queryRunner.query(`UPDATE \"user\" SET id = $1`, [1]);", ''),
      // Rows read, and acted on only when there are some: the stand-in has none, so it is left.
      '1700000000004-Rows.ts': typeorm('Rows1700000000004', "        const rows = await queryRunner.query(`/* which */ SELECT id FROM \"user\"`);\n        if (rows?.length) await queryRunner.query(`DELETE FROM \"user\"`);", ''),
      // RETURNING inside a function's body is no query of the migration's.
      '1700000000005-Function.ts': typeorm('Function1700000000005', "        await queryRunner.query(`CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ DECLARE x int; BEGIN INSERT INTO t VALUES (1) RETURNING id INTO x; RETURN x; END $$`);", ''),
    });
    expect(t.printed).toBe('no down file written, as their down ran no SQL (empty, or a query built but never run) (1): 1700000000005-Function.ts\nleft to rewrite by hand (3): 1700000000002-Column.ts 1700000000003-Backfill.ts 1700000000004-Rows.ts');
    expect(t.read('1700000000005-Function.up.sql')).toContain('RETURNING id INTO x');
    expect(t.read('1700000000000-Init.up.sql')).toBe('CREATE TABLE "user" ("id" SERIAL NOT NULL, CONSTRAINT "PK_user" PRIMARY KEY ("id"));\n\nCREATE TABLE "post" ("id" SERIAL NOT NULL);\n');
    expect(t.read('1700000000000-Init.down.sql')).toBe('DROP TABLE "post";\n\nDROP TABLE "user";\n');
    expect(t.read('1700000000001-Index.up.sql')).toBe('-- bulkhead:no-transaction\nCREATE INDEX CONCURRENTLY "IDX_user" ON "user" ("id");\n');
    expect(fs.readdirSync(path.join(dir, '.typeorm')).sort()).toEqual(['1700000000000-Init.ts', '1700000000001-Index.ts', '1700000000005-Function.ts']);
    // Misskey's: plain JavaScript classes in a package of ES modules.
    const esm = run('TypeORM', {
      'package.json': '{ "type": "module" }',
      '1595771249699-word-mute.js': "export class wordMute1595771249699 {\n\tconstructor() { this.name = 'wordMute1595771249699'; }\n\tasync up(queryRunner) {\n\t\tawait queryRunner.query('CREATE TABLE \"muted_note\" (\"id\" character varying(32) NOT NULL)');\n\t}\n\tasync down(queryRunner) {\n\t\tawait queryRunner.query('DROP TABLE \"muted_note\"');\n\t}\n}\n",
    });
    expect(esm.printed).toBe('');
    expect(esm.read('1595771249699-word-mute.up.sql')).toBe('CREATE TABLE "muted_note" ("id" character varying(32) NOT NULL);\n');
    expect(esm.read('1595771249699-word-mute.down.sql')).toBe('DROP TABLE "muted_note";\n');

    const p = run('node-pg-migrate', {
      '1700000000000_a.js': "exports.shorthands = undefined;\nexports.up = (pgm) => { pgm.sql('CREATE TABLE a (id int)'); };\nexports.down = (pgm) => { pgm.sql('DROP TABLE a'); };\n",
      '1700000000001_b.js': "exports.up = (pgm) => { pgm.noTransaction(); pgm.sql('CREATE INDEX CONCURRENTLY a_id ON a (id)'); };\nexports.down = false;\n",
      '1700000000002_c.js': "exports.up = (pgm) => { pgm.createTable('c', { id: 'id' }); };\n",
      '1700000000003_d.js': "exports.up = (pgm) => { pgm.sql('UPDATE a SET id = {v}', { v: 1 }); };\n",
      // A WITH whose statement writes (Unleash's dedupes) returns no rows: converted.
      '1700000000004_e.js': "exports.up = (pgm) => { pgm.sql('WITH ranked AS (SELECT id FROM a) DELETE FROM a WHERE id IN (SELECT id FROM ranked)'); };\n",
    });
    expect(p.printed).toBe('left to rewrite by hand (2): 1700000000002_c.js 1700000000003_d.js');
    expect(p.read('1700000000000_a.up.sql')).toBe('CREATE TABLE a (id int);\n');
    expect(p.read('1700000000000_a.down.sql')).toBe('DROP TABLE a;\n');
    expect(p.read('1700000000001_b.up.sql')).toBe('-- bulkhead:no-transaction\nCREATE INDEX CONCURRENTLY a_id ON a (id);\n');
    expect(p.read('1700000000001_b.down.sql')).toBeUndefined();
    expect(p.read('1700000000004_e.up.sql')).toBe('WITH ranked AS (SELECT id FROM a) DELETE FROM a WHERE id IN (SELECT id FROM ranked);\n');
    // Kysely's (immich's are sql`…` alone): compiled by the project's kysely, run nowhere.
    const k = run('Kysely', {
      '1744910873969-Initial.ts':
        "import { Kysely, sql } from 'kysely';\n\nexport async function up(db: Kysely<any>): Promise<void> {\n  await sql`CREATE EXTENSION IF NOT EXISTS \"uuid-ossp\";`.execute(db);\n  await sql`CREATE TABLE \"users\" (\"id\" uuid NOT NULL DEFAULT uuid_generate_v4());`.execute(db);\n}\n\nexport async function down(): Promise<void> {}\n",
      '1744910873970-Builder.ts':
        "import type { Kysely } from 'kysely';\n\nexport async function up(db: Kysely<any>): Promise<void> {\n  await db.schema.createTable('album').addColumn('id', 'serial', (c) => c.primaryKey()).addColumn('name', 'text', (c) => c.notNull().defaultTo('untitled')).execute();\n  await db.schema.createIndex('album_name').on('album').column('name').execute();\n}\n\nexport async function down(db: Kysely<any>): Promise<void> {\n  await db.schema.dropTable('album').execute();\n}\n",
      // A value passed to the server: not inlined, left.
      '1744910873971-Values.ts': "import { Kysely, sql } from 'kysely';\nexport async function up(db: Kysely<any>) {\n  await sql`UPDATE album SET name = ${'x'}`.execute(db);\n}\n",
      // atproto ozone's communication-template: a down that builds its DROP but never runs it.
      '1744910873972-Unrun.ts': "import type { Kysely } from 'kysely';\nexport async function up(db: Kysely<any>) {\n  await db.schema.createTable('t').addColumn('id', 'integer').execute();\n}\nexport async function down(db: Kysely<any>) {\n  await db.schema.dropTable('t');\n}\n",
      // One importing the application's code (ozone's stats views): the missing module is named, not the other loader's complaint.
      '1744910873973-App.ts': "import { sql } from 'kysely';\nimport { REASON } from '../../lexicon/defs.js';\nexport async function up(db: any) {\n  await sql`CREATE TABLE reasons (r text DEFAULT ${sql.lit(REASON)})`.execute(db);\n}\n",
    });
    expect(k.printed.split('\n')).toEqual([
      'no down file written, as their down ran no SQL (empty, or a query built but never run) (2): 1744910873969-Initial.ts 1744910873972-Unrun.ts',
      expect.stringMatching(/^left to rewrite by hand \(2\): 1744910873971-Values\.ts 1744910873973-App\.ts \(cannot load: Cannot find module '\.\.\/\.\.\/lexicon\/defs\.js'/),
    ]);
    expect(k.read('1744910873972-Unrun.up.sql')).toBe('create table "t" ("id" integer);\n');
    expect(k.read('1744910873972-Unrun.down.sql')).toBeUndefined();
    expect(k.read('1744910873969-Initial.up.sql')).toBe('CREATE EXTENSION IF NOT EXISTS "uuid-ossp";\n\nCREATE TABLE "users" ("id" uuid NOT NULL DEFAULT uuid_generate_v4());\n');
    expect(k.read('1744910873969-Initial.down.sql')).toBeUndefined();
    expect(k.read('1744910873970-Builder.up.sql')).toBe('create table "album" ("id" serial primary key, "name" text default \'untitled\' not null);\n\ncreate index "album_name" on "album" ("name");\n');
    expect(k.read('1744910873970-Builder.down.sql')).toBe('drop table "album";\n');
    // Sequelize's raw queries, in its transaction or not; its schema calls are left.
    const q = run('Sequelize (umzug)', {
      '20240101000000-raw.js':
        "'use strict';\nmodule.exports = {\n  up: async (queryInterface, Sequelize) => {\n    await queryInterface.sequelize.transaction(async (transaction) => {\n      await queryInterface.sequelize.query('ALTER TABLE users ADD COLUMN flags jsonb', { transaction });\n      await queryInterface.sequelize.query('CREATE INDEX users_flags ON users USING gin (flags)', { transaction });\n    });\n  },\n  down: async (queryInterface) => {\n    await queryInterface.sequelize.query('ALTER TABLE users DROP COLUMN flags');\n  },\n};\n",
      '20240101000001-schema.js': "module.exports = { up: async (queryInterface, Sequelize) => { await queryInterface.addColumn('users', 'x', { type: Sequelize.STRING }); } };\n",
      // A property of the object read (which dialect): branches the stand-in cannot answer, left.
      '20240101000002-dialect.js': "module.exports = { up: async (queryInterface) => { if (queryInterface.sequelize.options.dialect === 'postgres') await queryInterface.sequelize.query('ALTER TABLE users ADD COLUMN y int'); } };\n",
    });
    expect(q.printed).toBe('left to rewrite by hand (2): 20240101000001-schema.js 20240101000002-dialect.js');
    expect(q.read('20240101000000-raw.up.sql')).toBe('ALTER TABLE users ADD COLUMN flags jsonb;\n\nCREATE INDEX users_flags ON users USING gin (flags);\n');
    expect(q.read('20240101000000-raw.down.sql')).toBe('ALTER TABLE users DROP COLUMN flags;\n');
    // Tools without one have no command.
    expect(toSqlCommand('MikroORM')).toBeUndefined();
  });

  it('a migrations folder that does not exist: the folders of the module that hold SQL are named, PostgreSQL\'s first', () => {
    dir = newFolder();
    const rel = (p: string) => path.relative(dir, p);
    fs.writeFileSync(path.join(dir, 'bulkhead.json'), '{}');
    // authelia's internal/storage/migrations, copied in as the module's folder.
    for (const db of ['mysql', 'postgres', 'sqlite']) {
      fs.mkdirSync(path.join(dir, db));
      fs.writeFileSync(path.join(dir, db, 'V0001.Initial_Schema.up.sql'), 'CREATE TABLE t (id int);');
      fs.writeFileSync(path.join(dir, db, 'V0001.Initial_Schema.down.sql'), 'DROP TABLE t;');
    }
    const r = scanMigrationsFolder('authelia', path.join(dir, 'migrations'), rel);
    expect(r.problems.map((p) => [p.code, p.message, p.fix])).toEqual([
      [
        'BH010',
        'migrations folder migrations does not exist',
        'create it (bulkhead make authelia <name> does), or set "migrations" in the manifest to the right folder — SQL files are in : "postgres" (2 SQL files), "mysql" (2 SQL files), "sqlite" (2 SQL files), the first named for PostgreSQL',
      ],
    ]);
    // Nothing to point at: the fix as it was.
    for (const db of ['mysql', 'postgres', 'sqlite']) fs.rmSync(path.join(dir, db), { recursive: true });
    expect(scanMigrationsFolder('authelia', path.join(dir, 'migrations'), rel).problems[0]!.fix).toBe('create it (bulkhead make authelia <name> does), or set "migrations" in the manifest to the right folder');
  });

  it("db-migrate's migrations that only hand over SQL become SQL files; the rest are named and left", async () => {
    const { toSqlCommand } = await import('./to-sql.js');
    dir = newFolder();
    const files: Record<string, string> = {
      // callback style, the SQL in a template literal
      '20141020151056-initial-schema.js': "'use strict';\nexports.up = function (db, cb) {\n  db.runSql(`CREATE TABLE strategies (name text);`, cb);\n};\nexports.down = function (db, cb) {\n  db.runSql('DROP TABLE strategies', cb);\n};\n",
      // Unleash's slip: cb() called as the argument (runSql gets undefined); no down
      '20230927071830-reset.js': "exports.up = function (db, callback) { db.runSql('DELETE FROM strategies', callback()); };\nexports.down = function (db, callback) { callback(); };\n",
      // db-migrate's SQL-file template: a promise that reads sqls/<id>-up.sql
      '20240101000000-from-file.js':
        "var fs = require('fs'); var path = require('path');\nexports.up = function (db) {\n  return new Promise((resolve, reject) => fs.readFile(path.join(__dirname, 'sqls', '20240101000000-from-file-up.sql'), 'utf8', (e, d) => (e ? reject(e) : resolve(d)))).then((d) => db.runSql(d));\n};\nexports.down = function () { return null; };\nexports._meta = { version: 1 };\n",
      'sqls/20240101000000-from-file-up.sql': 'ALTER TABLE strategies ADD COLUMN x int;\n',
      // a schema call, and rows read and acted on: left, named
      '20161205203516-create-client-applications.js': "exports.up = function (db, cb) { db.createTable('client_applications', { app_name: { type: 'string' } }, cb); };\n",
      '20210428062103-user-permission-to-rbac.js': "exports.up = function (db, cb) { db.runSql('SELECT id FROM users', (err, results) => { if (results.rowCount > 0) db.runSql('INSERT INTO x VALUES (1)', cb); else cb(); }); };\n",
    };
    writeTree(dir, files);
    const printed = execFileSync('bash', ['-c', toSqlCommand('db-migrate')!.command], { cwd: dir, encoding: 'utf8' });
    expect(printed.trim()).toBe('no down file written, as their down ran no SQL (empty, or a query built but never run) (2): 20230927071830-reset.js 20240101000000-from-file.js\nleft to rewrite by hand (2): 20161205203516-create-client-applications.js 20210428062103-user-permission-to-rbac.js');
    const read = (f: string) => fs.readFileSync(path.join(dir, f), 'utf8');
    expect(read('20141020151056-initial-schema.up.sql')).toBe('CREATE TABLE strategies (name text);\n');
    expect(read('20141020151056-initial-schema.down.sql')).toBe('DROP TABLE strategies;\n');
    expect(read('20230927071830-reset.up.sql')).toBe('DELETE FROM strategies;\n');
    expect(read('20240101000000-from-file.up.sql')).toBe('ALTER TABLE strategies ADD COLUMN x int;\n');
    expect(fs.readdirSync(dir).sort()).toEqual([
      '.db-migrate',
      '20141020151056-initial-schema.down.sql',
      '20141020151056-initial-schema.up.sql',
      '20161205203516-create-client-applications.js',
      '20210428062103-user-permission-to-rbac.js',
      '20230927071830-reset.up.sql',
      '20240101000000-from-file.up.sql',
    ]);
    expect(fs.readdirSync(path.join(dir, '.db-migrate')).sort()).toEqual(['20141020151056-initial-schema.js', '20230927071830-reset.js', '20240101000000-from-file.js', 'sqls']);
    // What is left is a problem still (BH017), and the SQL files are a sequence.
    const r = scanMigrationsFolder('unleash', dir, (p) => path.relative(dir, p));
    expect(r.problems).toEqual([]);
    expect(r.migrations.map((m) => m.id)).toEqual(['20141020151056-initial-schema', '20161205203516-create-client-applications', '20210428062103-user-permission-to-rbac', '20230927071830-reset', '20240101000000-from-file']);
  });

  it('release numbers as names (wiki.js: 2.0.0.js … 2.5.128.js) are one problem with every rename in release order', () => {
    const r = scan({ '2.0.0.js': 'exports.up = () => {}', '2.5.12.js': 'exports.up = () => {}', '2.5.108.js': 'exports.up = () => {}', '2.10.1.up.sql': 'SELECT 1;' });
    expect(r.problems).toEqual([
      expect.objectContaining({
        code: 'BH012',
        message: '4 migrations named by release number (2.0.0, 2.5.12, 2.5.108, …): the version is the leading digits only ("2"), so they share versions and sort as text (2.10.1 before 2.5.12)',
        fix: expect.stringContaining('rename them to numbered versions in release order: 2.0.0.js → 001_v2_0_0.js, 2.5.12.js → 002_v2_5_12.js, 2.5.108.js → 003_v2_5_108.js, … (4 in all), e.g. in '),
      }),
    ]);
    // The command renames them as the examples say, up and down files alike (real bash, a scratch folder).
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bh012-'));
    try {
      for (const f of ['2.0.0.js', '2.5.12.js', '2.5.108.js', '2.10.1.up.sql', '2.10.1.down.sql', '2.5.1_fix.up.sql']) fs.writeFileSync(path.join(dir, f), '');
      const fix = r.problems[0]!.fix!;
      execFileSync('bash', ['-c', fix.slice(fix.indexOf('(bash): ') + 8)], { cwd: dir });
      expect(fs.readdirSync(dir).sort()).toEqual(['001_v2_0_0.js', '002_v2_5_1_fix.up.sql', '003_v2_5_12.js', '004_v2_5_108.js', '005_v2_10_1.down.sql', '005_v2_10_1.up.sql']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('templates (another tool renders the SQL before it runs)', () => {
  const failing = (file: string, text: string) => markTemplated(problem('BH033', 'SQL does not parse: syntax error at or near "{"', { module: 'auth', file, line: 1 }), templateExpressions(text));

  it('finds template expressions, not array literals or commented ones', () => {
    expect(templateExpressions("ALTER TABLE {{ index .Options \"Namespace\" }}.users ADD c int[][] DEFAULT '{{1,2},{3,4}}';\n-- {{ .Old }}\nSELECT {{.Namespace}}, {{ index .Options \"Namespace\" }};\n")).toEqual(['{{ index .Options "Namespace" }}', '{{.Namespace}}']);
    // A -- inside a string is not a comment: what follows it on the line is still read.
    expect(templateExpressions("INSERT INTO notes VALUES ('a--b'), ('{{ .Schema }}');\n/* {{ .Hidden }} */ SELECT 1;\n")).toEqual(['{{ .Schema }}']);
    expect(templateOn("SELECT '{{1,2},{3,4}}'::int[][]")).toBeUndefined();
    expect(templateOn('CREATE SCHEMA {{ schema_name }};')).toBe('{{ schema_name }}');
  });

  it('a folder of templated files is one problem whose sed command writes the values in; one file keeps its own', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bh-templates-'));
    onTestFinished(() => fs.rmSync(dir, { recursive: true, force: true }));
    const files = {
      '001_init.up.sql': 'CREATE TABLE {{ index .Options "Namespace" }}.users (id uuid);\n',
      '002_more.up.sql': 'ALTER TABLE {{index .Options "Namespace" }}.users ADD name text;\nCREATE INDEX ON {{ .Options.Schema }}.users (name);\n',
      '003_text.up.sql': "INSERT INTO {{ index .Options \"Namespace\" }}.mails VALUES ('Hello {{ .Name }}');\n",
    };
    for (const [f, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, f), text);
    const other = problem('BH011', 'something else', { module: 'auth', file: 'modules/auth/migrations' });
    const single = failing('modules/other/migrations/001_a.up.sql', 'CREATE TABLE {{ .X }} (id int);');
    const grouped = groupAlike([other, ...Object.entries(files).map(([f, t]) => failing(`modules/auth/migrations/${f}`, t)), single]);
    expect(grouped).toHaveLength(3);
    expect(grouped[0]).toBe(other);
    expect(grouped[2]).toBe(single);
    const folder = grouped[1]!;
    expect(folder).toMatchObject({ code: 'BH033', module: 'auth', file: 'modules/auth/migrations' });
    expect(folder.message).toContain('3 migration files hold templates another tool fills in before it runs them ({{ index .Options "Namespace" }}, {{ .Options.Schema }}, {{ .Name }})');
    expect(folder.fix).toContain('with <Namespace>, <Schema>, <Name> replaced by what the other tool gave them');
    // The command, with the values filled in, leaves SQL (both spellings of one expression).
    runFixCommand({ fix: folder.fix!.replace('<Namespace>', 'auth').replace('<Schema>', 'auth').replace('<Name>', 'you') }, dir);
    expect(fs.readFileSync(path.join(dir, '002_more.up.sql'), 'utf8')).toBe('ALTER TABLE auth.users ADD name text;\nCREATE INDEX ON auth.users (name);\n');
    expect(fs.readFileSync(path.join(dir, '003_text.up.sql'), 'utf8')).toBe("INSERT INTO auth.mails VALUES ('Hello you');\n");
  });
});

describe('nodePreloads', () => {
  it("what Node loads before Bulkhead is read from NODE_OPTIONS and the options before the script, in each of Node's spellings", async () => {
    const { nodePreloads } = await import('./load-js.js');
    expect(nodePreloads({}, [])).toEqual([]);
    expect(nodePreloads({ NODE_OPTIONS: '--max-old-space-size=4096 --import ./globals.mjs -r dotenv/config --require=./setup.cjs' }, [])).toEqual(['./globals.mjs', 'dotenv/config', './setup.cjs']);
    expect(nodePreloads({ NODE_OPTIONS: '--require "./my setup/a.cjs" --enable-source-maps' }, ['--import=./b.mjs', '--experimental-loader', 'ts-node/esm'])).toEqual(['./my setup/a.cjs', './b.mjs', 'ts-node/esm']);
    // A flag's name alone, at the end, names nothing.
    expect(nodePreloads({ NODE_OPTIONS: '--import' }, [])).toEqual([]);
  });
});

describe('asMigrationCode', () => {
  it("refuses process.exit while a migration's code runs, and keeps a process.env the migration replaced", async () => {
    const { asMigrationCode, MigrationExitError } = await import('./load-js.js');
    const host = process.env;
    const exit = process.exit;
    onTestFinished(() => {
      process.env = host;
    });
    await expect(asMigrationCode(async () => process.exit(3))).rejects.toBeInstanceOf(MigrationExitError);
    expect(process.exit).toBe(exit);
    // Read through, unchanged.
    expect(await asMigrationCode(async () => process.env.PATH)).toBe(host.PATH);
    expect(process.env).toBe(host);
    // Replaced wholesale (a dotenv-style loader): later migrations, under knex too, read the replacement.
    await asMigrationCode(async () => {
      process.env = { ...process.env, BULKHEAD_TEST_REPLACED: 'yes' };
    });
    expect(process.env).not.toBe(host);
    expect(process.env.BULKHEAD_TEST_REPLACED).toBe('yes');
  });
});
