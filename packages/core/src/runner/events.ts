import type { BlockingSession, LockHolder } from '../db/types.js';
import type { Direction } from './prepare.js';
import type { UnitRun } from './executor.js';

/** Why a migration's attempt was rolled back and tried again. */
export type RetryReason = 'lock timeout' | 'deadlock' | 'serialization' | 'concurrent create';

/** Where a run over many units is (tenants): done, failed, remaining, and an estimate of the time left. */
export interface RunProgress {
  done: number;
  failed: number;
  remaining: number;
  total: number;
  etaMs: number | undefined;
  concurrency: number;
}

/** Progress events for a human renderer; every callback is optional. Units are named `module` or `module@tenant`. */
export interface Reporter {
  /** Something the run decided that a user should know (e.g. concurrency lowered to fit the server). */
  notice?(text: string): void;
  /** Every unit of a module has finished, or will not run (skipped): its results. */
  moduleDone?(module: string, runs: readonly UnitRun[]): void;
  /** After each unit of a run of many units (at most once a second). */
  progress?(p: RunProgress): void;
  lockWait?(module: string, holder: LockHolder | undefined): void;
  /** The server is not reachable yet and `--wait` retries. */
  connectWait?(module: string, reason: string): void;
  moduleStart?(module: string, count: number, direction: Direction): void;
  migrationStart?(module: string, id: string, direction: Direction): void;
  migrationDone?(module: string, id: string, direction: Direction, durationMs: number): void;
  /** A statement timed out waiting for a lock, or the server rolled the attempt back (a deadlock, a serialization conflict); the migration is retried after a backoff. */
  lockRetry?(module: string, id: string, attempt: number, of: number, blockers: readonly BlockingSession[], reason?: RetryReason): void;
}
