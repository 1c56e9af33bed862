import path from 'node:path';
import pgConnectionString from 'pg-connection-string';

const parsePgUrl = pgConnectionString.parse;
import { passwordOf, redactUrl, registerSecret } from '../redact.js';

/** Where a module's database lives, parsed from its (expanded) URL. */
export type DatabaseTarget =
  | {
      kind: 'postgres';
      url: string;
      /** Redacted URL, safe to print. */
      display: string;
      host: string;
      port: number;
      database: string;
      user: string | undefined;
      password: string | undefined;
    }
  | { kind: 'pglite'; url: string; display: string; /** Absolute folder, or undefined for memory. */ dir: string | undefined };

export class UrlError extends Error {
  constructor(
    message: string,
    /** A fix of its own, where the general one (how to write a URL) is not it. */
    readonly fix?: string,
  ) {
    super(message);
  }
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);

/**
 * The URL as the pg driver is given it: with an sslmode, libpq's meaning of it (`require`
 * encrypts, `verify-full` also checks the certificate and host), as psql, Flyway and every
 * libpq tool read it. pg's own reading makes prefer/require/verify-ca aliases of verify-full
 * (refusing a cloud database's certificate that psql accepts) and warns on every run. Only for
 * the driver: pg_dump and psql read libpq's parameters and would refuse this one.
 */
export function driverUrl(url: string, env: NodeJS.ProcessEnv = process.env): string {
  const hash = url.indexOf('#');
  let [base, fragment] = hash < 0 ? [url, ''] : [url.slice(0, hash), url.slice(hash)];
  const add = (param: string) => (base = `${base}${base.includes('?') ? '&' : '?'}${param}`);
  // libpq's environment, which pg reads otherwise (PGSSLMODE=require as verify-full) or not at all.
  if (!/[?&]sslmode=/i.test(base) && env.PGSSLMODE && LIBPQ_SSLMODES.has(env.PGSSLMODE)) add(`sslmode=${env.PGSSLMODE}`);
  if (!/[?&]sslrootcert=/i.test(base) && env.PGSSLROOTCERT && /[?&]sslmode=/i.test(base)) add(`sslrootcert=${encodeURIComponent(env.PGSSLROOTCERT)}`);
  if (/[?&]sslmode=/i.test(base) && !/[?&]uselibpqcompat=/i.test(base)) add('uselibpqcompat=true');
  return `${base}${fragment}`;
}

const LIBPQ_SSLMODES = new Set(['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full']);

/**
 * libpq's `sslmode=prefer` (and `allow`): when the server takes no SSL, connect without it. The
 * URL to try again with, for a connection that failed for that reason; undefined otherwise.
 */
export function withoutPreferredSsl(url: string, error: unknown): string | undefined {
  if (!/does not support SSL/i.test((error as Error)?.message ?? '')) return undefined;
  if (!/[?&]sslmode=(prefer|allow)(?=&|#|$)/i.test(url)) return undefined;
  return url.replace(/([?&]sslmode=)(prefer|allow)(?=&|#|$)/i, '$1disable');
}

/** Parse a module URL. `root` resolves relative `pglite://` folders. */
export function parseDatabaseUrl(url: string, root: string): DatabaseTarget {
  const display = redactUrl(url);
  // Masked in every message from now on, even if the URL turns out not to parse — unless it is
  // the user name too (masking it would hide every "postgres" in the output, and no secret).
  const password = passwordOf(url);
  const user = /^[a-z][a-z0-9+.-]*:\/\/([^:@/]*)/i.exec(url)?.[1];
  if (password !== user) registerSecret(password);
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(url.trim()) && /\w+\s*=/.test(url)) {
    throw new UrlError(`${display} is a libpq key=value string; write it as a URL: postgres://user:password@host:5432/database`);
  }
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1]?.toLowerCase();
  if (scheme === 'pglite') {
    const rest = url.slice('pglite://'.length);
    if (rest === '' ) throw new UrlError('pglite:// needs a folder (pglite://.bulkhead/<module>) or "memory"');
    if (rest === 'memory') return { kind: 'pglite', url, display, dir: undefined };
    return { kind: 'pglite', url, display, dir: path.resolve(root, rest) };
  }
  if (scheme === 'postgres' || scheme === 'postgresql') {
    let c: ReturnType<typeof parsePgUrl>;
    try {
      c = parsePgUrl(driverUrl(url, {}));
    } catch (e) {
      // pg-connection-string reads sslrootcert, sslcert and sslkey files as it parses.
      const file = e as NodeJS.ErrnoException;
      const param = typeof file.path === 'string' ? ['sslrootcert', 'sslcert', 'sslkey'].find((k) => new URLSearchParams(url.split('?')[1] ?? '').get(k) === file.path) : undefined;
      if (param) {
        throw new UrlError(`${display}: ${param} ${file.path} cannot be read (${file.code === 'ENOENT' ? 'no such file' : (file.code ?? file.message)})`, `give ${param} the path of ${param === 'sslrootcert' ? "the server's CA certificate" : param === 'sslcert' ? "the client's certificate" : "the client's private key"} (a relative path is read from the current directory, ${process.cwd()})${param === 'sslrootcert' ? ', or leave it out: sslmode=require encrypts without checking the certificate' : ''}`);
      }
      if (/verify-ca requires specifying a CA/.test((e as Error).message)) {
        throw new UrlError(`${display}: sslmode=verify-ca checks the server's certificate against a CA the URL does not give`, "add sslrootcert=<the server's CA certificate file>, or write sslmode=verify-full (it checks the host name too, against the system's CAs) or sslmode=require (encrypts without checking)");
      }
      throw new UrlError(`cannot parse ${display}: ${(e as Error).message}${unparsableBecause(url)}`);
    }
    const user = c.user || undefined;
    const host = c.host || 'localhost';
    const database = c.database || '';
    // libpq would fall back to a database named like the user, or the server's default: never
    // guess which database a module owns.
    if (!database) {
      // A password holding # or ? ends the address there: the database looks missing (p@ss#w0rd).
      const reserved = unparsableBecause(url);
      if (reserved) throw new UrlError(`cannot read the database of ${display}${reserved}`);
      throw new UrlError(`${display} names no database; a module's URL must say which database it owns: postgres://user@host:5432/<database>`);
    }
    const schema = schemaInUrl(url);
    if (schema) {
      throw new UrlError(
        `${display}: ${schema.param} is ${schema.whose}, which PostgreSQL does not act on here: Bulkhead sets each session's search path from the manifest, so the migrations would run in public`,
        `take it out of the URL and name the schema in the manifest: "database": { "url": …, "schema": "${schema.value}" } (a URL shared with an app that reads it needs one of its own for Bulkhead)`,
      );
    }
    return {
      kind: 'postgres',
      url,
      display,
      host,
      port: c.port ? Number(c.port) : 5432,
      database: decodeURIComponent(database),
      user,
      password: c.password || undefined,
    };
  }
  if (scheme === undefined) {
    const bare = /^\$([A-Za-z_][A-Za-z0-9_]*)$/.exec(url.trim())?.[1];
    if (bare) throw new UrlError(`${display} is not a URL: a variable is written with braces, \${${bare}}, to be expanded`);
    throw new UrlError(`${display || '(empty)'} is not a URL: use postgres://user@host:5432/db, postgresql://…, pglite://<folder> or pglite://memory`);
  }
  throw new UrlError(
    `unsupported URL ${display}: use postgres://user@host:5432/db, postgresql://…, pglite://<folder> or pglite://memory`,
  );
}

/**
 * A schema the URL asks for, in a way Bulkhead would not honour: Prisma's `?schema=`, JDBC's
 * `?currentSchema=`, a `search_path` parameter, or libpq's `options=-c search_path=…` (Bulkhead
 * resets the search path before every migration).
 */
function schemaInUrl(url: string): { param: string; whose: string; value: string } | undefined {
  const query = url.split('#')[0]!.split('?')[1];
  if (!query) return undefined;
  const params = new URLSearchParams(query);
  for (const [key, whose] of [['schema', "Prisma's parameter"], ['currentSchema', "JDBC's parameter"], ['search_path', 'a parameter']] as const) {
    const value = params.get(key);
    if (value !== null) return { param: `?${key}=${value}`, whose, value: value.split(',')[0]!.trim() };
  }
  const options = params.get('options');
  const path = options ? /(?:^|\s)-c\s*search_path\s*=\s*([^\s,]+)/.exec(options)?.[1] : undefined;
  return path ? { param: `options=${options}`, whose: "libpq's session setting", value: path.replace(/^"|"$/g, '') } : undefined;
}

/**
 * Why a postgres:// URL does not parse, when it is a usual mistake: a character the URL syntax
 * reserves written as is in the user or password (`#` starts a fragment, `/` and `?` end the
 * host), or a port out of range. Never quotes the password.
 */
function unparsableBecause(url: string): string {
  const rest = url.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '');
  const at = rest.lastIndexOf('@');
  if (at > 0 && /[#?/[\]]|%(?![0-9a-f]{2})/i.test(rest.slice(0, at))) {
    return ': the user or password holds a character URLs reserve (# ? / [ ] or a % not followed by two hex digits); percent-encode it (# → %23, ? → %3F, / → %2F, % → %25), e.g. node -p "encodeURIComponent(process.argv[1])" \'<password>\'';
  }
  const port = /^[^/?#]*:(\d+)(?:[/?#]|$)/.exec(at >= 0 ? rest.slice(at + 1) : rest)?.[1];
  if (port !== undefined && Number(port) > 65535) return `: port ${port} is out of range (1–65535)`;
  return '';
}

/** Identity of the server the target lives on; loopback names are one server. */
export function serverIdentity(t: DatabaseTarget): string {
  if (t.kind === 'pglite') return t.dir ? `pglite:${t.dir}` : `pglite:memory:${Math.random()}`;
  const host = LOOPBACK.has(t.host) ? 'localhost' : t.host.toLowerCase();
  return `postgres://${host}:${t.port}`;
}

/** Identity of the database: two modules with equal identity share one database. */
export function databaseIdentity(t: DatabaseTarget): string {
  return t.kind === 'pglite' ? serverIdentity(t) : `${serverIdentity(t)}/${t.database}`;
}

/** The same server and credentials, another database (a database tenant, a scratch database). */
export function withDatabase(t: DatabaseTarget, database: string): DatabaseTarget {
  if (t.kind !== 'postgres') throw new UrlError(`${t.display} is an embedded database; it has no other databases`);
  const u = new URL(t.url);
  u.pathname = `/${encodeURIComponent(database)}`;
  const url = u.toString();
  return { ...t, url, display: redactUrl(url), database };
}

/**
 * Which database a target is, as its URL says (host, port and name; an embedded folder): two
 * targets with one key share a database. Undefined for an in-memory database, which is its own.
 */
export function databaseKey(t: DatabaseTarget): string | undefined {
  if (t.kind === 'postgres') return `${t.host}:${t.port}/${t.database}`;
  return t.dir === undefined ? undefined : `pglite:${t.dir}`;
}

/** Whether two targets are one database (databaseKey): modules in schemas of it. */
export function sameDatabase(a: DatabaseTarget, b: DatabaseTarget): boolean {
  const key = databaseKey(a);
  return key !== undefined && key === databaseKey(b);
}

/**
 * Opening a connection waits this long unless the URL or PGCONNECT_TIMEOUT says otherwise: a host
 * that drops packets (a firewall, a wrong address) would otherwise hold a run for the system's TCP
 * timeout, about two minutes, before saying anything.
 */
export const DEFAULT_CONNECT_TIMEOUT_S = 10;

/**
 * How long opening a connection may take, in ms (0: no limit): the URL's `connect_timeout`, in
 * seconds as libpq reads it (0 or less waits forever, at least 2), else PGCONNECT_TIMEOUT, else
 * DEFAULT_CONNECT_TIMEOUT_S. pg's JavaScript driver reads neither itself.
 */
export function connectTimeoutMs(url: string, env: NodeJS.ProcessEnv = process.env): number {
  let raw: string | undefined;
  try {
    raw = new URL(url).searchParams.get('connect_timeout') ?? undefined;
  } catch {
    raw = undefined;
  }
  raw ??= env.PGCONNECT_TIMEOUT;
  const seconds = raw === undefined ? NaN : Number.parseInt(raw, 10);
  if (Number.isNaN(seconds)) return DEFAULT_CONNECT_TIMEOUT_S * 1000;
  return seconds <= 0 ? 0 : Math.max(2, seconds) * 1000;
}

/**
 * A URL that names a connection pool in transaction mode, known by its host or flag: Supabase's
 * transaction pooler (*.pooler.supabase.com, port 6543), Neon's pooled host (…-pooler.…), or
 * Prisma's pgbouncer=true. What it is, as a message says it; undefined for any other URL (a
 * pool not known so is noticed when the lock's session changes hands, db/postgres.ts).
 */
export function transactionPoolOf(target: { host: string; port: number; url: string }): string | undefined {
  const host = target.host.toLowerCase();
  if (host.endsWith('.pooler.supabase.com') && target.port === 6543) return "Supabase's transaction pooler (port 6543)";
  if (/^[^.]+-pooler\./.test(host) && /\.neon\.(tech|build)$|\.neon\.database\.azure\.com$/.test(host)) return "Neon's pooled host (-pooler, PgBouncer in transaction mode)";
  if (/[?&]pgbouncer=true(?=&|#|$)/i.test(target.url)) return 'pgbouncer=true (PgBouncer in transaction mode, as Prisma says it)';
  return undefined;
}

