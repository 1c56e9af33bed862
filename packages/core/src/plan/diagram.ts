import type { PlannedUnit, PlanResult } from '../commands/plan.js';

// The plan as a diagram (`bulkhead plan --format mermaid|dot`): text only, so a renderer can
// import it without loading the planner.

/** Modules of a plan with their units' work: one node per module, tenants counted. */
function moduleNodes(p: PlanResult): { module: string; label: string; dependsOn: string[] }[] {
  const byModule = new Map<string, PlannedUnit[]>();
  for (const u of p.modules) (byModule.get(u.module) ?? byModule.set(u.module, []).get(u.module)!).push(u);
  return [...byModule].map(([module, units]) => {
    const pending = units.filter((u) => !u.upToDate);
    const label =
      units[0]!.tenant === undefined
        ? pending.length ? `${pending[0]!.run.length} to apply` : 'up to date'
        : `${units.length} tenants, ${pending.length} to migrate`;
    return { module, label, dependsOn: units[0]!.dependsOn };
  });
}

/** The plan as a Mermaid flowchart: modules with what they would run, edges from dependencies. */
export function planToMermaid(p: PlanResult): string {
  const id = (n: string) => n.replace(/-/g, '_');
  const nodes = moduleNodes(p);
  const lines = ['flowchart LR'];
  for (const m of nodes) lines.push(`  ${id(m.module)}["${m.module}<br/>${m.label}"]`);
  for (const m of nodes) for (const d of m.dependsOn) if (nodes.some((x) => x.module === d)) lines.push(`  ${id(d)} --> ${id(m.module)}`);
  return lines.join('\n');
}

/** The plan as Graphviz dot. */
export function planToDot(p: PlanResult): string {
  const nodes = moduleNodes(p);
  const lines = ['digraph bulkhead {', '  rankdir=LR;'];
  for (const m of nodes) lines.push(`  "${m.module}" [label="${m.module}\\n${m.label}"];`);
  for (const m of nodes) for (const d of m.dependsOn) if (nodes.some((x) => x.module === d)) lines.push(`  "${d}" -> "${m.module}";`);
  lines.push('}');
  return lines.join('\n');
}
