import { matchForeignApplied, type ForeignHistory } from '../history/other-tools.js';
import type { OtherHistory } from '../history/store.js';
import { markAlike, problem, type Problem } from '../errors.js';
import { createsRelation, endsOf, plural, sqlName } from '../text.js';
import type { LockHolder } from '../db/types.js';
import type { HistoryRow, HistorySnapshot, ProgressRow } from '../history/types.js';
import type { MigrationFile } from '../migrations/files.js';
import { checksum } from '../migrations/checksum.js';
import { foldSquashed, replacedBy } from './squash.js';
import type { Unit } from './units.js';

/**
 * "did you mean …? " for a --to that names no migration: ids of the same version (090_add_x for
 * 090_use_string_id_entity), else ids that contain what was given; empty when none is close.
 */
export function meantOf(given: string, ids: readonly string[]): string {
  const version = /^\d+/.exec(given)?.[0];
  const lower = given.toLowerCase();
  const close = ids.filter((id) => (version !== undefined && id.startsWith(`${version}_`)) || (lower.length >= 3 && id.toLowerCase().includes(lower)));
  return close.length ? `did you mean ${close.slice(0, 3).join(' or ')}? ` : '';
}

/** Applied migrations whose files changed since, as one problem. */
function editedTogether(ids: readonly string[], unit: Unit, rel: (abs: string) => string): Problem {
  const shown = endsOf(ids);
  return problem('BH022', `${ids.length} applied migrations changed after they were applied (${shown}): their checksums differ from ${unit.id}'s history`, {
    module: unit.id,
    file: rel(unit.module.migrationsDir),
    fix: `restore them as they were applied (git checkout them; a formatter run over the folder?) and put changes in new migrations: bulkhead make ${unit.module.name} <name>; an edit that must stay (a comment, a fixed down file: the checksum covers both files) is accepted one by one: bulkhead repair ${unit.module.name} --accept <id> --reason <why> (--json lists every id)`,
  });
}

/**
 * A down file written after its migration was applied (as verify asks of a migration without
 * one): the history's checksum is the up file's alone, and what ran has not changed.
 */
function downAddedSince(file: MigrationFile, row: HistoryRow): boolean {
  return file.downPath !== undefined && file.sql !== undefined && checksum([file.sql.up]) === row.checksum;
}

/** Migrations to revert that have no down file, as one problem. */
function noDownsTogether(ids: readonly string[], unit: Unit, rel: (abs: string) => string): Problem {
  return problem('BH028', `cannot revert ${ids.length} migrations, which have no down file (${endsOf(ids)})`, {
    module: unit.id,
    file: rel(unit.module.migrationsDir),
    fix: 'add <id>.down.sql to each with what undoes its up (an empty file only where the up changes no schema, e.g. a data fix), or revert with new forward migrations',
  });
}

/** Applied migrations whose files are gone, as one problem; an empty folder is said as such. */
function goneTogether(ids: readonly string[], unit: Unit, rel: (abs: string) => string): Problem {
  const module = unit.module;
  const dir = rel(module.migrationsDir);
  const shown = endsOf(ids);
  const empty = module.migrations.length === 0;
  return problem('BH023', `${ids.length} applied migrations (${shown}) are gone from ${dir}${empty ? ', which holds no migration at all' : ''}`, {
    module: unit.id,
    file: dir,
    fix: empty
      ? `the folder is not what ${unit.id} was migrated from: check it out (a git submodule, a sparse checkout?), or point "migrations" in ${rel(module.file)} at the folder that holds them`
      : 'restore them from version control; applied migrations must stay in the folder',
  });
}

/** What a unit's database has and what its module's folder would add — pure data, no connection. */
export interface UnitState {
  /** The unit's id (`module` or `module@tenant`). */
  unit: string;
  /** Applied migrations in id order, with their file if it still exists. */
  applied: { row: HistoryRow; file: MigrationFile | undefined }[];
  /** Migrations not applied yet, in order. */
  pending: MigrationFile[];
  /** No-transaction migrations a run left midway (killed, connection lost, a statement failed). */
  interrupted: { progress: ProgressRow; file: MigrationFile | undefined }[];
  /**
   * Integrity problems: edited or vanished applied migrations, pending older than the last
   * applied, a migration left midway (unless resuming).
   */
  problems: Problem[];
  /**
   * No-transaction migrations another runner is applying right now (seen outside the lock, while
   * it holds it): how far each has got, and who holds the lock.
   */
  running?: { id: string; direction: 'up' | 'down'; statementsDone: number; statementsTotal: number | null; runId: string; holder: LockHolder }[];
}

export interface StateOptions {
  /** Continue migrations left midway instead of refusing (`--resume`). */
  resume?: boolean;
  /** INVALID indexes in the module's database (named when a run was left midway). */
  invalidIndexes?: readonly string[];
  /** Other tools' history tables in the unit's database (see OTHER_TOOLS_HISTORY). */
  foreignHistory?: readonly ForeignHistory[];
  /** Bulkhead history tables where a changed manifest may have left the unit's (none of another unit's). */
  otherHistory?: readonly OtherHistory[];
}

function movedHistoryProblem(unit: Unit, found: OtherHistory, pending: number, emptyExists: boolean): Problem {
  const h = unit.history;
  // The empty table a run made there (before its first migration failed) makes way.
  const sql: string[] = emptyExists ? [`DROP TABLE ${sqlName(h.schema)}.${sqlName(h.table)}`] : [];
  if (found.schema !== h.schema) sql.push(`CREATE SCHEMA IF NOT EXISTS ${sqlName(h.schema)}`, `ALTER TABLE ${sqlName(found.schema)}.${sqlName(found.table)} SET SCHEMA ${sqlName(h.schema)}`);
  if (found.table !== h.table) sql.push(`ALTER TABLE ${sqlName(h.schema)}.${sqlName(found.table)} RENAME TO ${sqlName(h.table)}`);
  // Its progress table (no-transaction migrations' progress) goes with it.
  const progress = `${found.table}_progress`;
  if (found.progress && found.schema !== h.schema) sql.push(`ALTER TABLE ${sqlName(found.schema)}.${sqlName(progress)} SET SCHEMA ${sqlName(h.schema)}`);
  if (found.progress && found.table !== h.table) sql.push(`ALTER TABLE ${sqlName(h.schema)}.${sqlName(progress)} RENAME TO ${sqlName(`${h.table}_progress`)}`);
  const back = [found.table !== h.table && `"historyTable": "${found.table}"`, found.schema !== h.schema && `"database": { "schema": "${found.schema}" }`].filter(Boolean);
  return problem(
    'BH060',
    `${unit.target.display}: the history table ${unit.module.file} names, ${h.schema}.${h.table}, ${emptyExists ? 'is empty' : 'does not exist'}, but ${found.schema}.${found.table} holds a Bulkhead history of ${plural(found.rows!, 'migration')}: up would apply ${plural(pending, 'migration')} again (did "historyTable" or "database.schema" change?)`,
    {
      module: unit.id,
      file: unit.module.file,
      fix:
        found.schema === h.schema
          ? `rename the history table: ${sql.join('; ')}; or set the manifest back (${back.join(', ')})`
          : `set the manifest back (${back.join(', ')}): the module's migrations ran in ${found.schema}; or, once its objects have moved to ${h.schema} too, move its history with them: ${sql.join('; ')}`,
    },
  );
}

/**
 * How to adopt a database another tool migrated: baseline at the last of the module's migrations
 * that tool's history records (golang-migrate's one version, dbmate's, goose's, Flyway's, knex's,
 * Prisma's … rows), naming what it lacks before that, or a placeholder when it names none.
 */
function adoptFix(unit: Unit, foreign: readonly ForeignHistory[]): string {
  const generic = `adopt it: bulkhead baseline ${unitArgs(unit)} --at <the last migration that tool applied> (it checks the schema first, then records them as applied); or point the module at an empty database`;
  for (const f of foreign) {
    if (!f.applied?.entries.length) continue;
    const match = matchForeignApplied(unit.module.migrations, f.applied);
    if (!match.last) continue;
    const dirty = f.applied.dirty ? `; ${f.table} marks its last migration dirty (it stopped midway): finish or undo it by hand first, as ${f.tool} would require` : '';
    const gaps = match.missing.length
      ? `; ${f.table} has no record of ${plural(match.missing.length, 'earlier migration')} (${match.missing.slice(0, 3).join(', ')}${match.missing.length > 3 ? ', …' : ''}): apply ${match.missing.length === 1 ? 'it' : 'them'} first, or check the schema has ${match.missing.length === 1 ? 'it' : 'them'} (baseline compares)`
      : '';
    return `adopt it: bulkhead baseline ${unitArgs(unit)} --at ${match.last} — ${f.table} (${f.tool}) records ${match.count} of its migrations as applied, the last ${match.last}; baseline checks the schema, then records them, and up continues after it${gaps}${dirty}`;
  }
  return generic;
}

/** How to name a unit (or a unit id) on the command line: `billing`, or `billing --tenant acme`. */
export function unitArgs(unit: Unit | string): string {
  const id = typeof unit === 'string' ? unit : unit.id;
  const at = id.indexOf('@');
  return at < 0 ? id : `${id.slice(0, at)} --tenant ${id.slice(at + 1)}`;
}

/**
 * Compare a module's files with a unit's history. `history` is undefined when the history table
 * does not exist yet (nothing applied).
 */
export function unitState(unit: Unit, history: HistorySnapshot | undefined, rel: (abs: string) => string, o: StateOptions = {}): UnitState {
  const module = unit.module;
  const files = new Map(module.migrations.map((m) => [m.id, m]));
  // A squashed migration stands for the applied migrations it replaced.
  const folded = foldSquashed(unit, history?.rows ?? [], rel);
  const rows: readonly HistoryRow[] = folded.rows;
  const appliedRows = [...rows].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const appliedIds = new Set(appliedRows.map((r) => r.id));
  const problems: Problem[] = [...folded.problems];
  // A squash undone in the files (the originals back, the squashed file gone) but not in the
  // history: one problem, not a vanished migration and each original "older than the last".
  const unsquashed = new Set<string>();
  for (const row of appliedRows) {
    const replaced = replacedBy(row);
    if (files.has(row.id) || !replaced.length || !replaced.every((id) => files.has(id))) continue;
    for (const id of replaced) unsquashed.add(id);
    unsquashed.add(row.id);
    const first = replaced[0]!;
    const last = replaced.at(-1)!;
    problems.push(
      problem('BH055', `${row.id} is applied as a squash of ${replaced.length} migrations (${first} … ${last}); its file is gone and those migrations are back in ${rel(module.migrationsDir)}: the squash was undone in the files, not in ${unit.id}'s history`, {
        module: unit.id,
        file: rel(module.migrationsDir),
        fix: `restore ${row.id} from version control and move ${first} … ${last} back into ${rel(module.migrationsDir)}/.archive/${row.id}/ (a database that has the squash runs the squashed version)`,
      }),
    );
  }
  const applied = appliedRows.map((row) => {
    const file = files.get(row.id);
    if (unsquashed.has(row.id)) {
      // told above
    } else if (!file && !folded.replacedIds.has(row.id)) {
      const gone = problem('BH023', `migration ${row.id} was applied (${row.applied_at.toISOString()}) but its file is gone from ${rel(module.migrationsDir)}`, {
        module: unit.id,
        file: rel(module.migrationsDir),
        fix: `restore ${row.id} from version control; applied migrations must stay in the folder`,
      });
      // Many gone at once (a folder not checked out, "migrations" pointing elsewhere): told as one in text.
      problems.push(markAlike(gone, `gone\u0000${unit.id}`, row.id, (all) => goneTogether(all.map((a) => a.data), unit, rel), { textOnly: true }));
    } else if (file && file.checksum !== row.checksum && !downAddedSince(file, row)) {
      // The checksum covers the up and down files together: either may be the one edited.
      const down = file.downPath === undefined ? '' : ` or ${rel(file.downPath).split('/').pop()}`;
      const edited = problem('BH022', `${rel(file.upPath)}${down} changed after it was applied (checksum ${row.checksum.slice(0, 12)}… is now ${file.checksum.slice(0, 12)}…)`, {
        module: unit.id,
        file: rel(file.upPath),
        fix: `restore the file as it was applied (git checkout it) and put the change in a new migration: bulkhead make ${module.name} <name>${down ? `; a change to the down file alone (a fixed down) is accepted with bulkhead repair ${module.name} --accept ${row.id} --reason <why>` : ''}`,
      });
      // A folder reformatted or rewritten at once: told as one in text.
      problems.push(markAlike(edited, `edited\u0000${unit.id}`, row.id, (all) => editedTogether(all.map((a) => a.data), unit, rel), { textOnly: true }));
    }
    return { row, file };
  });
  const pending = module.migrations.filter((m) => !appliedIds.has(m.id));
  const last = appliedRows.at(-1)?.id;
  if (last !== undefined) {
    for (const m of pending) {
      if (m.id < last && !unsquashed.has(m.id)) {
        problems.push(
          problem('BH024', `pending migration ${m.id} sorts before ${last}, which is already applied`, {
            module: unit.id,
            file: rel(m.upPath),
            fix: `rename it with a version after ${last} (e.g. bulkhead make ${module.name} ${m.name || 'change'} and move its contents)`,
          }),
        );
      }
    }
  }
  // A database another tool migrated: applying every migration again would fail on its first
  // CREATE (or, with IF NOT EXISTS everywhere, record a history that never ran). Adopt it instead.
  if (!history?.rows.length && !history?.progress.length && o.foreignHistory?.length && pending.length) {
    // A table of a tool's name that the module's own migrations create is its schema, not that
    // tool's history (harbor's first migration creates alembic_version, a leftover of its Alembic days).
    const created = (f: ForeignHistory) => module.migrations.some((m) => m.sql !== undefined && createsRelation(f.table.slice(f.table.lastIndexOf('.') + 1)).test(m.sql.up));
    const others = o.foreignHistory.filter((f) => !created(f));
    const tables = (others.length ? others : o.foreignHistory).map((f) => `${f.table} (${f.tool})`);
    problems.push(
      problem('BH057', `${unit.target.display} was migrated by another tool: it has ${tables.join(', ')} and no Bulkhead history, so up would apply ${plural(pending.length, 'migration')} again`, {
        module: unit.id,
        fix: adoptFix(unit, o.foreignHistory),
      }),
    );
  }
  // The history is elsewhere: "historyTable" or "database.schema" changed after migrations ran.
  // Applying them again would fail on the first CREATE, or (IF NOT EXISTS, data migrations) run twice.
  const moved = [...(o.otherHistory ?? [])].filter((t) => (t.rows ?? 0) > 0).sort((a, b) => b.rows! - a.rows!)[0];
  if (!history?.rows.length && !history?.progress.length && moved && pending.length) problems.push(movedHistoryProblem(unit, moved, pending.length, history !== undefined));
  const interrupted = (history?.progress ?? []).map((progress) => ({ progress, file: files.get(progress.id) }));
  for (const { progress, file } of interrupted) {
    const p = interruptedProblem(unit, progress, file, rel, o);
    if (p) problems.push(p);
  }
  return { unit: unit.id, applied, pending, interrupted, problems };
}

/** A no-transaction migration left midway: what happened, and what to do (BH035). */
function interruptedProblem(unit: Unit, p: ProgressRow, file: MigrationFile | undefined, rel: (abs: string) => string, o: StateOptions): Problem | undefined {
  const module = unit.module;
  const where = file ? rel(p.direction === 'down' && file.downPath ? file.downPath : file.upPath) : rel(module.migrationsDir);
  if (!file) {
    return problem('BH035', `${p.id} stopped midway (${p.direction}, run ${p.run_id}) and its file is gone`, {
      module: unit.id,
      file: where,
      fix: `restore ${p.id} from version control, then resume: bulkhead ${p.direction} ${unitArgs(unit)} --resume`,
    });
  }
  if (o.resume) return undefined;
  const total = p.statements_total ?? undefined;
  const next = p.statements_done + 1;
  const done =
    total === undefined
      ? 'how far it got is not known (a TS/JS migration runs its statements as its code decides)'
      : `${p.statements_done} of ${total} statements completed`;
  const what =
    p.failed_statement !== null
      ? `statement ${p.failed_statement} failed: ${p.error ?? 'unknown error'}`
      : total === undefined
        ? 'the run was interrupted'
        : `statement ${next} was running when the run was interrupted and may have partly taken effect`;
  const text = [file.sql?.up, file.sql?.down].filter(Boolean).join('\n');
  const invalid = (o.invalidIndexes ?? []).filter((name) => !text || text.includes(name.split('.').pop()!));
  const indexes = invalid.length
    ? ` INVALID index${invalid.length > 1 ? 'es' : ''} left in the database: ${invalid.join(', ')} (an interrupted CREATE INDEX CONCURRENTLY).`
    : '';
  const drop = invalid.length ? `drop ${invalid.map((i) => `DROP INDEX CONCURRENTLY ${i};`).join(' ')} then ` : '';
  const resumeFrom = total === undefined ? 'run it again from the start' : `continue from statement ${next}`;
  return problem(
    'BH035',
    `${p.id} (${p.direction}) stopped midway in run ${p.run_id} at ${p.updated_at.toISOString()}: ${done}; ${what}.${indexes} It runs outside a transaction, so what completed remains.`,
    {
      module: unit.id,
      file: where,
      fix: `check what statement ${total === undefined ? 'by statement' : next} left behind and fix the cause; ${drop}${resumeFrom}: bulkhead ${p.direction} ${unitArgs(unit)} --resume`,
    },
  );
}

/** What a unit would run in one direction, what it holds back and why, and what stops it. */
export interface Selection {
  run: MigrationFile[];
  /** Migrations not run although they could be: id and why (e.g. after `--to`). */
  held: { id: string; why: string }[];
  problems: Problem[];
}

export type Intent = { direction: 'up'; to?: string } | ({ direction: 'down' } & DownSelection);

/** The migrations a unit would run for `intent`, from its state. Pure: the plan and the run under the lock use it alike. */
export function select(unit: Unit, state: UnitState, intent: Intent, rel: (abs: string) => string, downFix?: MissingDownFix): Selection {
  return intent.direction === 'up' ? selectUp(unit, state, intent.to, rel) : selectDown(unit, state, intent, rel, downFix);
}

/** The migrations `up` would run: pending ones, up to and including `to` when given. */
export function selectUp(unit: Unit, state: UnitState, to: string | undefined, rel: (abs: string) => string): Selection {
  const module = unit.module;
  if (to === undefined) return { run: state.pending, held: [], problems: [] };
  const target = module.migrations.find((m) => m.id === to || m.version === to);
  if (!target) {
    return {
      run: [],
      held: [],
      problems: [
        problem('BH026', `--to ${to}: no migration with that id or version in ${rel(module.migrationsDir)}`, {
          module: unit.id,
          fix: `${meantOf(to, module.migrations.map((m) => m.id))}bulkhead status ${module.name} lists the migrations`,
        }),
      ],
    };
  }
  return {
    run: state.pending.filter((m) => m.id <= target.id),
    held: state.pending.filter((m) => m.id > target.id).map((m) => ({ id: m.id, why: `after --to ${to}` })),
    problems: [],
  };
}

export interface DownSelection {
  /** Revert the last N applied migrations. */
  steps?: number;
  /** Revert every applied migration after this one (it stays applied). */
  to?: string;
  /** Revert everything. */
  all?: boolean;
}

/**
 * The fix for a migration without a down file, from the isolation analysis when the command has
 * it (analysis/migrations.ts missingDownFix: what the down must undo).
 */
export type MissingDownFix = (m: MigrationFile) => string;

/** The applied migrations `down` would revert, newest first. */
export function selectDown(unit: Unit, state: UnitState, sel: DownSelection, rel: (abs: string) => string, downFix?: MissingDownFix): Selection {
  const module = unit.module;
  const problems: Problem[] = [];
  let chosen = state.applied;
  if (sel.all) {
    // everything
  } else if (sel.to !== undefined) {
    const target = state.applied.find((a) => a.row.id === sel.to || a.file?.version === sel.to);
    if (!target) {
      const pending = state.pending.find((m) => m.id === sel.to || m.version === sel.to);
      return {
        run: [],
        held: [],
        problems: [
          problem('BH026', `--to ${sel.to}: no applied migration with that id or version${pending ? ` (${pending.id} is pending: down --to names the applied migration to keep, and everything after it is reverted)` : ''}`, {
            module: unit.id,
            // Other tools' "before the first migration" (sqlx's and golang-migrate's version 0,
            // Alembic's base) is --all here.
            fix: /^(0+|base|zero)$/i.test(sel.to)
              ? `to revert every migration: bulkhead down ${module.name} --all`
              : `${pending ? '' : meantOf(sel.to, state.applied.map((a) => a.row.id))}bulkhead status ${module.name} lists what is applied`,
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
          module: unit.id,
          file: rel(module.migrationsDir),
          fix: `restore ${a.row.id} from version control`,
        }),
      );
    } else if (a.file.format === 'sql' && !a.file.downPath) {
      // An empty down is refused where the up changes the schema (build.ts emptyDowns): the fix
      // offers it only where it would pass.
      const none = problem('BH028', `cannot revert ${a.row.id}: it has no ${a.row.id}.down.sql`, {
        module: unit.id,
        file: rel(a.file.upPath),
        fix: downFix?.(a.file) ?? `add ${a.row.id}.down.sql (an empty file if there is nothing to undo), or revert with a new forward migration`,
      });
      // A set that never wrote downs (documenso's 163 Prisma migrations, down --all): told as one in text.
      problems.push(markAlike(none, `no-down\u0000${unit.id}`, a.row.id, (all) => noDownsTogether(all.map((x) => x.data), unit, rel), { textOnly: true }));
    } else run.push(a.file);
  }
  return { run, held: [], problems };
}
