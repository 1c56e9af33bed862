/**
 * knex prints some connection errors itself (to stdout, which --json reserves for one
 * document). Bulkhead reports every error it gets with module and fix, so knex stays quiet.
 */
export const quietKnexLog = {
  warn: () => undefined,
  error: () => undefined,
  deprecate: () => undefined,
  debug: () => undefined,
};
