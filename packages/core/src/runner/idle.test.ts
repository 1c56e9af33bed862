import { EventEmitter } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { aboutHowLong, heartbeat, watchIdle } from './idle.js';

describe('watchIdle', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('tells a migration with no query in flight for a while, again while it lasts; a query in flight or a recent one is not idle', () => {
    const client = new EventEmitter();
    const told: number[] = [];
    const w = watchIdle(client, (idle) => told.push(idle), 1000);
    client.emit('query');
    vi.advanceTimersByTime(3000);
    // A long query is the server's work, not a hang.
    expect(told).toEqual([]);
    client.emit('query-response');
    vi.advanceTimersByTime(999);
    expect(told).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(told).toEqual([1000]);
    // Once a period while it lasts.
    vi.advanceTimersByTime(1000);
    expect(told).toEqual([1000, 2000]);
    client.emit('query');
    client.emit('query-error');
    vi.advanceTimersByTime(800);
    expect(told).toHaveLength(2);
    w.stop();
    vi.advanceTimersByTime(5000);
    expect(told).toHaveLength(2);
    expect(client.listenerCount('query')).toBe(0);
  });

  it('says how long in seconds, then minutes', () => {
    expect(aboutHowLong(30_000)).toBe('30 s');
    expect(aboutHowLong(300_000)).toBe('5 min');
  });
});

describe('heartbeat', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('says a migration running longer than a period is still running, once a period, its hint the first time; a short one says nothing', () => {
    const told: string[] = [];
    const beat = heartbeat((t) => told.push(t), 60_000);
    beat.running('a: 001_quick');
    vi.advanceTimersByTime(59_000);
    beat.idle();
    vi.advanceTimersByTime(120_000);
    expect(told).toEqual([]);
    beat.running('a: 002_index', "pg_stat_activity shows it as application_name 'bulkhead up a 002_index'");
    vi.advanceTimersByTime(132_000);
    expect(told).toEqual(["a: 002_index still running (61 s): pg_stat_activity shows it as application_name 'bulkhead up a 002_index'", 'a: 002_index still running (2 min)']);
    beat.stop();
    vi.advanceTimersByTime(600_000);
    expect(told).toHaveLength(2);
  });
});
