import { describe, expect, it } from 'vitest';
import type { HistoryRow, ProgressRow } from '../history/types.js';
import type { MigrationFile } from '../migrations/files.js';
import type { Module } from '../workspace.js';
import { groupAlike } from '../errors.js';
import { checksum } from '../migrations/checksum.js';
import { meantOf, selectDown, selectUp, unitState } from './plan.js';
import { moduleUnit } from './units.js';

const rel = (p: string) => p.replace('/ws/', '');
const file = (id: string, o: Partial<MigrationFile> = {}): MigrationFile => ({
  id,
  version: id.split('_')[0]!,
  name: id.split('_').slice(1).join('_'),
  format: 'sql',
  upPath: `/ws/modules/m/migrations/${id}.up.sql`,
  downPath: `/ws/modules/m/migrations/${id}.down.sql`,
  checksum: `sum-${id}`,
  ...o,
});
const mod = (migrations: MigrationFile[]) => ({ name: 'm', file: '/ws/modules/m/bulkhead.json', migrationsDir: '/ws/modules/m/migrations', migrations, manifest: {} }) as unknown as Module;
const module = (migrations: MigrationFile[]) => moduleUnit(mod(migrations));
const row = (id: string, checksum = `sum-${id}`): HistoryRow => ({
  id,
  name: id,
  checksum,
  applied_at: new Date('2026-01-01T00:00:00Z'),
  duration_ms: 1,
  applied_by: 'postgres',
  run_id: 'r',
  bulkhead_version: '0',
});

const history = (rows: ReturnType<typeof row>[]) => ({ layout: 2, rows, progress: [] });

describe('moduleState', () => {
  it('with no history table, everything is pending', () => {
    const s = unitState(module([file('001_a'), file('002_b')]), undefined, rel);
    expect(s.pending.map((m) => m.id)).toEqual(['001_a', '002_b']);
    expect(s.problems).toEqual([]);
  });

  it('splits applied and pending', () => {
    const s = unitState(module([file('001_a'), file('002_b')]), history([row('001_a')]), rel);
    expect(s.applied.map((a) => a.row.id)).toEqual(['001_a']);
    expect(s.pending.map((m) => m.id)).toEqual(['002_b']);
  });

  it('flags an edited applied migration with the fix', () => {
    const s = unitState(module([file('001_a')]), history([row('001_a', 'other')]), rel);
    expect(s.problems).toEqual([expect.objectContaining({ code: 'BH022', module: 'm', file: 'modules/m/migrations/001_a.up.sql' })]);
    expect(s.problems[0]!.fix).toContain('new migration');
  });

  it('a down written after its migration was applied is no edit; an edit with a down names both files and repair for a fixed down', () => {
    const up = 'CREATE TABLE a (id int);\n';
    const both = file('001_a', { checksum: checksum([up, 'DROP TABLE a;\n']), sql: { up, down: 'DROP TABLE a;\n', directives: { replaces: [] } as never } });
    // Applied without a down (its checksum the up file's), the down added since: nothing to say.
    expect(unitState(module([both]), history([row('001_a', checksum([up]))]), rel).problems).toEqual([]);
    // Applied with another down (or another up): one of the two changed.
    const edited = unitState(module([both]), history([row('001_a', checksum([up, 'DROP TABLE IF EXISTS a;\n']))]), rel).problems;
    expect(edited.map((p) => [p.code, p.message.replace(/\(checksum .*/, '')])).toEqual([['BH022', 'modules/m/migrations/001_a.up.sql or 001_a.down.sql changed after it was applied ']]);
    expect(edited[0]!.fix).toContain('a change to the down file alone (a fixed down) is accepted with bulkhead repair m --accept 001_a --reason <why>');
    // An up changed, with no down: the up file alone.
    const alone = file('001_a', { downPath: undefined, checksum: checksum(['CREATE TABLE b (id int);\n']), sql: { up: 'CREATE TABLE b (id int);\n', directives: { replaces: [] } as never } });
    expect(unitState(module([alone]), history([row('001_a', checksum([up]))]), rel).problems[0]!.message).toMatch(/^modules\/m\/migrations\/001_a\.up\.sql changed after it was applied/);
  });

  it('flags a vanished applied migration and a pending one older than the last applied', () => {
    const s = unitState(module([file('001_a'), file('003_c')]), history([row('002_b'), row('003_c')]), rel);
    expect(s.problems.map((p) => p.code)).toEqual(['BH023', 'BH024']);
    expect(s.problems[1]!.message).toContain('001_a sorts before 003_c');
  });

  it('many vanished at once are one problem in text (each in --json); an empty folder is said as such', () => {
    const rows = ['001_a', '002_b', '003_c', '004_d', '005_e'].map((id) => row(id));
    const empty = unitState(module([]), history(rows), rel);
    expect(empty.problems).toHaveLength(5);
    expect(groupAlike(empty.problems, { text: true }).map((p) => [p.code, p.message, p.fix])).toEqual([
      [
        'BH023',
        '5 applied migrations (001_a, 002_b, 003_c, …, 005_e) are gone from modules/m/migrations, which holds no migration at all',
        expect.stringContaining('check it out (a git submodule, a sparse checkout?), or point "migrations" in'),
      ],
    ]);
    expect(groupAlike(empty.problems)).toHaveLength(5);
    const some = unitState(module([file('006_f')]), history(rows.slice(0, 2)), rel);
    expect(groupAlike(some.problems, { text: true }).map((p) => p.message)).toEqual(['2 applied migrations (001_a, 002_b) are gone from modules/m/migrations']);
    const files = ['001_a', '002_b', '003_c'].map((id) => file(id));
    const edited = unitState(module(files), history(files.map((f) => row(f.id, 'before'))), rel);
    expect(groupAlike(edited.problems, { text: true }).map((p) => [p.code, p.message])).toEqual([['BH022', "3 applied migrations changed after they were applied (001_a, 002_b, 003_c): their checksums differ from m's history"]]);
  });
});

describe('a squashed migration (-- bulkhead:replaces)', () => {
  const squashed = file('002_squashed', {
    sql: { up: '', directives: { noTransaction: false, requires: [], allow: [], replaces: ['001_a', '002_b'], unknown: [] } },
  });

  it('stands for the applied migrations it replaced: one row in their place, to be written', () => {
    const s = unitState(module([squashed, file('003_c')]), history([row('001_a'), row('002_b')]), rel);
    expect(s.problems).toEqual([]);
    expect(s.applied.map((a) => [a.row.id, a.row.kind, a.row.replaced])).toEqual([['002_squashed', 'squash', ['001_a', '002_b']]]);
    expect(s.pending.map((m) => m.id)).toEqual(['003_c']);
  });

  it('is pending on a database that applied none of them, and applied once its own row exists', () => {
    expect(unitState(module([squashed]), history([]), rel).pending.map((m) => m.id)).toEqual(['002_squashed']);
    const own = unitState(module([squashed]), history([row('002_squashed')]), rel);
    expect([own.pending, own.problems, own.applied[0]!.row.replaced]).toEqual([[], [], undefined]);
  });

  it('refuses a database that applied only some of them, and a replaced file left in the folder', () => {
    const half = unitState(module([squashed]), history([row('001_a')]), rel);
    expect(half.problems.map((p) => [p.code, p.message])).toEqual([['BH055', '002_squashed replaces 2 migrations, but m has applied only 1 of them (not: 002_b)']]);
    const both = unitState(module([file('001_a'), squashed]), history([]), rel);
    expect(both.problems.map((p) => p.code)).toEqual(['BH055']);
    expect(both.problems[0]!.fix).toContain('.archive/002_squashed/');
  });
});

describe('selectUp', () => {
  const m = module([file('001_a'), file('002_b'), file('003_c')]);
  it('runs pending up to --to, by id or version', () => {
    const s = unitState(m, history([row('001_a')]), rel);
    expect(selectUp(m, s, undefined, rel).run.map((x) => x.id)).toEqual(['002_b', '003_c']);
    expect(selectUp(m, s, '002_b', rel).run.map((x) => x.id)).toEqual(['002_b']);
    expect(selectUp(m, s, '002', rel).run.map((x) => x.id)).toEqual(['002_b']);
    expect(selectUp(m, s, '999', rel).problems[0]!.code).toBe('BH026');
  });
});

describe('selectDown', () => {
  const m = module([file('001_a'), file('002_b'), file('003_c', { downPath: undefined })]);
  const s = unitState(m, history([row('001_a'), row('002_b')]), rel);
  it('reverts one step by default, newest first', () => {
    expect(selectDown(m, s, {}, rel).run.map((x) => x.id)).toEqual(['002_b']);
    expect(selectDown(m, s, { steps: 5 }, rel).run.map((x) => x.id)).toEqual(['002_b', '001_a']);
    expect(selectDown(m, s, { all: true }, rel).run.map((x) => x.id)).toEqual(['002_b', '001_a']);
  });
  it('--to keeps the target applied', () => {
    expect(selectDown(m, s, { to: '001_a' }, rel).run.map((x) => x.id)).toEqual(['002_b']);
    expect(selectDown(m, s, { to: '003_c' }, rel).problems[0]!.code).toBe('BH026');
  });
  it('--to 0 or base (other tools\' "before the first") is pointed at --all', () => {
    for (const to of ['0', 'base']) expect(selectDown(m, s, { to }, rel).problems[0]).toMatchObject({ code: 'BH026', fix: 'to revert every migration: bulkhead down m --all' });
    expect(selectDown(m, s, { to: '9' }, rel).problems[0]!.fix).toContain('bulkhead status m lists what is applied');
  });
  it('refuses a migration without a down', () => {
    const s3 = unitState(m, history([row('001_a'), row('002_b'), row('003_c')]), rel);
    expect(selectDown(m, s3, {}, rel).problems[0]).toMatchObject({ code: 'BH028', file: 'modules/m/migrations/003_c.up.sql' });
    // A set that never wrote downs: one problem per migration in --json, one in text.
    const none = module(['001_a', '002_b', '003_c'].map((id) => file(id, { downPath: undefined })));
    const all = selectDown(none, unitState(none, history([row('001_a'), row('002_b'), row('003_c')]), rel), { all: true }, rel).problems;
    expect(all.map((p) => p.code)).toEqual(['BH028', 'BH028', 'BH028']);
    expect(groupAlike(all, { text: true }).map((p) => [p.file, p.message])).toEqual([['modules/m/migrations', 'cannot revert 3 migrations, which have no down file (003_c, 002_b, 001_a)']]);
  });
});

describe('a no-transaction migration left midway (BH035)', () => {
  const progress = (o: Partial<ProgressRow> = {}): ProgressRow => ({
    id: '002_idx',
    direction: 'up',
    checksum: 'sum-002_idx',
    statements_total: 3,
    statements_done: 1,
    done_digest: 'd',
    failed_statement: null,
    error: null,
    run_id: 'run-1',
    runner: 'bulkhead up',
    started_at: new Date('2026-01-01T00:00:00Z'),
    updated_at: new Date('2026-01-01T00:00:01Z'),
    ...o,
  });
  const idx = file('002_idx', { sql: { up: 'CREATE INDEX CONCURRENTLY items_name_idx ON items (name);', directives: { noTransaction: true, requires: [], allow: [], replaces: [], unknown: [] } } });

  it('says how far it got, which statement was in flight, names INVALID indexes it built, and how to continue', () => {
    const s = unitState(module([file('001_a'), idx]), { layout: 2, rows: [row('001_a')], progress: [progress()] }, rel, {
      invalidIndexes: ['public.items_name_idx', 'other.unrelated_idx'],
    });
    expect(s.pending.map((m) => m.id)).toEqual(['002_idx']);
    expect(s.problems).toHaveLength(1);
    const p = s.problems[0]!;
    expect(p).toMatchObject({ code: 'BH035', module: 'm', file: 'modules/m/migrations/002_idx.up.sql' });
    expect(p.message).toContain('1 of 3 statements completed; statement 2 was running when the run was interrupted');
    expect(p.message).toContain('INVALID index left in the database: public.items_name_idx');
    expect(p.message).not.toContain('unrelated_idx');
    expect(p.fix).toContain('DROP INDEX CONCURRENTLY public.items_name_idx;');
    expect(p.fix).toContain('bulkhead up m --resume');
  });

  it('names a failed statement and its error; TS migrations say the progress is not known', () => {
    const failed = unitState(module([idx]), { layout: 2, rows: [], progress: [progress({ failed_statement: 2, error: 'boom' })] }, rel);
    expect(failed.problems[0]!.message).toContain('statement 2 failed: boom');
    const ts = unitState(module([file('002_idx', { format: 'js', upPath: '/ws/modules/m/migrations/002_idx.ts' })]), { layout: 2, rows: [], progress: [progress({ statements_total: null })] }, rel);
    expect(ts.problems[0]!.message).toContain('how far it got is not known');
    expect(ts.problems[0]!.fix).toContain('run it again from the start');
  });

  it('is not a problem when resuming; a vanished file still is', () => {
    expect(unitState(module([idx]), { layout: 2, rows: [], progress: [progress()] }, rel, { resume: true }).problems).toEqual([]);
    const gone = unitState(module([]), { layout: 2, rows: [], progress: [progress()] }, rel, { resume: true });
    expect(gone.problems[0]).toMatchObject({ code: 'BH035', message: expect.stringContaining('its file is gone') });
  });
});

describe('--to that names no migration', () => {
  it('suggests ids of the same version, or containing what was given; down names a pending one as such', () => {
    expect(meantOf('090_add_dist_entity', ['089_x', '090_use_string_id_entity', '091_y'])).toBe('did you mean 090_use_string_id_entity? ');
    expect(meantOf('string_id', ['089_x', '090_use_string_id_entity'])).toBe('did you mean 090_use_string_id_entity? ');
    expect(meantOf('zzz', ['001_a'])).toBe('');
    const s = unitState(module([file('001_a'), file('002_b')]), history([row('001_a')]), rel);
    const down = selectDown(module([file('001_a'), file('002_b')]), s, { to: '002_b' }, rel);
    expect(down.problems.map((p) => [p.message, p.fix])).toEqual([
      ['--to 002_b: no applied migration with that id or version (002_b is pending: down --to names the applied migration to keep, and everything after it is reverted)', 'bulkhead status m lists what is applied'],
    ]);
  });
});
