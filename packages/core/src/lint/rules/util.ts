import { strings } from '../../analysis/objects.js';
import type { LintFile, LintStatement } from '../types.js';

export { strings };
export { sqlName, sqlQualified } from '../../text.js';

/** Functions whose value differs per row: a default calling one makes ADD COLUMN rewrite the table. */
export const VOLATILE_FUNCTIONS: ReadonlySet<string> = new Set(['random', 'gen_random_uuid', 'uuid_generate_v4', 'uuid_generate_v1', 'clock_timestamp', 'timeofday', 'nextval', 'txid_current', 'setseed']);

type Node = Record<string, any>;

/** `{schemaname, relname, location}` of a RangeVar, wrapped or bare. */
export function rangeVar(v: unknown): { schema?: string; name: string; location?: number } | undefined {
  const o = v as Node | undefined;
  const r = (o?.RangeVar ?? o) as Node | undefined;
  return r && typeof r.relname === 'string' ? { schema: r.schemaname, name: r.relname, location: r.location } : undefined;
}

/** The qualified name of a statement's table when it already existed before this statement (not created earlier in the file). */
export function existingTable(v: unknown, s: LintStatement, f: LintFile): string | undefined {
  const r = rangeVar(v);
  if (!r) return undefined;
  const q = f.qualify(r.schema, r.name);
  return f.createdBefore(s).has(q) ? undefined : q;
}


/** The `AlterTableCmd`s of an ALTER TABLE. */
export function alterCmds(s: LintStatement): Node[] {
  if (s.kind !== 'AlterTableStmt') return [];
  return ((s.node.cmds as Node[] | undefined) ?? []).map((c) => c.AlterTableCmd as Node).filter(Boolean);
}

/** A column definition's type name as written (`int4`, `timestamp`, `varchar`), schema stripped. */
export function typeName(colDef: Node | undefined): { name: string; mods: number[]; location?: number; array: boolean } | undefined {
  const t = colDef?.typeName as Node | undefined;
  if (!t) return undefined;
  const names = strings(t.names);
  const mods = ((t.typmods as Node[] | undefined) ?? []).map((m) => m?.A_Const?.ival?.ival).filter((x): x is number => typeof x === 'number');
  return { name: names[names.length - 1] ?? '', mods, location: t.location, array: Array.isArray(t.arrayBounds) };
}

export function constraints(colDef: Node | undefined): Node[] {
  return ((colDef?.constraints as Node[] | undefined) ?? []).map((c) => c.Constraint as Node).filter(Boolean);
}

/** Column definitions of a CREATE TABLE, and columns added by ALTER TABLE … ADD COLUMN. */
export function columnDefs(s: LintStatement): Node[] {
  if (s.kind === 'CreateStmt') return ((s.node.tableElts as Node[] | undefined) ?? []).map((e) => e.ColumnDef as Node).filter(Boolean);
  return alterCmds(s)
    .filter((c) => c.subtype === 'AT_AddColumn')
    .map((c) => c.def?.ColumnDef as Node)
    .filter(Boolean);
}

/** Every FuncCall name inside a node (lower-case, schema stripped). */
export function functionsIn(node: unknown): string[] {
  const out: string[] = [];
  const walk = (n: unknown) => {
    if (!n || typeof n !== 'object') return;
    if (Array.isArray(n)) return n.forEach(walk);
    const o = n as Node;
    if (o.FuncCall) {
      const names = strings(o.FuncCall.funcname);
      if (names.length) out.push(names[names.length - 1]!.toLowerCase());
    }
    if (o.SQLValueFunction) out.push(String(o.SQLValueFunction.op ?? '').toLowerCase());
    for (const v of Object.values(o)) walk(v);
  };
  walk(node);
  return out;
}

/** Columns an ALTER TABLE adds to a table that existed before this statement, with that table's name. */
export function addedColumns(s: LintStatement, f: LintFile): { table: string; def: Node }[] {
  const table = existingTable(s.node.relation, s, f);
  if (!table) return [];
  return alterCmds(s)
    .filter((c) => c.subtype === 'AT_AddColumn' && c.def?.ColumnDef)
    .map((c) => ({ table, def: c.def.ColumnDef as Node }));
}

/** Constraints an ALTER TABLE adds to a table that existed before this statement, with that table's name. */
export function addedConstraints(s: LintStatement, f: LintFile): { table: string; constraint: Node }[] {
  const table = existingTable(s.node.relation, s, f);
  if (!table) return [];
  return alterCmds(s)
    .filter((c) => c.subtype === 'AT_AddConstraint' && c.def?.Constraint)
    .map((c) => ({ table, constraint: c.def.Constraint as Node }));
}

/** Qualified names a DROP of `removeType` (OBJECT_TABLE, OBJECT_VIEW, …) names; [] for other statements. */
export function droppedNames(s: LintStatement, removeType: string, qualify: (schema: string | undefined, name: string) => string): string[] {
  if (s.kind !== 'DropStmt' || s.node.removeType !== removeType) return [];
  return ((s.node.objects as Node[] | undefined) ?? [])
    .map((o) => strings(o.List?.items))
    .filter((parts) => parts.length)
    .map((parts) => qualify(parts.length > 1 ? parts[parts.length - 2] : undefined, parts[parts.length - 1]!));
}
