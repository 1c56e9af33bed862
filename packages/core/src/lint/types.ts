import type { SqlDirectives } from '../migrations/directives.js';
import type { ColumnType } from './references.js';
import type { Module } from '../workspace.js';

export type Severity = 'error' | 'warning';

/** One top-level statement of a migration, with its whole parse tree. */
export interface LintStatement {
  index: number;
  /** Parse node type, e.g. `AlterTableStmt`. */
  kind: string;
  /** The node under `kind` (libpg-query's JSON). */
  node: Record<string, any>;
  text: string;
  line: number;
  column: number;
  /** Byte offset of the statement in the file. */
  offset: number;
  /** The extensions a DO block creates (its PL/pgSQL's CREATE EXTENSION). */
  extensions?: string[];
}

/** What a rule knows about the file it reads. */
export interface LintFile {
  module: Module;
  /** Workspace-relative file. */
  file: string;
  migration: string;
  direction: 'up' | 'down';
  /** Runs in one transaction (no `-- bulkhead:no-transaction`). */
  transactional: boolean;
  /** Another tool's no-transaction mark the file carries (Bulkhead does not read it). */
  foreignNoTransaction?: SqlDirectives['foreignNoTransaction'];
  /** PostgreSQL major version the migration must run on (`--pg-version`, default 15). */
  pgVersion: number;
  /** Functions the module's migrations create (lower case): a built-in of that name is the module's own. */
  ownFunctions: ReadonlySet<string>;
  /** Types the module's migrations create (lower case): one named as an extension's is the module's own. */
  ownTypes: ReadonlySet<string>;
  /** Extensions the module's migrations create, and those its manifest declares (db create makes them). */
  ownExtensions: ReadonlySet<string>;
  statements: LintStatement[];
  /** Tables created earlier in this file (`schema.name`): new, empty, nobody reads them yet. */
  createdBefore(statement: LintStatement): ReadonlySet<string>;
  /** For a down file: objects its up creates (`schema.name`), which the down is expected to drop. */
  createdByUp: ReadonlySet<string>;
  /** Views and foreign keys that reference a table just before a statement (the module's earlier migrations, and this file). */
  referencedBy(table: string, before: LintStatement): string[];
  /** The type a column of a table that existed before this file was last declared with, before `before` (when the module's migrations show it). */
  columnType(table: string, column: string, before: LintStatement): ColumnType | undefined;
  /** Whether a table (`schema.name`) exists before `before`, as the module's migrations (and this file) show it. */
  tableKnown(table: string, before: LintStatement): boolean;
  /** Resolve a possibly unqualified name against the module's schema. */
  qualify(schema: string | undefined, name: string): string;
  /** Line and column of a byte offset in the file. */
  at(offset: number): { line: number; column: number };
}

/** What a rule reports; the engine adds code, rule, module, file and severity. */
export interface RuleHit {
  message: string;
  /** Byte offset in the file of what is flagged (default: the statement's start). */
  offset?: number;
  /** A fix more precise than the rule's own. */
  fix?: string;
}

export interface Rule {
  /** Stable code, e.g. `BH-D101`. */
  code: string;
  /** Stable kebab-case name, e.g. `drop-table`. */
  name: string;
  /** Why it matters, in one line. */
  rationale: string;
  fix: string;
  /** The fix for SQL a TS/JS (knex) migration emits, when it reads differently there (knex's builder call). */
  tsFix?: string;
  severity: Severity;
  /** Per statement. */
  check?(s: LintStatement, f: LintFile): RuleHit[] | RuleHit | undefined;
  /** Over the whole file (rules about several statements together). */
  checkFile?(f: LintFile): RuleHit[];
}

export interface LintFinding {
  code: string;
  rule: string;
  severity: Severity;
  module: string;
  file: string;
  line: number;
  column: number;
  /** The statement, shortened. */
  statement: string;
  message: string;
  fix: string;
}
