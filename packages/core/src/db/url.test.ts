import { describe, expect, it } from 'vitest';
import { connectTimeoutMs, DEFAULT_CONNECT_TIMEOUT_S } from './url.js';

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
