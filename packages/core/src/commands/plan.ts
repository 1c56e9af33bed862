import type { ExitCode } from '../errors.js';
import { loadValidWorkspace, selectModules } from './session.js';
import { upIn, type UpOptions } from './up.js';

export interface PlanResult {
  command: 'plan';
  exitCode: ExitCode;
  /** Modules in the order `up` would start them; each wave only depends on earlier waves. */
  waves: string[][];
  modules: { module: string; database: string; dependsOn: string[]; run: string[]; upToDate: boolean }[];
}

/** What `up` would run, in order, and why not if it cannot (SPEC §5 `plan`). Changes nothing. */
export async function plan(o: Omit<UpOptions, 'dryRun'> = {}): Promise<PlanResult> {
  const ws = loadValidWorkspace(o);
  const selected = new Set(selectModules(ws, o.modules).map((m) => m.name));
  const dry = await upIn(ws, { ...o, dryRun: true });
  return {
    command: 'plan',
    exitCode: 0,
    waves: ws.graph.waves.map((w) => w.filter((n) => selected.has(n))).filter((w) => w.length),
    modules: dry.modules.map((m) => ({
      module: m.module,
      database: m.database,
      dependsOn: ws.byName.get(m.module)!.manifest.dependsOn,
      run: m.migrations.map((x) => x.id),
      upToDate: m.status === 'up-to-date',
    })),
  };
}

/** The plan as a Mermaid flowchart: modules with what they would run, edges from dependencies. */
export function planToMermaid(p: PlanResult): string {
  const id = (n: string) => n.replace(/-/g, '_');
  const lines = ['flowchart LR'];
  for (const m of p.modules) {
    const label = m.upToDate ? `${m.module}<br/>up to date` : `${m.module}<br/>${m.run.length} to apply`;
    lines.push(`  ${id(m.module)}["${label}"]`);
  }
  for (const m of p.modules) for (const d of m.dependsOn) if (p.modules.some((x) => x.module === d)) lines.push(`  ${id(d)} --> ${id(m.module)}`);
  return lines.join('\n');
}

/** The plan as Graphviz dot. */
export function planToDot(p: PlanResult): string {
  const lines = ['digraph bulkhead {', '  rankdir=LR;'];
  for (const m of p.modules) {
    lines.push(`  "${m.module}" [label="${m.module}\\n${m.upToDate ? 'up to date' : `${m.run.length} to apply`}"];`);
  }
  for (const m of p.modules) for (const d of m.dependsOn) if (p.modules.some((x) => x.module === d)) lines.push(`  "${d}" -> "${m.module}";`);
  lines.push('}');
  return lines.join('\n');
}
