import { problem, type Problem } from '../errors.js';
import type { HistoryRow } from '../history/types.js';
import type { MigrationFile } from '../migrations/files.js';
import type { Unit } from './units.js';

/** What a module's folder says about squashes, once per folder scan (a module's tenants share it). */
const byScan = new WeakMap<readonly MigrationFile[], { squashed: MigrationFile[]; replacedIds: ReadonlySet<string>; files: ReadonlySet<string> }>();

function squashesOf(migrations: readonly MigrationFile[]) {
  let found = byScan.get(migrations);
  if (!found) {
    const squashed = migrations.filter((m) => m.sql?.directives.replaces.length);
    found = { squashed, replacedIds: new Set(squashed.flatMap((m) => m.sql!.directives.replaces)), files: new Set(migrations.map((m) => m.id)) };
    byScan.set(migrations, found);
  }
  return found;
}

/** The reason a squash row is written with: it names the migrations the row stands for. */
export function squashReason(replaces: readonly string[]): string {
  return `squash: stands for ${replaces.join(', ')}, applied before the squash`;
}

/** The migrations a history row of kind `squash` stands for: as folded in this run, or as its reason recorded them. */
export function replacedBy(row: HistoryRow): readonly string[] {
  if (row.kind !== 'squash') return [];
  if (row.replaced) return row.replaced;
  const listed = /^squash: stands for (.+), applied before the squash$/.exec(row.reason ?? '')?.[1];
  return listed ? listed.split(', ') : [];
}

/**
 * A unit's history as its folder reads after a squash (pure). A squashed migration
 * (`-- bulkhead:replaces …`) stands for the migrations it replaced: where the history lists
 * every one of them and not the squashed one, one row for it takes their place (kind `squash`,
 * applied when the last of them was, `replaced` naming them) — the next run under the unit's lock
 * writes it so. Where the history lists only some of them, or a replaced file is still in the
 * folder, the unit's state is ambiguous (BH055). `replacedIds`: every id a squashed file stands
 * for (a row of one without its file is explained, not a vanished migration).
 */
export function foldSquashed(unit: Unit, rows: readonly HistoryRow[], rel: (abs: string) => string): { rows: readonly HistoryRow[]; problems: Problem[]; replacedIds: ReadonlySet<string> } {
  const module = unit.module;
  const { squashed, replacedIds, files } = squashesOf(module.migrations);
  if (!squashed.length) return { rows, problems: [], replacedIds };
  const problems: Problem[] = [];
  const byId = new Map(rows.map((r) => [r.id, r]));
  let out = rows;
  for (const m of squashed) {
    const replaces = m.sql!.directives.replaces;
    const still = replaces.filter((id) => files.has(id));
    if (still.length) {
      problems.push(
        problem('BH055', `${m.id} replaces ${still.join(', ')}, still in ${rel(module.migrationsDir)}: both would run`, {
          module: unit.id,
          file: rel(m.upPath),
          fix: `move ${still.length === 1 ? 'it' : 'them'} into ${rel(module.migrationsDir)}/.archive/${m.id}/ (bulkhead squash does), or delete ${rel(m.upPath)}`,
        }),
      );
      continue;
    }
    if (byId.has(m.id)) continue;
    const applied = replaces.filter((id) => byId.has(id));
    if (!applied.length) continue;
    if (applied.length < replaces.length) {
      const missing = replaces.filter((id) => !byId.has(id));
      problems.push(
        problem('BH055', `${m.id} replaces ${replaces.length} migrations, but ${unit.id} has applied only ${applied.length} of them (not: ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', …' : ''})`, {
          module: unit.id,
          file: rel(m.upPath),
          fix: `bring ${unit.id} up to date with the version from before the squash (git checkout it, bulkhead up ${module.name}), then run this version`,
        }),
      );
      continue;
    }
    const replaced = replaces.map((id) => byId.get(id)!);
    const last = replaced.reduce((a, b) => (a.applied_at >= b.applied_at ? a : b));
    const row: HistoryRow = {
      id: m.id,
      name: m.name,
      checksum: m.checksum,
      applied_at: last.applied_at,
      duration_ms: replaced.reduce((sum, r) => sum + r.duration_ms, 0),
      applied_by: last.applied_by,
      run_id: last.run_id,
      bulkhead_version: last.bulkhead_version,
      kind: 'squash',
      reason: squashReason(replaces),
      replaced: replaces,
    };
    const gone = new Set(replaces);
    out = [...out.filter((r) => !gone.has(r.id)), row];
  }
  return { rows: out, problems, replacedIds };
}
