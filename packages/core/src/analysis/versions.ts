/**
 * SQL forms newer than some servers: what a statement needs of PostgreSQL. The parser Bulkhead
 * uses is newer than many servers (and PGlite, the embedded default, runs a recent release), so a
 * migration written and tried locally can parse here and still fail on the server it deploys to.
 * Read by lint (BH-X803, against a target version) and by `up`'s preflight (against the server).
 */

type Node = Record<string, any>;

/** A form of SQL and the PostgreSQL major version that introduced it. */
export type VersionNeed = { version: number; what: string };

/** Parse-tree nodes the server's grammar gained in a release, by node type: what each needs when it is of that form. */
const NODES: Record<string, (n: Node) => VersionNeed | undefined> = {
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
  MergeStmt: (n) => (n.returningList ? { version: 17, what: 'MERGE … RETURNING' } : { version: 15, what: 'MERGE' }),
  // PostgreSQL 15.
  IndexStmt: (n) => (n.nulls_not_distinct ? { version: 15, what: 'NULLS NOT DISTINCT' } : undefined),
  Constraint: (n) =>
    n.nulls_not_distinct ? { version: 15, what: 'NULLS NOT DISTINCT' } : n.contype === 'CONSTR_GENERATED' ? { version: 12, what: 'generated columns' } : undefined,
  AlterTableCmd: (n) =>
    n.subtype === 'AT_SetAccessMethod' ? { version: 15, what: 'ALTER TABLE … SET ACCESS METHOD' } : n.subtype === 'AT_SetExpression' ? { version: 17, what: 'ALTER COLUMN … SET EXPRESSION' } : undefined,
  ViewStmt: (n) => (((n.options as Node[] | undefined) ?? []).some((o) => o?.DefElem?.defname === 'security_invoker') ? { version: 15, what: 'views WITH (security_invoker)' } : undefined),
  // PostgreSQL 14.
  CreateTrigStmt: (n) => (n.replace ? { version: 14, what: 'CREATE OR REPLACE TRIGGER' } : undefined),
  CreateFunctionStmt: (n) => (n.sql_body ? { version: 14, what: 'a BEGIN ATOMIC function body' } : undefined),
  ColumnDef: (n) => (n.compression ? { version: 14, what: `column COMPRESSION ${n.compression}` } : undefined),
  PartitionCmd: (n) => (n.concurrent ? { version: 14, what: 'DETACH PARTITION … CONCURRENTLY' } : undefined),
  // PostgreSQL 12.
  ReindexStmt: (n) => (JSON.stringify(n.params ?? []).includes('"concurrently"') ? { version: 12, what: 'REINDEX CONCURRENTLY' } : undefined),
};

/** What a statement (its node type and parse tree) needs of the server: the newest of the forms it uses. */
export function versionNeeded(kind: string, tree: unknown): VersionNeed | undefined {
  const found: VersionNeed[] = [];
  const walk = (v: unknown): void => {
    if (!v || typeof v !== 'object') return;
    if (Array.isArray(v)) return v.forEach(walk);
    for (const [k, child] of Object.entries(v as Node)) {
      const need = Object.hasOwn(NODES, k) ? NODES[k]!(child as Node) : undefined;
      if (need) found.push(need);
      walk(child);
    }
  };
  walk({ [kind]: tree });
  return found.reduce<VersionNeed | undefined>((a, b) => (!a || b.version > a.version ? b : a), undefined);
}

/**
 * Whether a statement's text may use one of these forms: the parse tree is walked only then (a
 * file's split stays cheap). Every form above is spelled with one of these words, or is a
 * parenthesised subquery.
 */
export function mayNeedNewer(text: string): boolean {
  return /\b(json\w*|trigger|atomic|compression|concurrently|inherit|with\s+set|expression|nulls|merge|security_invoker|generated|access)\b|\(\s*(select|values|with)\b/i.test(text);
}
