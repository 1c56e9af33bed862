import type { BlockingSession, LockHolder } from '../db/types.js';
import type { Direction } from './prepare.js';

/** Progress events for a human renderer; every callback is optional. */
export interface Reporter {
  lockWait?(module: string, holder: LockHolder | undefined): void;
  /** The server is not reachable yet and `--wait` retries. */
  connectWait?(module: string, reason: string): void;
  moduleStart?(module: string, count: number, direction: Direction): void;
  migrationStart?(module: string, id: string, direction: Direction): void;
  migrationDone?(module: string, id: string, direction: Direction, durationMs: number): void;
  /** A statement timed out waiting for a lock; the migration is retried after a backoff. */
  lockRetry?(module: string, id: string, attempt: number, of: number, blockers: readonly BlockingSession[]): void;
}
