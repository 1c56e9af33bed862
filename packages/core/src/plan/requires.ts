import { problem, type Problem } from '../errors.js';
import { meantOf } from './plan.js';
import { migrationsOf, type Module, type Workspace } from '../workspace.js';

/** A parsed `module:migration_id` requirement. */
export function parseRequirement(text: string): { module: string; id: string } | undefined {
  const m = /^([a-z][a-z0-9-]*):(\d[^\s:]*)$/.exec(text);
  return m ? { module: m[1]!, id: m[2]! } : undefined;
}

/**
 * Static checks of one migration's `requires` (SPEC §3): well-formed, the module is in
 * `dependsOn` (or is its own, naming an earlier migration), the migration exists there (in a
 * per-module call, the other module's folder read for its ids: migrationsOf). No database.
 */
export function checkRequiresStatic(ws: Workspace, module: Module, migrationId: string, file: string, requires: readonly string[]): Problem[] {
  const problems: Problem[] = [];
  for (const text of requires) {
    const req = parseRequirement(text);
    if (!req) {
      problems.push(problem('BH029', `requires "${text}" is not of the form module:migration_id`, { module: module.name, file, fix: 'write e.g. admin:20251116214100_initial_schema' }));
      continue;
    }
    const own = req.module === module.name;
    if (!own && !module.manifest.dependsOn.includes(req.module)) {
      problems.push(
        problem('BH029', `${migrationId} requires ${text}, but ${req.module} is not in dependsOn`, {
          module: module.name,
          file,
          fix: `add "${req.module}" to dependsOn in ${module.file}`,
        }),
      );
      continue;
    }
    const other = own ? module : ws.byName.get(req.module);
    if (!other) continue;
    const order = migrationsOf(ws, other).map((m) => m.id);
    const at = order.indexOf(req.id);
    if (at < 0) {
      problems.push(
        problem('BH029', `${migrationId} requires ${text}, but ${req.module} has no migration ${req.id}`, {
          module: module.name,
          file,
          fix: `${meantOf(req.id, order)}check the id against ${ws.rel(other.migrationsDir)}`,
        }),
      );
    } else if (own && at >= order.indexOf(migrationId)) {
      // Its own module's migrations run in version order: an earlier one is required by that
      // order already; a later one (or itself) never can be.
      problems.push(
        problem('BH029', `${migrationId} requires ${text} of its own module, which runs ${req.id === migrationId ? 'as this very migration' : 'after it'}: a module's migrations run in version order`, {
          module: module.name,
          file,
          fix: `remove the requirement${req.id === migrationId ? '' : `, or give ${req.id} a version before ${migrationId}'s`}`,
        }),
      );
    }
  }
  return problems;
}
