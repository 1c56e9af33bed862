import { BulkheadError, problem } from '../errors.js';
import type { Unit } from '../plan/units.js';
import { openPglite } from './pglite.js';
import { openPostgres } from './postgres.js';
import { provisionSql } from './provision.js';
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

/** Open a unit's database, on a server or embedded. Prefer `withTarget` (db/targets.ts), which closes it. */
export async function openUnitDb(unit: Unit, o: OpenOptions): Promise<ModuleDb> {
  const t = unit.target;
  if (t.kind === 'pglite') {
    if (o.production) throw productionRefusal(unit.id, unit.module.file, t.display);
    return openPglite(t, { module: unit.id, file: unit.module.file, schema: unit.schema, extensions: unit.module.manifest.extensions, provision: () => provisionSql(unit.module), ...o });
  }
  return openPostgres(t, {
    module: unit.id,
    file: unit.module.file,
    schema: unit.schema,
    history: unit.history,
    command: o.command,
    waitMs: o.waitMs,
    onConnectWait: o.onConnectWait,
  });
}

/** An embedded database refused in production (`--production`, BULKHEAD_ENV=production). */
export function productionRefusal(unit: string, manifest: string, display: string): BulkheadError {
  return new BulkheadError(
    problem('BH014', `embedded database ${display} refused in production`, {
      module: unit,
      file: manifest,
      field: 'database.url',
      fix: `set the module's URL variable to a postgres:// URL of the production server`,
    }),
  );
}
