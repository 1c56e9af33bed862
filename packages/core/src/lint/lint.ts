import { analyseModules, databaseExtensions, extensionsCreated, functionsCreated, typesCreated } from '../analysis/migrations.js';
import { analyzeSql } from '../analysis/objects.js';
import { parsePieces, parser } from '../analysis/parser.js';
import { parsableSql } from '../analysis/copy-data.js';
import { lineMap } from '../analysis/positions.js';
import { lineOfName } from '../analysis/capture.js';
import { sourceText } from '../migrations/files.js';
import { doBlockExtensions, leadingCommentBytes, shortenSql } from '../analysis/statements.js';
import { DEFAULT_LOCK_TIMEOUT_MS, isProduction, loadValidWorkspace, selectModules, type CommonOptions } from '../commands/options.js';
import { withTarget, withTargets } from '../db/targets.js';
import { BulkheadError } from '../errors.js';
import { parseDirectives, type SqlDirectives } from '../migrations/directives.js';
import { foreignSuppressions, type ForeignSuppression } from './foreign-suppressions.js';
import { listUnits, readUnits } from '../runner/read.js';
import type { ExitCode } from '../errors.js';
import type { MigrationFile } from '../migrations/files.js';
import { checkOwnership, fixedSchemaInTenants } from '../plan/ownership.js';
import type { Module, Workspace } from '../workspace.js';
import { ENGINE_RULES, RULES } from './registry.js';
import type { LintFile, LintFinding, LintStatement, Rule, RuleHit, Severity } from './types.js';
import { traceModule, type TracedMigration } from './trace.js';
import { References } from './references.js';

export interface LintOptions extends CommonOptions {
  /** PostgreSQL major version the migrations must run on (default 15). */
  pgVersion?: number;
  /** Also run the migrations on a scratch database and report the locks each actually took. */
  trace?: boolean;
  /** Server for the scratch database of --trace (default: next to each module's own). */
  server?: string;
  /**
   * Lint only what `up` would run, reading each module's history: tables that an earlier pending
   * migration creates are new (empty, unused), and the target version defaults to the server's.
   */
  pending?: boolean;
}

export interface LintResult {
  command: 'lint';
  exitCode: ExitCode;
  findings: LintFinding[];
  /** Every rule, for SARIF and `--json` readers. */
  rules: { code: string; name: string; rationale: string; fix: string; severity: Severity }[];
  files: number;
  statements: number;
  /** With --trace: per migration, the table locks PostgreSQL granted. */
  trace?: TracedMigration[];
}

export const DEFAULT_PG_VERSION = 15;

/**
 * `lint` (SPEC §8): the rules over the SQL each migration runs (SQL files on the parser; TS/JS
 * migrations from the SQL they emit on a scratch database), with what Bulkhead knows: which
 * tables the file creates, what a down's up created, whether it runs in a transaction, the
 * target PostgreSQL version, the module's manifest and every module's objects. Exit 1 when an
 * error-level finding remains after suppressions and the manifest's configuration.
 */
export async function lint(o: LintOptions = {}): Promise<LintResult> {
  // Reading files only (no --pending; --trace on a server given), an unset URL variable does not stop it.
  const ws = loadValidWorkspace({ ...o, modules: undefined, filesOnly: !o.pending && (!o.trace || o.server !== undefined) });
  const selected = selectModules(ws, o.modules);
  const live = o.pending ? await pendingOf(ws, selected, o) : undefined;
  const pgVersion = o.pgVersion ?? live?.pgVersion ?? DEFAULT_PG_VERSION;
  const analysis = await analyseModules(ws, ws.modules);
  const created = functionsCreated(analysis.analysed);
  const types = typesCreated(analysis.analysed);
  const extensions = extensionsCreated(analysis.analysed);
  const findings: LintFinding[] = [];
  let files = 0;
  let statements = 0;
  for (const module of selected) {
    // A down is expected to drop what the module's ups create (not only its own up's: a change is often spread over several).
    const ups = module.migrations.flatMap((m) => (m.sql ? [m.sql.up] : (analysis.emitted.get(`${module.name}:${m.id}`)?.up.join(';\n') ?? [])));
    const qualify = qualifier(module);
    const ownFunctions = created.get(module.name);
    // Extensions are the database's: modules in other schemas of it declare and create them too.
    const own = { ownFunctions, ownTypes: types.get(module.name), ownExtensions: databaseExtensions(module, ws.modules, extensions) };
    // Only a module with downs needs it (parsing every up twice costs a second pass).
    const moduleCreates = new Set<string>();
    const hasDowns = module.migrations.some((m) => m.downPath || (m.format === 'js' && analysis.emitted.get(`${module.name}:${m.id}`)?.down.length));
    if (hasDowns) for (const u of ups) for (const x of createdBy(await parseStatements(u).catch(() => []), qualify).all) moduleCreates.add(x);
    // Views and foreign keys on each table, followed through the ups in order.
    const references = new References();
    // With --pending: what the run's earlier migrations create is new to its later ones.
    const pendingIds = live?.pending.get(module.name);
    const newTables = new Set<string>();
    for (const m of module.migrations) {
      if (pendingIds && !pendingIds.has(m.id)) {
        if (m.sql) for (const st of await parseStatements(m.sql.up).catch(() => [])) references.apply(st, qualify);
        continue;
      }
      for (const direction of ['up', 'down'] as const) {
        if (pendingIds && direction === 'down') continue;
        const found = await sourcesOf(ws, module, m, direction, analysis.emitted.get(`${module.name}:${m.id}`));
        if (!found) continue;
        // A down runs after the later migrations' downs: what referenced a table then is not known, so only the file itself counts.
        // Column types are those its up left (the later migrations' downs restored them), so a down widening back is no rewrite.
        const sources = { ...(direction === 'down' ? { ...found, createdByUp: moduleCreates, afterUp: references.copy() } : { ...found, references, newTables }), ...own };
        files++;
        for (const src of sources.sql) {
          const f = await lintFile(ws, module, m, direction, src, sources, pgVersion);
          if (!f) continue;
          statements += f.file.statements.length;
          findings.push(...f.findings);
          if (direction === 'up') for (const st of f.file.statements) references.apply(st, f.file.qualify);
          if (direction === 'up' && pendingIds) for (const t of createdBy(f.file.statements, f.file.qualify).all) newTables.add(t);
        }
      }
    }
  }
  // Objects of other modules: the isolation analysis, as lint findings.
  const pendingFiles = live ? new Set(selected.flatMap((m) => m.migrations.filter((x) => live.pending.get(m.name)?.has(x.id)).flatMap((x) => [ws.rel(x.upPath), ...(x.downPath ? [ws.rel(x.downPath)] : [])]))) : undefined;
  for (const p of checkOwnership(ws.modules, analysis.analysed, { subjects: new Set(selected.map((m) => m.name)) })) {
    if (pendingFiles && !pendingFiles.has(p.file ?? '')) continue;
    const r = ENGINE_RULES.otherModule;
    findings.push({ code: r.code, rule: r.name, severity: r.severity, module: p.module ?? '', file: p.file ?? '', line: p.line ?? 1, column: p.column ?? 1, statement: '', message: p.message, fix: p.fix ?? r.fix });
  }
  // A schema-tenant module's objects in a fixed schema: one object for every tenant.
  for (const p of fixedSchemaInTenants(selected, analysis.analysed)) {
    if (pendingFiles && !pendingFiles.has(p.file ?? '')) continue;
    const r = ENGINE_RULES.fixedSchemaInTenants;
    findings.push({ code: r.code, rule: r.name, severity: r.severity, module: p.module ?? '', file: p.file ?? '', line: p.line ?? 1, column: p.column ?? 1, statement: '', message: p.message, fix: p.fix ?? r.fix });
  }
  // TS/JS migrations whose SQL is not known (the chain failed on the scratch database, or a
  // migration does not even load): said, not skipped silently.
  for (const x of analysis.stopped) {
    if (!selected.some((m) => m.name === x.module)) continue;
    const r = ENGINE_RULES.notLinted;
    findings.push({ code: r.code, rule: r.name, severity: r.severity, module: x.module, file: x.file, line: 1, column: 1, statement: '', message: x.message, fix: x.fix });
  }
  const configured = findings.map((x) => configure(ws, x)).filter((x): x is LintFinding => x !== undefined);
  configured.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column || a.code.localeCompare(b.code));
  const trace = o.trace ? (await Promise.all(selected.map((m) => traceModule(ws, m, { server: o.server })))).flat() : undefined;
  return {
    command: 'lint',
    ...(trace ? { trace } : {}),
    exitCode: configured.some((x) => x.severity === 'error') ? 1 : 0,
    findings: configured,
    rules: [...RULES, ...Object.values(ENGINE_RULES)].map((r) => ({ code: r.code, name: r.name, rationale: r.rationale, fix: r.fix, severity: r.severity })),
    files,
    statements,
  };
}

/** The manifest's per-rule configuration: off drops the finding, warning/error set its severity. */
function configure(ws: Workspace, x: LintFinding): LintFinding | undefined {
  const rules = ws.byName.get(x.module)?.manifest.lint?.rules ?? {};
  const setting = rules[x.code] ?? rules[x.rule];
  if (setting === 'off') return undefined;
  return setting ? { ...x, severity: setting } : x;
}

interface Sources {
  /** One SQL text (a file), or one per statement a TS migration emitted. */
  sql: string[];
  file: string;
  ts?: { source: string };
  transactional: boolean;
  foreignNoTransaction?: SqlDirectives['foreignNoTransaction'];
  allow: { rule: string; reason: string; line: number }[];
  /** Atlas's and squawk's suppression comments in a SQL file, for the rules of ours they cover. */
  foreign?: ForeignSuppression[];
  /** The up's SQL, for a down (what it is expected to drop). */
  up?: string[];
  /** Or what it is expected to drop, already known. */
  createdByUp?: Set<string>;
  /** Views and foreign keys referencing each table before this file runs. */
  references?: References;
  /** For a down: the facts after its up (column types; a down runs where its up left the schema). */
  afterUp?: References;
  /** Tables earlier migrations of the same run create (--pending): new to this file too. */
  newTables?: ReadonlySet<string>;
  /** Functions the module's migrations create (a uuidv7() of its own). */
  ownFunctions?: ReadonlySet<string>;
  /** Types the module's migrations create. */
  ownTypes?: ReadonlySet<string>;
  /** Extensions the module's migrations create or its manifest declares. */
  ownExtensions?: ReadonlySet<string>;
}

async function sourcesOf(ws: Workspace, module: Module, m: MigrationFile, direction: 'up' | 'down', emitted: { up: string[]; down: string[] } | undefined): Promise<Sources | undefined> {
  if (m.format === 'sql' && m.sql) {
    const text = direction === 'up' ? m.sql.up : m.sql.down;
    const directives = direction === 'up' ? m.sql.directives : m.sql.downDirectives;
    const file = direction === 'up' ? m.upPath : m.downPath;
    if (text === undefined || !file || !directives) return undefined;
    return { sql: [text], file: ws.rel(file), transactional: !directives.noTransaction, foreignNoTransaction: directives.foreignNoTransaction, allow: directives.allow, foreign: foreignSuppressions(text), ...(direction === 'down' ? { up: [m.sql.up] } : {}) };
  }
  if (!emitted) return undefined;
  const source = sourceText(m.upPath);
  const sql = direction === 'up' ? emitted.up : emitted.down;
  if (!sql.length) return undefined;
  const noTransaction = /config\s*=\s*\{[^}]*transaction\s*:\s*false/.test(source);
  // `// bulkhead:allow <code|rule> <reason>` in a TS/JS file covers the file's findings of that rule.
  const allow = source.split('\n').flatMap((text, i) => {
    const a = /^\s*\/\/\s*bulkhead:allow\s+(\S+)\s*(.*?)\s*$/.exec(text);
    return a ? [{ rule: a[1]!, reason: a[2] ?? '', line: i + 1 }] : [];
  });
  // One text, so a table the migration creates is new to its later statements too.
  return { sql: [sql.join(';\n')], file: ws.rel(m.upPath), ts: { source }, transactional: !noTransaction, allow, ...(direction === 'down' ? { up: [emitted.up.join(';\n')] } : {}) };
}

export async function parseStatements(file: string): Promise<LintStatement[]> {
  const pg = await parser();
  // A COPY's inline rows are not SQL: blanked, byte for byte (analysis/copy-data.ts).
  const sql = parsableSql(file).text;
  const at = lineMap(sql);
  const bytes = Buffer.from(sql, 'utf8');
  const out: LintStatement[] = [];
  // A large file a piece at a time (analysis/parser.ts); the trees kept are the statements' own.
  for (const piece of parsePieces(pg, sql)) {
    for (const s of piece.result.stmts ?? []) {
      let start = piece.byteOffset + (s.stmt_location ?? 0);
      const end = s.stmt_len ? start + s.stmt_len : bytes.length;
      const raw = bytes.subarray(start, end).toString('utf8');
      start += leadingCommentBytes(raw);
      const stmt = s.stmt as unknown as Record<string, Record<string, any>>;
      const kind = Object.keys(stmt)[0] ?? 'Unknown';
      const { line, column } = at(start);
      const text = bytes.subarray(start, end).toString('utf8').trim();
      const extensions = kind === 'DoStmt' ? doBlockExtensions(pg, text) : [];
      const node = stmt[kind] ?? {};
      if (kind === 'InsertStmt') dropConstantRows(node);
      out.push({ index: out.length, kind, node, text, line, column, offset: start, ...(extensions.length ? { extensions } : {}) });
    }
  }
  return out;
}

/**
 * An INSERT's VALUES rows of constants only, dropped from the tree a lint statement keeps: no rule
 * reads them, and a seed of many rows would keep a tree some 40 times its text per statement.
 */
function dropConstantRows(node: Record<string, any>): void {
  const select = node.selectStmt?.SelectStmt;
  const rows = select?.valuesLists as { List?: { items?: unknown[] } }[] | undefined;
  if (!rows || rows.length < 100) return;
  const constant = (v: any): boolean => v?.A_Const !== undefined || (v?.TypeCast !== undefined && constant(v.TypeCast.arg));
  if (rows.every((r) => (r.List?.items ?? []).every(constant))) select.valuesLists = [];
}

/** Tables (`schema.name`), columns (`schema.table.col`) and schemas (`schema:name`) a file's statements create. */
export function createdBy(statements: readonly LintStatement[], qualify: (s: string | undefined, n: string) => string, inherited?: ReadonlySet<string>): { before: Set<string>[]; all: Set<string> } {
  const before: Set<string>[] = [];
  const seen = new Set<string>();
  for (const s of statements) {
    before.push(new Set(seen));
    const rel = (s.node.relation ?? s.node.into?.rel ?? s.node.view) as { schemaname?: string; relname?: string } | undefined;
    if ((s.kind === 'CreateStmt' || s.kind === 'CreateTableAsStmt' || s.kind === 'ViewStmt') && rel?.relname) seen.add(qualify(rel.schemaname, rel.relname));
    if (s.kind === 'CreateSchemaStmt') seen.add(`schema:${s.node.schemaname}`);
    if (s.kind === 'CreateDomainStmt') {
      const parts = ((s.node.domainname as any[]) ?? []).map((x) => x.String?.sval as string);
      if (parts.length) seen.add(`domain:${qualify(parts.length > 1 ? parts[parts.length - 2] : undefined, parts[parts.length - 1]!)}`);
    }
    if (s.kind === 'AlterTableStmt' && rel?.relname) {
      for (const c of (s.node.cmds as any[]) ?? []) {
        const cmd = c.AlterTableCmd;
        if (cmd?.subtype === 'AT_AddColumn' && cmd.def?.ColumnDef?.colname) seen.add(`${qualify(rel.schemaname, rel.relname)}.${cmd.def.ColumnDef.colname}`);
      }
    }
    // A column this file (or, for a down, its up) added keeps being new under its new name.
    if (s.kind === 'RenameStmt' && s.node.renameType === 'OBJECT_COLUMN' && rel?.relname) {
      const table = qualify(rel.schemaname, rel.relname);
      const from = `${table}.${s.node.subname}`;
      if (seen.has(from) || inherited?.has(from)) seen.add(`${table}.${s.node.newname}`);
    }
  }
  return { before, all: seen };
}

async function lintFile(ws: Workspace, module: Module, m: MigrationFile, direction: 'up' | 'down', sql: string, src: Sources, pgVersion: number): Promise<{ file: LintFile; findings: LintFinding[] } | undefined> {
  let statements: LintStatement[];
  try {
    statements = await parseStatements(sql);
  } catch {
    return undefined; // A syntax error is validate's (BH033).
  }
  const qualify = qualifier(module);
  let createdByUp = src.createdByUp ?? new Set<string>();
  if (src.up && !src.createdByUp) {
    const ups = (await Promise.all(src.up.map((u) => parseStatements(u).catch(() => [] as LintStatement[])))).flat();
    createdByUp = createdBy(ups, qualify).all;
  }
  // A down that renames a column its up added (hydra: pk → pk_tmp, then drops pk_tmp) still drops the up's column.
  const created = createdBy(statements, qualify, direction === 'down' ? createdByUp : undefined);
  const at = lineMap(sql);
  /** What `base` and this file's statements before `before` tell (followed once per statement asked about). */
  const followedFrom = (base: References | undefined) => {
    const memo = new Map<number, References>();
    return (before: LintStatement): References => {
      let r = memo.get(before.index);
      if (!r) {
        r = (base ?? new References()).copy();
        for (const x of statements.slice(0, before.index)) r.apply(x, qualify);
        memo.set(before.index, r);
      }
      return r;
    };
  };
  // Views and keys from the module's earlier migrations; for a down, column types from where its up left them.
  const referencesBefore = followedFrom(src.references);
  const columnTypesBefore = src.afterUp ? followedFrom(src.afterUp) : referencesBefore;
  const file: LintFile = {
    module,
    file: src.file,
    migration: m.id,
    direction,
    transactional: src.transactional,
    foreignNoTransaction: src.foreignNoTransaction,
    pgVersion,
    ownFunctions: src.ownFunctions ?? new Set(),
    ownTypes: src.ownTypes ?? new Set(),
    ownExtensions: src.ownExtensions ?? new Set(module.manifest.extensions),
    statements,
    createdBefore: (s) => (src.newTables?.size ? new Set([...src.newTables, ...(created.before[s.index] ?? [])]) : (created.before[s.index] ?? new Set())),
    createdByUp,
    referencedBy: (table, before) => referencesBefore(before).of(table),
    columnType: (table, column, before) => columnTypesBefore(before).columnType(table, column),
    tableKnown: (table, before) => referencesBefore(before).hasTable(table) || (created.before[before.index]?.has(table) ?? false),
    qualify,
    at,
  };
  const hits: { rule: Rule | (typeof ENGINE_RULES)[keyof typeof ENGINE_RULES]; hit: RuleHit; statement?: LintStatement }[] = [];
  for (const rule of RULES) {
    for (const s of statements) {
      const r = rule.check?.(s, file);
      for (const hit of r === undefined ? [] : Array.isArray(r) ? r : [r]) hits.push({ rule, hit, statement: s });
    }
    // A file rule's hit may point inside its statement (a name in it): the statement that holds that offset.
    for (const hit of rule.checkFile?.(file) ?? []) hits.push({ rule, hit, statement: hit.offset === undefined ? undefined : statements.findLast((s) => s.offset <= hit.offset!) });
  }
  // Suppressions: `-- bulkhead:allow <code|rule> <reason>` covers the next statement.
  const used = new Set<number>();
  const findings: LintFinding[] = [];
  for (const { rule, hit, statement } of hits) {
    const pos = src.ts ? { line: await tsLineOf(src.ts.source, direction, statement?.text ?? sql), column: 1 } : at(hit.offset ?? statement?.offset ?? 0);
    const matches = (a: Sources['allow'][number]) => a.rule === rule.code || a.rule === rule.name;
    // A comment at `line` is just before the statement: no other statement between them.
    const before = (line: number) => statement !== undefined && line < statement.line && !statements.some((x) => x.line > line && x.line < statement.line);
    const allow = src.ts ? src.allow.findIndex(matches) : src.allow.findIndex((a) => matches(a) && before(a.line));
    if (allow >= 0 && src.allow[allow]!.reason) {
      used.add(allow);
      continue;
    }
    // Another linter's suppression of the same check: the file's, or the one just before the statement.
    if (src.foreign?.some((f) => f.rules.has(rule.name) && (f.scope === 'file' || before(f.line)))) continue;
    findings.push({
      code: rule.code,
      rule: rule.name,
      severity: rule.severity,
      module: module.name,
      file: src.file,
      line: pos.line,
      column: pos.column,
      statement: statement ? excerpt(statement, src.ts || hit.offset === undefined || pos.line <= statement.line ? undefined : hit.offset) : '',
      message: `${hit.message}${src.ts ? ' (in the SQL it emits)' : ''}`,
      fix: src.ts ? forTsMigration(hit.fix ?? ('tsFix' in rule ? rule.tsFix : undefined) ?? rule.fix) : (hit.fix ?? rule.fix),
    });
  }
  src.allow.forEach((a, i) => {
    if (!a.reason) {
      const r = ENGINE_RULES.suppressionWithoutReason;
      findings.push({ code: r.code, rule: r.name, severity: r.severity, module: module.name, file: src.file, line: a.line, column: 1, statement: '', message: `-- bulkhead:allow ${a.rule} gives no reason`, fix: r.fix });
    } else if (!used.has(i) && sql === src.sql[0] && !(src.ts && direction === 'down')) {
      const r = ENGINE_RULES.unusedSuppression;
      findings.push({ code: r.code, rule: r.name, severity: r.severity, module: module.name, file: src.file, line: a.line, column: 1, statement: '', message: `-- bulkhead:allow ${a.rule} matches no finding of the next statement`, fix: r.fix });
    }
  });
  return { file, findings };
}

/** Lint one SQL text as a migration file of `module` (tests, benchmarks, editors). */
export async function lintSqlText(input: {
  module: Module;
  sql: string;
  file?: string;
  direction?: 'up' | 'down';
  transactional?: boolean;
  allow?: { rule: string; reason: string; line: number }[];
  /** For a down: its up's SQL. */
  up?: string;
  /** The SQL of the module's earlier migrations: the tables it makes exist before this file. */
  before?: string;
  pgVersion?: number;
}): Promise<LintFinding[]> {
  const direction = input.direction ?? 'up';
  const { foreignNoTransaction } = parseDirectives(input.sql);
  const references = new References();
  if (input.before !== undefined) for (const st of await parseStatements(input.before)) references.apply(st, qualifier(input.module));
  // Functions the earlier migrations create, as the analysis finds them.
  const earlier = input.before === undefined ? [] : [{ module: input.module.name, id: 'before', file: '', direction: 'up' as const, touches: await analyzeSql(input.before) }];
  const ownFunctions = functionsCreated(earlier).get(input.module.name);
  const ownTypes = typesCreated(earlier).get(input.module.name);
  const ownExtensions = new Set([...input.module.manifest.extensions, ...(extensionsCreated(earlier).get(input.module.name) ?? [])]);
  const src: Sources = { sql: [input.sql], file: input.file ?? 'migration.sql', transactional: input.transactional ?? true, foreignNoTransaction, references, allow: input.allow ?? [], foreign: foreignSuppressions(input.sql), ownFunctions, ownTypes, ownExtensions, ...(input.up !== undefined ? { up: [input.up] } : {}) };
  const r = await lintFile({ rel: (x: string) => x } as unknown as Workspace, input.module, { id: 'migration' } as MigrationFile, direction, input.sql, src, input.pgVersion ?? DEFAULT_PG_VERSION);
  return r?.findings ?? [];
}

/** A TS migration's line for SQL it emitted: where it names the first object the SQL touches. */
async function tsLineOf(source: string, direction: 'up' | 'down', sql: string): Promise<number> {
  const touches = await analyzeSql(sql).catch(() => []);
  const first = touches.find((t) => t.action !== 'reference') ?? touches[0];
  return lineOfName(source, direction, first ? (first.table && first.kind !== 'index' ? first.table.name : first.name) : '\u0000');
}

/** --pending: each module's migrations not applied yet (on every unit), and the server's major version. */
async function pendingOf(ws: Workspace, modules: readonly Module[], o: LintOptions): Promise<{ pending: Map<string, Set<string>>; pgVersion?: number }> {
  return withTargets({ command: 'lint', lockTimeoutMs: DEFAULT_LOCK_TIMEOUT_MS, production: isProduction(o), reporter: o.reporter }, async (pool) => {
    const units = await listUnits(ws, pool, modules, { readOnly: true, tenants: o.tenants });
    const { reads, problems } = await readUnits(ws, pool, units, { readOnly: true });
    if (problems.length) throw new BulkheadError(problems);
    const pending = new Map<string, Set<string>>();
    for (const r of reads) {
      const set = pending.get(r.unit.module.name) ?? pending.set(r.unit.module.name, new Set()).get(r.unit.module.name)!;
      for (const m of r.state.pending) set.add(m.id);
    }
    const first = reads.find((r) => r.created);
    const pgVersion = first
      ? await withTarget(pool, first.unit, async (db) => Math.floor(Number((await db.query('SHOW server_version_num')).rows[0]?.server_version_num ?? 0) / 10000) || undefined)
      : undefined;
    return { pending, pgVersion };
  });
}

/** Names resolved against the module's own schema (a schema-tenant module's migrations are written for any tenant: public stands in). */
function qualifier(module: Module): (schema: string | undefined, name: string) => string {
  const own = module.manifest.tenants?.kind === 'schema' ? 'public' : module.schema;
  return (schema, name) => `${schema ?? own}.${name}`;
}

/** A fix as a TS/JS migration applies it: its no-transaction mark is `config`, not a SQL comment. */
function forTsMigration(fix: string): string {
  const mark = 'export const config = { transaction: false } (CommonJS: exports.config = { transaction: false })';
  return fix
    .replace(/\bmarked -- bulkhead:no-transaction\b/g, `with ${mark}`)
    .replace(/\bmark the file (with )?-- bulkhead:no-transaction\b/g, `add ${mark} to the file`);
}

/**
 * A finding's statement on one line. What is flagged past the statement's first line (one
 * `ADD COLUMN` of a long `ALTER TABLE`, a column of a `CREATE TABLE`) shows as that line, then the
 * line of the flagged part on: every clause of one statement would otherwise show the same opening.
 */
function excerpt(s: LintStatement, offset: number | undefined): string {
  const whole = shortenSql(s.text, 120);
  if (offset === undefined || offset <= s.offset) return whole;
  // The statement's text starts at its first token (parseStatements), at s.offset in the file.
  const bytes = Buffer.from(s.text);
  const rel = offset - s.offset;
  if (rel >= bytes.length) return whole;
  const before = bytes.subarray(0, rel).toString();
  const lineStart = Buffer.byteLength(before.slice(0, before.lastIndexOf('\n') + 1));
  return `${shortenSql(before.split('\n')[0]!, 50)} … ${shortenSql(bytes.subarray(lineStart).toString(), 80)}`;
}
