import { problem, type Problem } from '../errors.js';
import { databaseIdentity } from '../db/url.js';
import type { ModuleManifest } from '../manifest/load.js';

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
