import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeAtomically } from '../cache-dir.js';
import { AnalysisCache } from './cache.js';

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
