import fs from 'node:fs';
import path from 'node:path';

export const MANIFEST_FILE = 'bulkhead.json';
const SKIP = new Set(['node_modules', 'dist', 'tmp', 'coverage']);

/** A folder of migration files in another tool's layout (or Bulkhead's) found while discovering. */
export interface MigrationFolder {
  /** Absolute path. */
  dir: string;
  /** Whose layout it looks like, for messages. */
  layout: string;
  /** Migration files (or folders) in it. */
  count: number;
}

const LAYOUTS: { layout: string; file?: RegExp; folder?: RegExp; inFolder?: RegExp; dirName?: RegExp; needsSibling?: string }[] = [
  { layout: 'up/down SQL (golang-migrate, Bulkhead)', file: /^\d[\w.-]*\.(up|down)\.sql$/i },
  { layout: 'Flyway', file: /^(V\d+([._]\d+)*|R)__.+\.sql$/ },
  { layout: 'Alembic', file: /^(?!__init__)\w+\.py$/, dirName: /^versions$/, needsSibling: 'env.py' },
  { layout: 'knex', file: /^\d{8,}[_-][\w.-]+\.(js|cjs|mjs|ts)$/, dirName: /^migrations$/ },
  { layout: 'dbmate', file: /^\d{8,}_[\w.-]+\.sql$/, dirName: /^migrations$/ },
  { layout: 'diesel', folder: /^(\d{4}-\d{2}-\d{2}-\d+|\d{14})_\w+$/, inFolder: /^up\.sql$/ },
  { layout: 'Prisma', folder: /^\d{14}_\w+$/, inFolder: /^migration\.sql$/ },
];

export interface Discovery {
  manifests: string[];
  /** Every folder holding migration-like files, whoever reads it (the caller tells strays apart). */
  migrationFolders: MigrationFolder[];
  /** `bulkhead.json` files that are symbolic links (not read as manifests of their own folder). */
  linkedManifests: string[];
}

/**
 * Every `bulkhead.json` under `root`, skipping node_modules, build output and hidden folders,
 * and on the same walk every folder that holds migration files in a known layout.
 */
export function discoverWorkspace(root: string): Discovery {
  const manifests: string[] = [];
  const linkedManifests: string[] = [];
  const folders = new Map<string, MigrationFolder>();
  const note = (dir: string, layout: string) => {
    const f = folders.get(dir);
    if (f) f.count++;
    else folders.set(dir, { dir, layout, count: 1 });
  };
  const walk = (dir: string) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    const base = path.basename(dir);
    for (const e of entries) {
      if (e.isFile()) {
        if (e.name === MANIFEST_FILE) manifests.push(path.join(dir, e.name));
        const layout = LAYOUTS.find(
          (l) => l.file?.test(e.name) && (!l.dirName || l.dirName.test(base)) && (!l.needsSibling || fs.existsSync(path.join(path.dirname(dir), l.needsSibling))),
        );
        if (layout) note(dir, layout.layout);
        else if (LAYOUTS.some((l) => l.inFolder?.test(e.name) && l.folder?.test(base))) {
          note(path.dirname(dir), LAYOUTS.find((l) => l.inFolder?.test(e.name) && l.folder?.test(base))!.layout);
        }
      } else if (e.isDirectory() && !e.name.startsWith('.') && !SKIP.has(e.name)) walk(path.join(dir, e.name));
      else if (e.isSymbolicLink() && e.name === MANIFEST_FILE) linkedManifests.push(path.join(dir, e.name));
    }
  };
  walk(root);
  return { manifests: manifests.sort(), migrationFolders: [...folders.values()].sort((a, b) => a.dir.localeCompare(b.dir)), linkedManifests: linkedManifests.sort() };
}

/** Every `bulkhead.json` under `root`, skipping node_modules, build output and hidden folders. */
export function discoverManifests(root: string): string[] {
  return discoverWorkspace(root).manifests;
}

/**
 * The workspace root: the nearest folder at or above `cwd` with an nx.json; else, run in modules/
 * or inside a module (`<root>/modules/<name>/…`), the folder holding modules/ — a module's own folder is
 * no workspace: its dependencies and neighbours would be unknown, and its embedded database
 * (pglite://.bulkhead/<name>) made beside the module; else `cwd` itself.
 */
export function findWorkspaceRoot(cwd: string): string {
  const start = path.resolve(cwd);
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'nx.json'))) return dir;
    if (path.dirname(dir) === dir) break;
  }
  for (let dir = start; path.dirname(dir) !== dir; dir = path.dirname(dir)) {
    const parent = path.dirname(dir);
    if (path.basename(dir) === 'modules' && holdsModules(dir)) return parent;
  }
  return start;
}

/** Whether a modules/ folder holds a module (a <name>/bulkhead.json). */
export function holdsModules(dir: string): boolean {
  try {
    return fs.readdirSync(dir).some((m) => fs.existsSync(path.join(dir, m, 'bulkhead.json')));
  } catch {
    return false;
  }
}
