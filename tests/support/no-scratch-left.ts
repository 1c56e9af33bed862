/**
 * After every test file: no scratch database may be left behind by a process that has ended
 * (the CLI runs a test started), nor by this test worker itself.
 */
import { afterAll, expect, inject } from 'vitest';
import { listScratchDatabases, scratchCreatorPid } from '@bulkhead/core';
import { processAlive } from './fixtures.js';

afterAll(async () => {
  const names = await listScratchDatabases(inject('pgAdminUrl'));
  const left = names.filter((n) => {
    const pid = scratchCreatorPid(n);
    return pid === undefined || pid === process.pid || !processAlive(pid);
  });
  expect(left, 'scratch databases left behind').toEqual([]);
});
