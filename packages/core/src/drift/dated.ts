import type { Difference } from '../snapshot/diff.js';
import { sqlName } from '../text.js';

/**
 * Partitions named by a date (`v1_dag_20261207`, `events_2026_12`, `logs_p2026w49`) that differ
 * between the live database and the replay: made for the day something ran — a migration calling
 * now() (hatchet's create_v1_range_partition), the application, pg_partman — so a database
 * migrated yesterday has yesterday's and the replay today's. Not drift of the schema a migration
 * wrote: drift tells them per family in one line instead of a line per partition and each of its
 * keys and indexes, with the --ignore that leaves them out.
 */
export interface DatedPartitions {
  /** The names' common part, the date replaced by `*` (`v1_dag_*`). */
  family: string;
  /** Partitions only the live database has, and only the replay. */
  here: string[];
  replayed: string[];
  /** What they carry along, counted: their keys, indexes, columns, triggers. */
  carried: number;
  /** The --ignore pattern that leaves the family out. */
  ignore: string;
}

/** A date in a name: 2026_12_07, 20261207, 2026-12, 2026w49 (a year 19xx or 20xx, then a month or a week). */
const DATE = /(?<!\d)(?:19|20)\d{2}(?:[_-]?(?:0[1-9]|1[0-2])(?:[_-]?(?:0[1-9]|[12]\d|3[01]))?|[_-]?w(?:0[1-9]|[1-4]\d|5[0-3]))(?!\d)/i;

/** The dated partitions among drift's differences, by family, and the rest. */
export function datedPartitions(diffs: readonly Difference[], defaultSchema = 'public'): { families: DatedPartitions[]; rest: Difference[] } {
  const partitions = diffs.filter((d) => d.kind === 'table' && d.change !== 'changed' && typeof (d.change === 'missing' ? d.expected : d.actual)?.partition_of === 'string' && DATE.test(d.name));
  if (!partitions.length) return { families: [], rest: [...diffs] };
  const key = (schema: string, name: string) => `${schema}.${name}`;
  const family = new Map<string, DatedPartitions>();
  const of = new Map<string, DatedPartitions>();
  for (const d of partitions) {
    const m = DATE.exec(d.name)!;
    const prefix = d.name.slice(0, m.index);
    const schema = d.schema === defaultSchema ? '' : `${sqlName(d.schema)}.`;
    const name = `${schema}${prefix}*`;
    const f = family.get(name) ?? { family: name, here: [], replayed: [], carried: 0, ignore: `table:${d.schema === defaultSchema ? '' : `${d.schema}.`}${prefix}${m[0]![0]}*` };
    family.set(name, f);
    (d.change === 'extra' ? f.here : f.replayed).push(d.name);
    of.set(key(d.schema, d.name), f);
  }
  // What lives on them, and on a dated partition of a family both sides have (an index auto-named
  // _idx on one day and _idx1 on another, as partitions made in another order get).
  const familyOf = (schema: string, table: string) => {
    const m = DATE.exec(table);
    return of.get(key(schema, table)) ?? (m ? family.get(`${schema === defaultSchema ? '' : `${sqlName(schema)}.`}${table.slice(0, m.index)}*`) : undefined);
  };
  const rest: Difference[] = [];
  for (const d of diffs) {
    if (partitions.includes(d)) continue;
    const f = d.table !== undefined ? familyOf(d.schema, d.table) : undefined;
    if (f) f.carried++;
    else rest.push(d);
  }
  return { families: [...family.values()], rest };
}

/** The --ignore flags that leave the families out: each one's, or for many one pattern over them all. */
export function datedIgnores(families: readonly DatedPartitions[]): string[] {
  if (families.length <= 3) return families.map((f) => f.ignore);
  const patterns = families.map((f) => f.ignore);
  let common = patterns[0]!;
  for (const p of patterns) while (!p.startsWith(common)) common = common.slice(0, -1);
  // Up to the last separator the names share (table:v1_), then any name with a date after a separator.
  const shared = common.slice(0, Math.max(common.lastIndexOf('_'), common.lastIndexOf(':')) + 1);
  const year = new Set(patterns.map((p) => p.at(-2)));
  return [`${shared}*_${year.size === 1 ? [...year][0] : ''}*`];
}

/** What drift says of them once, in its text and its GitHub summary: why they differ, and the --ignore that leaves them out. */
export function datedNote(families: readonly DatedPartitions[]): string {
  return `partitions named by date are made for the day something runs (a migration calling now(), the application, pg_partman), so a database migrated another day has others: ${datedIgnores(families).map((g) => `--ignore '${g}'`).join(' ')} leaves them out`;
}

/** One line of drift's text for a family. */
export function datedLine(f: DatedPartitions): string {
  const list = (names: string[]) => (names.length > 3 ? `${names.slice(0, 3).join(', ')} and ${names.length - 3} more` : names.join(', '));
  const sides = [f.here.length ? `${list(f.here)} here only` : '', f.replayed.length ? `${list(f.replayed)} from the replay only` : ''].filter(Boolean).join('; ');
  return `${f.family}: partitions named by date — ${sides}${f.carried ? ` (with their ${f.carried} keys, indexes and columns)` : ''}`;
}
