/**
 * After every test file: no scratch database may be left behind by a process that has ended
 * (the CLI runs a test started), nor by this test worker itself.
 */
import { afterAll, expect, inject } from 'vitest';
import { listScratchDatabases, scratchCreatorPid } from '@bulkhead/core';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

afterAll(async () => {
  const names = await listScratchDatabases(inject('pgAdminUrl'));
  const left = names.filter((n) => {
    const pid = scratchCreatorPid(n);
    return pid === undefined || pid === process.pid || !alive(pid);
  });
  expect(left, 'scratch databases left behind').toEqual([]);
});
