/** Outcome of one node of a scheduled DAG run. */
export type NodeOutcome = { status: 'done' } | { status: 'failed' } | { status: 'skipped'; because: string; failFast?: boolean };

/**
 * Run `task` for every node (given in dependency order) once all its dependencies are done, at most `concurrency` at a time.
 * A failed node's dependents (transitively) are skipped, naming the failed dependency;
 * independent nodes still run. `deps` maps each node to the nodes it waits for (other
 * nodes are ignored, so a subset of a graph can be scheduled). With `failFast`, no node starts
 * after the first failure; the ones not started are skipped, naming it.
 */
export async function runDag(
  nodes: readonly string[],
  deps: ReadonlyMap<string, readonly string[]>,
  concurrency: number,
  task: (node: string) => Promise<boolean>,
  o: { failFast?: boolean } = {},
): Promise<Map<string, NodeOutcome>> {
  let firstFailure: string | undefined;
  const inRun = new Set(nodes);
  const waitsFor = new Map(nodes.map((n) => [n, (deps.get(n) ?? []).filter((d) => inRun.has(d))]));
  const outcome = new Map<string, NodeOutcome>();
  const running = new Set<string>();
  const limit = Math.max(1, concurrency);

  return new Promise((resolve, reject) => {
    const pump = () => {
      for (const n of nodes) {
        if (outcome.has(n) || running.has(n)) continue;
        if (o.failFast && firstFailure !== undefined) {
          outcome.set(n, { status: 'skipped', because: firstFailure, failFast: true });
          continue;
        }
        const blockers = waitsFor.get(n)!;
        const bad = blockers.find((d) => {
          const o = outcome.get(d);
          return o && o.status !== 'done';
        });
        if (bad) {
          const o = outcome.get(bad)!;
          outcome.set(n, { status: 'skipped', because: o.status === 'skipped' ? o.because : bad });
          continue;
        }
        if (running.size >= limit || !blockers.every((d) => outcome.get(d)?.status === 'done')) continue;
        running.add(n);
        task(n).then(
          (ok) => {
            running.delete(n);
            outcome.set(n, ok ? { status: 'done' } : { status: 'failed' });
            if (!ok) firstFailure ??= n;
            pump();
          },
          (e) => reject(e),
        );
      }
      if (outcome.size === nodes.length) resolve(outcome);
      else if (running.size === 0) {
        // Nothing runs and nothing can start: a cycle (validation rejects those first).
        reject(new Error(`cannot schedule ${nodes.filter((n) => !outcome.has(n)).join(', ')}: dependency cycle`));
      }
    };
    pump();
  });
}
