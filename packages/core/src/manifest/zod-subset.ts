/**
 * The part of zod the manifest schema uses. `npm run build` also bundles this file on its own
 * (esbuild, tree-shaken) into dist/manifest/zod-subset.cjs, which schema.ts loads: zod's package
 * entry loads all of its 120 modules, its forty locales among them, and took three times as long
 * to load as the subset (a manifest is validated with zod on every run whose cache misses it).
 */
export { array, enum, record, strictObject, string, toJSONSchema } from 'zod';
