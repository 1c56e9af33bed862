import { describe, expect, it } from 'vitest';
import { extensionBehind } from './apply.js';

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
