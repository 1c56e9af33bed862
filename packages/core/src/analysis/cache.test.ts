import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readLines, writeAtomically } from '../cache-dir.js';
import type { Module, Workspace } from '../workspace.js';
import { AnalysisCache } from './cache.js';
import { rememberCachedStatements } from './migrations.js';
import { splitStatements } from './statements.js';

const dirs: string[] = [];
const tmp = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'bulkhead-cache-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe('writeAtomically', () => {
  it('writes pieces across chunk boundaries as one file, and leaves no temporary file', () => {
    const file = path.join(tmp(), 'sub', 'f.json');
    const pieces = Array.from({ length: 5000 }, (_, i) => `${i}:${'é'.repeat(i % 40)};`);
    expect(writeAtomically(file, pieces)).toBe(true);
    expect(fs.readFileSync(file, 'utf8')).toBe(pieces.join(''));
    expect(fs.readdirSync(path.dirname(file))).toEqual(['f.json']);
  });

  it('keeps the old file and removes its temporary one when a piece cannot be produced', () => {
    const file = path.join(tmp(), 'f.json');
    fs.writeFileSync(file, 'old');
    function* failing() {
      yield 'x'.repeat(1 << 17);
      throw new Error('no more');
    }
    expect(writeAtomically(file, failing())).toBe(false);
    expect(fs.readFileSync(file, 'utf8')).toBe('old');
    expect(fs.readdirSync(path.dirname(file))).toEqual(['f.json']);
  });
});

describe('AnalysisCache', () => {
  it('reads back what it saved, and drops entries of migrations no longer in the module', () => {
    const root = tmp();
    fs.mkdirSync(path.join(root, 'node_modules'));
    const touch = { action: 'create' as const, kind: 'table' as const, name: 'users', line: 1, column: 14 };
    const a = new AnalysisCache(root);
    a.set('m', 'c1', { up: [touch], down: [], statements: { up: [{ start: 0, end: 20, line: 1, kind: 'CreateStmt', node: {} }] } });
    a.set('m', 'c2', { up: [], down: [] });
    a.save(new Map([['m', new Set(['c1'])]]));
    const b = new AnalysisCache(root);
    expect(b.get('m', 'c1')).toEqual({ up: [touch], down: [], statements: { up: [{ start: 0, end: 20, line: 1, kind: 'CreateStmt', node: {} }] } });
    expect(b.get('m', 'c2')).toBeUndefined();
  });
});

describe('readLines', () => {
  it('yields every line whole, across chunk boundaries and multi-byte characters, and a last line without a newline', () => {
    const file = path.join(tmp(), 'f');
    const lines = Array.from({ length: 300 }, (_, i) => `${i}\t${'é€'.repeat(i % 13)}${'x'.repeat(i % 7)}`);
    fs.writeFileSync(file, `${lines.join('\n')}\nlast`);
    for (const chunk of [1, 3, 7, 64, 1 << 20]) expect([...readLines(file, chunk)]).toEqual([...lines, 'last']);
  });
});

describe('AnalysisCache file', () => {
  it('is one line per migration after a version line; a damaged or older file is ignored and replaced', () => {
    const root = tmp();
    fs.mkdirSync(path.join(root, 'node_modules'));
    const a = new AnalysisCache(root);
    a.set('m', 'c1', { up: [], down: [] });
    a.set('m', 'c2', { up: [], down: [], sql: { up: ['SELECT 1;\n\tSELECT 2'], down: [] } });
    a.save(new Map());
    const dir = path.join(root, 'node_modules/.cache/bulkhead/analysis');
    const file = fs.readdirSync(dir, { recursive: true }).map(String).find((f) => f.endsWith('m.lines'))!;
    const text = fs.readFileSync(path.join(dir, file), 'utf8').split('\n');
    expect(JSON.parse(text[0]!)).toHaveProperty('version');
    expect(text.slice(1, 3).map((l) => l.split('\t')[0])).toEqual(['c1', 'c2']);
    expect(new AnalysisCache(root).get('m', 'c2')?.sql?.up).toEqual(['SELECT 1;\n\tSELECT 2']);
    // A line cut short: nothing of the file is trusted.
    fs.writeFileSync(path.join(dir, file), `${text[0]}\n${text[1]}\nc2\t{"up":[`);
    expect(new AnalysisCache(root).get('m', 'c1')).toBeUndefined();
  });
});

describe('rememberCachedStatements', () => {
  it("gives the runner the cache's statement split of a SQL file, so drift and verify do not parse it again", async () => {
    const root = tmp();
    fs.mkdirSync(path.join(root, 'node_modules'));
    const sql = 'SELECT 1;\nSELECT 2;\n';
    // A split the parser would not make (one statement for both): only the cache can say it.
    const cache = new AnalysisCache(root);
    cache.set('m', 'sum1', { up: [], down: [], statements: { up: [{ start: 0, end: 19, line: 1, kind: 'SelectStmt', node: {} }] } });
    cache.save(new Map([['m', new Set(['sum1'])]]));
    const module = { name: 'm', migrations: [{ id: '001_x', format: 'sql', checksum: 'sum1', sql: { up: sql } }] } as unknown as Module;
    rememberCachedStatements({ root } as unknown as Workspace, [module]);
    expect((await splitStatements(sql, 'sum1:up')).map((s) => s.text)).toEqual(['SELECT 1;\nSELECT 2;']);
    // Not in the cache: the parser splits it.
    expect((await splitStatements(sql, 'other:up')).map((s) => s.text)).toEqual(['SELECT 1', 'SELECT 2']);
  });
});
