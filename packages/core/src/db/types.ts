import type { Knex } from 'knex';

/** Who holds a module lock another runner waits for. */
export interface LockHolder {
  /** `application_name` of the holding session, or the holding process for embedded databases. */
  application: string;
  pid?: number;
  since?: string;
}

export interface LockOptions {
  /** Give up after this many milliseconds; 0 waits forever. */
  timeoutMs: number;
  /** Called once when the lock is busy, before waiting. */
  onWait?: (holder: LockHolder | undefined) => void;
}

/** An open connection to one module's database. */
export interface ModuleDb {
  readonly kind: 'postgres' | 'pglite';
  readonly knex: Knex;
  /** Hold the module's lock while `fn` runs; other runners wait (SPEC §7). */
  withModuleLock<T>(fn: () => Promise<T>, options: LockOptions): Promise<T>;
  close(): Promise<void>;
}
