/**
 * `lint` and `plan --locks` as a user runs them (SPEC §8): findings with file:line:column, the
 * statement and the fix; exit 1 on an error-level finding; TS migrations judged by the SQL they
 * emit; suppressions and the manifest's configuration; SARIF and GitHub annotations.
 */
import pg from 'pg';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { adminQuery, createDatabase, databaseUrl, makeWorkspace, REPO, runCli, type Fixture } from '../support/fixtures.js';

let fx: Fixture | undefined;
afterEach(() => fx?.cleanup());

const risky = {
  '001_users.up.sql': 'CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL, tier text);\nCREATE INDEX users_email_idx ON users (email);\n',
  '001_users.down.sql': 'DROP TABLE users;\n',
  '002_tier.up.sql': "-- the backfill\nALTER TABLE users ALTER COLUMN tier SET DEFAULT 'free';\nUPDATE users SET tier = 'free';\n\nCREATE INDEX users_tier_idx ON users (tier);\n",
  '002_tier.down.sql': 'DROP INDEX users_tier_idx;\n',
};

describe('lint', () => {
  it('text: file:line:column, severity, code, rule, message, statement and fix; exit 1 on errors; the new table of the same file is not flagged', async () => {
    fx = makeWorkspace([{ name: 'accounts', url: 'pglite://memory', migrations: risky }]);
    const r = await runCli(['lint'], { cwd: fx.root });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('modules/accounts/migrations/002_tier.up.sql:3:1: error BH-M501 update-or-delete-without-where: UPDATE of every row of public.users (no WHERE)');
    expect(r.stderr).toContain("  UPDATE users SET tier = 'free'");
    expect(r.stderr).toContain('modules/accounts/migrations/002_tier.up.sql:5:32: error BH-L201 index-without-concurrently: CREATE INDEX on public.users without CONCURRENTLY blocks writes while it builds');
    // The fix gives the statement as it should read.
    expect(r.stderr).toContain('  fix: move it to a migration of its own marked -- bulkhead:no-transaction (its first line), as CREATE INDEX CONCURRENTLY users_tier_idx ON users (tier);');
    // 001 creates users and indexes it in the same file: a new, empty table.
    expect(r.stderr).not.toContain('001_users.up.sql');
    // The down drops only what its up created, except the index 002 did create: DROP INDEX in a down is expected.
    expect(r.stderr).not.toContain('001_users.down.sql');
    expect(r.stderr).toContain('002_tier.up.sql:3:1: warning BH-M502 backfill-in-ddl-transaction');
    expect(r.stderr).toMatch(/4 files, \d+ statements: 2 errors, 1 warning/);
  });

  it('suppression with a reason, a manifest turning a rule off or down to a warning', async () => {
    fx = makeWorkspace([
      {
        name: 'accounts',
        url: 'pglite://memory',
        manifest: { lint: { rules: { 'BH-M501': 'warning' } } },
        migrations: { ...risky, '002_tier.up.sql': "ALTER TABLE users ALTER COLUMN tier SET DEFAULT 'free';\nUPDATE users SET tier = 'free';\n-- bulkhead:allow index-without-concurrently users has a few hundred rows\nCREATE INDEX users_tier_idx ON users (tier);\n" },
      },
    ]);
    const r = await runCli(['lint', '--json'], { cwd: fx.root });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.json.findings.map((f: { code: string; severity: string; line: number }) => [f.code, f.severity, f.line])).toEqual([
      ['BH-M501', 'warning', 2],
      ['BH-M502', 'warning', 2],
    ]);
  });

  it('a TS migration is linted from the SQL it emits, attributed to its file and line; SARIF and annotations', async () => {
    fx = makeWorkspace([
      {
        name: 'shop',
        url: 'pglite://memory',
        migrations: {
          '001_orders.up.sql': 'CREATE TABLE orders (id bigint PRIMARY KEY, total numeric);\n',
          '001_orders.down.sql': 'DROP TABLE orders;\n',
          '002_status.ts': `import type { Knex } from 'knex';

export async function up(knex: Knex) {
  await knex.schema.alterTable('orders', (t) => {
    t.string('status', 20).notNullable();
  });
}

export async function down(knex: Knex) {
  await knex.schema.alterTable('orders', (t) => t.dropColumn('status'));
}
`,
        },
      },
    ]);
    const r = await runCli(['lint', '--json'], { cwd: fx.root });
    expect(r.exitCode).toBe(1);
    expect(r.json.findings).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ code: 'BH-L206', file: 'modules/shop/migrations/002_status.ts', line: 4, message: expect.stringContaining('new column public.orders.status is NOT NULL without a default') }),
        expect.objectContaining({ code: 'BH-Y603', file: 'modules/shop/migrations/002_status.ts', severity: 'warning' }),
      ]),
    );
    const sarif = await runCli(['lint', '--format', 'sarif'], { cwd: fx.root });
    const doc = JSON.parse(sarif.stdout);
    expect(doc.version).toBe('2.1.0');
    expect(doc.runs[0].tool.driver.rules.map((x: { id: string }) => x.id)).toContain('BH-L206');
    expect(doc.runs[0].results).toContainEqual(
      expect.objectContaining({ ruleId: 'BH-L206', level: 'error', locations: [{ physicalLocation: { artifactLocation: { uri: 'modules/shop/migrations/002_status.ts' }, region: { startLine: 4, startColumn: 1 } } }] }),
    );
    const gha = await runCli(['lint'], { cwd: fx.root, env: { GITHUB_ACTIONS: 'true' } });
    expect(gha.stdout).toContain('::error file=modules/shop/migrations/002_status.ts,line=4,col=1,title=BH-L206 not-null-column-without-default::new column public.orders.status is NOT NULL');
    expect(gha.stdout).toContain('::warning file=modules/shop/migrations/002_status.ts');
  });

  it('what a TS migration emits is analysed again when a file it imports changes, not only when its own text does', async () => {
    fx = makeWorkspace([
      {
        name: 'shop',
        url: 'pglite://memory',
        migrations: {
          '001_orders.ts': `import { ORDERS, STATUS } from '../schema/names';
export const up = (knex: any) => knex.schema.createTable(ORDERS, (t: any) => { t.bigIncrements('id'); t.string(STATUS, 20); });
export const down = (knex: any) => knex.schema.dropTable(ORDERS);
`,
        },
      },
    ]);
    fx.write('modules/shop/schema/names.ts', "export const ORDERS = 'orders';\nexport const STATUS = 'status';\n");
    const first = await runCli(['lint', '--json'], { cwd: fx.root });
    expect(first.json.findings).toContainEqual(expect.objectContaining({ code: 'BH-Y603', message: expect.stringContaining('column status is varchar(20)') }));
    // The migration's own text is unchanged; what it emits is not.
    fx.write('modules/shop/schema/names.ts', "export const ORDERS = 'orders';\nexport const STATUS = 'state';\n");
    const second = await runCli(['lint', '--json'], { cwd: fx.root });
    expect(second.json.findings).toContainEqual(expect.objectContaining({ code: 'BH-Y603', message: expect.stringContaining('column state is varchar(20)') }));
    expect(JSON.stringify(second.json.findings)).not.toContain('column status');
  });

  it('the same for an ES-module JavaScript migration (.mjs) and the files it imports', async () => {
    fx = makeWorkspace([
      {
        name: 'shop',
        url: 'pglite://memory',
        migrations: {
          '001_orders.mjs': `import { ORDERS, STATUS } from '../schema/names.mjs';
export const up = (knex) => knex.schema.createTable(ORDERS, (t) => { t.bigIncrements('id'); t.string(STATUS, 20); });
export const down = (knex) => knex.schema.dropTable(ORDERS);
`,
        },
      },
    ]);
    fx.write('modules/shop/schema/names.mjs', "export { ORDERS } from './tables.mjs';\nexport const STATUS = 'status';\n");
    fx.write('modules/shop/schema/tables.mjs', "export const ORDERS = 'orders';\n");
    const first = await runCli(['lint', '--json'], { cwd: fx.root });
    expect(first.json.findings).toContainEqual(expect.objectContaining({ code: 'BH-Y603', message: expect.stringContaining('column status is varchar(20)') }));
    // A file the import imports: followed too.
    fx.write('modules/shop/schema/tables.mjs', "export const ORDERS = 'purchases';\n");
    const second = await runCli(['lint', '--json'], { cwd: fx.root });
    expect(second.json.findings).toContainEqual(expect.objectContaining({ code: 'BH-Y603', statement: expect.stringContaining('create table "purchases"') }));
    expect(JSON.stringify(second.json.findings)).not.toContain('"orders"');
  });

  it("a knex migration's fixes read as knex (string(), increments(), exports.config); one that fails on the scratch database is linted up to its failure and said not to be checked after", async () => {
    fx = makeWorkspace([
      {
        name: 'links',
        url: 'pglite://memory',
        migrations: {
          '001_links.js': "exports.up = (knex) => knex.schema.createTable('links', (t) => { t.increments('id'); t.string('address'); t.json('meta'); });\nexports.down = (knex) => knex.schema.dropTable('links');\n",
          '002_index.js': "exports.up = (knex) => knex.raw('CREATE INDEX CONCURRENTLY links_address ON links (address)');\nexports.down = (knex) => knex.raw('DROP INDEX links_address');\n",
          '003_later.js': "exports.up = (knex) => knex.schema.dropTable('links');\n",
        },
      },
    ]);
    const r = await runCli(['lint', '--json'], { cwd: fx.root });
    expect(r.exitCode).toBe(1);
    const by = (code: string) => r.json.findings.filter((f: any) => f.code === code).map((f: any) => `${f.file.replace(/.*\//, '')}: ${f.fix}`);
    expect(by('BH-Y603')).toEqual(["001_links.js: use text: table.text('col') instead of table.string('col') (knex's string() is varchar(255)), with a CHECK (length(col) <= n) if the limit matters"]);
    expect(by('BH-Y604')).toEqual(["001_links.js: use bigint: table.bigIncrements('id') instead of table.increments('id')"]);
    expect(by('BH-Y605')).toEqual(["001_links.js: use jsonb: table.jsonb('col') instead of table.json('col')"]);
    expect(by('BH-T401')).toEqual(['002_index.js: move the statement into a migration of its own with export const config = { transaction: false } (CommonJS: exports.config = { transaction: false })']);
    // 003 is not known (its SQL was never emitted): said, as a warning.
    expect(r.json.findings).toContainEqual(
      expect.objectContaining({ code: 'BH-S003', severity: 'warning', file: 'modules/links/migrations/002_index.js', message: expect.stringContaining('not checked for isolation nor linted: CREATE INDEX CONCURRENTLY cannot run inside a transaction block'), fix: expect.stringContaining('002_index fails wherever it runs in a transaction: export const config = { transaction: false }') }),
    );
    expect(r.json.findings.some((f: any) => f.file.endsWith('003_later.js') && f.code !== 'BH-S003')).toBe(false);
  });

  it('an undeclared extension, another module’s object, and a statement for a newer PostgreSQL', async () => {
    fx = makeWorkspace([
      { name: 'inventory', url: 'pglite://memory', manifest: { owns: ['inventory_*'] }, migrations: { '001_items.up.sql': 'CREATE TABLE inventory_items (id bigint PRIMARY KEY);\n' } },
      { name: 'orders', url: 'pglite://memory', migrations: { '001_x.up.sql': 'CREATE EXTENSION IF NOT EXISTS pgcrypto;\nMERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN DELETE;\n' } },
    ]);
    const r = await runCli(['lint', 'orders', '--pg-version', '14', '--json'], { cwd: fx.root });
    expect(r.json.findings.map((f: { code: string }) => f.code).sort()).toEqual(['BH-X801', 'BH-X803']);
    const bad = await runCli(['lint', '--pg-version', 'fifteen'], { cwd: fx.root });
    expect(bad.exitCode).toBe(2);
    fx.write('modules/orders/migrations/002_y.up.sql', 'ALTER TABLE inventory_items ADD COLUMN order_id bigint;\n');
    const other = await runCli(['lint', 'orders', '--json'], { cwd: fx.root });
    expect(other.json.findings).toContainEqual(expect.objectContaining({ code: 'BH-X802', file: 'modules/orders/migrations/002_y.up.sql', line: 1 }));
  });

  it("a type, function or operator class of an extension nothing creates (chirpstack's gin_trgm_ops); one a module in another schema of the same database creates is there", async () => {
    fx = makeWorkspace([
      { name: 'search', url: 'pglite://.bulkhead/search', migrations: { '001_t.up.sql': 'CREATE TABLE tenant (name text);\nCREATE INDEX tenant_name_trgm ON tenant USING gin (name gin_trgm_ops);\n' } },
    ]);
    const r = await runCli(['lint', '--json'], { cwd: fx.root });
    expect(r.exitCode).toBe(1);
    expect(r.json.findings).toEqual([
      expect.objectContaining({ code: 'BH-X805', file: 'modules/search/migrations/001_t.up.sql', line: 2, message: 'operator class gin_trgm_ops comes from the extension pg_trgm, which no migration of search creates and modules/search/bulkhead.json does not declare', fix: expect.stringContaining('"extensions": ["pg_trgm"]') }),
    ]);
    // Another module in a schema of the same database creates it: the database has it.
    fx.write('modules/search/bulkhead.json', JSON.stringify({ name: 'search', database: { url: 'postgres://h/app', schema: 'search' }, dependsOn: ['ext'] }));
    fx.write('modules/ext/bulkhead.json', JSON.stringify({ name: 'ext', database: { url: 'postgres://h/app', schema: 'ext' } }));
    fx.write('modules/ext/migrations/001_trgm.up.sql', 'CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public;\n');
    const shared = await runCli(['lint', 'search', '--json'], { cwd: fx.root });
    expect(shared.json.findings.filter((f: { code: string }) => f.code === 'BH-X805')).toEqual([]);
  });

  it('a table a view of an earlier migration still reads cannot be dropped; an enum recreated to lose a value is named', async () => {
    fx = makeWorkspace([
      {
        name: 'sales',
        url: 'pglite://memory',
        migrations: {
          '001_orders.up.sql': "CREATE TYPE state AS ENUM ('open', 'void', 'paid');\nCREATE TABLE orders (id bigint PRIMARY KEY, st state);\nCREATE VIEW open_orders AS SELECT * FROM orders WHERE st = 'open';\n",
          '002_cleanup.up.sql':
            "-- bulkhead:allow drop-table orders moved to the ledger module\nDROP TABLE orders;\nALTER TYPE state RENAME TO state_old;\nCREATE TYPE state AS ENUM ('open', 'paid');\nDROP TYPE state_old;\n",
        },
      },
    ]);
    const r = await runCli(['lint', '--json'], { cwd: fx.root });
    expect(r.json.findings.map((f: { code: string; line: number; message: string }) => `${f.code} ${f.line} ${f.message}`)).toEqual([
      'BH-C302 2 public.orders is still referenced by view public.open_orders: the DROP fails',
      'BH-D106 4 enum public.state is created again after being renamed to state_old: removing a value rewrites every column of the type',
    ]);
  });

  it('the example modules lint clean', async () => {
    const r = await runCli(['lint'], { cwd: REPO });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/: 0 errors, 0 warnings/);
  });
});

describe('lint --pending', () => {
  it('lints what up would run: a table created earlier in the run is new; one already applied exists; the server decides the version', async () => {
    const url = await createDatabase();
    fx = makeWorkspace([
      {
        name: 'crm',
        url: '${CRM_URL}',
        migrations: {
          '001_people.up.sql': 'CREATE TABLE people (id bigint PRIMARY KEY, email text);\n',
          '002_email_idx.up.sql': 'CREATE INDEX people_email_idx ON people (email);\n',
          '003_merge.up.sql': 'MERGE INTO people p USING people q ON p.id = q.id WHEN MATCHED THEN DO NOTHING;\n',
        },
      },
    ]);
    const env = { CRM_URL: url };
    // Nothing applied: 001 creates people in this same run, so 002's index is on a new table.
    const fresh = await runCli(['lint', '--pending', '--json'], { cwd: fx.root, env });
    expect(fresh.exitCode, fresh.stderr).toBe(0);
    expect(fresh.json.findings).toEqual([]);
    // Statically, people exists before 002.
    const staticRun = await runCli(['lint', '--json', '--pg-version', '15'], { cwd: fx.root, env });
    expect(staticRun.json.findings.map((f: { code: string }) => f.code)).toEqual(['BH-L201']);
    // 001 applied: people is live, so 002 is flagged; MERGE is fine on this server (15+).
    expect((await runCli(['up', '--to', '001_people'], { cwd: fx.root, env })).exitCode).toBe(0);
    const later = await runCli(['lint', '--pending', '--json'], { cwd: fx.root, env });
    expect(later.json.findings.map((f: { code: string; file: string }) => `${f.code} ${f.file}`)).toEqual(['BH-L201 modules/crm/migrations/002_email_idx.up.sql']);
    expect((await runCli(['lint', '--pending', '--pg-version', '14', '--json'], { cwd: fx.root, env })).json.findings.map((f: { code: string }) => f.code)).toEqual(['BH-L201', 'BH-X803']);
  });
});

describe('lint --trace', () => {
  it("sends SQL as written: jsonb's ? operators are not taken for bindings (harbor's 0110 failed on the scratch database)", async () => {
    const url = await createDatabase();
    fx = makeWorkspace([
      {
        name: 'hooks',
        url: '${HOOKS_URL}',
        migrations: { '001_targets.up.sql': "CREATE TABLE targets (doc jsonb);\nUPDATE targets SET doc = doc || '{\"format\": \"Default\"}' WHERE NOT doc ? 'format' AND doc ?| array['type'];\n" },
      },
    ]);
    const traced = await runCli(['lint', '--trace', '--json'], { cwd: fx.root, env: { HOOKS_URL: url } });
    expect(traced.json.trace).toEqual([{ module: 'hooks', migration: '001_targets', file: 'modules/hooks/migrations/001_targets.up.sql', locks: [{ table: 'public.targets', mode: 'ACCESS EXCLUSIVE' }] }]);
  });

  it("works before db create: the scratch database is made through the server's postgres database when the module's own does not exist yet", async () => {
    fx = makeWorkspace([{ name: 'hooks', url: '${HOOKS_URL}', migrations: { '001_targets.up.sql': 'CREATE TABLE targets (doc jsonb);\n' } }]);
    const url = databaseUrl(`${inject('dbPrefix')}${process.pid}_not_created`);
    const traced = await runCli(['lint', '--trace', '--json'], { cwd: fx.root, env: { HOOKS_URL: url } });
    expect(traced.exitCode, traced.stderr).toBe(0);
    expect(traced.json.trace).toEqual([expect.objectContaining({ migration: '001_targets', locks: [{ table: 'public.targets', mode: 'ACCESS EXCLUSIVE' }] })]);
    const verified = await runCli(['verify'], { cwd: fx.root, env: { HOOKS_URL: url } });
    expect(verified.stderr).toContain('hooks: ✗ 1 finding');
    expect(await adminQuery('SELECT 1 FROM pg_database WHERE datname = $1', [new URL(url).pathname.slice(1)])).toEqual([]);
  });
});

describe('plan --locks', () => {
  it('names, per pending statement, the lock on each table and what it blocks; new tables block nothing', async () => {
    const url = await createDatabase();
    fx = makeWorkspace([{ name: 'billing', url: '${BILLING_URL}', migrations: { '001_invoices.up.sql': 'CREATE TABLE invoices (id bigint PRIMARY KEY, total numeric);\nCREATE INDEX invoices_total_idx ON invoices (total);\n' } }]);
    const env = { BILLING_URL: url };
    expect((await runCli(['up'], { cwd: fx.root, env })).exitCode).toBe(0);
    fx.write('modules/billing/migrations/002_currency.up.sql', "ALTER TABLE invoices ADD COLUMN currency text NOT NULL DEFAULT 'EUR';\nALTER TABLE invoices ALTER COLUMN total TYPE numeric(12, 2);\nCREATE INDEX CONCURRENTLY invoices_currency_idx ON invoices (currency);\nCREATE TABLE invoice_notes (invoice bigint REFERENCES invoices, note text);\n".replace('CREATE INDEX CONCURRENTLY', 'CREATE INDEX'));
    // The application is busy: a transaction reading invoices stays open. plan --locks reads files and
    // history only, lint --trace works on a scratch database: neither queues behind it.
    const app = new pg.Client({ connectionString: url });
    await app.connect();
    await app.query('BEGIN');
    await app.query('SELECT count(*) FROM invoices');
    const r = await runCli(['plan', '--locks'], { cwd: fx.root, env });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain('    002_currency\n      line 1: ACCESS EXCLUSIVE on public.invoices: blocks reads and writes');
    expect(r.stdout).toContain('      line 2: ACCESS EXCLUSIVE on public.invoices, rewrites it: blocks reads and writes');
    // …but the migration holds line 1's ACCESS EXCLUSIVE on it until it commits: reads wait too.
    expect(r.stdout).toContain('      line 3: SHARE on public.invoices: blocks writes; the migration holds ACCESS EXCLUSIVE on it since line 1 until it commits: reads and writes wait');
    // A table the statement creates is new (nobody sees it before the commit); the one it references is not.
    expect(r.stdout).toContain('      line 4: ACCESS EXCLUSIVE on public.invoice_notes (new): blocks nothing');
    expect(r.stdout).toContain('      line 4: SHARE ROW EXCLUSIVE on public.invoices: blocks writes');
    const json = await runCli(['plan', '--locks', '--json'], { cwd: fx.root, env });
    expect(json.json.modules[0].locks).toContainEqual(expect.objectContaining({ migration: '002_currency', line: 2, mode: 'ACCESS EXCLUSIVE', table: 'public.invoices', rewrite: true, blocks: 'reads and writes' }));
    expect(json.json.modules[0].locks).toContainEqual(expect.objectContaining({ migration: '002_currency', line: 4, mode: 'SHARE ROW EXCLUSIVE', table: 'public.invoices', blocks: 'writes', held: { mode: 'ACCESS EXCLUSIVE', line: 1, blocks: 'reads and writes' } }));

    // lint --trace confirms it on a scratch database: the locks PostgreSQL granted, strongest per table.
    const traced = await runCli(['lint', '--trace', '--json'], { cwd: fx.root, env });
    expect(traced.json.trace).toEqual([
      expect.objectContaining({ module: 'billing', migration: '001_invoices', locks: [{ table: 'public.invoices', mode: 'ACCESS EXCLUSIVE' }] }),
      expect.objectContaining({ module: 'billing', migration: '002_currency', locks: expect.arrayContaining([{ table: 'public.invoices', mode: 'ACCESS EXCLUSIVE' }, { table: 'public.invoice_notes', mode: 'ACCESS EXCLUSIVE' }]) }),
    ]);
    const text = await runCli(['lint', '--trace'], { cwd: fx.root, env });
    expect(text.stderr).toMatch(/trace billing 002_currency: .*ACCESS EXCLUSIVE on public\.invoices\b/);
    const held = await app.query("SELECT count(*)::int AS n FROM pg_locks WHERE pid = pg_backend_pid() AND relation = 'invoices'::regclass");
    expect(held.rows[0].n).toBe(1);
    await app.query('ROLLBACK');
    // An existing table's size, from its statistics, says how long its lock lasts; read from the
    // catalog alone, so another migration holding ACCESS EXCLUSIVE on it does not hold plan up.
    await app.query("INSERT INTO invoices SELECT g, g FROM generate_series(1, 5000) g; ANALYZE invoices");
    await app.query('BEGIN');
    await app.query('LOCK TABLE invoices IN ACCESS EXCLUSIVE MODE');
    const sized = await runCli(['plan', '--locks', '--json'], { cwd: fx.root, env });
    await app.query('ROLLBACK');
    const lock = sized.json.modules[0].locks.find((l: { line: number }) => l.line === 1);
    expect(lock.size.rows).toBe(5000);
    expect(lock.size.bytes).toBeGreaterThan(8192);
    expect(sized.json.modules[0].locks.find((l: { table: string }) => l.table === 'public.invoice_notes').size).toBeUndefined();
    expect((await runCli(['plan', '--locks'], { cwd: fx.root, env })).stdout).toMatch(/line 1: ACCESS EXCLUSIVE on public\.invoices \(~5\.0k rows, \d+ kB\): blocks reads and writes/);
    await app.end();

    // A type the migrations before show being widened is no rewrite (numeric(12, 2) from 002 to
    // more precision); text to varchar(10) checks every value, a rewrite.
    fx.write('modules/billing/migrations/003_widen.up.sql', 'ALTER TABLE invoices ALTER COLUMN total TYPE numeric(14, 2);\nALTER TABLE invoices ALTER COLUMN currency TYPE varchar(10);\n');
    const widen = await runCli(['plan', '--locks'], { cwd: fx.root, env });
    // (invoices holds the 5,000 rows of above now: its size is said.)
    expect(widen.stdout).toMatch(/ {4}003_widen\n {6}line 1: ACCESS EXCLUSIVE on public\.invoices \(~5\.0k rows, \d+ kB\): blocks reads and writes {2}— ALTER TABLE invoices ALTER COLUMN total TYPE numeric\(14, 2\)\n/);
    expect(widen.stdout).toMatch(/ {6}line 2: ACCESS EXCLUSIVE on public\.invoices \(~5\.0k rows, \d+ kB\), rewrites it: blocks reads and writes {2}— ALTER TABLE invoices ALTER COLUMN currency TYPE varchar\(10\)/);

    // A down runs where its up left the columns (hydra's downs widen back what their ups
    // narrowed): the up's varchar(3) is a rewrite, the down's varchar(10) is not; numeric(10, 2)
    // from numeric(14, 2) is.
    fx.write('modules/billing/migrations/004_narrow.up.sql', 'ALTER TABLE invoices ALTER COLUMN currency TYPE varchar(3);\nALTER TABLE invoices ALTER COLUMN total TYPE numeric(10, 2);\n');
    fx.write('modules/billing/migrations/004_narrow.down.sql', 'ALTER TABLE invoices ALTER COLUMN total TYPE numeric(14, 2);\nALTER TABLE invoices ALTER COLUMN currency TYPE varchar(10);\nALTER TABLE invoices ALTER COLUMN currency TYPE varchar(2);\n');
    const l202 = await runCli(['lint', '--json'], { cwd: fx.root, env });
    const at = l202.json.findings.filter((f: any) => f.code === 'BH-L202' && f.file.includes('004_narrow')).map((f: any) => `${f.file.replace(/.*\//, '')}:${f.line}`);
    expect(at).toEqual(['004_narrow.down.sql:3', '004_narrow.up.sql:1', '004_narrow.up.sql:2']);

    // Outside a transaction each statement commits alone: nothing is held over to the next.
    fx.write('modules/billing/migrations/005_note.up.sql', '-- bulkhead:no-transaction\nALTER TABLE invoices ADD COLUMN note text;\nCREATE INDEX CONCURRENTLY invoices_note_idx ON invoices (note);\n');
    const nt = await runCli(['plan', '--locks', '--json'], { cwd: fx.root, env });
    const index = nt.json.modules[0].locks.find((l: any) => l.migration === '005_note' && l.line === 3);
    expect(index).toMatchObject({ mode: 'SHARE UPDATE EXCLUSIVE', blocks: 'nothing' });
    expect(index.held).toBeUndefined();
  });

  it('a table an earlier migration of the same run creates is new (a fresh database): it blocks nothing, nor do its implicit sequences and indexes; once applied, it does', async () => {
    fx = makeWorkspace([
      {
        name: 'forum',
        url: 'pglite://.bulkhead/forum',
        migrations: {
          '001_users.up.sql': 'CREATE TABLE users (id serial PRIMARY KEY, name text, UNIQUE (name));\nALTER TABLE users ADD CONSTRAINT users_handle UNIQUE (id, name);\n',
          // lemmy's user_ → person: the table, its sequence and its constraints' indexes renamed.
          '002_people.up.sql':
            'ALTER TABLE users RENAME TO people;\nALTER SEQUENCE users_id_seq RENAME TO people_id_seq;\nALTER INDEX users_pkey RENAME TO people_pkey;\nALTER INDEX users_name_key RENAME TO people_name_key;\nALTER INDEX users_handle RENAME TO people_handle;\nCREATE INDEX people_name_idx ON people (name);\n',
          '003_posts.up.sql': 'CREATE TABLE posts (id int, author int REFERENCES people);\nALTER INDEX people_name_idx RENAME TO people_name_lookup;\n',
        },
      },
    ]);
    const fresh = await runCli(['plan', '--locks'], { cwd: fx.root });
    expect(fresh.exitCode, fresh.stderr).toBe(0);
    expect(fresh.stdout).not.toMatch(/blocks (writes|reads)/);
    expect(fresh.stdout).toContain('      line 1: ACCESS EXCLUSIVE on public.users (new: made by 001_users, earlier in this run): blocks nothing  — ALTER TABLE users RENAME TO people');
    expect(fresh.stdout).toContain('      line 1: SHARE ROW EXCLUSIVE on public.people (new: made by 002_people, earlier in this run): blocks nothing');
    const json = await runCli(['plan', '--locks', '--json'], { cwd: fx.root });
    expect(json.json.modules[0].locks).toContainEqual(expect.objectContaining({ migration: '002_people', table: 'public.users_handle', new: true, madeBy: '001_users', blocks: 'nothing' }));

    // Applied, 001's table is the running release's: 002's locks on it block it.
    expect((await runCli(['up', '--to', '001_users'], { cwd: fx.root })).exitCode).toBe(0);
    const later = await runCli(['plan', '--locks'], { cwd: fx.root });
    expect(later.stdout).toContain('    002_people\n      line 1: ACCESS EXCLUSIVE on public.users: blocks reads and writes');
    // Renamed at line 1 under ACCESS EXCLUSIVE, which it keeps as people until the commit.
    expect(later.stdout).toContain('      line 6: SHARE on public.people: blocks writes; the migration holds ACCESS EXCLUSIVE on it since line 1 until it commits: reads and writes wait');
    // An index 002 builds on that table is in use once built: renaming it later is no "new" object.
    expect(later.stdout).toContain('      line 2: ACCESS EXCLUSIVE on public.people_name_idx: blocks reads and writes');
  });
});
