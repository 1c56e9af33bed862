import { describe, expect, it } from 'vitest';
import { extensionPackage, extensionProviding } from './extensions.js';

describe('extensions', () => {
  it('knows which extension a type or function the server lacks comes from, and nothing of the core', () => {
    expect(extensionProviding('function', 'uuid_generate_v4')).toBe('uuid-ossp');
    expect(extensionProviding('function', 'ST_MakePoint')).toBe('postgis');
    expect(extensionProviding('type', 'citext')).toBe('citext');
    expect(extensionProviding('type', 'vector')).toBe('vector');
    expect(extensionProviding('function', 'gen_random_uuid')).toBeUndefined();
    expect(extensionProviding('type', 'jsonb')).toBeUndefined();
  });

  it('names the package that gives a server an extension, for a release or any', () => {
    expect(extensionPackage('pg_trgm', 15)).toBe('postgresql-contrib (on Debian/Ubuntu part of postgresql-15; on RHEL postgresql15-contrib)');
    expect(extensionPackage('vector', 16)).toContain('postgresql-16-pgvector');
    expect(extensionPackage('my_ext', undefined)).toBe("the extension's package — on Debian/Ubuntu likely postgresql-<major>-my-ext (apt-cache search my-ext) — or its own installer");
  });
});
