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
  /** Created earlier in the same migration: nobody else uses it yet. */
  new: boolean;
  /** The statement rewrites the table (its duration grows with its size). */
  rewrite: boolean;
  blocks: 'reads and writes' | 'writes' | 'nothing';
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
 * followed into it, so the caller can pass it on to the next migration.
 */
export async function migrationLocks(sql: string, schema: string, facts = new References()): Promise<{ line: number; statement: string; locks: StatementLock[] }[]> {
  let statements: LintStatement[];
  try {
    statements = await parseStatements(sql);
  } catch {
    return [];
  }
  const qualify = lockQualifier(schema);
  const created = createdBy(statements, qualify);
  const out: { line: number; statement: string; locks: StatementLock[] }[] = [];
  for (const s of statements) {
    const locks = statementLocks(s, qualify, created.before[s.index] ?? new Set(), facts);
    facts.apply(s, qualify);
    if (locks.length) out.push({ line: s.line, statement: s.text.replace(/\s+/g, ' ').slice(0, 100), locks });
  }
  return out;
}

/** Follow a migration that runs no more (applied already) into `facts`, for the locks of those after it. */
export async function followMigration(sql: string, schema: string, facts: References): Promise<void> {
  const statements = await parseStatements(sql).catch(() => [] as LintStatement[]);
  for (const s of statements) facts.apply(s, lockQualifier(schema));
}

function lockQualifier(schema: string): (s: string | undefined, n: string) => string {
  return (s, n) => `${s ?? schema}.${n}`;
}
