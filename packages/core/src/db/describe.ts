import type { BlockingSession, LockHolder } from './types.js';

// How lock holders and blocking sessions read in messages: text only, for the renderers too.

/** A session holding a module lock, as a waiting runner names it. */
export function describeHolder(h: LockHolder): string {
  return `"${h.application}"${h.pid ? ` (pid ${h.pid}` : ''}${h.from ? ` from ${h.from}` : ''}${h.since ? `, since ${h.since}` : ''}${h.pid ? ')' : ''}`;
}

/** A session blocking a migration's statement, as a lock-timeout report names it. */
export function describeBlocker(b: BlockingSession): string {
  return `pid ${b.pid} ("${b.application}", ${b.state}${b.queryStart ? ` since ${b.queryStart}` : ''}${b.query ? `: ${b.query}` : ''})`;
}
