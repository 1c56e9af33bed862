import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadWorkspace } from './workspace.js';

let dir: string;
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('loadWorkspace', () => {
  it('warns of a migrations folder outside the workspace: its checkout does not hold them', () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bh-ws-'));
    const root = path.join(dir, 'ws');
    fs.mkdirSync(path.join(root, 'modules/a'), { recursive: true });
    fs.mkdirSync(path.join(dir, 'shared'));
    fs.writeFileSync(path.join(dir, 'shared/001_x.up.sql'), 'CREATE TABLE x (id int);\n');
    fs.writeFileSync(path.join(root, 'package.json'), '{}');
    fs.writeFileSync(path.join(root, 'modules/a/bulkhead.json'), JSON.stringify({ name: 'a', database: { url: 'pglite://memory' }, migrations: '../../../shared' }));
    const ws = loadWorkspace({ cwd: root, env: {} });
    expect(ws.problems).toEqual([]);
    expect(ws.modules[0]!.migrations.map((m) => m.id)).toEqual(['001_x']);
    expect(ws.warnings.map((w) => [w.code, w.field, w.message])).toEqual([
      ['BH038', 'migrations', `the migrations folder ${path.join(dir, 'shared')} is outside the workspace (${root}): a checkout of the workspace does not hold these migrations, and Nx's cache of verify and lint does not see them change`],
    ]);
  });

  it('run inside a module of a workspace without nx.json (its folder, its migrations), the workspace is the folder holding modules/; elsewhere below, the folder above is named', () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bh-ws-'));
    fs.mkdirSync(path.join(dir, 'modules/a/migrations'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'modules/a/bulkhead.json'), JSON.stringify({ name: 'a', database: { url: 'pglite://memory' } }));
    fs.mkdirSync(path.join(dir, 'modules/b/migrations'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'modules/b/bulkhead.json'), JSON.stringify({ name: 'b', database: { url: 'pglite://memory' }, dependsOn: ['a'] }));
    for (const cwd of ['modules/b', 'modules/b/migrations', 'modules']) {
      const ws = loadWorkspace({ cwd: path.join(dir, cwd), env: {} });
      expect(ws.root, cwd).toBe(dir);
      expect(ws.modules.map((m) => m.name)).toEqual(['a', 'b']);
      expect(ws.problems).toEqual([]);
    }
    // Another layout: nothing found where it runs, the folder above that holds the modules named.
    fs.mkdirSync(path.join(dir, 'modules/a/migrations/sub'));
    fs.renameSync(path.join(dir, 'modules'), path.join(dir, 'services'));
    fs.mkdirSync(path.join(dir, 'modules/c'), { recursive: true });
    const below = loadWorkspace({ cwd: path.join(dir, 'services/a/migrations/sub'), env: {} });
    expect(below.problems.map((p) => p.code)).toEqual(['BH019']);
  });
});
