import { describe, expect, it } from 'vitest';
import { connectTimeoutMs, DEFAULT_CONNECT_TIMEOUT_S, parseDatabaseUrl, UrlError } from './url.js';

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
