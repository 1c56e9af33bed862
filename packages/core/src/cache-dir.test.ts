import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { userCacheDir } from './cache-dir.js';

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
