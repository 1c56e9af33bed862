import { createRequire } from 'node:module';
import type { z as Zod } from 'zod';

const MODULE_NAME = /^[a-z][a-z0-9-]*$/;
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_$]*$/;

/** A tenant is a schema or database name: a plain identifier (dashes allowed for databases), at most 63 bytes. */
export const TENANT_NAME = /^[A-Za-z_][A-Za-z0-9_$-]{0,62}$/;

/** The progress table beside a history table: `<history>_progress` (history/store.ts). */
export const PROGRESS_SUFFIX = '_progress';

/** PostgreSQL keeps 63 bytes of a name (NAMEDATALEN - 1) and quietly cuts the rest. */
export const MAX_NAME_BYTES = 63;

/** The bytes of a name PostgreSQL would cut off (`room` more are appended to it), or 0. */
export function bytesOver(name: string, room = 0): number {
  return Math.max(0, Buffer.byteLength(name, 'utf8') + room - MAX_NAME_BYTES);
}

/** A name cut to `max` bytes, as PostgreSQL cuts it (no character split in two). */
export function cutName(name: string, max = MAX_NAME_BYTES): string {
  return Buffer.from(name).subarray(0, max).toString().replace(/\uFFFD$/, '');
}

/**
 * Why a schema or a database (a module's, a database tenant) of this name cannot hold a module:
 * one the server keeps for itself. PostgreSQL refuses to create a pg_ schema, information_schema
 * is the system's views, template0 takes no connections, and what is made in template1 is copied
 * into every database created after.
 */
export function reservedName(kind: 'schema' | 'database', name: string): string | undefined {
  if (kind === 'schema') {
    if (name.startsWith('pg_')) return 'the pg_ prefix is reserved for system schemas (PostgreSQL refuses to create one)';
    if (name === 'information_schema') return "information_schema is the system's catalog views";
    return undefined;
  }
  if (name === 'template0') return 'template0 takes no connections';
  if (name === 'template1') return 'template1 is the template every new database is copied from';
  return undefined;
}

/** The module manifest, `modules/<name>/bulkhead.json` (SPEC §2), built on zod. Strict: unknown fields are errors. */
function build(z: ZodSubset) {
  const tenantName = z.string().regex(TENANT_NAME, { message: 'must be a schema or database name: letters, digits, _, $ or -, starting with a letter or _, at most 63 characters' });
  const tenantKind = z.enum(['schema', 'database']).describe('schema: each tenant is a schema of the module\'s database; database: each tenant is a database on its server');
  const moduleName = z
    .string()
    .regex(MODULE_NAME, { message: 'must match [a-z][a-z0-9-]* (lowercase letters, digits, dashes; starts with a letter)' });
  return z
    .strictObject({
      $schema: z.string().optional().describe('JSON Schema of this file, for editors'),
      name: moduleName.describe('Module id, unique in the workspace'),
      database: z
        .strictObject({
          url: z
            .string()
            .min(1)
            .describe(
              'Connection URL: postgres://…, postgresql://…, pglite://<dir> or pglite://memory. ${VAR} and ${VAR:-default} are expanded from the environment.',
            ),
          schema: z
            .string()
            .regex(IDENTIFIER, { message: 'must be a plain SQL identifier' })
            .max(MAX_NAME_BYTES, { message: `must be at most ${MAX_NAME_BYTES} characters: PostgreSQL cuts longer names (two alike at the start would be one schema)` })
            .default('public')
            .describe('Schema the module lives in'),
        })
        .describe('The database this module owns'),
      historyTable: z
        .string()
        .regex(/^([A-Za-z_][A-Za-z0-9_$]*\.)?[A-Za-z_][A-Za-z0-9_$]*$/, {
          message: 'must be a table name, optionally schema-qualified (schema.table)',
        })
        .optional()
        .describe('History table of this module; default <name>_migrations (dashes become underscores)'),
      migrations: z.string().min(1).default('migrations').describe('Migrations folder, relative to this manifest'),
      dependsOn: z.array(moduleName).default([]).describe('Modules that must be migrated before this one'),
      owns: z.array(z.string().min(1)).default([]).describe('Glob patterns of object names this module owns, e.g. storage_*; "*" alone: everything it creates in its own database and schema'),
      extensions: z
        .array(z.string().regex(/^[a-z][a-z0-9_-]*$/, { message: 'must be an extension name such as pgcrypto' }))
        .default([])
        .describe('Extensions the module needs'),
      tenants: z
        .strictObject({
          kind: tenantKind,
          names: z
            .array(tenantName)
            .min(1, { message: 'must list at least one tenant' })
            .optional()
            .describe('Tenant names, in the order they are migrated (--canary takes the first ones)'),
          query: z
            .string()
            .min(1)
            .optional()
            .describe("SQL run on the module's database whose first column lists the tenant names, in the order they are migrated"),
        })
        .superRefine((t, ctx) => {
          if ((t.names === undefined) === (t.query === undefined)) {
            ctx.addIssue({ code: 'custom', message: 'give exactly one of "names" (a list) or "query" (SQL listing the tenants)' });
          }
        })
        .optional()
        .describe(
          'Run this module over many targets: each tenant is a schema of the module\'s database (kind "schema") or a database on its server (kind "database"), with its own history table and lock',
        ),
      lint: z
        .strictObject({
          rules: z
            .record(z.string().regex(/^(BH-[A-Z]\d{3}|[a-z][a-z0-9-]*)$/, { message: 'must be a lint rule code (BH-D101) or name (drop-table)' }), z.enum(['off', 'warning', 'error']))
            .default({})
            .describe('Per rule, by code or name: off, warning or error (default: the rule\'s own severity)'),
        })
        .optional()
        .describe("Lint configuration of this module's migrations"),
      lockTimeout: z
        .string()
        .regex(/^(0+(\.0+)?|\d+(\.\d+)?(ms|s|m|h))$/, { message: 'must be a duration with its unit, such as 3s, 500ms or 1m (0 leaves the server setting); a bare number is ambiguous (PostgreSQL reads one as milliseconds)' })
        .optional()
        .describe("Per-statement lock_timeout for this module's migrations; a statement that waits longer is rolled back and its migration retried with backoff. Default 3s"),
    })
    .describe('Bulkhead module manifest');
}

type Schema = ReturnType<typeof build>;
export type ManifestInput = Zod.input<Schema>;
export type Manifest = Zod.output<Schema>;

type ZodSubset = typeof import('./zod-subset.js');

let zod: ZodSubset | undefined;
let schema: Schema | undefined;

/**
 * zod, loaded on first use: a run whose manifests are known valid never loads it. Built, this is
 * the bundled subset (zod-subset.ts); from source (tests, tsx) zod itself.
 */
function z(): ZodSubset {
  return (zod ??= loadZod());
}

function loadZod(): ZodSubset {
  const require = createRequire(import.meta.url);
  try {
    return require('./zod-subset.cjs') as ZodSubset;
  } catch (e) {
    if ((e as { code?: string }).code !== 'MODULE_NOT_FOUND' || !(e as Error).message.includes('zod-subset.cjs')) throw e;
    return (require('zod') as { z: typeof Zod }).z;
  }
}

/** The manifest schema (zod). */
export function manifestSchema(): Schema {
  return (schema ??= build(z()));
}

/** JSON Schema generated from the zod schema; shipped as `@bulkhead/core/bulkhead.schema.json`. */
export function manifestJsonSchema(): Record<string, unknown> {
  return {
    ...z().toJSONSchema(manifestSchema(), { io: 'input' }),
    $id: 'https://bulkhead.dev/schema/bulkhead.schema.json',
    title: 'Bulkhead module manifest',
  };
}

export function defaultHistoryTable(moduleName: string): string {
  return `${moduleName.replace(/-/g, '_')}_migrations`;
}
