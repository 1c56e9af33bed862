import { describe, expect, it } from 'vitest';
import { connectTimeoutMs, DEFAULT_CONNECT_TIMEOUT_S, driverUrl, parseDatabaseUrl, transactionPoolOf, UrlError, withoutPreferredSsl } from './url.js';

describe('connectTimeoutMs', () => {
  it("reads the URL's connect_timeout as libpq does, else PGCONNECT_TIMEOUT, else the default", () => {
    const url = 'postgres://u:p@db.internal:5432/app';
    expect(connectTimeoutMs(url, {})).toBe(DEFAULT_CONNECT_TIMEOUT_S * 1000);
    expect(connectTimeoutMs(`${url}?connect_timeout=30`, {})).toBe(30_000);
    expect(connectTimeoutMs(`${url}?sslmode=require&connect_timeout=5`, { PGCONNECT_TIMEOUT: '60' })).toBe(5_000);
    expect(connectTimeoutMs(url, { PGCONNECT_TIMEOUT: '60' })).toBe(60_000);
    // libpq: at least 2 s; zero or less waits forever; not a number is not a setting.
    expect(connectTimeoutMs(`${url}?connect_timeout=1`, {})).toBe(2_000);
    expect(connectTimeoutMs(`${url}?connect_timeout=0`, {})).toBe(0);
    expect(connectTimeoutMs(url, { PGCONNECT_TIMEOUT: '-1' })).toBe(0);
    expect(connectTimeoutMs(`${url}?connect_timeout=soon`, {})).toBe(DEFAULT_CONNECT_TIMEOUT_S * 1000);
    expect(connectTimeoutMs('postgres:///app?host=/var/run/postgresql&connect_timeout=3', {})).toBe(3_000);
  });
});

describe('parseDatabaseUrl', () => {
  it('names why a URL does not parse when a password holds a reserved character or the port is out of range, never quoting the password', () => {
    const why = (url: string) => {
      try {
        parseDatabaseUrl(url, '/');
        return 'parsed';
      } catch (e) {
        return (e as Error).message;
      }
    };
    for (const url of ['postgres://app:s3cr#et@db.internal/app', 'postgres://app:ab/cd@db.internal/app', 'postgres://app:a?b@db.internal/app']) {
      const message = why(url);
      expect(message).toContain('the user or password holds a character URLs reserve');
      expect(message).toContain('# → %23');
      for (const secret of ['s3cr', 'ab/cd', 'a?b']) expect(message).not.toContain(secret);
    }
    expect(why('postgres://app@db.internal:99999/app')).toContain('port 99999 is out of range (1–65535)');
    // Percent-encoded, the same password parses.
    expect(why(`postgres://app:${encodeURIComponent('s3cr#et')}@db.internal/app`)).toBe('parsed');
  });

  it("a schema asked for in the URL (Prisma's ?schema=, JDBC's currentSchema, options=-c search_path) is refused with the manifest field to use: Bulkhead sets the search path", () => {
    const refusal = (url: string) => {
      try {
        parseDatabaseUrl(url, '/');
        return undefined;
      } catch (e) {
        return { message: (e as UrlError).message, fix: (e as UrlError).fix };
      }
    };
    expect(refusal('postgres://app:pw@db/app?schema=billing')).toEqual({
      message: "postgres://app:***@db/app?schema=billing: ?schema=billing is Prisma's parameter, which PostgreSQL does not act on here: Bulkhead sets each session's search path from the manifest, so the migrations would run in public",
      fix: 'take it out of the URL and name the schema in the manifest: "database": { "url": …, "schema": "billing" } (a URL shared with an app that reads it needs one of its own for Bulkhead)',
    });
    expect(refusal('postgres://app@db/app?sslmode=disable&currentSchema=ledger,public')?.fix).toContain('"schema": "ledger"');
    expect(refusal(`postgres://app@db/app?options=${encodeURIComponent('-c search_path=audit')}`)?.message).toContain("options=-c search_path=audit is libpq's session setting");
    // Other parameters (Prisma's connection_limit, libpq's sslmode, options without a search path) pass.
    expect(refusal('postgres://app@db/app?connection_limit=5&sslmode=disable')).toBeUndefined();
    expect(refusal(`postgres://app@db/app?options=${encodeURIComponent('-c statement_timeout=5s')}`)).toBeUndefined();
  });

  it("an sslmode is read as libpq reads it: the driver is given uselibpqcompat (pg's own reading makes require verify-full), pg_dump's URL is left alone", () => {
    expect(driverUrl('postgres://a@h/db?sslmode=require')).toBe('postgres://a@h/db?sslmode=require&uselibpqcompat=true');
    expect(driverUrl('postgres://a@h/db?sslmode=require#x')).toBe('postgres://a@h/db?sslmode=require&uselibpqcompat=true#x');
    expect(driverUrl('postgres://a@h/db', {})).toBe('postgres://a@h/db');
    // libpq's PGSSLMODE (and PGSSLROOTCERT), which pg alone reads as verify-full (or not at all).
    expect(driverUrl('postgres://a@h/db', { PGSSLMODE: 'require', PGSSLROOTCERT: '/etc/ca.pem' })).toBe('postgres://a@h/db?sslmode=require&sslrootcert=%2Fetc%2Fca.pem&uselibpqcompat=true');
    expect(driverUrl('postgres://a@h/db?sslmode=disable', { PGSSLMODE: 'require' })).toBe('postgres://a@h/db?sslmode=disable&uselibpqcompat=true');
    expect(driverUrl('postgres://a@h/db?sslmode=require&uselibpqcompat=false')).toBe('postgres://a@h/db?sslmode=require&uselibpqcompat=false');
    expect(parseDatabaseUrl('postgres://a@h/db?sslmode=require', '/')).toMatchObject({ kind: 'postgres', database: 'db' });
    // verify-ca without a CA is refused as libpq's reading refuses it, before any connection.
    expect(() => parseDatabaseUrl('postgres://a@h/db?sslmode=verify-ca', '/')).toThrow("postgres://a@h/db?sslmode=verify-ca: sslmode=verify-ca checks the server's certificate against a CA the URL does not give");
    // prefer falls back to a plain connection where the server takes no SSL; require does not.
    const noSsl = new Error('The server does not support SSL connections');
    expect(withoutPreferredSsl('postgres://a@h/db?sslmode=prefer&application_name=x', noSsl)).toBe('postgres://a@h/db?sslmode=disable&application_name=x');
    expect(withoutPreferredSsl('postgres://a@h/db?sslmode=require', noSsl)).toBeUndefined();
    expect(withoutPreferredSsl('postgres://a@h/db?sslmode=prefer', new Error('password authentication failed'))).toBeUndefined();
  });

  it('a certificate file the URL names that cannot be read is named as such, with its fix, not as a URL that does not parse', () => {
    let error: UrlError | undefined;
    try {
      parseDatabaseUrl('postgres://app:s3cret@db.internal/app?sslmode=verify-full&sslrootcert=certs/none.pem', '/');
    } catch (e) {
      error = e as UrlError;
    }
    expect(error?.message).toBe('postgres://app:***@db.internal/app?sslmode=verify-full&sslrootcert=certs/none.pem: sslrootcert certs/none.pem cannot be read (no such file)');
    expect(error?.fix).toContain("give sslrootcert the path of the server's CA certificate");
  });
});

describe('transactionPoolOf', () => {
  it('knows the pools in transaction mode by host or flag; their session-mode and direct URLs are not', () => {
    const of = (url: string) => {
      const u = new URL(url);
      return transactionPoolOf({ host: u.hostname, port: Number(u.port || 5432), url });
    };
    expect(of('postgres://postgres.abc:pw@aws-0-eu-central-1.pooler.supabase.com:6543/postgres')).toBe("Supabase's transaction pooler (port 6543)");
    expect(of('postgres://u:pw@ep-cool-darkness-123456-pooler.us-east-2.aws.neon.tech/neondb?sslmode=require')).toBe("Neon's pooled host (-pooler, PgBouncer in transaction mode)");
    expect(of('postgres://u:pw@db.internal:6432/app?pgbouncer=true')).toBe('pgbouncer=true (PgBouncer in transaction mode, as Prisma says it)');
    // Session mode, and direct connections.
    expect(of('postgres://postgres.abc:pw@aws-0-eu-central-1.pooler.supabase.com:5432/postgres')).toBeUndefined();
    expect(of('postgres://postgres:pw@db.abc.supabase.co:5432/postgres')).toBeUndefined();
    expect(of('postgres://u:pw@ep-cool-darkness-123456.us-east-2.aws.neon.tech/neondb')).toBeUndefined();
    expect(of('postgres://u:pw@my-pooler.internal:5432/app')).toBeUndefined();
    expect(of('postgres://u:pw@db.internal:6432/app?pgbouncer=false')).toBeUndefined();
  });
});
