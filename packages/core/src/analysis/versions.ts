/**
 * SQL forms newer than some servers: what a statement needs of PostgreSQL. The parser Bulkhead
 * uses is newer than many servers (and PGlite, the embedded default, runs a recent release), so a
 * migration written and tried locally can parse here and still fail on the server it deploys to.
 * Read by lint (BH-X803, against a target version) and by `up`'s preflight (against the server).
 */

type Node = Record<string, any>;

/** A form of SQL and the PostgreSQL major version that introduced it; `func`: a built-in function's name (a project may define its own of that name). */
export type VersionNeed = { version: number; what: string; func?: string };

/**
 * Built-in functions by the release that added them, as migrations use them (a backfill's
 * any_value(), a default's uuidv7()). Only names no common extension provides; a module that
 * defines a function of the name (many define uuidv7()) is told nothing (analysis/migrations.ts
 * functionsCreated).
 */
const FUNCTIONS: Record<string, number> = {
  date_bin: 14, string_to_table: 14, trim_array: 14, bit_count: 14, unistr: 14, range_agg: 14, range_intersect_agg: 14,
  regexp_count: 15, regexp_instr: 15, regexp_like: 15, regexp_substr: 15,
  any_value: 16, random_normal: 16, array_sample: 16, array_shuffle: 16, pg_input_is_valid: 16, pg_input_error_info: 16, erf: 16, erfc: 16,
  uuid_extract_timestamp: 17, uuid_extract_version: 17, unicode_assigned: 17,
  uuidv7: 18, uuidv4: 18, casefold: 18, array_sort: 18, array_reverse: 18, crc32: 18, crc32c: 18, gamma: 18, lgamma: 18,
};

const BUILTINS: ReadonlySet<string> = new Set(Object.keys(FUNCTIONS));

/** A call of a built-in function newer than some servers (unqualified, or pg_catalog's). */
function builtinCall(n: Node): VersionNeed | undefined {
  const parts = ((n.funcname as Node[] | undefined) ?? []).map((p) => String(p?.String?.sval ?? ''));
  const name = parts.at(-1) ?? '';
  if (parts.length > 2 || (parts.length === 2 && parts[0] !== 'pg_catalog') || !Object.hasOwn(FUNCTIONS, name)) return undefined;
  return { version: FUNCTIONS[name]!, what: `${name}()`, func: name };
}

/** The newest of a node's needs (a node may use several forms). */
function newest(needs: readonly (VersionNeed | false | undefined)[]): VersionNeed | undefined {
  return needs.reduce<VersionNeed | undefined>((a, b) => (b && (!a || b.version > a.version) ? b : a), undefined);
}

/** A constraint's newer forms; CHECK and FOREIGN KEY carry is_enforced unless written NOT ENFORCED. */
function constraintNeeds(n: Node): VersionNeed | undefined {
  const type = n.contype as string | undefined;
  return newest([
    // PostgreSQL 18.
    type === 'CONSTR_NOTNULL' && n.keys !== undefined && { version: 18, what: 'a NOT NULL table constraint (CONSTRAINT … NOT NULL column)' },
    (type === 'CONSTR_ATTR_NOT_ENFORCED' || ((type === 'CONSTR_CHECK' || type === 'CONSTR_FOREIGN') && !n.is_enforced)) && { version: 18, what: 'NOT ENFORCED constraints' },
    type === 'CONSTR_GENERATED' && n.generated_kind === 'v' && { version: 18, what: 'virtual generated columns (GENERATED ALWAYS AS (…) without STORED)' },
    n.without_overlaps === true && { version: 18, what: 'WITHOUT OVERLAPS' },
    (n.fk_with_period === true || n.pk_with_period === true) && { version: 18, what: 'PERIOD in a foreign key' },
    // PostgreSQL 15.
    n.nulls_not_distinct === true && { version: 15, what: 'NULLS NOT DISTINCT' },
    n.fk_del_set_cols !== undefined && { version: 15, what: 'ON DELETE SET NULL/DEFAULT (columns)' },
    type === 'CONSTR_GENERATED' && { version: 12, what: 'generated columns' },
  ]);
}

/**
 * RETURNING's newer forms: PostgreSQL 18's WITH (OLD AS …, NEW AS …) and old./new. references
 * (before it, "missing FROM-clause entry for table old"), unless the statement's table is aliased so.
 */
function returningNeeds(n: Node): VersionNeed | undefined {
  const clause = n.returningClause as Node | undefined;
  if (!clause) return undefined;
  if (clause.options) return { version: 18, what: 'RETURNING WITH (OLD/NEW AS …)' };
  const alias = String(n.relation?.alias?.aliasname ?? '').toLowerCase();
  const rowRef = (v: unknown): boolean => {
    if (!v || typeof v !== 'object') return false;
    if (Array.isArray(v)) return v.some(rowRef);
    const ref = (v as Node).ColumnRef as Node | undefined;
    const first = ref?.fields?.length > 1 ? String(ref!.fields[0]?.String?.sval ?? '') : '';
    if ((first === 'old' || first === 'new') && first !== alias) return true;
    return Object.values(v as Node).some(rowRef);
  };
  return rowRef(clause.exprs) ? { version: 18, what: 'old./new. in RETURNING' } : undefined;
}

/** Parse-tree nodes the server's grammar gained in a release, by node type: what each needs when it is of that form. */
const NODES: Record<string, (n: Node) => VersionNeed | undefined> = {
  FuncCall: builtinCall,
  Constraint: constraintNeeds,
  InsertStmt: returningNeeds,
  UpdateStmt: returningNeeds,
  DeleteStmt: returningNeeds,
  // PostgreSQL 16: a subquery in FROM without an alias ("subquery in FROM must have an alias" before).
  RangeSubselect: (n) => (n.alias ? undefined : { version: 16, what: 'a subquery in FROM without an alias' }),
  JsonIsPredicate: () => ({ version: 16, what: 'IS JSON' }),
  JsonObjectConstructor: () => ({ version: 16, what: 'JSON_OBJECT()' }),
  JsonArrayConstructor: () => ({ version: 16, what: 'JSON_ARRAY()' }),
  JsonArrayQueryConstructor: () => ({ version: 16, what: 'JSON_ARRAY()' }),
  JsonObjectAgg: () => ({ version: 16, what: 'JSON_OBJECTAGG()' }),
  JsonArrayAgg: () => ({ version: 16, what: 'JSON_ARRAYAGG()' }),
  GrantRoleStmt: (n) =>
    ((n.opt as Node[] | undefined) ?? []).some((o) => ['inherit', 'set'].includes(o?.DefElem?.defname)) ? { version: 16, what: 'GRANT … WITH INHERIT/SET' } : undefined,
  // PostgreSQL 17.
  JsonFuncExpr: (n) => ({ version: 17, what: `${String(n.op ?? 'JSON_QUERY_OP').replace(/_OP$/, '')}()` }),
  JsonParseExpr: () => ({ version: 17, what: 'JSON()' }),
  JsonScalarExpr: () => ({ version: 17, what: 'JSON_SCALAR()' }),
  JsonSerializeExpr: () => ({ version: 17, what: 'JSON_SERIALIZE()' }),
  JsonTable: () => ({ version: 17, what: 'JSON_TABLE' }),
  MergeStmt: (n) => newest([returningNeeds(n), n.returningClause && { version: 17, what: 'MERGE … RETURNING' }, { version: 15, what: 'MERGE' }]),
  MergeWhenClause: (n) => (n.matchKind === 'MERGE_WHEN_NOT_MATCHED_BY_SOURCE' ? { version: 17, what: 'MERGE … WHEN NOT MATCHED BY SOURCE' } : undefined),
  AccessPriv: (n) => (String(n.priv_name ?? '').toLowerCase() === 'maintain' ? { version: 17, what: 'the MAINTAIN privilege' } : undefined),
  // PostgreSQL 15.
  IndexStmt: (n) => (n.nulls_not_distinct ? { version: 15, what: 'NULLS NOT DISTINCT' } : undefined),
  AlterTableCmd: (n) =>
    n.subtype === 'AT_SetAccessMethod'
      ? { version: 15, what: 'ALTER TABLE … SET ACCESS METHOD' }
      : n.subtype === 'AT_SetExpression'
        ? { version: 17, what: 'ALTER COLUMN … SET EXPRESSION' }
        : n.subtype === 'AT_SetRelOptions' && securityInvoker(n.def)
          ? { version: 15, what: 'views SET (security_invoker)' }
          : undefined,
  ViewStmt: (n) => (securityInvoker(n.options) ? { version: 15, what: 'views WITH (security_invoker)' } : undefined),
  GrantStmt: (n) => (n.objtype === 'OBJECT_PARAMETER_ACL' ? { version: 15, what: 'GRANT … ON PARAMETER' } : undefined),
  PublicationObjSpec: (n) => (n.pubobjtype === 'PUBLICATIONOBJ_TABLES_IN_SCHEMA' ? { version: 15, what: 'publications FOR TABLES IN SCHEMA' } : undefined),
  // PostgreSQL 14.
  CreateTrigStmt: (n) => (n.replace ? { version: 14, what: 'CREATE OR REPLACE TRIGGER' } : undefined),
  CreateFunctionStmt: (n) => (n.sql_body ? { version: 14, what: 'a BEGIN ATOMIC function body' } : undefined),
  ColumnDef: (n) => (n.compression ? { version: 14, what: `column COMPRESSION ${n.compression}` } : undefined),
  PartitionCmd: (n) => (n.concurrent ? { version: 14, what: 'DETACH PARTITION … CONCURRENTLY' } : undefined),
  CommonTableExpr: (n) => (n.search_clause || n.cycle_clause ? { version: 14, what: "a recursive query's SEARCH or CYCLE clause" } : undefined),
  // PostgreSQL 12.
  ReindexStmt: (n) => (JSON.stringify(n.params ?? []).includes('"concurrently"') ? { version: 12, what: 'REINDEX CONCURRENTLY' } : undefined),
};

/** Whether reloptions (a view's WITH list, or ALTER's SET, a List node) name security_invoker. */
function securityInvoker(options: unknown): boolean {
  const list = Array.isArray(options) ? options : ((options as Node | undefined)?.List?.items ?? []);
  return (list as Node[]).some((o) => o?.DefElem?.defname === 'security_invoker');
}

/**
 * What a statement needs of the server, kept per statement for `up`'s preflight: the newest form
 * it uses, and each newer built-in it calls (judged later against the functions its module
 * defines, which one statement cannot know).
 */
export function statementNeeds(kind: string, tree: unknown): VersionNeed[] {
  const form = versionNeeded(kind, tree, BUILTINS);
  const calls = new Map<string, VersionNeed>();
  const walk = (v: unknown): void => {
    if (!v || typeof v !== 'object') return;
    if (Array.isArray(v)) return v.forEach(walk);
    for (const [k, child] of Object.entries(v as Node)) {
      const need = k === 'FuncCall' ? builtinCall(child as Node) : undefined;
      if (need) calls.set(need.func!, need);
      walk(child);
    }
  };
  walk(tree);
  return [...(form ? [form] : []), ...calls.values()];
}

/** What a statement (its node type and parse tree) needs of the server: the newest of the forms it uses (`own`: functions the module defines, not the server's to have). */
export function versionNeeded(kind: string, tree: unknown, own?: ReadonlySet<string>): VersionNeed | undefined {
  const found: VersionNeed[] = [];
  const walk = (v: unknown): void => {
    if (!v || typeof v !== 'object') return;
    if (Array.isArray(v)) return v.forEach(walk);
    for (const [k, child] of Object.entries(v as Node)) {
      const need = Object.hasOwn(NODES, k) ? NODES[k]!(child as Node) : undefined;
      if (need && !(need.func && own?.has(need.func))) found.push(need);
      walk(child);
    }
  };
  walk({ [kind]: tree });
  return found.reduce<VersionNeed | undefined>((a, b) => (!a || b.version > a.version ? b : a), undefined);
}

/**
 * Whether a statement's text may use one of these forms: the parse tree is walked only then (a
 * file's split stays cheap). Every form above is spelled with one of these words, or is a
 * parenthesised subquery, a SET NULL/DEFAULT column list, or a NOT NULL followed by a column's name
 * (PostgreSQL 18's table constraint; not IS NOT NULL, not a column's NOT NULL DEFAULT …).
 */
export function mayNeedNewer(text: string): boolean {
  return MAY_NEED_NEWER.test(text);
}

const MAY_NEED_NEWER = new RegExp(
  `\\b(json\\w*|trigger|atomic|compression|concurrently|inherit|with\\s+set|expression|nulls|merge|security_invoker|generated|access|enforced|overlaps|period|returning|maintain|parameter|search|cycle|tables\\s+in\\s+schema)\\b` +
    `|\\bset\\s+(null|default)\\s*\\(|(?<!\\bis\\s{1,20})\\bnot\\s+null\\s+(?!(default|check|unique|primary|references|constraint|deferrable|not|null|initially|collate|generated)\\b)[a-z_"]` +
    `|\\(\\s*(select|values|with)\\b|\\b(${Object.keys(FUNCTIONS).join('|')})\\s*\\(`,
  'i',
);
