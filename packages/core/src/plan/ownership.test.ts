import { describe, expect, it } from 'vitest';
import type { Touch } from '../analysis/objects.js';
import type { Module } from '../workspace.js';
import { groupAlike } from '../errors.js';
import { checkOwnership, fixedSchemaInTenants, globToRegExp, type AnalysedMigration } from './ownership.js';

const mod = (name: string, o: { owns?: string[]; dependsOn?: string[]; schema?: string; url?: string } = {}) =>
  ({
    name,
    file: `modules/${name}/bulkhead.json`,
    schema: o.schema ?? 'public',
    history: { schema: o.schema ?? 'public', table: `${name.replace(/-/g, '_')}_migrations` },
    manifest: { owns: o.owns ?? [], dependsOn: o.dependsOn ?? [] },
    target: { kind: 'postgres', host: new URL(o.url ?? 'postgres://db:5432/x').hostname, port: Number(new URL(o.url ?? 'postgres://db:5432/x').port || 5432), database: new URL(o.url ?? 'postgres://db:5432/x').pathname.slice(1) },
  }) as unknown as Module;

const touch = (action: Touch['action'], kind: Touch['kind'], name: string, extra: Partial<Touch> = {}): Touch => ({ action, kind, name, line: 1, column: 1, ...extra });

const mig = (module: string, touches: Touch[], direction: 'up' | 'down' = 'up'): AnalysedMigration => ({ module, id: '001', file: `modules/${module}/migrations/001.${direction}.sql`, direction, touches });

describe('checkOwnership', () => {
  it("a migration that creates, alters, drops or writes a history table (its own module's or another's, or its progress table) is BH062; reading it is not", () => {
    const modules = [mod('app'), mod('billing', { schema: 'billing' }), mod('far', { url: 'postgres://db:5432/far' })];
    // In its own database, a table named like app's history is just a table.
    expect(checkOwnership(modules, [mig('far', [touch('write', 'table', 'app_migrations')])]).filter((p) => p.code === 'BH062')).toEqual([]);
    const problems = checkOwnership(modules, [
      mig('app', [
        touch('create', 'table', 'app_migrations', { line: 1 }),
        touch('write', 'table', 'app_migrations', { line: 2 }),
        touch('reference', 'relation', 'app_migrations', { line: 3 }),
        touch('create', 'index', 'app_migrations_at', { line: 4, table: { name: 'app_migrations' } }),
        touch('write', 'table', 'billing_migrations', { line: 5, schema: 'billing' }),
        touch('write', 'table', 'app_migrations_progress', { line: 6 }),
        touch('create', 'table', 'app_migration_notes', { line: 7 }),
      ]),
    ]);
    expect(problems.filter((p) => p.code === 'BH062').map((p) => [p.line, p.message])).toEqual([
      [1, "app creates public.app_migrations, its own history table, which Bulkhead writes in each migration's transaction"],
      [2, "app writes to public.app_migrations, its own history table, which Bulkhead writes in each migration's transaction: rows deleted or changed here make up apply migrations again, or skip them"],
      [4, "app alters public.app_migrations, its own history table, which Bulkhead writes in each migration's transaction"],
      [5, "app writes to billing.billing_migrations, module billing's history table, which Bulkhead writes in each migration's transaction: rows deleted or changed here make up apply migrations again, or skip them"],
      [6, "app writes to public.app_migrations_progress, its own progress table (beside its history), which Bulkhead writes in each migration's transaction: rows deleted or changed here make up apply migrations again, or skip them"],
    ]);
    // Dropping the schema its history is in (a down of its first migration, a reset): the history goes with it.
    const dropped = checkOwnership(modules, [mig('billing', [touch('drop', 'schema', 'billing', { line: 1 })]), mig('app', [touch('drop', 'schema', 'scratch', { line: 2 })])]);
    expect(dropped.map((p) => [p.code, p.module, p.message])).toEqual([
      ['BH062', 'billing', 'billing drops schema billing, which holds its own history table billing.billing_migrations: with CASCADE it goes too (the migration then fails at its history row), without it the DROP fails'],
    ]);
  });

  it('the more specific owns pattern wins: an exact name over a glob (the example modules: admin owns storage_elements, storage owns storage_*)', () => {
    const modules = [mod('admin', { owns: ['storage_elements', '*_enum'] }), mod('storage', { owns: ['storage_*'] })];
    expect(checkOwnership(modules, [mig('admin', [touch('create', 'table', 'storage_elements'), touch('create', 'type', 'user_role_enum')]), mig('storage', [touch('create', 'table', 'storage_files')])])).toEqual([]);
    const wrong = checkOwnership(modules, [mig('admin', [touch('create', 'table', 'storage_files')])]);
    expect(wrong.map((p) => [p.code, p.message])).toEqual([
      ['BH043', 'admin creates table public.storage_files, which storage owns (owns: "storage_*")'],
    ]);
    // A name is written as SQL writes it: Prisma's "User", a key word such as user.
    const quoted = checkOwnership([mod('admin'), mod('storage', { owns: ['User', 'user'] })], [mig('admin', [touch('alter', 'table', 'User'), touch('alter', 'table', 'user')])]);
    expect(quoted.map((p) => p.message)).toEqual([
      'admin alters table public."User", which storage owns (owns: "User")',
      'admin alters table public."user", which storage owns (owns: "user")',
    ]);
  });

  it("an unqualified change that finds another module's table, where the module creates one of that name in another schema, says to qualify it or set the schema (supabase storage's iceberg tables)", () => {
    const modules = [mod('storage'), mod('tenants')];
    const problems = checkOwnership(modules, [
      mig('tenants', [touch('create', 'table', 'iceberg_namespaces', { line: 15 })]),
      mig('storage', [touch('create', 'table', 'iceberg_namespaces', { schema: 'storage', line: 35 }), touch('alter', 'table', 'iceberg_namespaces', { line: 10 })]),
    ]);
    expect(problems.map((p) => [p.code, p.line, p.fix])).toEqual([
      [
        'BH043',
        10,
        'storage\'s own modules/storage/migrations/001.up.sql:35 creates storage.iceberg_namespaces: if this means that one, the unqualified name finds the one tenants creates instead, as storage\'s search path is "$user", public — qualify it (storage.iceberg_namespaces), or, if storage\'s objects live in schema storage, set "database": { "schema": "storage" } in modules/storage/bulkhead.json; else move this change into a migration of tenants',
      ],
    ]);
    // Qualified, it means public's: the plain fix.
    const qualified = checkOwnership(modules, [
      mig('tenants', [touch('create', 'table', 'iceberg_namespaces', { line: 15 })]),
      mig('storage', [touch('create', 'table', 'iceberg_namespaces', { schema: 'storage', line: 35 }), touch('alter', 'table', 'iceberg_namespaces', { schema: 'public', line: 10 })]),
    ]);
    expect(qualified.map((p) => p.fix)).toEqual(['move this change into a migration of tenants']);
  });

  it('without owns, of two creators the one whose name prefixes the object keeps it, else the one the other depends on', () => {
    const a = checkOwnership([mod('query'), mod('storage')], [mig('query', [touch('create', 'table', 'storage_files')]), mig('storage', [touch('create', 'table', 'storage_files')])]);
    expect(a.map((p) => p.module)).toEqual(['query']);
    const b = checkOwnership([mod('app', { dependsOn: ['core'] }), mod('core')], [mig('app', [touch('create', 'table', 'settings')]), mig('core', [touch('create', 'table', 'settings')])]);
    expect(b.map((p) => p.message)).toEqual(['app creates table public.settings, which core also creates (modules/core/migrations/001.up.sql:1)']);
    // An index and a table share the names of a schema (harbor's index policy, boundary's table policy).
    const c = checkOwnership([mod('app', { dependsOn: ['core'] }), mod('core')], [mig('app', [touch('create', 'index', 'policy')]), mig('core', [touch('create', 'table', 'policy')])]);
    expect(c.map((p) => p.message)).toEqual(['app creates index public.policy, which core also creates as a table (a table and an index of one schema cannot share a name) (modules/core/migrations/001.up.sql:1)']);
  });

  it('roles, tablespaces and databases are one per server: two modules on one server may not create one, nor change the other’s (a change to one it creates too is told at its CREATE)', () => {
    const modules = [mod('auth'), mod('billing', { dependsOn: ['auth'] }), mod('far', { url: 'postgres://other-host:5432/far' })];
    const problems = checkOwnership(modules, [
      mig('auth', [touch('create', 'role', 'app_reader'), touch('create', 'tablespace', 'fast')]),
      mig('billing', [touch('create', 'role', 'app_reader', { line: 3 }), touch('alter', 'role', 'app_reader', { line: 4 }), touch('drop', 'tablespace', 'fast', { line: 5 }), touch('create', 'role', 'billing_writer', { line: 6 })]),
      // Another server has roles of its own.
      mig('far', [touch('create', 'role', 'app_reader')]),
    ]);
    expect(problems.map((p) => [p.code, p.module, p.line, p.message])).toEqual([
      ['BH043', 'billing', 3, 'billing creates role app_reader, which auth also creates (modules/auth/migrations/001.up.sql:1), on the same server (postgres://db:5432), where roles are shared by every database'],
      ['BH043', 'billing', 5, 'billing drops tablespace fast, which auth creates (modules/auth/migrations/001.up.sql:1), on the same server (postgres://db:5432), where tablespaces are shared by every database'],
    ]);
    expect(problems[0]!.fix).toContain('give billing’s a name of its own'.replace('’', "'"));
  });

  it("a schema one module's migrations create is its own: others may not create in it, alter or drop it; one several create is shared", () => {
    const modules = [mod('a'), mod('b', { dependsOn: ['a'] }), mod('c')];
    const a = mig('a', [touch('create', 'schema', 'a_s'), touch('create', 'schema', 'extensions')]);
    const c = mig('c', [touch('create', 'schema', 'extensions')]);
    const b = mig('b', [
      touch('create', 'table', 'b_t', { schema: 'a_s', line: 2 }),
      touch('write', 'table', 'x', { schema: 'a_s', line: 3 }),
      touch('drop', 'schema', 'a_s', { line: 4 }),
      touch('alter', 'schema', 'a_s', { line: 5 }),
      // Reading from it is reported only for objects a creates (by name); a shared schema is anyone's.
      touch('reference', 'relation', 'unknown', { schema: 'a_s', line: 6 }),
      touch('create', 'function', 'f', { schema: 'extensions', line: 7 }),
      touch('drop', 'schema', 'extensions', { line: 8 }),
    ]);
    expect(checkOwnership(modules, [a, c, b]).map((p) => `${p.code} ${p.line} ${p.message}`)).toEqual([
      'BH043 2 b creates table a_s.b_t, in schema a_s of module a',
      'BH043 3 b writes to table a_s.x, in schema a_s of module a',
      'BH043 4 b drops schema a_s, which module a creates',
      'BH043 5 b alters schema a_s, which module a creates',
    ]);
    // A schema a manifest names is its module's, dropping it too.
    expect(checkOwnership([mod('billing', { schema: 'billing' }), mod('orders')], [mig('orders', [touch('drop', 'schema', 'billing')])]).map((p) => p.message)).toEqual([
      "orders drops schema billing, which is module billing's (its manifest's schema)",
    ]);
  });

  it('names are compared schema-qualified: one name in two modules’ own schemas is two objects', () => {
    const modules = [mod('billing', { schema: 'billing' }), mod('orders', { schema: 'orders' })];
    expect(checkOwnership(modules, [mig('billing', [touch('create', 'table', 'events')]), mig('orders', [touch('create', 'table', 'events')])])).toEqual([]);
    const cross = checkOwnership(modules, [mig('orders', [touch('reference', 'relation', 'invoices', { schema: 'billing' })])]);
    expect(cross.map((p) => p.code)).toEqual(['BH045']);
  });

  it('columns, triggers and policies touch their table; a reference is BH045; only the subjects are reported', () => {
    const modules = [mod('inv', { owns: ['inv_*'] }), mod('ord')];
    const touches = [
      touch('create', 'column', 'x', { table: { name: 'inv_items' } }),
      touch('create', 'trigger', 't', { table: { name: 'inv_items' }, line: 2 }),
      touch('reference', 'relation', 'inv_items', { line: 3 }),
    ];
    expect(checkOwnership(modules, [mig('ord', touches)]).map((p) => `${p.code} ${p.line} ${p.message}`)).toEqual([
      'BH043 1 ord alters table public.inv_items, which inv owns (owns: "inv_*")',
      'BH043 2 ord alters table public.inv_items, which inv owns (owns: "inv_*")',
      'BH045 3 ord references table public.inv_items, which inv owns (owns: "inv_*")'.replace('table', 'relation'),
    ]);
    expect(checkOwnership(modules, [mig('ord', touches)], { subjects: new Set(['inv']) })).toEqual([]);
  });

  it("a foreign server's dbname or a dblink connection to another module's database is BH045; to its own, or one no module has, is not", () => {
    const modules = [mod('storage', { url: 'postgres://db:5432/storage_db' }), mod('query', { url: 'postgres://db:5432/query_db' })];
    const touches = [
      touch('reference', 'database', 'storage_db', { connection: 'foreign server', line: 2 }),
      touch('reference', 'database', 'storage_db', { connection: 'dblink', line: 3 }),
      touch('reference', 'database', 'query_db', { connection: 'dblink', line: 4 }),
      touch('reference', 'database', 'reporting', { connection: 'foreign server', line: 5 }),
    ];
    expect(checkOwnership(modules, [mig('query', touches)]).map((p) => `${p.code} ${p.line} ${p.message}`)).toEqual([
      "BH045 2 query connects to module storage's database storage_db (a foreign server's dbname), past the isolation that keeps each module to its own database",
      "BH045 3 query connects to module storage's database storage_db (a dblink connection string), past the isolation that keeps each module to its own database",
    ]);
  });

  it("another module's database (ALTER DATABASE, GRANT/REVOKE CONNECT) or the role db create made its owner, changed, is BH043; its own are the module's", () => {
    const modules = [mod('storage', { url: 'postgres://db:5432/storage_db' }), mod('query', { url: 'postgres://db:5432/query_db' })];
    const touches = [
      touch('alter', 'database', 'storage_db', { line: 2 }),
      touch('alter', 'role', 'storage_owner', { line: 3 }),
      touch('alter', 'database', 'query_db', { line: 4 }),
      touch('alter', 'role', 'query_owner', { line: 5 }),
      touch('reference', 'role', 'storage_owner', { line: 6 }),
    ];
    expect(checkOwnership(modules, [mig('query', touches)]).map((p) => `${p.code} ${p.line} ${p.message}`)).toEqual([
      "BH043 2 query alters database storage_db, module storage's database",
      "BH043 3 query alters role storage_owner, the role db create made owner of module storage's database",
    ]);
  });

  it('"*" owns what the module makes where it lives (its database and schema): two modules on their own databases each keep their users; on a shared database it claims the shared schema', () => {
    const auth = mod('auth', { owns: ['*'], url: 'postgres://db:5432/auth' });
    const billing = mod('billing', { url: 'postgres://db:5432/billing' });
    const users = [mig('auth', [touch('create', 'table', 'users')]), mig('billing', [touch('create', 'table', 'users'), touch('create', 'table', 'invoices')])];
    // Said by both (the fix names both manifests), each keeps its own.
    expect(checkOwnership([auth, mod('billing', { owns: ['*'], url: 'postgres://db:5432/billing' })], users)).toEqual([]);
    // auth's "*" does not reach billing's database: billing still creates what auth creates too.
    expect(checkOwnership([auth, billing], users).map((p) => p.module)).toEqual(['billing']);
    // Without it, the second creator is told both ways out.
    const told = checkOwnership([mod('auth', { url: 'postgres://db:5432/auth' }), billing], users);
    expect(told.map((p) => p.module)).toEqual(['billing']);
    expect(told[0]!.fix).toContain('"owns": ["*"] (everything the module creates in its own database and schema)');
    // On one database: "*" claims the schema its module lives in, not another module's.
    const shared = [mod('core', { owns: ['*'] }), mod('ledger', { schema: 'ledger' }), mod('misc')];
    expect(checkOwnership(shared, [mig('ledger', [touch('create', 'table', 'entries')])])).toEqual([]);
    expect(checkOwnership(shared, [mig('misc', [touch('create', 'table', 'notes')])]).map((p) => p.message)).toEqual(['misc creates table public.notes, which core owns (owns: "*")']);
    // An exact name beats "*" (the example admin's "users" against nakama's "*"): the fix says to
    // name it, not to write the "*" the module has; named in both, each keeps its own.
    const admin = mod('admin', { owns: ['users'], url: 'postgres://db:5432/admin' });
    const game = [mig('game', [touch('create', 'table', 'users')])];
    const weaker = checkOwnership([admin, mod('game', { owns: ['*'], url: 'postgres://db:5432/game' })], game);
    expect(weaker.map((p) => p.fix)).toEqual([expect.stringContaining('admin\'s "users" is more specific than game\'s "*", so add "users" to game\'s owns')]);
    expect(checkOwnership([admin, mod('game', { owns: ['*', 'users'], url: 'postgres://db:5432/game' })], game)).toEqual([]);
  });

  it('"*" covers a schema the module\'s own migrations create (a stand-in for Supabase\'s auth.users); elsewhere BH044 names the pattern to add', () => {
    const app = mod('app', { owns: ['*'], url: 'postgres://db:5432/app' });
    const stub = mig('app', [touch('create', 'schema', 'auth'), touch('create', 'table', 'users', { schema: 'auth' })]);
    expect(checkOwnership([app, mod('other', { url: 'postgres://db:5432/other' })], [stub])).toEqual([]);
    // A schema it did not create (an extension's, the platform's) is not its own by "*".
    const outside = checkOwnership([app], [mig('app', [touch('create', 'table', 'users', { schema: 'auth' }), touch('create', 'table', 'notes')])]);
    expect(outside.map((p) => [p.code, p.message])).toEqual([['BH044', 'app creates table auth.users, which matches none of its owns patterns ("*")']]);
    expect(outside[0]!.fix).toBe('add a pattern for it to owns in modules/app/bulkhead.json ("auth.users", or "auth.*" for all of schema auth), or rename it to match one');
    const named = checkOwnership([mod('app', { owns: ['app_*'] })], [mig('app', [touch('create', 'table', 'notes')])]);
    expect(named[0]!.fix).toBe('add a pattern for it to owns in modules/app/bulkhead.json ("notes"), or rename it to match one');
  });

  it("a schema-tenant module's change to an object in a fixed schema is a warning: every tenant runs it on that one object (BH066)", () => {
    const t = { ...mod('t'), manifest: { owns: [], dependsOn: [], tenants: { kind: 'schema', names: ['acme', 'globex'] } } } as unknown as Module;
    const touches = [
      touch('create', 'schema', 'shared'),
      touch('create', 'table', 'items', { schema: 'shared', line: 2 }),
      touch('create', 'index', 'items_id', { table: { schema: 'shared', name: 'items' }, line: 3 }),
      touch('write', 'table', 'settings', { schema: 'public', line: 4 }),
      touch('reference', 'relation', 'countries', { schema: 'shared', line: 5 }),
      touch('create', 'extension', 'pgcrypto', { schema: 'extensions', line: 6 }),
      touch('create', 'table', 'orders', { line: 7 }),
      touch('create', 'table', 'pg_thing', { schema: 'pg_catalog', line: 8 }),
    ];
    expect(fixedSchemaInTenants([t], [mig('t', touches)]).map((p) => [p.code, p.line, p.message])).toEqual([
      ['BH066', 2, "t runs each migration once per tenant schema, but this one creates shared.items, in a fixed schema: every tenant (acme, globex) shares that one object (IF NOT EXISTS), or the second tenant's run fails"],
      ['BH066', 4, 't runs each migration once per tenant schema, but this one writes to public.settings, in a fixed schema: every tenant (acme, globex) changes that one object again'],
    ]);
    // Without schema tenants, a fixed schema is where the module lives.
    expect(fixedSchemaInTenants([mod('t')], [mig('t', touches)])).toEqual([]);
    // A set written for one schema (convoy's convoy.* everywhere): one warning per schema in text,
    // with the sed that unqualifies its names; each apart otherwise.
    const many = fixedSchemaInTenants([t], [mig('t', ['items', 'orders', 'users', 'prices'].map((n, i) => touch('create', 'table', n, { schema: 'shared', line: i + 1 })))]);
    expect(many).toHaveLength(4);
    const told = groupAlike(many, { text: true });
    expect(told.map((p) => [p.code, p.line, p.message])).toEqual([
      ['BH066', 1, "t runs each migration once per tenant schema, but 4 statements of 1 of its migrations name objects in the fixed schema shared (shared.items, shared.orders, shared.users, …): every tenant (acme, globex) shares them, or the second tenant's run fails"],
    ]);
    expect(told[0]!.fix).toContain(`in modules/t/migrations (GNU sed; check the diff: it also rewrites strings and comments): sed -i -E 's/(^|[^A-Za-z0-9_$."])"?shared"?\\./\\1/g' *.sql;`);
    expect(groupAlike(many)).toHaveLength(4);
  });

  it("an unqualified name a module with a schema of its own (or schema tenants) does not create is public's, where another module on its database creates it; its own names and other databases' are not", () => {
    const tenants = (name: string) => ({ ...mod(name), manifest: { owns: [], dependsOn: [], extensions: [], tenants: { kind: 'schema', names: ['acme'] } } }) as unknown as Module;
    const modules = [mod('auth'), mod('billing', { schema: 'billing' }), tenants('shop'), mod('far', { schema: 'far', url: 'postgres://db:5432/far' })];
    const reach = [touch('create', 'table', 'invoices', { line: 1 }), touch('reference', 'relation', 'invoices', { line: 2 }), touch('reference', 'relation', 'users', { line: 3 }), touch('create', 'column', 'payer', { table: { name: 'users' }, line: 4 })];
    const problems = checkOwnership(modules, [mig('auth', [touch('create', 'table', 'users')]), mig('billing', reach), mig('shop', reach), mig('far', reach)]);
    expect(problems.map((p) => `${p.code} ${p.module}:${p.line} ${p.message}`)).toEqual([
      "BH045 billing:3 billing references relation public.users (unqualified: billing's schema billing has no users, so its search path finds public's), which auth creates (modules/auth/migrations/001.up.sql:1)",
      "BH043 billing:4 billing alters table public.users (unqualified: billing's schema billing has no users, so its search path finds public's), which auth creates (modules/auth/migrations/001.up.sql:1)",
      "BH045 shop:3 shop references relation public.users (unqualified: each tenant's schema has no users, so its search path finds public's), which auth creates (modules/auth/migrations/001.up.sql:1)",
      "BH043 shop:4 shop alters table public.users (unqualified: each tenant's schema has no users, so its search path finds public's), which auth creates (modules/auth/migrations/001.up.sql:1)",
    ]);
  });

  it('a schema-tenant module creating an undeclared extension without SCHEMA is BH067, the fix naming every one to declare', () => {
    const shop = { ...mod('shop'), manifest: { owns: [], dependsOn: [], extensions: ['citext'], tenants: { kind: 'schema', names: ['acme'] } } } as unknown as Module;
    const touches = [touch('create', 'extension', 'pg_trgm', { line: 1 }), touch('create', 'extension', 'btree_gin', { line: 2 }), touch('create', 'extension', 'citext', { line: 3 }), touch('create', 'extension', 'hstore', { schema: 'public', line: 4 })];
    expect(checkOwnership([shop], [mig('shop', touches)]).map((p) => [p.code, p.line, p.fix])).toEqual([
      ['BH067', 1, 'declare it in modules/shop/bulkhead.json ("extensions": ["citext", "pg_trgm", "btree_gin"]): bulkhead db create makes it once, in public, which is on every tenant\'s search path; or write CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public'],
      ['BH067', 2, 'declare it in modules/shop/bulkhead.json ("extensions": ["citext", "pg_trgm", "btree_gin"]): bulkhead db create makes it once, in public, which is on every tenant\'s search path; or write CREATE EXTENSION IF NOT EXISTS btree_gin SCHEMA public'],
    ]);
    // Without schema tenants, the module's database is its own: nothing to say.
    expect(checkOwnership([mod('shop')], [mig('shop', touches)])).toEqual([]);
  });

  it('system catalogs and unqualified built-ins are nobody’s', () => {
    const modules = [mod('a', { owns: ['a_*'] }), mod('b', { owns: ['*'] })];
    expect(checkOwnership(modules, [mig('a', [touch('reference', 'relation', 'pg_type', { schema: 'pg_catalog' }), touch('create', 'table', 'a_x')])])).toEqual([]);
  });

  it('globs: * and ? only; every other character is literal', () => {
    expect(globToRegExp('storage_*').test('storage_files')).toBe(true);
    expect(globToRegExp('storage_*').test('xstorage_files')).toBe(false);
    expect(globToRegExp('a.b?').test('a.bc')).toBe(true);
    expect(globToRegExp('a.b?').test('axbc')).toBe(false);
  });
});
