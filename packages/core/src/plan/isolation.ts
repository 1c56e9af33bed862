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

/**
 * Isolation by server identity (SPEC §7): two modules whose connections reach the same database
 * — however their URLs are written: a Unix socket and 127.0.0.1, a host alias — must not share a
 * schema or a history table. `identity` is what the server said (see ModuleDb.identity).
 */
export function checkServerIdentities(reached: readonly { module: ModuleManifest; identity: string | undefined }[]): Problem[] {
  const problems: Problem[] = [];
  const bySchema = new Map<string, ModuleManifest>();
  const byHistory = new Map<string, ModuleManifest>();
  for (const { module: m, identity } of reached) {
    if (identity === undefined) continue;
    const other = bySchema.get(`${identity}#${m.schema}`);
    if (other && databaseIdentity(other.target) !== databaseIdentity(m.target)) {
      problems.push(
        problem('BH008', `modules ${other.name} and ${m.name} reach the same database (schema ${m.schema}) through different URLs: ${other.target.display} and ${m.target.display}`, {
          module: m.name,
          file: m.file,
          field: 'database.url',
          fix: `the server says both URLs lead to one database; give ${m.name} a database of its own (bulkhead db create makes one), or a distinct database.schema`,
        }),
      );
    } else bySchema.set(`${identity}#${m.schema}`, m);
    const owner = byHistory.get(`${identity}#${m.history.schema}.${m.history.table}`);
    if (owner && owner !== other && databaseIdentity(owner.target) !== databaseIdentity(m.target)) {
      problems.push(
        problem('BH009', `modules ${owner.name} and ${m.name} share history table ${m.history.schema}.${m.history.table}: their URLs lead to one database`, {
          module: m.name,
          file: m.file,
          field: 'historyTable',
          fix: `give ${m.name} a database of its own, or a distinct historyTable`,
        }),
      );
    } else byHistory.set(`${identity}#${m.history.schema}.${m.history.table}`, m);
  }
  return problems;
}
