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

/**
 * The user's Bulkhead cache folder (machine-wide: the embedded template lives here). An empty
 * variable counts as unset, and a relative BULKHEAD_CACHE_DIR is taken from the current folder
 * (so `--cwd` does not move it); XDG_CACHE_HOME counts only when absolute, as its spec says.
 */
export function userCacheDir(): string {
  const own = process.env.BULKHEAD_CACHE_DIR;
  if (own) return path.resolve(own);
  const xdg = process.env.XDG_CACHE_HOME;
  return path.join(xdg && path.isAbsolute(xdg) ? xdg : path.join(os.homedir(), '.cache'), 'bulkhead');
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

/**
 * The lines of a text file, read `chunkSize` bytes at a time into one buffer (grown only for a
 * line longer than it): a large cache file is never one string in memory. Lines end with \n; a
 * last line without one is yielded too.
 */
export function* readLines(file: string, chunkSize = 1 << 16): Generator<string> {
  const fd = fs.openSync(file, 'r');
  try {
    // A small file (most modules' caches: a few KB) gets a buffer its size, not a whole chunk.
    let buf = Buffer.allocUnsafe(Math.max(1, Math.min(chunkSize, fs.fstatSync(fd).size + 1)));
    /** Bytes at the start of `buf` that belong to a line not ended yet. */
    let have = 0;
    for (;;) {
      if (have === buf.length) {
        const bigger = Buffer.allocUnsafe(buf.length * 2);
        buf.copy(bigger, 0, 0, have);
        buf = bigger;
      }
      const n = fs.readSync(fd, buf, have, buf.length - have, null);
      if (n === 0) break;
      const end = have + n;
      // Searched only up to what was read: past it lies an earlier read's bytes (or garbage), and
      // a search through them for a newline that is not there cost a no-op run over 100 modules 20 ms.
      const read = buf.subarray(0, end);
      let start = 0;
      for (let nl = read.indexOf(10, have); nl >= 0; nl = read.indexOf(10, nl + 1)) {
        yield buf.toString('utf8', start, nl);
        start = nl + 1;
      }
      buf.copy(buf, 0, start, end);
      have = end - start;
    }
    if (have > 0) yield buf.toString('utf8', 0, have);
  } finally {
    fs.closeSync(fd);
  }
}
