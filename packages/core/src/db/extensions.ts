/** Which package gives a server an extension (pure: for the fixes of missing-extension problems). */

/** Extensions that ship with PostgreSQL's contrib package. */
const CONTRIB = new Set(
  'adminpack amcheck autoinc bloom btree_gin btree_gist citext cube dblink dict_int dict_xsyn earthdistance file_fdw fuzzystrmatch hstore insert_username intagg intarray isn lo ltree moddatetime old_snapshot pageinspect pg_buffercache pg_freespacemap pg_prewarm pg_stat_statements pg_surgery pg_trgm pg_visibility pg_walinspect pgcrypto pgrowlocks pgstattuple plpgsql postgres_fdw refint seg sslinfo tablefunc tcn tsm_system_rows tsm_system_time unaccent uuid-ossp xml2'.split(' '),
);
const PACKAGES: Record<string, (v: number | string) => string> = {
  vector: (v) => `postgresql-${v}-pgvector (Debian/Ubuntu), pgvector (Homebrew)`,
  postgis: (v) => `postgresql-${v}-postgis-3 (Debian/Ubuntu), postgis (Homebrew)`,
  timescaledb: (v) => `timescaledb-2-postgresql-${v} (Timescale's repository)`,
  pg_cron: (v) => `postgresql-${v}-cron (Debian/Ubuntu)`,
  pg_partman: (v) => `postgresql-${v}-partman (Debian/Ubuntu)`,
  hypopg: (v) => `postgresql-${v}-hypopg (Debian/Ubuntu)`,
};

/** Extensions known to make no table or view (pgcrypto; not PostGIS, whose spatial_ref_sys is a table). */
const RELATIONLESS = new Set(
  'plpgsql pgcrypto uuid-ossp citext hstore pg_trgm btree_gin btree_gist vector unaccent fuzzystrmatch ltree intarray cube earthdistance isn lo tablefunc dict_int dict_xsyn seg tcn tsm_system_rows tsm_system_time pgrowlocks pgstattuple pg_visibility amcheck bloom postgres_fdw dblink pg_prewarm'.split(' '),
);

/** Whether an extension is known to make no table or view (what a migration uses after creating it is then still known). */
export function makesNoRelations(name: string): boolean {
  return RELATIONLESS.has(name);
}

/** The package that provides an extension, for the fix of a missing-extension error. */
export function extensionPackage(name: string, major: number | undefined): string {
  const v = major ?? '<major>';
  if (CONTRIB.has(name)) return `postgresql-contrib (on Debian/Ubuntu part of postgresql-${v}; on RHEL postgresql${v}-contrib)`;
  // Not a package known here: apt.postgresql.org's name for most, to look for, else its own installer.
  return PACKAGES[name]?.(v) ?? `the extension's package — on Debian/Ubuntu likely postgresql-${v}-${name.replace(/_/g, '-')} (apt-cache search ${name.replace(/_/g, '-')}) — or its own installer`;
}

/** Types, functions and operator classes that come from an extension, not from PostgreSQL itself (lower case). */
const PROVIDED: Record<'type' | 'function' | 'opclass', Record<string, string>> = {
  opclass: {
    gin_trgm_ops: 'pg_trgm',
    gist_trgm_ops: 'pg_trgm',
    gin__int_ops: 'intarray',
    gist__int_ops: 'intarray',
    gist__intbig_ops: 'intarray',
    gist_ltree_ops: 'ltree',
    gist__ltree_ops: 'ltree',
    gin_hstore_ops: 'hstore',
    gist_hstore_ops: 'hstore',
    gist_cube_ops: 'cube',
    gist_seg_ops: 'seg',
    gist_geometry_ops_2d: 'postgis',
    gist_geometry_ops_nd: 'postgis',
    gist_geography_ops: 'postgis',
    vector_l2_ops: 'vector',
    vector_ip_ops: 'vector',
    vector_cosine_ops: 'vector',
    halfvec_l2_ops: 'vector',
    halfvec_cosine_ops: 'vector',
  },
  type: {
    citext: 'citext',
    ltree: 'ltree',
    lquery: 'ltree',
    ltxtquery: 'ltree',
    hstore: 'hstore',
    vector: 'vector',
    halfvec: 'vector',
    sparsevec: 'vector',
    geometry: 'postgis',
    geography: 'postgis',
    cube: 'cube',
    earth: 'earthdistance',
    isbn: 'isn',
    ean13: 'isn',
    issn: 'isn',
    seg: 'seg',
  },
  function: {
    uuid_generate_v1: 'uuid-ossp',
    uuid_generate_v1mc: 'uuid-ossp',
    uuid_generate_v3: 'uuid-ossp',
    uuid_generate_v4: 'uuid-ossp',
    uuid_generate_v5: 'uuid-ossp',
    gen_random_bytes: 'pgcrypto',
    gen_salt: 'pgcrypto',
    crypt: 'pgcrypto',
    digest: 'pgcrypto',
    hmac: 'pgcrypto',
    pgp_sym_encrypt: 'pgcrypto',
    pgp_sym_decrypt: 'pgcrypto',
    armor: 'pgcrypto',
    similarity: 'pg_trgm',
    word_similarity: 'pg_trgm',
    show_trgm: 'pg_trgm',
    unaccent: 'unaccent',
    levenshtein: 'fuzzystrmatch',
    soundex: 'fuzzystrmatch',
    metaphone: 'fuzzystrmatch',
    dmetaphone: 'fuzzystrmatch',
    ll_to_earth: 'earthdistance',
    earth_distance: 'earthdistance',
    crosstab: 'tablefunc',
    nlevel: 'ltree',
    subpath: 'ltree',
    hstore: 'hstore',
  },
};

/**
 * The extension a type, function or operator class the server says does not exist comes from
 * (uuid_generate_v4() from uuid-ossp, citext from citext, gin_trgm_ops from pg_trgm; PostGIS's
 * st_* functions), if it is a well-known one.
 */
/** Every name PROVIDED knows (lower case), for a cheap look at a statement's text before its tree is walked. */
export const PROVIDED_NAMES: readonly string[] = Object.values(PROVIDED).flatMap((names) => Object.keys(names));

export function extensionProviding(kind: 'type' | 'function' | 'opclass', name: string): string | undefined {
  const n = name.toLowerCase();
  return PROVIDED[kind][n] ?? (kind === 'function' && n.startsWith('st_') ? 'postgis' : undefined);
}

/**
 * The fix for "extension … is not available" where the module does not declare it: embedded
 * databases (the default, and the scratch ones of verify and drift) load only declared extensions.
 * `manifest` names the file to add it to, when known.
 */
export function undeclaredExtensionFix(extension: string, manifest?: string): string {
  return `list "${extension}" in "extensions" in ${manifest ?? "the module's bulkhead.json"}: an embedded database (the default, and the scratch ones of verify and drift) loads only declared extensions; a server needs it installed`;
}
