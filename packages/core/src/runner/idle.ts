import type { EventEmitter } from 'node:events';

/** How often a TS/JS migration with no query in flight is told about (and how long it must be idle first). */
export const IDLE_NOTICE_MS = 30_000;

/**
 * A TS/JS migration that has run a while with no query in flight may await something that never
 * settles (a promise never resolved, a callback never called, a stream never ended): the run would
 * wait in silence on release day. Said every `everyMs` while it lasts, through `notice`; the
 * migration keeps running (it may do slow work of its own, a call to another service). `client`
 * is the knex client the migration's queries go through (its `query`, `query-response` and
 * `query-error` events).
 */
export function watchIdle(client: EventEmitter, notice: (idleMs: number, runningMs: number) => void, everyMs = IDLE_NOTICE_MS): { stop(): void } {
  const started = Date.now();
  let inFlight = 0;
  let last = started;
  const onStart = () => {
    inFlight++;
    last = Date.now();
  };
  const onEnd = () => {
    inFlight = Math.max(0, inFlight - 1);
    last = Date.now();
  };
  client.on('query', onStart);
  client.on('query-response', onEnd);
  client.on('query-error', onEnd);
  let told = 0;
  // Checked five times a period, told at most once a period.
  const timer = setInterval(() => {
    const now = Date.now();
    if (inFlight > 0 || now - last < everyMs || now - told < everyMs) return;
    told = now;
    notice(now - last, now - started);
  }, everyMs / 5);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      client.removeListener('query', onStart);
      client.removeListener('query-response', onEnd);
      client.removeListener('query-error', onEnd);
    },
  };
}

/** `95 s`, `4 min`: how long, for a notice. */
export function aboutHowLong(ms: number): string {
  const s = Math.round(ms / 1000);
  return s < 120 ? `${s} s` : `${Math.round(s / 60)} min`;
}

let fallback: ((text: string) => void) | undefined;

/**
 * Where the notice goes when the run has no reporter of its own (the replays of verify and drift,
 * the capture of a TS migration's SQL before up): the CLI sets its stderr; a library user may.
 */
export function setIdleNotice(notice: ((text: string) => void) | undefined): void {
  fallback = notice;
}

export function idleNotice(): ((text: string) => void) | undefined {
  return fallback;
}

/** How often a migration still running is said to be (a CI job that prints nothing for 10 minutes is often killed). */
export const HEARTBEAT_MS = 60_000;

/**
 * A line every `everyMs` while one migration (or one batch of them) runs longer than that: a
 * long index build or backfill on release day shows it is still at work, and CI systems that end
 * a job after minutes of silence (CircleCI's no_output_timeout, 10 minutes) leave it be.
 * `running(label)` when a migration starts, `idle()` when it ends.
 */
export function heartbeat(notice: ((text: string) => void) | undefined, everyMs = HEARTBEAT_MS): { running(label: string, hint?: string): void; idle(): void; stop(): void } {
  let current: { label: string; hint?: string; since: number; told: number } | undefined;
  const timer = notice
    ? setInterval(() => {
        const now = Date.now();
        if (!current || now - current.since < everyMs || now - current.told < everyMs) return;
        notice(`${current.label} still running (${aboutHowLong(now - current.since)})${current.told === current.since && current.hint ? `: ${current.hint}` : ''}`);
        current.told = now;
      }, everyMs / 5)
    : undefined;
  timer?.unref();
  return {
    running(label, hint) {
      const now = Date.now();
      current = { label, hint, since: now, told: now };
    },
    idle() {
      current = undefined;
    },
    stop() {
      if (timer) clearInterval(timer);
    },
  };
}
