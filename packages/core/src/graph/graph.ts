import { problem, type Problem } from '../errors.js';
import { didYouMean } from '../text.js';

/** A node of the module graph: a module and the modules it depends on. */
export interface GraphNode {
  name: string;
  dependsOn: readonly string[];
  /** Manifest file, for messages. */
  file?: string;
}

export interface ModuleGraph {
  /** Every module in a dependency order (dependencies first, ties by name). */
  order: string[];
  /** Topological waves: each wave only depends on earlier waves. */
  waves: string[][];
  /** Direct dependencies of each module (known modules only). */
  deps: ReadonlyMap<string, readonly string[]>;
  /** Direct dependents of each module. */
  dependents: ReadonlyMap<string, readonly string[]>;
  problems: Problem[];
  /** Each dependency cycle (closed path) with the problem that reports it. */
  cycles: { path: string[]; problem: Problem }[];
}

/** Build the module DAG; unknown modules, self-dependencies and cycles are problems (pure). */
export function buildGraph(nodes: readonly GraphNode[]): ModuleGraph {
  const problems: Problem[] = [];
  const known = new Map(nodes.map((n) => [n.name, n]));
  const deps = new Map<string, string[]>();
  const dependents = new Map<string, string[]>(nodes.map((n) => [n.name, []]));
  for (const n of nodes) {
    const list: string[] = [];
    for (const d of new Set(n.dependsOn)) {
      if (d === n.name) {
        problems.push(
          problem('BH006', `module ${n.name} lists itself in dependsOn`, {
            module: n.name,
            file: n.file,
            field: 'dependsOn',
            fix: `remove "${d}" from dependsOn`,
          }),
        );
      } else if (!known.has(d)) {
        problems.push(
          problem('BH005', `dependsOn names unknown module "${d}"`, {
            module: n.name,
            file: n.file,
            field: 'dependsOn',
            fix: `${didYouMean(d, [...known.keys()])}known modules: ${[...known.keys()].sort().join(', ') || '(none)'}; fix the name or add modules/${d}/bulkhead.json`,
          }),
        );
      } else {
        list.push(d);
        dependents.get(d)!.push(n.name);
      }
    }
    deps.set(n.name, list.sort());
  }
  for (const list of dependents.values()) list.sort();

  const cycles: ModuleGraph['cycles'] = [];
  for (const cycle of findCycles(deps)) {
    const first = known.get(cycle[0]!);
    const p = problem('BH007', `dependency cycle: ${cycle.join(' → ')}`, {
      module: cycle[0],
      file: first?.file,
      field: 'dependsOn',
      fix: 'a module cannot depend on a module that depends on it; remove one dependsOn entry of the cycle',
    });
    problems.push(p);
    cycles.push({ path: cycle, problem: p });
  }

  // Kahn's algorithm by waves; modules on a cycle never become ready and are left out.
  const remaining = new Map([...deps].map(([n, d]) => [n, d.length]));
  const waves: string[][] = [];
  let ready = [...remaining].filter(([, c]) => c === 0).map(([n]) => n).sort();
  while (ready.length) {
    waves.push(ready);
    const next: string[] = [];
    for (const n of ready) {
      remaining.delete(n);
      for (const d of dependents.get(n) ?? []) {
        const c = remaining.get(d)! - 1;
        remaining.set(d, c);
        if (c === 0) next.push(d);
      }
    }
    ready = next.sort();
  }
  return { order: waves.flat(), waves, deps, dependents, problems, cycles };
}

/** Every elementary cycle found by DFS, each once, as a closed path `a → b → a`. */
function findCycles(deps: ReadonlyMap<string, readonly string[]>): string[][] {
  const cycles: string[][] = [];
  const seen = new Set<string>();
  const state = new Map<string, 'active' | 'done'>();
  const stack: string[] = [];
  const visit = (n: string) => {
    state.set(n, 'active');
    stack.push(n);
    for (const d of deps.get(n) ?? []) {
      if (state.get(d) === 'active') {
        const cycle = stack.slice(stack.indexOf(d));
        const key = [...cycle].sort().join(',');
        if (!seen.has(key)) {
          seen.add(key);
          cycles.push([...cycle, d]);
        }
      } else if (!state.has(d)) visit(d);
    }
    stack.pop();
    state.set(n, 'done');
  };
  for (const n of [...deps.keys()].sort()) if (!state.has(n)) visit(n);
  return cycles;
}

/** The given modules plus everything they depend on, transitively. */
export function withDependencies(graph: ModuleGraph, names: Iterable<string>): Set<string> {
  const out = new Set<string>();
  const add = (n: string) => {
    if (out.has(n)) return;
    out.add(n);
    for (const d of graph.deps.get(n) ?? []) add(d);
  };
  for (const n of names) add(n);
  return out;
}

/** Everything that depends on the given module, transitively. */
export function transitiveDependents(graph: ModuleGraph, name: string): Set<string> {
  const out = new Set<string>();
  const add = (n: string) => {
    for (const d of graph.dependents.get(n) ?? []) {
      if (!out.has(d)) {
        out.add(d);
        add(d);
      }
    }
  };
  add(name);
  return out;
}
