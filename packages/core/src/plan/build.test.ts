import { describe, expect, it } from 'vitest';
import type { MigrationFile } from '../migrations/files.js';
import type { Prepared, Runnable } from '../runner/prepare.js';
import type { Module, Workspace } from '../workspace.js';
import { groupAlike } from '../errors.js';
import { parseDirectives } from '../migrations/directives.js';
import { buildPlan, parseKey, type UnitRead } from './build.js';
import { unitState } from './plan.js';
import { moduleUnit, tenantUnits } from './units.js';

const rel = (p: string) => p;
const file = (module: string, id: string): MigrationFile => ({
  id,
  version: id.split('_')[0]!,
  name: id,
  format: 'sql',
  upPath: `/ws/${module}/${id}.up.sql`,
  downPath: `/ws/${module}/${id}.down.sql`,
  checksum: `sum-${id}`,
});
const mod = (name: string, ids: string[], o: { dependsOn?: string[]; tenants?: string[] } = {}) =>
  ({
    name,
    file: `modules/${name}/bulkhead.json`,
    migrationsDir: `/ws/${name}`,
    migrations: ids.map((id) => file(name, id)),
    target: { kind: 'postgres', display: `postgres://h/${name}`, database: name },
    schema: 'public',
    history: { schema: 'public', table: `${name}_migrations` },
    manifest: { dependsOn: o.dependsOn ?? [], tenants: o.tenants ? { kind: 'schema', names: o.tenants } : undefined },
  }) as unknown as Module;

function setup(modules: Module[]) {
  const ws = { modules, byName: new Map(modules.map((m) => [m.name, m])), rel } as unknown as Workspace;
  const reads: UnitRead[] = modules.flatMap((m) =>
    (m.manifest.tenants ? tenantUnits(m, m.manifest.tenants.names!) : [moduleUnit(m)]).map((unit) => ({ unit, state: unitState(unit, undefined, rel), created: true })),
  );
  const parsed = new Map<string, Prepared>(
    modules.flatMap((m) =>
      m.migrations.flatMap((f) =>
        (['up', 'down'] as const).map((direction) => [
          parseKey(m.name, f.id, direction),
          { ok: true as const, runnable: { file: f, direction, transaction: true, requires: [], step: { format: 'sql', path: f.upPath, statements: [] } } as Runnable },
        ]),
      ),
    ),
  );
  return { ws, reads, parsed };
}

describe('buildPlan', () => {
  const admin = mod('admin', ['001_a']);
  const billing = mod('billing', ['001_b', '002_b'], { dependsOn: ['admin'], tenants: ['t1', 't2', 't3', 't4'] });

  it('is frozen, one unit per tenant, and every tenant waits for its dependencies', () => {
    const { ws, reads, parsed } = setup([admin, billing]);
    const plan = buildPlan({ ws, intent: { direction: 'up' }, reads, parsed });
    expect(Object.isFrozen(plan) && Object.isFrozen(plan.units) && Object.isFrozen(plan.units[0]) && Object.isFrozen(plan.units[0]!.steps)).toBe(true);
    expect(plan.units.map((u) => [u.unit.id, u.steps.map((s) => s.file.id)])).toEqual([
      ['admin', ['001_a']],
      ['billing@t1', ['001_b', '002_b']],
      ['billing@t2', ['001_b', '002_b']],
      ['billing@t3', ['001_b', '002_b']],
      ['billing@t4', ['001_b', '002_b']],
    ]);
    expect(plan.waitsFor.get('billing@t3')).toEqual(['admin']);
    expect(plan.units[2]!.unit.history).toEqual({ schema: 't2', table: 'billing_migrations' });
    expect(plan.problems).toEqual([]);
  });

  it('canaries: the first N tenants go first, the others wait for them', () => {
    const { ws, reads, parsed } = setup([admin, billing]);
    const plan = buildPlan({ ws, intent: { direction: 'up' }, reads, parsed, canary: 2 });
    expect(plan.units.filter((u) => u.canary).map((u) => u.unit.id)).toEqual(['billing@t1', 'billing@t2']);
    expect(plan.waitsFor.get('billing@t1')).toEqual(['admin']);
    expect(plan.waitsFor.get('billing@t4')).toEqual(['admin', 'billing@t1', 'billing@t2']);
  });

  it('down is the mirror: dependents first, tenants in listed order, newest migration first', () => {
    const { ws, reads, parsed } = setup([admin, billing]);
    const applied = reads.map((r) => ({
      ...r,
      state: unitState(r.unit, { layout: 2, progress: [], rows: r.unit.module.migrations.map((f) => ({ id: f.id, name: f.name, checksum: f.checksum, applied_at: new Date(0), duration_ms: 1, applied_by: 'x', run_id: 'r', bulkhead_version: '0' })) }, rel),
    }));
    const up = buildPlan({ ws, intent: { direction: 'up' }, reads, parsed });
    const down = buildPlan({ ws, intent: { direction: 'down', all: true }, reads: applied, parsed });
    expect(down.units.map((u) => u.unit.id)).toEqual(['billing@t1', 'billing@t2', 'billing@t3', 'billing@t4', 'admin']);
    expect(down.units[0]!.steps.map((s) => [s.file.id, s.direction])).toEqual([
      ['002_b', 'down'],
      ['001_b', 'down'],
    ]);
    // Symmetry: each unit reverts exactly what up applies, in reverse.
    for (const u of up.units) expect(down.units.find((d) => d.unit.id === u.unit.id)!.steps.map((s) => s.file.id)).toEqual(u.steps.map((s) => s.file.id).reverse());
    expect(down.waitsFor.get('admin')).toEqual(['billing@t1', 'billing@t2', 'billing@t3', 'billing@t4']);
    expect(down.waitsFor.get('billing@t1')).toEqual([]);
  });

  it('refuses a down without statements whose up changes the schema; a data change, IF NOT EXISTS or a new enum label needs none', () => {
    const shop = mod('shop', ['001_t', '002_c', '003_d', '004_u', '005_e', '006_f']);
    const up: Record<string, string> = {
      '001_t': 'CREATE TABLE t (id int);',
      '002_c': '-- a column\nALTER TABLE t ADD COLUMN c int;',
      '003_d': 'UPDATE t SET c = 1;',
      '004_u': 'CREATE TABLE IF NOT EXISTS u (id int);',
      '005_e': "ALTER TYPE e ADD VALUE 'x';",
      '006_f': 'CREATE OR REPLACE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;',
    };
    for (const f of shop.migrations) Object.assign(f, { sql: { up: up[f.id], down: '', directives: parseDirectives(up[f.id]!), downDirectives: parseDirectives('') } });
    const { ws, reads } = setup([shop]);
    const applied = reads.map((r) => ({
      ...r,
      state: unitState(r.unit, { layout: 2, progress: [], rows: shop.migrations.map((f) => ({ id: f.id, name: f.name, checksum: f.checksum, applied_at: new Date(0), duration_ms: 1, applied_by: 'x', run_id: 'r', bulkhead_version: '0' })) }, rel),
    }));
    // 001_t's down drops its table; the others' have no statements.
    const parsed = new Map<string, Prepared>(
      shop.migrations.map((f) => [
        parseKey('shop', f.id, 'down'),
        { ok: true, runnable: { file: f, direction: 'down', transaction: true, requires: [], step: { format: 'sql', path: f.downPath!, statements: f.id === '001_t' ? [{} as never] : [] } } as Runnable },
      ]),
    );
    const t = (action: 'create' | 'alter' | 'write', kind: 'table' | 'column' | 'type' | 'function', name: string, line: number, table?: string) => ({ action, kind, name, line, column: 1, ...(table ? { table: { name: table } } : {}) });
    const upChanges = new Map([
      ['shop\u0000001_t', [t('create', 'table', 't', 1)]],
      ['shop\u0000002_c', [t('alter', 'table', 't', 2), t('create', 'column', 'c', 2, 't')]],
      ['shop\u0000004_u', [t('create', 'table', 'u', 1)]],
      ['shop\u0000005_e', [t('alter', 'type', 'e', 1)]],
      ['shop\u0000006_f', [t('create', 'function', 'f', 1)]],
    ]);
    const creates = { functions: new Map(), roles: new Set<string>(), otherToolTables: new Map(), upChanges, defects: new Map() } as never;
    const down = buildPlan({ ws, intent: { direction: 'down', all: true }, reads: applied, parsed, creates });
    expect(down.problems.map((p) => [p.code, p.file, p.message])).toEqual([
      ['BH028', '/ws/shop/002_c.down.sql', 'cannot revert 002_c: its down (002_c.down.sql) has no statements, and its up creates column t.c (line 2)'],
    ]);
    expect(down.problems[0]!.fix).toContain('write in 002_c.down.sql what undoes its up');
    // Without the analysis (a caller that has none), nothing is refused.
    expect(buildPlan({ ws, intent: { direction: 'down', all: true }, reads: applied, parsed }).problems).toEqual([]);

    // No down file at all: an empty one is offered only where it would pass (fider's migrations
    // have none; "add an empty file" led to the refusal above). An up that creates OR REPLACE is
    // told what to drop (an empty down would pass, and leave it: convoy's 1705562731).
    const bare = applied.map((r) => ({ ...r, state: { ...r.state, applied: r.state.applied.map((a) => ({ ...a, file: a.file && { ...a.file, downPath: undefined } })) } }));
    const noFile = buildPlan({ ws, intent: { direction: 'down', steps: 4 }, reads: bare, parsed, creates });
    expect(noFile.problems.map((p) => [p.message, p.fix])).toEqual([
      ['cannot revert 006_f: it has no 006_f.down.sql', 'add 006_f.down.sql that drops what its up creates OR REPLACE — function f (line 1) — or, where an earlier migration defined one, puts that definition back; or revert with a new forward migration'],
      ['cannot revert 005_e: it has no 005_e.down.sql', 'add 005_e.down.sql (an empty file if there is nothing to undo), or revert with a new forward migration'],
      ['cannot revert 004_u: it has no 004_u.down.sql', 'add 004_u.down.sql (an empty file if there is nothing to undo), or revert with a new forward migration'],
      ['cannot revert 003_d: it has no 003_d.down.sql', 'add 003_d.down.sql (an empty file if there is nothing to undo), or revert with a new forward migration'],
    ]);
    const oneFile = buildPlan({ ws, intent: { direction: 'down', to: '001_t' }, reads: bare.map((r) => ({ ...r, state: { ...r.state, applied: r.state.applied.slice(0, 2) } })), parsed, creates });
    expect(oneFile.problems.map((p) => p.fix)).toEqual(['add 002_c.down.sql with what undoes its up, which creates column t.c (line 2); or revert with a new forward migration']);

    // A module's tenants, and several migrations: one problem in text, each in --json.
    const tenanted = mod('shop', ['001_t', '002_c'], { tenants: ['t1', 't2'] });
    for (const f of tenanted.migrations) Object.assign(f, { sql: { up: up[f.id], down: '', directives: parseDirectives(up[f.id]!), downDirectives: parseDirectives('') } });
    const both = setup([tenanted]);
    const appliedBoth = both.reads.map((r) => ({
      ...r,
      state: unitState(r.unit, { layout: 2, progress: [], rows: tenanted.migrations.map((f) => ({ id: f.id, name: f.name, checksum: f.checksum, applied_at: new Date(0), duration_ms: 1, applied_by: 'x', run_id: 'r', bulkhead_version: '0' })) }, rel),
    }));
    const emptyParsed = new Map<string, Prepared>(
      tenanted.migrations.map((f) => [parseKey('shop', f.id, 'down'), { ok: true, runnable: { file: f, direction: 'down', transaction: true, requires: [], step: { format: 'sql', path: f.downPath!, statements: [] } } as Runnable }]),
    );
    const all = buildPlan({ ws: both.ws, intent: { direction: 'down', all: true }, reads: appliedBoth, parsed: emptyParsed, creates });
    expect(all.problems).toHaveLength(4);
    expect(groupAlike(all.problems, { text: true }).map((p) => [p.module, p.message])).toEqual([
      ['shop@{t1, t2}', 'cannot revert 2 migrations whose downs do nothing while their ups change the schema (002_c, 001_t), in 2 tenants'],
    ]);
  });

  it('reports each problem once, however many tenants share the file', () => {
    const { ws, reads, parsed } = setup([admin, billing]);
    const broken = new Map<string, Prepared>(parsed);
    broken.set(parseKey('billing', '002_b', 'up'), { ok: false as const, problems: [{ code: 'BH033', message: 'SQL does not parse', module: 'billing', file: '002_b.up.sql' }] });
    const plan = buildPlan({ ws, intent: { direction: 'up' }, reads, parsed: broken });
    expect(plan.problems.map((p) => p.code)).toEqual(['BH033']);
    expect(plan.units[1]!.problems.map((p) => p.code)).toEqual(['BH033']);
  });
});
