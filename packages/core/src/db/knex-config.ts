import type { Knex } from 'knex';

/**
 * What every Bulkhead knex instance shares, on a server or embedded:
 * - quiet logging: knex prints some connection errors itself (to stdout, which --json
 *   reserves for one document); Bulkhead reports every error with module and fix;
 * - async stack traces: a failing query's error carries the stack of the code that built it,
 *   so a TS migration's failure names its line;
 * - the module's schema first on the search path (schema mode).
 */
export function baseKnexConfig(schema: string): Knex.Config {
  return {
    client: 'pg',
    log: { warn: () => undefined, error: () => undefined, deprecate: () => undefined, debug: () => undefined },
    asyncStackTraces: true,
    searchPath: schema === 'public' ? undefined : [schema, 'public'],
  };
}
