import { parsePieces, parser, type ParsedPiece } from './parser.js';
import { mayNeedNewer, statementNeeds, type VersionNeed } from './versions.js';
import { extensionUses, mayUseExtension, type ExtensionUse } from './extension-uses.js';
import { lineColumnAt } from '../text.js';
import { copyAsInsert, copyFormat, parsableSql, type CopyBlock, type CopyFormat } from './copy-data.js';

/** One top-level statement of a SQL file. */
export interface Statement {
  /** The statement's text, without the trailing semicolon. */
  text: string;
  /** 1-based line of the statement's first token in the file. */
  line: number;
  /** Parse node type, e.g. `CreateStmt`, `TransactionStmt`. */
  kind: string;
  /**
   * The few facts of its parse tree the runner needs (the whole tree is not kept: at 10,000
   * migrations the trees would outweigh everything else): CONCURRENTLY, an index name, the
   * transaction command's kind (and AND CHAIN), REINDEX options, VACUUM vs ANALYZE, and whether
   * a DO block's PL/pgSQL commits or rolls back (transaction control), and the newest PostgreSQL
   * release whose syntax it uses, when that is known to matter (see analysis/versions.ts), and
   * the extension a CREATE EXTENSION creates, what it uses of an extension (analysis/extension-uses.ts),
   * and the roles a statement names (which must exist) — checked against what the database has
   * before anything runs; and whether all a DO block does is in its text (doBlockShows).
   */
  node: { concurrent?: boolean; objects?: number; cascade?: boolean; idxname?: string; schema?: string; kind?: string; chain?: boolean; params?: unknown; is_vacuumcmd?: boolean; commits?: boolean; needs?: VersionNeed[]; extname?: string; extensions?: string[]; uses?: ExtensionUse[]; roles?: string[]; copy?: InlineRows; shows?: boolean };
}

/**
 * A `COPY … FROM stdin`'s rows, inline after it (analysis/copy-data.ts): their byte offsets in
 * the file, how many lines after the COPY's first they start, and their format. The statement's
 * text is then the INSERT of those rows.
 */
export interface InlineRows {
  start: number;
  end: number;
  gap: number;
  format: CopyFormat;
}

export class SqlSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number,
    readonly column?: number,
    /** The fix, where the splitter knows it better than a guess from the text. */
    readonly fix?: string,
  ) {
    super(message);
  }
}

/**
 * A statement as the analysis cache keeps it: byte offsets into its file's text instead of the
 * text itself (the file is read anyway), so a run with a warm cache never loads the parser.
 */
export interface StatementMark {
  start: number;
  end: number;
  line: number;
  kind: string;
  node: Statement['node'];
}

type ParseResult = { stmts?: { stmt_location?: number; stmt_len?: number; stmt?: unknown }[] };

/** Statement marks already known in this process, by `<checksum>:<direction>` (see rememberStatements). */
const known = new Map<string, readonly StatementMark[]>();

/**
 * Remember how a migration file splits (from the analysis, which parses it anyway, or its
 * cache): splitStatements with the same key then does not parse it again.
 */
export function rememberStatements(key: string, marks: readonly StatementMark[]): void {
  known.set(key, marks);
}

/**
 * Split a SQL file into statements with the real parser; a syntax error names its line. With a
 * `key` (the file's checksum and direction) a split remembered in this process is used instead.
 */
export async function splitStatements(sql: string, key?: string): Promise<Statement[]> {
  const marks = key === undefined ? undefined : known.get(key);
  if (marks) return statementsAt(sql, marks);
  if (sql.trim() === '') return [];
  const pg = await parser();
  const { text: parsed, blocks } = parsableSql(sql);
  const found: StatementMark[] = [];
  try {
    for (const piece of parsePieces(pg, parsed)) found.push(...markPiece(piece, pg, blocks));
  } catch (e) {
    // markStatements' own (a COPY without rows), located already.
    if (e instanceof SqlSyntaxError) throw e;
    if ((e as Error).message === 'Query cannot be empty') return [];
    const cursor = (e as { sqlDetails?: { cursorPosition?: number } }).sqlDetails?.cursorPosition;
    const at = cursor === undefined ? { line: 1, column: undefined } : lineColumnAt(sql, cursor + 1);
    throw new SqlSyntaxError((e as Error).message, at.line, at.column);
  }
  return statementsAt(sql, found);
}

/** markStatements of one piece of a file (parser.ts, parsePieces), its offsets and lines the file's. */
export function markPiece(piece: ParsedPiece, pg: PlpgsqlParser, blocks: readonly CopyBlock[]): StatementMark[] {
  // A COPY that ends a piece has its rows at the start of the next: every block from the piece on.
  const own = blocks.filter((b) => b.start >= piece.byteOffset).map((b) => ({ ...b, start: b.start - piece.byteOffset, end: b.end - piece.byteOffset }));
  const marks = markStatements(piece.text, piece.result as ParseResult, pg, own);
  if (piece.byteOffset === 0) return marks;
  return marks.map((m) => ({
    ...m,
    start: m.start + piece.byteOffset,
    end: m.end + piece.byteOffset,
    line: m.line + piece.line - 1,
    ...(m.node.copy ? { node: { ...m.node, copy: { ...m.node.copy, start: m.node.copy.start + piece.byteOffset, end: m.node.copy.end + piece.byteOffset } } } : {}),
  }));
}

/** What markStatements needs of the parser: PL/pgSQL, for DO blocks. */
type PlpgsqlParser = { parsePlPgSQLSync(sql: string): unknown };

/**
 * Where each statement of a parse result sits in `sql`, with the few facts the runner needs.
 * `sql` is the text that was parsed: a COPY's inline rows (`blocks`) blanked out of it.
 */
export function markStatements(sql: string, result: ParseResult, pg: PlpgsqlParser, blocks: readonly CopyBlock[] = []): StatementMark[] {
  const bytes = Buffer.from(sql, 'utf8');
  // Statements come in file order: count lines incrementally.
  let pos = 0;
  let line = 1;
  // Whether any statement may use a form newer than some servers: most files use none.
  const newer = mayNeedNewer(sql);
  // Or a type, function or operator class of a well-known extension: most use none.
  const extensionNames = mayUseExtension(sql);
  return (result.stmts ?? []).map((s) => {
    const start0 = s.stmt_location ?? 0;
    const end = s.stmt_len ? start0 + s.stmt_len : bytes.length;
    const start = start0 + leadingSpace(bytes, start0, end);
    for (; pos < start; pos++) if (bytes[pos] === 10) line++;
    const stmt = (s.stmt ?? {}) as Record<string, Record<string, unknown>>;
    const kind = Object.keys(stmt)[0] ?? 'Unknown';
    const tree = stmt[kind] ?? {};
    const node: Statement['node'] = {};
    if (tree.concurrent) node.concurrent = true;
    const refused = refusedDropConcurrently(kind, tree);
    if (refused?.objects) node.objects = refused.objects;
    if (refused?.cascade) node.cascade = true;
    if (typeof tree.idxname === 'string') node.idxname = tree.idxname;
    // The schema an index (or REINDEX) names its table in, where it is built.
    const relation = (kind === 'IndexStmt' || kind === 'ReindexStmt') && (tree.relation as { schemaname?: unknown } | undefined);
    if (relation && typeof relation.schemaname === 'string') node.schema = relation.schemaname;
    if (typeof tree.kind === 'string') node.kind = tree.kind;
    if (tree.chain === true) node.chain = true;
    if (tree.params !== undefined && kind === 'ReindexStmt') node.params = tree.params;
    if (tree.is_vacuumcmd) node.is_vacuumcmd = true;
    if (kind === 'CreateExtensionStmt' && typeof tree.extname === 'string') node.extname = tree.extname;
    const roles = rolesNamed(kind, tree);
    if (roles.length) node.roles = roles;
    const text = kind === 'DoStmt' || newer || extensionNames ? bytes.subarray(start, end).toString('utf8') : '';
    if (kind === 'DoStmt') {
      const body = plpgsqlBody(pg, text);
      if (doBlockCommits(text, body)) node.commits = true;
      const extensions = doBlockExtensions(pg, text, body);
      if (extensions.length) node.extensions = extensions;
      // An extension it may create, but not surely (in an exception block): not all is shown.
      if (doBlockShows(text, body) && (extensions.length || !/\bcreate\s+extension\b/i.test(text))) node.shows = true;
    }
    const needs = newer && mayNeedNewer(text) ? statementNeeds(kind, tree) : [];
    if (needs.length) node.needs = needs;
    const uses = extensionNames && mayUseExtension(text) ? extensionUses(kind, tree) : [];
    if (uses.length) node.uses = uses;
    if (kind === 'CopyStmt' && tree.is_from && tree.filename === undefined && !tree.is_program) node.copy = inlineRows(bytes, start, end, line, tree, blocks);
    return { start, end, line, kind, node };
  });
}

/** The rows a `COPY … FROM stdin` ending at byte `end` reads: the block right after it. */
function inlineRows(bytes: Buffer, start: number, end: number, line: number, tree: Record<string, unknown>, blocks: readonly CopyBlock[]): InlineRows {
  const block = blocks.find((b) => b.start >= end && bytes.subarray(end, b.start).toString('utf8').replace(/;|--[^\n]*/g, '').trim() === '');
  if (!block) {
    throw new SqlSyntaxError('COPY … FROM stdin has no rows after it', line, undefined, 'put the rows on the lines right after the COPY (it must end its line) and end them with a line \\. as pg_dump does; or write them as INSERT … VALUES');
  }
  const format = copyFormat(tree.options);
  if (typeof format === 'string') {
    throw new SqlSyntaxError(`COPY … FROM stdin with option ${format}, which Bulkhead does not read`, line, undefined, "Bulkhead runs a COPY's inline rows as an INSERT of them, in COPY's text or CSV format (options delimiter, null, header, quote, escape): write them so, or as INSERT … VALUES");
  }
  let gap = 0;
  for (let i = start; i < block.start; i++) if (bytes[i] === 10) gap++;
  return { start: block.start, end: block.end, gap, format };
}

/** Statements whose role names must exist (GRANT … TO, OWNER TO, a policy's TO, SET ROLE, …). */
const NAMES_ROLES = new Set([
  'GrantStmt',
  'GrantRoleStmt',
  'AlterOwnerStmt',
  'CreatePolicyStmt',
  'AlterPolicyStmt',
  'AlterDefaultPrivilegesStmt',
  'CreateSchemaStmt',
  'CreateRoleStmt',
  'AlterRoleStmt',
  'AlterRoleSetStmt',
  'ReassignOwnedStmt',
  'DropOwnedStmt',
  'CreateUserMappingStmt',
  'AlterUserMappingStmt',
]);

/**
 * The roles a statement names that must exist when it runs: a GRANT's grantees (and the roles a
 * GRANT role TO grants), a new owner, a policy's roles, SET ROLE's. Not DROP ROLE's (IF EXISTS),
 * nor PUBLIC, CURRENT_USER and the like. Only the statement itself: a DO block's, which often
 * checks pg_roles first, is not read.
 */
function rolesNamed(kind: string, tree: Record<string, unknown>): string[] {
  const out = new Set<string>();
  if (kind === 'VariableSetStmt') {
    if (tree.name === 'role' || tree.name === 'session_authorization') {
      const value = ((tree.args as { A_Const?: { sval?: { sval?: string } } }[] | undefined)?.[0]?.A_Const?.sval?.sval);
      if (value && value !== 'none') out.add(value);
    }
    return [...out];
  }
  if (kind === 'AlterTableStmt') {
    for (const c of (tree.cmds as { AlterTableCmd?: { subtype?: string; newowner?: Record<string, unknown> } }[] | undefined) ?? []) {
      const o = c.AlterTableCmd?.newowner;
      if (c.AlterTableCmd?.subtype === 'AT_ChangeOwner' && o?.roletype === 'ROLESPEC_CSTRING' && typeof o.rolename === 'string') out.add(o.rolename);
    }
    return [...out];
  }
  if (!NAMES_ROLES.has(kind)) return [];
  const walk = (v: unknown, key?: string): void => {
    if (!v || typeof v !== 'object') return;
    if (Array.isArray(v)) return v.forEach((x) => walk(x, key));
    const o = v as Record<string, unknown>;
    if (o.roletype === 'ROLESPEC_CSTRING' && typeof o.rolename === 'string') out.add(o.rolename);
    // GRANT role TO …: the granted role, an AccessPriv by name.
    if (key === 'granted_roles' && typeof (o.AccessPriv as { priv_name?: unknown } | undefined)?.priv_name === 'string') out.add((o.AccessPriv as { priv_name: string }).priv_name);
    for (const [k, child] of Object.entries(o)) walk(child, k === 'AccessPriv' ? key : k);
  };
  walk(tree);
  return [...out];
}

/**
 * Whether a DO block's PL/pgSQL body runs COMMIT or ROLLBACK (PostgreSQL 11+ procedures and DO
 * blocks may, to work in batches): it then fails with "invalid transaction termination" inside a
 * transaction block. A body in another language, or one the parser cannot read, does not.
 */
function doBlockCommits(text: string, body: () => PlpgsqlBody | undefined): boolean {
  if (!/\b(commit|rollback)\b/i.test(text)) return false;
  return /"PLpgSQL_stmt_(commit|rollback)"/.test(body()?.json ?? '');
}

/**
 * Whether all a DO block does is in its text: PL/pgSQL whose SQL the analysis reads (a table it
 * creates counts as made), with no EXECUTE, PERFORM, CALL or call of a function other than
 * well-known ones that make nothing (create_hypertable, a partition helper could make tables no
 * one sees). BH074 judges what follows such a block; past any other it cannot know what exists.
 */
function doBlockShows(text: string, body: () => PlpgsqlBody | undefined): boolean {
  if (/\bLANGUAGE\b/i.test(text) && !/\bLANGUAGE\s+'?plpgsql'?\b/i.test(text)) return false;
  const read = body();
  if (!read || /"PLpgSQL_stmt_(dynexecute|dynfors|perform|call|open)"/.test(read.json)) return false;
  const queries: string[] = [];
  const visit = (n: unknown): void => {
    if (Array.isArray(n)) for (const x of n) visit(x);
    else if (n && typeof n === 'object') for (const [k, v] of Object.entries(n)) (k === 'query' && typeof v === 'string' ? queries.push(v) : visit(v));
  };
  visit(read.tree);
  return queries.every((q) => !callsUnknownFunction(q));
}

/** Functions (and words written like calls: types' modifiers, IN (…), EXISTS (…)) that make no table. */
const MAKES_NOTHING = new Set(
  ('exists in any all some values not and or as on using check unique key references primary foreign default generated identity row array cast ' +
    'varchar char character numeric decimal timestamp timestamptz time timetz interval bit varbit float enum ' +
    'coalesce nullif greatest least count sum min max avg lower upper length trim btrim ltrim rtrim substring substr position replace concat format ' +
    'quote_ident quote_literal to_regclass to_regtype to_regproc to_regnamespace current_setting current_schema current_database current_user ' +
    'has_table_privilege has_schema_privilege has_database_privilege pg_get_userbyid array_length unnest now extract date_trunc regexp_replace ' +
    'split_part string_agg array_agg jsonb_agg json_agg jsonb_build_object json_build_object to_char to_timestamp to_date abs round floor ceil ' +
    'md5 encode decode gen_random_uuid uuid_generate_v4 format_type obj_description col_description pg_typeof version ' +
    'over filter group set with include range list hash').split(' '),
);

/** A name followed by a parenthesis that is no call: what DDL names before a column list (CREATE TABLE t (…), INSERT INTO t (…), REFERENCES t (…), ON t (…), USING gin (…)). */
const NAMED_BEFORE_LIST = /\b(?:table|into|references|on|type|view|function|procedure|index|using|exists)\s+(?:(?:"[^"]*"|[\w$]+)\.)?$/i;

/** Whether SQL calls a function not known to make nothing (string literals and quoted names aside; a quoted name called is unknown). */
function callsUnknownFunction(sql: string): boolean {
  const code = sql.replace(/'(?:[^']|'')*'/g, "''").replace(/"(?:[^"]|"")*"/g, '""');
  if (/""\s*\(/.test(code)) return true;
  // A call written with a space before its parenthesis (f (x)) is a call too.
  for (const m of code.matchAll(/\b([a-z_][\w$]*)\s*\(/gi)) {
    if (MAKES_NOTHING.has(m[1]!.toLowerCase()) || NAMED_BEFORE_LIST.test(code.slice(0, m.index))) continue;
    return true;
  }
  return false;
}

/** A DO block's PL/pgSQL tree, and the same as JSON (what the questions about it search). */
interface PlpgsqlBody {
  tree: unknown;
  json: string;
}

/** A DO block's PL/pgSQL, parsed on the first question about it and only once; undefined where the parser cannot read it. */
function plpgsqlBody(pg: PlpgsqlParser, text: string): () => PlpgsqlBody | undefined {
  let body: PlpgsqlBody | undefined | null = null;
  return () => {
    if (body === null) {
      try {
        const tree = pg.parsePlPgSQLSync(text);
        body = { tree, json: JSON.stringify(tree) };
      } catch {
        body = undefined;
      }
    }
    return body;
  };
}

/**
 * The extensions a DO block surely creates (Temporal's `IF NOT EXISTS (… pg_extension …) THEN
 * CREATE EXTENSION btree_gin`), by its PL/pgSQL statements, an EXECUTE of a literal string among
 * them. A block that asks whether the server has an extension (supabase/postgres' `IF
 * pgsodium_exists` from pg_available_extensions) or catches errors (AppFlowy's) creates one only
 * where it can: none is counted.
 */
export function doBlockExtensions(pg: PlpgsqlParser, text: string, body = plpgsqlBody(pg, text)): string[] {
  if (!/\bcreate\s+extension\b/i.test(text) || /\bpg_available_extension/i.test(text)) return [];
  const names = new Set<string>();
  const visit = (n: unknown): void => {
    if (Array.isArray(n)) for (const x of n) visit(x);
    else if (n && typeof n === 'object') {
      for (const [k, v] of Object.entries(n)) {
        if (k === 'query' && typeof v === 'string') {
          const m = /^\s*'?\s*create\s+extension\s+(?:if\s+not\s+exists\s+)?(?!if\s+not\s+exists\b)("(?:[^"]|"")+"|[\w$-]+)/i.exec(v);
          if (m) names.add(m[1]!.startsWith('"') ? m[1]!.slice(1, -1).replace(/""/g, '"') : m[1]!.toLowerCase());
        } else visit(v);
      }
    }
  };
  // A body the parser cannot read: the server will say.
  const read = body();
  if (!read || read.json.includes('"PLpgSQL_exception_block"')) return [];
  visit(read.tree);
  return [...names];
}

/**
 * Where in a DO block's text (a character index) it creates extension `name`: for the line a
 * problem names, the CREATE EXTENSION's rather than the block's first.
 */
export function extensionAt(text: string, name: string): number | undefined {
  const quoted = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const at = new RegExp(`\\bcreate\\s+extension\\s+(?:if\\s+not\\s+exists\\s+)?"?${quoted}(?![\\w$-])`, 'i').exec(text);
  return at?.index;
}

/** The statements of `sql` at these marks. */
export function statementsAt(sql: string, marks: readonly StatementMark[]): Statement[] {
  // Byte offsets are character offsets in an ASCII file: its statements are then slices that
  // share the file's text (held anyway) instead of copies of it.
  const slice: (start: number, end: number) => string =
    Buffer.byteLength(sql, 'utf8') === sql.length ? (start, end) => sql.slice(start, end) : ((bytes) => (start: number, end: number) => bytes.subarray(start, end).toString('utf8'))(Buffer.from(sql, 'utf8'));
  return marks.map((m) => {
    const text = slice(m.start, m.end).trim();
    const rows = m.node.copy;
    return { text: rows ? copyAsInsert(text, rows.format, slice(rows.start, rows.end), rows.gap) : text, line: m.line, kind: m.kind, node: m.node };
  });
}

/** Statements that open or close a transaction (savepoints are fine inside ours). */
/**
 * How many of a migration's first statements set its transaction's characteristics (`SET
 * TRANSACTION ISOLATION LEVEL …`, `READ ONLY`, `DEFERRABLE`, `SNAPSHOT`): PostgreSQL takes them
 * only before the transaction's first query, so the runner sends them right after its BEGIN
 * (langfuse's backfill runs REPEATABLE READ).
 */
export function transactionSettings(statements: readonly Statement[]): number {
  let k = 0;
  while (k < statements.length && isSetTransaction(statements[k]!)) k++;
  return k;
}

/** Whether a statement is `SET TRANSACTION …` (of the transaction it runs in; not SET SESSION CHARACTERISTICS). */
export function isSetTransaction(s: Statement): boolean {
  return s.kind === 'VariableSetStmt' && /^(\s|--[^\n]*\n|\/\*[\s\S]*?\*\/)*SET\s+(LOCAL\s+)?TRANSACTION\b/i.test(s.text);
}

export function isTransactionControl(s: Statement): boolean {
  if (s.kind !== 'TransactionStmt') return false;
  const kind = String(s.node.kind ?? '');
  return !/SAVEPOINT|RELEASE|ROLLBACK_TO/.test(kind);
}

/**
 * For the statements of a no-transaction migration, whether each runs inside a transaction the
 * file opened itself (after its BEGIN, before the COMMIT or ROLLBACK that ends it; AND CHAIN keeps
 * one open, PREPARE TRANSACTION ends it); at index `length`, whether one is still open after the
 * last.
 */
export function insideOwnTransaction(statements: readonly Statement[]): boolean[] {
  const inside: boolean[] = [];
  let open = false;
  for (const s of statements) {
    inside.push(open);
    if (s.kind !== 'TransactionStmt') continue;
    const kind = s.node.kind;
    if (kind === 'TRANS_STMT_BEGIN' || kind === 'TRANS_STMT_START') open = true;
    else if (kind === 'TRANS_STMT_PREPARE' || ((kind === 'TRANS_STMT_COMMIT' || kind === 'TRANS_STMT_ROLLBACK') && !s.node.chain)) open = false;
  }
  inside.push(open);
  return inside;
}

/**
 * Statements PostgreSQL refuses inside a transaction block, by name, or undefined.
 * (CREATE/DROP/REINDEX … CONCURRENTLY, VACUUM, CREATE/DROP DATABASE, tablespaces, ALTER SYSTEM, a
 * DO block that commits.)
 */
/**
 * A DROP INDEX CONCURRENTLY that PostgreSQL always refuses (0A000), from its parse tree: several
 * indexes (`objects`, when more than one), or CASCADE. Up's preflight (BH069) and lint (BH-T405).
 */
export function refusedDropConcurrently(kind: string, tree: Record<string, unknown>): { objects?: number; cascade?: true } | undefined {
  if (kind !== 'DropStmt' || !tree.concurrent) return undefined;
  const objects = Array.isArray(tree.objects) ? tree.objects.length : 1;
  const cascade = tree.behavior === 'DROP_CASCADE';
  return objects > 1 || cascade ? { ...(objects > 1 ? { objects } : {}), ...(cascade ? { cascade: true as const } : {}) } : undefined;
}

export function nonTransactional(s: Statement): string | undefined {
  const n = s.node as Record<string, unknown>;
  switch (s.kind) {
    case 'IndexStmt':
      return n.concurrent ? 'CREATE INDEX CONCURRENTLY' : undefined;
    case 'DropStmt':
      return n.concurrent ? 'DROP INDEX CONCURRENTLY' : undefined;
    case 'ReindexStmt':
      return JSON.stringify(n.params ?? []).includes('"concurrently"') ? 'REINDEX CONCURRENTLY' : undefined;
    case 'VacuumStmt':
      return n.is_vacuumcmd ? 'VACUUM' : undefined;
    case 'CreatedbStmt':
      return 'CREATE DATABASE';
    case 'DropdbStmt':
      return 'DROP DATABASE';
    case 'CreateTableSpaceStmt':
      return 'CREATE TABLESPACE';
    case 'DropTableSpaceStmt':
      return 'DROP TABLESPACE';
    case 'AlterSystemStmt':
      return 'ALTER SYSTEM';
    case 'DoStmt':
      return n.commits ? 'a DO block that commits (COMMIT or ROLLBACK in its body)' : undefined;
    default:
      return undefined;
  }
}

/**
 * 1-based line of a 1-based character position inside `text`. PostgreSQL counts characters
 * (code points), not bytes nor UTF-16 units: an emoji before the error is one character.
 */
export function lineAt(text: string, position: number): number {
  return lineColumnAt(text, position).line;
}


/** UTF-8 length of the whitespace and comments `text` starts with: where its first token is. */
export function leadingCommentBytes(text: string): number {
  return Buffer.byteLength(/^(\s|--[^\n]*\n|\/\*[\s\S]*?\*\/)*/.exec(text)?.[0] ?? '');
}

function leadingSpace(bytes: Buffer, start: number, end: number): number {
  let i = start;
  while (i < end && (bytes[i] === 32 || bytes[i] === 10 || bytes[i] === 13 || bytes[i] === 9)) i++;
  return i - start;
}

/** SQL on one line, shortened for messages (whitespace folded, `max` characters at most). */
export function shortenSql(sql: string, max = 200): string {
  const one = withoutComments(sql, max).replace(/\s+/g, ' ').trim() || sql.slice(0, 4 * max + 1024).replace(/\s+/g, ' ').trim();
  return one.length > max ? `${one.slice(0, max - 3)}...` : one;
}

/**
 * `sql` without its comments, for display on one line (where a `--` comment would swallow the
 * rest): quoted strings and identifiers are kept as written; comments inside a dollar-quoted body
 * (a function's code) go too. It stops once more than `max` characters would show (a statement
 * may be megabytes of data); without `max`, the whole of it.
 */
export function withoutComments(sql: string, max = Infinity): string {
  let out = '';
  let check = 4 * max;
  for (let i = 0; i < sql.length; ) {
    if (out.length > check) {
      if (out.replace(/\s+/g, ' ').trim().length > max) break;
      check = out.length + 4 * max;
    }
    const c = sql[i]!;
    if (c === "'" || c === '"') {
      let j = i + 1;
      while (j < sql.length && !(sql[j] === c && sql[j + 1] !== c)) j += sql[j] === c ? 2 : 1;
      out += sql.slice(i, j + 1);
      i = j + 1;
    } else if (c === '-' && sql[i + 1] === '-') {
      const nl = sql.indexOf('\n', i);
      out += ' ';
      i = nl < 0 ? sql.length : nl;
    } else if (c === '/' && sql[i + 1] === '*') {
      let depth = 1;
      let j = i + 2;
      while (j < sql.length && depth > 0) {
        if (sql.startsWith('/*', j)) depth++;
        else if (sql.startsWith('*/', j)) depth--;
        else {
          j++;
          continue;
        }
        j += 2;
      }
      out += ' ';
      i = j;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}
