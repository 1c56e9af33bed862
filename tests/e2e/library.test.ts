/**
 * @bulkhead/core as a library (SPEC §9): the functions the CLI calls, with typed results, so a
 * service can check `status()` in a health check and a pipeline can script `up()`.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { BulkheadError, status, up, validate, type Reporter } from '@bulkhead/core';
import { createDatabase, makeWorkspace, type Fixture } from '../support/fixtures.js';

let fx: Fixture | undefined;
afterEach(() => fx?.cleanup());

describe('library API', () => {
  it('validate, up and status return typed results; bad input throws a coded error', async () => {
    const url = await createDatabase();
    fx = makeWorkspace([{ name: 'svc', url: '${SVC_URL}', migrations: { '001_a.up.sql': 'CREATE TABLE svc_a (id int);', '002_b.up.sql': 'CREATE TABLE svc_b (id int);' } }]);
    const env = { SVC_URL: url };
    expect((await validate({ cwd: fx.root, env })).problems).toEqual([]);

    const before = await status({ cwd: fx.root, env });
    expect(before.modules[0]).toMatchObject({ module: 'svc', pending: ['001_a', '002_b'], applied: [] });

    const events: string[] = [];
    const reporter: Reporter = { migrationDone: (m, id) => events.push(`${m}:${id}`) };
    const result = await up({ cwd: fx.root, env, reporter });
    expect(result.exitCode).toBe(0);
    expect(events).toEqual(['svc:001_a', 'svc:002_b']);

    const after = await status({ cwd: fx.root, env });
    expect(after.exitCode).toBe(0);
    expect(after.modules[0]!.pending).toEqual([]);
    expect(after.modules[0]!.applied.map((a) => a.runId)).toEqual([result.runId, result.runId]);

    const err = await up({ cwd: fx.root, env: {} }).catch((e) => e);
    expect(err).toBeInstanceOf(BulkheadError);
    expect(err.exitCode).toBe(2);
    expect(err.problems[0]).toMatchObject({ code: 'BH003', module: 'svc', field: 'database.url' });
  });
});
