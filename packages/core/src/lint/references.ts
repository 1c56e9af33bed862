import type { LintStatement } from './types.js';
import { constraints, rangeVar, strings, typeName } from './rules/util.js';

type Qualify = (schema: string | undefined, name: string) => string;

/** A column's declared type: its name as written (`varchar`, `numeric`), its modifiers (`128`; `10, 2`). */
export type ColumnType = NonNullable<ReturnType<typeof typeName>>;

/**
 * What a module's migrations, followed in order, tell about each table: which views and foreign
 * keys reference it (what drop-still-referenced needs; column-level dependencies are not
 * followed), and the type each of its columns was declared with (what column-type-change needs to
 * tell a widening from a rewrite).
 */
export class References {
  private readonly by = new Map<string, Set<string>>();
  /** By `table` then column. */
  private readonly columns = new Map<string, Map<string, ColumnType>>();

  copy(): References {
    const r = new References();
    for (const [k, v] of this.by) r.by.set(k, new Set(v));
    for (const [k, v] of this.columns) r.columns.set(k, new Map(v));
    return r;
  }

  of(table: string): string[] {
    return [...(this.by.get(table) ?? [])].sort();
  }

  /** Whether the migrations so far show `table` made (with its columns). */
  hasTable(table: string): boolean {
    return this.columns.has(table);
  }

  /** The type `table`'s `column` was last declared with, when the migrations so far show it. */
  columnType(table: string, column: string): ColumnType | undefined {
    return this.columns.get(table)?.get(column);
  }

  private setColumn(table: string, column: string, type: ColumnType | undefined): void {
    const cols = this.columns.get(table) ?? this.columns.set(table, new Map()).get(table)!;
    if (type) cols.set(column, type);
    else cols.delete(column);
  }

  private add(table: string, who: string): void {
    (this.by.get(table) ?? this.by.set(table, new Set()).get(table)!).add(who);
  }

  private forget(who: string): void {
    for (const set of this.by.values()) set.delete(who);
  }

  /** A referencing view or table renamed: it references what it did, under its new name. */
  private renameReferrer(from: string, to: string): void {
    for (const set of this.by.values()) if (set.delete(from)) set.add(to);
  }

  /** Follow one statement. */
  apply(s: LintStatement, qualify: Qualify): void {
    const n = s.node;
    const viewOf = (kind: string, rel: unknown, query: unknown) => {
      const r = rangeVar(rel);
      if (!r) return;
      const who = `${kind} ${qualify(r.schema, r.name)}`;
      this.forget(who);
      for (const t of relationsIn(query)) this.add(qualify(t.schema, t.name), who);
    };
    const fk = (table: string, k: any) => {
      const pk = rangeVar(k?.pktable);
      if (pk && qualify(pk.schema, pk.name) !== table) this.add(qualify(pk.schema, pk.name), `foreign key of ${table}`);
    };
    switch (s.kind) {
      case 'ViewStmt':
        viewOf('view', n.view, n.query);
        break;
      case 'CreateTableAsStmt':
        if (n.objtype === 'OBJECT_MATVIEW') viewOf('materialized view', n.into?.rel, n.query);
        break;
      case 'CreateStmt': {
        const r = rangeVar(n.relation);
        if (!r) break;
        const table = qualify(r.schema, r.name);
        this.columns.delete(table);
        for (const e of (n.tableElts as any[]) ?? []) {
          if (e.ColumnDef?.colname) this.setColumn(table, e.ColumnDef.colname, typeName(e.ColumnDef));
          if (e.Constraint?.contype === 'CONSTR_FOREIGN') fk(table, e.Constraint);
          for (const k of constraints(e.ColumnDef)) if (k.contype === 'CONSTR_FOREIGN') fk(table, k);
        }
        break;
      }
      case 'AlterTableStmt': {
        const r = rangeVar(n.relation);
        if (!r) break;
        const table = qualify(r.schema, r.name);
        for (const c of (n.cmds as any[]) ?? []) {
          const cmd = c.AlterTableCmd;
          if (cmd?.subtype === 'AT_AddConstraint' && cmd.def?.Constraint?.contype === 'CONSTR_FOREIGN') fk(table, cmd.def.Constraint);
          // Which key a DROP CONSTRAINT drops is not known here: forget the table's keys rather than report a stale one.
          // Nor which keys a dropped column took with it.
          if (cmd?.subtype === 'AT_DropConstraint' || cmd?.subtype === 'AT_DropColumn') this.forget(`foreign key of ${table}`);
          if (cmd?.subtype === 'AT_AddColumn' && cmd.def?.ColumnDef?.colname) this.setColumn(table, cmd.def.ColumnDef.colname, typeName(cmd.def.ColumnDef));
          if (cmd?.subtype === 'AT_AlterColumnType' && cmd.name) this.setColumn(table, cmd.name, typeName(cmd.def?.ColumnDef));
          if (cmd?.subtype === 'AT_DropColumn' && cmd.name) this.setColumn(table, cmd.name, undefined);
        }
        break;
      }
      case 'DropStmt': {
        const kind = n.removeType === 'OBJECT_VIEW' ? 'view' : n.removeType === 'OBJECT_MATVIEW' ? 'materialized view' : n.removeType === 'OBJECT_TABLE' ? 'table' : undefined;
        if (!kind) break;
        for (const o of (n.objects as any[]) ?? []) {
          const parts = strings(o.List?.items);
          const q = qualify(parts.length > 1 ? parts[parts.length - 2] : undefined, parts[parts.length - 1]!);
          if (kind === 'table') {
            this.by.delete(q);
            this.columns.delete(q);
            this.forget(`foreign key of ${q}`);
          } else this.forget(`${kind} ${q}`);
          // CASCADE takes the dependents with it.
          if (n.behavior === 'DROP_CASCADE') this.by.delete(q);
        }
        break;
      }
      case 'RenameStmt': {
        const r = rangeVar(n.relation);
        if (!r || typeof n.newname !== 'string') break;
        const table = qualify(r.schema, r.name);
        if (n.renameType === 'OBJECT_COLUMN' && typeof n.subname === 'string') {
          const type = this.columnType(table, n.subname);
          this.setColumn(table, n.subname, undefined);
          this.setColumn(table, n.newname, type);
        } else if (n.renameType === 'OBJECT_TABLE') {
          // Views and keys follow a table by its identity, not its name: they reference it renamed.
          const renamed = qualify(r.schema, n.newname);
          const cols = this.columns.get(table);
          const refs = this.by.get(table);
          this.columns.delete(table);
          this.by.delete(table);
          if (cols) this.columns.set(renamed, cols);
          if (refs) this.by.set(renamed, refs);
          // Its own foreign keys (and, for ALTER TABLE on a view, the view) go by the new name too.
          this.renameReferrer(`foreign key of ${table}`, `foreign key of ${renamed}`);
          this.renameReferrer(`view ${table}`, `view ${renamed}`);
        } else if (n.renameType === 'OBJECT_VIEW' || n.renameType === 'OBJECT_MATVIEW') {
          const kind = n.renameType === 'OBJECT_VIEW' ? 'view' : 'materialized view';
          const renamed = qualify(r.schema, n.newname);
          this.renameReferrer(`${kind} ${table}`, `${kind} ${renamed}`);
          // A view can be referenced by other views too.
          const refs = this.by.get(table);
          this.by.delete(table);
          if (refs) this.by.set(renamed, refs);
        }
        break;
      }
      default:
        break;
    }
  }
}

/** Every RangeVar of a query tree (not a CTE's own name). */
export function relationsIn(node: unknown): { schema?: string; name: string }[] {
  const out: { schema?: string; name: string }[] = [];
  const ctes = new Set<string>();
  const walk = (x: unknown) => {
    if (!x || typeof x !== 'object') return;
    if (Array.isArray(x)) return x.forEach(walk);
    const o = x as Record<string, any>;
    if (o.CommonTableExpr) ctes.add(String(o.CommonTableExpr.ctename));
    if (typeof o.relname === 'string') {
      if (!(o.schemaname === undefined && ctes.has(o.relname))) out.push({ schema: o.schemaname, name: o.relname });
      return;
    }
    for (const v of Object.values(o)) walk(v);
  };
  walk(node);
  return out;
}

/**
 * Whether an `ALTER COLUMN … TYPE` command (an AlterTableCmd) rewrites its table, given the type
 * the column had (`from`, unknown when the migrations do not show it): yes unless it only widens
 * the type and has no USING.
 */
export function typeChangeRewrites(cmd: { def?: { ColumnDef?: Record<string, any> } }, from: ColumnType | undefined): boolean {
  const def = cmd.def?.ColumnDef;
  return def?.raw_default !== undefined || !widens(from, typeName(def));
}

/** Types PostgreSQL changes in place when only their limit grows (or goes): no rewrite, no scan. */
const LIMITED = new Set(['varchar', 'varbit', 'numeric']);

/**
 * Whether changing a column from `from` to `to` (with no USING) leaves every stored value as it
 * is, so that PostgreSQL neither rewrites nor scans the table: the same type with a limit at
 * least as large or none (numeric: more precision, the same scale), or varchar ↔ text. Unknown
 * when the earlier type is not known (the table was made outside the module's migrations).
 */
function widens(from: ColumnType | undefined, to: ColumnType | undefined): boolean {
  if (!from || !to || from.array || to.array) return false;
  const [a, b] = [canonical(from.name), canonical(to.name)];
  if ((a === 'varchar' && b === 'text') || (a === 'text' && b === 'varchar' && !to.mods.length)) return true;
  if (a !== b) return false;
  if (!to.mods.length) return LIMITED.has(a) || !from.mods.length;
  if (!from.mods.length || !LIMITED.has(a)) return from.mods.join(',') === to.mods.join(',');
  if (a === 'numeric') return (to.mods[1] ?? 0) === (from.mods[1] ?? 0) && to.mods[0]! >= from.mods[0]!;
  return to.mods[0]! >= from.mods[0]!;
}

function canonical(name: string): string {
  const n = name.toLowerCase();
  return n === 'decimal' ? 'numeric' : n === 'bit varying' ? 'varbit' : n;
}
