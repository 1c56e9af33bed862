/**
 * The one catalogue of Bulkhead's coded problems and the exit code each maps to.
 *
 * Exit codes (SPEC §5):
 *   0  success / no findings
 *   1  a migration failed, or a check found problems
 *   2  bad input or preflight failure: nothing was applied
 */

export const EXIT = { ok: 0, failed: 1, badInput: 2 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export const CATALOGUE = {
  BH001: { title: 'manifest is not valid JSON', exit: EXIT.badInput },
  BH002: { title: 'manifest field is invalid', exit: EXIT.badInput },
  BH003: { title: 'environment variable is not set', exit: EXIT.badInput },
  BH004: { title: 'two manifests declare the same module name', exit: EXIT.badInput },
  BH005: { title: 'dependsOn names an unknown module', exit: EXIT.badInput },
  BH006: { title: 'module depends on itself', exit: EXIT.badInput },
  BH007: { title: 'module dependencies form a cycle', exit: EXIT.badInput },
  BH008: { title: 'two modules share one database and schema', exit: EXIT.badInput },
  BH009: { title: 'two modules share one history table', exit: EXIT.badInput },
  BH010: { title: 'migrations folder is missing', exit: EXIT.badInput },
  BH011: { title: 'migration file name is invalid', exit: EXIT.badInput },
  BH012: { title: 'migration id or version is used twice', exit: EXIT.badInput },
  BH013: { title: 'down file without its up file', exit: EXIT.badInput },
  BH014: { title: 'embedded database refused in production', exit: EXIT.badInput },
  BH015: { title: 'unknown module', exit: EXIT.badInput },
  BH016: { title: 'SQL file controls its own transaction', exit: EXIT.badInput },
  BH017: { title: 'migration module is invalid', exit: EXIT.badInput },
  BH018: { title: 'database URL is invalid', exit: EXIT.badInput },
  BH019: { title: 'no bulkhead.json found', exit: EXIT.badInput },
  BH020: { title: 'cannot connect to the database', exit: EXIT.badInput },
  BH021: { title: 'module lock not acquired in time', exit: EXIT.badInput },
  BH022: { title: 'applied migration was edited (checksum changed)', exit: EXIT.badInput },
  BH023: { title: 'applied migration file is missing', exit: EXIT.badInput },
  BH024: { title: 'pending migration is older than the last applied one', exit: EXIT.badInput },
  BH025: { title: 'invalid command-line usage', exit: EXIT.badInput },
  BH026: { title: 'target migration not found', exit: EXIT.badInput },
  BH027: { title: 'embedded database folder is in use by another process', exit: EXIT.badInput },
  BH028: { title: 'migration cannot be reverted (no down)', exit: EXIT.badInput },
  BH029: { title: 'required migration of another module is not satisfiable', exit: EXIT.badInput },
  BH030: { title: 'migration failed', exit: EXIT.failed },
  BH031: { title: 'module skipped because a dependency failed', exit: EXIT.failed },
  BH032: { title: 'file already exists', exit: EXIT.badInput },
  BH033: { title: 'SQL does not parse', exit: EXIT.badInput },
  BH034: { title: 'statement cannot run inside a transaction', exit: EXIT.badInput },
  BH035: { title: 'a no-transaction migration stopped midway', exit: EXIT.badInput },
  BH036: { title: 'module lock lost during the run', exit: EXIT.failed },
  BH037: { title: 'file is not valid UTF-8', exit: EXIT.badInput },
  BH038: { title: 'a file in the migrations folder will not run as written', exit: EXIT.badInput },
  BH039: { title: "tenants cannot be listed (query failed, or a name is invalid or repeated)", exit: EXIT.badInput },
  BH040: { title: 'no tenant matches --tenant', exit: EXIT.badInput },
  BH041: { title: 'scratch database cannot be created', exit: EXIT.badInput },
  BH042: { title: 'history table was written by a newer Bulkhead', exit: EXIT.badInput },
  BH043: { title: "migration touches another module's object", exit: EXIT.badInput },
  BH044: { title: 'migration creates an object outside its module\'s owns patterns', exit: EXIT.badInput },
  BH045: { title: "migration references another module's object or schema", exit: EXIT.badInput },
  BH046: { title: "down would revert a migration another module's applied migration requires", exit: EXIT.badInput },
  BH047: { title: 'migration files that no manifest points at', exit: EXIT.badInput },
  BH048: { title: 'migration cannot be analysed', exit: EXIT.badInput },
  BH049: { title: 'declared extension is not available on the server', exit: EXIT.badInput },
  BH050: { title: 'databases and roles cannot be provisioned', exit: EXIT.badInput },
  BH051: { title: "a module's role can reach another module's database", exit: EXIT.badInput },
  BH052: { title: 'repair: the migration is not applied', exit: EXIT.badInput },
  BH053: { title: 'baseline: the database already has a Bulkhead history', exit: EXIT.badInput },
  BH054: { title: 'baseline: the database does not match the migrations it would record', exit: EXIT.badInput },
  BH055: { title: "a squashed migration does not fit the unit's history or folder", exit: EXIT.badInput },
  BH056: { title: 'squash cannot produce an equivalent migration', exit: EXIT.badInput },
  BH057: { title: 'the database was migrated by another tool', exit: EXIT.badInput },
  BH058: { title: 'a migration uses SQL newer than the server', exit: EXIT.badInput },
  BH059: { title: 'two modules read one migrations folder', exit: EXIT.badInput },
  BH060: { title: "the module's history is in another table than its manifest names", exit: EXIT.badInput },
  BH061: { title: 'a migration file holds a NUL byte', exit: EXIT.badInput },
  BH062: { title: 'a migration changes a history table Bulkhead keeps', exit: EXIT.badInput },
  BH063: { title: 'a migration creates an extension its database cannot load', exit: EXIT.badInput },
  BH064: { title: 'a migration uses a role its server does not have', exit: EXIT.badInput },
  BH065: { title: "a migration uses another tool's history table its database does not have", exit: EXIT.badInput },
  BH066: { title: 'a schema-tenant migration changes an object in a fixed schema, which every tenant shares', exit: EXIT.badInput },
  BH067: { title: 'a schema-tenant migration creates an undeclared extension in the schema of whichever tenant runs it first', exit: EXIT.badInput },
  BH068: { title: "the module's role may not create its history table", exit: EXIT.badInput },
  BH069: { title: 'a migration runs a statement PostgreSQL always refuses', exit: EXIT.badInput },
  BH070: { title: "a migration uses an extension's type, function or operator class that its database lacks and nothing creates", exit: EXIT.badInput },
  BH071: { title: "the module's URL reaches a connection pool in transaction mode", exit: EXIT.badInput },
  BH072: { title: "the module's database is read-only (a standby, or default_transaction_read_only)", exit: EXIT.badInput },
  BH073: { title: 'a pending TS/JS migration fails as written wherever it runs (a knex builder it never awaits)', exit: EXIT.badInput },
  BH074: { title: 'a migration uses a table or view that no migration creates and its database does not have', exit: EXIT.badInput },
  BH075: { title: 'make --from-drift or --downs: nothing to write (no drift, every down there, a replay that stopped), or tenants that drifted apart', exit: EXIT.badInput },
} as const;

export type ProblemCode = keyof typeof CATALOGUE;

/** One problem found by a check: data, so commands can report every problem at once. */
export interface Problem {
  code: ProblemCode;
  message: string;
  /** What to do about it. */
  fix?: string;
  module?: string;
  /** Workspace-relative file the problem is in. */
  file?: string;
  /** Field path inside a manifest, e.g. `database.url`. */
  field?: string;
  line?: number;
  column?: number;
}

export function problem(code: ProblemCode, message: string, rest: Omit<Problem, 'code' | 'message'> = {}): Problem {
  return { code, message, ...rest };
}

/** Problems told once for a folder when several of its files have them: their key, what each file said, and how to tell them together. */
const alike = new WeakMap<Problem, { key: string; data: unknown; together: (all: readonly Alike<unknown>[]) => Problem; textOnly: boolean }>();

/** A problem marked alike, and what its file said that the problem told together needs. */
export interface Alike<T> {
  problem: Problem;
  data: T;
}

/**
 * Mark a problem of one file as one that several files of a folder may share (another tool's
 * templates, migrations, marks): `groupAlike` then tells them as one, with one fix, from each
 * file's problem and `data` (what that file said: its templates, its mark).
 */
/**
 * `textOnly`: told together only where problems are printed as text (`groupAlike(…, { text: true })`),
 * each kept in results and JSON (modules that cannot reach one server: each module's own problem).
 */
export function markAlike<T>(p: Problem, key: string, data: T, together: (all: readonly Alike<T>[]) => Problem, o: { textOnly?: boolean } = {}): Problem {
  alike.set(p, { key, data, together: together as (all: readonly Alike<unknown>[]) => Problem, textOnly: o.textOnly ?? false });
  return p;
}

/** Problems of two or more files that share a key (markAlike) as one problem, in the place of the first. */
export function groupAlike(problems: readonly Problem[], o: { text?: boolean } = {}): Problem[] {
  const groups = new Map<string, Problem[]>();
  for (const p of problems) {
    const mark = alike.get(p);
    if (mark && (!mark.textOnly || o.text)) (groups.get(mark.key) ?? groups.set(mark.key, []).get(mark.key)!).push(p);
  }
  const out: Problem[] = [];
  for (const p of problems) {
    const mark = alike.get(p);
    const group = mark && groups.get(mark.key);
    if (!group || group.length < 2) out.push(p);
    else if (group[0] === p) out.push(mark.together(group.map((problem) => ({ problem, data: alike.get(problem)!.data }))));
  }
  return out;
}

/** An error carrying one or more coded problems; the CLI maps it to an exit code. */
export class BulkheadError extends Error {
  readonly problems: Problem[];
  constructor(problems: Problem | Problem[], options?: { cause?: unknown }) {
    const list = Array.isArray(problems) ? problems : [problems];
    super(list.map(formatProblem).join('\n'), options);
    this.name = 'BulkheadError';
    this.problems = list;
  }
  get code(): ProblemCode {
    return this.problems[0]!.code;
  }
  get exitCode(): ExitCode {
    return exitCodeOf(this.problems);
  }
}

/** The exit code for a set of problems: a failed migration (1) wins over bad input (2). */
export function exitCodeOf(problems: readonly Problem[]): ExitCode {
  if (problems.length === 0) return EXIT.ok;
  if (problems.some((p) => CATALOGUE[p.code].exit === EXIT.failed)) return EXIT.failed;
  return EXIT.badInput;
}

export function formatProblem(p: Problem): string {
  const where = [p.module && `module ${p.module}`, p.file && (p.line ? `${p.file}:${p.line}${p.column ? `:${p.column}` : ''}` : p.file), p.field && `field ${p.field}`]
    .filter(Boolean)
    .join(', ');
  return `${where ? `${where}: ` : ''}${p.message} (${p.code})${p.fix ? `\n  fix: ${p.fix}` : ''}`;
}

export function isBulkheadError(e: unknown): e is BulkheadError {
  return e instanceof BulkheadError;
}
