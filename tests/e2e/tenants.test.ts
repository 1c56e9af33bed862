/**
 * Tenant fan-out (SPEC §2 `tenants`, §5 `--tenant/--canary/--fail-fast`, §7): one module run over
 * many schemas or databases, each tenant a unit with its own history table and lock.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { adminQuery, createDatabase, databaseUrl, makeWorkspace, query, runCli, type Fixture } from '../support/fixtures.js';
import { inject } from 'vitest';

const MIGRATIONS = {
  '001_accounts.up.sql': 'CREATE TABLE accounts (id bigint PRIMARY KEY, name text NOT NULL);\n',
  '001_accounts.down.sql': 'DROP TABLE accounts;\n',
  '002_invoices.up.sql': 'CREATE TABLE invoices (id bigint PRIMARY KEY, account_id bigint NOT NULL REFERENCES accounts (id));\nCREATE INDEX invoices_account_idx ON invoices (account_id);\n',
  '002_invoices.down.sql': 'DROP TABLE invoices;\n',
};

const tenantNames = (n: number, prefix = 't') => Array.from({ length: n }, (_, i) => `${prefix}${String(i + 1).padStart(2, '0')}`);

let fx: Fixture | undefined;
afterEach(() => {
  fx?.cleanup();
  fx = undefined;
});

async function historyIn(url: string, table: string): Promise<string[]> {
  return (await query<{ id: string }>(url, `SELECT id FROM ${table} ORDER BY id`)).map((r) => r.id);
}

describe('schema per tenant', () => {
  it('50 tenants: each migrated once into its own schema with its own history table; then a no-op; status summarises', async () => {
    const url = await createDatabase();
    const names = tenantNames(50);
    fx = makeWorkspace([{ name: 'billing', url: '${BILLING_URL}', manifest: { tenants: { kind: 'schema', names } }, migrations: MIGRATIONS }]);
    const env = { BILLING_URL: url };
    const first = await runCli(['up', '--json', '--concurrency', '6'], { cwd: fx.root, env });
    expect(first.exitCode, first.stderr).toBe(0);
    expect(first.json.modules).toHaveLength(50);
    expect(first.json.modules.map((m: any) => m.unit)).toEqual(names.map((t) => `billing@${t}`));
    expect(first.json.modules.every((m: any) => m.status === 'applied' && m.migrations.length === 2)).toBe(true);
    const rows = await query<{ schema: string; n: string; runs: string }>(
      url,
      `SELECT table_schema AS schema, (xpath('/row/n/text()', query_to_xml(format('SELECT count(*) AS n FROM %I.billing_migrations', table_schema), false, true, '')))[1]::text AS n
         FROM information_schema.tables WHERE table_name = 'billing_migrations' ORDER BY 1`,
    );
    expect(rows.map((r) => r.schema)).toEqual(names);
    expect(rows.every((r) => r.n === '2')).toBe(true);
    expect(await query(url, `SELECT 1 FROM information_schema.tables WHERE table_schema = 'public' AND table_name IN ('accounts', 'billing_migrations')`)).toEqual([]);
    const runIds = await query<{ n: string }>(url, `SELECT count(DISTINCT run_id)::text AS n FROM (${names.map((t) => `SELECT run_id FROM ${t}.billing_migrations`).join(' UNION ALL ')}) x`);
    expect(runIds[0]!.n).toBe('1');

    const again = await runCli(['up', '--json'], { cwd: fx.root, env });
    expect(again.exitCode).toBe(0);
    expect(again.json.modules.every((m: any) => m.status === 'up-to-date')).toBe(true);
    expect(again.stderr).toContain('billing: 50 tenants up to date');

    const st = await runCli(['status', '--json'], { cwd: fx.root, env });
    expect(st.exitCode).toBe(0);
    expect(st.json.tenants).toEqual([{ module: 'billing', tenants: 50, upToDate: 50, pending: 0, failed: 0, attention: [] }]);
  });

  it('tenants creating one shared object at once (CREATE SCHEMA IF NOT EXISTS, which is not atomic): the loser of the race is retried, not failed', async () => {
    const url = await createDatabase();
    const names = tenantNames(3);
    // The sleep keeps the first tenant's transaction open while the others reach the same CREATE.
    fx = makeWorkspace([{ name: 'hooks', url: '${HOOKS_URL}', manifest: { tenants: { kind: 'schema', names } }, migrations: { '001_shared.up.sql': 'CREATE SCHEMA IF NOT EXISTS hooks_shared;\nSELECT pg_sleep(2);\nCREATE TABLE endpoints (id int);\n' } }]);
    const r = await runCli(['up', '--concurrency', '3'], { cwd: fx.root, env: { HOOKS_URL: url } });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/hooks@t0\d: 001_shared raced another session creating the same object \(attempt 1 of \d+\), rolled back; retrying/);
    expect(r.stderr).toContain('modules and tenants: 3 applied');
  });

  it('what every tenant lacks (a role the server does not have) is told once in text, naming the tenants; --json keeps each', async () => {
    const url = await createDatabase();
    const names = tenantNames(12);
    fx = makeWorkspace([{ name: 'billing', url: '${BILLING_URL}', manifest: { tenants: { kind: 'schema', names } }, migrations: { ...MIGRATIONS, '003_grant.up.sql': 'GRANT SELECT ON invoices TO bh_no_such_reader;\n' } }]);
    const env = { BILLING_URL: url };
    const r = await runCli(['up'], { cwd: fx.root, env });
    expect(r.exitCode).toBe(2);
    expect(r.stderr.match(/BH064/g)).toHaveLength(1);
    expect(r.stderr).toContain('error: module billing@{t01, t02, t03, …}, modules/billing/migrations/003_grant.up.sql:1: 003_grant uses role bh_no_such_reader');
    expect(r.stderr).toContain('(12 tenants alike) (BH064)');
    const json = await runCli(['up', '--json'], { cwd: fx.root, env });
    expect(json.json.problems.filter((p: any) => p.code === 'BH064').map((p: any) => p.module)).toEqual(names.map((t) => `billing@${t}`));
    expect((await query(url, "SELECT 1 FROM pg_namespace WHERE nspname = 't01'")).length).toBe(0);
  });

  it('a failing tenant does not stop the others: exit 1, the tenant named, and status lists it', async () => {
    const url = await createDatabase();
    const names = tenantNames(8);
    // t03 already has a table the first migration creates.
    await query(url, 'CREATE SCHEMA t03; CREATE TABLE t03.accounts (id int)');
    fx = makeWorkspace([
      { name: 'billing', url: '${BILLING_URL}', manifest: { tenants: { kind: 'schema', names } }, migrations: MIGRATIONS },
      { name: 'reports', url: '${REPORTS_URL}', dependsOn: ['billing'], migrations: { '001_r.up.sql': 'CREATE TABLE r (id int);\n', '001_r.down.sql': 'DROP TABLE r;\n' } },
    ]);
    const env = { BILLING_URL: url, REPORTS_URL: await createDatabase() };
    const r = await runCli(['up', '--json'], { cwd: fx.root, env });
    expect(r.exitCode).toBe(1);
    const byUnit = Object.fromEntries(r.json.modules.map((m: any) => [m.unit, m]));
    expect(byUnit['billing@t03'].status).toBe('failed');
    expect(byUnit['billing@t03'].failure).toMatchObject({ module: 'billing@t03', migration: '001_accounts', pgCode: '42P07' });
    for (const t of names.filter((n) => n !== 't03')) expect(byUnit[`billing@${t}`].status).toBe('applied');
    // A module that depends on billing waits for every tenant, and is skipped when one fails.
    expect(byUnit.reports).toMatchObject({ status: 'skipped', skippedBecause: 'billing@t03', skipReason: 'dependency' });
    expect(r.stderr).toContain('billing@t03: ✗ 001_accounts failed');
    expect(await historyIn(url, 't03.billing_migrations')).toEqual([]);

    const st = await runCli(['status', '--json'], { cwd: fx.root, env });
    expect(st.json.tenants[0]).toMatchObject({ tenants: 8, upToDate: 7, pending: 1, failed: 0, attention: ['billing@t03'] });
  });

  it('--tenant globs pick tenants; a glob that matches none is exit 2; a tenant added later gets everything', async () => {
    const url = await createDatabase();
    fx = makeWorkspace([{ name: 'billing', url: '${BILLING_URL}', manifest: { tenants: { kind: 'schema', names: ['acme', 'acorn', 'beta', 'gamma'] } }, migrations: MIGRATIONS }]);
    const env = { BILLING_URL: url };
    const some = await runCli(['up', '--json', '--tenant', 'ac*', '--tenant', 'g?mma'], { cwd: fx.root, env });
    expect(some.exitCode, some.stderr).toBe(0);
    expect(some.json.modules.map((m: any) => m.unit)).toEqual(['billing@acme', 'billing@acorn', 'billing@gamma']);
    expect(await query(url, `SELECT 1 FROM pg_namespace WHERE nspname = 'beta'`)).toEqual([]);

    const none = await runCli(['up', '--tenant', 'zeta*'], { cwd: fx.root, env });
    expect(none.exitCode).toBe(2);
    expect(none.stderr).toContain('BH040');
    expect(none.stderr).toContain('no tenant matches --tenant zeta*');

    const dry = await runCli(['up', '--dry-run', '--json'], { cwd: fx.root, env });
    expect(dry.json.modules.filter((m: any) => m.status === 'would-apply').map((m: any) => m.unit)).toEqual(['billing@beta']);

    fx.write('modules/billing/bulkhead.json', JSON.stringify({ name: 'billing', database: { url: '${BILLING_URL}' }, tenants: { kind: 'schema', names: ['acme', 'acorn', 'beta', 'gamma', 'delta'] } }));
    const later = await runCli(['up', '--json'], { cwd: fx.root, env });
    expect(later.exitCode).toBe(0);
    expect(later.json.modules.filter((m: any) => m.status === 'applied').map((m: any) => [m.unit, m.migrations.map((x: any) => x.id)])).toEqual([
      ['billing@beta', ['001_accounts', '002_invoices']],
      ['billing@delta', ['001_accounts', '002_invoices']],
    ]);
    expect(await historyIn(url, 'delta.billing_migrations')).toEqual(['001_accounts', '002_invoices']);
  });

  it('--canary N migrates the first N tenants first and stops there if one fails', async () => {
    const url = await createDatabase();
    const names = tenantNames(6);
    await query(url, 'CREATE SCHEMA t02; CREATE TABLE t02.invoices (id int)');
    fx = makeWorkspace([{ name: 'billing', url: '${BILLING_URL}', manifest: { tenants: { kind: 'schema', names } }, migrations: MIGRATIONS }]);
    const env = { BILLING_URL: url };
    const plan = await runCli(['plan', '--canary', '2'], { cwd: fx.root, env });
    expect(plan.stdout).toContain('t01 (canary), t02 (canary), t03');
    const r = await runCli(['up', '--json', '--canary', '2'], { cwd: fx.root, env });
    expect(r.exitCode).toBe(1);
    const status = Object.fromEntries(r.json.modules.map((m: any) => [m.tenant, m.status]));
    expect(status).toEqual({ t01: 'applied', t02: 'failed', t03: 'skipped', t04: 'skipped', t05: 'skipped', t06: 'skipped' });
    expect(r.json.modules[3]).toMatchObject({ skipReason: 'canary', skippedBecause: 'billing@t02' });
    expect(r.stderr).toContain('billing@t04: – not run: canary billing@t02 failed');
    expect(await query(url, `SELECT 1 FROM pg_namespace WHERE nspname IN ('t03', 't04', 't05', 't06')`)).toEqual([]);

    // Fixed: the canaries pass, and the rest follow.
    await query(url, 'DROP TABLE t02.invoices');
    const ok = await runCli(['up', '--json', '--canary', '2'], { cwd: fx.root, env });
    expect(ok.exitCode, ok.stderr).toBe(0);
    expect(ok.json.modules.map((m: any) => m.status)).toEqual(['up-to-date', 'applied', 'applied', 'applied', 'applied', 'applied']);
  });

  it('--fail-fast starts nothing after the first failure; down --all reverts every tenant', async () => {
    const url = await createDatabase();
    const names = tenantNames(5);
    await query(url, 'CREATE SCHEMA t02; CREATE TABLE t02.accounts (id int)');
    fx = makeWorkspace([{ name: 'billing', url: '${BILLING_URL}', manifest: { tenants: { kind: 'schema', names } }, migrations: MIGRATIONS }]);
    const env = { BILLING_URL: url };
    const r = await runCli(['up', '--json', '--fail-fast', '--concurrency', '1'], { cwd: fx.root, env });
    expect(r.exitCode).toBe(1);
    expect(r.json.modules.map((m: any) => m.status)).toEqual(['applied', 'failed', 'skipped', 'skipped', 'skipped']);
    expect(r.json.modules[2]).toMatchObject({ skipReason: 'fail-fast', skippedBecause: 'billing@t02' });

    await query(url, 'DROP TABLE t02.accounts');
    expect((await runCli(['up'], { cwd: fx.root, env })).exitCode).toBe(0);
    const down = await runCli(['down', 'billing', '--all', '--json'], { cwd: fx.root, env });
    expect(down.exitCode, down.stderr).toBe(0);
    expect(down.json.modules.map((m: any) => [m.unit, m.status, m.migrations.map((x: any) => x.id)])).toEqual(
      names.map((t) => [`billing@${t}`, 'reverted', ['002_invoices', '001_accounts']]),
    );
    for (const t of names) expect(await historyIn(url, `${t}.billing_migrations`)).toEqual([]);
    expect(await query(url, `SELECT table_schema FROM information_schema.tables WHERE table_name IN ('accounts', 'invoices')`)).toEqual([]);
  });

  it("an extension a migration creates is declared, and made once in public for every tenant; another schema's INVALID index of the same name is not this tenant's (kratos' pg_trgm and CONCURRENTLY indexes over tenants)", async () => {
    const url = await createDatabase();
    const names = tenantNames(4);
    const migrations = {
      '001_identities.up.sql': 'CREATE TABLE identities (id bigint PRIMARY KEY, traits text);\n',
      '002_search.up.sql': 'CREATE EXTENSION IF NOT EXISTS pg_trgm;\nCREATE INDEX identities_traits_trgm ON identities USING GIN (traits gin_trgm_ops);\n',
      '003_lookup.up.sql': '-- bulkhead:no-transaction\nCREATE INDEX CONCURRENTLY identities_traits_idx ON identities (traits);\n',
    };
    fx = makeWorkspace([{ name: 'auth', url: '${AUTH_URL}', manifest: { tenants: { kind: 'schema', names } }, migrations }]);
    const env = { AUTH_URL: url };
    // Undeclared, the first tenant to run it would get pg_trgm in its own schema: refused, nothing applied.
    const refused = await runCli(['up', '--json'], { cwd: fx.root, env });
    expect(refused.exitCode).toBe(2);
    expect(refused.json.problems).toEqual([
      expect.objectContaining({ code: 'BH067', file: 'modules/auth/migrations/002_search.up.sql', line: 1, fix: expect.stringContaining('declare it in modules/auth/bulkhead.json ("extensions": ["pg_trgm"])') }),
    ]);
    expect(await query(url, "SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")).toEqual([]);

    // Another schema holds an INVALID index of the name 003 builds (a build cut short there).
    await query(url, 'CREATE SCHEMA elsewhere; CREATE TABLE elsewhere.identities (traits text); INSERT INTO elsewhere.identities VALUES (\'a\'), (\'a\')');
    await query(url, 'CREATE UNIQUE INDEX CONCURRENTLY identities_traits_idx ON elsewhere.identities (traits)').catch(() => undefined);
    expect(await query(url, "SELECT 1 FROM pg_index WHERE NOT indisvalid AND indexrelid = 'elsewhere.identities_traits_idx'::regclass")).toHaveLength(1);

    fx.write('modules/auth/bulkhead.json', JSON.stringify({ name: 'auth', database: { url: '${AUTH_URL}' }, tenants: { kind: 'schema', names }, extensions: ['pg_trgm'] }));
    const up = await runCli(['up', '--json', '--concurrency', '4'], { cwd: fx.root, env });
    expect(up.exitCode, up.stderr).toBe(0);
    expect(up.json.modules.map((m: any) => `${m.unit}:${m.status}`)).toEqual(names.map((t) => `auth@${t}:applied`));
    expect(await query(url, "SELECT extnamespace::regnamespace::text AS schema FROM pg_extension WHERE extname = 'pg_trgm'")).toEqual([{ schema: 'public' }]);
    const drift = await runCli(['drift'], { cwd: fx.root, env });
    expect(drift.exitCode, drift.stderr).toBe(0);
  });

  it("a tenant that is another module's schema is refused before anything runs", async () => {
    const url = await createDatabase();
    fx = makeWorkspace([
      { name: 'billing', url: '${SHARED_URL}', manifest: { tenants: { kind: 'schema', names: ['acme', 'ledger'] } }, migrations: MIGRATIONS },
      { name: 'ledger', url: '${SHARED_URL}', manifest: { database: { url: '${SHARED_URL}', schema: 'ledger' } }, migrations: {} },
    ]);
    const r = await runCli(['validate'], { cwd: fx.root, env: { SHARED_URL: url } });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('BH008');
    expect(r.stderr).toContain('billing@ledger and ledger both use database');
  });
});

describe('database per tenant', () => {
  it('50 tenant databases listed by a query: each migrated once with its own history; a failing one is named', async () => {
    const registry = await createDatabase();
    const prefix = `${inject('dbPrefix')}${process.pid}_tn`;
    const names = tenantNames(50, prefix);
    for (const n of names) await adminQuery(`CREATE DATABASE "${n}"`);
    await query(registry, 'CREATE TABLE tenants (name text PRIMARY KEY, since int)');
    await query(registry, 'INSERT INTO tenants SELECT unnest($1::text[]), 1', [names]);
    // One tenant already has a conflicting table.
    const broken = names[9]!;
    await query(databaseUrl(broken), 'CREATE TABLE invoices (id int)');
    fx = makeWorkspace([
      { name: 'shop', url: '${SHOP_URL}', manifest: { tenants: { kind: 'database', query: 'SELECT name FROM tenants ORDER BY name' } }, migrations: MIGRATIONS },
    ]);
    const env = { SHOP_URL: registry };
    const r = await runCli(['up', '--json', '--concurrency', '8'], { cwd: fx.root, env });
    expect(r.exitCode).toBe(1);
    expect(r.json.modules).toHaveLength(50);
    const failed = r.json.modules.filter((m: any) => m.status === 'failed');
    expect(failed.map((m: any) => m.unit)).toEqual([`shop@${broken}`]);
    expect(failed[0].failure).toMatchObject({ migration: '002_invoices', pgCode: '42P07' });
    expect(r.json.modules.filter((m: any) => m.status === 'applied')).toHaveLength(49);
    for (const n of names) {
      expect(await historyIn(databaseUrl(n), 'shop_migrations')).toEqual(n === broken ? ['001_accounts'] : ['001_accounts', '002_invoices']);
    }
    // The registry database itself is not a target.
    expect(await query(registry, `SELECT to_regclass('shop_migrations') AS t`)).toEqual([{ t: null }]);
    expect(r.stderr).toMatch(/progress: 50\/50 units finished \(1 failed\), 0 remaining/);

    const st = await runCli(['status', '--json'], { cwd: fx.root, env });
    expect(st.json.tenants[0]).toMatchObject({ module: 'shop', tenants: 50, upToDate: 49, pending: 1, attention: [`shop@${broken}`] });
    expect(st.stderr).toContain('shop  50 tenants: 49 up to date, 1 pending, 0 failed');
  });

  it('a tenant query that fails, or lists an invalid name, is exit 2 naming the module and the field', async () => {
    const registry = await createDatabase();
    fx = makeWorkspace([{ name: 'shop', url: '${SHOP_URL}', manifest: { tenants: { kind: 'database', query: 'SELECT name FROM no_such_table' } }, migrations: MIGRATIONS }]);
    const r = await runCli(['up'], { cwd: fx.root, env: { SHOP_URL: registry } });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/module shop, modules\/shop\/bulkhead.json, field tenants.query: tenants.query failed on .*no_such_table.*\(BH039\)/);
    fx.write('modules/shop/bulkhead.json', JSON.stringify({ name: 'shop', database: { url: '${SHOP_URL}' }, tenants: { kind: 'database', query: "SELECT 'bad name; drop'" } }));
    const bad = await runCli(['up'], { cwd: fx.root, env: { SHOP_URL: registry } });
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain('tenants.query lists tenant "bad name; drop", which is not a valid database name');
    // A NULL is no tenant (it was made a schema or database named "null").
    fx.write('modules/shop/bulkhead.json', JSON.stringify({ name: 'shop', database: { url: '${SHOP_URL}' }, tenants: { kind: 'schema', query: "SELECT * FROM (VALUES ('t1'), (NULL)) v" } }));
    const nul = await runCli(['up'], { cwd: fx.root, env: { SHOP_URL: registry } });
    expect(nul.exitCode).toBe(2);
    expect(nul.stderr).toContain('field tenants.query: tenants.query returned NULL as a tenant name (row 2 of 2) (BH039)');
    expect(await query(registry, "SELECT nspname FROM pg_namespace WHERE nspname IN ('t1', 'null')")).toEqual([]);
    // One that lists nobody (the wrong database, an empty table) says so.
    fx.write('modules/shop/bulkhead.json', JSON.stringify({ name: 'shop', database: { url: '${SHOP_URL}' }, tenants: { kind: 'schema', query: 'SELECT 1 WHERE false' } }));
    for (const command of ['up', 'status']) {
      const none = await runCli([command], { cwd: fx.root, env: { SHOP_URL: registry } });
      expect(none.exitCode, none.stderr).toBe(0);
      expect(none.stderr).toMatch(/note: shop: tenants.query lists no tenants on postgres:\/\/\S+: nothing to do for it/);
    }
  });
});

describe('embedded tenants', () => {
  it('schema tenants in one PGlite folder take turns on its one session', async () => {
    fx = makeWorkspace([{ name: 'notes', url: 'pglite://.bulkhead/notes', manifest: { tenants: { kind: 'schema', names: ['a', 'b', 'c'] } }, migrations: MIGRATIONS }]);
    const r = await runCli(['up', '--json', '--concurrency', '3'], { cwd: fx.root });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.json.modules.map((m: any) => [m.unit, m.status])).toEqual([
      ['notes@a', 'applied'],
      ['notes@b', 'applied'],
      ['notes@c', 'applied'],
    ]);
    const st = await runCli(['status', '--json'], { cwd: fx.root });
    expect(st.json.modules.map((m: any) => [m.unit, m.historyTable, m.applied.length])).toEqual([
      ['notes@a', 'a.notes_migrations', 2],
      ['notes@b', 'b.notes_migrations', 2],
      ['notes@c', 'c.notes_migrations', 2],
    ]);
  });

  it('database tenants need a server', async () => {
    fx = makeWorkspace([{ name: 'notes', url: 'pglite://.bulkhead/notes', manifest: { tenants: { kind: 'database', names: ['a'] } } }]);
    const r = await runCli(['validate'], { cwd: fx.root });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('tenants of kind "database" need a PostgreSQL server');
  });
});
