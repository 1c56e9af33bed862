import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { envReadByMigrations, localFilesLoaded, localFoldersListed, nodePreloads, undefinedGlobalFix } from '../migrations/load-js.js';
import { unawaitedBuilder } from '../runner/apply.js';
import { problem, type Problem } from '../errors.js';
import { captureModuleSql, lineOfName, type CaptureResult } from './capture.js';
import { sourceText } from '../migrations/files.js';
import type { MigrationFile } from '../migrations/files.js';
import type { AnalysedMigration } from '../plan/ownership.js';
import type { Module, Workspace } from '../workspace.js';
import { AnalysisCache, type AnalysisEntry, type CaptureInputs } from './cache.js';
import { otherToolOf } from '../history/other-tools.js';
import { analyzeSql, analyzeSqlFile, family, type Touch } from './objects.js';
import { rememberStatements, type StatementMark } from './statements.js';
import type { Runnable } from '../runner/prepare.js';
import { sameDatabase } from '../db/url.js';

export interface ModulesAnalysis {
  analysed: AnalysedMigration[];
  /** TS/JS migrations whose SQL could not be captured (the chain failed on the scratch database before them). */
  notAnalysed: { module: string; id: string; file: string }[];
  /** Warnings: why some migrations could not be analysed (BH048). */
  problems: Problem[];
  /** Per module, the TS/JS migration its chain stopped at on the scratch database: what that hides, and the fix. */
  stopped: { module: string; id: string; direction: 'up' | 'down'; file: string; message: string; fix: string; /** The failure itself, as the scratch run told it. */ reason: string }[];
  /** The SQL each TS/JS migration emits (`module:id`), where it was captured. */
  emitted: Map<string, { up: string[]; down: string[]; downRan?: true }>;
}

/**
 * What migrations create that the plan checks against the server before anything runs:
 * functions by module (lower case; a module's own uuidv7() makes its calls fine on any server, see
 * analysis/versions.ts), and roles (server-wide: one module's may serve another's GRANT), DO
 * blocks and TS migrations included; and what they use without creating it that only some
 * databases have (another tool's history table).
 */
export interface ModuleCreates {
  functions: ReadonlyMap<string, ReadonlySet<string>>;
  /** Types (and domains) each module's migrations create, lower case: one named as an extension's (vector) is the module's own. */
  types: ReadonlyMap<string, ReadonlySet<string>>;
  /** Extensions each module's migrations create (DO blocks' too). */
  extensions: ReadonlyMap<string, ReadonlySet<string>>;
  roles: ReadonlySet<string>;
  /**
   * Each migration's first use of another tool's history table that no migration of its module
   * creates (Harbor's ALTER TABLE schema_migrations, lemmy's trigger on
   * __diesel_schema_migrations), by `<module>\u0000<id>`: only a database that tool migrated has it.
   */
  otherToolTables: ReadonlyMap<string, OtherToolTableUse>;
  /**
   * Each up migration's uses of tables and views at the top level of its SQL (ALTER TABLE,
   * INSERT, a view's FROM, a foreign key's REFERENCES) that no migration of any module makes by
   * any means the analysis sees (CREATE, a rename, a DO block, dynamic SQL, a TS migration's SQL),
   * or only a later migration of its own module does, by `<module>\u0000<id>`: the plan asks the
   * database whether it has them (BH074). Another tool's history table is otherToolTables'; what
   * a serial column or a constraint makes by itself (orders_id_seq, orders_pkey) is left out.
   */
  unmadeRelations: ReadonlyMap<string, readonly RelationUse[]>;
  /**
   * What each up migration creates, alters or drops, by `<module>\u0000<id>`: a down without
   * statements reverts none of it (plan/build.ts emptyDowns). Extensions, schemas and roles (often
   * kept on purpose) and what a function body does when called are left out.
   */
  upChanges: ReadonlyMap<string, readonly Touch[]>;
  /**
   * TS/JS migrations that fail as written wherever they run — a knex builder never awaited, found
   * when the module's chain ran on a scratch database — by `<module>\u0000<id>\u0000<direction>`.
   */
  defects: ReadonlyMap<string, { file: string; line?: number; message: string }>;
}

/** A table or view a statement uses, as written, and the line where it is named. */
export interface RelationUse {
  schema?: string;
  name: string;
  line: number;
  /** The migration of the module that makes it, when only a later one does (an ordering slip). */
  madeBy?: string;
}

/**
 * The fix for a table no migration of `module` makes, which `id` uses: refused before anything
 * runs (BH074), or told when the run fails where the plan could not see it (runner/explain.ts).
 */
export function madeElsewhereFix(module: string, what: string, id: string): string {
  return `no migration of ${module} creates ${what}: it comes from elsewhere — another tool's migrations these were written beside (ory's keto expects the networks table of ory/x's networkx migrations), another module (that one owns it: list it in dependsOn and reach it through its API), or a database built by hand — create it in a migration of ${module} before ${id}, unless a migration dropped or renamed it`;
}

/** The same, where `id` is the module's first migration: the schema the migrations start from is not among them. */
export function baseSchemaFix(module: string, what: string, id: string, version: string): string {
  return `no migration of ${module} creates ${what}, and ${id} is its first: the migrations start from a schema they do not hold (one kept beside them, as tt-rss keeps schema.sql, or built by another tool); make that schema the first migration, with a version before ${version}, and adopt a database that has it already with bulkhead baseline`;
}

/** The fix for a table only another tool's code migration before `id` names (hatchet's goose .go files), which Bulkhead does not run. */
export function codeMigrationFix(module: string, what: string, script: string, id: string): string {
  return `${what} is named in ${script}, a code migration before ${id} that Bulkhead does not run (BH038): what it does must become a migration of ${module} (SQL, or knex TS/JS) that runs before ${id}`;
}

/** The fix for a table only a migration that runs later makes (an ordering slip). */
export function laterCreatorFix(what: string, creator: { id: string; version: string }, user: { id: string; version: string }): string {
  return `${what} is created by ${creator.id}, which runs after ${user.id} (migrations run in version order, ${user.version} before ${creator.version}): give ${user.id} a later version than ${creator.id}, or create ${what} in it or before it — unless a database has applied either already`;
}

/** A statement that alters, writes or reads another tool's history table. */
export interface OtherToolTableUse {
  table: string;
  tool: string;
  line: number;
}

export function moduleCreates(analysis: Pick<ModulesAnalysis, 'analysed'> & Partial<Pick<ModulesAnalysis, 'emitted' | 'stopped'>>): ModuleCreates {
  const { analysed, emitted, stopped } = analysis;
  let changes: Map<string, Touch[]> | undefined;
  let unmade: Map<string, RelationUse[]> | undefined;
  return {
    functions: functionsCreated(analysed),
    types: typesCreated(analysed),
    extensions: extensionsCreated(analysed),
    roles: new Set([...created(analysed, 'role', (n) => n).values()].flatMap((names) => [...names])),
    otherToolTables: otherToolTableUses(analysed),
    defects: new Map(
      (stopped ?? []).flatMap((x) => {
        const at = unawaitedBuilder(x.reason);
        return at ? [[`${x.module}\u0000${x.id}\u0000${x.direction}`, { file: x.file, ...at, message: x.reason }] as const] : [];
      }),
    ),
    // Only a down asks (every up would pay for it otherwise).
    get upChanges() {
      return (changes ??= upChanges(analysed, emitted));
    },
    // Only a unit with migrations to run on a server asks.
    get unmadeRelations() {
      return (unmade ??= unmadeRelationUses(analysed));
    },
  };
}

const KEPT_KINDS = new Set<Touch['kind']>(['extension', 'schema', 'role']);

/** A statement that may run again unharmed: what it makes is made only where missing, or replaced. */
const RERUNNABLE = /\b(?:IF\s+(?:NOT\s+)?EXISTS|OR\s+REPLACE)\b/i;

const VERB: Partial<Record<Touch['action'], string>> = { create: 'creates', alter: 'alters', drop: 'drops' };

/**
 * What a migration's up made that a down doing nothing leaves (`creates column t.c (line 2)`, the
 * first three), from its upChanges; undefined where such a down is right: a data change, statements
 * that may run again unharmed (IF NOT EXISTS, OR REPLACE), a new enum label (it cannot be dropped).
 */
function emptyDownLeaves(m: MigrationFile, changes: readonly Touch[]): string | undefined {
  const up = m.sql?.up.split('\n') ?? [];
  const all = m.format === 'sql' ? changes.filter((t) => !RERUNNABLE.test(up[t.line - 1] ?? '')) : changes;
  // ALTER TABLE t ADD COLUMN c is told as the column it creates, not as an alteration of t too.
  return told(all.filter((t) => !(t.action === 'alter' && (t.kind === 'type' || all.some((o) => o.table?.name === t.name)))));
}

/** Touches as a down's fix names them: `creates column t.c (line 2)` (without the verb: `column t.c (line 2)`), the first three, each once. */
function told(touches: readonly Touch[], o: { verb: boolean } = { verb: true }): string | undefined {
  const said = new Map<string, number>();
  for (const t of [...touches].sort((a, b) => a.line - b.line)) {
    const label = `${o.verb ? `${VERB[t.action]} ` : ''}${t.kind} ${t.table ? `${t.table.schema ? `${t.table.schema}.` : ''}${t.table.name}.` : t.schema ? `${t.schema}.` : ''}${t.name}`;
    if (!said.has(label)) said.set(label, t.line);
  }
  const named = [...said].map(([label, line]) => `${label} (line ${line})`);
  return named.length ? `${named.slice(0, 3).join(', ')}${named.length > 3 ? `, and ${named.length - 3} more` : ''}` : undefined;
}

/**
 * What a SQL migration's up creates OR REPLACE (a function, a view): an empty down leaves it, as
 * verify then finds, though running the up again does no harm; a missing down's fix names them.
 */
function upReplaces(m: MigrationFile, changes: ReadonlyMap<string, readonly Touch[]>, module: string): string | undefined {
  const up = m.sql?.up.split('\n') ?? [];
  return told((changes.get(`${module}\u0000${m.id}`) ?? []).filter((t) => t.action === 'create' && /\bOR\s+REPLACE\b/i.test(up[t.line - 1] ?? '')), { verb: false });
}

/**
 * The fix for a SQL migration without a down file (down's BH028, verify's no-down): what the
 * down must undo, from the module's upChanges; an empty file only where it would pass and leave
 * nothing (a data change).
 */
export function missingDownFix(m: MigrationFile, changes: ReadonlyMap<string, readonly Touch[]>, module: string): string {
  const leaves = upLeaves(m, changes, module);
  if (leaves) return `add ${m.id}.down.sql with what undoes its up, which ${leaves}; or revert with a new forward migration`;
  const replaces = upReplaces(m, changes, module);
  if (replaces) return `add ${m.id}.down.sql that drops what its up creates OR REPLACE — ${replaces} — or, where an earlier migration defined one, puts that definition back; or revert with a new forward migration`;
  // An up that drops (quickwit's 06_delete-…-trigger: DROP TRIGGER IF EXISTS …): an empty down would leave them gone.
  const drops = told((changes.get(`${module}\u0000${m.id}`) ?? []).filter((t) => t.action === 'drop'), { verb: false });
  if (drops) return `add ${m.id}.down.sql that makes again what its up drops — ${drops} — ${drops.includes('), ') ? 'as the migrations that made them had them' : 'as the migration that made it had it'}; or revert with a new forward migration`;
  return `add ${m.id}.down.sql (an empty file if there is nothing to undo), or revert with a new forward migration`;
}

/**
 * What a migration's up makes that only a down with statements undoes (emptyDownLeaves), from the
 * module's upChanges; undefined where an empty down is right.
 */
function upLeaves(m: MigrationFile, changes: ReadonlyMap<string, readonly Touch[]>, module: string): string | undefined {
  return emptyDownLeaves(m, changes.get(`${module}\u0000${m.id}`) ?? []);
}

/** A down that does nothing while its up changes the schema, told alike by `down` (BH028) and `verify` (empty-down). */
export interface EmptyDown {
  /** What the up made that it leaves (the first three, with their lines). */
  leaves: string;
  /** Which down: `its down (x.down.sql)`, `its down(knex) in x.ts`. */
  down: string;
  /** `has no statements`, `sends no SQL`. */
  does: string;
  /** Where the undoing goes: `x.down.sql`, `x.ts's down(knex)`. */
  writeIn: string;
}

/**
 * The down of a module's migration, when it does nothing while its up changes the schema: a SQL
 * down without statements (read here), or a TS/JS down in `changes` (upChanges keeps one only when
 * it sends no SQL).
 */
export function emptyDown(down: Runnable, changes: ReadonlyMap<string, readonly Touch[]>, module: string): EmptyDown | undefined {
  if (down.step.format === 'sql' && down.step.statements.length > 0) return undefined;
  const leaves = upLeaves(down.file, changes, module);
  if (!leaves) return undefined;
  const file = path.basename(down.step.path);
  return down.step.format === 'sql'
    ? { leaves, down: `its down (${file})`, does: 'has no statements', writeIn: file }
    : { leaves, down: `its down(knex) in ${file}`, does: 'sends no SQL', writeIn: `${file}'s down(knex)` };
}

/**
 * See ModuleCreates.upChanges. A TS/JS migration is in it only when its down sends no SQL (on the
 * scratch database its SQL was captured on) while its up sends a change that would not run again
 * unharmed; a SQL migration's down is read by the caller.
 */
function upChanges(analysed: readonly AnalysedMigration[], emitted?: ModulesAnalysis['emitted']): Map<string, Touch[]> {
  const out = new Map<string, Touch[]>();
  for (const a of analysed) {
    if (a.direction !== 'up') continue;
    const code = emitted?.get(`${a.module}:${a.id}`);
    if (code) {
      // A down that never ran on the scratch database (a later one failed, or a SQL migration
      // without a down ended the chain) is unknown, not empty.
      if (!code.downRan) continue;
      // The capture's own search path, set before each migration, is not the migration's.
      if (code.down.some((sql) => !/^SELECT set_config\('search_path', /.test(sql))) continue;
      if (code.up.every((sql) => !/^\s*(?:CREATE|ALTER|DROP)\b/i.test(sql) || RERUNNABLE.test(sql))) continue;
    }
    // An object dropped and made again in the same up (Prisma's DROP TABLE IF EXISTS "PasswordResetToken"
    // CASCADE; CREATE TABLE "PasswordResetToken"), with what is made on it: applied again after an empty down, it is made anew.
    const key = (kind: string, name: string, schema?: string) => `${kind}\u0000${schema ?? ''}\u0000${name}`;
    const dropped = new Set<string>();
    const remade = new Set<string>();
    for (const t of a.touches) {
      if (t.action === 'drop') dropped.add(key(t.kind, t.name, t.schema));
      else if (t.action === 'create' && dropped.has(key(t.kind, t.name, t.schema))) remade.add(key(t.kind, t.name, t.schema));
    }
    const madeAnew = (t: Touch) => remade.has(key(t.kind, t.name, t.schema)) || (t.table !== undefined && remade.has(key('table', t.table.name, t.table.schema)));
    const changes = a.touches.filter((t) => (t.action === 'create' || t.action === 'alter' || t.action === 'drop') && !t.rerunnable && !KEPT_KINDS.has(t.kind) && t.context !== 'function body' && !madeAnew(t));
    if (changes.length) out.set(`${a.module}\u0000${a.id}`, changes);
  }
  return out;
}

/**
 * Top-level statements of up migrations that alter, write or read (not create or drop: DROP TABLE
 * IF EXISTS schema_migrations is crates.io's clean-up) another tool's history table its module
 * never creates. In a DO block or a TS migration the use is left alone (such code often checks
 * first).
 */
function otherToolTableUses(analysed: readonly AnalysedMigration[]): Map<string, OtherToolTableUse> {
  const tables = created(analysed, 'table', (n) => n.toLowerCase());
  const out = new Map<string, OtherToolTableUse>();
  for (const a of analysed) {
    if (a.direction !== 'up') continue;
    for (const t of a.touches) {
      if ((t.kind !== 'table' && t.kind !== 'relation') || t.context !== undefined || (t.action !== 'alter' && t.action !== 'write' && t.action !== 'reference')) continue;
      const tool = otherToolOf(t.schema ?? '', t.name);
      if (!tool || tables.get(a.module)?.has(t.name.toLowerCase())) continue;
      out.set(`${a.module}\u0000${a.id}`, { table: t.schema ? `${t.schema}.${t.name}` : t.name, tool, line: t.line });
      break;
    }
  }
  return out;
}

/** Names PostgreSQL makes by itself beside a table: a serial column's sequence, a constraint's index. */
const IMPLICIT_NAME = /_(?:seq|pkey|key|fkey|idx|excl|check)$/i;

/** See ModuleCreates.unmadeRelations. */
function unmadeRelationUses(analysed: readonly AnalysedMigration[]): Map<string, RelationUse[]> {
  // By name: the modules whose migrations make it, each with the first up that does ('' for a
  // down's: no order to judge by). Ids sort as the migrations run (versions of one width).
  const makers = new Map<string, Map<string, string>>();
  for (const a of analysed) {
    for (const t of a.touches) {
      // Anything of the names a table shares (an index, a sequence): one set of names per schema.
      if (t.action !== 'create' || family(t.kind) !== 'relation') continue;
      const name = t.name.toLowerCase();
      const byModule = makers.get(name) ?? makers.set(name, new Map()).get(name)!;
      const id = a.direction === 'up' ? a.id : '';
      const first = byModule.get(a.module);
      if (first === undefined || id < first) byModule.set(a.module, id);
    }
  }
  const out = new Map<string, RelationUse[]>();
  for (const a of analysed) {
    if (a.direction !== 'up') continue;
    const seen = new Set<string>();
    const uses: RelationUse[] = [];
    for (const t of a.touches) {
      if (t.context !== undefined || (t.action !== 'alter' && t.action !== 'write' && t.action !== 'reference')) continue;
      if (family(t.kind) !== 'relation' || t.kind === 'sequence' || t.kind === 'index') continue;
      const name = t.name.toLowerCase();
      if (seen.has(name) || IMPLICIT_NAME.test(name) || otherToolOf(t.schema ?? '', t.name)) continue;
      // Made by another module, or by this one before (or in) this migration: not judged. Made
      // only by a later migration of its own: an ordering slip, named with that migration.
      const byModule = makers.get(name);
      const later = byModule?.size === 1 ? byModule.get(a.module) : undefined;
      if (byModule && (later === undefined || later <= a.id)) continue;
      seen.add(name);
      // As written: a schema a SET search_path gave an unqualified name is not shown.
      uses.push({ ...(t.schema !== undefined && t.searchPath === undefined ? { schema: t.schema } : {}), name: t.name, line: t.line, ...(later !== undefined ? { madeBy: later } : {}) });
    }
    if (uses.length) out.set(`${a.module}\u0000${a.id}`, uses);
  }
  return out;
}

/** The functions each module's migrations create (lower case, by module). */
export function functionsCreated(analysed: readonly AnalysedMigration[]): Map<string, Set<string>> {
  return created(analysed, 'function', (n) => n.toLowerCase());
}

/**
 * The extensions a module's database is given by the manifests and migrations: those it and the
 * modules in other schemas of the same database declare (db create makes them) or create
 * (`created`: extensionsCreated), whichever of them runs first.
 */
export function databaseExtensions(module: Module, modules: readonly Module[], created: ReadonlyMap<string, ReadonlySet<string>>): Set<string> {
  const sharing = modules.filter((m) => m === module || sameDatabase(m.target, module.target));
  return new Set([...module.manifest.extensions, ...sharing.flatMap((m) => [...m.manifest.extensions, ...(created.get(m.name) ?? [])])]);
}

/** The types each module's migrations create (lower case, by module). */
export function typesCreated(analysed: readonly AnalysedMigration[]): Map<string, Set<string>> {
  return created(analysed, 'type', (n) => n.toLowerCase());
}

/** The extensions each module's migrations create (by module). */
export function extensionsCreated(analysed: readonly AnalysedMigration[]): Map<string, Set<string>> {
  return created(analysed, 'extension', (n) => n);
}

function created(analysed: readonly AnalysedMigration[], kind: Touch['kind'], name: (n: string) => string): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const a of analysed) {
    if (a.direction !== 'up') continue;
    for (const t of a.touches) if (t.kind === kind && t.action === 'create') (out.get(a.module) ?? out.set(a.module, new Set()).get(a.module)!).add(name(t.name));
  }
  return out;
}

/**
 * What every migration (both directions) of these modules does to database objects, cached by
 * checksum. SQL files are analysed on the parser (a file that does not parse is left to the checks
 * that report syntax errors, BH033); TS/JS migrations from the SQL they emit when the module's
 * chain runs on an in-memory scratch database.
 */
export async function analyseModules(ws: Workspace, modules: readonly Module[], cache = new AnalysisCache(ws.root)): Promise<ModulesAnalysis> {
  const analysed: AnalysedMigration[] = [];
  const notAnalysed: ModulesAnalysis['notAnalysed'] = [];
  const keep = new Map<string, Set<string>>();
  const problems: Problem[] = [];
  const emitted: ModulesAnalysis['emitted'] = new Map();
  const stopped: ModulesAnalysis['stopped'] = [];
  for (const module of modules) {
    if (!module.scanned) continue;
    const live = new Set<string>();
    keep.set(module.name, live);
    // TS/JS migrations: from the SQL they emit on a scratch database, once per checksum.
    const js = module.migrations.filter((m) => m.format === 'js');
    const checksumOf = new Map(module.migrations.map((m) => [m.id, m.checksum]));
    // A remembered failure holds while the migration that stopped the chain is unchanged; what
    // any of them emitted, while the files they import and the variables they read are.
    const inputsHold = js.length === 0 || inputsUnchanged(ws.root, cache.inputs(module.name));
    const known = (m: MigrationFile) => {
      if (!inputsHold) return false;
      const e = cache.get(module.name, m.checksum);
      return e !== undefined && (!e.failed || checksumOf.get(e.failed.at) === e.failed.checksum);
    };
    if (js.some((m) => !known(m))) {
      let result: CaptureResult;
      try {
        result = await captureOnce(ws, module);
      } catch (e) {
        // The scratch database itself could not be made (an extension PGlite lacks, say).
        const first = js[0]!;
        result = { captured: new Map(), stopped: { id: first.id, direction: 'up', message: (e as Error).message.split('\n')[0]! } };
      }
      const { captured, stopped } = result;
      cache.setInputs(module.name, captureInputs(ws));
      const source = new Map(js.map((m) => [m.id, sourceText(m.upPath)]));
      for (const m of js) {
        const c = captured.get(m.id);
        if (!c) continue;
        const attribute = async (sqls: string[], direction: 'up' | 'down') => {
          const out: Touch[] = [];
          for (const sql of sqls) {
            const touches = await parsed(sql);
            for (const t of touches ?? []) out.push({ ...t, line: lineOfName(source.get(m.id)!, direction, t.table && t.kind !== 'index' ? t.table.name : t.name), column: 1, context: 'SQL it emits' });
          }
          return out;
        };
        cache.set(module.name, m.checksum, { up: await attribute(c.up, 'up'), down: await attribute(c.down, 'down'), sql: { up: c.up, down: c.down, ...(c.downRan ? { downRan: true as const } : {}) } });
      }
      if (stopped) {
        for (const m of js) {
          if (captured.has(m.id)) continue;
          const sent = m.id === stopped.id && stopped.sql ? { sql: { up: stopped.sql, down: [] } } : {};
          cache.set(module.name, m.checksum, { up: [], down: [], ...sent, failed: { message: stopped.message, at: stopped.id, checksum: checksumOf.get(stopped.id)!, direction: stopped.direction, code: stopped.code } });
        }
      }
    }
    const failed = js.map((m) => cache.get(module.name, m.checksum)?.failed).find((f) => f !== undefined);
    if (failed) {
      const at = module.migrations.find((m) => m.id === failed.at);
      const file = at ? ws.rel(at.upPath) : module.file;
      const hidden = `so what ${module.name}'s TS/JS migrations from there on do is not checked for isolation nor linted`;
      // A migration that does not prepare (a file that does not load, BH017) is reported by validate
      // and up themselves; only a failure on the scratch database (or a missing down, BH028) is BH048.
      if (failed.code === undefined || failed.code === 'BH028') {
        const message = `${failed.at} failed on an embedded scratch database, ${hidden}: ${failed.message}`;
        const fix = stoppedFix(failed, module.name);
        problems.push(problem('BH048', message, { module: module.name, file, fix }));
        stopped.push({ module: module.name, id: failed.at, direction: failed.direction, file, message, fix, reason: failed.message });
      } else {
        stopped.push({ module: module.name, id: failed.at, direction: failed.direction, file, message: `${failed.at} cannot be loaded (${failed.code}: ${failed.message}), ${hidden}`, fix: 'bulkhead validate names the problem and its fix', reason: failed.message });
      }
    }
    for (const m of module.migrations) {
      live.add(m.checksum);
      if (m.format !== 'sql' || !m.sql) {
        const entry = cache.get(module.name, m.checksum);
        if (!entry || entry.failed) {
          notAnalysed.push({ module: module.name, id: m.id, file: ws.rel(m.upPath) });
          // The migration that failed: what it sent until then, for lint.
          if (entry?.sql) emitted.set(`${module.name}:${m.id}`, entry.sql);
          continue;
        }
        analysed.push({ module: module.name, id: m.id, file: ws.rel(m.upPath), direction: 'up', touches: entry.up });
        analysed.push({ module: module.name, id: m.id, file: ws.rel(m.upPath), direction: 'down', touches: entry.down });
        if (entry.sql) emitted.set(`${module.name}:${m.id}`, entry.sql);
        continue;
      }
      let entry: AnalysisEntry | undefined = cache.get(module.name, m.checksum);
      if (!entry) {
        const up = await parsedFile(m.sql.up);
        const down = m.sql.down === undefined ? { touches: [], statements: undefined } : await parsedFile(m.sql.down);
        if (up === undefined || down === undefined) continue;
        entry = { up: up.touches, down: down.touches, statements: { up: up.statements, ...(down.statements ? { down: down.statements } : {}) } };
        cache.set(module.name, m.checksum, entry);
      }
      // The runner splits these files the same way: it need not parse them again.
      if (entry.statements) {
        rememberStatements(`${m.checksum}:up`, entry.statements.up);
        if (entry.statements.down) rememberStatements(`${m.checksum}:down`, entry.statements.down);
      }
      analysed.push({ module: module.name, id: m.id, file: ws.rel(m.upPath), direction: 'up', touches: entry.up });
      if (m.downPath) analysed.push({ module: module.name, id: m.id, file: ws.rel(m.downPath), direction: 'down', touches: entry.down });
    }
  }
  cache.save(keep);
  return { analysed, notAnalysed, problems, emitted, stopped };
}

/**
 * The statement splits the analysis cache holds for these modules' SQL files, remembered for the
 * runner (splitStatements then does not parse them again): for commands that prepare migrations
 * before they analyse them, if they do (validate, verify, drift). A file not in the cache is split
 * by the runner. Returns the cache as read, for an analysis of the same modules to go on with.
 */
export function rememberCachedStatements(ws: Workspace, modules: readonly Module[]): AnalysisCache {
  const cache = new AnalysisCache(ws.root);
  for (const module of modules) {
    for (const m of module.migrations) {
      const statements = m.format === 'sql' && m.sql ? cache.get(module.name, m.checksum)?.statements : undefined;
      if (!statements) continue;
      rememberStatements(`${m.checksum}:up`, statements.up);
      if (statements.down) rememberStatements(`${m.checksum}:down`, statements.down);
    }
  }
  return cache;
}

async function parsedFile(sql: string): Promise<{ touches: Touch[]; statements: StatementMark[] } | undefined> {
  try {
    return await analyzeSqlFile(sql);
  } catch {
    return undefined;
  }
}

async function parsed(sql: string): Promise<Touch[] | undefined> {
  try {
    return await analyzeSql(sql);
  } catch {
    return undefined;
  }
}

/** Captures under way in this process, so concurrent runs (the library API, a batch) capture a chain once. */
const inflight = new Map<string, Promise<CaptureResult>>();

/** What to do about a module's chain that stopped on the scratch database at `failed.at` (BH048). */
function stoppedFix(failed: { at: string; message: string }, module: string): string {
  const why = failed.message;
  if (/cannot (run|be executed) inside a transaction block/.test(why)) {
    return `${failed.at} fails wherever it runs in a transaction: export const config = { transaction: false } from it (CommonJS: exports.config = { transaction: false })`;
  }
  if (/needs the pg-query-stream package/.test(why)) return `install pg-query-stream where knex is (npm install pg-query-stream), or read ${failed.at}'s rows with await in batches`;
  if (/called process\.exit\(/.test(why)) return `${failed.at} exits the process: throw an Error instead, and make what it checks (an environment variable?) hold where Bulkhead runs`;
  const global = undefinedGlobalFix(why);
  if (global) return global;
  // The migration's own code, not the database: a method knex does not have, a value not there.
  if (/\bis not a (function|constructor)\b|^Cannot read properties of (undefined|null)\b|^Cannot destructure\b/.test(why)) {
    return `${failed.at}'s own code failed (a JavaScript error, not the database's): its up gets a knex instance (knex.schema.createTable(…), knex.raw(sql)); fix the code — up and verify would fail on it the same way`;
  }
  if (unawaitedBuilder(why)) return `await the builder (or return it) in ${failed.at}: while it is pending, plan, up and down refuse it before anything runs (BH073), and verify fails on it`;
  if (/\bdoes not exist\b/.test(why) && !/extension/i.test(why)) {
    return `analysis replays ${module}'s migrations from an empty embedded database: one that needs objects made outside them (a base schema, another tool's tables) cannot run there; create those in a first migration, or check these migrations by hand`;
  }
  return 'analysis runs the chain on PGlite: declare the extensions the migrations need in "extensions", or keep to SQL PGlite supports; until then check these migrations by hand';
}

/** Whether what a module's capture depended on (see CaptureInputs) still hashes as recorded. */
function inputsUnchanged(root: string, inputs: CaptureInputs | undefined): boolean {
  if (!inputs) return false;
  for (const [name, digest] of Object.entries(inputs.env)) if (envDigest(name) !== digest) return false;
  if (JSON.stringify(preloadDigests()) !== JSON.stringify(inputs.preloads ?? [])) return false;
  const real = realRoot(root);
  for (const [file, digest] of Object.entries(inputs.files)) {
    let now: string | undefined;
    try {
      // A folder's key ends with "/": its listing's digest.
      now = file.endsWith('/') ? listingDigest(path.join(real, file)) : sha256(fs.readFileSync(path.join(real, file)));
    } catch {
      now = undefined;
    }
    if (now !== digest) return false;
  }
  return true;
}

/**
 * What the capture just made depended on: the workspace's files loaded while migrations were
 * imported, other than migrations (their own checksums key their entries), and the environment
 * variables migrations' code has read in this process.
 */
function captureInputs(ws: Workspace): CaptureInputs {
  const migrations = new Set(ws.modules.flatMap((m) => m.migrations.flatMap((f) => [f.upPath, ...(f.downPath ? [f.downPath] : [])])));
  const files: Record<string, string> = {};
  // Loaded files are named by their real path (a workspace under a linked folder is not).
  const real = realRoot(ws.root);
  for (const file of localFilesLoaded(real)) {
    if (migrations.has(file)) continue;
    try {
      files[path.relative(real, file).split(path.sep).join('/')] = sha256(fs.readFileSync(file));
    } catch {
      // gone since it loaded: the next run captures again
    }
  }
  for (const folder of localFoldersListed(real)) {
    try {
      files[`${path.relative(real, folder).split(path.sep).join('/')}/`] = listingDigest(folder);
    } catch {
      // gone since it was listed: the next run captures again
    }
  }
  const env: Record<string, string | null> = {};
  for (const name of [...envReadByMigrations()].sort()) env[name] = envDigest(name);
  return { files, env, preloads: preloadDigests() };
}

/** A folder's entries, as the cache keeps a folder a migration listed: the sha256 of their sorted names. */
function listingDigest(folder: string): string {
  return sha256(Buffer.from(fs.readdirSync(folder).sort().join('\n')));
}

/**
 * What Node loaded before Bulkhead (nodePreloads), as the cache keeps it: each module as written
 * with its file's sha256 (null for a package's name, or a file that cannot be read). Read once per
 * process: it loaded them once, before anything else.
 */
function preloadDigests(): [string, string | null][] {
  return (preloads ??= nodePreloads().map((spec) => {
    if (!/^(\.{1,2}[\\/]|\/|file:|[A-Za-z]:[\\/])/.test(spec)) return [spec, null];
    try {
      const file = spec.startsWith('file:') ? fileURLToPath(spec) : path.resolve(spec);
      return [spec, sha256(fs.readFileSync(file))];
    } catch {
      return [spec, null];
    }
  }));
}
let preloads: [string, string | null][] | undefined;

/** An environment variable as the cache keeps it: its value's sha256, null when unset. */
function envDigest(name: string): string | null {
  const value = process.env[name];
  return value === undefined ? null : sha256(Buffer.from(value));
}

function realRoot(root: string): string {
  try {
    return fs.realpathSync(root);
  } catch {
    return root;
  }
}

function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

function captureOnce(ws: Workspace, module: Module): Promise<CaptureResult> {
  const key = [ws.root, module.name, ...module.migrations.map((m) => m.checksum)].join('\u0000');
  let p = inflight.get(key);
  if (!p) {
    p = captureModuleSql(ws, module).finally(() => inflight.delete(key));
    inflight.set(key, p);
  }
  return p;
}
