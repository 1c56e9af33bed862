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

/**
 * Write a file through a temporary one and a rename, so a reader never sees half of it. False
 * when it cannot. Pieces (an iterable of strings) are written as they come, in chunks, so a large
 * file (the analysis cache of 10,000 migrations) never exists as one string in memory.
 */
export function writeAtomically(file: string, text: string | Uint8Array | Iterable<string>): boolean {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    if (typeof text === 'string' || text instanceof Uint8Array) {
      fs.writeFileSync(tmp, text);
    } else {
      const fd = fs.openSync(tmp, 'w');
      try {
        let chunk = '';
        for (const piece of text) {
          chunk += piece;
          if (chunk.length >= 1 << 16) {
            fs.writeSync(fd, chunk);
            chunk = '';
          }
        }
        fs.writeSync(fd, chunk);
      } finally {
        fs.closeSync(fd);
      }
    }
    fs.renameSync(tmp, file);
    return true;
  } catch {
    try {
      fs.rmSync(tmp, { force: true });
    } catch {
      // an unwritable folder: nothing was written there either
    }
    return false;
  }
}
