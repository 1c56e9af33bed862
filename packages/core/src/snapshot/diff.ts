import type { Snapshot, SnapshotObject } from './read.js';
import { sqlName } from '../text.js';

/** One difference between what was expected and what is. Pure data, for text and JSON alike. */
export interface Difference {
  /** missing: expected, absent; extra: present, not expected; changed: both, different. */
  change: 'missing' | 'extra' | 'changed';
  key: string;
  kind: SnapshotObject['kind'];
  schema: string;
  table?: string;
  name: string;
  expected?: Record<string, unknown>;
  actual?: Record<string, unknown>;
  /** For `changed`: the fields that differ. */
  fields?: string[];
}

/** Object by object: what `actual` lacks, has in addition, or has otherwise. Sorted by key. */
export function diffSnapshots(expected: Snapshot, actual: Snapshot): Difference[] {
  const out: Difference[] = [];
  const keys = [...new Set([...Object.keys(expected.objects), ...Object.keys(actual.objects)])].sort();
  for (const key of keys) {
    const e = expected.objects[key];
    const a = actual.objects[key];
    const base = (o: SnapshotObject) => ({ key, kind: o.kind, schema: o.schema, name: o.name, ...(o.table !== undefined ? { table: o.table } : {}) });
    if (e && !a) out.push({ change: 'missing', ...base(e), expected: e.def });
    else if (a && !e) out.push({ change: 'extra', ...base(a), actual: a.def });
    else if (e && a) {
      const fields = [...new Set([...Object.keys(e.def), ...Object.keys(a.def)])].filter((f) => JSON.stringify(e.def[f]) !== JSON.stringify(a.def[f]) && !layoutOnly(e.kind, f, e.def[f], a.def[f])).sort();
      if (fields.length) out.push({ change: 'changed', ...base(e), expected: e.def, actual: a.def, fields });
    }
  }
  return out;
}

/** Kinds whose definition holds a body as it was written (the server keeps a routine's source as sent). */
const WRITTEN_BODIES: ReadonlySet<SnapshotObject['kind']> = new Set(['function', 'procedure', 'aggregate']);

/**
 * Whether two definitions of a routine differ only in layout: line breaks and indentation
 * (crates.io's downs make functions again as their ups wrote them, indented otherwise). A string
 * literal differing only in its spaces reads as the same: layout is far the likelier change.
 */
function layoutOnly(kind: SnapshotObject['kind'], field: string, before: unknown, after: unknown): boolean {
  return field === 'definition' && WRITTEN_BODIES.has(kind) && typeof before === 'string' && typeof after === 'string' && oneLine(before) === oneLine(after);
}

/** A one-line summary of an object's definition, as SQL reads (`integer NOT NULL DEFAULT 5`). */
export function summarise(kind: SnapshotObject['kind'], def: Record<string, unknown> = {}): string {
  switch (kind) {
    case 'column':
      return [
        def.type,
        def.not_null ? 'NOT NULL' : '',
        // A generated column's expression is where a default is kept (pg_attrdef).
        def.default !== undefined && !def.generated ? `DEFAULT ${def.default}` : '',
        def.identity ? `GENERATED ${String(def.identity).toUpperCase()} AS IDENTITY` : '',
        def.generated ? `GENERATED ALWAYS AS (${def.default ?? '…'}) ${String(def.generated).toUpperCase()}` : '',
        def.collation ? `COLLATE "${def.collation}"` : '',
      ]
        .filter(Boolean)
        .join(' ');
    case 'enum':
      return (def.labels as string[] | undefined)?.map((l) => `'${l}'`).join(', ') ?? '';
    case 'index':
      return `${def.definition ?? ''}${def.invalid ? ' (INVALID)' : ''}`;
    case 'constraint':
    case 'trigger':
    case 'rule':
    case 'statistics':
      return String(def.definition ?? '');
    case 'default privileges':
      return ((def.acl as string[] | undefined) ?? []).join(', ');
    case 'domain':
      return [def.base, def.not_null ? 'NOT NULL' : '', def.default !== undefined ? `DEFAULT ${def.default}` : ''].filter(Boolean).join(' ');
    case 'sequence':
      return [def.type, def.owned_by ? `owned by ${def.owned_by}` : ''].filter(Boolean).join(', ');
    default:
      return '';
  }
}

/** One field's change, as SQL says it where it can: `NOT NULL → nullable`, `default 5 → none`. */
function change(field: string, before: unknown, after: unknown): string {
  if (field === 'not_null') return `${before ? 'NOT NULL' : 'nullable'} → ${after ? 'NOT NULL' : 'nullable'}`;
  if (field === 'default') return `default ${before ?? 'none'} → ${after ?? 'none'}`;
  // Long lists (a text search configuration's mapping, a publication's tables): what was added or removed.
  if (Array.isArray(before) && Array.isArray(after) && Math.max(before.length, after.length) > 3) {
    const added = after.filter((x) => !before.includes(x));
    const removed = before.filter((x) => !after.includes(x));
    const parts = [removed.length ? `${removed.join(', ')} missing` : '', added.length ? `${added.join(', ')} added` : ''].filter(Boolean);
    return `${field}: ${parts.length ? parts.join('; ') : 'reordered'}`;
  }
  if (typeof before === 'string' && typeof after === 'string' && (/\s\s|\n/.test(before + after) || before.length + after.length > 160)) {
    const [b, a] = around(oneLine(before), oneLine(after));
    return `${field} ${b} → ${a}`;
  }
  return `${field} ${value(field, before)} → ${value(field, after)}`;
}

function value(field: string, v: unknown): string {
  if (v === undefined) return '(none)';
  if (Array.isArray(v)) return `[${v.join(', ')}]`;
  if (typeof v === 'string') return field === 'definition' && v.length > 120 ? `${oneLine(v).slice(0, 117)}…` : v;
  return JSON.stringify(v);
}

/** A definition on one line: the catalog's line breaks and indentation as single spaces. */
function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/**
 * Two long texts shown where they differ: what they share at the start and the end is cut to a
 * little context (`…AS $function$SELECT 1$function$` → `…AS $function$SELECT 2$function$`), so that
 * a function's changed line is not cut off after its first 120 characters.
 */
function around(before: string, after: string, context = 30, room = 160): [string, string] {
  if (before.length + after.length <= room) return [before, after];
  let start = 0;
  while (start < before.length && start < after.length && before[start] === after[start]) start++;
  let end = 0;
  while (end < before.length - start && end < after.length - start && before[before.length - 1 - end] === after[after.length - 1 - end]) end++;
  const cut = (text: string) => {
    // From a word's start (the last blank before the context begins).
    const from = start - context <= 0 ? 0 : text.lastIndexOf(' ', start - context) + 1;
    const to = Math.min(text.length, text.length - end + context);
    let middle = text.slice(from, to);
    if (middle.length > room / 2) middle = `${middle.slice(0, room / 2 - 1)}…`;
    return `${from > 0 ? '…' : ''}${middle}${to < text.length && !middle.endsWith('…') ? '…' : ''}`;
  };
  return [cut(before), cut(after)];
}

/** Kinds whose name is a signature (`f(integer)`, `+(money,money)`, `(text AS citext)`), not an identifier. */
const SIGNED = new Set(['function', 'procedure', 'aggregate', 'operator', 'cast']);

/**
 * The difference as one line, the object named by table when it has one:
 * `accounts.max_reports: column missing (integer NOT NULL DEFAULT 5)`. Names in `defaultSchema`
 * are printed without it.
 */
export function describeDifference(d: Difference, defaultSchema = 'public'): string {
  // Names as SQL writes them ("User".id); a routine's, an operator's or a cast's name is its signature.
  const name = SIGNED.has(d.kind) ? d.name : sqlName(d.name);
  const schema = d.schema === defaultSchema || d.schema === '' ? '' : `${sqlName(d.schema)}.`;
  const where = d.table !== undefined ? `${schema}${sqlName(d.table)}.${name}` : `${schema}${name}`;
  const label =
    d.kind === 'schema' ? `schema ${name}` : d.kind === 'default privileges' ? `default privileges ${d.name}${d.schema ? ` in schema ${sqlName(d.schema)}` : ''}:` : `${where}: ${d.kind}`;
  if (d.change === 'changed') {
    // An enum's labels: name what was added or removed.
    if (d.kind === 'enum' && d.fields?.length === 1 && d.fields[0] === 'labels') {
      const before = (d.expected?.labels as string[] | undefined) ?? [];
      const after = (d.actual?.labels as string[] | undefined) ?? [];
      const added = after.filter((l) => !before.includes(l));
      const removed = before.filter((l) => !after.includes(l));
      const parts = [added.length ? `label${added.length > 1 ? 's' : ''} ${added.map((l) => `'${l}'`).join(', ')} added` : '', removed.length ? `label${removed.length > 1 ? 's' : ''} ${removed.map((l) => `'${l}'`).join(', ')} missing` : ''].filter(Boolean);
      // The lists where they are short; a long enum's (hatchet's 20-label StepRunEventReason) would bury what changed.
      const lists = !parts.length || Math.max(before.length, after.length) <= 6 ? ` (${before.map((l) => `'${l}'`).join(', ')} → ${after.map((l) => `'${l}'`).join(', ')})` : '';
      return `${label} ${parts.length ? parts.join(', ') : 'labels reordered'}${lists}`;
    }
    if (d.kind === 'index' && d.fields?.length === 1 && d.fields[0] === 'invalid') return `${label} ${d.actual?.invalid ? 'is INVALID (an interrupted CREATE INDEX CONCURRENTLY?)' : 'is valid where an invalid one was expected'}`;
    const fields = (d.fields ?? []).map((f) => change(f, d.expected?.[f], d.actual?.[f]));
    return `${label} differs: ${fields.join('; ')}`;
  }
  const summary = summarise(d.kind, d.change === 'missing' ? d.expected : d.actual);
  return `${label} ${d.change}${summary ? ` (${summary})` : ''}`;
}

/** Differences as text, grouped by table (then the objects that belong to none), one line each. */
export function diffText(diffs: readonly Difference[], defaultSchema = 'public'): string[] {
  // A table missing or extra as a whole is one line, with its columns; its parts are not listed again.
  const RELATIONS = new Set(['table', 'view', 'materialized view', 'foreign table', 'composite type']);
  const whole = new Map<string, Difference>();
  for (const d of diffs) if (RELATIONS.has(d.kind) && d.change !== 'changed') whole.set(`${d.change} ${d.schema}.${d.name}`, d);
  const columns = new Map<string, string[]>();
  const kept: Difference[] = [];
  for (const d of diffs) {
    const parent = d.table !== undefined ? whole.get(`${d.change} ${d.schema}.${d.table}`) : undefined;
    if (!parent) {
      kept.push(d);
      continue;
    }
    if (d.kind === 'column') (columns.get(parent.key) ?? columns.set(parent.key, []).get(parent.key)!).push(`${d.name} ${summarise('column', d.change === 'missing' ? d.expected : d.actual)}`);
  }
  // One object missing from the schema the migrations build it in and extra in another is one
  // line: it was made with another search path (a migration's unqualified CREATE run before the
  // module's database.schema was set).
  const moved = new Map<Difference, Difference>();
  const same = (d: Difference) => `${d.kind}\u0000${d.table ?? ''}\u0000${d.name}`;
  const extras = new Map<string, Difference[]>();
  for (const d of kept) if (d.change === 'extra' && d.kind !== 'schema') (extras.get(same(d)) ?? extras.set(same(d), []).get(same(d))!).push(d);
  for (const d of kept) {
    if (d.change !== 'missing' || d.kind === 'schema') continue;
    const list = extras.get(same(d));
    const i = list?.findIndex((a) => a.schema !== d.schema) ?? -1;
    if (i >= 0) moved.set(d, list!.splice(i, 1)[0]!);
  }
  const elsewhere = new Set(moved.values());
  const groups = new Map<string, Difference[]>();
  for (const d of kept.filter((x) => !elsewhere.has(x))) {
    const group = d.table !== undefined ? `${d.schema}.${d.table}` : d.kind === 'table' || d.kind === 'view' || d.kind === 'materialized view' ? `${d.schema}.${d.name}` : '';
    (groups.get(group) ?? groups.set(group, []).get(group)!).push(d);
  }
  const keys = [...groups.keys()].sort((a, b) => (a === '' ? 1 : b === '' ? -1 : a.localeCompare(b)));
  // Within a table: the table itself first, then its parts.
  const order = (d: Difference) => (d.table === undefined ? 0 : 1);
  return keys.flatMap((k) =>
    groups
      .get(k)!
      .sort((a, b) => order(a) - order(b) || a.key.localeCompare(b.key))
      .map((d) => {
        const there = moved.get(d);
        if (there) return `${d.table !== undefined ? `${d.table}.` : ''}${d.name}: ${d.kind} is in schema ${there.schema}, where the migrations build it in ${d.schema}`;
        return columns.has(d.key) ? `${describeDifference(d, defaultSchema)} (${columns.get(d.key)!.join(', ')})` : describeDifference(d, defaultSchema);
      }),
  );
}

/** The first `max` lines of a difference listing for a message, and how many more there are. */
export function firstLines(lines: readonly string[], max = 25): string[] {
  return lines.length > max ? [...lines.slice(0, max), `… and ${lines.length - max} more`] : [...lines];
}
