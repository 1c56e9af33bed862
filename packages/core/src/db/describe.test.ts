import { describe, expect, it } from 'vitest';
import { describeBlocker, describeHolder } from './describe.js';

describe('how lock holders and blockers read', () => {
  it('a holder: its application_name, backend pid, where it connects from (another host) and since when', () => {
    expect(describeHolder({ application: 'bulkhead up billing 002_x', pid: 4242, since: '2026-12-05T01:00:00.000Z' })).toBe(
      '"bulkhead up billing 002_x" (pid 4242, since 2026-12-05T01:00:00.000Z)',
    );
    expect(describeHolder({ application: 'bulkhead up billing 002_x', pid: 4242, since: '2026-12-05T01:00:00.000Z', from: 'ci-runner-7' })).toBe(
      '"bulkhead up billing 002_x" (pid 4242 from ci-runner-7, since 2026-12-05T01:00:00.000Z)',
    );
    // An embedded database's holder is a process on this machine: no pid of a backend.
    expect(describeHolder({ application: 'up on host-a' })).toBe('"up on host-a"');
  });

  it('a blocker: pid, application_name, state, since when, and its query', () => {
    expect(describeBlocker({ pid: 7, application: 'reporting-job', state: 'idle in transaction', queryStart: '2026-12-05T01:00:00.000Z', query: 'SELECT * FROM accounts' })).toBe(
      'pid 7 ("reporting-job", idle in transaction since 2026-12-05T01:00:00.000Z: SELECT * FROM accounts)',
    );
  });
});
