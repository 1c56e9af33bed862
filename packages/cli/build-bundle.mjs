// Bundles the command (src/bundle.ts, compiled by tsc to dist/bundle.js) with @bulkhead/core and
// pg into dist/bundle/, one chunk per lazily loaded command. Run by the root `build` after tsc.
//
// - Bundled: our code and pg (with its small dependencies): what every command loads.
// - Left as imports: the other dependencies of @bulkhead/core (PGlite, libpg-query, knex, tsx,
//   execa, zod), loaded only by the commands that need them and large; they resolve from this
//   package, so it declares each of them at the version core declares (checked here: a different
//   version would be a second copy, or the user's own, loaded silently).
// - Files the bundled code reads beside itself are copied next to it: the manifest schema's
//   source (its digest keys the manifest cache), the zod subset and the embedded template (by the
//   name the bundled code looks for).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const here = path.dirname(fileURLToPath(import.meta.url));
const core = path.join(here, '../core');
const read = (file) => JSON.parse(fs.readFileSync(file, 'utf8'));
const cliDeps = read(path.join(here, 'package.json')).dependencies ?? {};
const coreDeps = read(path.join(core, 'package.json')).dependencies ?? {};
const BUNDLED = new Set(['pg', 'pg-connection-string']);

const external = Object.keys(coreDeps).filter((d) => !BUNDLED.has(d));
const wrong = external.filter((d) => cliDeps[d] !== coreDeps[d]).map((d) => `"${d}": "${coreDeps[d]}" (has ${cliDeps[d] ? `"${cliDeps[d]}"` : 'none'})`);
if (wrong.length) {
  console.error(`packages/cli/package.json must depend on what the bundle leaves to @bulkhead/core's dependencies, at core's versions:\n  ${wrong.join('\n  ')}`);
  process.exit(1);
}

const out = path.join(here, 'dist/bundle');
fs.rmSync(out, { recursive: true, force: true });
await build({
  entryPoints: { bundle: path.join(here, 'dist/bundle.js') },
  outdir: out,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  logLevel: 'warning',
  // pg's optional native binding stays optional (loaded only through pg.native, never by Bulkhead).
  external: [...external.flatMap((d) => [d, `${d}/*`]), 'pg-native'],
  // pg is CommonJS: its require() of Node's modules needs a real require in an ES module.
  banner: { js: "import { createRequire as __bulkheadRequire } from 'node:module';\nconst require = __bulkheadRequire(import.meta.url);" },
});
fs.copyFileSync(path.join(core, 'dist/manifest/schema.js'), path.join(out, 'schema.js'));
fs.copyFileSync(path.join(core, 'dist/manifest/zod-subset.cjs'), path.join(out, 'zod-subset.cjs'));
// The template the bundled code looks for beside itself (absent when its build only warned).
const { SHIPPED_TEMPLATE } = await import(pathToFileURL(path.join(core, 'dist/db/pglite.js')).href);
if (fs.existsSync(path.join(core, 'dist/db', SHIPPED_TEMPLATE))) fs.copyFileSync(path.join(core, 'dist/db', SHIPPED_TEMPLATE), path.join(out, SHIPPED_TEMPLATE));
