import { BulkheadError, problem } from '../errors.js';
import type { Module } from '../workspace.js';
import { openPglite } from './pglite.js';
import { openPostgres } from './postgres.js';
import type { LockHolder, ModuleDb } from './types.js';

export interface OpenOptions {
  /** Command name, part of `application_name`. */
  command: string;
  lockTimeoutMs: number;
  onWait?: (holder: LockHolder | undefined) => void;
  /** Refuse embedded databases (`--production`, BULKHEAD_ENV=production). */
  production?: boolean;
  /** Retry a server that is not reachable yet for this long (`--wait`). */
  waitMs?: number;
  onConnectWait?: (reason: string) => void;
}

/** Open a module's database, on a server or embedded. */
export async function openModuleDb(module: Module, o: OpenOptions): Promise<ModuleDb> {
  const t = module.target;
  if (t.kind === 'pglite') {
    if (o.production) throw productionRefusal(module);
    return openPglite(t, { module: module.name, schema: module.schema, extensions: module.manifest.extensions, ...o });
  }
  return openPostgres(t, {
    module: module.name,
    file: module.file,
    schema: module.schema,
    history: module.history,
    command: o.command,
    waitMs: o.waitMs,
    onConnectWait: o.onConnectWait,
  });
}

export function productionRefusal(module: Module): BulkheadError {
  return new BulkheadError(
    problem('BH014', `embedded database ${module.target.display} refused in production`, {
      module: module.name,
      file: module.file,
      field: 'database.url',
      fix: `set the module's URL variable to a postgres:// URL of the production server`,
    }),
  );
}
