import * as pgQuery from 'libpg-query';

let loaded: Promise<void> | undefined;

/** The real PostgreSQL parser (libpg-query, WASM), loaded once on first use. */
export async function parser(): Promise<typeof pgQuery> {
  loaded ??= pgQuery.loadModule();
  await loaded;
  return pgQuery;
}
