import { withTargets, withUnitLock } from '../db/targets.js';
import { BulkheadError, problem, type ExitCode, type Problem } from '../errors.js';
import { historyStore, HISTORY_LAYOUT } from '../history/store.js';
import { listUnits, readUnits } from '../runner/read.js';
import { DEFAULT_LOCK_TIMEOUT_MS, findMigration, isProduction, loadValidWorkspace, oneModule, runIdFrom, type CommonOptions } from './options.js';

export interface RepairOptions extends CommonOptions {
  module?: string;
  /** The applied migration (id or version) whose file was edited. */
  accept?: string;
  /** Why the edit is accepted: kept in the history row. */
  reason?: string;
  lockTimeoutMs?: number;
}

export interface RepairedUnit {
  unit: string;
  module: string;
  tenant?: string;
  database: string;
  id: string;
  status: 'accepted' | 'unchanged';
  /** The checksum the history had, and the file's now. */
  from: string;
  to: string;
}

export interface RepairResult {
  command: 'repair';
  exitCode: ExitCode;
  runId: string;
  units: RepairedUnit[];
}

/**
 * `repair <module> --accept <id> --reason <text>` (SPEC §5): an applied migration's file was
 * edited on purpose (a comment, a fix to its down, an equivalent rewrite); accept the file's
 * checksum as the one applied. Nothing runs: the history row keeps when and by whom the migration
 * was applied, becomes kind `repair`, and its reason records why, by whom, when and which
 * checksums, under the unit's lock. Every unit (tenant) is checked before any row changes.
 */
export async function repair(o: RepairOptions): Promise<RepairResult> {
  const ws = loadValidWorkspace({ ...o, modules: o.module ? [o.module] : undefined });
  const module = oneModule(ws, 'repair', o.module, { '--accept': o.accept, '--reason': o.reason });
  const file = findMigration(ws, module, o.accept!, '--accept');
  const runId = runIdFrom(o.env);
  const lockTimeoutMs = o.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS;
  return withTargets({ command: 'repair', lockTimeoutMs, production: isProduction(o), reporter: o.reporter }, async (pool) => {
    const units = await listUnits(ws, pool, [module], { readOnly: true, tenants: o.tenants });
    const { reads, problems } = await readUnits(ws, pool, units, { readOnly: true });
    const notApplied: Problem[] = [];
    for (const { unit, state } of reads) {
      if (!state.applied.some((a) => a.row.id === file.id)) {
        notApplied.push(
          problem('BH052', `${file.id} is not applied on ${unit.id}: there is no checksum to accept`, {
            module: unit.id,
            file: ws.rel(file.upPath),
            fix: 'a pending migration needs no repair: bulkhead up applies it as it is now',
          }),
        );
      }
    }
    if (problems.length || notApplied.length) throw new BulkheadError([...problems, ...notApplied]);
    const out: RepairedUnit[] = [];
    for (const { unit, state } of reads) {
      const from = state.applied.find((a) => a.row.id === file.id)!.row.checksum;
      const base = { unit: unit.id, module: module.name, ...(unit.tenant !== undefined ? { tenant: unit.tenant } : {}), database: unit.target.display, id: file.id, from, to: file.checksum };
      if (from === file.checksum) {
        out.push({ ...base, status: 'unchanged' });
        continue;
      }
      await withUnitLock(pool, unit, { lockTimeoutMs, reporter: o.reporter }, async (db) => {
        const store = historyStore(unit.history);
        const found = await store.read(db);
        // A table of an older layout gains the kind and reason columns first.
        if (found && found.layout < HISTORY_LAYOUT) await store.ensure(db, found.layout);
        const note = `repair ${new Date().toISOString()} (run ${runId}): checksum ${from} accepted as ${file.checksum}: ${o.reason!.trim()}`;
        if (!(await store.accept(db.knex, file.id, file.checksum, note))) {
          throw new BulkheadError(problem('BH052', `${file.id} is no longer applied on ${unit.id} (reverted meanwhile)`, { module: unit.id, fix: 'run bulkhead status, then repair again if needed' }));
        }
      });
      out.push({ ...base, status: 'accepted' });
    }
    return { command: 'repair', exitCode: 0, runId, units: out };
  });
}
