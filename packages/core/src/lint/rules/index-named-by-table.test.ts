import { describe, expect, it } from 'vitest';
import { expectRule, findings } from './test-helper.js';

describe('BH-Y607 index-named-by-table', () => {
  it('flags what it must and leaves the near misses alone', async () => {
    const table = 'CREATE TABLE session_devices (id int);\nCREATE UNIQUE INDEX unique_session_device ON session_devices (id);\n';
    await expectRule(
      'BH-Y607',
      [`${table}DROP INDEX IF EXISTS session_devices.unique_session_device;`, `${table}DROP INDEX session_devices.unique_session_device;`],
      [`${table}DROP INDEX IF EXISTS unique_session_device;`, `${table}DROP INDEX public.unique_session_device;`, 'DROP INDEX reporting.daily_idx;'],
    );
    expect(await findings('BH-Y607', `${table}DROP INDEX IF EXISTS session_devices.unique_session_device;`)).toEqual([
      '3:1 DROP INDEX session_devices.unique_session_device looks for index unique_session_device in a schema named session_devices, not on the table session_devices: with IF EXISTS it drops nothing, and the index stays',
    ]);
  });
});
