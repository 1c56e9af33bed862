import { describe, expect, it } from 'vitest';
import type { Difference } from '../snapshot/diff.js';
import { datedIgnores, datedLine, datedPartitions } from './dated.js';

const table = (change: 'extra' | 'missing', name: string, partitionOf?: string, schema = 'public'): Difference => ({
  change,
  kind: 'table',
  schema,
  name,
  key: `table ${schema}.${name}`,
  [change === 'extra' ? 'actual' : 'expected']: partitionOf ? { partition_of: partitionOf } : {},
});
const on = (change: 'extra' | 'missing', kind: Difference['kind'], tableName: string, name: string): Difference => ({ change, kind, schema: 'public', table: tableName, name, key: `${kind} public.${tableName}.${name}` });

describe('datedPartitions', () => {
  it('tells partitions named by date per family, with what lives on them, and leaves the rest (hatchet: made for the day the migrations ran)', () => {
    const diffs = [
      table('extra', 'v1_dag_20261207', 'public.v1_dag'),
      on('extra', 'index', 'v1_dag_20261207', 'v1_dag_20261207_pkey'),
      table('missing', 'v1_dag_20261208', 'public.v1_dag'),
      on('missing', 'constraint', 'v1_dag_20261208', 'v1_dag_20261208_pkey'),
      table('extra', 'events_2026_12', 'public.events'),
      // Partitions made in another order: an index auto-named _idx1 on a partition both sides have.
      on('extra', 'index', 'v1_dag_20261209', 'v1_dag_20261209_tenant_idx1'),
      // Not by date: a partition by list, a table named with a number, a date-named table that is no partition.
      table('extra', 'orders_eu', 'public.orders'),
      table('extra', 'audit_2026'),
      table('missing', 'backup_20260101'),
      on('missing', 'column', 'users', 'email'),
    ];
    const { families, rest } = datedPartitions(diffs);
    expect(families).toEqual([
      { family: 'v1_dag_*', here: ['v1_dag_20261207'], replayed: ['v1_dag_20261208'], carried: 3, ignore: 'table:v1_dag_2*' },
      { family: 'events_*', here: ['events_2026_12'], replayed: [], carried: 0, ignore: 'table:events_2*' },
    ]);
    expect(rest.map((d) => d.name)).toEqual(['orders_eu', 'audit_2026', 'backup_20260101', 'email']);
    expect(datedLine(families[0]!)).toBe('v1_dag_*: partitions named by date — v1_dag_20261207 here only; v1_dag_20261208 from the replay only (with their 3 keys, indexes and columns)');
  });

  it('names a schema other than the default, and gives one --ignore for many families', () => {
    const { families } = datedPartitions([table('extra', 'log_2026w49', 'audit.log', 'audit')]);
    expect(families[0]).toMatchObject({ family: 'audit.log_*', ignore: 'table:audit.log_2*' });
    const many = datedPartitions(['v1_a', 'v1_b', 'v1_c', 'v1_d'].map((p) => table('extra', `${p}_20261207`, `public.${p}`))).families;
    expect(datedIgnores(many)).toEqual(['table:v1_*_2*']);
    expect(datedIgnores(many.slice(0, 2))).toEqual(['table:v1_a_2*', 'table:v1_b_2*']);
  });
});
