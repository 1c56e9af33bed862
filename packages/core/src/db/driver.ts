import { createRequire } from 'node:module';
import type { Knex } from 'knex';
import type pg from 'pg';
import { withoutPreferredSsl } from './url.js';

let loaded: Promise<typeof pg> | undefined;

/**
 * The pg driver, loaded once, before knex asks for it. On Node 20, pg's check for Cloudflare
 * Workers constructs a fetch `Response` when there is no `navigator`, which loads Node's whole
 * HTTP stack (undici, http2, tls, zlib): about 60 ms of every command that connects. A
 * `navigator` saying Node.js (as Node 21 and later define it) answers that check instead; it
 * exists only while pg loads, and only where the runtime has none.
 */
export function loadPg(): Promise<typeof pg> {
  loaded ??= (async () => {
    const g = globalThis as { navigator?: unknown };
    const shim = g.navigator === undefined;
    if (shim) Object.defineProperty(g, 'navigator', { value: { userAgent: `Node.js/${process.versions.node}` }, configurable: true, writable: true });
    try {
      return (await import('pg')).default;
    } finally {
      if (shim) delete g.navigator;
    }
  })();
  return loaded;
}

/**
 * Connect a client made for `url`. Where libpq's sslmode=prefer (or allow) meets a server that
 * takes no SSL, a client for the same URL without it, as libpq falls back (pg fails instead).
 */
export async function connectFallingBack<C extends pg.Client>(url: string, make: (url: string) => C): Promise<C> {
  const client = make(url);
  try {
    await client.connect();
    return client;
  } catch (e) {
    const plain = withoutPreferredSsl(url, e);
    if (plain === undefined) throw e;
    return connectFallingBack(plain, make);
  }
}

/**
 * knex's factory, loaded synchronously (knex is CommonJS) the first time a module database needs
 * it (a TS migration, a rarer write), so that reads and SQL migrations never load it (about 75 ms
 * and 330 files). pg must be loaded already (loadPg): knex then finds it in the module cache.
 */
export function requireKnex(): (config: Knex.Config) => Knex {
  return createRequire(import.meta.url)('knex') as (config: Knex.Config) => Knex;
}

type PgDialect = new (config: Knex.Config) => { _query(conn: pg.Client, obj: unknown): Promise<unknown> };
let dialect: typeof Knex.Client | undefined;

/**
 * knex's pg dialect, sending one query at a time per connection. A migration may start several
 * at once on its transaction (`Promise.all([knex.raw(…), …])`, as knex allows): the driver queues
 * them itself, but warns that pg@9 will not (a DeprecationWarning on every such run). Here they
 * wait in call order instead, as in the driver's queue, failures included. (A class, not an
 * instance's method: knex makes each transaction's client from the dialect's prototype.)
 */
export function pgClientClass(): typeof Knex.Client {
  if (dialect) return dialect;
  const Base = createRequire(import.meta.url)('knex/lib/dialects/postgres') as PgDialect;
  const busy = new WeakMap<pg.Client, Promise<unknown>>();
  class BulkheadPg extends Base {
    override _query(conn: pg.Client, obj: unknown): Promise<unknown> {
      const previous = busy.get(conn);
      const sent = previous ? previous.then(() => super._query(conn, obj)) : super._query(conn, obj);
      busy.set(conn, sent.catch(() => undefined));
      return sent;
    }
  }
  dialect = BulkheadPg as unknown as typeof Knex.Client;
  return dialect;
}
