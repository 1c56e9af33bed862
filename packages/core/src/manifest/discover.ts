import fs from 'node:fs';
import path from 'node:path';

export const MANIFEST_FILE = 'bulkhead.json';
const SKIP = new Set(['node_modules', 'dist', 'tmp', 'coverage']);

/** Every `bulkhead.json` under `root`, skipping node_modules, build output and hidden folders. */
export function discoverManifests(root: string): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (e.isFile() && e.name === MANIFEST_FILE) found.push(path.join(dir, e.name));
      else if (e.isDirectory() && !e.name.startsWith('.') && !SKIP.has(e.name)) walk(path.join(dir, e.name));
    }
  };
  walk(root);
  return found.sort();
}

/** The workspace root: the nearest folder at or above `cwd` with an nx.json, else `cwd` itself. */
export function findWorkspaceRoot(cwd: string): string {
  let dir = path.resolve(cwd);
  for (;;) {
    if (fs.existsSync(path.join(dir, 'nx.json'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return path.resolve(cwd);
    dir = parent;
  }
}
