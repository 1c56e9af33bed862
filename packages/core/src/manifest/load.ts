import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { databaseUrlVariable, defaultDatabaseUrl } from './default-url.js';
import { workspaceCacheDir, writeAtomically } from '../cache-dir.js';
import { BULKHEAD_VERSION } from '../version.js';
import { problem, type Problem } from '../errors.js';
import { article, lineColumnAt, looksUtf16 } from '../text.js';
import { parseDatabaseUrl, UrlError, type DatabaseTarget } from '../db/url.js';
import { expandEnv, malformedFix, strayAroundUrl } from './env.js';
import { embeddedExtensionAvailable, embeddedExtensionProblem } from '../db/embedded-extensions.js';
import { bytesOver, cutName, defaultHistoryTable, manifestSchema, MAX_NAME_BYTES, PROGRESS_SUFFIX, reservedName, type Manifest } from './schema.js';

/** Every field a manifest may have, as named in messages (from the schema itself). */
function allowedFields(): string {
  return Object.entries(manifestSchema().shape)
    .flatMap(([k, v]) => (k === 'database' ? Object.keys((v as unknown as { shape: object }).shape).map((d) => `database.${d}`) : [k]))
    .join(', ');
}

/**
 * Manifests known valid: the schema's output by the sha256 of the manifest's text (and of the
 * schema's own source, so a changed schema starts over), kept in the workspace's cache folder.
 * Validation is a pure function of the text, so a known text skips it, and a run whose manifests
 * are all known never loads the schema library (a tenth of a start-up).
 */
export class KnownManifests {
  private readonly file: string;
  private entries: Record<string, Manifest> | undefined;
  private readonly seen = new Set<string>();
  private dirty = false;

  constructor(root: string) {
    this.file = path.join(workspaceCacheDir(root, 'manifests'), 'manifests.json');
  }

  private load(): Record<string, Manifest> {
    if (this.entries) return this.entries;
    this.entries = {};
    try {
      const json = JSON.parse(fs.readFileSync(this.file, 'utf8')) as { schema?: string; entries?: Record<string, Manifest> };
      if (json.schema === schemaDigest() && json.entries && typeof json.entries === 'object') this.entries = json.entries;
    } catch {
      // none yet, or unreadable: validate again
    }
    return this.entries;
  }

  /** The schema's output for this JSON, from the cache or by validating it (a failure is never cached). */
  validate(text: string, json: unknown): ReturnType<Schema['safeParse']> | { success: true; data: Manifest } {
    const key = createHash('sha256').update(text).digest('hex');
    this.seen.add(key);
    const known = this.load()[key];
    if (known) return { success: true, data: structuredClone(known) };
    const parsed = manifestSchema().safeParse(json, { reportInput: true });
    if (parsed.success) {
      this.load()[key] = structuredClone(parsed.data);
      this.dirty = true;
    }
    return parsed;
  }

  /** Write what was learnt; entries of texts no longer seen are dropped. */
  save(): void {
    const entries = this.load();
    for (const key of Object.keys(entries)) {
      if (!this.seen.has(key)) {
        delete entries[key];
        this.dirty = true;
      }
    }
    if (this.dirty && writeAtomically(this.file, JSON.stringify({ schema: schemaDigest(), entries }))) this.dirty = false;
  }
}

type Schema = ReturnType<typeof manifestSchema>;

let digest: string | undefined;

/** sha256 of the schema module's source: the cache's key to the schema it was made with. */
function schemaDigest(): string {
  if (digest === undefined) {
    let source = '';
    try {
      source = fs.readFileSync(fileURLToPath(new URL('./schema.js', import.meta.url)), 'utf8');
    } catch {
      try {
        source = fs.readFileSync(fileURLToPath(new URL('./schema.ts', import.meta.url)), 'utf8');
      } catch {
        source = String(Math.random()); // unknown schema: never trust the cache
      }
    }
    digest = createHash('sha256').update(BULKHEAD_VERSION).update(source).digest('hex');
  }
  return digest;
}

/** A module as declared by its manifest, with its URL expanded and parsed. */
export interface ModuleManifest {
  name: string;
  /** Workspace-relative path of the manifest, for messages. */
  file: string;
  /** Absolute folder of the manifest. */
  dir: string;
  manifest: Manifest;
  target: DatabaseTarget;
  schema: string;
  history: { schema: string; table: string };
  migrationsDir: string;
}

export type ManifestResult = { ok: true; module: ModuleManifest; warnings?: Problem[] } | { ok: false; problems: Problem[]; name?: string };

/**
 * A manifest that is not JSON, at its line and column (V8 says "at position N", or "(line L
 * column C)"), with what JSON does not allow that editors' JSONC does: comments, trailing commas.
 */
function jsonProblem(file: string, text: string, e: Error): Problem {
  if ((e as { code?: string }).code !== undefined) return problem('BH001', `cannot read it: ${e.message}`, { file, fix: 'make the file readable' });
  const position = Number(/at position (\d+)/.exec(e.message)?.[1] ?? NaN);
  const at = Number.isNaN(position) ? undefined : lineColumnAt(text, Array.from(text.slice(0, position)).length + 1);
  const message = e.message.replace(/ in JSON at position \d+.*$| \(line \d+ column \d+\)$/, '');
  const code = text.replace(/"(?:[^"\\]|\\.)*"/g, '""');
  const why = /\/\/|\/\*/.test(code)
    ? 'a manifest is plain JSON: remove the comments'
    : /,\s*[}\]]/.test(code)
      ? 'a manifest is plain JSON: no comma after the last field or item'
      : text.trim() === ''
        ? 'the file is empty: a manifest needs at least { "name": …, "database": { "url": … } }'
        : (slip(text, position, message) ?? 'fix the JSON syntax');
  return problem('BH001', `not valid JSON: ${message}`, { file, ...(at ?? {}), fix: why });
}

/** A slip of hand where JSON.parse stopped (a UTF-16 offset): a comma left out, a name or string not in double quotes. */
function slip(text: string, position: number, message: string): string | undefined {
  if (/^Unexpected token '''/.test(message)) return 'write strings and names in double quotes: a manifest is plain JSON';
  if (Number.isNaN(position)) return undefined;
  // Another item where the comma before it is missing (not a bracket of the wrong kind).
  if (/^Expected ',' or '[}\]]' after (property value|array element)/.test(message) && /^["\w{[\-]/.test(text.slice(position))) {
    // The value before ends on the last line with something on it before the stop.
    const before = text.slice(0, position).replace(/\s+$/, '');
    return `add a comma at the end of line ${before.split('\n').length}, after its value`;
  }
  const at = text.slice(position);
  if (/^Expected (property name|double-quoted property name)/.test(message) && /^[A-Za-z_$]/.test(at)) {
    return `put the field name in double quotes ("${/^[\w$]+/.exec(at)![0]}"): a manifest is plain JSON`;
  }
  if (at.startsWith("'")) return 'write strings and names in double quotes: a manifest is plain JSON';
  return undefined;
}

/** Fields written twice in one object of valid JSON text: the field's path and both lines. */
export function duplicateKeys(text: string): { field: string; first: number; line: number }[] {
  const out: { field: string; first: number; line: number }[] = [];
  const stack: { keys: Map<string, number> | undefined; path: string; key?: string }[] = [];
  let line = 1;
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\n') line++;
    else if (c === '{') {
      const parent = stack.at(-1);
      stack.push({ keys: new Map(), path: parent?.key !== undefined ? (parent.path ? `${parent.path}.${parent.key}` : parent.key) : (parent?.path ?? '') });
      expectKey = true;
    } else if (c === '[') {
      const parent = stack.at(-1);
      stack.push({ keys: undefined, path: parent?.key !== undefined ? (parent.path ? `${parent.path}.${parent.key}` : parent.key) : (parent?.path ?? '') });
      expectKey = false;
    } else if (c === '}' || c === ']') {
      stack.pop();
      expectKey = false;
    } else if (c === ',') expectKey = stack.at(-1)?.keys !== undefined;
    else if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      const frame = stack.at(-1);
      if (expectKey && frame?.keys) {
        const key = JSON.parse(text.slice(i, j + 1)) as string;
        const field = frame.path ? `${frame.path}.${key}` : key;
        const first = frame.keys.get(key);
        if (first !== undefined) out.push({ field, first, line });
        else frame.keys.set(key, line);
        frame.key = key;
        expectKey = false;
      }
      i = j;
    }
  }
  return out;
}

/** Parse one manifest file: JSON, zod schema (every issue at once), env expansion, URL. */
export function loadManifest(absFile: string, root: string, env: NodeJS.ProcessEnv, known = new KnownManifests(root), o: { filesOnly?: boolean } = {}): ManifestResult {
  const file = path.relative(root, absFile) || absFile;
  let json: unknown;
  let text = '';
  try {
    const bytes = fs.readFileSync(absFile);
    if (looksUtf16(bytes)) {
      return {
        ok: false,
        problems: [
          problem('BH001', 'not valid JSON: the file is UTF-16 (Windows PowerShell\'s > and Out-File write it so), and a manifest is UTF-8', {
            file,
            fix: `save it as UTF-8: iconv -f utf-16 -t utf-8 ${file} > converted.json, then replace the file with it (PowerShell: Get-Content ${file} | Set-Content -Encoding utf8 converted.json)`,
          }),
        ],
      };
    }
    // A BOM (Windows editors write one) is not part of the JSON.
    text = bytes.toString('utf8').replace(/^\uFEFF/, '');
    json = JSON.parse(text);
  } catch (e) {
    return { ok: false, problems: [jsonProblem(file, text, e as Error)] };
  }
  // JSON.parse keeps the last of two fields of one name (a merge that kept both sides' "dependsOn").
  const twice = duplicateKeys(text);
  if (twice.length) {
    const named = typeof (json as { name?: unknown })?.name === 'string' ? (json as { name: string }).name : undefined;
    return {
      ok: false,
      name: named,
      problems: twice.map((d) =>
        problem('BH002', `field "${d.field}" is written twice (lines ${d.first} and ${d.line}): JSON keeps only the last`, { module: named, file, field: d.field, line: d.line, fix: 'keep one of them (a merge that kept both sides?)' }),
      ),
    };
  }
  const parsed = known.validate(text, json);
  const nameGuess = typeof (json as { name?: unknown })?.name === 'string' ? (json as { name: string }).name : undefined;
  if (!parsed.success) {
    return {
      ok: false,
      name: nameGuess,
      problems: parsed.error.issues.map((issue) => {
        let field = issue.path.join('.') || undefined;
        let message = issue.message;
        let fix: string | undefined;
        if (issue.code === 'unrecognized_keys') {
          message = `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
          field = issue.keys.map((k) => [...issue.path, k].join('.')).join(', ');
          fix = `remove it or fix its spelling; allowed fields: ${allowedFields()}`;
        } else if (issue.code === 'invalid_type' && issue.input === undefined) {
          message = `required field is missing`;
          fix = missingFieldFix(issue.path.join('.'), nameGuess ?? path.basename(path.dirname(absFile)));
        } else if (issue.code === 'invalid_type') {
          message = `expected ${issue.expected}, got ${describeJson(issue.input)}`;
          fix = `write it as ${article(issue.expected)}; the JSON Schema (packages/core/bulkhead.schema.json) shows every field`;
        }
        fix ??= `correct ${field ? `"${field}"` : 'the manifest'}; the JSON Schema packages/core/bulkhead.schema.json describes every field (reference it as "$schema" for editor completion)`;
        return problem('BH002', message, { module: nameGuess, file, field, fix });
      }),
    };
  }
  const manifest = parsed.data;
  const expansion = expandEnv(manifest.database.url, env);
  const { value: url, missing, malformed, emptyDefault } = expansion;
  if (malformed.length) {
    return {
      ok: false,
      name: manifest.name,
      problems: malformed.map((m) =>
        problem('BH003', `malformed variable reference ${m} in database.url`, {
          module: manifest.name,
          file,
          field: 'database.url',
          fix: malformedFix(m),
        }),
      ),
    };
  }
  if (url.trim() === '' && emptyDefault.length) {
    return {
      ok: false,
      name: manifest.name,
      problems: [
        problem('BH003', `environment variable ${emptyDefault.join(', ')} is not set and its default is empty, so database.url is empty`, {
          module: manifest.name,
          file,
          field: 'database.url',
          fix: `set ${emptyDefault[0]}, or give a default: \${${emptyDefault[0]}:-<url>}`,
        }),
      ],
    };
  }
  // Set but empty (an unfilled CI secret, `export X=`) counts as unset: say which it is.
  const unset = missing.map((v) =>
    problem('BH003', `environment variable ${v} is ${env[v] === '' ? 'set but empty' : 'not set'} (used in database.url)${o.filesOnly ? ': this command does not connect to it and goes on; a command that does (up, status, plan, drift, verify without --server) refuses it' : ''}`, {
      module: manifest.name,
      file,
      field: 'database.url',
      fix: `set ${v}, or give a default in the manifest: \${${v}:-<url>}`,
    }),
  );
  if (unset.length && !o.filesOnly) return { ok: false, name: manifest.name, problems: unset };
  const stray = unset.length ? undefined : strayAroundUrl(manifest.database.url, expansion, env);
  if (stray) {
    return { ok: false, name: manifest.name, problems: [problem('BH018', stray.message, { module: manifest.name, file, field: 'database.url', fix: stray.fix })] };
  }
  const dir = path.dirname(absFile);
  let target: DatabaseTarget;
  try {
    target = unset.length ? unsetTarget(missing, root) : parseDatabaseUrl(url, root);
  } catch (e) {
    if (!(e instanceof UrlError)) throw e;
    return {
      ok: false,
      name: manifest.name,
      problems: [
        problem('BH018', e.message, {
          module: manifest.name,
          file,
          field: 'database.url',
          fix: e.fix ?? 'write database.url as postgres://user:password@host:5432/<database> (a server), pglite://<folder> or pglite://memory (embedded); ${VAR} and ${VAR:-default} are expanded',
        }),
      ],
    };
  }
  const tenants = manifest.tenants;
  if (tenants?.kind === 'database' && target.kind === 'pglite') {
    return {
      ok: false,
      name: manifest.name,
      problems: [
        problem('BH018', `tenants of kind "database" need a PostgreSQL server, but ${target.display} is an embedded database (one database per folder)`, {
          module: manifest.name,
          file,
          field: 'tenants.kind',
          fix: 'use "kind": "schema" (a schema per tenant in the embedded database), or point database.url at a server',
        }),
      ],
    };
  }
  // Its database is where its migrations run, unless tenants replace it (database tenants: the
  // URL only reaches their server).
  const own = target.kind === 'postgres' && tenants?.kind !== 'database' ? target : undefined;
  const databaseReserved = own && reservedName('database', own.database);
  if (own && databaseReserved) {
    return {
      ok: false,
      name: manifest.name,
      problems: [
        problem('BH018', `${own.display} names database ${own.database}, which the server keeps for itself: ${databaseReserved}${own.database === 'template1' ? " (another module's, a tenant's would start with this module's objects)" : ''}`, {
          module: manifest.name,
          file,
          field: 'database.url',
          fix: `give the module a database of its own, e.g. ${own.display.replace(/\/[^/?]*(\?|$)/, `/${manifest.name.replace(/-/g, '_')}$1`)} (bulkhead db create makes it, owned by a role of the module's)`,
        }),
      ],
    };
  }
  const schemaReserved = reservedName('schema', manifest.database.schema);
  if (schemaReserved) {
    return {
      ok: false,
      name: manifest.name,
      problems: [
        problem('BH002', `database.schema "${manifest.database.schema}" is a schema the server keeps for itself: ${schemaReserved}`, {
          module: manifest.name,
          file,
          field: 'database.schema',
          fix: `name the module's schema otherwise, e.g. "${manifest.name.replace(/-/g, '_')}"`,
        }),
      ],
    };
  }
  const historySchema = manifest.historyTable?.includes('.') ? manifest.historyTable.split('.')[0]! : undefined;
  const historyReserved = historySchema === undefined ? undefined : reservedName('schema', historySchema);
  if (historyReserved) {
    return {
      ok: false,
      name: manifest.name,
      problems: [
        problem('BH002', `historyTable "${manifest.historyTable}" is in schema ${historySchema}, which the server keeps for itself: ${historyReserved}`, {
          module: manifest.name,
          file,
          field: 'historyTable',
          fix: `keep it in the module's schema: "${manifest.historyTable!.split('.').pop()}" (or another schema of the module's)`,
        }),
      ],
    };
  }
  if (tenants?.kind === 'schema' && manifest.historyTable?.includes('.')) {
    return {
      ok: false,
      name: manifest.name,
      problems: [
        problem('BH002', `historyTable "${manifest.historyTable}" names a schema, but each schema tenant keeps its history table in its own schema`, {
          module: manifest.name,
          file,
          field: 'historyTable',
          fix: `write the table name alone: "${manifest.historyTable.split('.').pop()}"`,
        }),
      ],
    };
  }
  const [hSchema, hTable] = splitQualified(manifest.historyTable ?? defaultHistoryTable(manifest.name), manifest.database.schema);
  const long = tooLong(manifest, hSchema, hTable, target, file);
  if (long) return { ok: false, name: manifest.name, problems: [long] };
  // The embedded database loads PGlite's contrib extensions and vector, no other (postgis, timescaledb).
  const unloadable = target.kind === 'pglite' ? manifest.extensions.filter((ext) => !embeddedExtensionAvailable(ext)) : [];
  if (unloadable.length) return { ok: false, name: manifest.name, problems: unloadable.map((ext) => embeddedExtensionProblem(manifest.name, ext, file)) };
  return {
    ok: true,
    module: {
      name: manifest.name,
      file,
      dir,
      manifest,
      target,
      schema: manifest.database.schema,
      history: { schema: hSchema, table: hTable },
      migrationsDir: path.resolve(dir, manifest.migrations),
    },
    ...(unset.length ? { warnings: unset } : {}),
  };
}

/**
 * Where a database URL whose variables are unset points, for a command that reads files only
 * (validate, make, lint): nowhere reachable (a reserved .invalid host), one place per set of
 * variables, so that two modules whose URL is the same unset variable are still one database.
 */
function unsetTarget(variables: readonly string[], root: string): DatabaseTarget {
  // The variables' digest as the database: a name of any length (a long one would be cut at 63 bytes).
  const key = createHash('sha256').update(variables.join('\u0000')).digest('hex').slice(0, 16);
  const target = parseDatabaseUrl(`postgres://bulkhead-unset-variable.invalid/unset_${key}`, root);
  return { ...target, display: `${variables.map((v) => `\${${v}}`).join(', ')} (not set)` };
}

/**
 * A name PostgreSQL would cut to 63 bytes: the history table with its progress table
 * (`<table>_progress`, 9 bytes more; cut, the two are one table), or the URL's database (cut, it
 * is another database, or another module's).
 */
function tooLong(manifest: Manifest, hSchema: string, hTable: string, target: DatabaseTarget, file: string): Problem | undefined {
  const over = bytesOver(hTable, PROGRESS_SUFFIX.length);
  if (over) {
    const suggestion = `${abbreviated(hTable.replace(/_migrations$/, ''), MAX_NAME_BYTES - PROGRESS_SUFFIX.length - '_migrations'.length)}_migrations`;
    return problem('BH002', `history table ${hTable}${manifest.historyTable ? '' : ' (the default, <name>_migrations)'} is ${Buffer.byteLength(hTable)} bytes long: PostgreSQL cuts names to ${MAX_NAME_BYTES} bytes, and its progress table ${hTable}${PROGRESS_SUFFIX} would be cut to the same name`, {
      module: manifest.name,
      file,
      field: 'historyTable',
      fix: `set "historyTable" to a name of at most ${MAX_NAME_BYTES - PROGRESS_SUFFIX.length} bytes, e.g. "${hSchema !== manifest.database.schema ? `${hSchema}.` : ''}${suggestion}"`,
    });
  }
  if (target.kind === 'postgres' && bytesOver(target.database)) {
    return problem('BH018', `the database name ${target.database} is ${Buffer.byteLength(target.database)} bytes long: PostgreSQL cuts names to ${MAX_NAME_BYTES} bytes, so the server would take it for ${cutName(target.database)}`, {
      module: manifest.name,
      file,
      field: 'database.url',
      fix: `name the database in at most ${MAX_NAME_BYTES} bytes`,
    });
  }
  return undefined;
}

/** A name cut to `max` bytes by its leading words' initials (payments_reconciliation_service_x → p_r_s_x), the last word kept. */
function abbreviated(name: string, max: number): string {
  const words = name.split('_');
  for (let i = 0; i < words.length - 1 && Buffer.byteLength(words.join('_')) > max; i++) words[i] = words[i]!.slice(0, 1);
  return cutName(words.join('_'), max).replace(/_+$/, '');
}

function splitQualified(name: string, defaultSchema: string): [string, string] {
  const dot = name.indexOf('.');
  return dot < 0 ? [defaultSchema, name] : [name.slice(0, dot), name.slice(dot + 1)];
}

/**
 * What to add for a missing required field: the field with a value that works, where one can be
 * named — the module's folder as its name, and a database as the example modules have it (an
 * embedded one until the environment names a server).
 */
function missingFieldFix(field: string, name: string): string {
  const variable = databaseUrlVariable(name);
  const url = defaultDatabaseUrl(name);
  if (field === 'name') return `add "name": ${JSON.stringify(name)} (the module's name, as dependsOn and the CLI call it)`;
  if (field === 'database') return `add "database": { "url": ${JSON.stringify(url)} } (an embedded PGlite database until ${variable} names a server, as the example modules have it)`;
  if (field === 'database.url') return `add "url": ${JSON.stringify(url)} to "database" (an embedded PGlite database until ${variable} names a server)`;
  return `add "${field.split('.').at(-1)}"`;
}

function describeJson(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 37)}...` : v)}`;
  return `${typeof v} ${JSON.stringify(v)}`;
}
