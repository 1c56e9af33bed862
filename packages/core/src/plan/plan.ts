import { problem, type Problem } from '../errors.js';
import type { HistoryRow } from '../history/types.js';
import type { MigrationFile } from '../migrations/files.js';
import type { Module } from '../workspace.js';

/** What a module's database has and what its folder would add — pure data, no connection. */
export interface ModuleState {
  module: string;
  /** Applied migrations in id order, with their file if it still exists. */
  applied: { row: HistoryRow; file: MigrationFile | undefined }[];
  /** Migrations not applied yet, in order. */
  pending: MigrationFile[];
  /** Integrity problems: edited or vanished applied migrations, pending older than the last applied. */
  problems: Problem[];
}

/**
 * Compare a module's files with its history. `rows` is undefined when the history table
 * does not exist yet (nothing applied).
 */
export function moduleState(module: Module, rows: readonly HistoryRow[] | undefined, rel: (abs: string) => string): ModuleState {
  const files = new Map(module.migrations.map((m) => [m.id, m]));
  const appliedRows = [...(rows ?? [])].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const appliedIds = new Set(appliedRows.map((r) => r.id));
  const problems: Problem[] = [];
  const applied = appliedRows.map((row) => {
    const file = files.get(row.id);
    if (!file) {
      problems.push(
        problem('BH023', `migration ${row.id} was applied (${row.applied_at.toISOString()}) but its file is gone from ${rel(module.migrationsDir)}`, {
          module: module.name,
          file: rel(module.migrationsDir),
          fix: `restore ${row.id} from version control; applied migrations must stay in the folder`,
        }),
      );
    } else if (file.checksum !== row.checksum) {
      problems.push(
        problem('BH022', `${rel(file.upPath)} changed after it was applied (checksum ${row.checksum.slice(0, 12)}… is now ${file.checksum.slice(0, 12)}…)`, {
          module: module.name,
          file: rel(file.upPath),
          fix: `restore the file as it was applied (git checkout it) and put the change in a new migration: bulkhead make ${module.name} <name>`,
        }),
      );
    }
    return { row, file };
  });
  const pending = module.migrations.filter((m) => !appliedIds.has(m.id));
  const last = appliedRows.at(-1)?.id;
  if (last !== undefined) {
    for (const m of pending) {
      if (m.id < last) {
        problems.push(
          problem('BH024', `pending migration ${m.id} sorts before ${last}, which is already applied`, {
            module: module.name,
            file: rel(m.upPath),
            fix: `rename it with a version after ${last} (e.g. bulkhead make ${module.name} ${m.name || 'change'} and move its contents)`,
          }),
        );
      }
    }
  }
  return { module: module.name, applied, pending, problems };
}

/** The migrations `up` would run: pending ones, up to and including `to` when given. */
export function planUp(module: Module, state: ModuleState, to: string | undefined, rel: (abs: string) => string): { run: MigrationFile[]; problems: Problem[] } {
  if (to === undefined) return { run: state.pending, problems: [] };
  const target = module.migrations.find((m) => m.id === to || m.version === to);
  if (!target) {
    return {
      run: [],
      problems: [
        problem('BH026', `--to ${to}: no migration with that id or version in ${rel(module.migrationsDir)}`, {
          module: module.name,
          fix: `bulkhead status ${module.name} lists the migrations`,
        }),
      ],
    };
  }
  return { run: state.pending.filter((m) => m.id <= target.id), problems: [] };
}

export interface DownSelection {
  /** Revert the last N applied migrations. */
  steps?: number;
  /** Revert every applied migration after this one (it stays applied). */
  to?: string;
  /** Revert everything. */
  all?: boolean;
}

/** The applied migrations `down` would revert, newest first. */
export function planDown(module: Module, state: ModuleState, sel: DownSelection, rel: (abs: string) => string): { run: MigrationFile[]; problems: Problem[] } {
  const problems: Problem[] = [];
  let chosen = state.applied;
  if (sel.all) {
    // everything
  } else if (sel.to !== undefined) {
    const target = state.applied.find((a) => a.row.id === sel.to || a.file?.version === sel.to);
    if (!target) {
      return {
        run: [],
        problems: [
          problem('BH026', `--to ${sel.to}: no applied migration with that id or version`, {
            module: module.name,
            fix: `bulkhead status ${module.name} lists what is applied`,
          }),
        ],
      };
    }
    chosen = state.applied.filter((a) => a.row.id > target.row.id);
  } else {
    const steps = sel.steps ?? 1;
    chosen = steps > 0 ? state.applied.slice(-steps) : [];
  }
  const run: MigrationFile[] = [];
  for (const a of [...chosen].reverse()) {
    if (!a.file) {
      problems.push(
        problem('BH023', `cannot revert ${a.row.id}: its file is gone`, {
          module: module.name,
          file: rel(module.migrationsDir),
          fix: `restore ${a.row.id} from version control`,
        }),
      );
    } else if (a.file.format === 'sql' && !a.file.downPath) {
      problems.push(
        problem('BH028', `cannot revert ${a.row.id}: it has no ${a.row.id}.down.sql`, {
          module: module.name,
          file: rel(a.file.upPath),
          fix: `add ${a.row.id}.down.sql (an empty file if there is nothing to undo), or revert with a new forward migration`,
        }),
      );
    } else run.push(a.file);
  }
  return { run, problems };
}
