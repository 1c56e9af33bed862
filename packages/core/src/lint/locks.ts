import type { LintStatement } from './types.js';
import { createdBy, parseStatements } from './lint.js';
import { References, typeChangeRewrites } from './references.js';
import { alterCmds, constraints, functionsIn, rangeVar, strings, VOLATILE_FUNCTIONS } from './rules/util.js';

/**
 * The table lock each statement takes, from PostgreSQL's lock levels per statement kind
 * (https://www.postgresql.org/docs/current/explicit-locking.html), and what it blocks of a running
 * application: ACCESS EXCLUSIVE blocks reads and writes; EXCLUSIVE, SHARE ROW EXCLUSIVE and SHARE
 * block writes; SHARE UPDATE EXCLUSIVE and ROW EXCLUSIVE block neither (only other DDL).
 */

export type LockMode = 'ACCESS EXCLUSIVE' | 'EXCLUSIVE' | 'SHARE ROW EXCLUSIVE' | 'SHARE' | 'SHARE UPDATE EXCLUSIVE' | 'ROW EXCLUSIVE' | 'ACCESS SHARE';

export interface StatementLock {
  mode: LockMode;
  /** `schema.table`. */
  table: string;
  /** Created earlier in the same migration, or by an earlier migration of the same run: nobody else uses it yet. */
  new: boolean;
  /** The earlier migration of the run that created it (plan --locks: a fresh database's tables are all new). */
  madeBy?: string;
  /** The statement rewrites the table (its duration grows with its size). */
  rewrite: boolean;
  blocks: 'reads and writes' | 'writes' | 'nothing';
  /**
   * A stronger lock on the table that an earlier statement of the same transactional migration
   * took, and its line: held until the migration commits, so what waits is what that one blocks.
   */
  held?: { mode: LockMode; line: number; blocks: StatementLock['blocks'] };
}

export function blocksOf(mode: LockMode): StatementLock['blocks'] {
  if (mode === 'ACCESS EXCLUSIVE') return 'reads and writes';
  if (mode === 'EXCLUSIVE' || mode === 'SHARE ROW EXCLUSIVE' || mode === 'SHARE') return 'writes';
  return 'nothing';
}

const WEAK_ALTER: Record<string, LockMode> = {
  AT_ValidateConstraint: 'SHARE UPDATE EXCLUSIVE',
  AT_SetStatistics: 'SHARE UPDATE EXCLUSIVE',
  AT_SetRelOptions: 'SHARE UPDATE EXCLUSIVE',
  AT_ResetRelOptions: 'SHARE UPDATE EXCLUSIVE',
  AT_AttachPartition: 'SHARE UPDATE EXCLUSIVE',
  AT_ClusterOn: 'SHARE UPDATE EXCLUSIVE',
  AT_DropCluster: 'SHARE UPDATE EXCLUSIVE',
  AT_EnableTrig: 'SHARE ROW EXCLUSIVE',
  AT_DisableTrig: 'SHARE ROW EXCLUSIVE',
  AT_EnableTrigAll: 'SHARE ROW EXCLUSIVE',
  AT_DisableTrigAll: 'SHARE ROW EXCLUSIVE',
  AT_EnableTrigUser: 'SHARE ROW EXCLUSIVE',
  AT_DisableTrigUser: 'SHARE ROW EXCLUSIVE',
};
const ORDER: LockMode[] = ['ACCESS SHARE', 'ROW EXCLUSIVE', 'SHARE UPDATE EXCLUSIVE', 'SHARE', 'SHARE ROW EXCLUSIVE', 'EXCLUSIVE', 'ACCESS EXCLUSIVE'];
const stronger = (a: LockMode, b: LockMode) => (ORDER.indexOf(a) >= ORDER.indexOf(b) ? a : b);

/**
 * The locks `s` takes. `facts`: what the module's migrations before it tell (a column's type, so
 * that widening it is not counted as a rewrite).
 */
export function statementLocks(s: LintStatement, qualify: (schema: string | undefined, name: string) => string, created: ReadonlySet<string>, facts?: References): StatementLock[] {
  const out: StatementLock[] = [];
  const lock = (v: unknown, mode: LockMode, rewrite = false, creates = false) => {
    const r = rangeVar(v);
    if (!r) return;
    const table = qualify(r.schema, r.name);
    // The table a CREATE TABLE makes is new too: nobody else can see it until the commit.
    const isNew = creates || created.has(table);
    const prev = out.find((x) => x.table === table);
    if (prev) {
      prev.mode = stronger(prev.mode, mode);
      prev.rewrite ||= rewrite;
      prev.blocks = blocksOf(prev.mode);
    } else out.push({ mode, table, new: isNew, rewrite, blocks: blocksOf(mode) });
  };
  const n = s.node;
  switch (s.kind) {
    case 'AlterTableStmt': {
      let mode: LockMode | undefined;
      let rewrite = false;
      for (const c of alterCmds(s)) {
        const m = WEAK_ALTER[c.subtype as string] ?? 'ACCESS EXCLUSIVE';
        const k = c.def?.Constraint;
        if (c.subtype === 'AT_AddConstraint' && k?.contype === 'CONSTR_FOREIGN') {
          mode = mode ? stronger(mode, 'SHARE ROW EXCLUSIVE') : 'SHARE ROW EXCLUSIVE';
          lock(k.pktable, 'SHARE ROW EXCLUSIVE');
          continue;
        }
        mode = mode ? stronger(mode, m) : m;
        if (c.subtype === 'AT_AlterColumnType') {
          const r = rangeVar(n.relation);
          if (typeChangeRewrites(c, r && facts?.columnType(qualify(r.schema, r.name), c.name))) rewrite = true;
        }
        if (c.subtype === 'AT_AddColumn') {
          const d = c.def?.ColumnDef;
          const def = constraints(d).find((x) => x.contype === 'CONSTR_DEFAULT');
          if ((def && functionsIn(def.raw_expr).some((f) => VOLATILE_FUNCTIONS.has(f))) || constraints(d).some((x) => x.contype === 'CONSTR_IDENTITY' || x.contype === 'CONSTR_GENERATED')) rewrite = true;
        }
        if (c.subtype === 'AT_SetLogged' || c.subtype === 'AT_SetUnLogged' || c.subtype === 'AT_SetAccessMethod') rewrite = true;
      }
      if (mode) lock(n.relation, mode, rewrite);
      break;
    }
    case 'IndexStmt':
      lock(n.relation, n.concurrent ? 'SHARE UPDATE EXCLUSIVE' : 'SHARE');
      break;
    case 'CreateStmt':
      lock(n.relation, 'ACCESS EXCLUSIVE', false, true);
      for (const e of (n.tableElts as any[]) ?? []) {
        for (const k of [e.Constraint, ...constraints(e.ColumnDef)]) if (k?.contype === 'CONSTR_FOREIGN') lock(k.pktable, 'SHARE ROW EXCLUSIVE');
      }
      for (const p of (n.inhRelations as unknown[]) ?? []) lock(p, n.partbound ? 'SHARE UPDATE EXCLUSIVE' : 'ACCESS EXCLUSIVE');
      break;
    case 'DropStmt':
      if (n.removeType === 'OBJECT_TABLE' || n.removeType === 'OBJECT_VIEW' || n.removeType === 'OBJECT_MATVIEW') {
        for (const o of (n.objects as any[]) ?? []) {
          const parts = strings(o.List?.items);
          lock({ relname: parts[parts.length - 1], schemaname: parts.length > 1 ? parts[parts.length - 2] : undefined }, 'ACCESS EXCLUSIVE');
        }
      }
      break;
    case 'TruncateStmt':
      for (const r of (n.relations as unknown[]) ?? []) lock(r, 'ACCESS EXCLUSIVE', true);
      break;
    case 'RenameStmt':
      lock(n.relation, 'ACCESS EXCLUSIVE');
      break;
    case 'CreateTrigStmt':
      lock(n.relation, 'SHARE ROW EXCLUSIVE');
      break;
    case 'CreatePolicyStmt':
    case 'AlterPolicyStmt':
      lock(n.table, 'ACCESS EXCLUSIVE');
      break;
    case 'InsertStmt':
    case 'UpdateStmt':
    case 'DeleteStmt':
    case 'MergeStmt':
      lock(n.relation, 'ROW EXCLUSIVE');
      break;
    case 'RefreshMatViewStmt':
      lock(n.relation, n.concurrent ? 'EXCLUSIVE' : 'ACCESS EXCLUSIVE', true);
      break;
    case 'VacuumStmt':
      for (const r of (n.rels as any[]) ?? []) lock(r.VacuumRelation?.relation, JSON.stringify(n.options ?? []).includes('"full"') ? 'ACCESS EXCLUSIVE' : 'SHARE UPDATE EXCLUSIVE', JSON.stringify(n.options ?? []).includes('"full"'));
      break;
    case 'ClusterStmt':
      lock(n.relation, 'ACCESS EXCLUSIVE', true);
      break;
    case 'ReindexStmt':
      lock(n.relation, JSON.stringify(n.params ?? []).includes('"concurrently"') ? 'SHARE UPDATE EXCLUSIVE' : 'SHARE');
      break;
    case 'LockStmt':
      for (const r of (n.relations as unknown[]) ?? []) lock(r, (['ACCESS SHARE', 'ROW SHARE', 'ROW EXCLUSIVE', 'SHARE UPDATE EXCLUSIVE', 'SHARE', 'SHARE ROW EXCLUSIVE', 'EXCLUSIVE', 'ACCESS EXCLUSIVE'][(n.mode as number) - 1] ?? 'ACCESS EXCLUSIVE') as LockMode);
      break;
    default:
      break;
  }
  return out.map((x) => (x.new ? { ...x, blocks: 'nothing' } : x));
}

/**
 * The locks of every statement of one migration's SQL (a file, or what a TS migration emits), by
 * line. `facts`: what the module's earlier migrations tell; the migration's statements are
 * followed into it, so the caller can pass it on to the next migration. `run`: the migration's id
 * and what the run's earlier migrations create (table → the migration creating it), which it adds
 * to: a table made earlier in the same run is as new as one made earlier in the same migration —
 * on a fresh database every table is, and no running release uses it yet.
 */
export async function migrationLocks(
  sql: string,
  schema: string,
  facts: References,
  run: { id: string; made: Map<string, string>; transaction: boolean },
): Promise<{ line: number; statement: string; locks: StatementLock[] }[]> {
  let statements: LintStatement[];
  try {
    statements = await parseStatements(sql);
  } catch {
    return [];
  }
  const qualify = lockQualifier(schema);
  const created = createdBy(statements, qualify);
  const out: { line: number; statement: string; locks: StatementLock[] }[] = [];
  // In one transaction, a lock is held from its statement until the commit: the strongest so far per table.
  const held = new Map<string, { mode: LockMode; line: number }>();
  for (const s of statements) {
    const before = created.before[s.index] ?? new Set<string>();
    const locks = statementLocks(s, qualify, new Set([...before, ...run.made.keys()]), facts);
    for (const l of locks) {
      const by = run.made.get(l.table);
      if (by !== undefined && by !== run.id) l.madeBy = by;
      if (!run.transaction) continue;
      const h = held.get(l.table);
      if (!h || ORDER.indexOf(l.mode) > ORDER.indexOf(h.mode)) held.set(l.table, { mode: l.mode, line: s.line });
      else if (h.mode !== l.mode && !l.new) l.held = { ...h, blocks: blocksOf(h.mode) };
    }
    facts.apply(s, qualify);
    for (const name of madeBy(s, qualify, run.made)) if (!run.made.has(name)) run.made.set(name, run.id);
    // A relation renamed keeps the locks its transaction holds on it, under its new name.
    const renamed = s.kind === 'RenameStmt' && RENAMED_RELATIONS.has(s.node.renameType) && s.node.newname ? rangeVar(s.node.relation) : undefined;
    const moved = renamed && held.get(qualify(renamed.schema, renamed.name));
    if (renamed && moved) held.set(qualify(renamed.schema, String(s.node.newname)), moved);
    if (locks.length) out.push({ line: s.line, statement: s.text.replace(/\s+/g, ' ').slice(0, 100), locks });
  }
  return out;
}

const SERIAL = new Set(['serial', 'serial2', 'serial4', 'serial8', 'smallserial', 'bigserial']);
const RENAMED_RELATIONS = new Set(['OBJECT_TABLE', 'OBJECT_VIEW', 'OBJECT_MATVIEW', 'OBJECT_INDEX', 'OBJECT_SEQUENCE', 'OBJECT_FOREIGN_TABLE']);

/**
 * What `s` creates that a later lock may name (`schema.name`): a table or view; with a table, its
 * serial columns' sequences and its constraints' indexes, by PostgreSQL's names for them (unless
 * named); an index on a table `made` holds; a sequence; the new name of a relation `made` holds.
 */
function madeBy(s: LintStatement, qualify: (schema: string | undefined, name: string) => string, made: ReadonlyMap<string, string>): string[] {
  const n = s.node;
  const r = rangeVar(n.relation ?? n.into?.rel ?? n.view ?? n.sequence);
  if (!r) return [];
  const at = (name: string) => qualify(r.schema, name);
  // A table's columns and constraints (CREATE TABLE's elements, ALTER TABLE's added ones): the
  // sequences and indexes they make.
  const implied = (table: string, elements: any[]): string[] => {
    const out: string[] = [];
    for (const e of elements) {
      const col = e?.ColumnDef?.colname as string | undefined;
      const type = strings(e?.ColumnDef?.typeName?.names).pop();
      if (col && type && SERIAL.has(type)) out.push(at(`${table}_${col}_seq`));
      for (const k of [e?.Constraint, ...constraints(e?.ColumnDef)]) {
        const keys = col ? [col] : strings(k?.keys);
        if (k?.contype !== 'CONSTR_PRIMARY' && k?.contype !== 'CONSTR_UNIQUE') continue;
        out.push(at(k.conname ?? (k.contype === 'CONSTR_PRIMARY' ? `${table}_pkey` : `${table}_${keys.join('_')}_key`)));
      }
    }
    return out;
  };
  switch (s.kind) {
    case 'CreateStmt':
      return [at(r.name), ...implied(r.name, (n.tableElts as any[]) ?? [])];
    case 'AlterTableStmt':
      return made.has(at(r.name)) ? implied(r.name, alterCmds(s).map((c) => (c.subtype === 'AT_AddColumn' || c.subtype === 'AT_AddConstraint' ? c.def : undefined))) : [];
    case 'CreateTableAsStmt':
    case 'ViewStmt':
    case 'CreateSeqStmt':
      return [at(r.name)];
    case 'IndexStmt':
      return n.idxname && made.has(at(r.name)) ? [at(n.idxname)] : [];
    case 'RenameStmt':
      return RENAMED_RELATIONS.has(n.renameType) && made.has(at(r.name)) && n.newname ? [at(n.newname)] : [];
    default:
      return [];
  }
}

/** Follow a migration that runs no more (applied already) into `facts`, for the locks of those after it. */
export async function followMigration(sql: string, schema: string, facts: References): Promise<void> {
  const statements = await parseStatements(sql).catch(() => [] as LintStatement[]);
  for (const s of statements) facts.apply(s, lockQualifier(schema));
}

function lockQualifier(schema: string): (s: string | undefined, n: string) => string {
  return (s, n) => `${s ?? schema}.${n}`;
}
