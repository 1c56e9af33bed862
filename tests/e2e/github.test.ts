/**
 * A release pipeline on GitHub Actions: what failed is an annotation on the file and line (shown on
 * the run's page and in a pull request), and what each module applied is the job summary; stdout
 * stays one JSON document under --json; nothing of it outside GitHub Actions; no password in any.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createDatabase, makeWorkspace, runCli, type Fixture } from '../support/fixtures.js';

let fx: Fixture | undefined;
afterEach(() => fx?.cleanup());

describe('GitHub Actions: annotations and the job summary', () => {
  it('up: the failing migration is an error annotation at its file and line; the summary lists each module, the run id and the fix', async () => {
    const url = (await createDatabase()).replace('postgres://postgres@', 'postgres://postgres:hunter2-secret@');
    fx = makeWorkspace([
      { name: 'billing', url: '${BILLING_URL}', migrations: { '001_invoices.up.sql': 'CREATE TABLE invoices (id int PRIMARY KEY);\n' } },
      {
        name: 'shop',
        url: '${SHOP_URL}',
        manifest: { database: { url: '${SHOP_URL}', schema: 'shop' } },
        migrations: {
          '001_orders.up.sql': 'CREATE SCHEMA IF NOT EXISTS shop;\nCREATE TABLE shop.orders (id int PRIMARY KEY);\n',
          '002_seed.up.sql': 'INSERT INTO shop.orders VALUES (1);\n\nINSERT INTO shop.orders VALUES (1);\n',
        },
      },
    ]);
    const summary = path.join(fx.root, 'summary.md');
    const env = { BILLING_URL: url, SHOP_URL: url, GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: summary };

    const r = await runCli(['up'], { cwd: fx.root, env });
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toContain('::error file=modules/shop/migrations/002_seed.up.sql,line=3,title=bulkhead up%3A 002_seed failed at statement 2::shop: duplicate key value violates unique constraint');
    expect(r.stdout).toContain('(rolled back: nothing of it remains)');
    const md = fs.readFileSync(summary, 'utf8');
    expect(md).toContain('### Bulkhead up: ');
    expect(md).toMatch(/\| `billing` \| ✅ applied \| `001_invoices` \| \d+ ms \|/);
    expect(md).toMatch(/\| `shop` \| ❌ failed \| `001_orders` \|/);
    expect(md).toContain('**shop**: `002_seed` failed at `modules/shop/migrations/002_seed.up.sql:3` (statement 2): duplicate key value');
    expect(md).toMatch(/Run id `[0-9a-f-]{36}`/);
    expect(`${r.stdout}${r.stderr}${md}`).not.toContain('hunter2-secret');

    // --json: stdout is the document alone; the annotations go to stderr (the runner reads both).
    const json = await runCli(['up', '--json'], { cwd: fx.root, env });
    expect(json.json.modules.find((m: { module: string }) => m.module === 'shop').status).toBe('failed');
    expect(json.stderr).toContain('::error file=modules/shop/migrations/002_seed.up.sql,line=3');

    // Refused before anything ran (exit 2): each problem an annotation at its file; a summary section.
    fx.write('modules/shop/migrations/003_steal.up.sql', 'CREATE TABLE invoices (id int);\n');
    fx.write('modules/billing/bulkhead.json', JSON.stringify({ name: 'billing', database: { url: '${BILLING_URL}' }, owns: ['invoices'] }));
    const refused = await runCli(['up'], { cwd: fx.root, env });
    expect(refused.exitCode).toBe(2);
    expect(refused.stdout).toMatch(/::error file=modules\/shop\/migrations\/003_steal\.up\.sql,line=1,col=\d+,title=Bulkhead BH043::shop: shop creates table /);
    expect(fs.readFileSync(summary, 'utf8')).toContain('### Bulkhead up: refused before anything ran (exit 2)');

    // Outside GitHub Actions: neither.
    fs.rmSync(summary);
    const plain = await runCli(['up'], { cwd: fx.root, env: { BILLING_URL: url, SHOP_URL: url, GITHUB_STEP_SUMMARY: summary } });
    expect(plain.exitCode).toBe(2);
    expect(plain.stdout).toBe('');
    expect(fs.existsSync(summary)).toBe(false);
  });

  it('verify and validate: findings and warnings are annotations, the summary says which module is not reversible', async () => {
    fx = makeWorkspace([
      {
        name: 'shop',
        url: 'pglite://memory',
        migrations: { '001_status.up.sql': "CREATE TYPE order_status AS ENUM ('new', 'paid');\nCREATE TABLE orders (id int, status order_status);\n", '001_status.down.sql': 'DROP TABLE orders;\n' },
      },
    ]);
    const summary = path.join(fx.root, 'summary.md');
    const env = { GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: summary };
    const v = await runCli(['verify'], { cwd: fx.root, env });
    expect(v.exitCode).toBe(1);
    expect(v.stdout).toMatch(/^::error file=modules\/shop\/migrations\/001_status\.down\.sql.*title=bulkhead verify%3A shop::shop: .*order_status/m);
    const md = fs.readFileSync(summary, 'utf8');
    expect(md).toContain('### Bulkhead verify: ❌ not reversible');
    expect(md).toMatch(/\| `shop` \| ❌ \d+ findings? \| 1 \|/);
  });
});
