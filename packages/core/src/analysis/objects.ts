import { parsePieces, parser } from './parser.js';
import { lineMap } from './positions.js';
import { leadingCommentBytes, markPiece, type StatementMark } from './statements.js';
import { parsableSql } from './copy-data.js';

/**
 * What a piece of SQL does to database objects, read from the real PostgreSQL parse tree
 * (libpg-query): every object it creates, alters, drops, writes or references, with the line
 * and column where it is named. Shared by isolation (ownership, cross-module references) and
 * lint. Pure apart from the parser; names are as written (resolve them with `qualify`).
 */

export type ObjectKind =
  | 'schema'
  | 'table'
  | 'view'
  | 'materialized view'
  | 'relation'
  | 'sequence'
  | 'index'
  | 'type'
  | 'function'
  | 'procedure'
  | 'trigger'
  | 'policy'
  | 'extension'
  | 'column'
  | 'collation'
  | 'text search configuration'
  | 'text search dictionary'
  | 'statistics'
  | 'conversion'
  // Server-wide: one per PostgreSQL server, whatever database a statement runs in.
  | 'role'
  | 'tablespace'
  | 'database';

/** Kinds that live on the server, not in a database or schema. */
export const SERVER_WIDE: ReadonlySet<ObjectKind> = new Set<ObjectKind>(['role', 'tablespace', 'database']);

/** `write` is data: INSERT, UPDATE, DELETE, TRUNCATE, COPY, REFRESH. */
export type Action = 'create' | 'alter' | 'drop' | 'write' | 'reference';

export interface Touch {
  action: Action;
  kind: ObjectKind;
  /** Schema as written; undefined when the name is unqualified. */
  schema?: string;
  name: string;
  /** For columns, indexes, triggers and policies: the table they belong to, as written. */
  table?: { schema?: string; name: string };
  line: number;
  column: number;
  /** Where the SQL was found when not at the top level. */
  context?: 'DO block' | 'function body' | 'dynamic SQL' | 'SQL it emits';
  /** Unqualified, put in `schema` by the SET search_path (or set_config) at this line of the same SQL. */
  searchPath?: number;
  /** A database reached by a connection: a foreign server's dbname, or a dblink connection string's. */
  connection?: 'foreign server' | 'dblink' | 'subscription';
  /**
   * An alteration that runs again unharmed (ALTER COLUMN … TYPE / DROP NOT NULL, DROP COLUMN IF
   * EXISTS, a GRANT or REVOKE): an up made only of these needs no down to be reverted and applied again.
   */
  rerunnable?: true;
  /**
   * For a table an ALTER TABLE alters: what its subcommands do (PostgreSQL's AT_… names:
   * AT_SetRelOptions, AT_EnableRowSecurity, …), which verify reads to tell which migration changed
   * a table's options, row security or logging.
   */
  subcommands?: string[];
}

/**
 * ALTER TABLE subcommands that succeed when run again on what they made: a column's type, NOT
 * NULL, default, statistics, storage or options; a table's options, owner, logging, row security,
 * replica identity or trigger switches. Any subcommand with IF [NOT] EXISTS too.
 */
const RERUNNABLE_ALTERS = new Set([
  'AT_AlterColumnType', 'AT_SetNotNull', 'AT_DropNotNull', 'AT_ColumnDefault', 'AT_CookedColumnDefault', 'AT_SetStatistics', 'AT_SetStorage',
  'AT_SetCompression', 'AT_SetOptions', 'AT_ResetOptions', 'AT_SetIdentity', 'AT_SetRelOptions', 'AT_ResetRelOptions', 'AT_ReplaceRelOptions',
  'AT_ChangeOwner', 'AT_SetLogged', 'AT_SetUnLogged', 'AT_SetTableSpace', 'AT_ClusterOn', 'AT_DropCluster', 'AT_ReplicaIdentity',
  'AT_EnableRowSecurity', 'AT_DisableRowSecurity', 'AT_ForceRowSecurity', 'AT_NoForceRowSecurity',
  'AT_EnableTrig', 'AT_EnableAlwaysTrig', 'AT_EnableReplicaTrig', 'AT_DisableTrig', 'AT_EnableTrigAll', 'AT_DisableTrigAll', 'AT_EnableTrigUser', 'AT_DisableTrigUser',
]);

function rerunnable(cmd: Node): boolean {
  if (cmd.missing_ok === true) return true;
  if (!RERUNNABLE_ALTERS.has(String(cmd.subtype))) return false;
  // A new type computed from the old value (USING price * 100) changes the data again when run
  // again; a bare column, or a cast of it, does not.
  const using = ((cmd.def as Node | undefined)?.ColumnDef as Node | undefined)?.raw_default as Node | undefined;
  if (cmd.subtype !== 'AT_AlterColumnType' || !using) return true;
  const arg = ((using.TypeCast as Node | undefined)?.arg as Node | undefined) ?? using;
  return arg.ColumnRef !== undefined;
}

/** Objects that share one namespace (pg_class): a table and an index cannot have one name. */
export function family(kind: ObjectKind): string {
  switch (kind) {
    case 'table':
    case 'view':
    case 'materialized view':
    case 'relation':
    case 'sequence':
    case 'index':
      return 'relation';
    case 'function':
    case 'procedure':
      return 'routine';
    default:
      return kind;
  }
}

/** The roles a list of RoleSpec nodes names (CURRENT_USER, PUBLIC and the like name none). */
function roleNames(specs: readonly unknown[] | undefined): string[] {
  const out: string[] = [];
  for (const spec of specs ?? []) {
    const r = ((spec as Node | undefined)?.RoleSpec ?? spec) as Node | undefined;
    if (r?.roletype === 'ROLESPEC_CSTRING' && typeof r.rolename === 'string') out.push(r.rolename);
  }
  return out;
}

/** `schema.name` with an unqualified name resolved against `defaultSchema`. */
export function qualify(t: { schema?: string; name: string }, defaultSchema: string): string {
  return `${t.schema ?? defaultSchema}.${t.name}`;
}

/** Analyse a SQL text (a migration file, or SQL a TS migration emitted). Throws the parser's error on bad SQL. */
export async function analyzeSql(sql: string): Promise<Touch[]> {
  const pg = await parser();
  const out: Touch[] = [];
  const { text } = parsableSql(sql);
  analyzeText(pg, text, new Source(text, 0, 1), out, undefined);
  return out;
}

/** analyzeSql of a migration file, and its statements as the runner splits them, from one parse. */
export async function analyzeSqlFile(sql: string): Promise<{ touches: Touch[]; statements: StatementMark[] }> {
  const pg = await parser();
  const out: Touch[] = [];
  if (!sql.trim()) return { touches: out, statements: [] };
  // A COPY's inline rows are not SQL: blanked, byte for byte (analysis/copy-data.ts).
  const { text, blocks } = parsableSql(sql);
  const statements: StatementMark[] = [];
  // A large file is parsed a piece at a time (parser.ts): its search_path carries over.
  const path: SearchPathState = {};
  try {
    for (const piece of parsePieces(pg, text)) {
      walkParsed(pg, piece.text, piece.result, new Source(piece.text, piece.byteOffset, piece.line), out, undefined, path);
      statements.push(...markPiece(piece, pg, blocks));
    }
  } catch (e) {
    if ((e as Error).message === 'Query cannot be empty') return { touches: out, statements: [] };
    throw e;
  }
  return { touches: out, statements };
}

type Pg = Awaited<ReturnType<typeof parser>>;
type Node = Record<string, unknown>;

/** A text being analysed and where it sits in the file: byte offsets → line/column. */
class Source {
  private readonly bytes: Buffer;
  /** Made on the first position asked for (a statement that touches nothing asks none). */
  private map: ReturnType<typeof lineMap> | undefined;
  constructor(
    readonly text: string,
    /** Byte offset of `text` inside the file. */
    readonly offset: number,
    /** Line of the file where `text` starts, and its column there. */
    readonly firstLine: number,
    readonly firstColumn = 1,
    /** `text` as UTF-8, when the caller has it already. */
    bytes?: Buffer,
  ) {
    this.bytes = bytes ?? Buffer.from(text, 'utf8');
  }
  /** 1-based line and column (in characters) in the file of a byte offset into `text`. */
  at(byte: number): { line: number; column: number } {
    const { line, column } = (this.map ??= lineMap(this.bytes))(byte);
    return { line: this.firstLine + line - 1, column: line === 1 ? column + this.firstColumn - 1 : column };
  }
  /** The byte offset of a substring, searching from `fromByte` (starting before `startsBefore`, if given); undefined when not found. */
  find(sub: string, fromByte = 0, startsBefore?: number): number | undefined {
    const needle = Buffer.from(sub, 'utf8');
    const hay = startsBefore === undefined ? this.bytes : this.bytes.subarray(0, startsBefore + needle.length);
    const i = hay.indexOf(needle, fromByte);
    return i < 0 ? undefined : i;
  }
  slice(start: number, end?: number): string {
    return this.bytes.subarray(start, end).toString('utf8');
  }
  /** A nested source for the bytes [start, end) of this one. */
  sub(start: number, end: number): Source {
    const { line, column } = this.at(start);
    return new Source(this.slice(start, end), this.offset + start, line, column, this.bytes.subarray(start, end));
  }
}

function analyzeText(pg: Pg, sql: string, src: Source, out: Touch[], context: Touch['context'], state?: SearchPathState): void {
  if (!sql.trim()) return;
  walkParsed(pg, sql, pg.parseSync(sql), src, out, context, state);
}

/** Where unqualified names go once the SQL sets its own search_path (none: the module's schema). */
interface SearchPathState {
  path?: { schema: string; line: number };
  /**
   * Temporary relations the SQL made so far (CREATE TEMP TABLE, … AS, VIEW, SEQUENCE): the
   * session's own, in pg_temp, gone when the migration's session is reset. An unqualified name
   * of one is that relation (pg_temp comes first in the search path): no schema's object.
   */
  temps?: Set<string>;
}

function walkParsed(pg: Pg, sql: string, result: ReturnType<Pg['parseSync']>, src: Source, out: Touch[], context: Touch['context'], state: SearchPathState = {}): void {
  for (const s of result.stmts ?? []) {
    const start = s.stmt_location ?? 0;
    const end = s.stmt_len ? start + s.stmt_len : Buffer.byteLength(sql);
    const from = out.length;
    // The path as the statement starts: a DO block's own SET changes it for what follows in the
    // block (resolved there) and after it.
    const path = state.path;
    const walker = new StatementWalker(pg, src, start, end, out, context, state);
    walker.statement(s.stmt as unknown as Node);
    if (path) for (let i = from; i < out.length; i++) resolveInPath(out[i]!, path);
    const set = searchPathSet(s.stmt as unknown as Node);
    if (set !== undefined) state.path = set ? { schema: set, line: walker.line() } : undefined;
  }
}

/** Kinds that are not in a schema. */
const SCHEMALESS: ReadonlySet<ObjectKind> = new Set<ObjectKind>(['schema', 'extension', ...SERVER_WIDE]);
const RELATIONS: ReadonlySet<ObjectKind> = new Set<ObjectKind>(['table', 'view', 'materialized view', 'relation', 'sequence']);

/**
 * An unqualified name after `SET search_path TO other` (or set_config) in the same SQL: it is
 * created, changed or read in `schema`, not the module's own — another module's schema, where
 * that is whose. References other than to relations stay as written (a built-in function or type
 * resolves in pg_catalog first, whatever the path).
 */
function resolveInPath(t: Touch, path: { schema: string; line: number }): void {
  if (SCHEMALESS.has(t.kind) || (t.action === 'reference' && !RELATIONS.has(t.kind))) return;
  const schema = path.schema;
  if (t.schema === undefined) {
    t.schema = schema;
    t.searchPath = path.line;
  }
  if (t.table && t.table.schema === undefined) t.table = { ...t.table, schema };
}

/**
 * The schema a statement makes unqualified names resolve to, if it sets search_path: SET [LOCAL]
 * search_path, or SELECT set_config('search_path', '…', …) with literals (pg_dump's). '' for a
 * RESET, DEFAULT or empty path (back to the module's: Bulkhead sets it for each migration), and
 * the first entry that names a schema ("$user" aside); undefined for any other statement.
 */
function searchPathSet(stmt: Node): string | undefined {
  const v = stmt.VariableSetStmt as Node | undefined;
  if (v && String(v.name).toLowerCase() === 'search_path') {
    if (v.kind !== 'VAR_SET_VALUE') return '';
    return firstSchema(((v.args as Node[] | undefined) ?? []).map((a) => ((a.A_Const as Node | undefined)?.sval as Node | undefined)?.sval as string | undefined));
  }
  const select = stmt.SelectStmt as Node | undefined;
  for (const target of (select?.targetList as Node[] | undefined) ?? []) {
    const call = ((target.ResTarget as Node | undefined)?.val as Node | undefined)?.FuncCall as Node | undefined;
    const name = ((call?.funcname as Node[] | undefined) ?? []).map((n) => (n.String as Node | undefined)?.sval).pop();
    const args = ((call?.args as Node[] | undefined) ?? []).map((a) => ((a.A_Const as Node | undefined)?.sval as Node | undefined)?.sval as string | undefined);
    if (name !== 'set_config' || args[0]?.toLowerCase() !== 'search_path' || args[1] === undefined) continue;
    // The setting's text is read as identifiers: quoted as written, unquoted in lower case.
    return firstSchema(args[1].split(',').map((e) => e.trim()).map((e) => (/^".*"$/.test(e) ? e.slice(1, -1).replace(/""/g, '"') : e.toLowerCase())));
  }
  return undefined;
}

/** A search path's first entry that names a schema ("$user" and blanks aside); '' when none does. */
function firstSchema(entries: readonly (string | undefined)[]): string {
  return entries.find((e) => e !== undefined && e !== '$user' && e !== '') ?? '';
}

const OBJECT_KIND: Record<string, ObjectKind> = {
  OBJECT_TABLE: 'table',
  OBJECT_FOREIGN_TABLE: 'table',
  OBJECT_VIEW: 'view',
  OBJECT_MATVIEW: 'materialized view',
  OBJECT_SEQUENCE: 'sequence',
  OBJECT_INDEX: 'index',
  OBJECT_TYPE: 'type',
  OBJECT_DOMAIN: 'type',
  OBJECT_FUNCTION: 'function',
  OBJECT_AGGREGATE: 'function',
  OBJECT_ROUTINE: 'function',
  OBJECT_PROCEDURE: 'procedure',
  OBJECT_TRIGGER: 'trigger',
  OBJECT_POLICY: 'policy',
  OBJECT_SCHEMA: 'schema',
  OBJECT_EXTENSION: 'extension',
  OBJECT_COLUMN: 'column',
  OBJECT_TABCONSTRAINT: 'table',
  OBJECT_COLLATION: 'collation',
  OBJECT_TSCONFIGURATION: 'text search configuration',
  OBJECT_TSDICTIONARY: 'text search dictionary',
  OBJECT_STATISTIC_EXT: 'statistics',
  OBJECT_CONVERSION: 'conversion',
  OBJECT_ROLE: 'role',
  OBJECT_TABLESPACE: 'tablespace',
  OBJECT_DATABASE: 'database',
};

/** Server-wide objects named by a plain string field (roles' other statements name a RoleSpec). */
const SERVER_OBJECT_STATEMENTS: Record<string, { action: Action; kind: ObjectKind; field: string }> = {
  CreateRoleStmt: { action: 'create', kind: 'role', field: 'role' },
  CreateTableSpaceStmt: { action: 'create', kind: 'tablespace', field: 'tablespacename' },
  AlterTableSpaceOptionsStmt: { action: 'alter', kind: 'tablespace', field: 'tablespacename' },
  DropTableSpaceStmt: { action: 'drop', kind: 'tablespace', field: 'tablespacename' },
  CreatedbStmt: { action: 'create', kind: 'database', field: 'dbname' },
  AlterDatabaseStmt: { action: 'alter', kind: 'database', field: 'dbname' },
  AlterDatabaseSetStmt: { action: 'alter', kind: 'database', field: 'dbname' },
  DropdbStmt: { action: 'drop', kind: 'database', field: 'dbname' },
};

/** Schema objects named by a qualified name list, created and altered by statements of their own. */
const NAMED_OBJECT_STATEMENTS: Record<string, { action: Action; kind: ObjectKind; field: string }> = {
  CreateConversionStmt: { action: 'create', kind: 'conversion', field: 'conversion_name' },
  AlterCollationStmt: { action: 'alter', kind: 'collation', field: 'collname' },
  AlterTSConfigurationStmt: { action: 'alter', kind: 'text search configuration', field: 'cfgname' },
  AlterTSDictionaryStmt: { action: 'alter', kind: 'text search dictionary', field: 'dictname' },
  AlterStatsStmt: { action: 'alter', kind: 'statistics', field: 'defnames' },
};

/** Functions whose first argument names a relation as a string ('schema.name'::regclass): nextval('orders_id_seq'). */
const RELATION_NAME_FUNCTIONS: Record<string, { action: Action; kind: ObjectKind }> = {
  nextval: { action: 'reference', kind: 'sequence' },
  currval: { action: 'reference', kind: 'sequence' },
  setval: { action: 'write', kind: 'sequence' },
  pg_get_serial_sequence: { action: 'reference', kind: 'relation' },
};

/** The `sval`s of a list of String nodes (a qualified name, an option's value). */
export const strings = (list: unknown): string[] =>
  Array.isArray(list) ? list.map((n) => (n as { String?: { sval?: string } } | undefined)?.String?.sval).filter((s): s is string => typeof s === 'string') : [];

/** Split a qualified name list: [name], [schema, name] or [catalog, schema, name]. */
function qualified(parts: string[]): { schema?: string; name: string } | undefined {
  if (!parts.length) return undefined;
  const name = parts[parts.length - 1]!;
  return parts.length >= 2 ? { schema: parts[parts.length - 2], name } : { name };
}

interface RangeVar {
  schemaname?: string;
  relname: string;
  /** 't' for TEMP, 'u' for UNLOGGED, 'p' otherwise. */
  relpersistence?: string;
  location?: number;
}

class StatementWalker {
  /** Nodes a statement handler already recorded; the generic walk skips them. */
  private readonly handled = new Set<unknown>();
  /** Names of the statement's common table expressions (WITH c AS …). */
  private readonly ctes = new Set<string>();
  /**
   * Its unqualified relation references, recorded as met: a CTE's name may be met (in its
   * WITH clause) only after the references to it, so those are taken back at the statement's end.
   */
  private unqualified: Touch[] = [];
  /** How deep in statement() this walker is (CREATE SCHEMA's elements are statements of their own). */
  private depth = 0;

  constructor(
    private readonly pg: Pg,
    private readonly src: Source,
    private readonly start: number,
    private readonly end: number,
    private readonly out: Touch[],
    private readonly context: Touch['context'],
    /** The search_path the SQL around it set: a DO block runs in it, and may set it for what follows. */
    private readonly state: SearchPathState = {},
  ) {}

  private add(action: Action, kind: ObjectKind, name: { schema?: string; name: string }, location?: number, table?: { schema?: string; name: string }): Touch {
    const { line, column } = this.src.at(typeof location === 'number' && location >= 0 ? location : this.firstToken());
    const t: Touch = { action, kind, name: name.name, line, column };
    // A temporary relation, and what is on one, is the session's: recorded nowhere.
    if (((RELATIONS.has(kind) || kind === 'index') && this.temporary(name)) || (table && this.temporary(table))) return t;
    if (name.schema) t.schema = name.schema;
    if (table) t.table = table.schema ? { schema: table.schema, name: table.name } : { name: table.name };
    if (this.context) t.context = this.context;
    this.out.push(t);
    return t;
  }

  /** The line of the statement's first token. */
  line(): number {
    return this.src.at(this.firstToken()).line;
  }

  private firstToken(): number {
    return this.start + leadingCommentBytes(this.src.slice(this.start, this.end));
  }

  private rel(action: Action, kind: ObjectKind, rv: unknown): Touch | undefined {
    const r = unwrapRangeVar(rv);
    if (!r) return undefined;
    this.handled.add(r);
    if (action === 'create' && r.relpersistence === 't' && !r.schemaname) (this.state.temps ??= new Set()).add(r.relname);
    return this.add(action, kind, { schema: r.schemaname, name: r.relname }, r.location);
  }

  /** Whether a relation's name is a temporary relation's: in pg_temp, or unqualified and made TEMP earlier in the SQL. */
  private temporary(name: { schema?: string; name: string }): boolean {
    return name.schema === 'pg_temp' || (name.schema === undefined && this.state.temps?.has(name.name) === true);
  }

  statement(stmt: Node): void {
    const kind = Object.keys(stmt)[0] ?? '';
    const n = (stmt[kind] ?? {}) as Node;
    this.depth++;
    switch (kind) {
      case 'CreateStmt':
        this.rel('create', 'table', n.relation);
        // A child (INHERITS) or a partition (PARTITION OF) changes its parent: its rows join the
        // parent's queries, and a partition is attached to it (ALTER TABLE … ATTACH PARTITION).
        for (const parent of (n.inhRelations as unknown[] | undefined) ?? []) this.rel('alter', 'table', parent);
        break;
      case 'CreateForeignTableStmt':
        this.rel('create', 'table', (n.base as Node | undefined)?.relation);
        break;
      case 'CreateTableAsStmt': {
        const into = n.into as Node | undefined;
        this.rel('create', n.objtype === 'OBJECT_MATVIEW' ? 'materialized view' : 'table', into?.rel);
        break;
      }
      case 'ViewStmt':
        this.rel('create', 'view', n.view);
        break;
      case 'CreateSeqStmt':
        this.rel('create', 'sequence', n.sequence);
        break;
      case 'AlterSeqStmt':
        this.rel('alter', 'sequence', n.sequence);
        break;
      case 'CompositeTypeStmt':
        this.rel('create', 'type', n.typevar);
        break;
      case 'AlterTableStmt':
        this.alterTable(n);
        break;
      case 'IndexStmt': {
        const r = unwrapRangeVar(n.relation);
        if (r) {
          this.rel('alter', 'table', r);
          if (typeof n.idxname === 'string') this.add('create', 'index', { schema: r.schemaname, name: n.idxname }, r.location, { schema: r.schemaname, name: r.relname });
        }
        break;
      }
      case 'DropStmt':
        this.drop(n);
        break;
      case 'CreateEnumStmt':
      case 'CreateRangeStmt': {
        const q = qualified(strings(n.typeName));
        if (q) this.add('create', 'type', q);
        break;
      }
      case 'CreateDomainStmt': {
        const q = qualified(strings(n.domainname));
        if (q) this.add('create', 'type', q);
        break;
      }
      case 'AlterEnumStmt':
      case 'AlterDomainStmt': {
        const q = qualified(strings(n.typeName));
        if (q) this.add('alter', 'type', q);
        break;
      }
      case 'DefineStmt': {
        const k = OBJECT_KIND[String(n.kind)];
        const q = qualified(strings(n.defnames));
        if (k && q) this.add('create', k, q);
        // A collation's or text search object's definition is options (provider = icu, TEMPLATE = simple), not types.
        if (k === 'collation' || k === 'text search configuration' || k === 'text search dictionary') this.handled.add(n.definition);
        break;
      }
      case 'CreateFunctionStmt':
        this.createFunction(n);
        break;
      case 'AlterFunctionStmt': {
        const f = n.func as Node | undefined;
        const q = qualified(strings(f?.objname));
        if (q) this.add('alter', n.objtype === 'OBJECT_PROCEDURE' ? 'procedure' : 'function', q);
        this.handled.add(f);
        break;
      }
      case 'CreateTrigStmt': {
        const r = unwrapRangeVar(n.relation);
        if (r) {
          this.rel('alter', 'table', r);
          this.add('create', 'trigger', { name: String(n.trigname) }, r.location, { schema: r.schemaname, name: r.relname });
        }
        const f = qualified(strings(n.funcname));
        if (f) this.add('reference', 'function', f);
        this.handled.add(n.funcname);
        break;
      }
      case 'CreatePolicyStmt':
      case 'AlterPolicyStmt': {
        const r = unwrapRangeVar(n.table);
        if (r) {
          this.rel('alter', 'table', r);
          this.add(kind === 'CreatePolicyStmt' ? 'create' : 'alter', 'policy', { name: String(n.policy_name) }, r.location, { schema: r.schemaname, name: r.relname });
        }
        break;
      }
      case 'CreateSchemaStmt': {
        const name = String(n.schemaname ?? '');
        if (name) this.add('create', 'schema', { name });
        // Objects created inside CREATE SCHEMA … belong to that schema unless qualified.
        const before = this.out.length;
        for (const elt of (n.schemaElts as Node[] | undefined) ?? []) this.statement(elt);
        if (name) for (const t of this.out.slice(before)) if (!t.schema && t.kind !== 'schema' && t.kind !== 'extension') t.schema = name;
        this.handled.add(n.schemaElts);
        break;
      }
      case 'CreateForeignServerStmt':
      case 'AlterForeignServerStmt': {
        // postgres_fdw's (and dblink_fdw's) dbname: the database its foreign tables read.
        for (const o of (n.options as Node[] | undefined) ?? []) {
          const d = o.DefElem as Node | undefined;
          const db = d?.defname === 'dbname' ? strings([d.arg])[0] : undefined;
          if (db) this.add('reference', 'database', { name: db }, d!.location as number | undefined).connection = 'foreign server';
        }
        break;
      }
      case 'CreateSubscriptionStmt':
      case 'AlterSubscriptionStmt': {
        // Logical replication from the database its CONNECTION names.
        const db = typeof n.conninfo === 'string' ? connectionDatabase(n.conninfo) : undefined;
        if (db) this.add('reference', 'database', { name: db }).connection = 'subscription';
        break;
      }
      case 'CreateExtensionStmt': {
        // Its schema: where its objects go (SCHEMA …); unsaid, the first schema on the search path.
        const into = ((n.options as Node[] | undefined) ?? []).map((o) => o.DefElem as Node | undefined).find((d) => d?.defname === 'schema');
        const schema = strings([into?.arg])[0];
        this.add('create', 'extension', { name: String(n.extname), ...(schema ? { schema } : {}) });
        break;
      }
      case 'AlterExtensionStmt':
        this.add('alter', 'extension', { name: String(n.extname) });
        break;
      case 'RenameStmt':
        this.rename(n);
        break;
      case 'AlterObjectSchemaStmt':
      case 'AlterOwnerStmt':
      case 'CommentStmt':
      case 'SecLabelStmt':
        this.alterObject(n, kind === 'AlterObjectSchemaStmt' || kind === 'AlterOwnerStmt' ? 'objectType' : 'objtype');
        if (kind === 'AlterObjectSchemaStmt' && typeof n.newschema === 'string') {
          const moved = this.out[this.out.length - 1];
          if (moved && moved.action === 'alter') this.add('create', moved.kind, { schema: n.newschema, name: moved.name });
        }
        break;
      case 'GrantStmt':
        this.grant(n);
        break;
      case 'InsertStmt':
      case 'UpdateStmt':
      case 'DeleteStmt':
      case 'MergeStmt':
        this.rel('write', 'table', n.relation);
        break;
      case 'TruncateStmt':
        for (const r of (n.relations as unknown[]) ?? []) this.rel('write', 'table', r);
        break;
      case 'CopyStmt':
        if (n.is_from) this.rel('write', 'table', n.relation);
        break;
      case 'RefreshMatViewStmt':
        this.rel('write', 'materialized view', n.relation);
        break;
      case 'DoStmt':
        this.doBlock(n);
        break;
      case 'CallStmt': {
        const f = n.funccall as Node | undefined;
        const q = qualified(strings(f?.funcname));
        if (f && q && q.schema !== 'pg_catalog') this.add('reference', 'procedure', q, f.location as number | undefined);
        this.handled.add(f?.funcname);
        break;
      }
      case 'AlterRoleStmt':
      case 'AlterRoleSetStmt':
        for (const name of roleNames([n.role])) this.add('alter', 'role', { name });
        break;
      case 'DropRoleStmt':
        for (const name of roleNames(n.roles as unknown[])) this.add('drop', 'role', { name });
        break;
      case 'GrantRoleStmt':
        // Membership in a role changes that role (who holds its privileges).
        for (const g of (n.granted_roles as Node[] | undefined) ?? []) {
          const name = (g.AccessPriv as Node | undefined)?.priv_name;
          if (typeof name === 'string') this.add('alter', 'role', { name });
        }
        break;
      case 'RuleStmt':
        // Like a trigger: a rule on a table (or view) changes what happens to it.
        this.rel('alter', 'table', n.relation);
        break;
      case 'ClusterStmt':
        // Rewrites the table and marks its index for the next CLUSTER.
        if (n.relation) this.rel('alter', 'table', n.relation);
        break;
      case 'AlterDefaultPrivilegesStmt':
        // IN SCHEMA s: the privileges of what is created in s from now on.
        for (const o of (n.options as Node[] | undefined) ?? []) {
          const d = o.DefElem as Node | undefined;
          if (d?.defname !== 'schemas') continue;
          for (const name of strings(((d.arg as Node | undefined)?.List as Node | undefined)?.items)) this.add('alter', 'schema', { name }, d.location as number | undefined);
        }
        break;
      case 'CreateStatsStmt': {
        // Like an index: statistics on a table alter it.
        for (const r of (n.relations as unknown[] | undefined) ?? []) this.rel('alter', 'table', r);
        const q = qualified(strings(n.defnames));
        if (q) this.add('create', 'statistics', q);
        break;
      }
      default: {
        const named = NAMED_OBJECT_STATEMENTS[kind];
        const q = named && qualified(strings(n[named.field]));
        if (named && q) this.add(named.action, named.kind, q);
        const server = SERVER_OBJECT_STATEMENTS[kind];
        if (server && typeof n[server.field] === 'string') this.add(server.action, server.kind, { name: n[server.field] as string });
        break;
      }
    }
    this.walk(n, undefined);
    if (--this.depth === 0) this.dropCteReferences();
  }

  /** Take back the references to the statement's own CTEs (see `unqualified`). */
  private dropCteReferences(): void {
    if (this.ctes.size) {
      const drop = new Set(this.unqualified.filter((t) => this.ctes.has(t.name)));
      for (let i = this.out.length - 1; i >= 0 && drop.size; i--) if (drop.delete(this.out[i]!)) this.out.splice(i, 1);
      this.ctes.clear();
    }
    this.unqualified = [];
  }

  private alterTable(n: Node): void {
    const kind = OBJECT_KIND[String(n.objtype)] ?? 'table';
    const r = unwrapRangeVar(n.relation);
    if (!r) return;
    const altered = this.rel('alter', kind, r);
    const table = { schema: r.schemaname, name: r.relname };
    const cmds = ((n.cmds as Node[] | undefined) ?? []).map((c) => (c.AlterTableCmd ?? {}) as Node);
    for (const cmd of cmds) {
      const def = (cmd.def as Node | undefined)?.ColumnDef as Node | undefined;
      const column = typeof cmd.name === 'string' ? cmd.name : typeof def?.colname === 'string' ? def.colname : undefined;
      if (!column) continue;
      const action: Action = cmd.subtype === 'AT_AddColumn' ? 'create' : cmd.subtype === 'AT_DropColumn' ? 'drop' : 'alter';
      if (String(cmd.subtype).includes('Constraint')) continue;
      const t = this.add(action, 'column', { name: column }, (def?.location as number | undefined) ?? r.location, table);
      if (rerunnable(cmd)) t.rerunnable = true;
    }
    if (altered && cmds.length && cmds.every(rerunnable)) altered.rerunnable = true;
    if (altered && cmds.length) altered.subcommands = [...new Set(cmds.map((c) => String(c.subtype)))];
  }

  private drop(n: Node): void {
    const kind = OBJECT_KIND[String(n.removeType)];
    if (!kind) return;
    for (const o of (n.objects as Node[] | undefined) ?? []) {
      this.handled.add(o);
      if (kind === 'schema' || kind === 'extension') {
        const name = (o.String as { sval?: string } | undefined)?.sval;
        if (name) this.add('drop', kind, { name });
        continue;
      }
      const parts = o.List ? strings((o.List as Node).items) : o.TypeName ? strings((o.TypeName as Node).names) : o.ObjectWithArgs ? strings((o.ObjectWithArgs as Node).objname) : [];
      if (kind === 'trigger' || kind === 'policy') {
        // [schema,] table, name
        const name = parts[parts.length - 1];
        const table = qualified(parts.slice(0, -1));
        if (name && table) {
          this.add('alter', 'table', table);
          this.add('drop', kind, { name }, undefined, table);
        }
        continue;
      }
      const q = qualified(parts);
      if (q) this.add('drop', kind, q);
    }
  }

  private rename(n: Node): void {
    const kind = OBJECT_KIND[String(n.renameType)];
    const newname = typeof n.newname === 'string' ? n.newname : undefined;
    if (!kind || !newname) return;
    const r = unwrapRangeVar(n.relation);
    if (kind === 'column' || kind === 'trigger' || kind === 'policy' || n.renameType === 'OBJECT_TABCONSTRAINT') {
      if (!r) return;
      this.rel('alter', 'table', r);
      if (kind !== 'table') {
        const table = { schema: r.schemaname, name: r.relname };
        this.add('alter', kind, { name: String(n.subname) }, r.location, table);
        this.add('create', kind, { name: newname }, r.location, table);
      }
      return;
    }
    if (r) {
      this.rel('alter', kind, r);
      this.add('create', kind, { schema: r.schemaname, name: newname }, r.location);
      return;
    }
    if (kind === 'schema' || SERVER_WIDE.has(kind)) {
      this.add('alter', kind, { name: String(n.subname) });
      this.add('create', kind, { name: newname });
      return;
    }
    const q = this.objectName(n.object);
    if (q) {
      this.add('alter', kind, q);
      this.add('create', kind, { schema: q.schema, name: newname });
    }
  }

  /** ALTER … OWNER/SET SCHEMA, COMMENT ON, SECURITY LABEL: the object is altered. */
  private alterObject(n: Node, typeField: string): void {
    const kind = OBJECT_KIND[String(n[typeField])];
    if (!kind) return;
    const r = unwrapRangeVar(n.relation);
    if (r) {
      if (kind === 'column' || kind === 'trigger' || kind === 'policy') this.rel('alter', 'table', r);
      else this.rel('alter', kind, r);
      return;
    }
    if (kind === 'column' || kind === 'trigger' || kind === 'policy') {
      const parts = this.parts(n.object);
      const table = qualified(parts.slice(0, -1));
      if (table) this.add('alter', 'table', table);
      return;
    }
    const q = this.objectName(n.object);
    if (q) this.add('alter', kind, q);
  }

  private grant(n: Node): void {
    // A grant runs again unharmed: an up of grants alone needs no down statements to be applied
    // again after its down (verify still compares what a down leaves).
    const granted = (t: Touch | undefined) => {
      if (t) t.rerunnable = true;
    };
    // GRANT … ON ALL TABLES (SEQUENCES, FUNCTIONS…) IN SCHEMA s: every object of the schema.
    if (n.targtype === 'ACL_TARGET_ALL_IN_SCHEMA') {
      for (const o of (n.objects as Node[] | undefined) ?? []) {
        const name = (o.String as { sval?: string } | undefined)?.sval;
        if (name) granted(this.add('alter', 'schema', { name }));
        this.handled.add(o);
      }
      return;
    }
    if (n.targtype !== 'ACL_TARGET_OBJECT') return;
    const kind = OBJECT_KIND[String(n.objtype)];
    if (!kind) return;
    for (const o of (n.objects as Node[] | undefined) ?? []) {
      const r = unwrapRangeVar(o);
      if (r) granted(this.rel('alter', kind, r));
      else {
        const q = kind === 'schema' ? { name: String((o.String as { sval?: string } | undefined)?.sval ?? '') } : this.objectName(o);
        if (q?.name) granted(this.add('alter', kind, q));
        this.handled.add(o);
      }
    }
  }

  private parts(o: unknown): string[] {
    const node = o as Node | undefined;
    if (!node) return [];
    this.handled.add(node);
    if (node.String) return [String((node.String as { sval?: string }).sval)];
    if (node.List) return strings((node.List as Node).items);
    if (node.TypeName) return strings((node.TypeName as Node).names);
    if (node.ObjectWithArgs) return strings((node.ObjectWithArgs as Node).objname);
    return [];
  }

  private objectName(o: unknown): { schema?: string; name: string } | undefined {
    return qualified(this.parts(o));
  }

  private createFunction(n: Node): void {
    const q = qualified(strings(n.funcname));
    if (!q) return;
    this.add('create', n.is_procedure ? 'procedure' : 'function', q);
    this.handled.add(n.funcname);
    if (n.sql_body) {
      // BEGIN ATOMIC … END: the body is part of this statement's tree.
      const inner = new StatementWalker(this.pg, this.src, this.start, this.end, this.out, 'function body');
      const visit = (x: unknown): void => {
        if (!x || typeof x !== 'object') return;
        if (Array.isArray(x)) return x.forEach(visit);
        const o = x as Node;
        if (o.List) return visit((o.List as Node).items);
        inner.statement(o);
      };
      visit(n.sql_body);
      this.handled.add(n.sql_body);
    }
    const options = ((n.options as Node[] | undefined) ?? []).map((o) => o.DefElem as Node);
    const language = (strings([options.find((o) => o.defname === 'language')?.arg])[0] ?? 'sql').toLowerCase();
    const as = (options.find((o) => o.defname === 'as')?.arg as Node | undefined)?.List as Node | undefined;
    const body = strings(as?.items)[0];
    if (body === undefined) return;
    // Its own SET search_path = … clause: where its body's unqualified names are, whoever calls it.
    const set = options.find((o) => o.defname === 'set')?.arg as Node | undefined;
    const clause = set ? searchPathSet(set) : undefined;
    const state: SearchPathState = clause ? { path: { schema: clause, line: this.line() } } : {};
    if (language === 'sql') this.nested(body, (src) => analyzeText(this.pg, body, src, this.out, 'function body', state));
    else if (language === 'plpgsql') this.plpgsql(body, 'function body', state);
  }

  private doBlock(n: Node): void {
    const args = ((n.args as Node[] | undefined) ?? []).map((a) => a.DefElem as Node);
    const lang = (strings([args.find((a) => a.defname === 'language')?.arg])[0] ?? 'plpgsql').toLowerCase();
    const body = strings([args.find((a) => a.defname === 'as')?.arg])[0];
    if (body !== undefined && lang === 'plpgsql') this.plpgsql(body, 'DO block');
  }

  /** Run `fn` on the body's own source (its position in the file), when the body is found verbatim. */
  private nested(body: string, fn: (src: Source) => void): void {
    const at = this.src.find(body, this.start);
    const src = at !== undefined && at < this.end ? this.src.sub(at, at + Buffer.byteLength(body)) : new Source(body, this.src.offset + this.start, this.src.at(this.firstToken()).line);
    try {
      fn(src);
    } catch {
      // A body the parser cannot read (a language feature of a newer server, a template) is left alone.
    }
  }

  /** PL/pgSQL: every embedded SQL statement and expression, and EXECUTE of a literal string. */
  private plpgsql(body: string, context: 'DO block' | 'function body', own: SearchPathState = {}): void {
    // A DO block runs now, in the session's search_path, and its SET stays; a function's body runs later.
    const state = context === 'DO block' ? this.state : own;
    this.nested(body, (src) => {
      // The PL/pgSQL parser takes the whole CREATE FUNCTION or DO statement; line numbers count from the body.
      const tree = this.pg.parsePlPgSQLSync(this.src.slice(this.start, this.end)) as unknown;
      const exprs: { query: string; mode: number; lineno: number; dynamic: boolean }[] = [];
      collectPlpgsqlExprs(tree, 1, false, exprs);
      let from = 0;
      // Byte offset of each line's start, made once: a body of many thousand lines is not rescanned per expression.
      const lineStarts = lineByteOffsets(src.text);
      for (const e of exprs) {
        const line = Math.min(Math.max(e.lineno, 1), lineStarts.length);
        // Starting on its statement's line or a few after (an IF's condition on the next): not searched
        // for to the end of the body, where text the parser rewrote (PERFORM's SELECT …) never is.
        const window = [Math.max(from, lineStarts[line - 1]!), lineStarts[line + EXPRESSION_LINES] ?? Buffer.byteLength(src.text)] as const;
        const at = src.find(e.query, ...window);
        let exprSrc = at !== undefined ? src.sub(at, at + Buffer.byteLength(e.query)) : new Source(e.query, src.offset, src.firstLine + e.lineno - 1);
        if (at !== undefined) from = at;
        // PERFORM f(…): PL/pgSQL hands over SELECT f(…); what follows the keyword is in the body as written.
        const tail = at === undefined && e.mode === 0 && e.query.startsWith('SELECT ') ? e.query.slice('SELECT'.length) : undefined;
        const tailAt = tail !== undefined ? src.find(tail, ...window) : undefined;
        if (tail !== undefined && tailAt !== undefined) {
          const rest = src.sub(tailAt, tailAt + Buffer.byteLength(tail));
          exprSrc = new Source(e.query, rest.offset - 'SELECT'.length, rest.firstLine, rest.firstColumn - 'SELECT'.length);
          from = tailAt;
        }
        try {
          if (e.mode === 0) analyzeText(this.pg, e.query, exprSrc, this.out, context, state);
          else {
            // An expression: parse it as a SELECT list and map positions back.
            const prefix = 'SELECT ';
            const inner = new Source(prefix + e.query, exprSrc.offset, exprSrc.firstLine, exprSrc.firstColumn - prefix.length);
            const before = this.out.length;
            analyzeText(this.pg, prefix + e.query, inner, this.out, context, state);
            if (e.dynamic) this.dynamic(prefix + e.query, exprSrc, before);
          }
        } catch {
          // Expressions PL/pgSQL accepts that are not SQL on their own (assignments) are skipped.
        }
      }
    });
  }

  /** EXECUTE 'CREATE TABLE …': a string literal is SQL too. */
  private dynamic(select: string, src: Source, _before: number): void {
    const tree = this.pg.parseSync(select) as unknown as { stmts?: { stmt: Node }[] };
    const target = ((tree.stmts?.[0]?.stmt.SelectStmt as Node | undefined)?.targetList as Node[] | undefined)?.[0];
    const val = ((target?.ResTarget as Node | undefined)?.val as Node | undefined)?.A_Const as Node | undefined;
    const sval = (val?.sval as { sval?: string } | undefined)?.sval;
    if (typeof sval === 'string') {
      try {
        analyzeText(this.pg, sval, new Source(sval, src.offset, src.firstLine, src.firstColumn), this.out, 'dynamic SQL');
      } catch {
        // Not SQL on its own (built by concatenation); nothing to learn.
      }
    }
  }

  /** Everything not recorded by a handler: relations, routines and types it references. */
  private walk(n: unknown, key: string | undefined): void {
    if (!n || typeof n !== 'object' || this.handled.has(n)) return;
    if (Array.isArray(n)) {
      for (const x of n) this.walk(x, key);
      return;
    }
    const o = n as Node;
    if (typeof o.relname === 'string') {
      const t = this.add('reference', 'relation', { schema: o.schemaname as string | undefined, name: o.relname }, o.location as number | undefined);
      if (o.schemaname === undefined) this.unqualified.push(t);
      return;
    }
    if (o.CommonTableExpr) this.ctes.add(String((o.CommonTableExpr as Node).ctename));
    if (o.FuncCall) {
      const f = o.FuncCall as Node;
      const q = qualified(strings(f.funcname));
      if (q && q.schema !== 'pg_catalog') this.add('reference', 'function', q, f.location as number | undefined);
      const byName = q && (q.schema === undefined || q.schema === 'pg_catalog') ? RELATION_NAME_FUNCTIONS[q.name] : undefined;
      const named = byName && relationLiteral((f.args as Node[] | undefined)?.[0]);
      if (byName && named) {
        this.add(byName.action, byName.kind, named.name, named.location);
        this.handled.add((f.args as Node[])[0]);
      }
      // dblink('dbname=billing …', …), dblink_connect('c', 'postgres://…/billing'): the database it connects to.
      if (q && (q.schema === undefined || q.schema === 'public') && /^dblink(_exec|_connect(_u)?|_send_query)?$/.test(q.name)) {
        for (const arg of (f.args as Node[] | undefined) ?? []) {
          const c = arg.A_Const as { sval?: { sval?: string }; location?: number } | undefined;
          const db = c?.sval?.sval !== undefined ? connectionDatabase(c.sval.sval) : undefined;
          if (db) this.add('reference', 'database', { name: db }, c!.location).connection = 'dblink';
        }
      }
      this.walk(f.args, 'args');
      this.walk(f.agg_filter, 'agg_filter');
      this.walk(f.over, 'over');
      return;
    }
    const collate = o.CollateClause ? (o.CollateClause as Node) : key === 'collClause' ? o : undefined;
    if (collate && Array.isArray(collate.collname)) {
      const q = qualified(strings(collate.collname));
      if (q && q.schema !== 'pg_catalog') this.add('reference', 'collation', q, collate.location as number | undefined);
      this.walk(collate.arg, 'arg');
      return;
    }
    if (o.TypeCast) {
      // 'orders'::regclass names a relation.
      const c = o.TypeCast as Node;
      const type = strings((c.typeName as Node | undefined)?.names);
      const named = type[type.length - 1] === 'regclass' ? relationLiteral(c.arg) : undefined;
      if (named) {
        this.add('reference', 'relation', named.name, named.location);
        return;
      }
    }
    const typeName = o.TypeName ? (o.TypeName as Node) : key && TYPE_KEYS.has(key) ? o : undefined;
    if (typeName && Array.isArray(typeName.names)) {
      const q = qualified(strings(typeName.names));
      if (q && q.schema !== 'pg_catalog') this.add('reference', 'type', q, typeName.location as number | undefined);
      return;
    }
    for (const k in o) {
      const v = o[k];
      if (v && typeof v === 'object') this.walk(v, k);
    }
  }
}

/**
 * The database a libpq connection string names: `dbname=billing host=…` (a value quoted or not) or
 * a `postgres://host/billing` URL. Undefined for anything else (a dblink connection's or a foreign
 * server's name, which the CREATE SERVER names the database of).
 */
export function connectionDatabase(conninfo: string): string | undefined {
  const text = conninfo.trim();
  if (/^postgres(ql)?:\/\//i.test(text)) {
    try {
      const db = decodeURIComponent(new URL(text).pathname.replace(/^\//, ''));
      return db || undefined;
    } catch {
      return undefined;
    }
  }
  const m = /(?:^|\s)dbname\s*=\s*(?:'((?:[^'\\]|\\.)*)'|(\S+))/.exec(text);
  const db = m ? (m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2]) : undefined;
  // dbname may itself be a connection string or URL (libpq expands it).
  return db && /[=/]/.test(db) ? connectionDatabase(db) : db;
}

const TYPE_KEYS = new Set(['typeName', 'returnType', 'argType', 'ofTypename', 'sourcetype', 'targettype']);

/** A relation named by a string constant ('orders', 'billing."Orders"', or that cast to regclass), as PostgreSQL reads it. */
function relationLiteral(arg: unknown): { name: { schema?: string; name: string }; location?: number } | undefined {
  let a = arg as Node | undefined;
  const cast = a?.TypeCast as Node | undefined;
  if (cast) a = cast.arg as Node | undefined;
  const c = a?.A_Const as Node | undefined;
  const text = (c?.sval as { sval?: string } | undefined)?.sval;
  if (typeof text !== 'string') return undefined;
  const parts = identifierParts(text);
  const name = parts && qualified(parts);
  return name ? { name, location: c!.location as number | undefined } : undefined;
}

/** `schema.name` as the server splits a qualified name in a string: unquoted parts fold to lower case, "quoted" ones keep theirs. */
export function identifierParts(text: string): string[] | undefined {
  const parts: string[] = [];
  let i = 0;
  for (;;) {
    let part = '';
    if (text[i] === '"') {
      for (i++; ; i++) {
        if (i >= text.length) return undefined;
        if (text[i] === '"') {
          if (text[i + 1] !== '"') break;
          i++;
        }
        part += text[i];
      }
      i++;
    } else {
      const m = /^[^."]+/.exec(text.slice(i));
      if (!m) return undefined;
      part = m[0].trim().toLowerCase();
      i += m[0].length;
    }
    if (!part) return undefined;
    parts.push(part);
    if (i >= text.length) return parts.length <= 3 ? parts : undefined;
    if (text[i] !== '.') return undefined;
    i++;
  }
}

function unwrapRangeVar(v: unknown): RangeVar | undefined {
  const o = v as Node | undefined;
  if (!o || typeof o !== 'object') return undefined;
  if (o.RangeVar) return o.RangeVar as unknown as RangeVar;
  return typeof o.relname === 'string' ? (o as unknown as RangeVar) : undefined;
}

function collectPlpgsqlExprs(n: unknown, lineno: number, dynamic: boolean, out: { query: string; mode: number; lineno: number; dynamic: boolean }[]): void {
  if (!n || typeof n !== 'object') return;
  if (Array.isArray(n)) {
    for (const x of n) collectPlpgsqlExprs(x, lineno, dynamic, out);
    return;
  }
  const o = n as Node;
  const line = typeof o.lineno === 'number' ? o.lineno : lineno;
  if (o.PLpgSQL_expr) {
    const e = o.PLpgSQL_expr as { query?: string; parseMode?: number };
    if (typeof e.query === 'string') out.push({ query: e.query, mode: e.parseMode ?? 0, lineno: line, dynamic });
    return;
  }
  for (const [k, v] of Object.entries(o)) {
    if (!v || typeof v !== 'object') continue;
    const dyn = dynamic || k === 'PLpgSQL_stmt_dynexecute';
    collectPlpgsqlExprs(v, line, dyn && (k === 'query' || k === 'PLpgSQL_stmt_dynexecute' || dynamic), out);
  }
}

/** Character offset of the start of 1-based line `n` of `text`. */
/** How many lines after its PL/pgSQL statement's an embedded query or expression may start. */
const EXPRESSION_LINES = 8;

/** The byte offset in `text` (as UTF-8) where each of its lines starts: [0, …]. */
function lineByteOffsets(text: string): number[] {
  const bytes = Buffer.from(text, 'utf8');
  const out = [0];
  for (let i = bytes.indexOf(10); i >= 0; i = bytes.indexOf(10, i + 1)) out.push(i + 1);
  return out;
}
