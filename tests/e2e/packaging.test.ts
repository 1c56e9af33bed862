/**
 * The packages as users get them: `npm pack` of each, installed into a project of their own
 * (no workspace, no tsx of ours), then imported from plain Node and run as a command.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO } from '../support/fixtures.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

describe('packed packages', () => {
  it('install into a foreign project; core imports from plain Node; the command migrates TS and SQL', async () => {
    const packs = fs.mkdtempSync(path.join(os.tmpdir(), 'bulkhead-packs-'));
    const project = fs.mkdtempSync(path.join(os.tmpdir(), 'bulkhead-foreign-'));
    dirs.push(packs, project);
    const tarballs: string[] = [];
    for (const pkg of ['core', 'cli', 'nx']) {
      const r = await execa('npm', ['pack', '--json', '--pack-destination', packs], { cwd: path.join(REPO, 'packages', pkg) });
      const [info] = JSON.parse(r.stdout) as { filename: string; files: { path: string }[] }[];
      const files = info!.files.map((f) => f.path);
      // Compiled code and types ship; sources and tests do not.
      if (pkg !== 'nx') {
        expect(files.some((f) => f.startsWith('dist/') && f.endsWith('.d.ts'))).toBe(true);
        expect(files.some((f) => f.startsWith('src/') || f.endsWith('.test.js'))).toBe(false);
        // The embedded database's template, beside the code that unpacks it.
        expect(files).toContainEqual(expect.stringMatching(pkg === 'core' ? /^dist\/db\/pglite-template-[\d.]+-\d+\.tar\.gz$/ : /^dist\/bundle\/pglite-template-[\d.]+-\d+\.tar\.gz$/));
      }
      tarballs.push(path.join(packs, info!.filename));
    }
    fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'foreign', private: true, type: 'module' }));
    await execa('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', ...tarballs], { cwd: project });

    // A health check in a service that does not run tsx (SPEC §9).
    fs.mkdirSync(path.join(project, 'modules/svc/migrations'), { recursive: true });
    fs.writeFileSync(path.join(project, 'modules/svc/bulkhead.json'), JSON.stringify({ name: 'svc', database: { url: 'pglite://.bulkhead/svc' } }));
    fs.writeFileSync(path.join(project, 'modules/svc/migrations/001_a.up.sql'), 'CREATE TABLE a (id int PRIMARY KEY);\n');
    fs.writeFileSync(path.join(project, 'modules/svc/migrations/001_a.down.sql'), 'DROP TABLE a;\n');
    fs.writeFileSync(
      path.join(project, 'modules/svc/migrations/002_b.ts'),
      "import type { Knex } from 'knex';\nexport async function up(knex: Knex) { await knex.schema.createTable('b', (t) => t.integer('id')); }\nexport async function down(knex: Knex) { await knex.schema.dropTable('b'); }\n",
    );
    const health = await execa('node', ['--input-type=module', '-e', "import { validate } from '@bulkhead/core'; const r = await validate({ cwd: process.cwd() }); console.log(JSON.stringify({ exitCode: r.exitCode, migrations: r.modules[0].migrations }));"], { cwd: project });
    expect(JSON.parse(health.stdout)).toEqual({ exitCode: 0, migrations: 2 });

    const version = await execa('npx', ['--no-install', 'bulkhead', '--version'], { cwd: project });
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    // The V8 settings the command makes are all known to this Node (an unknown one prints an error).
    const plain = await execa('node', [path.join(project, 'node_modules/@bulkhead/cli/bin/bulkhead.js'), '--version'], { cwd: project });
    expect(plain.stderr).toBe('');
    // A machine that never ran Bulkhead (an empty cache): the first embedded database comes from
    // the shipped template, unpacked into the cache (its pg_control is the tarball's), not initdb.
    const cache = path.join(project, '.cache');
    const up = await execa('npx', ['--no-install', 'bulkhead', 'up', '--json'], { cwd: project, reject: false, env: { BULKHEAD_CACHE_DIR: cache } });
    expect(up.exitCode, up.stderr).toBe(0);
    expect(JSON.parse(up.stdout).modules[0].migrations.map((m: { id: string }) => m.id)).toEqual(['001_a', '002_b']);
    const bundle = path.join(project, 'node_modules/@bulkhead/cli/dist/bundle');
    const shipped = fs.readdirSync(bundle).find((f) => f.startsWith('pglite-template-'))!;
    const unpacked = path.join(project, 'shipped');
    fs.mkdirSync(unpacked);
    await execa('tar', ['-xzf', path.join(bundle, shipped), '-C', unpacked, 'global/pg_control']);
    const cached = path.join(cache, shipped.replace(/^pglite-template-([\d.]+)-(\d+)\.tar\.gz$/, 'pglite-$1-template-$2'));
    expect(fs.readFileSync(path.join(cached, 'global/pg_control')).equals(fs.readFileSync(path.join(unpacked, 'global/pg_control')))).toBe(true);

    // The Nx plugin loads from the installed package.
    const nx = await execa('node', ['-e', "const p = require('@bulkhead/nx'); console.log(Array.isArray(p.createNodes) && p.createNodes[0])"], { cwd: project });
    expect(nx.stdout.trim()).toContain('bulkhead.json');
  });
});
