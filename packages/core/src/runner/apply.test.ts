import { describe, expect, it } from 'vitest';
import { extensionBehind, fixFor } from './apply.js';

describe('extensionBehind', () => {
  it("names the extension behind a missing type, function or operator class, and btree_gin/btree_gist behind a GIN or GiST index on a scalar (the server's own messages)", () => {
    expect(extensionBehind('42704', 'type "citext" does not exist')).toEqual({ what: 'type citext', provider: 'citext' });
    expect(extensionBehind('42883', 'function uuid_generate_v4() does not exist')).toEqual({ what: 'uuid_generate_v4()', provider: 'uuid-ossp' });
    expect(extensionBehind('42704', 'operator class "gin_trgm_ops" does not exist for access method "gin"')).toEqual({ what: 'operator class gin_trgm_ops', provider: 'pg_trgm' });
    expect(extensionBehind('42704', 'operator class "public.gist_geometry_ops_2d" does not exist for access method "gist"')).toEqual({ what: 'operator class gist_geometry_ops_2d', provider: 'postgis' });
    expect(extensionBehind('42704', 'operator class "int4_ops" does not exist for access method "gin"')).toEqual({ what: 'operator class int4_ops', provider: 'btree_gin' });
    expect(extensionBehind('42704', 'operator class "timestamptz_ops" does not exist for access method "gist"')).toEqual({ what: 'operator class timestamptz_ops', provider: 'btree_gist' });
    expect(extensionBehind('42704', 'data type integer has no default operator class for access method "gin"')).toEqual({ what: 'a GIN index on integer', provider: 'btree_gin' });
    expect(extensionBehind('42704', 'data type uuid has no default operator class for access method "gist"')).toEqual({ what: 'a GiST index on uuid', provider: 'btree_gist' });
    // Not an extension's: a typo, a type no GIN/GiST extension covers, another access method.
    expect(extensionBehind('42704', 'operator class "jsonb_pth_ops" does not exist for access method "gin"')).toBeUndefined();
    expect(extensionBehind('42704', 'data type jsonb has no default operator class for access method "gist"')).toBeUndefined();
    expect(extensionBehind('42704', 'data type xml has no default operator class for access method "btree"')).toBeUndefined();
    expect(extensionBehind('42P01', 'relation "gin_trgm_ops" does not exist')).toBeUndefined();
  });
});

describe('fixFor', () => {
  it("a role that exists already is the server's (a scratch database on the module's server shares it): made only where missing, as SQL that runs", () => {
    const fix = fixFor({ code: '42710', message: 'role "app_reader" already exists' } as never, 'role "app_reader" already exists', 'a', 'CREATE ROLE app_reader NOLOGIN');
    expect(fix).toContain('roles belong to the server, not to a database: app_reader exists on this server already');
    expect(fix).toContain("DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'app_reader') THEN CREATE ROLE app_reader …; END IF; END $$");
    expect(fix).toContain('--server <another>');
    // Another object that exists already keeps the general fix.
    expect(fixFor({ code: '42710', message: 'constraint "c" for relation "t" already exists' } as never, 'constraint "c" for relation "t" already exists', 'a')).toContain('the object exists already');
  });
});
