import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { markAlike, problem, type Alike, type Problem } from '../errors.js';
import { insideOwnTransaction, isTransactionControl, nonTransactional, splitStatements, SqlSyntaxError, withoutComments, type Statement } from '../analysis/statements.js';
import { noTransactionFix } from '../migrations/directives.js';
import type { MigrationFile } from '../migrations/files.js';
import { toSqlCommand } from '../migrations/to-sql.js';
import { foreignMigrationTool, importJsMigration, isTypeScript, lineInStack, MigrationExitError, tsconfigFor } from '../migrations/load-js.js';
import { envsubProblem, gooseEnvsub, markPlaceholders, markTemplated, placeholderAt, placeholdersIn, riverPlaceholders, riverProblem, templateExpressions, templateOn } from '../migrations/templates.js';
import { ereLiteral, fileArgs, shellQuote, shellWord } from '../migrations/shell.js';
import { listed, possessive, thrownMessage } from '../text.js';

export type Direction = 'up' | 'down';

/**
 * A JS/TS migration without an up export: why, where the source shows it — `exports = { up, down }`
 * (backstage's scaffolder migrations: it rebinds the file's local exports, exporting nothing), or
 * an up function defined and never exported.
 */
function unexportedUp(file: string, source: string, module: string, rel: (abs: string) => string, exported: readonly string[]): Problem {
  const rebound = /^[ \t]*exports[ \t]*=[ \t]*[{\w]/m.exec(source);
  if (rebound) {
    const line = source.slice(0, rebound.index).split('\n').length;
    return problem('BH017', '`exports = { … }` rebinds the file\'s local exports variable, so the migration exports nothing (no up(knex))', {
      module,
      file: rel(file),
      line,
      fix: `write module.exports = { … } at line ${line} (CommonJS), or export async function up(knex) (ES module)`,
    });
  }
  const defined = /^[ \t]*(?:async[ \t]+)?function[ \t]+up[ \t]*\(|^[ \t]*(?:const|let|var)[ \t]+up[ \t]*=/m.exec(source);
  if (defined) {
    const line = source.slice(0, defined.index).split('\n').length;
    return problem('BH017', `the migration defines up (line ${line}) but does not export it`, {
      module,
      file: rel(file),
      line,
      fix: 'export it: module.exports = { up, down } (CommonJS), or export async function up(knex) (ES module)',
    });
  }
  // Another convention's entry point (medplum's run(client), a migrate(db)): named, with what up gets instead.
  if (exported.length) {
    const names = listed(exported.map((n) => (n === 'default' ? 'a default function' : `${n}()`)));
    return problem('BH017', `migration exports no up(knex) function (it exports ${names})`, {
      module,
      file: rel(file),
      fix:
        exported.length === 1 && exported[0] === 'default'
          ? 'name it: export async function up(knex) { … } (CommonJS: module.exports = { up, down }); knex calls up(knex) and down(knex) by name'
          : `knex's migration format calls up(knex) and down(knex) with a knex instance (knex.raw(sql), knex.schema…), not a driver's client: export async function up(knex) { … } that does what ${names} does`,
    });
  }
  return problem('BH017', 'migration exports no up(knex) function', { module, file: rel(file), fix: 'export async function up(knex) { … }' });
}

/** One direction of a migration, ready to execute. */
export type Step =
  | { format: 'sql'; path: string; statements: Statement[] }
  | { format: 'js'; path: string; fn: (knex: unknown) => unknown };

/** A migration loaded and checked before anything runs. */
export interface Runnable {
  file: MigrationFile;
  direction: Direction;
  step: Step;
  /** Run inside one transaction with its history row (SPEC §4). */
  transaction: boolean;
  /** `module:id` of migrations of other modules that must be applied first. */
  requires: string[];
}

export type Prepared = { ok: true; runnable: Runnable } | { ok: false; problems: Problem[] };

/**
 * Load a migration for one direction: parse SQL with the real parser (syntax errors, and a
 * file's own BEGIN/COMMIT unless it is marked no-transaction), import TS/JS and check its shape.
 */
export async function prepareMigration(module: string, m: MigrationFile, direction: Direction, rel: (abs: string) => string): Promise<Prepared> {
  if (m.format === 'sql') {
    const path = direction === 'up' ? m.upPath : m.downPath;
    const text = direction === 'up' ? m.sql!.up : m.sql!.down;
    const directives = direction === 'up' ? m.sql!.directives : m.sql!.downDirectives;
    if (path === undefined || text === undefined || directives === undefined) {
      return {
        ok: false,
        problems: [problem('BH028', `${m.id} has no ${m.id}.down.sql`, { module, file: rel(m.upPath), fix: `add ${m.id}.down.sql` })],
      };
    }
    // goose's ENVSUB: variables goose would fill in, whether or not the file parses as it is.
    const envsub = gooseEnvsub(text);
    if (envsub) return { ok: false, problems: [envsubProblem(module, rel(path), envsub.line, envsub.names)] };
    let statements: Statement[];
    try {
      statements = await splitStatements(text, `${m.checksum}:${direction}`);
    } catch (e) {
      if (!(e instanceof SqlSyntaxError)) throw e;
      // popx's shared file beside its PostgreSQL one (ory's keto and hydra: CockroachDB's inline INDEX): the folder's popx fix replaces it.
      const postgres = path.replace(/\.(up|down)\.sql$/, '.postgres.$1.sql');
      const fix = postgres !== path && existsSync(postgres)
        ? `this is popx's shared file, here in another database's SQL; ${basename(postgres)} beside it is PostgreSQL's: let it replace this one (the folder's per-database fix does)`
        : (e.fix ?? syntaxFix(text, e.line, e.column, rel(path), path));
      const p = problem('BH033', `SQL does not parse: ${e.message}`, { module, file: rel(path), line: e.line, column: e.column, fix: typeof fix === 'string' ? fix : dialectFix(fix) });
      // Another database's SQL: told once for a folder of such files, as the dialect it is.
      if (typeof fix !== 'string') {
        const folder = dirname(rel(path));
        return { ok: false, problems: [markAlike(p, `dialect\u0000${module}\u0000${folder}\u0000${fix.name}`, undefined, (all) => otherDialectFolder(all, module, folder, fix))] };
      }
      // A template (or another tool's :PLACEHOLDER, not graphile-migrate's: its folder is told as
      // one already) where it stops: told once for a folder of such files (groupAlike).
      const at = text.split('\n')[e.line - 1] ?? '';
      if (templateOn(at)) return { ok: false, problems: [markTemplated(p, templateExpressions(text))] };
      if (placeholderAt(at, e.column) && !GRAPHILE_HEADER.test(text)) return { ok: false, problems: [markPlaceholders(p, placeholdersIn(text))] };
      return { ok: false, problems: [p] };
    }
    const river = riverPlaceholders(text);
    if (river.length) {
      const line = text.slice(0, text.search(/\/\*\s*TEMPLATE:/)).split('\n').length;
      return { ok: false, problems: [riverProblem(module, rel(path), line, river)] };
    }
    const controls = statements.filter(isTransactionControl);
    if (controls.length && !directives.noTransaction) {
      // Each of them (ente's files open with BEGIN and close with END): the fix names what to remove.
      const told = controls.slice(0, 4).map((c) => `${c.text.split(/\s/)[0]!.toUpperCase()} at line ${c.line}`);
      const lines = `${told.join(', ')}${controls.length > told.length ? ` and ${controls.length - told.length} more` : ''}`;
      const shape = ownTransactionShape(statements, controls);
      const fix =
        shape.kind === 'delete'
          ? `remove ${controls.length === 1 ? 'that line' : 'those lines'} (Bulkhead commits the migration with its history row)${beginOptions(controls)}${deleteCommand(rel(path), lonelyLines(text, controls))}${
              // A BEGIN the file never ends (AppFlowy's 20240813040905_template) would stay open outside a transaction too.
              /^\s*(BEGIN|START)\b/i.test(controls.at(-1)!.text) ? '' : ', or mark the file with -- bulkhead:no-transaction'
            }`
          : shape.kind === 'wrap'
            ? `${shape.statement} at line ${shape.line} cannot run inside a transaction, and the file's ${told[0]} ends the one its tool ran it in: mark the file with -- bulkhead:no-transaction and write that transaction out, BEGIN; as its first statement and COMMIT; as its last (GNU sed: ${wrapCommand(rel(path))})`
            : `${shape.statement} at line ${shape.line} cannot run inside a transaction: mark the file with -- bulkhead:no-transaction, which keeps its own BEGIN … COMMIT`;
      const p = problem('BH016', `${lines}: the file manages its own transaction, but Bulkhead wraps each migration in one`, {
        module,
        file: rel(path),
        line: controls[0]!.line,
        fix: noTransactionFix(directives.foreignNoTransaction, fix),
      });
      // Many files of a folder (Prisma's enum changes wrap themselves in BEGIN … COMMIT): told once
      // where problems are printed, with what to change in each.
      const folder = dirname(rel(path));
      const data: OwnTransaction = shape.kind === 'delete' ? { kind: 'delete', lines: lonelyLines(text, controls) } : shape;
      return { ok: false, problems: [markAlike(p, `own-transaction\u0000${module}\u0000${folder}`, data, (all) => ownTransactions(all, module, folder), { textOnly: true })] };
    }
    const unended = directives.noTransaction ? unendedTransaction(statements) : undefined;
    if (unended) {
      return {
        ok: false,
        problems: [
          problem('BH016', `${unended.text.split(/\s/)[0]!.toUpperCase()} at line ${unended.line} opens a transaction the file never ends: Bulkhead would commit it with whatever runs next on the connection, where psql would roll it back`, {
            module,
            file: rel(path),
            line: unended.line,
            fix: 'end the transaction in the file (COMMIT, or ROLLBACK)',
          }),
        ],
      };
    }
    // DROP INDEX CONCURRENTLY of several indexes, or with CASCADE: PostgreSQL refuses it whatever
    // the indexes (convoy's downs drop two or three at once), so it is bad input, before anything runs.
    const refused = statements.find((st) => st.kind === 'DropStmt' && st.node.concurrent && ((st.node.objects ?? 1) > 1 || st.node.cascade));
    if (refused) {
      return {
        ok: false,
        problems: [
          problem('BH069', `DROP INDEX CONCURRENTLY at line ${refused.line} ${(refused.node.objects ?? 1) > 1 ? `names ${refused.node.objects} indexes` : 'has CASCADE'}, which PostgreSQL refuses (0A000): it drops one index per statement, without CASCADE`, {
            module,
            file: rel(path),
            line: refused.line,
            fix: `write one DROP INDEX CONCURRENTLY per index${refused.node.cascade ? ', without CASCADE (drop what depends on it first)' : ''}${directives.noTransaction ? '' : ', in a file marked -- bulkhead:no-transaction'}`,
          }),
        ],
      };
    }
    const outside = directives.noTransaction ? undefined : statements.find((st) => nonTransactional(st));
    if (outside) {
      const p = problem('BH034', `${nonTransactional(outside)} at line ${outside.line} cannot run inside a transaction, and Bulkhead runs this file in one`, {
        module,
        file: rel(path),
        line: outside.line,
        fix: noTransactionFix(directives.foreignNoTransaction, 'mark the file with -- bulkhead:no-transaction (ideally a migration of its own: it is not atomic then)'),
      });
      // Files that carry another tool's mark (supabase/storage's nine postgres-migrations ones) are
      // told once for their folder, with the sed that puts Bulkhead's mark in its place.
      const mark = directives.foreignNoTransaction;
      const folder = dirname(rel(path));
      if (mark) return { ok: false, problems: [markAlike(p, `foreign-mark\u0000${module}\u0000${folder}\u0000${mark.tool}`, mark.text, (all) => foreignMarks(all, module, folder, mark.tool))] };
      // Many files of a folder (langfuse's 90 Prisma migrations of one CREATE INDEX CONCURRENTLY
      // each): told once where problems are printed, with the command that marks them.
      const what = { line: outside.line, statement: nonTransactional(outside)! };
      return { ok: false, problems: [markAlike(p, `needs-no-transaction\u0000${module}\u0000${folder}`, what, (all) => needNoTransaction(all, module, folder), { textOnly: true })] };
    }
    return {
      ok: true,
      runnable: { file: m, direction, step: { format: 'sql', path, statements }, transaction: !directives.noTransaction, requires: m.sql!.directives.requires },
    };
  }

  const source = readFileSync(m.upPath, 'utf8');
  const foreign = foreignMigrationTool(source);
  if (foreign) {
    const why = 'Bulkhead runs knex migrations, whose up(knex) gets a knex instance';
    // A folder of them (Unleash's 389 db-migrate files) is told once.
    const folder = dirname(rel(m.upPath));
    const toSql = toSqlCommand(foreign.tool);
    const fix = (many: boolean) =>
      `rewrite ${many ? 'them' : 'it'} with knex (knex.schema.createTable(…), knex.raw(sql)) or as SQL (<id>.up.sql + <id>.down.sql)` +
      `${toSql ? `, e.g. in ${folder} (bash): ${toSql.command} — it ${toSql.what}` : ''}; a database ${many ? 'they' : 'it'} already built is adopted with bulkhead baseline`;
    const p = problem('BH017', `a ${foreign.tool} migration (${foreign.sign}): ${why}`, { module, file: rel(m.upPath), fix: fix(false) });
    const together = (all: readonly Alike<undefined>[]) =>
      problem('BH017', `${all.length} migrations are written for ${foreign.tool} (${listed(all.map((a) => basename(a.problem.file!)))}: ${foreign.sign}): ${why}`, { module, file: folder, fix: fix(true) });
    return { ok: false, problems: [markAlike(p, `foreign\u0000${module}\u0000${folder}\u0000${foreign.tool}`, undefined, together)] };
  }
  let mod;
  try {
    mod = await importJsMigration(m.upPath);
  } catch (e) {
    const why = loadError(e as Error, m.upPath);
    return {
      ok: false,
      problems: [
        problem('BH017', `cannot load migration: ${why.reason}`, {
          module,
          file: rel(m.upPath),
          line: why.line,
          column: why.column,
          fix: why.missing
            ? missingImportFix(why.missing, m.upPath, rel)
            : why.missingFile
              ? `${rel(resolve(dirname(m.upPath), why.missingFile))}, which the migration reads${why.missingFile.startsWith('.') ? ` (${why.missingFile}, from its own folder)` : ''}, does not exist — the migrations moved without it? Put that file there, or change the path in the migration`
            : e instanceof MigrationExitError
              ? e.fix
            : /\b(exports|require|module) is not defined in ES module scope/.test(why.reason)
              ? 'the file is CommonJS (exports.up, require) but the nearest package.json makes .js an ES module ("type": "module"): rename it to .cjs, or write export async function up(knex)'
              : 'fix the error in the file; a migration exports async functions up(knex) and down(knex)',
        }),
      ],
    };
  }
  const problems: Problem[] = [];
  const fn = mod[direction];
  if (typeof fn !== 'function') {
    problems.push(
      direction === 'up'
        ? unexportedUp(m.upPath, source, module, rel, Object.keys(mod).filter((k) => k !== 'down' && typeof (mod as Record<string, unknown>)[k] === 'function'))
        : problem('BH028', `cannot revert ${m.id}: it exports no down(knex) function`, {
            module,
            file: rel(m.upPath),
            fix: 'export async function down(knex) { … } that undoes up, or revert with a new forward migration',
          }),
    );
  }
  const requires = mod.requires ?? [];
  if (!Array.isArray(requires) || requires.some((r) => typeof r !== 'string')) {
    problems.push(
      problem('BH017', 'export "requires" must be an array of "module:migration_id" strings', {
        module,
        file: rel(m.upPath),
        fix: 'export const requires = ["admin:20251116214100_initial_schema"]',
      }),
    );
  }
  if (mod.config !== undefined && (typeof mod.config !== 'object' || (mod.config.transaction !== undefined && typeof mod.config.transaction !== 'boolean'))) {
    problems.push(
      problem('BH017', 'export "config" must be { transaction?: boolean }', {
        module,
        file: rel(m.upPath),
        fix: 'export const config = { transaction: false } to run outside a transaction, or remove the export',
      }),
    );
  }
  if (problems.length) return { ok: false, problems };
  return {
    ok: true,
    runnable: {
      file: m,
      direction,
      step: { format: 'js', path: m.upPath, fn: fn as (knex: unknown) => unknown },
      transaction: mod.config?.transaction !== false,
      requires: requires as string[],
    },
  };
}

/** Prepare several migrations of one module in one direction, collecting every problem. */
export async function prepareAll(
  module: string,
  files: readonly MigrationFile[],
  direction: Direction,
  rel: (abs: string) => string,
): Promise<{ runnables: Runnable[]; problems: Problem[] }> {
  const runnables: Runnable[] = [];
  const problems: Problem[] = [];
  for (const m of files) {
    const prepared = await prepareMigration(module, m, direction, rel);
    if (prepared.ok) runnables.push(prepared.runnable);
    else problems.push(...prepared.problems);
  }
  return { runnables, problems };
}

/**
 * Why a TS/JS migration failed to load, and where: the transpiler's `file:line:col: ERROR: …`
 * (syntax errors), else the first line of the error and its position in the file's stack frame.
 */
export function loadError(e: Error, file: string): { reason: string; line?: number; column?: number; missing?: string; missingFile?: string } {
  const text = thrownMessage(e);
  // A file it reads by a relative path (uptime-kuma's require("../../extra/rdap-dns.json")).
  // ESM's wording names it resolved: Cannot find module '/…/extra/x.js' imported from /…/m.js.
  const missingFile = /^Cannot find module '(\.{1,2}\/[^']*|\/[^']*)'/.exec(text)?.[1];
  // A package the migration imports that is not installed (require's and import's wording).
  const missing = /^Cannot find (?:module|package) '([^'./][^']*)'/.exec(text)?.[1]?.replace(/^((?:@[^/]+\/)?[^/]+).*$/, '$1');
  const transform = /:(\d+):(\d+): ERROR: (.+)/.exec(text);
  if (transform) return { reason: `syntax error: ${transform[3]}`, line: Number(transform[1]), column: Number(transform[2]) + 1 };
  const frame = lineInStack(e?.stack, file);
  const reason = `${e?.name && e.name !== 'Error' ? `${e.name}: ` : ''}${text.split('\n')[0]}`;
  return { reason, ...(frame ?? {}), ...(missing ? { missing } : {}), ...(missingFile ? { missingFile } : {}) };
}

/**
 * What to do about an import that did not resolve: a package to install, or (a scoped or
 * prefixed name in a TypeScript migration) a path alias the tsconfig it compiles with lacks.
 */
function missingImportFix(missing: string, file: string, rel: (abs: string) => string): string {
  const install = `install ${missing} where the migration can resolve it (npm install ${missing} in the workspace or the module's package)`;
  if (!isTypeScript(file)) return `${install}, or import only what the workspace has`;
  const tsconfig = tsconfigFor(file);
  const alias = `if ${missing} is a path alias, map it in "compilerOptions.paths" of ${tsconfig ? rel(tsconfig) : 'a tsconfig.json beside the migrations or above them'}`;
  return `${alias} (TypeScript migrations compile with the tsconfig.json nearest them, else the workspace's tsconfig.base.json); else ${install}`;
}

/** The BEGIN of a transaction a no-transaction migration opens and never ends, if any. */
function unendedTransaction(statements: readonly Statement[]): Statement | undefined {
  const inside = insideOwnTransaction(statements);
  if (!inside[statements.length]) return undefined;
  let k = statements.length - 1;
  while (k > 0 && inside[k]) k--;
  return statements[k];
}

interface Dialect {
  name: string;
  pattern: RegExp;
  sign: string;
  instead: string;
}

/**
 * What gives away SQL written for another database, once it fails to parse as PostgreSQL's.
 * SQLite before MySQL: drizzle-kit's SQLite files quote names in backticks too.
 */
const OTHER_DIALECTS: Dialect[] = [
  { name: 'SQLite', pattern: /\bAUTOINCREMENT\b|^\s*PRAGMA\b|\bWITHOUT\s+ROWID\b/im, sign: 'AUTOINCREMENT, PRAGMA or WITHOUT ROWID', instead: 'bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, no PRAGMA' },
  { name: 'MySQL', pattern: /`\w+`|\bENGINE\s*=|\bAUTO_INCREMENT\b|^\s*DELIMITER\b/im, sign: 'backtick identifiers, ENGINE=, AUTO_INCREMENT or DELIMITER', instead: '"double quotes" for identifiers, bigint GENERATED ALWAYS AS IDENTITY for AUTO_INCREMENT, no ENGINE' },
  { name: 'SQL Server', pattern: /^\s*GO\s*$|\bIDENTITY\s*\(\s*\d+\s*,\s*\d+\s*\)|\[dbo\]|\bNVARCHAR\s*\(\s*MAX\s*\)/im, sign: 'GO batches, [dbo], IDENTITY(1,1) or NVARCHAR(MAX)', instead: 'no GO lines, "double quotes" for identifiers, GENERATED ALWAYS AS IDENTITY, text' },
];

/** drizzle-kit's dialects that are not PostgreSQL, as its journal (meta/_journal.json) names them. */
const DRIZZLE_DIALECTS: Readonly<Record<string, string>> = { sqlite: 'SQLite', turso: 'SQLite', mysql: 'MySQL', singlestore: 'MySQL' };

/**
 * The dialect a folder's migrations are written in when the folder says so: drizzle-kit's journal
 * beside them names it (`"dialect": "sqlite"`), whatever a single file shows (openstatus's SQLite
 * files quote names in backticks, as MySQL's do).
 */
function folderDialect(dir: string): Dialect | undefined {
  const said = perFolderDialect.get(dir);
  if (said !== undefined || perFolderDialect.has(dir)) return said;
  let found: Dialect | undefined;
  try {
    const journal = JSON.parse(readFileSync(resolve(dir, 'meta', '_journal.json'), 'utf8')) as { dialect?: unknown };
    const name = typeof journal.dialect === 'string' ? DRIZZLE_DIALECTS[journal.dialect] : undefined;
    const known = name && OTHER_DIALECTS.find((d) => d.name === name);
    if (known) found = { ...known, sign: `drizzle-kit's meta/_journal.json says "dialect": "${journal.dialect}"` };
  } catch {
    // no journal, or not one we read: the files' own signs tell
  }
  perFolderDialect.set(dir, found);
  return found;
}
const perFolderDialect = new Map<string, Dialect | undefined>();

function dialectFix(d: Dialect): string {
  return `this looks like ${d.name} SQL (${d.sign}), and Bulkhead runs PostgreSQL: write it for PostgreSQL (${d.instead})`;
}

/** BH033 of several files of a folder written for another database: one problem, the files named. */
function otherDialectFolder(group: readonly Alike<undefined>[], module: string, folder: string, d: Dialect): Problem {
  const first = group[0]!.problem;
  return problem('BH033', `${group.length} migrations are written in ${d.name} SQL, which PostgreSQL does not parse (${listed(group.map((g) => basename(g.problem.file!)))}; first: ${first.file}:${first.line}: ${first.message.replace(/^SQL does not parse: /, '')})`, {
    module,
    file: folder,
    fix: `Bulkhead runs PostgreSQL: write them for PostgreSQL (${d.instead})${d.sign.startsWith('drizzle-kit') ? ` — drizzle-kit writes PostgreSQL's with dialect: 'postgresql' in its drizzle.config (${d.sign})` : ` (${d.sign})`}`,
  });
}

/** BH034 of several files carrying another tool's no-transaction mark (each file's as written), as one problem with one command. */
function foreignMarks(marked: readonly Alike<string>[], module: string, folder: string, tool: string): Problem {
  const all = marked.map((m) => m.problem);
  const texts = [...new Set(marked.map((m) => m.data))];
  const sed = texts.map((t) => `-e ${shellQuote(`s/^[[:space:]]*${ereLiteral(t)}[[:space:]]*$/-- bulkhead:no-transaction/`)}`).join(' ');
  return problem('BH034', `${all.length} migrations carry ${possessive(tool)} no-transaction mark (${texts.join(', ')}), which Bulkhead does not read, and run statements that cannot run inside a transaction (${listed(all.map((p) => basename(p.file!)))})`, {
    module,
    file: folder,
    fix: `put Bulkhead's mark in its place, e.g. in ${folder}: sed -i -E ${sed} ${fileArgs(all.map((p) => basename(p.file!)))}`,
  });
}

/** BH034 of several files of a folder, none marked by another tool: one problem, the files named, one command marking them. */
function needNoTransaction(group: readonly Alike<{ line: number; statement: string }>[], module: string, folder: string): Problem {
  const at = group.map((g) => `${basename(g.problem.file!)}:${g.data.line}`);
  const statements = [...new Set(group.map((g) => g.data.statement))];
  return problem('BH034', `${group.length} migrations run ${statements.join(', ')}, which cannot run inside a transaction, and Bulkhead runs each file in one (${at.slice(0, 3).join(', ')}${at.length > 3 ? `, and ${at.length - 3} more` : ''})`, {
    module,
    file: folder,
    fix: `mark each with -- bulkhead:no-transaction (a marked file's statements commit one by one: best one such statement per file), e.g. in ${folder} (GNU sed): ${markCommand(group.map((g) => basename(g.problem.file!)))}`,
  });
}

/**
 * What a BEGIN with options (ISOLATION LEVEL, READ ONLY, DEFERRABLE) asked for, kept when it goes:
 * the same options as the file's first statement, SET TRANSACTION, which Bulkhead sends right
 * after its own BEGIN.
 */
function beginOptions(controls: readonly Statement[]): string {
  const options = controls.map((c) => /^\s*(?:BEGIN|START\s+TRANSACTION)(?:\s+(?:WORK|TRANSACTION))?\s+(\S[\s\S]*?)\s*$/i.exec(c.text)?.[1]).find(Boolean);
  return options ? `, writing what the BEGIN asked for as the file's first statement: SET TRANSACTION ${options.replace(/\s+/g, ' ')}` : '';
}

/** The lines of `controls` that hold nothing but that transaction command (a comment after it aside), or undefined when one shares its line. */
function lonelyLines(text: string, controls: readonly Statement[]): number[] | undefined {
  const lines = text.split('\n');
  const alone = /^\s*(BEGIN|START\s+TRANSACTION|COMMIT|END)(\s+(WORK|TRANSACTION))?\s*;?\s*(--.*)?$/i;
  return controls.every((c) => alone.test(lines[c.line - 1] ?? '')) ? controls.map((c) => c.line) : undefined;
}

/**
 * How a file that runs its own BEGIN/COMMIT becomes one Bulkhead runs as it ran before: without
 * those lines (the usual case: Bulkhead's transaction is the file's), or, when a statement of it
 * cannot run in a transaction, marked no-transaction — with the transaction its tool wrapped it in
 * written out when the file starts by ending that one (nakama's `COMMIT; CREATE INDEX CONCURRENTLY
 * …; BEGIN;`), else keeping its own BEGIN … COMMIT.
 */
type OwnTransaction = { kind: 'delete'; lines: number[] | undefined } | { kind: 'wrap' | 'mark'; statement: string; line: number };

function ownTransactionShape(statements: readonly Statement[], controls: readonly Statement[]): { kind: 'delete' } | Exclude<OwnTransaction, { kind: 'delete' }> {
  const outside = statements.find((st) => nonTransactional(st));
  if (!outside) return { kind: 'delete' };
  const first = String(controls[0]!.node.kind ?? '');
  const kind = first === 'TRANS_STMT_COMMIT' || first === 'TRANS_STMT_ROLLBACK' ? 'wrap' : 'mark';
  return { kind, statement: nonTransactional(outside)!, line: outside.line };
}

/** The GNU sed that deletes these lines of a file. */
function deleteLines(file: string, lines: readonly number[]): string {
  return `sed -i ${shellQuote(lines.map((l) => `${l}d`).join(';'))} ${namedFiles([file])}`;
}

/** For one file's fix: the command that deletes its transaction lines, when each has a line of its own. */
function deleteCommand(file: string, lines: readonly number[] | undefined): string {
  return lines ? ` (GNU sed: ${deleteLines(file, lines)})` : '';
}

/** The GNU sed that marks files no-transaction (the mark on a first line of its own). */
function markCommand(files: readonly string[]): string {
  return `sed -i '1i -- bulkhead:no-transaction' ${namedFiles(files)}`;
}

/** The GNU sed that marks a file no-transaction and writes out the transaction another tool ran it in. */
function wrapCommand(file: string): string {
  return `sed -i -e '1i -- bulkhead:no-transaction' -e '1i BEGIN;' -e '$a COMMIT;' ${shellWord(file)}`;
}

/** BH016 of several files of a folder: one problem, and when every BEGIN/COMMIT to remove has a line of its own, the commands that change them. */
function ownTransactions(group: readonly Alike<OwnTransaction>[], module: string, folder: string): Problem {
  const files = group.map((g) => basename(g.problem.file!));
  const command = (g: Alike<OwnTransaction>): string | undefined => {
    const file = basename(g.problem.file!);
    const d = g.data;
    if (d.kind !== 'delete') return d.kind === 'wrap' ? wrapCommand(file) : markCommand([file]);
    return d.lines && deleteLines(file, d.lines);
  };
  const commands = group.map(command);
  const special = group.filter((g) => g.data.kind !== 'delete');
  const told = [
    ...(special.length < group.length ? ['remove those lines (Bulkhead commits each migration with its history row, in one transaction)'] : []),
    ...special.map((g) => {
      const d = g.data as Exclude<OwnTransaction, { kind: 'delete' }>;
      return `${basename(g.problem.file!)} runs ${d.statement} (line ${d.line}), which cannot run inside a transaction: mark it with -- bulkhead:no-transaction${d.kind === 'wrap' ? ' and write out the transaction its tool ran it in (BEGIN; first, COMMIT; last)' : ', keeping its BEGIN … COMMIT'}`;
    }),
  ];
  const deletions = commands.every(Boolean) ? `, e.g. in ${folder} (GNU sed): ${commands.join(' && ')}` : '';
  return problem('BH016', `${group.length} migrations manage their own transaction (BEGIN … COMMIT), but Bulkhead wraps each migration in one (${files.slice(0, 3).join(', ')}${files.length > 3 ? `, and ${files.length - 3} more` : ''})`, {
    module,
    file: folder,
    fix: `${told.join('; ')}${deletions}${special.length < group.length ? ' — or mark a file with -- bulkhead:no-transaction to keep its own transactions' : ''}`,
  });
}

/** File names as shell words, every one (a command that must touch exactly these files). */
function namedFiles(files: readonly string[]): string {
  return files.map(shellWord).join(' ');
}

/** A graphile-migrate committed migration's header. */
const GRAPHILE_HEADER = /^--! (Previous|Hash):/m;

/**
 * What to do about SQL that does not parse, where the cause is a known one: what psql or another
 * tool accepts but the server does not (a psql meta-command, COPY's inline data, a template); or
 * the other database the file is written for (its folder's, or its own signs), whose fix is told
 * once for the folder (otherDialectFolder).
 */
function syntaxFix(text: string, line: number, column: number | undefined, file: string, path: string): string | Dialect {
  const lines = text.split('\n');
  const at = lines[line - 1] ?? '';
  // psql's variables (-v name=…, \set): :name, :'name' (a literal), :"name" (an identifier).
  const variable = column === undefined ? undefined : /^:(['"]?)([A-Za-z_]\w*)\1/.exec(at.slice(column - 1))?.[0];
  const placeholder = placeholderAt(at, column);
  if (placeholder && GRAPHILE_HEADER.test(text)) {
    // A graphile-migrate committed migration: its placeholders come from .gmrc (two it sets itself).
    const all = placeholdersIn(text);
    return `line ${line} uses graphile-migrate's placeholder ${placeholder}${all.length > 1 ? ` (the file has ${all.length}: ${all.join(', ')})` : ''}, which graphile-migrate fills in and Bulkhead does not: write the values (:DATABASE_OWNER is the role that runs the migrations, CURRENT_USER in SQL; :DATABASE_NAME is the database's name); one that differs per environment belongs in a TS migration reading it from process.env`;
  }
  const dollar = column === undefined ? undefined : /^\$\{[A-Za-z_]\w*[^}]*\}/.exec(at.slice(column - 1))?.[0];
  if (dollar) {
    return `line ${line} holds ${dollar}, a placeholder Bulkhead does not fill in (Flyway's placeholders, envsubst, a deploy script's template): write its value; one that differs per environment belongs in a TS migration reading it from process.env`;
  }
  if (variable) {
    return `line ${line} uses psql's variable ${variable}, which only psql fills in (-v, \\set): write its value; one that differs per environment belongs in a TS migration reading it from process.env`;
  }
  const meta = /^\s*(\\[a-zA-Z!?]+)/.exec(at)?.[1];
  if (meta === '\\restrict' || meta === '\\unrestrict') {
    // pg_dump 17.6, 16.10, 15.14, 14.19, 13.22 and later bracket a dump in these (for psql's safety).
    return `line ${line} is pg_dump's ${meta} line, for psql only: delete it and its ${meta === '\\restrict' ? '\\unrestrict' : '\\restrict'} line (sed -i -E '/^\\\\(un)?restrict /d' ${file})`;
  }
  if (meta === '\\c' || meta === '\\connect') {
    return `line ${line} is psql's ${meta}, not SQL: a migration runs on its module's database (database.url in its manifest); remove it, and move what it does to another database into that database's module`;
  }
  if (meta === '\\i' || meta === '\\ir' || meta === '\\include' || meta === '\\include_relative') {
    return `line ${line} is psql's ${meta}, not SQL: the server cannot read other files; paste the included file's SQL in its place (or make it a migration of its own)`;
  }
  if (meta) return `line ${line} is a psql meta-command (${meta}), not SQL: Bulkhead sends the file to the server; remove it`;
  if (/\bcopy\b[^;]*\bfrom\s+stdin\b/i.test(lines.slice(0, line).join('\n'))) {
    return 'the rows after a COPY … FROM stdin end with a line \\. (as pg_dump writes them): add it after the last row';
  }
  const template = templateOn(at);
  if (template) return `line ${line} holds a template (${template}) that another tool fills in: write the SQL it stands for`;
  // Another database's dialect (a MySQL dump, a SQL Server script, SQLite's DDL), told by its folder
  // (drizzle-kit's journal) or by what only it writes.
  const code = withoutComments(text);
  return folderDialect(dirname(path)) ?? OTHER_DIALECTS.find((d) => d.pattern.test(code)) ?? syntaxSlip(lines, line, column) ?? 'fix the SQL syntax';
}

/** A known slip of hand at the error's place (lines of the file, 1-based line and column), told with its fix. */
export function syntaxSlip(lines: readonly string[], line: number, column: number | undefined): string | undefined {
  return ifExistsSlip(lines, line, column) ?? ifExistsBeforeKind(lines, line, column) ?? dropIndexOn(lines, line, column) ?? trailingComma(lines, line, column) ?? missingComma(lines, line, column) ?? missingSemicolon(lines, line, column);
}

/**
 * A comma with nothing after it in its list (pocket-id's app_config_cols down: ADD … NOT NULL,;
 * a column list ending "b int,)"): the server stops at the semicolon or parenthesis after it.
 */
function trailingComma(lines: readonly string[], line: number, column: number | undefined): string | undefined {
  if (column === undefined) return undefined;
  const at = lines[line - 1] ?? '';
  const stop = at[column - 1];
  if (stop !== ';' && stop !== ')') return undefined;
  // The last character before it, past blanks and whole-line comments.
  let l = line - 1;
  let before = at.slice(0, column - 1).trimEnd();
  while (!before && l > 0) {
    l--;
    before = /^\s*(--.*)?$/.test(lines[l]!) ? '' : lines[l]!.replace(/--.*$/, '').trimEnd();
  }
  if (!before.endsWith(',')) return undefined;
  return `line ${l + 1} ends a list with a comma that nothing follows: remove that comma`;
}

/**
 * IF [NOT] EXISTS before COLUMN or CONSTRAINT (quickwit's 19_add-split-node-id-field down: DROP IF
 * EXISTS COLUMN node_id): the server stops at the word that belongs before it.
 */
function ifExistsBeforeKind(lines: readonly string[], line: number, column: number | undefined): string | undefined {
  if (column === undefined) return undefined;
  const at = lines[line - 1] ?? '';
  const kind = /^(COLUMN|CONSTRAINT)\b/i.exec(at.slice(column - 1))?.[1]?.toUpperCase();
  if (!kind) return undefined;
  const head = /\b(DROP|ADD)\s+(IF\s+(?:NOT\s+)?EXISTS)\s+$/i.exec(at.slice(0, column - 1));
  if (!head) return undefined;
  const verb = head[1]!.toUpperCase();
  const name = /^\w+\s+("[^"]+"|[\w$]+)/.exec(at.slice(column - 1))?.[1];
  const clause = head[2]!.toUpperCase().replace(/\s+/g, ' ');
  return `line ${line}: ${clause} comes after ${verb} ${kind}, not before it: write ${verb} ${kind} ${clause}${name ? ` ${name}` : ''}`;
}

/**
 * MySQL's DROP INDEX name ON table (gitness' job_group_id down, beside its MySQL/SQLite twins): the
 * server stops at ON; PostgreSQL drops an index by its name, in the table's schema.
 */
function dropIndexOn(lines: readonly string[], line: number, column: number | undefined): string | undefined {
  if (column === undefined) return undefined;
  const at = lines[line - 1] ?? '';
  if (!/^ON\b/i.test(at.slice(column - 1))) return undefined;
  const before = textBefore(lines, line, column);
  const head = /\bDROP\s+INDEX\s+((?:CONCURRENTLY\s+)?(?:IF\s+EXISTS\s+)?)("[^"]+"|[\w$]+)\s+$/i.exec(before);
  if (!head) return undefined;
  const table = /^ON\s+((?:"[^"]+"|[\w$]+)(?:\.(?:"[^"]+"|[\w$]+))?)/i.exec(at.slice(column - 1))?.[1];
  const schema = table?.includes('.') ? `${table.slice(0, table.lastIndexOf('.'))}.` : '';
  return `line ${line}: DROP INDEX … ON ${table ?? '<table>'} is MySQL's form; PostgreSQL drops an index by its name alone, in its table's schema: write DROP INDEX ${head[1]!.replace(/\s+/g, ' ').toUpperCase()}${schema}${head[2]}`;
}

/**
 * DROP … IF NOT EXISTS, CREATE … IF EXISTS (ente's trash index down): the server stops at NOT, or
 * at EXISTS, right after the IF of the other form.
 */
function ifExistsSlip(lines: readonly string[], line: number, column: number | undefined): string | undefined {
  if (column === undefined) return undefined;
  const at = lines[line - 1] ?? '';
  const word = /^(NOT|EXISTS)\b/i.exec(at.slice(column - 1))?.[1]?.toUpperCase();
  if (!word) return undefined;
  const before = textBefore(lines, line, column);
  const head = /\b(DROP|CREATE(?:\s+OR\s+REPLACE)?|ALTER)\s+((?:\w+\s+){0,3}?)IF\s+$/i.exec(before);
  if (!head) return undefined;
  const verb = head[1]!.toUpperCase().replace(/\s+/g, ' ');
  const what = `${verb} ${head[2]!.trim().toUpperCase()}`.trim();
  if (word === 'NOT' && (verb === 'DROP' || verb === 'ALTER')) return `line ${line}: ${what} takes IF EXISTS, not IF NOT EXISTS: remove the NOT`;
  if (word === 'EXISTS' && verb.startsWith('CREATE')) return `line ${line}: ${what} takes IF NOT EXISTS, not IF EXISTS: write IF NOT EXISTS`;
  return undefined;
}

/** Actions of ALTER TABLE that begin a line, when they are not a new statement's first word. */
const ALTER_TABLE_ACTION = /^(ADD|DROP\s+(?:COLUMN|CONSTRAINT)|ALTER\s+(?:COLUMN\s+)?(?!TABLE|INDEX|SEQUENCE|VIEW|TYPE|FUNCTION|SCHEMA|DOMAIN|ROLE|USER|DATABASE|MATERIALIZED|EXTENSION|DEFAULT|POLICY|TRIGGER|PUBLICATION|SUBSCRIPTION|PROCEDURE|AGGREGATE|OPERATOR|COLLATION|EVENT|FOREIGN|SERVER|TEXT|LARGE|STATISTICS|SYSTEM|TABLESPACE|GROUP|CONVERSION|LANGUAGE|ROUTINE)\w+|RENAME\s+(?:COLUMN|CONSTRAINT)|VALIDATE\s+CONSTRAINT|ENABLE|DISABLE|OWNER\s+TO|SET\s+(?:SCHEMA|TABLESPACE|LOGGED|UNLOGGED|WITHOUT|ACCESS)|INHERIT|NO\s+INHERIT|REPLICA\s+IDENTITY|ATTACH\s+PARTITION|DETACH\s+PARTITION)\b/i;

/**
 * ALTER TABLE's actions without the comma between them (ente's encrypted collection name down):
 * the error is at an action beginning a line, within an ALTER TABLE whose line before holds an
 * action and does not end with a comma. A semicolon there would leave the action a statement of
 * its own, which is no fix.
 */
function missingComma(lines: readonly string[], line: number, column: number | undefined): string | undefined {
  const at = lines[line - 1] ?? '';
  const first = at.search(/\S/);
  if (column === undefined || first < 0 || column - 1 !== first || !ALTER_TABLE_ACTION.test(at.slice(first))) return undefined;
  const prev = codeLineBefore(lines, line);
  if (prev < 0 || /[;,]\s*(--.*)?$/.test(lines[prev]!)) return undefined;
  // The statement the error is in: from the line after the last one ending a statement.
  let start = prev;
  while (start > 0 && !/;\s*(--.*)?$/.test(lines[start - 1]!)) start--;
  const statement = lines.slice(start, line - 1).filter((l) => !/^\s*(--.*)?$/.test(l)).join(' ');
  if (!/^\s*ALTER\s+TABLE\b/i.test(statement)) return undefined;
  const action = /^\s*ALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?\S+\s+(.*)$/i.exec(statement)?.[1];
  if (!action || !ALTER_TABLE_ACTION.test(action)) return undefined;
  return `line ${line} is another action of the ALTER TABLE begun on line ${start + 1}, and ALTER TABLE's actions are separated by commas: add one at the end of line ${prev + 1}`;
}

/** The SQL before the error's place: the three lines above and its own line up to the column. */
function textBefore(lines: readonly string[], line: number, column: number): string {
  return `${lines.slice(Math.max(0, line - 4), line - 1).join('\n')}\n${(lines[line - 1] ?? '').slice(0, column - 1)}`;
}

/** The 0-based index of the last line before 1-based `line` that is not blank nor a whole-line comment; -1 if none. */
function codeLineBefore(lines: readonly string[], line: number): number {
  let prev = line - 2;
  while (prev >= 0 && /^\s*(--.*)?$/.test(lines[prev]!)) prev--;
  return prev;
}

/** Words that begin a statement: the server stops at one the statement before did not expect. */
const STATEMENT_START = /^(ALTER|CREATE|DROP|INSERT|UPDATE|DELETE|GRANT|REVOKE|COMMENT|SELECT|TRUNCATE|WITH|DO|SET|RESET|ANALYZE|VACUUM|REINDEX|CLUSTER|REFRESH|LOCK|CALL|COPY|BEGIN|COMMIT)\b/i;

/**
 * A statement whose semicolon is missing (crates.io's downloads_need_no_id down): the error is at
 * the first word of a line, a word that begins a statement, and the line before it does not end
 * with a semicolon.
 */
function missingSemicolon(lines: readonly string[], line: number, column: number | undefined): string | undefined {
  const at = lines[line - 1] ?? '';
  const first = at.search(/\S/);
  if (column === undefined || first < 0 || column - 1 !== first) return undefined;
  const word = STATEMENT_START.exec(at.slice(first))?.[1];
  if (!word) return undefined;
  // The line before, past blank lines and whole-line comments.
  const prev = codeLineBefore(lines, line);
  if (prev < 0 || /;\s*(--.*)?$/.test(lines[prev]!)) return undefined;
  return `line ${line} begins a new statement (${word.toUpperCase()}), but the statement before it has no semicolon at its end: add one at the end of line ${prev + 1}`;
}
