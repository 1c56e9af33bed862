import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * Where Bulkhead keeps a workspace's caches of `kind` (analysis results, known-valid
 * manifests): `node_modules/.cache/bulkhead/<kind>` (ignored by every project), or, when the
 * workspace has no node_modules, the user's cache folder (`BULKHEAD_CACHE_DIR`, else
 * `$XDG_CACHE_HOME/bulkhead` or `~/.cache/bulkhead`), under `<kind>/<hash of the root>`.
 */
export function workspaceCacheDir(root: string, kind: string): string {
  const nm = path.join(root, 'node_modules');
  if (fs.existsSync(nm)) return path.join(nm, '.cache', 'bulkhead', kind);
  return path.join(userCacheDir(), kind, crypto.createHash('sha256').update(root).digest('hex').slice(0, 16));
}

/** The user's Bulkhead cache folder (machine-wide: the embedded template lives here). */
export function userCacheDir(): string {
  return process.env.BULKHEAD_CACHE_DIR ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'bulkhead');
}

/** Write a file through a temporary one and a rename, so a reader never sees half of it. False when it cannot. */
export function writeAtomically(file: string, text: string | Uint8Array): boolean {
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, text);
    fs.renameSync(tmp, file);
    return true;
  } catch {
    return false;
  }
}
