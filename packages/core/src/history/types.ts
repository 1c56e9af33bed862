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
}
