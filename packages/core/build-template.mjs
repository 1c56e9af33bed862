// The embedded database's template, shipped with the package: a data folder made by PGlite's
// initdb (src/db/pglite.ts initTemplate), as a tar.gz in dist/db/, beside the code that unpacks
// it. A user's first embedded database then costs an unpack (about half a second) instead of an
// initdb (3-7 s and up to 1 GB of memory), on every fresh machine and CI runner. Run by the root
// `build`; kept while PGlite's version and the template's layout are the same (the file's name,
// SHIPPED_TEMPLATE, carries both).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import * as tar from 'tar';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
// The package's folder: its exports do not include package.json.
let pkg = path.dirname(require.resolve('@electric-sql/pglite'));
while (!fs.existsSync(path.join(pkg, 'package.json'))) pkg = path.dirname(pkg);
const version = JSON.parse(fs.readFileSync(path.join(pkg, 'package.json'), 'utf8')).version;
// What a machine without the shipped template makes itself, and the name it looks for (tsc's
// output of src/db/pglite.ts).
const { initTemplate, PGLITE_VERSION, SHIPPED_TEMPLATE } = await import('./dist/db/pglite.js');
if (PGLITE_VERSION !== version) {
  console.error(`packages/core/src/db/pglite.ts: PGLITE_VERSION is '${PGLITE_VERSION}', but @electric-sql/pglite ${version} is installed: set it to '${version}'`);
  process.exit(1);
}
const out = path.join(here, 'dist/db', SHIPPED_TEMPLATE);
if (fs.existsSync(out)) process.exit(0);

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bulkhead-template-'));
try {
  await make();
} catch (e) {
  // Only a speed-up: without it, the first embedded database on a machine runs initdb itself.
  console.warn(`warning: the embedded template was not made (${e instanceof Error ? e.message : e}); a machine's first embedded database will take PGlite's initdb (3-7 s)`);
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}

async function make() {
  const data = path.join(dir, 'data');
  await initTemplate(data);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  const tmp = `${out}.${process.pid}.tmp`;
  tar.c({ gzip: true, file: tmp, cwd: data, portable: true, sync: true }, fs.readdirSync(data));
  fs.renameSync(tmp, out);
  // An older version's or layout's template is no longer what the code looks for.
  for (const f of fs.readdirSync(path.dirname(out))) if (/^pglite-template-.*\.tar\.gz$/.test(f) && f !== path.basename(out)) fs.rmSync(path.join(path.dirname(out), f));
}
