import type * as PgQuery from 'libpg-query';

let loaded: Promise<typeof PgQuery> | undefined;

/**
 * The real PostgreSQL parser (libpg-query, WASM), imported and initialised once, on first use:
 * a command that parses nothing (a no-op `up`, `status`) never loads it.
 */
export function parser(): Promise<typeof PgQuery> {
  loaded ??= import('libpg-query').then(async (pgQuery) => {
    await pgQuery.loadModule();
    return pgQuery;
  });
  return loaded;
}
