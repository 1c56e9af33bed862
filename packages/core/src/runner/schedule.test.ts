import { describe, expect, it } from 'vitest';
import { runDag } from './schedule.js';

const deps = new Map<string, string[]>([
  ['admin', []],
  ['storage', ['admin']],
  ['query', ['admin', 'storage']],
  ['billing', []],
]);

describe('runDag', () => {
  it('starts a node only after its dependencies, with bounded concurrency', async () => {
    const started: string[] = [];
    const finished = new Set<string>();
    let running = 0;
    let peak = 0;
    await runDag(['admin', 'billing', 'storage', 'query'], deps, 2, async (n) => {
      for (const d of deps.get(n)!) expect(finished.has(d)).toBe(true);
      started.push(n);
      peak = Math.max(peak, ++running);
      await new Promise((r) => setTimeout(r, 10));
      running--;
      finished.add(n);
      return true;
    });
    expect(started).toEqual(['admin', 'billing', 'storage', 'query']);
    expect(peak).toBe(2);
  });

  it('skips dependents of a failure, naming the root cause, and finishes the rest', async () => {
    const ran: string[] = [];
    const out = await runDag(['admin', 'billing', 'storage', 'query'], deps, 4, async (n) => {
      ran.push(n);
      return n !== 'admin';
    });
    expect(ran.sort()).toEqual(['admin', 'billing']);
    expect(Object.fromEntries(out)).toEqual({
      admin: { status: 'failed' },
      billing: { status: 'done' },
      storage: { status: 'skipped', because: 'admin' },
      query: { status: 'skipped', because: 'admin' },
    });
  });

  it('ignores dependencies outside the scheduled subset', async () => {
    const out = await runDag(['query'], deps, 1, async () => true);
    expect(out.get('query')).toEqual({ status: 'done' });
  });

  it('with failFast, starts nothing after the first failure; what runs finishes', async () => {
    const ran: string[] = [];
    const out = await runDag(['a', 'b', 'c', 'd'], new Map(), 2, async (n) => {
      ran.push(n);
      await new Promise((r) => setTimeout(r, n === 'b' ? 30 : 5));
      return n !== 'a';
    }, { failFast: true });
    expect(ran).toEqual(['a', 'b']);
    expect(Object.fromEntries(out)).toEqual({
      a: { status: 'failed' },
      b: { status: 'done' },
      c: { status: 'skipped', because: 'a', failFast: true },
      d: { status: 'skipped', because: 'a', failFast: true },
    });
  });
});
