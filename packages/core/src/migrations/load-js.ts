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
