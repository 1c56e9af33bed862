/**
 * Isolation by server identity (SPEC §7): two URLs written differently that reach one database
 * are one database.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createDatabase, makeWorkspace, query, runCli, tableExists, type Fixture } from '../support/fixtures.js';

let fx: Fixture | undefined;
afterEach(() => fx?.cleanup());

/** The same database reached through the server's Unix socket instead of TCP. */
async function socketUrl(tcpUrl: string): Promise<string> {
  const [row] = await query<{ dirs: string }>(tcpUrl, "SELECT current_setting('unix_socket_directories') AS dirs");
  const dirs = row!.dirs;
  const u = new URL(tcpUrl);
  const dir = dirs.split(',').map((d: string) => d.trim()).find((d: string) => fs.existsSync(path.join(d, `.s.PGSQL.${u.port || 5432}`)));
  if (!dir) throw new Error(`the test server has no Unix socket in ${dirs}`);
  const auth = u.password ? `${u.username}:${u.password}` : u.username;
  return `postgres://${auth}@${encodeURIComponent(dir)}:${u.port || 5432}${u.pathname}`;
}

describe('isolation by server identity', () => {
  it('a Unix-socket URL and a TCP URL to one database are refused before anything runs, by up and validate --server', async () => {
    const tcp = await createDatabase();
    const socket = await socketUrl(tcp);
    expect(socket).not.toBe(tcp);
    fx = makeWorkspace([
      { name: 'orders', url: '${ORDERS_URL}', migrations: { '001_orders.up.sql': 'CREATE TABLE orders (id int);\n' } },
      { name: 'inventory', url: '${INVENTORY_URL}', migrations: { '001_items.up.sql': 'CREATE TABLE inventory_items (id int);\n' } },
    ]);
    const env = { ORDERS_URL: tcp, INVENTORY_URL: socket };

    // Written differently, so the static check cannot tell; it says what it did not check.
    const statik = await runCli(['validate'], { cwd: fx.root, env });
    expect(statik.exitCode).toBe(0);
    expect(statik.stderr).toContain('bulkhead validate --server');

    const server = await runCli(['validate', '--server'], { cwd: fx.root, env });
    expect(server.exitCode).toBe(2);
    expect(server.stderr).toMatch(/modules (inventory and orders|orders and inventory) reach the same database \(schema public\) through different URLs/);
    expect(server.stderr).toContain('BH008');

    for (const args of [['up'], ['up', 'orders'], ['up', 'inventory']]) {
      const r = await runCli([...args, '--json'], { cwd: fx.root, env });
      expect(r.exitCode, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.json.problems.map((p: any) => p.code)).toContain('BH008');
    }
    for (const t of ['orders', 'inventory_items', 'orders_migrations', 'inventory_migrations']) expect(await tableExists(tcp, t)).toBe(false);
  });

  it('two databases on one server are two databases, whatever the URLs look like', async () => {
    const a = await createDatabase();
    const bTcp = await createDatabase();
    const b = await socketUrl(bTcp);
    fx = makeWorkspace([
      { name: 'one', url: '${ONE_URL}', migrations: { '001_one.up.sql': 'CREATE TABLE one_t (id int);\n' } },
      { name: 'two', url: '${TWO_URL}', migrations: { '001_two.up.sql': 'CREATE TABLE two_t (id int);\n' } },
    ]);
    const env = { ONE_URL: a, TWO_URL: b };
    expect((await runCli(['validate', '--server'], { cwd: fx.root, env })).exitCode).toBe(0);
    const r = await runCli(['up'], { cwd: fx.root, env });
    expect(r.exitCode, r.stderr).toBe(0);
    expect([await tableExists(a, 'one_t'), await tableExists(bTcp, 'two_t'), await tableExists(a, 'two_t')]).toEqual([true, true, false]);
  });
});
