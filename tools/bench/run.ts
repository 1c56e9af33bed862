/**
 * Bulkhead benchmarks: ratios measured in one run, on one server (never timed assertions in tests).
 *
 *   npm run bench                    # all scenarios
 *   npm run bench -- a b             # some of them
 *
 * Server: BULKHEAD_BENCH_DATABASE_URL (a maintenance database URL), default
 * postgres://postgres@127.0.0.1:5432/postgres. Databases are created with a bench_ prefix and dropped.
 *
 *   a  one module, 1,000 generated migrations: `bulkhead up` vs the same SQL through one psql session
 *   b  no-op `bulkhead up` over 100 up-to-date modules (wall time including Node start)
 *   c  100 modules × 10 migrations: one `bulkhead up` vs the sum of per-module sequential runs
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import pg from 'pg';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CLI = path.join(REPO, 'packages/cli/bin/bulkhead.js');
const ADMIN_URL = process.env.BULKHEAD_BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const PREFIX = `bench_${process.pid}_`;
const created: string[] = [];

async function admin(sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: ADMIN_URL });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

async function createDb(name: string): Promise<string> {
  const db = `${PREFIX}${name}`;
  await admin(`CREATE DATABASE "${db}"`);
  created.push(db);
  const u = new URL(ADMIN_URL);
  u.pathname = `/${db}`;
  return u.toString();
}

function migrationSql(table: string): string {
  return `CREATE TABLE ${table} (id bigint PRIMARY KEY, name text NOT NULL, created_at timestamptz NOT NULL DEFAULT now());
CREATE INDEX ${table}_name_idx ON ${table} (name);
INSERT INTO ${table} (id, name) SELECT g, 'n' || g FROM generate_series(1, 20) g;
`;
}

function workspace(modules: { name: string; env: string; count: number }[]): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'bulkhead-bench-'));
  for (const m of modules) {
    const dir = path.join(root, 'modules', m.name, 'migrations');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(root, 'modules', m.name, 'bulkhead.json'), JSON.stringify({ name: m.name, database: { url: `\${${m.env}}` } }));
    for (let i = 1; i <= m.count; i++) {
      fs.writeFileSync(path.join(dir, `${String(i).padStart(6, '0')}_step.up.sql`), migrationSql(`${m.name.replace(/-/g, '_')}_t${i}`));
    }
  }
  return root;
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

const bulkhead = (args: string[], cwd: string, env: Record<string, string>) =>
  execa('node', [CLI, ...args], { cwd, env: { ...process.env, ...env }, stdout: 'ignore', stderr: 'pipe' });

type Row = { scenario: string; bulkhead: string; baseline: string; ratio: string; target: string };
const rows: Row[] = [];
const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

async function scenarioA() {
  const url = await createDb('a_bh');
  const psqlUrl = await createDb('a_psql');
  const root = workspace([{ name: 'big', env: 'BIG_URL', count: 1000 }]);
  const script = path.join(root, 'all.sql');
  const files = fs.readdirSync(path.join(root, 'modules/big/migrations')).sort();
  fs.writeFileSync(script, files.map((f) => fs.readFileSync(path.join(root, 'modules/big/migrations', f), 'utf8')).join('\n'));
  const psql = await timed(() => execa('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', psqlUrl, '-f', script], { stdout: 'ignore' }));
  const bh = await timed(() => bulkhead(['up'], root, { BIG_URL: url }));
  rows.push({ scenario: 'a: 1 module × 1,000 migrations, up', bulkhead: s(bh), baseline: `psql ${s(psql)}`, ratio: `${(bh / psql).toFixed(2)}×`, target: '≤ 1.3×' });
  fs.rmSync(root, { recursive: true, force: true });
}

async function hundredModules(count: number, tag: string) {
  const modules = Array.from({ length: 100 }, (_, i) => ({ name: `m${String(i).padStart(3, '0')}`, env: `M${i}_URL`, count }));
  const env: Record<string, string> = {};
  for (const m of modules) env[m.env] = await createDb(`${tag}_${m.name}`);
  return { root: workspace(modules), env, modules };
}

async function scenarioB() {
  const { root, env } = await hundredModules(3, 'b');
  await bulkhead(['up'], root, env);
  const runs: number[] = [];
  for (let i = 0; i < 3; i++) runs.push(await timed(() => bulkhead(['up'], root, env)));
  const best = Math.min(...runs);
  rows.push({ scenario: 'b: no-op up, 100 up-to-date modules', bulkhead: s(best), baseline: '-', ratio: '-', target: '< 1.5 s' });
  fs.rmSync(root, { recursive: true, force: true });
}

async function scenarioC() {
  const one = await hundredModules(10, 'c_all');
  const all = await timed(() => bulkhead(['up'], one.root, one.env));
  const seq = await hundredModules(10, 'c_seq');
  let sum = 0;
  for (const m of seq.modules) sum += await timed(() => bulkhead(['up', m.name], seq.root, seq.env));
  rows.push({ scenario: 'c: 100 modules × 10 migrations, up', bulkhead: s(all), baseline: `sequential ${s(sum)}`, ratio: `${(all / sum).toFixed(2)}×`, target: '< 1×' });
  fs.rmSync(one.root, { recursive: true, force: true });
  fs.rmSync(seq.root, { recursive: true, force: true });
}

const scenarios: Record<string, () => Promise<void>> = { a: scenarioA, b: scenarioB, c: scenarioC };
const wanted = process.argv.slice(2).length ? process.argv.slice(2) : Object.keys(scenarios);
try {
  for (const name of wanted) {
    process.stderr.write(`running ${name}…\n`);
    await scenarios[name]!();
  }
} finally {
  for (const db of created) await admin(`DROP DATABASE IF EXISTS "${db}" WITH (FORCE)`).catch(() => undefined);
}
const cols = Object.keys(rows[0] ?? {}) as (keyof Row)[];
console.log(`| ${cols.join(' | ')} |\n|${cols.map(() => '---').join('|')}|`);
for (const r of rows) console.log(`| ${cols.map((c) => r[c]).join(' | ')} |`);
console.log(`\n${os.cpus().length} cores, node ${process.version}, ${new Date().toISOString().slice(0, 10)}`);
