import { describe, expect, it } from 'vitest';
import { describeDifference, diffSnapshots, diffText } from './diff.js';
import { buildSnapshot, objectKey, type Snapshot } from './read.js';

/** A snapshot from catalog-shaped rows (the query result sets, in order). */
const snap = (sets: Record<string, unknown>[][]): Snapshot => buildSnapshot(sets);
const col = (rel: string, name: string, type: string, extra: Record<string, unknown> = {}) => ({ schema: 'public', rel, relkind: 'r', name, type, notnull: false, ...extra });
const table = (name: string) => ({ schema: 'public', name, kind: 'r', persistence: 'p' });

describe('snapshots and their diff', () => {
  const base = snap([
    [{ schema: 'public' }],
    [table('accounts')],
    [col('accounts', 'id', 'integer', { notnull: true }), col('accounts', 'max_reports', 'integer', { notnull: true, default: '5' }), col('accounts', 'mfa', 'boolean')],
    [{ schema: 'public', rel: 'accounts', name: 'accounts_pkey', type: 'p', def: 'PRIMARY KEY (id)' }],
    [{ schema: 'public', rel: 'accounts', name: 'accounts_mfa_idx', def: 'CREATE INDEX accounts_mfa_idx ON public.accounts USING btree (mfa)', valid: true }],
    [],
    [{ schema: 'public', name: 'role', type: 'e', labels: ['user', 'admin'] }],
  ]);

  it('is deterministic and keyed by kind, schema, table and name; empty fields do not count', () => {
    expect(Object.keys(base.objects)).toEqual([...Object.keys(base.objects)].sort());
    expect(objectKey({ kind: 'column', schema: 'public', table: 'accounts', name: 'id' })).toBe('column public.accounts.id');
    const again = snap([[{ schema: 'public', comment: null }], [table('accounts')], [col('accounts', 'id', 'integer', { notnull: true, default: null }), col('accounts', 'max_reports', 'integer', { notnull: true, default: '5' }), col('accounts', 'mfa', 'boolean')], [{ schema: 'public', rel: 'accounts', name: 'accounts_pkey', type: 'p', def: 'PRIMARY KEY (id)' }], [{ schema: 'public', rel: 'accounts', name: 'accounts_mfa_idx', def: 'CREATE INDEX accounts_mfa_idx ON public.accounts USING btree (mfa)', valid: true }], [], [{ schema: 'public', name: 'role', type: 'e', labels: ['user', 'admin'] }]]);
    expect(diffSnapshots(base, again)).toEqual([]);
  });

  it("a routine made again with its body laid out otherwise is the same (crates.io's downs); a changed body is not", () => {
    const fn = (definition: string): Snapshot => ({ objects: { 'function public.touch()': { kind: 'function', schema: 'public', name: 'touch()', def: { definition } } } });
    const written = 'CREATE OR REPLACE FUNCTION public.touch()\n RETURNS trigger\n LANGUAGE plpgsql\nAS $function$\nBEGIN\n    IF (\n        NEW IS DISTINCT FROM OLD\n    ) THEN\n        NEW.at = now();\n    END IF;\n    RETURN NEW;\nEND\n$function$\n';
    expect(diffSnapshots(fn(written), fn(written.replace('    ) THEN', '        ) THEN').replace(/\n {4}RETURN/, '\n  RETURN')))).toEqual([]);
    expect(diffSnapshots(fn(written), fn(written.replace('now()', 'clock_timestamp()')))).toEqual([expect.objectContaining({ change: 'changed', fields: ['definition'] })]);
    // Only bodies as written: a view's definition is the server's own rendering, compared as it is.
    const view = (definition: string): Snapshot => ({ objects: { 'view public.v': { kind: 'view', schema: 'public', name: 'v', def: { definition } } } });
    expect(diffSnapshots(view(' SELECT 1 AS one;'), view(' SELECT 1  AS one;'))).toHaveLength(1);
  });

  it('an object the migrations build in one schema, found in another, is one line naming both (made with another search path)', () => {
    const inSchema = (schema: string) =>
      snap([
        [{ schema: 'public' }, { schema: 'storage' }],
        [{ schema, name: 'buckets', kind: 'r', persistence: 'p' }, { schema: 'storage', name: 'objects', kind: 'r', persistence: 'p' }],
        [{ ...col('buckets', 'id', 'text'), schema }, { ...col('objects', 'id', 'text'), schema: 'storage' }],
        [{ schema, rel: 'buckets', name: 'buckets_pkey', type: 'p', def: 'PRIMARY KEY (id)' }],
      ]);
    expect(diffText(diffSnapshots(inSchema('storage'), inSchema('public')), 'storage')).toEqual(['buckets: table is in schema public, where the migrations build it in storage']);
    // Missing here and extra there under different names stay two lines.
    const other = snap([[{ schema: 'public' }, { schema: 'storage' }], [{ schema: 'public', name: 'pails', kind: 'r', persistence: 'p' }, { schema: 'storage', name: 'objects', kind: 'r', persistence: 'p' }], [col('pails', 'id', 'text'), { ...col('objects', 'id', 'text'), schema: 'storage' }]]);
    expect(diffText(diffSnapshots(inSchema('storage'), other), 'storage')).toEqual(['public.pails: table extra (id text)', 'buckets: table missing (id text)']);
  });

  it('names missing columns with their definition, extra tables with their columns, enum labels, invalid indexes (seed 002, seed 000)', () => {
    const live = snap([
      [{ schema: 'public' }],
      [table('accounts'), table('stray_cache')],
      [col('accounts', 'id', 'integer', { notnull: true }), col('accounts', 'mfa', 'text'), col('stray_cache', 'k', 'text')],
      [{ schema: 'public', rel: 'accounts', name: 'accounts_pkey', type: 'p', def: 'PRIMARY KEY (id)' }],
      [{ schema: 'public', rel: 'accounts', name: 'accounts_mfa_idx', def: 'CREATE INDEX accounts_mfa_idx ON public.accounts USING btree (mfa)', valid: false }],
      [],
      [{ schema: 'public', name: 'role', type: 'e', labels: ['user', 'admin', 'owner'] }],
    ]);
    expect(diffText(diffSnapshots(base, live))).toEqual([
      'accounts.max_reports: column missing (integer NOT NULL DEFAULT 5)',
      'accounts.mfa: column differs: type boolean → text',
      'accounts.accounts_mfa_idx: index is INVALID (an interrupted CREATE INDEX CONCURRENTLY?)',
      'stray_cache: table extra (k text)',
      "role: enum label 'owner' added ('user', 'admin' → 'user', 'admin', 'owner')",
    ]);
  });

  it('says a column\'s nullability and default as SQL does', () => {
    const live = snap([
      [{ schema: 'public' }],
      [table('accounts')],
      [col('accounts', 'id', 'integer'), col('accounts', 'max_reports', 'integer', { notnull: true }), col('accounts', 'mfa', 'boolean', { default: 'false' })],
      [{ schema: 'public', rel: 'accounts', name: 'accounts_pkey', type: 'p', def: 'PRIMARY KEY (id)' }],
      [{ schema: 'public', rel: 'accounts', name: 'accounts_mfa_idx', def: 'CREATE INDEX accounts_mfa_idx ON public.accounts USING btree (mfa)', valid: true }],
      [],
      [{ schema: 'public', name: 'role', type: 'e', labels: ['user', 'admin'] }],
    ]);
    expect(diffText(diffSnapshots(base, live))).toEqual([
      'accounts.id: column differs: NOT NULL → nullable',
      'accounts.max_reports: column differs: default 5 → none',
      'accounts.mfa: column differs: default none → false',
    ]);
  });

  it('names the objects of the database (casts, publications) and default privileges without a schema; long lists by what changed', () => {
    // Result sets 11–20: rules, statistics, collations, text search configurations and dictionaries, operators, casts, publications, event triggers, default privileges.
    const sets = (o: { tables: string[]; acl: string[]; cast: boolean; mapping: string[] }) =>
      snap([
        [{ schema: 'public' }], [], [], [], [], [], [], [], [], [], [],
        [{ schema: 'public', rel: 'v', name: 'no_delete', def: 'CREATE RULE no_delete AS ON DELETE TO v DO INSTEAD NOTHING;', enabled: 'O' }],
        [],
        [],
        [{ schema: 'public', name: 'english2', parser: 'default', mapping: o.mapping }],
        [],
        [],
        o.cast ? [{ source: 'pair', target: 'text', context: 'e', method: 'i' }] : [],
        [{ name: 'pub_users', all_tables: false, publishes: 'insert, update, delete, truncate', tables: o.tables }],
        [],
        o.acl.length ? [{ schema: 'public', type: 'r', acl: o.acl.slice(0, 1) }, { schema: 'public', type: 'r', acl: o.acl.slice(1) }] : [],
      ]);
    const mapping = ['asciiword:english_stem', 'email:simple', 'url:simple', 'word:english_stem'];
    const expected = sets({ tables: ['public.a', 'public.b', 'public.c', 'public.d'], acl: ['PUBLIC:SELECT', 'reader:SELECT'], cast: true, mapping });
    expect(Object.keys(expected.objects)).toContain('cast (pair AS text)');
    expect(Object.keys(expected.objects)).toContain('publication pub_users');
    expect(expected.objects['default privileges public.on tables']?.def).toEqual({ acl: ['PUBLIC:SELECT', 'reader:SELECT'] });
    const live = sets({ tables: ['public.a', 'public.b', 'public.d', 'public.e'], acl: [], cast: false, mapping: mapping.filter((m) => m !== 'email:simple') });
    expect(diffText(diffSnapshots(expected, live))).toEqual([
      '(pair AS text): cast missing',
      'default privileges on tables in schema public: missing (PUBLIC:SELECT, reader:SELECT)',
      'pub_users: publication differs: tables: public.c missing; public.e added',
      'english2: text search configuration differs: mapping: email:simple missing',
    ]);
  });

  it("reads foreign servers (options, secrets masked) and a foreign table's server and options", () => {
    const sets = (host: string, password: string, table: string) => {
      const out: Record<string, unknown>[][] = Array.from({ length: 22 }, () => []);
      out[0] = [{ schema: 'public' }];
      out[1] = [{ schema: 'public', name: 'ft', kind: 'f', foreign_server: 'remote', options: [`table_name=${table}`] }];
      out[21] = [{ name: 'remote', wrapper: 'postgres_fdw', options: ['dbname=app', `host=${host}`, `password=${password}`] }];
      return buildSnapshot(out);
    };
    const expected = sets('db1', 's3cret', 'orders');
    expect(expected.objects['foreign server remote']?.def).toEqual({ wrapper: 'postgres_fdw', options: ['dbname=app', 'host=db1', 'password=***'] });
    expect(diffText(diffSnapshots(expected, sets('db2', 'other', 'orders_v2')))).toEqual([
      'remote: foreign server differs: options [dbname=app, host=db1, password=***] → [dbname=app, host=db2, password=***]',
      'ft: foreign table differs: options [table_name=orders] → [table_name=orders_v2]',
    ]);
  });

  it('leaves out the excluded history table with everything on it', () => {
    const s = buildSnapshot([[], [table('auth_migrations'), table('t')], [col('auth_migrations', 'id', 'text'), col('t', 'id', 'int')], [{ schema: 'public', rel: 'auth_migrations', name: 'auth_migrations_pkey', type: 'p', def: 'PRIMARY KEY (id)' }]], { exclude: [{ schema: 'public', table: 'auth_migrations' }] });
    expect(Object.keys(s.objects)).toEqual(['column public.t.id', 'table public.t']);
  });
});

describe('names in a difference', () => {
  it('are written as SQL writes them: quoted where mixed case or a key word needs it; a routine keeps its signature', () => {
    expect(describeDifference({ key: 'column:public.User.lastSeen', kind: 'column', change: 'missing', schema: 'public', table: 'User', name: 'lastSeen', expected: { type: 'integer' } })).toBe('"User"."lastSeen": column missing (integer)');
    expect(describeDifference({ key: 'table:Billing.order', kind: 'table', change: 'extra', schema: 'Billing', name: 'order', actual: {} })).toMatch(/^"Billing"\."order": table extra/);
    expect(describeDifference({ key: 'function:public.Touch(integer)', kind: 'function', change: 'extra', schema: 'public', name: 'Touch(integer)', actual: {} })).toMatch(/^Touch\(integer\): function extra/);
    expect(describeDifference({ key: 'extension uuid-ossp', kind: 'extension', change: 'extra', schema: '', name: 'uuid-ossp', actual: {} })).toMatch(/^"uuid-ossp": extension extra/);
  });
});

describe('a long definition that differs', () => {
  it('is shown on one line, cut to where the two differ', () => {
    const body = (n: number) => `CREATE OR REPLACE FUNCTION public.f()\n RETURNS integer\n LANGUAGE plpgsql\nAS $function$\nBEGIN\n  -- ${'a long comment that goes on '.repeat(6)}\n  RETURN ${n};\nEND\n$function$`;
    const line = describeDifference({ key: 'function:public.f()', kind: 'function', change: 'changed', schema: 'public', name: 'f()', fields: ['definition'], expected: { definition: body(1) }, actual: { definition: body(2) } });
    expect(line).toBe('f(): function differs: definition …long comment that goes on RETURN 1; END $function$ → …long comment that goes on RETURN 2; END $function$');
    // A short one keeps its whole text, on one line.
    expect(describeDifference({ key: 'view:public.v', kind: 'view', change: 'changed', schema: 'public', name: 'v', fields: ['definition'], expected: { definition: ' SELECT t.id\n   FROM t;' }, actual: { definition: ' SELECT t.id,\n    t.n\n   FROM t;' } })).toBe('v: view differs: definition SELECT t.id FROM t; → SELECT t.id, t.n FROM t;');
  });
});
