/**
 * @bulkhead/nx: the plugin's exported functions on real temporary workspaces, and Nx itself
 * running the targets on real PostgreSQL — in this repository and in a foreign workspace that
 * only installs the plugin.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { stripVTControlCharacters } from 'node:util';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { createDatabase, query, REPO } from '../support/fixtures.js';

const require = createRequire(import.meta.url);
const plugin = require('@bulkhead/nx') as {
  createNodes: readonly [string, (files: string[], options: unknown, context: unknown) => Promise<[string, { projects: Record<string, any> }][]>];
  createDependencies: (options: unknown, context: unknown) => any[];
};

const temps: string[] = [];
afterEach(() => {
  for (const t of temps.splice(0)) fs.rmSync(t, { recursive: true, force: true });
});

/** A workspace folder with nx.json listing only the plugin, and the repo's installed packages. */
function foreignWorkspace(manifests: Record<string, object>, extra: Record<string, string> = {}): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'bulkhead-nx-'));
  temps.push(root);
  const write = (rel: string, content: string) => {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), content);
  };
  write('package.json', JSON.stringify({ name: 'foreign', private: true }));
  write('nx.json', JSON.stringify({ analytics: false, plugins: ['@bulkhead/nx'] }));
  for (const [dir, m] of Object.entries(manifests)) {
    write(`${dir}/bulkhead.json`, JSON.stringify(m));
    fs.mkdirSync(path.join(root, dir, 'migrations'), { recursive: true });
  }
  for (const [rel, content] of Object.entries(extra)) write(rel, content);
  // As if installed: the workspace resolves nx and @bulkhead/* from node_modules.
  fs.symlinkSync(path.join(REPO, 'node_modules'), path.join(root, 'node_modules'), 'dir');
  return root;
}

// Nx colours its summary when the caller's environment forces colour (CI may set FORCE_COLOR);
// assertions read the text as a user sees it.
async function nx(args: string[], cwd: string, env: Record<string, string> = {}) {
  const r = await execa(path.join(REPO, 'node_modules/.bin/nx'), args, {
    cwd,
    reject: false,
    env: { NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_SKIP_NX_CACHE: 'true', ...env },
    all: true,
  });
  return { ...r, all: stripVTControlCharacters(r.all ?? ''), stdout: stripVTControlCharacters(String(r.stdout)) };
}

async function nodes(root: string, files: string[], options?: unknown) {
  const results = await plugin.createNodes[1](files, options, { workspaceRoot: root, nxJsonConfiguration: {} });
  return Object.assign({}, ...results.map(([, r]) => r.projects));
}

describe('plugin functions', () => {
  it('infers one project per manifest with described targets; migrate depends on ^migrate and is not cached', async () => {
    const root = foreignWorkspace({
      'modules/admin': { name: 'admin', database: { url: 'pglite://memory' } },
      'services/billing': { name: 'billing', database: { url: 'pglite://memory' }, dependsOn: ['admin'], migrations: 'db' },
    });
    const projects = await nodes(root, ['modules/admin/bulkhead.json', 'services/billing/bulkhead.json']);
    expect(Object.keys(projects).sort()).toEqual(['modules/admin', 'services/billing']);
    const admin = projects['modules/admin'];
    expect(admin.name).toBe('admin');
    expect(Object.keys(admin.targets).sort()).toEqual(['migrate', 'migrate-down', 'migrate-drift', 'migrate-lint', 'migrate-make', 'migrate-status', 'migrate-verify']);
    expect(admin.targets['migrate-lint']).toMatchObject({ cache: true, options: { command: 'bulkhead lint admin' } });
    // verify depends only on the files and the Bulkhead version: cached; drift reads the live database: never.
    expect(admin.targets['migrate-verify']).toMatchObject({ cache: true, options: { command: 'bulkhead verify admin' } });
    // Cached on what the result depends on: the module's folder (TS helpers beside the migrations),
    // its dependencies' files (an Nx library a migration imports), tsconfig paths, the version.
    const own = [
      '{projectRoot}/**/*',
      '{projectRoot}/migrations/**/*',
      { fileset: '{projectRoot}/**/*', dependencies: true },
      '{workspaceRoot}/tsconfig.base.json',
      '{workspaceRoot}/tsconfig.json',
      { runtime: `node -p "require('@bulkhead/core/package.json').version"` },
    ];
    expect(admin.targets['migrate-verify'].inputs).toEqual(own);
    expect(admin.targets['migrate-lint'].inputs).toEqual(own);
    expect(projects['services/billing'].targets['migrate-verify'].inputs[1]).toBe('{projectRoot}/db/**/*');
    expect(admin.targets['migrate-drift']).toMatchObject({ cache: false, options: { command: 'bulkhead drift admin' } });
    // migrate runs in Nx's task process (a run-many as one batch); the other targets call the CLI.
    expect(admin.targets.migrate).toMatchObject({
      executor: '@bulkhead/nx:migrate',
      options: { module: 'admin' },
      cache: false,
      dependsOn: ['^migrate'],
    });
    for (const t of Object.values<any>(admin.targets)) expect(t.metadata.description).toBeTruthy();
    expect(projects['services/billing'].targets['migrate-status'].options.command).toBe('bulkhead status billing');
  });

  it('target names are plugin options; an existing project gets targets, not a second name', async () => {
    const root = foreignWorkspace(
      { 'apps/api': { name: 'api', database: { url: 'pglite://memory' } } },
      { 'apps/api/project.json': JSON.stringify({ name: 'api-service' }) },
    );
    const projects = await nodes(root, ['apps/api/bulkhead.json'], { migrateTargetName: 'db-migrate', migrateStatusTargetName: 'db-status' });
    expect(projects['apps/api'].name).toBeUndefined();
    expect(Object.keys(projects['apps/api'].targets).sort()).toEqual(['db-migrate', 'db-status', 'migrate-down', 'migrate-drift', 'migrate-lint', 'migrate-make', 'migrate-verify']);
    expect(projects['apps/api'].targets['db-migrate'].dependsOn).toEqual(['^db-migrate']);
  });

  it('a manifest the plugin cannot read still gets its project, whose targets run Bulkhead (which names the problem): a plugin error would hide it behind nx --verbose', async () => {
    const root = foreignWorkspace({ 'modules/bad': { name: 'Bad Name', database: { url: 'x' } }, 'modules/Half Done': { name: 'half', database: { url: 'x' } } });
    fs.writeFileSync(path.join(root, 'modules/Half Done/bulkhead.json'), '{ "name": "half", "database": {');
    const projects = await nodes(root, ['modules/bad/bulkhead.json', 'modules/Half Done/bulkhead.json']);
    // Named as well as can be told: the folder's name, or the name the broken JSON gives.
    expect(projects['modules/bad']).toMatchObject({ name: 'bad', targets: { migrate: { options: { module: 'bad' } } } });
    expect(projects['modules/Half Done']).toMatchObject({ name: 'half', targets: { migrate: { options: { module: 'half' } } } });
    expect(plugin.createDependencies(undefined, { workspaceRoot: root, projects: { bad: { root: 'modules/bad' }, half: { root: 'modules/Half Done' } }, fileMap: { projectFileMap: {}, nonProjectFiles: [] } } as never)).toEqual([]);
  });

  it('edges come from dependsOn with their sourceFile; a module shadowed by another project names the manifest', () => {
    const root = foreignWorkspace({
      'modules/admin': { name: 'admin', database: { url: 'pglite://memory' } },
      'modules/query': { name: 'query', database: { url: 'pglite://memory' }, dependsOn: ['admin'] },
    });
    const context = (projects: Record<string, { root: string }>) => ({
      workspaceRoot: root,
      projects,
      externalNodes: {},
      fileMap: {
        projectFileMap: Object.fromEntries(Object.entries(projects).map(([name, p]) => [name, [{ file: `${p.root}/bulkhead.json`, hash: '0' }]])),
        nonProjectFiles: [],
      },
      filesToProcess: { projectFileMap: {}, nonProjectFiles: [] },
      nxJsonConfiguration: {},
    });
    const deps = plugin.createDependencies(undefined, context({ admin: { root: 'modules/admin' }, query: { root: 'modules/query' } }));
    expect(deps).toEqual([{ source: 'query', target: 'admin', sourceFile: 'modules/query/bulkhead.json', type: 'static' }]);
    // A module no manifest names (a typo): no edge; the task's Bulkhead refuses it (BH005), which Nx shows.
    fs.writeFileSync(path.join(root, 'modules/query/bulkhead.json'), JSON.stringify({ name: 'query', database: { url: 'x' }, dependsOn: ['admn'] }));
    expect(plugin.createDependencies(undefined, context({ admin: { root: 'modules/admin' }, query: { root: 'modules/query' } }))).toEqual([]);
    // A module whose folder lost its project to another one of the same name (an app called admin):
    // the manifest is there, under another project; the fix is a project.json with a name of its own.
    fs.writeFileSync(path.join(root, 'modules/query/bulkhead.json'), JSON.stringify({ name: 'query', database: { url: 'x' }, dependsOn: ['admin'] }));
    const shadowed = { ...context({ query: { root: 'modules/query' }, admin: { root: 'apps/admin' } }) };
    shadowed.fileMap.projectFileMap.admin = [{ file: 'modules/admin/bulkhead.json', hash: '0' }];
    expect(() => plugin.createDependencies(undefined, shadowed)).toThrow(
      'modules/query/bulkhead.json: dependsOn names module "admin" (modules/admin/bulkhead.json), which is not a project of its own (known: query): another Nx project is named "admin". Give the module\'s folder a project.json with a name of its own ({ "name": "admin-db" } in modules/admin); Bulkhead keeps calling the module "admin".',
    );
  });
});

describe('Nx running Bulkhead', () => {
  it('nx run-many -t migrate applies the example modules in dependency order on a real server', async () => {
    const runId = '6f1c0c52-8a4e-4d0b-9f3e-2f1a7f0c9b11';
    const env = {
      ADMIN_DATABASE_URL: await createDatabase(),
      STORAGE_DATABASE_URL: await createDatabase(),
      QUERY_DATABASE_URL: await createDatabase(),
      BULKHEAD_RUN_ID: runId,
    };
    const r = await nx(['run-many', '-t', 'migrate', '--parallel=3', '--output-style=static'], REPO, env);
    expect(r.exitCode, r.all).toBe(0);
    const first = async (url: string, table: string) => (await query<{ t: Date }>(url, `SELECT min(applied_at) AS t FROM ${table}`))[0]!.t.getTime();
    const last = async (url: string, table: string) => (await query<{ t: Date }>(url, `SELECT max(applied_at) AS t FROM ${table}`))[0]!.t.getTime();
    expect(await last(env.ADMIN_DATABASE_URL, 'admin_migrations')).toBeLessThan(await first(env.STORAGE_DATABASE_URL, 'storage_migrations'));
    expect(await last(env.STORAGE_DATABASE_URL, 'storage_migrations')).toBeLessThan(await first(env.QUERY_DATABASE_URL, 'query_migrations'));
    expect(r.all).toContain('admin: ✓ 3 applied');
    // One release, one run id across the three Nx tasks.
    for (const [url, table] of [[env.ADMIN_DATABASE_URL, 'admin_migrations'], [env.QUERY_DATABASE_URL, 'query_migrations']]) {
      expect(await query(url!, `SELECT DISTINCT run_id::text AS id FROM ${table}`)).toEqual([{ id: runId }]);
    }
  });

  it('a workspace that only lists the plugin gets the projects, targets and graph; a failure names module, file and line', async () => {
    const url = await createDatabase();
    const root = foreignWorkspace(
      {
        'modules/base': { name: 'base', database: { url: '${BASE_URL}' } },
        'modules/top': { name: 'top', database: { url: 'pglite://.bulkhead/top' }, dependsOn: ['base'] },
        'modules/side': { name: 'side', database: { url: 'pglite://.bulkhead/side' } },
      },
      {
        // After a query (whose effects the SQL does not show), a missing table is the run's to find (else the plan's, BH074).
        'modules/base/migrations/001_t.up.sql': 'CREATE TABLE t (id int);\nSELECT 1;\nINSERT INTO missing VALUES (1);\n',
        'modules/side/migrations/001_s.up.sql': 'CREATE TABLE s (id int);\n',
      },
    );
    // A manifest saved by a Windows editor (a BOM) is read by the plugin as by the CLI.
    const topManifest = path.join(root, 'modules/top/bulkhead.json');
    fs.writeFileSync(topManifest, `\uFEFF${fs.readFileSync(topManifest, 'utf8')}`);
    const shown = await nx(['show', 'project', 'top', '--json'], root);
    expect(shown.exitCode, shown.all).toBe(0);
    const project = JSON.parse(shown.stdout);
    expect(Object.keys(project.targets)).toEqual(expect.arrayContaining(['migrate', 'migrate-status', 'migrate-down', 'migrate-make']));
    const graphFile = path.join(root, 'graph.json');
    expect((await nx(['graph', `--file=${graphFile}`], root)).exitCode).toBe(0);
    const graph = JSON.parse(fs.readFileSync(graphFile, 'utf8')).graph;
    expect(graph.dependencies.top).toEqual([{ source: 'top', target: 'base', type: 'static' }]);

    // As a release pipeline on GitHub Actions runs it: the failure is also an annotation, the run the job summary.
    const summary = path.join(root, 'summary.md');
    const run = await nx(['run-many', '-t', 'migrate', '--output-style=static'], root, { BASE_URL: url, GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: summary });
    expect(run.exitCode).not.toBe(0);
    expect(run.all).toContain('base: ✗ 001_t failed at modules/base/migrations/001_t.up.sql:3 (statement 3)');
    expect(run.all).toContain('::error file=modules/base/migrations/001_t.up.sql,line=3,title=bulkhead up%3A 001_t failed at statement 3::base: relation "missing" does not exist');
    const md = fs.readFileSync(summary, 'utf8');
    expect(md).toContain('| `base` | ❌ failed |');
    expect(md).toContain('| `top` | ⏭️ skipped (depends on base) |');
    expect(md).toContain('| `side` | ✅ applied | `001_s` |');
    expect(run.all).not.toContain('top: ✓');
    expect(fs.existsSync(path.join(root, '.bulkhead/top'))).toBe(false);
    // One batch, one result per task: the failure fails base's task and its dependent's; side passes.
    expect(run.all).toContain('top: – skipped: depends on base, which failed');
    expect(run.all).toContain('side: ✓ 1 applied');
    const failed = run.all.slice(run.all.indexOf('Failed tasks:'));
    expect(failed).toContain('- base:migrate');
    expect(failed).not.toContain('side:migrate');

    // A manifest broken mid-edit: the tasks say what and where (Nx alone said "Failed to process project graph"), nothing runs.
    const sideManifest = path.join(root, 'modules/side/bulkhead.json');
    fs.writeFileSync(sideManifest, '{ "name": "side", "database": {');
    const broken = await nx(['run-many', '-t', 'migrate', '--output-style=static'], root, { BASE_URL: url });
    expect(broken.exitCode).not.toBe(0);
    expect(broken.all).toContain('modules/side/bulkhead.json:1:32: not valid JSON');
    expect(broken.all).not.toContain('Failed to process project graph');
    expect(broken.all).not.toMatch(/↑|applied in/);
  });

  it("a batch refuses a module's own problems (before anything ran) in its task and its dependents', as separate tasks would; the others run", async () => {
    const root = foreignWorkspace(
      {
        'modules/base': { name: 'base', database: { url: 'pglite://.bulkhead/base' } },
        'modules/top': { name: 'top', database: { url: 'pglite://.bulkhead/top' }, dependsOn: ['base'] },
        'modules/side': { name: 'side', database: { url: 'pglite://.bulkhead/side' } },
      },
      {
        // An extension the embedded database was not told to load (BH063): base's alone.
        'modules/base/migrations/001_t.up.sql': 'CREATE EXTENSION IF NOT EXISTS pgcrypto;\nCREATE TABLE t (id int);\n',
        'modules/top/migrations/001_u.up.sql': 'CREATE TABLE u (id int);\n',
        'modules/side/migrations/001_s.up.sql': 'CREATE TABLE s (id int);\n',
      },
    );
    const run = await nx(['run-many', '-t', 'migrate', '--output-style=static'], root);
    expect(run.exitCode).not.toBe(0);
    expect(run.all).toContain('001_t creates extension pgcrypto, which the embedded database does not load');
    expect(run.all).toContain('top: – skipped: depends on base, which was refused before anything ran (see base:migrate)');
    expect(run.all).toContain('side: ✓ 1 applied');
    const failed = run.all.slice(run.all.indexOf('Failed tasks:'));
    expect(failed).toContain('- base:migrate');
    expect(failed).toContain('- top:migrate');
    expect(failed).not.toContain('side:migrate');
    expect(fs.existsSync(path.join(root, '.bulkhead/base'))).toBe(false);
    expect(fs.existsSync(path.join(root, '.bulkhead/top'))).toBe(false);
    // A problem of the workspace (a manifest every task reads) still fails every task.
    fs.writeFileSync(path.join(root, 'modules/side/bulkhead.json'), JSON.stringify({ name: 'side', database: { url: '${SIDE_URL}' } }));
    const all = await nx(['run-many', '-t', 'migrate', '--output-style=static'], root);
    const none = all.all.slice(all.all.indexOf('Failed tasks:'));
    for (const t of ['base', 'top', 'side']) expect(none).toContain(`- ${t}:migrate`);
    expect(all.all).toContain('environment variable SIDE_URL is not set');
  });

  it('targets pass flags through: migrate-make --name, migrate-down --steps', async () => {
    const url = await createDatabase();
    const root = foreignWorkspace({ 'modules/base': { name: 'base', database: { url: '${BASE_URL}' } } });
    const env = { BASE_URL: url };
    // Without --name: told the Nx way to give it.
    const nameless = await nx(['run', 'base:migrate-make', '--output-style=static'], root, env);
    expect(nameless.exitCode).not.toBe(0);
    expect(nameless.all).toContain('make needs a name for the new migration (BH025)');
    expect(nameless.all).toContain('fix: nx run base:migrate-make --name <name> (add --sql for SQL files)');
    const make = await nx(['run', 'base:migrate-make', '--name=add_users', '--sql', '--output-style=static'], root, env);
    expect(make.exitCode, make.all).toBe(0);
    const files = fs.readdirSync(path.join(root, 'modules/base/migrations')).sort();
    expect(files).toEqual([expect.stringMatching(/^\d{14}_add_users\.down\.sql$/), expect.stringMatching(/^\d{14}_add_users\.up\.sql$/)]);
    fs.writeFileSync(path.join(root, 'modules/base/migrations', files[1]!), 'CREATE TABLE users (id int);\n');
    fs.writeFileSync(path.join(root, 'modules/base/migrations', files[0]!), 'DROP TABLE users;\n');
    // The migrate executor passes flags to bulkhead up, in a batch and one task at a time.
    const dry = await nx(['run', 'base:migrate', '--dry-run', '--output-style=static'], root, env);
    expect(dry.exitCode, dry.all).toBe(0);
    expect(dry.all).toContain(`base: would apply ${files[1]!.replace('.up.sql', '')}`);
    const bad = await nx(['run', 'base:migrate', '--bogus-flag=1', '--output-style=static'], root, env);
    expect(bad.exitCode).not.toBe(0);
    expect(bad.all).toContain('bogus-flag');
    expect((await nx(['run', 'base:migrate', '--output-style=static'], root, { ...env, NX_BATCH_MODE: 'false' })).exitCode).toBe(0);
    const down = await nx(['run', 'base:migrate-down', '--steps=1', '--output-style=static'], root, env);
    expect(down.exitCode, down.all).toBe(0);
    expect(down.all).toContain('base: ✓ 1 reverted');
    expect(await query(url, 'SELECT count(*)::int AS n FROM base_migrations')).toEqual([{ n: 0 }]);

    // migrate-verify is cached on the files and the Bulkhead version; migrate-drift never is.
    const cached = { ...env, NX_SKIP_NX_CACHE: 'false', NX_CACHE_DIRECTORY: path.join(root, '.nx-cache') };
    const verify = await nx(['run', 'base:migrate-verify', '--output-style=static'], root, cached);
    expect(verify.exitCode, verify.all).toBe(0);
    expect(verify.all).toContain('base: ✓ 1 migration up, down, up: reversible');
    const again = await nx(['run', 'base:migrate-verify', '--output-style=static'], root, cached);
    expect(again.all).toMatch(/local cache|existing outputs match the cache/);
    fs.writeFileSync(path.join(root, 'modules/base/migrations', files[0]!), '-- forgot the drop\n');
    const broken = await nx(['run', 'base:migrate-verify', '--output-style=static'], root, cached);
    expect(broken.exitCode).not.toBe(0);
    expect(broken.all).toContain("_add_users's down has no statements, and its up creates table users (line 1): it cannot be reverted");
    await nx(['run', 'base:migrate', '--output-style=static'], root, env);
    const drift = await nx(['run', 'base:migrate-drift', '--output-style=static'], root, env);
    expect(drift.exitCode, drift.all).toBe(0);
    expect(drift.all).toContain('base: ✓ no drift');
  });

  it('nx g @bulkhead/nx:module creates a manifest with $schema and an embedded default', async () => {
    const root = foreignWorkspace({});
    const r = await nx(['g', '@bulkhead/nx:module', 'billing-v2', '--dependsOn=admin', '--no-interactive'], root);
    expect(r.exitCode, r.all).toBe(0);
    const manifest = JSON.parse(fs.readFileSync(path.join(root, 'modules/billing-v2/bulkhead.json'), 'utf8'));
    expect(manifest).toEqual({
      $schema: '../../node_modules/@bulkhead/core/bulkhead.schema.json',
      name: 'billing-v2',
      database: { url: '${BILLING_V2_DATABASE_URL:-pglite://.bulkhead/billing-v2}' },
      dependsOn: ['admin'],
    });
    expect(fs.existsSync(path.join(root, manifest.$schema.replace('../../', '')))).toBe(true);
    expect(fs.readdirSync(path.join(root, 'modules/billing-v2/migrations'))).toEqual(['.gitkeep']);
  });

  it('nx affected picks the modules whose migrations changed, and their dependents', async () => {
    const root = foreignWorkspace({
      'modules/admin': { name: 'admin', database: { url: 'pglite://memory' } },
      'modules/storage': { name: 'storage', database: { url: 'pglite://memory' }, dependsOn: ['admin'] },
      'modules/query': { name: 'query', database: { url: 'pglite://memory' }, dependsOn: ['storage'] },
      'modules/billing': { name: 'billing', database: { url: 'pglite://memory' } },
    });
    fs.writeFileSync(path.join(root, '.gitignore'), 'node_modules\n.nx\n');
    const git = (...args: string[]) => execa('git', args, { cwd: root });
    await git('init', '-q', '-b', 'main');
    await git('-c', 'user.email=t@t', '-c', 'user.name=t', 'add', '-A');
    await git('-c', 'user.email=t@t', '-c', 'user.name=t', 'commit', '-qm', 'init');
    fs.writeFileSync(path.join(root, 'modules/storage/migrations/002_x.up.sql'), 'SELECT 1;\n');
    const r = await nx(['show', 'projects', '--affected', '--base=main', '--json'], root);
    expect(r.exitCode, r.all).toBe(0);
    expect(JSON.parse(r.stdout).sort()).toEqual(['query', 'storage']);
  });
});
