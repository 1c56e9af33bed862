import fs from 'node:fs';
import type { MigrationFile } from '../migrations/files.js';

/**
 * Migration-level view of a module cycle: each migration comes after the one before it in its
 * module and after every migration it `requires`. A cycle in that graph is a true cycle — no
 * interleaving of the modules could apply them — and is printed `a:003 → b:002 → a:002 → … → a:003` (each needs the next).
 */

/** `requires` of a migration read without running it: SQL directives, or a TS/JS literal array export. */
export function staticRequires(m: MigrationFile): string[] {
  if (m.sql) return m.sql.directives.requires;
  let text: string;
  try {
    text = fs.readFileSync(m.upPath, 'utf8');
  } catch {
    return [];
  }
  const list = /export\s+const\s+requires\s*(?::[^=]+)?=\s*\[([^\]]*)\]/.exec(text)?.[1];
  return list ? [...list.matchAll(/['"`]([^'"`]+)['"`]/g)].map((x) => x[1]!) : [];
}

/** A true cycle among these modules' migrations, as `module:id` steps (closed), or undefined. */
export function migrationCycle(modules: readonly { name: string; migrations: readonly MigrationFile[] }[]): string[] | undefined {
  const edges = new Map<string, string[]>();
  const inScope = new Set(modules.map((m) => m.name));
  for (const m of modules) {
    m.migrations.forEach((file, i) => {
      const key = `${m.name}:${file.id}`;
      const after: string[] = [];
      if (i > 0) after.push(`${m.name}:${m.migrations[i - 1]!.id}`);
      for (const r of staticRequires(file)) if (inScope.has(r.slice(0, r.indexOf(':')))) after.push(r);
      edges.set(key, after);
    });
  }
  const state = new Map<string, 'active' | 'done'>();
  const stack: string[] = [];
  let found: string[] | undefined;
  const visit = (n: string): void => {
    state.set(n, 'active');
    stack.push(n);
    for (const d of edges.get(n) ?? []) {
      if (found) return;
      if (state.get(d) === 'active') found = [...stack.slice(stack.indexOf(d)), d];
      else if (!state.has(d) && edges.has(d)) visit(d);
    }
    stack.pop();
    state.set(n, 'done');
  };
  for (const n of edges.keys()) {
    if (found) break;
    if (!state.has(n)) visit(n);
  }
  // Each step needs the next one applied first.
  return found;
}
