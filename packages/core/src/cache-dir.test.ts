import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { readLines, userCacheDir } from './cache-dir.js';

describe('userCacheDir', () => {
  afterEach(() => vi.unstubAllEnvs());

  it('takes BULKHEAD_CACHE_DIR, a relative one from the current folder', () => {
    vi.stubEnv('BULKHEAD_CACHE_DIR', 'some/cache');
    expect(userCacheDir()).toBe(path.resolve('some/cache'));
  });

  it('counts an empty BULKHEAD_CACHE_DIR as unset, not as the current folder', () => {
    vi.stubEnv('BULKHEAD_CACHE_DIR', '');
    vi.stubEnv('XDG_CACHE_HOME', '/var/cache/me');
    expect(userCacheDir()).toBe('/var/cache/me/bulkhead');
  });

  it('ignores a relative XDG_CACHE_HOME, as the XDG spec says', () => {
    vi.stubEnv('BULKHEAD_CACHE_DIR', '');
    vi.stubEnv('XDG_CACHE_HOME', 'relative');
    expect(userCacheDir()).toBe(path.join(os.homedir(), '.cache', 'bulkhead'));
  });
});

describe('readLines', () => {
  it('yields every line, across chunks, longer than a chunk, and a last one without a newline', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bh-lines-'));
    try {
      const file = path.join(dir, 'f');
      const lines = ['{"version":1}', 'a\tshort', '', 'x'.repeat(50), 'é€ multi-byte', 'last'];
      fs.writeFileSync(file, lines.join('\n'));
      for (const chunk of [1, 3, 8, 1 << 16]) expect([...readLines(file, chunk)]).toEqual(lines);
      fs.writeFileSync(file, `${lines.join('\n')}\n`);
      expect([...readLines(file, 7)]).toEqual(lines);
      fs.writeFileSync(file, '');
      expect([...readLines(file)]).toEqual([]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
