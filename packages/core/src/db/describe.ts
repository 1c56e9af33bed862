import type { BlockingSession, LockHolder, ReadOnlyReason } from './types.js';

// How lock holders and blocking sessions read in messages: text only, for the renderers too.

/** A session holding a module lock, as a waiting runner names it. */
export function describeHolder(h: LockHolder): string {
  return `"${h.application}"${h.pid ? ` (pid ${h.pid}` : ''}${h.from ? ` from ${h.from}` : ''}${h.since ? `, since ${h.since}` : ''}${h.pid ? ')' : ''}`;
}

/** A session blocking a migration's statement, as a lock-timeout report names it. */
export function describeBlocker(b: BlockingSession): string {
  return `pid ${b.pid} ("${b.application}", ${b.state}${b.queryStart ? ` since ${b.queryStart}` : ''}${b.query ? `: ${b.query}` : ''})`;
}

/** Why a database is read-only, as a message says it. */
export function describeReadOnly(why: ReadOnlyReason): string {
  return why === 'standby' ? 'the server is a standby (pg_is_in_recovery(): a read replica)' : 'default_transaction_read_only is on for the database or the role';
}

/** What to do about a read-only database: for `why` when it is known (the plan's), else for either cause (a failure's). */
export function readOnlyFix(why?: ReadOnlyReason): string {
  const primary = "point the module at the primary, the server that takes writes (a cloud database's writer endpoint, not a read replica's or reader's)";
  const setting = "turn it off where it is set (ALTER DATABASE … SET default_transaction_read_only = off, or ALTER ROLE … of the URL's role), or use a role that may write";
  return why === 'standby' ? primary : why ? setting : `${primary}; or, where default_transaction_read_only is on, ${setting}`;
}

