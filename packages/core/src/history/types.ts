/** One row of a module's history table (SPEC §4). */
export interface HistoryRow {
  id: string;
  name: string;
  checksum: string;
  applied_at: Date;
  duration_ms: number;
  applied_by: string;
  run_id: string;
  bulkhead_version: string;
  /**
   * Layout 2: how the row came to be — `apply` (a run applied it), `baseline` (recorded as
   * applied to a database built without Bulkhead), `repair` (its checksum accepted after an edit),
   * `squash` (a squashed migration standing for the applied migrations it replaced).
   */
  kind?: string;
  /** Layout 2: why a row was written or changed by hand (baseline, repair; one line each); null for applied migrations. */
  reason?: string | null;
  /**
   * Not a column: set on the row a squashed migration stands for in a history that still lists
   * the migrations it replaced (these ids); the next run under the unit's lock writes it in their place.
   */
  replaced?: string[];
}

/**
 * Progress of a migration that runs outside a transaction (`no-transaction`), one row while it
 * runs, removed in the transaction that records it: a row found later means a run stopped
 * midway (killed, connection lost, or a statement failed), and says how far it got.
 */
export interface ProgressRow {
  id: string;
  direction: 'up' | 'down';
  /** Checksum of the migration's file(s) when it ran. */
  checksum: string;
  /** Statements in the file; null for TS/JS migrations (their statements are not known ahead). */
  statements_total: number | null;
  /** Statements completed, in order. */
  statements_done: number;
  /** sha256 of the completed statements' text: a resume needs them unchanged. */
  done_digest: string | null;
  /** The statement that failed, when one did (1-based); null when the run was interrupted. */
  failed_statement: number | null;
  error: string | null;
  run_id: string;
  runner: string;
  started_at: Date;
  updated_at: Date;
}

/** What a module's history store holds: applied migrations and unfinished no-transaction runs. */
export interface HistorySnapshot {
  /** Layout of the table as found (see HISTORY_LAYOUT); older layouts are upgraded by the next `up`. */
  layout: number;
  rows: HistoryRow[];
  progress: ProgressRow[];
}
