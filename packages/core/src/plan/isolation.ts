import { problem, type Problem } from '../errors.js';
import { databaseIdentity } from '../db/url.js';
import type { ModuleManifest } from '../manifest/load.js';

/**
 * Static isolation checks (SPEC §7), no database needed:
 * no two modules on one (server, database, schema); no shared history table on one database.
 */
export function checkIsolation(modules: readonly ModuleManifest[]): Problem[] {
  const problems: Problem[] = [];
  const bySchema = new Map<string, ModuleManifest>();
  const byHistory = new Map<string, ModuleManifest>();
  for (const m of modules) {
    const db = databaseIdentity(m.target);
    const schemaKey = `${db}#${m.schema}`;
    const other = bySchema.get(schemaKey);
    if (other) {
      problems.push(
        problem('BH008', `modules ${other.name} and ${m.name} both use database ${m.target.display}, schema ${m.schema}`, {
          module: m.name,
          file: m.file,
          field: 'database.url',
          fix: `give each module its own database (e.g. a distinct database name in ${m.name}'s URL), or a distinct database.schema`,
        }),
      );
    } else bySchema.set(schemaKey, m);
    const historyKey = `${db}#${m.history.schema}.${m.history.table}`;
    const owner = byHistory.get(historyKey);
    if (owner) {
      problems.push(
        problem('BH009', `modules ${owner.name} and ${m.name} share history table ${m.history.schema}.${m.history.table} on ${m.target.display}`, {
          module: m.name,
          file: m.file,
          field: 'historyTable',
          fix: `remove "historyTable" from ${m.name}'s manifest (the default is ${m.name.replace(/-/g, '_')}_migrations) or pick a distinct name`,
        }),
      );
    } else byHistory.set(historyKey, m);
  }
  return problems;
}
