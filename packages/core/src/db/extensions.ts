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

/** The package that provides an extension, for the fix of a missing-extension error. */
export function extensionPackage(name: string, major: number | undefined): string {
  const v = major ?? '<major>';
  if (CONTRIB.has(name)) return `postgresql-contrib (on Debian/Ubuntu part of postgresql-${v}; on RHEL postgresql${v}-contrib)`;
  return PACKAGES[name]?.(v) ?? `postgresql-${v}-${name.replace(/_/g, '-')} (Debian/Ubuntu), or the extension's own installer`;
}
