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
 *   b  no-op `bulkhead up` over 100 up-to-date modules (wall time including Node start), against a
 *      bare pg script that opens the same databases and reads the same history tables
 *   c  100 modules × 10 migrations: one `bulkhead up` vs the sum of per-module sequential runs
 *   n  `nx run-many -t migrate` over 100 modules: no-op vs 100 trivial Nx tasks (`node -e 0`), and
 *      fresh 100 × 10 vs one `bulkhead up` process (both Nx runs without the daemon, as in CI)
 *   s  start-up: `bulkhead --help`, and `bulkhead up <module>` (what one Nx task runs) on one
 *      up-to-date module of a 100-module workspace, best of five, wall time, against a bare pg
 *      script (Node, pg, one connection, that module's history read)
 *   e  the three example modules on embedded PGlite: first `up` (data folders created; the
 *      machine's template folder already made; and with an empty cache, as on a new machine) and a
 *      no-op `up`
 *   r  real migration sets, one process vs one psql session (medians of three runs, each on an
 *      empty database), with cold caches (as a first CI run) and warm: ory/kratos (~350 migrations),
 *      rust-lang/crates.io (~285, diesel), openmeterio/openmeter (~270, golang-migrate) and
 *      triggerdotdev/trigger.dev (~820, Prisma), read
 *      from git mirrors in BULKHEAD_BENCH_MIRRORS (the `fetch` tool's layout: <owner>+<name>/repo,
 *      e.g. /work/.mirror), or BULKHEAD_BENCH_KRATOS_GIT for kratos alone; a set without a mirror
 *      is skipped. Written to a scratch folder, never into this repo (BULKHEAD_BENCH_KEEP=1 keeps
 *      each set's workspace there and prints its path, to profile a run of it by hand).
 *   x  one module × 10,000 generated migrations: time vs psql, and peak memory (RSS)
 *   t  one module over 200 tenant schemas × 5 migrations: `bulkhead up --concurrency 4` vs the same
 *      SQL through one psql session per tenant, one after another
 *   v  `bulkhead validate` of 100 modules × 30 migrations (isolation in depth: every file analysed on
 *      the parser), cold (empty analysis cache) vs warm (cached by checksum); touches no database
 *   y  `bulkhead verify` of one 200-migration module (scratch database on the server) vs one plain
 *      `bulkhead up` of it
 *   d  `bulkhead drift` of a 500-table database (its migrations replayed on a scratch database,
 *      both snapshots read and compared)
 *   l  `bulkhead lint` throughput over 2,000 generated migrations (10,000 statements), warm
 *      analysis cache: statements per second, including Node's start
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { execa, execaSync } from 'execa';
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
  const { root, env, modules } = await hundredModules(3, 'b');
  await bulkhead(['up'], root, env);
  const runs: number[] = [];
  for (let i = 0; i < 3; i++) runs.push(await timed(() => bulkhead(['up'], root, env)));
  const best = Math.min(...runs);
  // The floor on this server: a bare pg script (Node start included) that opens each module's
  // database, reads its history table, closes, 16 at a time (as Bulkhead's pre-run read does).
  const script = path.join(root, 'bare.mjs');
  fs.writeFileSync(
    script,
    `import pg from ${JSON.stringify(path.join(REPO, 'node_modules/pg/lib/index.js'))};
const units = ${JSON.stringify(modules.map((m) => [env[m.env], `${m.name}_migrations`]))};
let next = 0;
const worker = async () => { while (next < units.length) { const [url, table] = units[next++]; const c = new pg.Client({ connectionString: url }); await c.connect(); await c.query(\`SELECT * FROM \${table} ORDER BY id\`); await c.end(); } };
await Promise.all(Array.from({ length: 16 }, worker));
`,
  );
  const bare: number[] = [];
  for (let i = 0; i < 3; i++) bare.push(await timed(() => execa('node', [script])));
  const floor = Math.min(...bare);
  rows.push({ scenario: 'b: no-op up, 100 up-to-date modules', bulkhead: s(best), baseline: `bare pg script ${s(floor)}`, ratio: `${(best / floor).toFixed(2)}×`, target: '≤ 0.6 s' });
  const one: number[] = [];
  for (let i = 0; i < 5; i++) one.push(await timed(() => bulkhead(['up', 'm042'], root, env)));
  const trivial: number[] = [];
  for (let i = 0; i < 5; i++) trivial.push(await timed(() => execa('node', ['-e', '0'])));
  // The floor of one no-op call: Node, pg, one connection to the module's database, its history read.
  const single = path.join(root, 'single.mjs');
  const m042 = modules.find((m) => m.name === 'm042')!;
  fs.writeFileSync(
    single,
    `import pg from ${JSON.stringify(path.join(REPO, 'node_modules/pg/lib/index.js'))};
const c = new pg.Client({ connectionString: ${JSON.stringify(env[m042.env])} });
await c.connect();
await c.query('SELECT * FROM m042_migrations ORDER BY id');
await c.end();
`,
  );
  const bareOne: number[] = [];
  for (let i = 0; i < 5; i++) bareOne.push(await timed(() => execa('node', [single])));
  const oneBest = Math.min(...one);
  const oneFloor = Math.min(...bareOne);
  rows.push({
    scenario: 's: up <module>, no-op, one of 100 modules (what one Nx task runs)',
    bulkhead: s(oneBest),
    baseline: `bare pg script (Node, pg, one history read) ${s(oneFloor)}; node -e 0 ${s(Math.min(...trivial))}`,
    ratio: `${(oneBest / oneFloor).toFixed(2)}×`,
    target: '≤ 0.3 s',
  });
  fs.rmSync(root, { recursive: true, force: true });
}

async function scenarioC() {
  const one = await hundredModules(10, 'c_all');
  const all = await timed(() => bulkhead(['up'], one.root, one.env));
  const seq = await hundredModules(10, 'c_seq');
  let sum = 0;
  for (const m of seq.modules) sum += await timed(() => bulkhead(['up', m.name], seq.root, seq.env));
  rows.push({ scenario: 'c: 100 modules × 10 migrations, up', bulkhead: s(all), baseline: `sequential ${s(sum)}`, ratio: `${(all / sum).toFixed(2)}×`, target: '< 1×' });
  // The same SQL through one psql session per module database, one after another.
  const raw = await hundredModules(10, 'c_psql');
  const psql = await timed(async () => {
    for (const m of raw.modules) {
      const dir = path.join(raw.root, 'modules', m.name, 'migrations');
      const sql = fs.readdirSync(dir).sort().map((f) => fs.readFileSync(path.join(dir, f), 'utf8')).join('\n');
      await execa('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', raw.env[m.env]!, '-c', sql], { stdout: 'ignore' });
    }
  });
  rows.push({ scenario: 'c: 100 modules × 10 migrations, up, vs psql', bulkhead: s(all), baseline: `one psql session per module ${s(psql)}`, ratio: `${(all / psql).toFixed(2)}×`, target: '≤ 0.8×' });
  fs.rmSync(raw.root, { recursive: true, force: true });
  fs.rmSync(one.root, { recursive: true, force: true });
  fs.rmSync(seq.root, { recursive: true, force: true });
}

/** The 100-module workspace as an Nx workspace using @bulkhead/nx, each module also given a trivial target. */
function nxWorkspace(root: string): void {
  fs.writeFileSync(path.join(root, 'package.json'), JSON.stringify({ name: 'bench', private: true }));
  fs.writeFileSync(path.join(root, 'nx.json'), JSON.stringify({ analytics: false, plugins: ['@bulkhead/nx'] }));
  for (const name of fs.readdirSync(path.join(root, 'modules'))) {
    fs.writeFileSync(path.join(root, 'modules', name, 'project.json'), JSON.stringify({ name, targets: { trivial: { command: 'node -e 0' } } }));
  }
  fs.symlinkSync(path.join(REPO, 'node_modules'), path.join(root, 'node_modules'), 'dir');
}

const nx = (args: string[], cwd: string, env: Record<string, string>) =>
  execa(path.join(REPO, 'node_modules/.bin/nx'), args, {
    cwd,
    env: { ...process.env, ...env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_SKIP_NX_CACHE: 'true', NX_TUI: 'false' },
    stdout: 'ignore',
    stderr: 'pipe',
  });

async function scenarioN() {
  const fresh = await hundredModules(10, 'n_nx');
  nxWorkspace(fresh.root);
  const nxFresh = await timed(() => nx(['run-many', '-t', 'migrate', '--parallel=4'], fresh.root, fresh.env));
  const one = await hundredModules(10, 'n_one');
  const oneUp = await timed(() => bulkhead(['up'], one.root, one.env));
  rows.push({ scenario: 'n: nx run-many -t migrate, 100 modules × 10, fresh', bulkhead: s(nxFresh), baseline: `one bulkhead up ${s(oneUp)}`, ratio: `${(nxFresh / oneUp).toFixed(2)}×`, target: '≤ 3×' });
  const noop = await timed(() => nx(['run-many', '-t', 'migrate', '--parallel=4'], fresh.root, fresh.env));
  const trivial = await timed(() => nx(['run-many', '-t', 'trivial', '--parallel=4'], fresh.root, fresh.env));
  rows.push({ scenario: 'n: nx run-many -t migrate, 100 up-to-date modules', bulkhead: s(noop), baseline: `100 trivial Nx tasks ${s(trivial)}`, ratio: `${(noop / trivial).toFixed(2)}×`, target: '≤ 2×' });
  fs.rmSync(fresh.root, { recursive: true, force: true });
  fs.rmSync(one.root, { recursive: true, force: true });
}

async function scenarioS() {
  const help: number[] = [];
  for (let i = 0; i < 5; i++) help.push(await timed(() => execa('node', [CLI, '--help'], { stdout: 'ignore' })));
  rows.push({ scenario: 's: bulkhead --help', bulkhead: s(Math.min(...help)), baseline: '-', ratio: '-', target: '≤ 0.15 s' });
}

async function scenarioE() {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'bulkhead-bench-'));
  fs.cpSync(path.join(REPO, 'modules'), path.join(root, 'modules'), { recursive: true });
  fs.writeFileSync(path.join(root, 'package.json'), JSON.stringify({ name: 'bench-embedded', private: true }));
  fs.symlinkSync(path.join(REPO, 'node_modules'), path.join(root, 'node_modules'), 'dir');
  // A first run makes the machine's template folder (once per machine); then a first run as a user sees it.
  await bulkhead(['up'], root, {});
  fs.rmSync(path.join(root, '.bulkhead'), { recursive: true, force: true });
  execaSync('sync');
  const first = await timed(() => bulkhead(['up'], root, {}));
  const noop = Math.min(await timed(() => bulkhead(['up'], root, {})), await timed(() => bulkhead(['up'], root, {})));
  // A machine that never ran Bulkhead: an empty cache folder (the shipped template is unpacked into it).
  fs.rmSync(path.join(root, '.bulkhead'), { recursive: true, force: true });
  const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'bulkhead-bench-cache-'));
  const fresh = await timed(() => bulkhead(['up'], root, { BULKHEAD_CACHE_DIR: cache }));
  fs.rmSync(cache, { recursive: true, force: true });
  rows.push({ scenario: 'e: 3 example modules on embedded PGlite, first up', bulkhead: s(first), baseline: `on a machine that never ran Bulkhead (empty cache) ${s(fresh)}`, ratio: '-', target: '≤ 5 s' });
  rows.push({ scenario: 'e: 3 example modules on embedded PGlite, no-op up', bulkhead: s(noop), baseline: '-', ratio: '-', target: '≤ 2 s' });
  fs.rmSync(root, { recursive: true, force: true });
}

/** Migrations of a real set, as Bulkhead files: `<id>.up.sql`, marked no-transaction where the set says so. */
type RealMigration = { id: string; sql: string; noTransaction: boolean };

function writeModule(root: string, migrations: readonly RealMigration[]): void {
  const dir = path.join(root, 'modules/m/migrations');
  fs.mkdirSync(dir, { recursive: true });
  for (const m of migrations) fs.writeFileSync(path.join(dir, `${m.id}.up.sql`), `${m.noTransaction ? '-- bulkhead:no-transaction\n' : ''}${m.sql}\n`);
}

const gitShow = (gitDir: string, file: string) => execaSync('git', ['-C', gitDir, 'show', `HEAD:${file}`]).stdout;
const gitList = (gitDir: string, under: string) => execaSync('git', ['-C', gitDir, 'ls-tree', '-r', '--name-only', 'HEAD', under]).stdout.split('\n');
/**
 * Versions of one width, in the set's own order (sets mix widths and repeat timestamps; Bulkhead
 * refuses both): the timestamp's first 14 digits, then the migration's place in the set.
 */
function renumber(migrations: RealMigration[]): RealMigration[] {
  return migrations
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map((m, i) => {
      const [, version, name] = /^([\d-]+)_(.*)$/.exec(m.id)!;
      return { ...m, id: `${version!.replace(/\D/g, '').slice(0, 14).padEnd(14, '0')}${String(i).padStart(6, '0')}_${name!.replace(/\W/g, '_')}` };
    });
}

/** crates.io (diesel): `migrations/<date>_<name>/up.sql`, `run_in_transaction = false` in metadata.toml. */
function cratesIo(gitDir: string): RealMigration[] {
  const files = gitList(gitDir, 'migrations');
  const out: RealMigration[] = [];
  for (const f of files) {
    const m = /^migrations\/([\d-]+)_([^/]+)\/up\.sql$/.exec(f);
    if (!m) continue;
    const meta = files.includes(`migrations/${m[1]}_${m[2]}/metadata.toml`) ? gitShow(gitDir, `migrations/${m[1]}_${m[2]}/metadata.toml`) : '';
    out.push({ id: `${m[1]}_${m[2]}`, sql: gitShow(gitDir, f), noTransaction: /run_in_transaction\s*=\s*false/.test(meta) });
  }
  return renumber(out);
}

/**
 * The files under `under` whose path `file` matches (version and name captured), from a tool that
 * sends each file as one script without a transaction of its own: files with CONCURRENTLY, or
 * their own BEGIN/COMMIT, are marked no-transaction.
 */
function scriptSet(gitDir: string, under: string, file: RegExp): RealMigration[] {
  return renumber(gitList(gitDir, under).flatMap((f) => {
    const m = file.exec(f);
    if (!m) return [];
    const sql = gitShow(gitDir, f);
    return [{ id: `${m[1]}_${m[2]}`, sql, noTransaction: /\bconcurrently\b/i.test(sql) || /^\s*(BEGIN|COMMIT)\s*;/im.test(sql) }];
  }));
}

/** openmeter (golang-migrate, atlas): `tools/migrate/migrations/<version>_<name>.up.sql`. */
const openmeter = (gitDir: string) => scriptSet(gitDir, 'tools/migrate/migrations', /\/(\d+)_([^/]+)\.up\.sql$/);

/** trigger.dev (Prisma): `internal-packages/database/prisma/migrations/<timestamp>_<name>/migration.sql`. */
const triggerDev = (gitDir: string) => scriptSet(gitDir, 'internal-packages/database/prisma/migrations', /\/(\d+)_([^/]+)\/migration\.sql$/);

/** kratos's PostgreSQL migrations as a Bulkhead module: fizz-style names normalised, autocommit files marked no-transaction. */
function kratosModule(gitDir: string, root: string): number {
  const dir = path.join(root, 'modules/kratos/migrations');
  fs.mkdirSync(dir, { recursive: true });
  const list = execaSync('git', ['-C', gitDir, 'ls-tree', '-r', '--name-only', 'HEAD', 'persistence/sql/migrations/sql']).stdout.split('\n');
  const ups = new Map<string, { file: string; auto: boolean }>();
  for (const file of list) {
    const m = /^(\d+)_(.+?)(?:\.(postgres|mysql|sqlite3?|cockroach))?(\.autocommit)?\.up\.sql$/.exec(path.basename(file));
    if (!m || (m[3] && m[3] !== 'postgres')) continue;
    const id = `${m[1]!.padEnd(20, '0')}_${m[2]}`;
    if (!ups.has(id) || m[3] === 'postgres') ups.set(id, { file, auto: Boolean(m[4]) });
  }
  for (const [id, { file, auto }] of ups) {
    const sql = execaSync('git', ['-C', gitDir, 'show', `HEAD:${file}`]).stdout;
    fs.writeFileSync(path.join(dir, `${id}.up.sql`), `${auto ? '-- bulkhead:no-transaction\n' : ''}${sql}\n`);
  }
  return ups.size;
}

/** The median of some timings (the middle one; the upper middle of an even count). */
function median(xs: number[]): number {
  return [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
}

/**
 * Module `m` of `root`, applied to empty databases by `bulkhead up` (one process) and by one psql
 * session running its files in order. With `runs` > 1 each side runs that many times, each on a
 * database of its own, and the medians are compared (a fraction of a second is noisy on 2 cores).
 * Bulkhead runs cold (a fresh cache folder: every file analysed, the manifest validated, as a first
 * CI run) and warm (the workspace's caches filled by an earlier run).
 */
async function versusPsql(label: string, tag: string, root: string, target: string, runs = 1) {
  const dir = path.join(root, 'modules/m/migrations');
  const script = path.join(root, 'all.sql');
  // A file may end without a semicolon: each is closed before the next.
  fs.writeFileSync(script, fs.readdirSync(dir).sort().map((f) => fs.readFileSync(path.join(dir, f), 'utf8')).join('\n;\n'));
  const psqlTimes: number[] = [];
  for (let i = 0; i < runs; i++) {
    const psqlUrl = await createDb(`${tag}_psql${i}`);
    psqlTimes.push(await timed(() => execa('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', psqlUrl, '-f', script], { stdout: 'ignore' })));
  }
  fs.writeFileSync(path.join(root, 'modules/m/bulkhead.json'), JSON.stringify({ name: 'm', database: { url: '${M_URL}' } }));
  let rss = '';
  const up = (name: string, cache: string) =>
    createDb(name).then((url) =>
      timed(async () => {
        const r = await execa('/usr/bin/time', ['-f', 'maxrss=%M', 'node', CLI, 'up'], { cwd: root, env: { ...process.env, M_URL: url, BULKHEAD_CACHE_DIR: cache }, stdout: 'ignore', stderr: 'pipe', reject: false });
        if (r.exitCode !== 0) throw new Error(`bulkhead up failed:\n${r.stderr}`);
        rss ||= /maxrss=(\d+)/.exec(r.stderr)?.[1] ?? '';
      }),
    );
  // A fresh cache folder per cold run; the first one, filled by its run, serves the warm runs.
  const caches = Array.from({ length: runs }, () => fs.mkdtempSync(path.join(os.tmpdir(), 'bulkhead-bench-cache-')));
  const coldTimes: number[] = [];
  const warmTimes: number[] = [];
  try {
    for (const [i, cache] of caches.entries()) coldTimes.push(await up(`${tag}_bh${i}`, cache));
    for (let i = 0; i < runs; i++) warmTimes.push(await up(`${tag}_bh_warm${i}`, caches[0]!));
  } finally {
    for (const c of caches) fs.rmSync(c, { recursive: true, force: true });
  }
  const [psql, cold, warm] = [median(psqlTimes), median(coldTimes), median(warmTimes)];
  rows.push({
    scenario: `${label}: one process, ${fs.readdirSync(dir).length} migrations, up${rss ? ` (peak ${Math.round(Number(rss) / 1024)} MB)` : ''}${runs > 1 ? `, median of ${runs}` : ''}`,
    bulkhead: `${s(cold)} (warm cache ${s(warm)})`,
    baseline: `one psql session ${s(psql)}`,
    ratio: `${(cold / psql).toFixed(2)}× (warm ${(warm / psql).toFixed(2)}×)`,
    target,
  });
}

function mirror(repo: string): string | undefined {
  const dir = repo === 'ory/kratos' && process.env.BULKHEAD_BENCH_KRATOS_GIT ? process.env.BULKHEAD_BENCH_KRATOS_GIT : process.env.BULKHEAD_BENCH_MIRRORS && path.join(process.env.BULKHEAD_BENCH_MIRRORS, repo.replace('/', '+'), 'repo');
  return dir && fs.existsSync(dir) ? dir : undefined;
}

async function scenarioR() {
  const sets: [string, (gitDir: string, root: string) => void][] = [
    ['ory/kratos', (g, root) => {
      kratosModule(g, root);
      fs.renameSync(path.join(root, 'modules/kratos'), path.join(root, 'modules/m'));
    }],
    ['rust-lang/crates.io', (g, root) => writeModule(root, cratesIo(g))],
    ['openmeterio/openmeter', (g, root) => writeModule(root, openmeter(g))],
    ['triggerdotdev/trigger.dev', (g, root) => writeModule(root, triggerDev(g))],
  ];
  for (const [repo, write] of sets) {
    const gitDir = mirror(repo);
    if (!gitDir) {
      process.stderr.write(`r: ${repo} skipped (set BULKHEAD_BENCH_MIRRORS to a folder of git mirrors: <owner>+<name>/repo)\n`);
      continue;
    }
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'bulkhead-bench-'));
    write(gitDir, root);
    await versusPsql(`r: ${repo}`, `r_${repo.split('/')[1]!.replace(/\W/g, '_')}`, root, '≤ 1.15×', 3);
    // BULKHEAD_BENCH_KEEP keeps each set's workspace, to profile a run of it by hand.
    if (process.env.BULKHEAD_BENCH_KEEP) process.stderr.write(`r: ${repo} kept in ${root}\n`);
    else fs.rmSync(root, { recursive: true, force: true });
  }
}

async function scenarioX() {
  const root = workspace([{ name: 'm', env: 'M_URL', count: 10_000 }]);
  await versusPsql('x', 'x', root, '≤ 1.15×, < 120 MB');
  fs.rmSync(root, { recursive: true, force: true });
}

async function scenarioT() {
  const tenants = Array.from({ length: 200 }, (_, i) => `tenant_${String(i + 1).padStart(3, '0')}`);
  const url = await createDb('t_bh');
  const psqlUrl = await createDb('t_psql');
  const root = workspace([{ name: 'shop', env: 'SHOP_URL', count: 5 }]);
  fs.writeFileSync(path.join(root, 'modules/shop/bulkhead.json'), JSON.stringify({ name: 'shop', database: { url: '${SHOP_URL}' }, tenants: { kind: 'schema', names: tenants } }));
  const dir = path.join(root, 'modules/shop/migrations');
  const sql = fs.readdirSync(dir).sort().map((f) => fs.readFileSync(path.join(dir, f), 'utf8')).join('\n');
  const psql = await timed(async () => {
    for (const t of tenants) {
      await execa('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', psqlUrl, '-c', `CREATE SCHEMA ${t}; SET search_path TO ${t}; ${sql}`], { stdout: 'ignore' });
    }
  });
  const bh = await timed(() => bulkhead(['up', '--concurrency', '4'], root, { SHOP_URL: url }));
  rows.push({ scenario: 't: 1 module × 200 tenant schemas × 5 migrations, up', bulkhead: s(bh), baseline: `psql per tenant ${s(psql)}`, ratio: `${(bh / psql).toFixed(2)}×`, target: '≤ 0.5×' });
  fs.rmSync(root, { recursive: true, force: true });
}

async function scenarioV() {
  const modules = Array.from({ length: 100 }, (_, i) => ({ name: `m${String(i).padStart(3, '0')}`, env: `M${i}_URL`, count: 30 }));
  const env: Record<string, string> = {};
  for (const m of modules) env[m.env] = `postgres://bench@127.0.0.1:1/v_${m.name}`;
  const root = workspace(modules);
  const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'bulkhead-bench-cache-'));
  const run = () => bulkhead(['validate'], root, { ...env, BULKHEAD_CACHE_DIR: cache });
  const cold = await timed(run);
  const warm = Math.min(await timed(run), await timed(run));
  rows.push({ scenario: 'v: validate, 100 modules × 30 migrations, cold → warm cache', bulkhead: s(warm), baseline: `cold ${s(cold)}`, ratio: `${(warm / cold).toFixed(2)}×`, target: 'warm < 1 s' });
  fs.rmSync(root, { recursive: true, force: true });
  fs.rmSync(cache, { recursive: true, force: true });
}

/** Migrations with a down each, for verify. */
function reversibleWorkspace(name: string, env: string, count: number, tablesPer = 1): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'bulkhead-bench-'));
  const dir = path.join(root, 'modules', name, 'migrations');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(root, 'modules', name, 'bulkhead.json'), JSON.stringify({ name, database: { url: `\${${env}}` } }));
  for (let i = 1; i <= count; i++) {
    const tables = Array.from({ length: tablesPer }, (_, j) => `${name}_t${i}_${j}`);
    fs.writeFileSync(path.join(dir, `${String(i).padStart(6, '0')}_step.up.sql`), tables.map(migrationSql).join('\n'));
    fs.writeFileSync(path.join(dir, `${String(i).padStart(6, '0')}_step.down.sql`), tables.map((t) => `DROP TABLE ${t};`).join('\n'));
  }
  return root;
}

async function scenarioY() {
  const url = await createDb('y');
  const root = reversibleWorkspace('big', 'BIG_URL', 200);
  const up = await timed(() => bulkhead(['up'], root, { BIG_URL: url }));
  const verify = await timed(() => bulkhead(['verify', '--server', ADMIN_URL], root, { BIG_URL: url }));
  rows.push({ scenario: 'y: verify, 1 module × 200 migrations (up, down, up on a scratch database)', bulkhead: s(verify), baseline: `one up ${s(up)}`, ratio: `${(verify / up).toFixed(2)}×`, target: '≤ 3×' });
  fs.rmSync(root, { recursive: true, force: true });
}

async function scenarioD() {
  const url = await createDb('d');
  const root = reversibleWorkspace('wide', 'WIDE_URL', 50, 10);
  await bulkhead(['up'], root, { WIDE_URL: url });
  // Baseline: the replay alone — the same SQL into a fresh database through one psql session.
  const psqlUrl = await createDb('d_psql');
  const dir = path.join(root, 'modules/wide/migrations');
  const script = path.join(root, 'all.sql');
  fs.writeFileSync(script, fs.readdirSync(dir).filter((f) => f.endsWith('.up.sql')).sort().map((f) => fs.readFileSync(path.join(dir, f), 'utf8')).join('\n'));
  const psql = await timed(() => execa('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', psqlUrl, '-f', script], { stdout: 'ignore' }));
  const drift = await timed(() => bulkhead(['drift'], root, { WIDE_URL: url }));
  rows.push({ scenario: 'd: drift, a 500-table database (50 migrations × 10 tables)', bulkhead: s(drift), baseline: `replay alone (psql) ${s(psql)}`, ratio: `${(drift / psql).toFixed(2)}×`, target: '≤ 2 s' });
  fs.rmSync(root, { recursive: true, force: true });
}

async function scenarioL() {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'bulkhead-bench-'));
  const dir = path.join(root, 'modules', 'big', 'migrations');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(root, 'modules', 'big', 'bulkhead.json'), JSON.stringify({ name: 'big', database: { url: 'pglite://memory' } }));
  for (let i = 1; i <= 2000; i++) {
    const t = `t${i}`;
    fs.writeFileSync(
      path.join(dir, `${String(i).padStart(6, '0')}_step.up.sql`),
      `CREATE TABLE ${t} (id bigint PRIMARY KEY, name text NOT NULL, at timestamptz NOT NULL DEFAULT now());\nCREATE INDEX ${t}_name_idx ON ${t} (name);\nALTER TABLE ${t} ADD COLUMN note text;\nINSERT INTO ${t} (id, name) VALUES (1, 'a');\nCOMMENT ON TABLE ${t} IS 'bench';\n`,
    );
  }
  const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'bulkhead-bench-cache-'));
  const run = () => bulkhead(['lint'], root, { BULKHEAD_CACHE_DIR: cache });
  const cold = await timed(run);
  const warm = Math.min(await timed(run), await timed(run));
  rows.push({ scenario: 'l: lint, 2,000 migrations (10,000 statements), warm cache', bulkhead: `${Math.round(10000 / (warm / 1000))} statements/s (${s(warm)})`, baseline: `cold ${s(cold)}`, ratio: '-', target: '≥ 10,000/s' });
  fs.rmSync(root, { recursive: true, force: true });
  fs.rmSync(cache, { recursive: true, force: true });
}

const scenarios: Record<string, () => Promise<void>> = { s: scenarioS, a: scenarioA, b: scenarioB, e: scenarioE, c: scenarioC, n: scenarioN, r: scenarioR, x: scenarioX, t: scenarioT, v: scenarioV, y: scenarioY, d: scenarioD, l: scenarioL };
const wanted = process.argv.slice(2).length ? process.argv.slice(2) : Object.keys(scenarios);
try {
  for (const name of wanted) {
    process.stderr.write(`running ${name}…\n`);
    // One scenario's writes are not flushed on the next one's time (x writes 10,000 migrations;
    // the checkpoint after it once made y four times slower). Needs a superuser; else skipped.
    await admin('CHECKPOINT').catch(() => undefined);
    try {
      await scenarios[name]!();
    } catch (e) {
      process.stderr.write(`${name} failed: ${(e as Error).message.split('\n').slice(0, 12).join('\n')}\n`);
      rows.push({ scenario: `${name}: failed (see stderr)`, bulkhead: '-', baseline: '-', ratio: '-', target: '-' });
    }
  }
} finally {
  for (const db of created) await admin(`DROP DATABASE IF EXISTS "${db}" WITH (FORCE)`).catch(() => undefined);
}
const cols = Object.keys(rows[0] ?? {}) as (keyof Row)[];
console.log(`| ${cols.join(' | ')} |\n|${cols.map(() => '---').join('|')}|`);
for (const r of rows) console.log(`| ${cols.map((c) => r[c]).join(' | ')} |`);
console.log(`\n${os.cpus().length} cores, node ${process.version}, ${new Date().toISOString().slice(0, 10)}`);
