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

  it('run below a workspace without nx.json (nothing found there), names the folder above that holds the modules', () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bh-ws-'));
    fs.mkdirSync(path.join(dir, 'modules/a/migrations'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'modules/a/bulkhead.json'), JSON.stringify({ name: 'a', database: { url: 'pglite://memory' } }));
    const below = loadWorkspace({ cwd: path.join(dir, 'modules/a/migrations'), env: {} });
    expect(below.problems.map((p) => [p.code, p.fix])).toEqual([
      ['BH019', `the workspace is ${dir}, above (it holds the bulkhead.json files; without an nx.json the root is where bulkhead runs): run it there, or pass --cwd ${dir}`],
    ]);
  });
});
