import { describe, expect, it } from 'vitest';
import { buildGraph, transitiveDependents, withDependencies } from './graph.js';

describe('buildGraph', () => {
  it('orders modules in waves, dependencies first, ties by name', () => {
    const g = buildGraph([
      { name: 'query', dependsOn: ['admin', 'storage'] },
      { name: 'storage', dependsOn: ['admin'] },
      { name: 'admin', dependsOn: [] },
      { name: 'billing', dependsOn: [] },
    ]);
    expect(g.problems).toEqual([]);
    expect(g.waves).toEqual([['admin', 'billing'], ['storage'], ['query']]);
    expect(g.order).toEqual(['admin', 'billing', 'storage', 'query']);
    expect(g.dependents.get('admin')).toEqual(['query', 'storage']);
  });

  it('reports a cycle as a path, once', () => {
    const g = buildGraph([
      { name: 'admin', dependsOn: ['query'], file: 'modules/admin/bulkhead.json' },
      { name: 'query', dependsOn: ['admin'] },
    ]);
    expect(g.problems).toHaveLength(1);
    expect(g.problems[0]).toMatchObject({ code: 'BH007', message: 'dependency cycle: admin → query → admin', file: 'modules/admin/bulkhead.json', field: 'dependsOn' });
    expect(g.order).toEqual([]);
  });

  it('reports unknown modules with the known ones, and self-dependencies', () => {
    const g = buildGraph([{ name: 'a', dependsOn: ['a', 'b'] }]);
    expect(g.problems.map((p) => p.code)).toEqual(['BH006', 'BH005']);
    expect(g.problems[1]!.fix).toContain('known modules: a');
    expect(g.order).toEqual(['a']);
    // A slip of a known name: the one meant.
    expect(buildGraph([{ name: 'billing', dependsOn: [] }, { name: 'query', dependsOn: ['biling'] }]).problems[0]!.fix).toMatch(/^did you mean billing\? known modules: billing, query;/);
  });

  it('finds longer cycles and leaves independent modules schedulable', () => {
    const g = buildGraph([
      { name: 'x', dependsOn: ['y'] },
      { name: 'y', dependsOn: ['z'] },
      { name: 'z', dependsOn: ['x'] },
      { name: 'free', dependsOn: [] },
    ]);
    expect(g.problems.map((p) => p.message)).toEqual(['dependency cycle: x → y → z → x']);
    expect(g.order).toEqual(['free']);
  });

  it('closes over dependencies and dependents', () => {
    const g = buildGraph([
      { name: 'a', dependsOn: [] },
      { name: 'b', dependsOn: ['a'] },
      { name: 'c', dependsOn: ['b'] },
      { name: 'd', dependsOn: [] },
    ]);
    expect([...withDependencies(g, ['c'])].sort()).toEqual(['a', 'b', 'c']);
    expect([...transitiveDependents(g, 'a')].sort()).toEqual(['b', 'c']);
  });
});
