/**
 * After every test file: no scratch database may be left behind by a process that has ended
 * (the CLI runs a test started), nor by this test worker itself. Test files run three at a time,
 * and one of them leaves a scratch database on purpose for a moment (engine.test.ts kills its
 * process with SIGKILL, then shows the next run sweeping it): a leftover must stay gone for it
 * to count, so one is given a few seconds to be swept.
 */
import { afterAll, expect, inject } from 'vitest';
import { listScratchDatabases, scratchCreatorPid } from '@bulkhead/core';
import { processAlive } from './fixtures.js';

async function leftBehind(): Promise<string[]> {
  const names = await listScratchDatabases(inject('pgAdminUrl'));
  return names.filter((n) => {
    const pid = scratchCreatorPid(n);
    return pid === undefined || pid === process.pid || !processAlive(pid);
  });
}

afterAll(async () => {
  let left = await leftBehind();
  for (let i = 0; left.length && i < 20; i++) {
    await new Promise((r) => setTimeout(r, 500));
    left = await leftBehind();
  }
  expect(left, 'scratch databases left behind').toEqual([]);
});
