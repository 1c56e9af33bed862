import { pathToFileURL } from 'node:url';

/** The knex migration format (SPEC §3): `up`, `down`, `config.transaction`, plus Bulkhead's `requires`. */
export interface JsMigrationModule {
  up?: unknown;
  down?: unknown;
  config?: { transaction?: boolean };
  requires?: unknown;
}

const TS_LOADER = Symbol.for('bulkhead.tsx-registered');

/** Register tsx once per process, so `.ts`/`.mts`/`.cts` migrations import like JavaScript. */
async function ensureTypeScriptLoader(): Promise<void> {
  const g = globalThis as Record<symbol, unknown>;
  if (g[TS_LOADER]) return;
  g[TS_LOADER] = true;
  const [esm, cjs] = await Promise.all([import('tsx/esm/api'), import('tsx/cjs/api')]);
  esm.register();
  cjs.register();
}

/** Import a TS/JS migration (ESM or CommonJS; `module.exports` and `export default` both work). */
export async function importJsMigration(file: string): Promise<JsMigrationModule> {
  if (/\.[mc]?ts$/.test(file)) await ensureTypeScriptLoader();
  const mod = (await import(pathToFileURL(file).href)) as JsMigrationModule & { default?: JsMigrationModule };
  const d = mod.default;
  if (typeof mod.up !== 'function' && d && typeof d === 'object' && typeof d.up === 'function') return d;
  return mod;
}

/** Other JavaScript migration tools, by what their files say (first match wins). */
const FOREIGN_TOOLS: readonly [RegExp, string][] = [
  [/\bexports\.shorthands\b|\bpgm\.\w+\(|from ['"]node-pg-migrate['"]/, 'node-pg-migrate'],
  [/\bqueryInterface\.\w+\(|from ['"]sequelize['"]|require\(['"]sequelize['"]\)/, 'Sequelize (umzug)'],
  [/\bimplements\s+MigrationInterface\b|\bqueryRunner\.\w+\(|from ['"]typeorm['"]/, 'TypeORM'],
  [/from ['"]@mikro-orm\/migrations['"]|\bthis\.addSql\(/, 'MikroORM'],
  [/from ['"]kysely['"]|require\(['"]kysely['"]\)/, 'Kysely'],
  // Logto's alterations: `up: async (pool) => pool.query(sql\`…\`)` with slonik's tagged SQL.
  [/from ['"](?:@silverhand\/)?slonik['"]|require\(['"](?:@silverhand\/)?slonik['"]\)/, 'slonik'],
  // db-migrate: `exports.up = function (db, callback) { db.runSql(…, callback) }` (Unleash's 399).
  [/\bdb\.runSql\b|\bexports\._meta\b|\boptions\.dbmigrate\b/, 'db-migrate'],
];

/**
 * The tool a TS/JS migration was written for, when it is not knex: its up gets that tool's object
 * (`pgm`, `queryInterface`, `queryRunner`, a Kysely `db`), and with knex it fails on its first call.
 * Read from the source, before it is imported (a Kysely or TypeORM import would fail first).
 */
export function foreignMigrationTool(source: string): { tool: string; sign: string } | undefined {
  for (const [re, tool] of FOREIGN_TOOLS) {
    const m = re.exec(source);
    if (m) return { tool, sign: m[0].replace(/\($/, '') };
  }
  return undefined;
}
