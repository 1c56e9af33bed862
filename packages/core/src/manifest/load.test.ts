import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { redact } from '../redact.js';
import { createHash } from 'node:crypto';
import { workspaceCacheDir } from '../cache-dir.js';
import { duplicateKeys, KnownManifests, loadManifest } from './load.js';
import { manifestJsonSchema } from './schema.js';

let dir: string;
/** Every folder a test made (some write several manifests): all removed after it. */
const made: string[] = [];
afterEach(() => {
  for (const d of made.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function write(json: unknown): string {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bh-manifest-'));
  made.push(dir);
  const file = path.join(dir, 'modules', 'm', 'bulkhead.json');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, typeof json === 'string' ? json : JSON.stringify(json));
  return file;
}

describe('loadManifest', () => {
  it('applies defaults and expands the URL', () => {
    const file = write({ name: 'storage-elem', database: { url: '${S_URL:-pglite://.bulkhead/s}' } });
    const r = loadManifest(file, dir, {});
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.module).toMatchObject({
      name: 'storage-elem',
      file: 'modules/m/bulkhead.json',
      schema: 'public',
      history: { schema: 'public', table: 'storage_elem_migrations' },
      migrationsDir: path.join(dir, 'modules/m/migrations'),
      target: { kind: 'pglite', dir: path.join(dir, '.bulkhead/s') },
    });
    expect(r.module.manifest.dependsOn).toEqual([]);
  });

  it('names PostgreSQL would cut to 63 bytes: the history table with its progress table, the database, the schema', () => {
    const name = 'payments-reconciliation-service-for-european-union-markets-alpha';
    const long = loadManifest(write({ name, database: { url: 'postgres://db/x' } }), dir, {});
    expect(long.ok).toBe(false);
    if (long.ok) return;
    expect(long.problems.map((p) => [p.code, p.field, p.message, p.fix])).toEqual([
      [
        'BH002',
        'historyTable',
        `history table ${name.replace(/-/g, '_')}_migrations (the default, <name>_migrations) is 75 bytes long: PostgreSQL cuts names to 63 bytes, and its progress table ${name.replace(/-/g, '_')}_migrations_progress would be cut to the same name`,
        'set "historyTable" to a name of at most 54 bytes, e.g. "p_r_s_for_european_union_markets_alpha_migrations"',
      ],
    ]);
    // 54 bytes fit; 55 do not.
    expect(loadManifest(write({ name, database: { url: 'postgres://db/x' }, historyTable: 'h'.repeat(54) }), dir, {}).ok).toBe(true);
    expect(loadManifest(write({ name, database: { url: 'postgres://db/x' }, historyTable: `audit.${'h'.repeat(55)}` }), dir, {})).toMatchObject({ ok: false, problems: [{ field: 'historyTable', fix: expect.stringContaining('"audit.') }] });
    const db = loadManifest(write({ name: 'm', database: { url: `postgres://db/${'d'.repeat(64)}` } }), dir, {});
    expect(db).toMatchObject({ ok: false, problems: [{ code: 'BH018', field: 'database.url', message: expect.stringContaining(`so the server would take it for ${'d'.repeat(63)}`) }] });
    const schema = loadManifest(write({ name: 'm', database: { url: 'postgres://db/x', schema: 's'.repeat(64) } }), dir, {});
    expect(schema).toMatchObject({ ok: false, problems: [{ field: 'database.schema', message: expect.stringContaining('at most 63 characters') }] });
  });

  it('remembers manifests known valid by their text: a known text is not validated again, an edited one is', () => {
    const file = write({ name: 'm', database: { url: 'pglite://memory' }, owns: ['m_*'] });
    const saved = process.env.BULKHEAD_CACHE_DIR;
    process.env.BULKHEAD_CACHE_DIR = path.join(dir, 'cache');
    try {
      const known = new KnownManifests(dir);
      const first = loadManifest(file, dir, {}, known);
      expect(first.ok).toBe(true);
      known.save();
      const cacheFile = path.join(workspaceCacheDir(dir, 'manifests'), 'manifests.json');
      const cached = JSON.parse(fs.readFileSync(cacheFile, 'utf8')) as { entries: Record<string, { owns: string[] }> };
      const key = createHash('sha256').update(fs.readFileSync(file, 'utf8')).digest('hex');
      expect(cached.entries[key]?.owns).toEqual(['m_*']);
      // The cached output is what a known text yields (the schema is not consulted): proven by a doctored entry.
      cached.entries[key]!.owns = ['from_the_cache'];
      fs.writeFileSync(cacheFile, JSON.stringify(cached));
      const again = loadManifest(file, dir, {}, new KnownManifests(dir));
      expect(again.ok && again.module.manifest.owns).toEqual(['from_the_cache']);
      // An edit is a new text: validated, and its problems reported as ever.
      fs.writeFileSync(file, JSON.stringify({ name: 'm', database: { url: 'pglite://memory' }, owns: 'm_*' }));
      const edited = loadManifest(file, dir, {}, new KnownManifests(dir));
      expect(edited.ok).toBe(false);
      expect(!edited.ok && edited.problems[0]).toMatchObject({ code: 'BH002', field: 'owns' });
    } finally {
      if (saved === undefined) delete process.env.BULKHEAD_CACHE_DIR;
      else process.env.BULKHEAD_CACHE_DIR = saved;
    }
  });

  it('reports every schema problem at once with its field path', () => {
    const file = write({ name: '9bad', database: { url: 1, extra: true }, dependsOn: 'admin', owns: [], colour: 'red' });
    const r = loadManifest(file, dir, {});
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const byField = Object.fromEntries(r.problems.map((p) => [p.field, p]));
    expect(Object.keys(byField).sort()).toEqual(['colour', 'database.extra', 'database.url', 'dependsOn', 'name']);
    expect(r.problems.every((p) => p.code === 'BH002' && p.file === 'modules/m/bulkhead.json')).toBe(true);
    expect(byField.colour!.message).toBe('unknown field "colour"');
  });

  it('names the missing variable, the module and the field', () => {
    const r = loadManifest(write({ name: 'admin', database: { url: 'postgres://${PGHOST_X}/admin' } }), dir, {});
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems).toEqual([
      expect.objectContaining({ code: 'BH003', module: 'admin', field: 'database.url', message: expect.stringContaining('PGHOST_X') }),
    ]);
  });

  it('rejects unsupported URLs and bad JSON', () => {
    const a = loadManifest(write({ name: 'a', database: { url: 'mysql://h/db' } }), dir, {});
    expect(!a.ok && a.problems[0]!.code).toBe('BH018');
    const b = loadManifest(write('{ nope'), dir, {});
    expect(!b.ok && b.problems[0]!.code).toBe('BH001');
  });

  it('a field written twice (a merge that kept both sides) is refused with both lines, at any depth; strings holding quotes and braces do not confuse it', () => {
    const text = '{\n  "name": "a",\n  "database": { "url": "pglite://memory", "url": "x" },\n  "dependsOn": ["b"],\n  "note": "a \\"quoted\\" { brace, \\"name\\": 1",\n  "dependsOn": ["c"]\n}\n';
    expect(duplicateKeys(text)).toEqual([
      { field: 'database.url', first: 3, line: 3 },
      { field: 'dependsOn', first: 4, line: 6 },
    ]);
    expect(duplicateKeys('{ "tenants": { "names": [{ "a": 1 }, { "a": 2 }] }, "owns": ["x", "x"] }')).toEqual([]);
    const twice = loadManifest(write('{ "name": "a", "database": { "url": "pglite://memory" },\n "name": "b" }'), '/', {});
    expect(twice.ok).toBe(false);
    expect(!twice.ok && twice.problems.map((p) => [p.code, p.field, p.line, p.message])).toEqual([['BH002', 'name', 2, 'field "name" is written twice (lines 1 and 2): JSON keeps only the last']]);
  });

  it('parses a schema-qualified history table and a server URL', () => {
    const r = loadManifest(
      write({ name: 'q', database: { url: 'postgresql://u:pw@db.internal:6543/query', schema: 'app' }, historyTable: 'meta.q_hist' }),
      dir,
      {},
    );
    expect(r.ok && r.module.history).toEqual({ schema: 'meta', table: 'q_hist' });
    expect(r.ok && r.module.target).toMatchObject({ kind: 'postgres', host: 'db.internal', port: 6543, database: 'query', display: 'postgresql://u:***@db.internal:6543/query' });
  });
});

describe('secrets', () => {
  it('registers a URL password for redaction, unless the URL shows it anyway', () => {
    loadManifest(write({ name: 'a', database: { url: 'postgres://postgres:postgres@h/app' } }), dir, {});
    expect(redact('role postgres on postgres://h')).toBe('role postgres on postgres://h');
    loadManifest(write({ name: 'b', database: { url: 'postgres://app:${PW}@h/app' } }), dir, { PW: 'zq9-secret-x' });
    expect(redact('leaked zq9-secret-x')).toBe('leaked ***');
  });
});

describe('JSON Schema', () => {
  it('is generated from the zod schema, with defaulted fields optional', () => {
    const s = manifestJsonSchema() as { required: string[]; properties: Record<string, unknown>; additionalProperties: boolean };
    expect(s.required.sort()).toEqual(['database', 'name']);
    expect(Object.keys(s.properties)).toEqual(expect.arrayContaining(['dependsOn', 'owns', 'extensions', 'historyTable', 'migrations']));
    expect(s.additionalProperties).toBe(false);
  });

  it('is shipped up to date as @bulkhead/core/bulkhead.schema.json', () => {
    const shipped = JSON.parse(fs.readFileSync(new URL('../../bulkhead.schema.json', import.meta.url), 'utf8'));
    expect(shipped).toEqual(manifestJsonSchema());
  });
});
