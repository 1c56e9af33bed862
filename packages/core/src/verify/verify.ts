import { loadValidWorkspace, selectModules, type CommonOptions } from '../commands/options.js';
import { sameDatabase } from '../db/url.js';
import { createSchema, withScratchDatabase } from '../db/scratch.js';
import { BulkheadError, EXIT, type ExitCode, type Problem } from '../errors.js';
import { analyseModules, rememberCachedStatements, emptyDown, missingDownFix, moduleCreates, type ModulesAnalysis } from '../analysis/migrations.js';
import { family, type Touch } from '../analysis/objects.js';
import { progressTable } from '../history/store.js';
import { moduleUnit } from '../plan/units.js';
import { newerThanServer, unprovidedOnScratch } from '../plan/build.js';
import { prepareMigration, type Runnable } from '../runner/prepare.js';
import { mapLimit } from '../runner/read.js';
import { replay, replayAll, ReplayError } from '../runner/replay.js';
import { explainFailure } from '../runner/explain.js';
import { fixFor, newerSqlFix, type PgError } from '../runner/apply.js';
import { undeclaredExtensionFix } from '../db/extensions.js';
import { describeDifference, diffSnapshots, diffText, type Difference } from '../snapshot/diff.js';
import { UNIQUE_VIOLATION } from '../db/sqlstate.js';
import { renamedColumns, repairSql, statementsInLine, type Rename } from '../snapshot/repair.js';
import { readSnapshot, type Snapshot, type SnapshotScope } from '../snapshot/read.js';
import type { Module, Workspace } from '../workspace.js';

export interface VerifyOptions extends CommonOptions {
  /** Also check each migration alone: up, down, up. */
  step?: boolean;
  /** Verify on this server (a scratch database made there) instead of next to each module's own. */
  server?: string;
  /** Modules verified at once. */
  concurrency?: number;
  /**
   * For make --downs (with step): the ups alone, one at a time; no down runs (one that fails or
   * does not undo its up is verify's news, not a reason to stop writing the missing ones). Each SQL
   * migration without a down, or with one holding no statements, gets its statements in `sql`.
   */
  writingDowns?: boolean;
}

export type FindingKind = 'no-down' | 'empty-down' | 'up-failed' | 'down-failed' | 'left-behind' | 'not-reproducible' | 'step-not-reverted' | 'step-not-reproducible';

export interface VerifyFinding {
  kind: FindingKind;
  migration?: string;
  /** Workspace-relative file, and line where known. */
  file?: string;
  line?: number;
  message: string;
  /** What differs, for left-behind and not-reproducible findings (one line each in `lines`). */
  differences?: Difference[];
  lines?: string[];
  /**
   * For left-behind: the migrations whose ups create what remains (their downs do not drop it), or
   * whose downs create it (`down`: what was not there before the up); with `change`, whose ups drop,
   * rename or change what their downs do not put back (`down` and dropped: the down dropped what
   * was there before its up). In migration order.
   */
  leftBy?: {
    migration: string;
    file: string;
    objects: string[];
    down?: true;
    change?: 'dropped' | 'renamed' | 'changed';
    /** What its down file lacks, as statements (drift --sql's): drops for what its up made, makes for what it dropped, alters back. */
    sql?: string[];
  }[];
  /** For a failed up or down: what to do, where Bulkhead knows more than the server's message. */
  fix?: string;
  /** no-down, with --step: the statements its down file would hold (what turns the schema after its up back into the one before). */
  sql?: string[];
  /** no-down, with --step, where no statements are offered: what has none (a rename it cannot tell, an enum label…). */
  byHand?: string[];
  /** no-down, with --step: what its statements may meet on a database with data (an enum made anew fails on rows holding a removed label). */
  cautions?: string[];
}

export interface ModuleVerify {
  module: string;
  /** The scratch database it ran on (redacted). */
  database: string;
  migrations: number;
  status: 'reversible' | 'findings' | 'no-migrations';
  findings: VerifyFinding[];
  /**
   * Where some migrations cannot be reverted (no down, or a down that does nothing), the ones after
   * the last of those, checked down and up again as the whole set is otherwise: whether they are
   * reversible (their findings say why not).
   */
  tail?: { after: string; migrations: number; reversible: boolean };
  durationMs: number;
}

export interface VerifyResult {
  command: 'verify';
  exitCode: ExitCode;
  modules: ModuleVerify[];
}

/**
 * `verify` (SPEC §8): on a scratch database per module, apply every migration and snapshot;
 * revert every migration and require that nothing of the module remains; apply again and require
 * the first snapshot. `--step` checks each migration alone too. Findings are exit 1; the scratch
 * database is dropped afterwards, also on failure.
 */
export async function verify(o: VerifyOptions = {}): Promise<VerifyResult> {
  // On a server of its own (--server), the modules' own URLs are not needed: an unset variable is told, not refused.
  const ws = loadValidWorkspace({ ...o, modules: undefined, filesOnly: o.server !== undefined });
  const selected = selectModules(ws, o.modules);
  // Every migration loads before anything runs: a file that does not load is bad input (exit 2).
  const loaded = new Map<string, { up: Runnable[]; down: (Runnable | undefined)[] }>();
  const problems: Problem[] = [];
  const preparing = [...new Set([...selected, ...selected.flatMap((s) => sharingDependencies(ws, s))])];
  // Their statements as the analysis cache has them split: not parsed again.
  rememberCachedStatements(ws, preparing);
  for (const m of preparing) {
    const up: Runnable[] = [];
    const down: (Runnable | undefined)[] = [];
    for (const file of m.migrations) {
      const u = await prepareMigration(m.name, file, 'up', ws.rel);
      if (!u.ok) {
        problems.push(...u.problems);
        continue;
      }
      up.push(u.runnable);
      const d = file.format === 'sql' && !file.downPath ? undefined : await prepareMigration(m.name, file, 'down', ws.rel);
      if (d && !d.ok && d.problems.some((p) => p.code !== 'BH028')) problems.push(...d.problems.filter((p) => p.code !== 'BH028'));
      down.push(d?.ok ? d.runnable : undefined);
    }
    loaded.set(m.name, { up, down });
  }
  if (problems.length) throw new BulkheadError(problems);
  const modules = await mapLimit(selected, o.concurrency ?? 2, (m) => verifyModule(ws, m, loaded, o));
  return { command: 'verify', exitCode: modules.some((m) => m.findings.length) ? EXIT.failed : EXIT.ok, modules };
}

/** Dependencies (transitively) that live in this module's database: schema mode. Their objects are the ground its SQL stands on. */
function sharingDependencies(ws: Workspace, m: Module): Module[] {
  const out: Module[] = [];
  const seen = new Set<string>();
  const visit = (name: string) => {
    for (const d of ws.byName.get(name)?.manifest.dependsOn ?? []) {
      if (seen.has(d)) continue;
      seen.add(d);
      visit(d);
      const dep = ws.byName.get(d);
      if (dep && sameDatabase(dep.target, m.target)) out.push(dep);
    }
  };
  visit(m.name);
  return out;
}

async function verifyModule(ws: Workspace, m: Module, loaded: Map<string, { up: Runnable[]; down: (Runnable | undefined)[] }>, o: VerifyOptions): Promise<ModuleVerify> {
  const started = Date.now();
  const unit = moduleUnit(m);
  const { up, down } = loaded.get(m.name)!;
  const findings: VerifyFinding[] = [];
  const rel = ws.rel;
  const scope: SnapshotScope = { exclude: [unit.history, progressTable(unit.history)] };
  const schema = unit.schema;
  // An extension the manifest declares is the database's, as db create and up make it: a down
  // need not drop it (hasura-auth's first up creates citext IF NOT EXISTS; its down keeps it).
  const notDeclaredExtension = (d: Difference) => !(d.kind === 'extension' && d.change === 'extra' && m.manifest.extensions.includes(d.name));
  if (!up.length) return { module: m.name, database: '-', migrations: 0, status: 'no-migrations', findings, durationMs: Date.now() - started };
  // Migrations that cannot be reverted are findings whatever the database does; the migrations
  // after the last of them are still checked down and up again, from the schema they start on
  // (a set with one irreversible migration in its past keeps the rest proven).
  const missing = up.filter((_, i) => !down[i]);
  // The analysis only where a down is missing or may do nothing (a SQL one without statements, or a TS/JS one).
  const mayBeEmpty = down.filter((d): d is Runnable => d !== undefined && (d.step.format === 'js' || d.step.statements.length === 0));
  // The module's analysis (cached by checksum), read once: for these findings and for leftBy.
  let analysis: Promise<ModulesAnalysis | undefined> | undefined;
  const analysed = () => (analysis ??= analyseModules(ws, [m]).catch(() => undefined));
  const changes = missing.length || mayBeEmpty.length ? await analysed().then((a) => a && moduleCreates(a).upChanges) : undefined;
  const empty = changes ? emptyDownFindings(mayBeEmpty, changes, m.name, rel) : [];
  const irreversible = new Set([...missing.map((r) => r.file.id), ...empty.map((f) => f.migration)]);
  const cut = up.findLastIndex((r) => irreversible.has(r.file.id));
  const tail = up.slice(cut + 1);
  let tailReversible = false;
  const database = await withScratchDatabase(unit, { command: 'verify', server: o.server, root: ws.root }, async ({ unit: scratch, db }) => {
    // What the scratch database cannot run, ups and downs alike, told at once before anything
    // replays: SQL newer than its server's release (lemmy's downs use 18's CONSTRAINT … NOT NULL
    // column), and an extension's type, function or operator class nothing there provides.
    const steps = [...up, ...down.filter((d): d is Runnable => d !== undefined)];
    const statements = steps.flatMap((r) => (r.step.format === 'sql' ? r.step.statements : []));
    const major = db.serverVersion === undefined ? undefined : Math.floor(db.serverVersion / 10000);
    const newer = major !== undefined && statements.some((st) => st.node.needs?.some((n) => n.version > major));
    if (newer || statements.some((st) => st.node.uses?.length)) {
      const creates = await analysed().then((a) => a && moduleCreates(a));
      const refused = [
        ...(newer ? newerThanServer(scratch, steps, db.serverVersion!, ws.rel, creates?.functions.get(m.name)) : []),
        ...(creates ? unprovidedOnScratch(scratch, steps, creates, ws, db.serverVersion) : []),
      ];
      if (refused.length) throw new BulkheadError(refused);
    }
    const snap = () => readSnapshot(db, scope);
    const failed = async (e: unknown): Promise<VerifyFinding> => {
      if (!(e instanceof ReplayError)) throw e;
      const cause = e.cause as { message?: string; code?: string; detail?: string } | undefined;
      // What the failure means, as up would tell it (a table another tool's migration creates, …):
      // the fix of the server's error, unless the migrations or the database say more.
      const message = cause?.message !== undefined ? e.serverMessage : e.message;
      const sql = e.statement?.text ?? e.sql;
      const line = e.statement?.line ?? e.line;
      const failure = { module: m.name, migration: e.id, direction: e.direction, file: rel(e.file), ...(line !== undefined ? { line } : {}), message, pgCode: cause?.code, detail: cause?.detail, sql, partial: false, ...(e.holder ? { holder: e.holder } : {}) };
      const known = e.holder?.fix ?? (cause?.code !== undefined ? (fixFor(cause as PgError, message, m.name, sql) ?? newerSqlFix(e.statement?.needs, cause as PgError)) : undefined);
      const fix = undeclaredExtension(e.message, m) ?? (await explainFailure(db, { ...failure, fix: known }, m).catch(() => undefined)) ?? known;
      return {
        kind: e.direction === 'up' ? 'up-failed' : 'down-failed',
        migration: e.id,
        file: rel(e.file),
        line,
        message: `${e.direction} of ${e.id} failed: ${e.describe(rel)}`,
        ...(fix ? { fix } : {}),
      };
    };
    const apply = async (r: Runnable, s = schema) => replay(db, r, { schema: s });
    /**
     * What an up's SQL says of what it removed: the tables and columns it drops by name (one gone
     * and another come there is no rename), and the columns it renames (renamed back by its down).
     */
    const upFacts = async (id: string): Promise<UpFacts> => {
      const touches = (await analysed())?.analysed.find((a) => a.module === m.name && a.id === id && a.direction === 'up')?.touches ?? [];
      const names = new Set(touches.filter((t) => t.action === 'drop' && (t.kind === 'table' || t.kind === 'column')).map((t) => `${t.kind}\u0000${t.table?.name ?? ''}\u0000${t.name}`));
      // ALTER TABLE t RENAME [COLUMN a] TO b: an alter of the old name and a create of the new, at one place.
      const renames = touches.flatMap((t, i): Rename[] => {
        const next = touches[i + 1];
        if (!next || t.action !== 'alter' || next.action !== 'create' || next.kind !== t.kind || next.line !== t.line || next.column !== t.column) return [];
        if (t.kind === 'table') return [{ kind: 'table', from: next.name, to: t.name }];
        return t.kind === 'column' && t.table && t.table.name === next.table?.name ? [{ kind: 'column', table: t.table.name, from: next.name, to: t.name }] : [];
      });
      return { dropped: (d) => names.has(`${d.kind}\u0000${d.table ?? ''}\u0000${d.name}`), renames };
    };
    // Schema mode: the dependencies sharing this database first, each in its own schema.
    for (const dep of sharingDependencies(ws, m)) {
      await createSchema(db, dep.schema);
      for (const r of loaded.get(dep.name)!.up) {
        try {
          await apply(r, dep.schema);
        } catch (e) {
          findings.push({ ...(await failed(e)), message: `dependency ${dep.name} could not be applied: ${(e as Error).message}` });
          return scratch.target.display;
        }
      }
    }
    /** The schema before the first up, or, when some migrations cannot be reverted, before the tail's. */
    let before = await snap();
    /** With --step: the statements of each missing SQL down, by migration. */
    const downsToWrite = new Map<string, { sql?: string[]; byHand?: string[]; cautions?: string[] }>();
    /** The no-down findings (and the empty downs'), of the migrations reached with `only`. */
    const downFindings = (only?: (id: string) => boolean) => {
      for (const r of missing.filter((x) => !only || only(x.file.id))) {
        const { sql, byHand, cautions } = downsToWrite.get(r.file.id) ?? {};
        const downFile = rel(r.file.upPath).replace(/\.up\.sql$/, '.down.sql');
        const fix = sql
          ? sql.length
            ? `write ${downFile} with: ${statementsInLine(sql)} (bulkhead make ${m.name} --downs writes it)`
            : `its up changes no schema (data, or what was there already): an empty ${downFile} is its down (bulkhead make ${m.name} --downs writes it)`
          : changes && r.file.format === 'sql'
            ? `${missingDownFix(r.file, changes, m.name)}${o.step ? '' : ` — bulkhead make ${m.name} --downs writes it from what its up builds`}`
            : undefined;
        findings.push({ kind: 'no-down', migration: r.file.id, file: rel(r.file.upPath), message: `${r.file.id} has no down: it cannot be reverted`, ...(fix ? { fix } : {}), ...(sql ? { sql } : {}), ...(byHand ? { byHand } : {}), ...(cautions?.length ? { cautions } : {}) });
      }
      // An empty down's statements, for make --downs to write in it.
      findings.push(...empty.filter((f) => !only || only(f.migration!)).map((f) => (o.writingDowns ? { ...f, ...downsToWrite.get(f.migration!) } : f)));
    };
    let applied: Snapshot | undefined;
    // Pass 1: every up (each alone, with --step).
    if (!o.step) {
      try {
        if (cut >= 0) {
          await replayAll(db, up.slice(0, cut + 1), { schema });
          before = await snap();
        }
        await replayAll(db, tail, { schema });
      } catch (e) {
        findings.push(await failed(e));
        return scratch.target.display;
      }
    }
    for (const [i, r] of (o.step ? up : []).entries()) {
      const prior = o.step ? await snap() : undefined;
      try {
        await apply(r);
      } catch (e) {
        findings.push(await failed(e));
        // make --downs writes those it reached.
        if (o.writingDowns) downFindings((id) => downsToWrite.has(id));
        return scratch.target.display;
      }
      if (!o.step) continue;
      const after = await snap();
      if (i === cut) before = after;
      const d = down[i];
      const emptySqlDown = d?.step.format === 'sql' && d.step.statements.length === 0;
      if (!d || (o.writingDowns && emptySqlDown)) {
        // Reported once below, with every migration that has no down (or an empty one); its down's
        // statements (what turns this schema back into the one before its up) are known here.
        if (r.file.format === 'sql') {
          const made = diffSnapshots(prior!, after).filter(notDeclaredExtension);
          // An up that changes no schema (a backfill, what was there already): an empty down is its down.
          downsToWrite.set(r.file.id, made.length ? sqlFor(made, after, await upFacts(r.file.id)) : { sql: [] });
        }
        continue;
      }
      if (o.writingDowns) continue;
      try {
        await apply(d);
      } catch (e) {
        findings.push(await failed(e));
        return scratch.target.display;
      }
      const reverted = await snap();
      const left = diffSnapshots(prior!, reverted).filter(notDeclaredExtension);
      if (left.length) {
        const finding = differenceFinding('step-not-reverted', r, rel, `${r.file.id}: its down does not undo its up`, left, schema);
        // The statements its down lacks, as the left-behind finding's culprit lines give them.
        const { sql } = r.file.format === 'sql' ? sqlFor(left, reverted) : {};
        if (sql) finding.fix = `write in ${r.file.downPath ? rel(r.file.downPath) : 'its down'}: ${statementsInLine(sql)}`;
        findings.push(finding);
      }
      try {
        await apply(r);
      } catch (e) {
        const again = await failed(e);
        // Rows its up inserts and its down leaves (documenso's site banner, harbor's roles): the key is there already.
        const cause = (e as ReplayError).cause as { code?: string; detail?: string } | undefined;
        if (cause?.code === UNIQUE_VIOLATION) {
          again.fix = `its up inserts rows its down leaves (${cause.detail ?? 'a key that is there already'}): delete them in ${r.file.format === 'sql' && r.file.downPath ? rel(r.file.downPath) : 'its down'}, or write the insert to skip what is there (INSERT … ON CONFLICT DO NOTHING)`;
        }
        findings.push({ ...again, message: `${r.file.id} cannot be applied again after its down: ${(e as Error).message}` });
        return scratch.target.display;
      }
      const again = await snap();
      const changed = diffSnapshots(after, again);
      if (changed.length) findings.push(differenceFinding('step-not-reproducible', r, rel, `${r.file.id}: applied again after its down, it builds something else`, changed, schema));
    }
    applied = await snap();
    downFindings();
    if (o.writingDowns) return scratch.target.display;
    const checked = findings.length;
    // Pass 2: every down (of the tail), newest first; nothing of what they made may remain. Not
    // after --step found a migration its down does not undo: the database is what that left, and
    // the whole pass would fail on it again (a down making a table that is there already).
    if (!tail.length || findings.some((f) => f.kind === 'step-not-reverted' || f.kind === 'step-not-reproducible')) return scratch.target.display;
    const those = cut < 0 ? undefined : `the ${tail.length === 1 ? 'migration' : `${tail.length} migrations`} after ${up[cut]!.file.id}`;
    try {
      await replayAll(db, down.slice(cut + 1).reverse() as Runnable[], { schema });
    } catch (e) {
      findings.push(await failed(e));
      return scratch.target.display;
    }
    const reverted = await snap();
    const left = diffSnapshots(before, reverted).filter(notDeclaredExtension);
    if (left.length) {
      const finding = differenceFinding('left-behind', undefined, rel, those ? `after the downs of ${those}, the database is not as before ${tail.length === 1 ? 'its up' : 'their ups'}` : 'after every down, the database is not as before the first up', left, schema);
      // Whose down it is: the migration whose up creates each object left behind (seed 004's enum),
      // or whose down creates it.
      const { by, unnamed } = leftBy(ws, m, await analysed(), tail, left, schema);
      if (by.length) {
        finding.leftBy = by;
        finding.lines!.push(...by.map(culpritLine));
        if (by.length === 1) Object.assign(finding, { migration: by[0]!.migration, file: by[0]!.file });
      }
      // An extension may be the database's instead: declared, db create makes it and a down may keep it.
      const extensions = left.filter((d) => d.kind === 'extension' && d.change === 'extra').map((d) => d.name);
      if (extensions.length) finding.fix = `drop ${extensions.length > 1 ? 'them' : 'it'} in the down, or declare ${extensions.join(', ')} in ${rel(m.file)} "extensions": a declared extension is the database's (db create makes it), and a down may keep it`;
      // What the analysis cannot pin on one migration, checking each alone does.
      else if (unnamed && !o.step && tail.length > 1) finding.fix = `bulkhead verify ${m.name} --step checks each migration alone (up, down, up) and names the one whose down does not undo its up`;
      findings.push(finding);
      return scratch.target.display;
    }
    // Pass 3: every up (of the tail) again must build the same.
    try {
      await replayAll(db, tail, { schema });
    } catch (e) {
      findings.push({ ...(await failed(e)), message: `after ${those ? `the downs of ${those}` : 'every down'}, ${(e as ReplayError).id} cannot be applied again: ${(e as Error).message}` });
      return scratch.target.display;
    }
    const rebuilt = await snap();
    const changed = diffSnapshots(applied, rebuilt);
    if (changed.length) findings.push(differenceFinding('not-reproducible', undefined, rel, those ? `applied again after their downs, ${those} build something else` : 'applied again after every down, the migrations build something else', changed, schema));
    tailReversible = findings.length === checked;
    return scratch.target.display;
  });
  return {
    module: m.name,
    database,
    migrations: up.length,
    status: findings.length ? 'findings' : 'reversible',
    findings,
    ...(cut >= 0 && tail.length ? { tail: { after: up[cut]!.file.id, migrations: tail.length, reversible: tailReversible } } : {}),
    durationMs: Date.now() - started,
  };
}

/**
 * Downs without statements whose up changes the schema (as `down` refuses them, plan/build.ts
 * emptyDowns): they cannot be reverted, whatever the downs before them do.
 */
function emptyDownFindings(empty: readonly Runnable[], changes: ReadonlyMap<string, readonly Touch[]>, module: string, rel: (abs: string) => string): VerifyFinding[] {
  return empty.flatMap((d) => {
    const e = emptyDown(d, changes, module);
    return e ? [{ kind: 'empty-down' as const, migration: d.file.id, file: rel(d.step.path), message: `${d.file.id}'s down ${e.does}, and its up ${e.leaves}: it cannot be reverted`, fix: `write in ${e.writeIn} what undoes its up` }] : [];
  });
}


function differenceFinding(kind: FindingKind, r: Runnable | undefined, rel: (abs: string) => string, message: string, differences: Difference[], schema: string): VerifyFinding {
  return {
    kind,
    ...(r ? { migration: r.file.id, file: rel(r.step.path) } : {}),
    message,
    differences,
    // After a down, what is extra was left behind and what is missing was dropped though older than the up.
    lines: kind === 'left-behind' || kind === 'step-not-reverted' ? diffText(differences, schema).map((l) => l.replace(/ extra( \(|$)/, ' left behind$1').replace(/ missing( \(|$)/, ' dropped$1')) : diffText(differences, schema),
  };
}

/** The analysis' name family of a snapshot object's kind (see `family`); undefined for what lives on a table. */
const SNAPSHOT_FAMILY: Partial<Record<Difference['kind'], string>> = {
  table: 'relation',
  view: 'relation',
  'materialized view': 'relation',
  'foreign table': 'relation',
  sequence: 'relation',
  index: 'relation',
  enum: 'type',
  domain: 'type',
  'composite type': 'type',
  'range type': 'type',
  function: 'routine',
  procedure: 'routine',
  aggregate: 'routine',
  schema: 'schema',
  extension: 'extension',
  statistics: 'statistics',
  collation: 'collation',
  'text search configuration': 'text search configuration',
  'text search dictionary': 'text search dictionary',
};

/** The column (`schema.table.column`) that owns a sequence, from its snapshot's owned_by. */
function columnOwning(d: Difference): string | undefined {
  const ownedBy = (d.actual ?? d.expected)?.owned_by;
  return d.kind === 'sequence' && typeof ownedBy === 'string' ? ownedBy : undefined;
}

/** What an up's SQL says of what it removed, for the statements of its down (see verifyModule's upFacts). */
interface UpFacts {
  dropped: (d: Difference) => boolean;
  renames: Rename[];
}

/** The statements a down lacks, where each of its differences has one; else what has none. */
function sqlFor(diffs: readonly Difference[], on?: Snapshot, facts?: UpFacts): { sql?: string[]; byHand?: string[]; cautions?: string[] } {
  // One of a kind extra and one missing in the same place reads as a rename (site → url): DROP and
  // ADD would lose its data, so no statements are offered — unless repairSql renames it back (a
  // column gone and one come, defined alike), or the up dropped it by name (harbor's cron_str).
  const renamed = new Set([...renamedColumns(diffs, facts?.renames)].flat());
  // Only what holds data: an index, a key or a routine made again loses nothing.
  const place = (d: Difference) => `${d.kind}\u0000${d.schema}\u0000${d.table ?? ''}`;
  const holdsData = (d: Difference) => d.kind === 'table' || d.kind === 'column';
  const extra = new Set(diffs.filter((d) => d.change === 'extra' && holdsData(d) && !renamed.has(d)).map(place));
  const gone = diffs.filter((d) => d.change === 'missing' && !renamed.has(d) && extra.has(place(d)) && !facts?.dropped(d) && !facts?.renames.some((r) => r.kind === 'table' && d.kind === 'table' && r.to === d.name));
  if (gone.length) return { byHand: gone.map((d) => `${describeDifference(d)}: one came in its place — a rename? write it back by hand`) };
  const { statements, manual, cautions } = repairSql(diffs, { ...(on ? { on } : {}), ...(facts ? { renames: facts.renames } : {}) });
  return manual.length ? { byHand: manual } : statements.length ? { sql: statements, ...(cautions.length ? { cautions } : {}) } : {};
}

const onlySql = ({ sql }: { sql?: string[] }) => (sql ? { sql } : {});

/** One line of a left-behind finding: what a migration did that its down does not undo. */
function culpritLine(b: NonNullable<VerifyFinding['leftBy']>[number]): string {
  const line = culpritText(b);
  return b.sql ? `${line} — write in it: ${statementsInLine(b.sql)}` : line;
}

function culpritText(b: NonNullable<VerifyFinding['leftBy']>[number]): string {
  const listed = b.objects.length > 6 ? `${b.objects.slice(0, 6).join(', ')} and ${b.objects.length - 6} more` : b.objects.join(', ');
  const [them, they, were] = b.objects.length > 1 ? ['them', 'they', 'were'] : ['it', 'it', 'was'];
  const its = `its down (${b.file})`;
  if (b.down) {
    return b.change === 'dropped'
      ? `→ ${b.migration}'s down (${b.file}) drops ${listed}, which ${were} there before its up`
      : `→ ${b.migration}'s down (${b.file}) creates ${listed}, which ${were} not there before its up`;
  }
  switch (b.change) {
    case 'dropped':
      return `→ ${b.migration} drops ${listed}; ${its} does not make ${them} again`;
    case 'renamed':
      return `→ ${b.migration} renames (or moves) ${listed}; ${its} does not rename ${them} back`;
    case 'changed':
      return `→ ${b.migration} changes ${listed}; ${its} does not put ${them} back as ${they} ${were}`;
    default:
      return `→ ${b.migration} creates ${listed}; ${its} does not drop ${them}`;
  }
}

/** A table's snapshot fields, and the ALTER TABLE subcommands that set them. */
const TABLE_FIELD_COMMANDS: Record<string, readonly string[]> = {
  options: ['AT_SetRelOptions', 'AT_ResetRelOptions', 'AT_ReplaceRelOptions'],
  rls: ['AT_EnableRowSecurity', 'AT_DisableRowSecurity'],
  force_rls: ['AT_ForceRowSecurity', 'AT_NoForceRowSecurity'],
  unlogged: ['AT_SetLogged', 'AT_SetUnLogged'],
  replica_identity: ['AT_ReplicaIdentity'],
  cluster_on: ['AT_ClusterOn', 'AT_DropCluster'],
  inherits: ['AT_AddInherit', 'AT_DropInherit'],
};

/**
 * Whose down it is, for what differs after the downs of `up` (every migration, or the tail after
 * the last one that cannot be reverted), read from the analysis of the module's SQL (a TS
 * migration's from the SQL it emits):
 * - left behind: the last of their ups that creates it, unless one of their downs creates it and
 *   no up before that down's migration does (the down made what was not there). A column,
 *   constraint, index, trigger or policy of a table left behind goes with the table; a sequence a
 *   column owns (serial) with its table.
 * - dropped (there before the ups, gone after the downs): the last of their ups that drops it,
 *   else the oldest of their downs that drops it (a down that took what was there before its up),
 *   else the last up that alters it by that name (a rename). What lives on a table dropped goes
 *   with the table.
 * - changed: the one up among them that alters it by name (a column's type, a table's options)
 *   or makes it anew (CREATE OR REPLACE of an older function or view); where several alter a
 *   table, the one whose ALTER TABLE sets what changed (its options, row security, logging, …);
 *   else none is named (`verify --step` tells which).
 * - What lives on a table an up dropped (its constraints, indexes, columns), missing or changed
 *   after that up's down made the table again: that up.
 * - A constraint, index, trigger, policy or rule dropped or changed by no statement that names it
 *   (ALTER TABLE … DROP CONSTRAINT): the one up among them that alters its table, if one alone does.
 * Objects none of them names (made by a function, or older than the tail) are left out.
 */
function leftBy(ws: Workspace, m: Module, analysis: ModulesAnalysis | undefined, up: readonly Runnable[], left: readonly Difference[], schema: string): { by: NonNullable<VerifyFinding['leftBy']>; unnamed: boolean } {
  // Migrations that cannot be analysed (their findings say why) name no one.
  if (!analysis) return { by: [], unnamed: true };
  const { analysed } = analysis;
  const order = new Map(up.map((r, i) => [r.file.id, i]));
  /** An object by name family (schemas and extensions are not in a schema; what lives on a table by its table). */
  const keyOf = (f: string, objectSchema: string, name: string) => `${f}:${f === 'schema' || f === 'extension' ? '' : `${objectSchema}.`}${name}`;
  const touchKey = (t: Touch) =>
    t.kind === 'column' || t.kind === 'trigger' || t.kind === 'policy'
      ? t.table && keyOf(t.kind, t.table.schema ?? schema, `${t.table.name}.${t.name}`)
      : keyOf(family(t.kind), t.schema ?? schema, t.name);
  const differenceKey = (d: Difference) => {
    if (d.kind === 'column' || d.kind === 'trigger' || d.kind === 'policy') return keyOf(d.kind, d.schema, `${d.table}.${d.name}`);
    const f = SNAPSHOT_FAMILY[d.kind];
    // A routine's snapshot name has its arguments (f(x integer)); the SQL names it without.
    return f && keyOf(f, d.schema, f === 'routine' ? d.name.replace(/\(.*$/s, '') : d.name);
  };
  /** One per migration, direction and change, so the objects of each are told together. */
  type Culprit = { id: string; down: boolean; change: 'left' | 'dropped' | 'renamed' | 'changed' };
  const culprits = new Map<string, Culprit>();
  const culprit = (id: string, down: boolean, change: Culprit['change']) => {
    const k = `${change}:${down}:${id}`;
    return culprits.get(k) ?? culprits.set(k, { id, down, change }).get(k)!;
  };
  // By object: the last up and the oldest down (downs run newest first: it ran last) to create
  // it, to drop it; the ups that alter it, and those that alter or make it (in migration order).
  const createdUp = new Map<string, string>();
  const createdDown = new Map<string, string>();
  const droppedUp = new Map<string, string>();
  const droppedDown = new Map<string, string>();
  const alteredUp = new Map<string, Set<string>>();
  const changedUp = new Map<string, Set<string>>();
  /** By table and up: what its ALTER TABLEs did (AT_SetRelOptions, …). */
  const tableCommands = new Map<string, Map<string, Set<string>>>();
  const mine = analysed.filter((x) => x.module === m.name && order.has(x.id)).sort((x, y) => order.get(x.id)! - order.get(y.id)!);
  for (const a of mine) {
    for (const t of a.touches) {
      const key = touchKey(t);
      if (!key) continue;
      const isUp = a.direction === 'up';
      if (t.action === 'create') {
        if (isUp) createdUp.set(key, a.id);
        else if (!createdDown.has(key)) createdDown.set(key, a.id);
      } else if (t.action === 'drop') {
        if (isUp) droppedUp.set(key, a.id);
        else if (!droppedDown.has(key)) droppedDown.set(key, a.id);
      } else if (t.action === 'alter' && isUp) {
        (alteredUp.get(key) ?? alteredUp.set(key, new Set()).get(key)!).add(a.id);
        if (t.subcommands) {
          const byUp = tableCommands.get(key) ?? tableCommands.set(key, new Map()).get(key)!;
          const done = byUp.get(a.id) ?? byUp.set(a.id, new Set()).get(a.id)!;
          for (const c of t.subcommands) done.add(c);
        }
      }
      // What an up alters or makes anew (CREATE OR REPLACE of an older function or view).
      if (isUp && (t.action === 'alter' || t.action === 'create')) (changedUp.get(key) ?? changedUp.set(key, new Set()).get(key)!).add(a.id);
    }
  }
  const creatorOf = (key: string): Culprit | undefined => {
    const made = createdUp.get(key);
    const down = createdDown.get(key);
    if (down !== undefined && (made === undefined || order.get(made)! >= order.get(down)!)) return culprit(down, true, 'left');
    return made === undefined ? undefined : culprit(made, false, 'left');
  };
  const dropperOf = (key: string): Culprit | undefined => {
    const byUp = droppedUp.get(key);
    if (byUp !== undefined) return culprit(byUp, false, 'dropped');
    const byDown = droppedDown.get(key);
    if (byDown !== undefined) return culprit(byDown, true, 'dropped');
    // Not dropped by name: renamed (ALTER … RENAME, SET SCHEMA alter it by its old name).
    const altering = alteredUp.get(key);
    return altering?.size ? culprit([...altering].at(-1)!, false, 'renamed') : undefined;
  };
  // What lives on a table and has no name in the SQL that removed or changed it (a constraint
  // ALTER TABLE … DROP CONSTRAINT took, the index that went with it): the table's, when one up
  // alone among them alters that table.
  const bySoleAlteration = (d: Difference, onTable: string | undefined, change: 'dropped' | 'changed'): Culprit | undefined => {
    if (onTable === undefined || d.kind === 'column') return undefined;
    const altering = alteredUp.get(`relation:${onTable}`);
    return altering?.size === 1 ? culprit([...altering][0]!, false, change) : undefined;
  };
  // A table several ups alter whose changed fields only one ALTER TABLE subcommand among them
  // sets (mattermost's autovacuum options: one SET (…), other ups adding columns).
  const bySubcommand = (d: Difference, key: string | undefined): Culprit | undefined => {
    const wanted = (d.fields ?? []).map((f) => TABLE_FIELD_COMMANDS[f]);
    if (!key || !wanted.length || wanted.some((w) => w === undefined)) return undefined;
    const ids = [...(tableCommands.get(key) ?? [])].filter(([, done]) => wanted.some((w) => w!.some((c) => done.has(c)))).map(([id]) => id);
    return ids.length === 1 ? culprit(ids[0]!, false, 'changed') : undefined;
  };
  // What lived on a table an up dropped, and is missing or changed after its down made the table
  // again (pocket-id's oauth2_storage drops oidc_authorization_codes; its down makes it with a
  // foreign key of another name): that up's, unless a later up made the table anew.
  const byTableDrop = (onTable: string | undefined, change: 'dropped' | 'changed'): Culprit | undefined => {
    if (onTable === undefined) return undefined;
    const dropped = droppedUp.get(`relation:${onTable}`);
    const made = createdUp.get(`relation:${onTable}`);
    return dropped !== undefined && (made === undefined || order.get(made)! < order.get(dropped)!) ? culprit(dropped, false, change) : undefined;
  };
  const isTable = (d: Difference) => SNAPSHOT_FAMILY[d.kind] === 'relation' && d.kind !== 'index' && d.kind !== 'sequence';
  const leftTables = new Set(left.filter((d) => d.change === 'extra' && isTable(d)).map((d) => `${d.schema}.${d.name}`));
  const droppedTables = new Set(left.filter((d) => d.change === 'missing' && isTable(d)).map((d) => `${d.schema}.${d.name}`));
  const groups = new Map<Culprit, { name: string; bare: boolean }[]>();
  /** By culprit: its differences, with what lives on a table it left or dropped whole (a CREATE TABLE needs its columns). */
  const groupDiffs = new Map<Culprit, Difference[]>();
  let unnamed = false;
  for (const d of left) {
    const ownedBy = columnOwning(d);
    const owner = ownedBy ? ownedBy.slice(0, ownedBy.lastIndexOf('.')) : undefined;
    const onTable = d.table !== undefined ? `${d.schema}.${d.table}` : owner;
    const key = differenceKey(d);
    let by: Culprit | undefined;
    if (d.change === 'extra') {
      // What lives on a table left behind is told with the table.
      if (onTable !== undefined && leftTables.has(onTable)) continue;
      // A column is its own (an older table's); a constraint, index or trigger without a name the SQL gives goes with its table's creator.
      by = (key ? creatorOf(key) : undefined) ?? (onTable === undefined || d.kind === 'column' ? undefined : creatorOf(`relation:${onTable}`));
    } else if (d.change === 'missing') {
      if (onTable !== undefined && droppedTables.has(onTable)) continue;
      by = (key ? dropperOf(key) : undefined) ?? byTableDrop(onTable, 'dropped') ?? bySoleAlteration(d, onTable, 'dropped');
    } else {
      const changing = key ? changedUp.get(key) : undefined;
      by = changing?.size === 1 ? culprit([...changing][0]!, false, 'changed') : (bySubcommand(d, key) ?? bySoleAlteration(d, onTable, 'changed') ?? byTableDrop(onTable, 'changed'));
    }
    if (by === undefined) {
      unnamed = true;
      continue;
    }
    const f = SNAPSHOT_FAMILY[d.kind];
    const name = `${d.kind === 'column' || d.kind === 'table' ? '' : `${d.kind} `}${d.schema === schema || f === 'schema' || f === 'extension' ? '' : `${d.schema}.`}${d.table !== undefined ? `${d.table}.` : ''}${d.name}`;
    (groups.get(by) ?? groups.set(by, []).get(by)!).push({ name, bare: d.kind === 'column' || d.kind === 'table' });
    // A table's columns, constraints, indexes, and the sequences its columns own (a serial's).
    const parts = isTable(d) && d.change !== 'changed' ? left.filter((x) => x.change === d.change && ((x.table === d.name && x.schema === d.schema) || columnOwning(x)?.startsWith(`${d.schema}.${d.name}.`))) : [];
    (groupDiffs.get(by) ?? groupDiffs.set(by, []).get(by)!).push(d, ...parts);
  }
  // In migration order, a migration's up before its down; what it left before what it dropped, renamed or changed.
  const changes: Culprit['change'][] = ['left', 'dropped', 'renamed', 'changed'];
  const renamers = new Set([...groups.keys()].filter((c) => c.change === 'renamed' && !c.down).map((c) => c.id));
  const by = [...groups].sort(([a], [b]) => order.get(a.id)! - order.get(b.id)! || Number(a.down) - Number(b.down) || changes.indexOf(a.change) - changes.indexOf(b.change)).map(([by, objects]) => {
    const r = up.find((x) => x.file.id === by.id)!;
    return {
      migration: by.id,
      file: ws.rel(r.file.format === 'sql' ? (r.file.downPath ?? r.file.upPath) : r.file.upPath),
      // Tables and columns (named bare) first: "actor_sync, extension pg_trgm", not "extension pg_trgm, actor_sync".
      objects: [...objects.filter((o) => o.bare), ...objects.filter((o) => !o.bare)].map((o) => o.name),
      // A down that made something (remove that from it) or an up that renamed (rename back): no statements to add.
      // Nor for a migration that renamed: what it "created" may be a name it renamed to (DROP COLUMN url would lose site's data).
      ...(!by.down && !renamers.has(by.id) && r.file.format === 'sql' ? onlySql(sqlFor(groupDiffs.get(by) ?? [])) : {}),
      ...(by.down ? { down: true as const } : {}),
      ...(by.change !== 'left' ? { change: by.change } : {}),
    };
  });
  return { by, unnamed };
}

/** For a replay that failed on an extension the scratch database lacks: what to declare, and where. */
function undeclaredExtension(message: string, m: Module): string | undefined {
  const extension = /extension "([^"]+)" is not available/.exec(message)?.[1];
  return extension && !m.manifest.extensions.includes(extension) ? undeclaredExtensionFix(extension, m.file) : undefined;
}
