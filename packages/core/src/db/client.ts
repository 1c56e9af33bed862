import type pg from 'pg';
import { connectFallingBack, loadPg } from './driver.js';
import { applicationName } from './postgres.js';
import { connectTimeoutMs, driverUrl } from './url.js';

/**
 * One plain connection for administrative work (creating databases and roles, probing access),
 * closed when `fn` settles. Not a module connection: no lock, no session reset.
 */
export async function withClient<T>(url: string, command: string, fn: (c: pg.Client) => Promise<T>, o: { user?: string; password?: string } = {}): Promise<T> {
  const pgLib = await loadPg();
  // As another role: in the URL itself (pg lets a connection string win over separate fields).
  let connectionString = url;
  if (o.user !== undefined) {
    const u = new URL(url);
    u.username = encodeURIComponent(o.user);
    u.password = o.password !== undefined ? encodeURIComponent(o.password) : '';
    connectionString = u.toString();
  }
  const timeout = connectTimeoutMs(url);
  const c = await connectFallingBack(connectionString, (target) => {
    const client = new pgLib.Client({ connectionString: driverUrl(target), application_name: applicationName(command), ...(timeout ? { connectionTimeoutMillis: timeout } : {}) });
    client.on('error', () => undefined);
    return client;
  });
  try {
    return await fn(c);
  } finally {
    await c.end().catch(() => undefined);
  }
}
