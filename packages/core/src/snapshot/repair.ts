import type { Difference } from './diff.js';
import { describeDifference } from './diff.js';
import type { Snapshot } from './read.js';
import { literal, regexLiteral, sqlName } from '../text.js';

/**
 * The statements that turn one database into another, from their differences (drift's `--sql`):
 * `undo` makes the live database what its migrations build again; `keep` is the same for the other
 * direction, the body of a new migration that keeps what was made outside them. Pure: the caller
 * prints them for a person to review, never runs them. What has no safe statement of its own (a
 * composite type, whose attributes' order the snapshot does not keep; an enum label to remove where
 * a routine or view uses the type; a table's owner) is named in `manual` instead.
 */
export interface RepairSql {
  statements: string[];
  /** What has no statement here: to be done by hand. */
  manual: string[];
  /** What a statement here may meet on a database with data (a NOT NULL column without a default). */
  cautions: string[];
}

/**
 * Drift's differences (expected = what the migrations build, actual = the live database) as both
 * ways of ending them; `live` and `built` are the two snapshots, which say what uses what (the
 * columns of an enum, the foreign keys on a column).
 */
export function driftRepair(diffs: readonly Difference[], o: { home?: string; live?: Snapshot; built?: Snapshot } = {}): { undo: RepairSql; keep: RepairSql } {
  const swapped = diffs.map((d): Difference => {
    const { expected, actual, ...rest } = d;
    return {
      ...rest,
      change: d.change === 'missing' ? 'extra' : d.change === 'extra' ? 'missing' : 'changed',
      ...(actual !== undefined ? { expected: actual } : {}),
      ...(expected !== undefined ? { actual: expected } : {}),
    };
  });
  return {
    undo: repairSql(diffs, o.live ? { on: o.live } : {}),
    keep: repairSql(swapped, { rerunnable: true, ...(o.home !== undefined ? { home: o.home } : {}), ...(o.built ? { on: o.built } : {}) }),
  };
}

/** What a person is to do beside the statements, as SQL comments: what has none, and what to mind. */
export function repairNotes(sql: RepairSql): string[] {
  return [...sql.manual.map((m) => `-- by hand: ${m}`), ...sql.cautions.map((c) => `-- mind: ${c}`)];
}

/** Statements on one line each and together, the first `n`, for a fix's text. */
export function statementsInLine(sql: readonly string[], n = 6): string {
  const shown = sql.slice(0, n).map((x) => x.replace(/\s*\n\s*/g, ' '));
  return `${shown.join(' ')}${sql.length > n ? ` … and ${sql.length - n} more (--json has them all)` : ''}`;
}

const GENERATED = 'a generated column: add it with its expression as the migration that creates it does';

/** A statement ending with one semicolon (a catalog definition may end with its own). */
const ended = (sql: string) => `${sql.replace(/;\s*$/, '')};`;

/** A name qualified by its schema, each part quoted as SQL needs it. */
const q = (schema: string, name: string) => `${sqlName(schema)}.${sqlName(name)}`;

const RELATION_DROP: Partial<Record<Difference['kind'], string>> = {
  table: 'TABLE',
  view: 'VIEW',
  'materialized view': 'MATERIALIZED VIEW',
  'foreign table': 'FOREIGN TABLE',
  sequence: 'SEQUENCE',
  enum: 'TYPE',
  domain: 'DOMAIN',
  'composite type': 'TYPE',
  'range type': 'TYPE',
  schema: 'SCHEMA',
  extension: 'EXTENSION',
};

/**
 * The statements that make a database with `actual` into one with `expected` (each difference
 * says what the target has: `missing` there is to be made, `extra` to be dropped), in an order
 * that runs: what depends on others is dropped first and made last.
 */
export function repairSql(given: readonly Difference[], o: { rerunnable?: boolean; home?: string; on?: Snapshot; renames?: readonly Rename[] } = {}): RepairSql {
  // Tables the SQL renamed are renamed back first; what lives on them is then compared under the
  // target's name (harbor's cve_whitelist → cve_allowlist: its columns, key, index, sequence).
  const { diffs: all, statements: renamedTables } = renameTablesBack(given, o.renames ?? []);
  // Privileges (GRANT/REVOKE) apart from the rest: an object whose grants alone differ is no other
  // change (supabase/storage's grants to anon, authenticated, service_role).
  const privileges: string[] = [];
  const diffs: Difference[] = [];
  for (const d of all) {
    const granted = grantStatements(d);
    if (!granted) {
      diffs.push(d);
      continue;
    }
    privileges.push(...granted);
    const fields = d.fields?.filter((f) => f !== 'acl');
    if (d.change === 'changed' && fields?.length) diffs.push({ ...d, fields });
    else if (d.change !== 'changed' && d.kind !== 'default privileges') diffs.push(d);
  }
  // A column renamed: one gone and one come on a table, defined alike (or as the SQL renamed it) —
  // renamed back, its data kept. What only the rename changed (a key or index naming the column)
  // is then no difference.
  const renames = renamedColumns(diffs, o.renames);
  for (const [from, to] of renames) {
    const swap = renamer(from.name, to.name);
    for (let i = diffs.length - 1; i >= 0; i--) {
      const d = diffs[i]!;
      const definition = d.actual?.definition;
      if (d.change !== 'changed' || d.schema !== from.schema || !(d.table === from.table || (typeof definition === 'string' && mentionsName(definition, from.table!)))) continue;
      const actual = swap(d.actual) as Record<string, unknown> | undefined;
      if ((d.fields ?? []).every((f) => sameValue(actual?.[f], d.expected?.[f]))) diffs.splice(i, 1);
    }
  }
  // Rerunnable (a migration that keeps the live state: it runs there too, changing nothing):
  // each statement checks first — IF [NOT] EXISTS, OR REPLACE, or a DO block for what has neither.
  const ifExists = o.rerunnable ? ' IF EXISTS' : '';
  const ifNotExists = o.rerunnable ? ' IF NOT EXISTS' : '';
  const once = (sql: string, exists: string) => (o.rerunnable ? `DO $bulkhead$ BEGIN IF NOT EXISTS (${exists}) THEN ${sql.replace(/;$/, '')}; END IF; END $bulkhead$;` : sql);
  const manual: string[] = [];
  const cautions: string[] = [];
  const by = (change: Difference['change'], ...kinds: Difference['kind'][]) => diffs.filter((d) => d.change === change && kinds.includes(d.kind));
  const tableKey = (d: Difference) => `${d.schema}.${d.table}`;
  const extraTables = new Set(by('extra', 'table', 'view', 'materialized view', 'foreign table').map((d) => `${d.schema}.${d.name}`));
  // A relation made whole brings its columns (a view's come with its query).
  const missingTables = new Set(by('missing', 'table', 'view', 'materialized view', 'foreign table').map((d) => `${d.schema}.${d.name}`));
  const onExtraTable = (d: Difference) => d.table !== undefined && extraTables.has(tableKey(d));
  const def = (d: Difference, side: 'expected' | 'actual') => (d[side] ?? {}) as Record<string, unknown>;
  const text = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const table = (d: Difference) => q(d.schema, d.table!);
  const drops: string[] = [];
  const makes: string[] = [];
  const later: string[] = [];
  const cannot = (d: Difference, why: string) => manual.push(`${describeDifference(d)}: ${why}`);

  // Dropped first: what lives on tables, then relations and columns (the rest last, below).
  const droppedConstraints = new Set<string>();
  // What is made again with another definition is dropped here too, before the columns it may
  // stand on (hatchet's EventKey_pkey moved to a new column, which the down drops).
  const remade = (d: Difference, ...also: string[]) => d.change === 'changed' && !!text(def(d, 'expected').definition) && !!d.fields?.every((f) => f === 'definition' || also.includes(f));
  // A policy whose command, roles or expressions differ is dropped and made again (its comment alone is set).
  const policyRemade = (d: Difference) => d.kind === 'policy' && d.change === 'changed' && (d.fields ?? []).some((f) => f !== 'comment');
  for (const d of [...by('extra', 'trigger', 'rule', 'policy'), ...by('changed', 'trigger', 'rule').filter((d) => remade(d)), ...by('changed', 'policy').filter(policyRemade)]) {
    if (!onExtraTable(d)) drops.push(`DROP ${d.kind.toUpperCase()}${ifExists} ${sqlName(d.name)} ON ${table(d)};`);
  }
  // Foreign keys before the keys they reference.
  const constraintOrder = (d: Difference) => (def(d, 'actual').type === 'foreign key' ? 0 : 1);
  for (const d of [...by('extra', 'constraint'), ...by('changed', 'constraint').filter((d) => remade(d))].sort((a, b) => constraintOrder(a) - constraintOrder(b))) {
    if (onExtraTable(d)) continue;
    droppedConstraints.add(`${d.schema}.${d.name}`);
    drops.push(`ALTER TABLE ${table(d)} DROP CONSTRAINT${ifExists} ${sqlName(d.name)};`);
  }
  // Foreign keys at either end of a column whose type changes back, the same on both sides (Prisma's
  // uuid → text of hatchet's Action.id and _ActionToWorker."A"): PostgreSQL checks the key at each
  // ALTER, so they are dropped first and made again after. Read from the database the statements run on.
  const rekeyed: string[] = [];
  const retyped = by('changed', 'column').filter((d) => d.fields?.includes('type'));
  for (const k of retyped.length && o.on ? Object.values(o.on.objects) : []) {
    const definition = text(k.def.definition);
    if (k.kind !== 'constraint' || k.def.type !== 'foreign key' || !definition || k.table === undefined) continue;
    if (droppedConstraints.has(`${k.schema}.${k.name}`) || diffs.some((d) => d.kind === 'constraint' && d.schema === k.schema && d.name === k.name)) continue;
    const fk = /^FOREIGN KEY \((.+?)\) REFERENCES (.+?)\((.+?)\)/.exec(definition);
    if (!fk) continue;
    const columns = (list: string) => list.split(',').map((c) => c.trim());
    const target = fk[2]!.includes('.') ? fk[2]! : `${sqlName(k.schema)}.${fk[2]}`;
    const touched = retyped.some(
      (c) => (c.schema === k.schema && c.table === k.table && columns(fk[1]!).includes(sqlName(c.name))) || (q(c.schema, c.table!) === target && columns(fk[3]!).includes(sqlName(c.name))),
    );
    if (!touched) continue;
    droppedConstraints.add(`${k.schema}.${k.name}`);
    drops.push(`ALTER TABLE ${q(k.schema, k.table)} DROP CONSTRAINT${ifExists} ${sqlName(k.name)};`);
    rekeyed.push(once(`ALTER TABLE ${q(k.schema, k.table)} ADD CONSTRAINT ${sqlName(k.name)} ${definition};`, `SELECT FROM pg_constraint WHERE conname = ${literal(k.name)} AND conrelid = ${literal(q(k.schema, k.table))}::regclass`));
  }
  for (const d of [...by('extra', 'index'), ...by('changed', 'index').filter((d) => remade(d, 'invalid'))]) {
    // A key's index goes with its constraint.
    if (!onExtraTable(d) && !droppedConstraints.has(`${d.schema}.${d.name}`)) drops.push(`DROP INDEX${ifExists} ${q(d.schema, d.name)};`);
  }
  // A routine taking or returning a relation's row type (hatchet's get_refill_value("RateLimit"))
  // goes before it; the others last, below.
  const extraRelations = by('extra', 'table', 'view', 'materialized view', 'foreign table');
  const onRelation = (d: Difference) => extraRelations.some((t) => mentionsName(`${d.name} ${text(def(d, 'actual').returns) ?? ''}`, t.name));
  const routines = by('extra', 'function', 'procedure', 'aggregate');
  const routine = (d: Difference) => `${d.kind.toUpperCase()} ${sqlName(d.schema)}.${routineName(d.name)}`;
  const dropRoutine = (d: Difference) => `DROP ${d.kind.toUpperCase()}${ifExists} ${sqlName(d.schema)}.${routineName(d.name)};`;
  const routineComment = (d: Difference) => `COMMENT ON ${routine(d)} IS ${commentValue(def(d, 'expected').comment)};`;
  drops.push(...routines.filter(onRelation).map(dropRoutine));
  // Views before the tables they read; the relations of a kind in one statement, which PostgreSQL
  // drops together whatever their foreign keys, views or partitions between them (a squashed
  // migration's forty tables).
  for (const kind of ['materialized view', 'view', 'foreign table', 'table'] as const) {
    const names = by('extra', kind).map((d) => q(d.schema, d.name));
    if (names.length) drops.push(`DROP ${RELATION_DROP[kind]}${ifExists} ${names.join(', ')};`);
  }
  const renamed = new Set([...renames].flatMap(([from, to]) => [from, to]));
  for (const [from, to] of renames) drops.push(`ALTER TABLE ${table(from)} RENAME COLUMN ${sqlName(from.name)} TO ${sqlName(to.name)};`);
  for (const d of by('extra', 'column')) if (!onExtraTable(d) && !renamed.has(d)) drops.push(`ALTER TABLE ${table(d)} DROP COLUMN${ifExists} ${sqlName(d.name)};`);
  // Sequences, routines, types, extensions and schemas go last, after the columns that still use
  // them as their type or default are changed back (hatchet's order column: its default a new
  // sequence's nextval; a text column made an enum).
  const dropsLast: string[] = [];
  for (const d of by('extra', 'sequence')) {
    const owner = text(def(d, 'actual').owned_by);
    // A sequence a column owns goes with its table or column.
    if (owner && (extraTables.has(owner.slice(0, owner.lastIndexOf('.'))) || diffs.some((c) => c.change === 'extra' && c.kind === 'column' && `${c.schema}.${c.table}.${c.name}` === owner))) continue;
    dropsLast.push(`DROP SEQUENCE${ifExists} ${q(d.schema, d.name)};`);
  }
  dropsLast.push(...routines.filter((d) => !onRelation(d)).map(dropRoutine));
  for (const d of by('extra', 'enum', 'domain', 'composite type', 'range type')) dropsLast.push(`DROP ${RELATION_DROP[d.kind]}${ifExists} ${q(d.schema, d.name)};`);
  for (const d of by('extra', 'extension')) dropsLast.push(`DROP EXTENSION${ifExists} ${sqlName(d.name)};`);
  for (const d of by('extra', 'schema')) dropsLast.push(`DROP SCHEMA${ifExists} ${sqlName(d.name)};`);

  // Made: schemas, extensions, types, sequences, tables with their columns, then what lives on them.
  for (const d of by('missing', 'schema')) makes.push(`CREATE SCHEMA${ifNotExists} ${sqlName(d.name)};`);
  for (const d of by('missing', 'extension')) makes.push(`CREATE EXTENSION IF NOT EXISTS ${sqlName(d.name)}${d.schema ? ` SCHEMA ${sqlName(d.schema)}` : ''};`);
  const typeExists = (d: Difference) => `SELECT FROM pg_type WHERE typname = ${literal(d.name)} AND typnamespace = ${d.schema === o.home ? 'current_schema()' : literal(d.schema)}::regnamespace`;
  for (const d of by('missing', 'enum')) {
    const labels = def(d, 'expected').labels as string[] | undefined;
    makes.push(once(`CREATE TYPE ${q(d.schema, d.name)} AS ENUM (${(labels ?? []).map(literal).join(', ')});`, typeExists(d)));
  }
  // A domain: its base type, default, NOT NULL and checks (each "name CHECK (…)").
  for (const d of by('missing', 'domain')) {
    const t = def(d, 'expected');
    const checks = ((t.checks as string[] | undefined) ?? []).map((c) => {
      const at = c.indexOf(' CHECK ');
      return at > 0 ? `CONSTRAINT ${sqlName(c.slice(0, at))}${c.slice(at)}` : c;
    });
    const body = [`CREATE DOMAIN ${q(d.schema, d.name)} AS ${String(t.base)}`, t.default !== undefined ? `DEFAULT ${String(t.default)}` : '', t.not_null ? 'NOT NULL' : '', ...checks].filter(Boolean).join(' ');
    if (t.base === undefined) cannot(d, 'make it as the migration that creates it does');
    else makes.push(once(`${body};`, typeExists(d)));
  }
  for (const d of by('missing', 'composite type', 'range type', 'foreign table')) cannot(d, 'make it as the migration that creates it does');
  for (const d of by('missing', 'sequence')) {
    const s = def(d, 'expected');
    makes.push(`CREATE SEQUENCE${ifNotExists} ${q(d.schema, d.name)}${s.type ? ` AS ${s.type}` : ''}${s.increment !== undefined ? ` INCREMENT BY ${s.increment}` : ''}${s.start !== undefined ? ` START WITH ${s.start}` : ''};`);
    if (typeof s.owned_by === 'string') later.push(`ALTER SEQUENCE ${q(d.schema, d.name)} OWNED BY ${s.owned_by.split('.').map(sqlName).join('.')};`);
  }
  for (const d of by('missing', 'table')) {
    const t = def(d, 'expected');
    const unlogged = t.unlogged ? 'UNLOGGED ' : '';
    // A partition takes its columns from its parent; a child of inheritance, from its parents too.
    if (typeof t.partition_of === 'string' && typeof t.bound === 'string') {
      makes.push(`CREATE ${unlogged}TABLE${ifNotExists} ${q(d.schema, d.name)} PARTITION OF ${t.partition_of.split('.').map(sqlName).join('.')} ${t.bound};`);
      continue;
    }
    if (Array.isArray(t.inherits) && t.inherits.length) {
      cannot(d, 'a table that inherits from others: make it as the migration that creates it does');
      continue;
    }
    const columns = diffs.filter((c) => c.change === 'missing' && c.kind === 'column' && tableKey(c) === `${d.schema}.${d.name}`).map((c) => ({ c, sql: columnDefinition(c, def(c, 'expected')) }));
    const defined = columns.flatMap((x) => (x.sql === undefined ? [] : [x.sql]));
    const partitioned = typeof t.partition_key === 'string' ? ` PARTITION BY ${t.partition_key}` : '';
    makes.push(`CREATE ${unlogged}TABLE${ifNotExists} ${q(d.schema, d.name)} (${defined.length ? `\n  ${defined.join(',\n  ')}\n` : ''})${partitioned};`);
    if (t.rls) later.push(`ALTER TABLE ${q(d.schema, d.name)} ENABLE ROW LEVEL SECURITY;`);
    if (typeof t.comment === 'string') later.push(`COMMENT ON TABLE ${q(d.schema, d.name)} IS ${commentValue(t.comment)};`);
    for (const { c, sql } of columns) if (sql === undefined) cannot(c, GENERATED);
  }
  for (const d of by('missing', 'column')) {
    if (missingTables.has(tableKey(d)) || renamed.has(d)) continue;
    const column = columnDefinition(d, def(d, 'expected'));
    if (column === undefined) cannot(d, GENERATED);
    else makes.push(`ALTER TABLE ${table(d)} ADD COLUMN${ifNotExists} ${column};`);
    // NOT NULL with nothing to fill it: it fails on a table that has rows.
    const c = def(d, 'expected');
    if (column !== undefined && c.not_null && c.default === undefined && !c.identity) cautions.push(`${describeDifference(d)}: NOT NULL without a default fails on a table with rows — there, add it without NOT NULL, fill it, then ALTER COLUMN ${sqlName(d.name)} SET NOT NULL`);
  }
  for (const d of by('changed', 'column')) alterColumn(d, makes, cannot);
  // A column renamed and changed too (harbor's target_id → dest_registry_id, DROP NOT NULL): changed back after its name.
  for (const [from, to] of renames) {
    const fields = differingFields(to.expected, from.actual);
    if (fields.length) alterColumn({ ...to, change: 'changed', actual: from.actual ?? {}, fields }, makes, cannot);
  }
  for (const d of by('changed', 'sequence')) alterSequence(d, later, cannot);
  for (const d of by('missing', 'view', 'materialized view')) {
    const body = text(def(d, 'expected').definition);
    if (body) makes.push(ended(`CREATE ${d.kind === 'view' ? (o.rerunnable ? 'OR REPLACE VIEW' : 'VIEW') : `MATERIALIZED VIEW${ifNotExists}`} ${q(d.schema, d.name)} AS\n${body}`));
    else cannot(d, 'make it as the migration that creates it does');
  }
  for (const d of by('changed', 'view', 'materialized view')) {
    const body = text(def(d, 'expected').definition);
    if (!d.fields?.every((f) => f === 'definition') || !body) cannot(d, 'make it again as the migration that creates it does');
    else if (d.kind === 'view') makes.push(ended(`CREATE OR REPLACE VIEW ${q(d.schema, d.name)} AS\n${body}`));
    else makes.push(`DROP MATERIALIZED VIEW${ifExists} ${q(d.schema, d.name)};`, ended(`CREATE MATERIALIZED VIEW ${q(d.schema, d.name)} AS\n${body}`));
  }
  for (const d of [...by('missing', 'function', 'procedure'), ...by('changed', 'function', 'procedure')]) {
    const body = text(def(d, 'expected').definition);
    const fields = d.fields ?? [];
    if (d.change === 'changed' && fields.every((f) => f === 'definition' || f === 'comment')) {
      // A routine's comment alone (supabase/auth's "Deprecated. Use auth.jwt()"), or with its body.
      if (fields.includes('definition') && body) makes.push(ended(body));
      if (fields.includes('comment')) later.push(routineComment(d));
      if (!fields.includes('definition') || body) continue;
    }
    // Its result type changed (supabase/storage's get_size_by_bucket: RETURNS TABLE(…, bucket_id)):
    // CREATE OR REPLACE cannot change it, so dropped and made again.
    if (d.change === 'changed' && body && fields.includes('returns') && fields.every((f) => ['definition', 'returns', 'comment'].includes(f))) {
      makes.push(dropRoutine(d), ended(body));
      if (fields.includes('comment')) later.push(routineComment(d));
      continue;
    }
    if (body && d.change === 'missing') makes.push(ended(body));
    else cannot(d, 'make it as the migration that creates it does');
  }
  // A table's comment, row security and storage parameters, which ALTER TABLE and COMMENT set back; other fields (owner…) by hand.
  for (const d of by('changed', 'table')) {
    const want = def(d, 'expected');
    const other = (d.fields ?? []).filter((f) => !['comment', 'rls', 'force_rls', 'options'].includes(f));
    if (d.fields?.includes('options')) {
      // "name=value" each (hatchet's autovacuum settings on its partitions): those to set, and those to reset.
      const wanted = (want.options as string[] | undefined) ?? [];
      const had = (def(d, 'actual').options as string[] | undefined) ?? [];
      const key = (o: string) => o.slice(0, o.indexOf('='));
      const set = wanted.filter((o) => !had.includes(o));
      const reset = had.map(key).filter((k) => !wanted.some((o) => key(o) === k));
      const quoted = (o: string) => `${key(o)}=${/^[\w.-]+$/.test(o.slice(o.indexOf('=') + 1)) ? o.slice(o.indexOf('=') + 1) : literal(o.slice(o.indexOf('=') + 1))}`;
      if (reset.length) later.push(`ALTER TABLE ${q(d.schema, d.name)} RESET (${reset.join(', ')});`);
      if (set.length) later.push(`ALTER TABLE ${q(d.schema, d.name)} SET (${set.map(quoted).join(', ')});`);
    }
    if (d.fields?.includes('rls')) later.push(`ALTER TABLE ${q(d.schema, d.name)} ${want.rls ? 'ENABLE' : 'DISABLE'} ROW LEVEL SECURITY;`);
    if (d.fields?.includes('force_rls')) later.push(`ALTER TABLE ${q(d.schema, d.name)} ${want.force_rls ? 'FORCE' : 'NO FORCE'} ROW LEVEL SECURITY;`);
    if (d.fields?.includes('comment')) later.push(`COMMENT ON TABLE ${q(d.schema, d.name)} IS ${commentValue(want.comment)};`);
    if (other.length) cannot(d, `change its ${other.join(', ')} by hand`);
  }
  // Foreign keys last, after the keys and unique indexes they reference (hatchet's Step → Action's
  // unique index on ("tenantId", id)).
  const foreignKeys: string[] = [];
  const madeConstraints = new Set<string>();
  for (const d of [...by('missing', 'constraint'), ...by('changed', 'constraint')]) {
    const body = text(def(d, 'expected').definition);
    if (!body) {
      cannot(d, 'make it as the migration that creates it does');
      continue;
    }
    if (d.change === 'changed' && !remade(d)) {
      cannot(d, 'change it as the migration that creates it does');
      continue;
    }
    madeConstraints.add(`${d.schema}.${d.name}`);
    (def(d, 'expected').type === 'foreign key' ? foreignKeys : later).push(once(`ALTER TABLE ${table(d)} ADD CONSTRAINT ${sqlName(d.name)} ${body};`, `SELECT FROM pg_constraint WHERE conname = ${literal(d.name)} AND conrelid = ${literal(table(d))}::regclass`));
  }
  // Partitions made here get their indexes from their parent's (an index made on a partitioned table is made on each).
  const newPartitions = new Set(by('missing', 'table').filter((d) => def(d, 'expected').partition_of !== undefined).map((d) => `${d.schema}.${d.name}`));
  for (const d of [...by('missing', 'index'), ...by('changed', 'index')]) {
    // A key's index comes with its constraint.
    if (madeConstraints.has(`${d.schema}.${d.name}`) || newPartitions.has(tableKey(d))) continue;
    // A partitioned table's index as the catalog writes it (ON ONLY: its partitions' indexes attached one by one), made on all at once.
    const body = text(def(d, 'expected').definition)?.replace(/ ON ONLY /, ' ON ');
    if (!body || (d.change === 'changed' && !remade(d, 'invalid'))) {
      cannot(d, 'make it as the migration that creates it does');
      continue;
    }
    later.push(ended(o.rerunnable ? body.replace(/^CREATE (UNIQUE )?INDEX /, 'CREATE $1INDEX IF NOT EXISTS ') : body));
  }
  later.push(...foreignKeys, ...rekeyed);
  for (const d of [...by('missing', 'trigger', 'rule'), ...by('changed', 'trigger', 'rule')]) {
    const body = text(def(d, 'expected').definition);
    if (!body || (d.change === 'changed' && !remade(d))) {
      cannot(d, 'make it as the migration that creates it does');
      continue;
    }
    if (d.change === 'missing' && o.rerunnable) later.push(`DROP ${d.kind.toUpperCase()}${ifExists} ${sqlName(d.name)} ON ${table(d)};`);
    later.push(ended(body));
  }
  // Policies (supabase's row level security) as the catalog has them.
  for (const d of [...by('missing', 'policy'), ...by('changed', 'policy')]) {
    const p = def(d, 'expected');
    if (d.change === 'missing' || policyRemade(d)) {
      if (d.change === 'missing' && o.rerunnable) later.push(`DROP POLICY IF EXISTS ${sqlName(d.name)} ON ${table(d)};`);
      later.push(createPolicy(d, p));
    }
    if (typeof p.comment === 'string' && (d.change === 'missing' || d.fields?.includes('comment'))) later.push(`COMMENT ON POLICY ${sqlName(d.name)} ON ${table(d)} IS ${commentValue(p.comment)};`);
    else if (d.change === 'changed' && d.fields?.includes('comment')) later.push(`COMMENT ON POLICY ${sqlName(d.name)} ON ${table(d)} IS NULL;`);
  }
  for (const d of by('changed', 'enum')) enumLabels(d, later, cannot, { rerunnable: o.rerunnable, on: o.on, cautions });

  // The rest (composite types, foreign tables, operators, publications…): named for a person to write.
  const told = new Set(['trigger', 'rule', 'constraint', 'index', 'view', 'materialized view', 'table', 'foreign table', 'column', 'sequence', 'function', 'procedure', 'enum', 'domain', 'composite type', 'range type', 'extension', 'schema']);
  for (const d of diffs) {
    const handled =
      (d.change === 'extra' && (told.has(d.kind) || d.kind === 'policy' || d.kind === 'aggregate')) ||
      (d.change === 'missing' && (told.has(d.kind) || d.kind === 'policy')) ||
      (d.change === 'changed' && ['column', 'sequence', 'view', 'materialized view', 'function', 'procedure', 'constraint', 'index', 'trigger', 'rule', 'enum', 'table', 'policy'].includes(d.kind));
    if (!handled) cannot(d, 'no statement is written for it; change it by hand');
  }
  const statements = [...renamedTables, ...drops, ...makes, ...later, ...privileges, ...dropsLast];
  // A tenant's own schema unnamed (tenant_a.t → t): the migration runs in each tenant's schema, first on its search path.
  if (o.home === undefined) return { statements, manual, cautions };
  const home = new RegExp(`(?<![\\w$".])${regexLiteral(sqlName(o.home))}\\.`, 'g');
  return { statements: statements.map((x) => x.replace(home, '')), manual, cautions };
}

/**
 * The differences as they stand once each renamed table has its old name again (a pair of one
 * table extra and one missing, as `renames` say): what lives on it compared under that name,
 * what is then alike left out; and the ALTER TABLE … RENAME TO statements.
 */
function renameTablesBack(diffs: readonly Difference[], renames: readonly Rename[]): { diffs: Difference[]; statements: string[] } {
  let out = [...diffs];
  const statements: string[] = [];
  for (const r of renames) {
    if (r.kind !== 'table') continue;
    const from = out.find((d) => d.kind === 'table' && d.change === 'extra' && d.name === r.from);
    const to = from && out.find((d) => d.kind === 'table' && d.change === 'missing' && d.name === r.to && d.schema === from.schema);
    if (!from || !to) continue;
    statements.push(`ALTER TABLE ${q(from.schema, r.from)} RENAME TO ${sqlName(r.to)};`);
    const schema = from.schema;
    const swap = renamer(r.from, r.to);
    out = out.flatMap((d): Difference[] => {
      if (d === from || d === to) return [];
      if (d.change === 'extra' && d.schema === schema && d.table === r.from) return [{ ...d, table: r.to, key: d.key.replace(`.${r.from}.`, `.${r.to}.`), actual: swap(d.actual) as Record<string, unknown> }];
      if (d.change === 'changed') {
        const actual = swap(d.actual) as Record<string, unknown>;
        const fields = (d.fields ?? []).filter((f) => !sameValue(actual[f], d.expected?.[f]));
        return fields.length ? [{ ...d, actual, fields }] : [];
      }
      return [d];
    });
    // What is on both sides under the old name is no difference where alike, else a change.
    const paired = new Set<Difference>();
    const changed: Difference[] = [];
    for (const e of out) {
      if (e.change !== 'extra' || e.table !== r.to || e.schema !== schema) continue;
      const m = out.find((x) => x.change === 'missing' && !paired.has(x) && x.kind === e.kind && x.name === e.name && x.table === r.to && x.schema === schema);
      if (!m) continue;
      paired.add(e).add(m);
      const fields = differingFields(m.expected, e.actual);
      if (fields.length) changed.push({ ...m, change: 'changed', actual: e.actual ?? {}, fields });
    }
    out = [...out.filter((d) => !paired.has(d)), ...changed];
  }
  return { diffs: out, statements };
}

/** Two snapshot values alike (absent and null alike). */
const sameValue = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/** The fields two definitions of one object differ in, sorted. */
function differingFields(expected: Record<string, unknown> | undefined, actual: Record<string, unknown> | undefined): string[] {
  return [...new Set([...Object.keys(expected ?? {}), ...Object.keys(actual ?? {})])].filter((f) => !sameValue(expected?.[f], actual?.[f])).sort();
}

/** CREATE POLICY from a policy's snapshot (command r/a/w/d/*, permissive, roles, USING and WITH CHECK expressions). */
function createPolicy(d: Difference, p: Record<string, unknown>): string {
  const command = ({ r: 'SELECT', a: 'INSERT', w: 'UPDATE', d: 'DELETE' } as Record<string, string>)[String(p.command)];
  const roles = Array.isArray(p.roles) && p.roles.length ? (p.roles as string[]).map((r) => (r === 'PUBLIC' ? 'PUBLIC' : sqlName(r))) : [];
  return [
    `CREATE POLICY ${sqlName(d.name)} ON ${q(d.schema, d.table!)}`,
    p.permissive === false ? ' AS RESTRICTIVE' : '',
    command ? ` FOR ${command}` : '',
    roles.length && !(roles.length === 1 && roles[0] === 'PUBLIC') ? ` TO ${roles.join(', ')}` : '',
    typeof p.using === 'string' ? ` USING (${p.using})` : '',
    typeof p.with_check === 'string' ? ` WITH CHECK (${p.with_check})` : '',
    ';',
  ].join('');
}

/** How GRANT names an object of a kind. */
const GRANT_ON: Partial<Record<Difference['kind'], string>> = {
  table: 'TABLE',
  view: 'TABLE',
  'materialized view': 'TABLE',
  'foreign table': 'TABLE',
  sequence: 'SEQUENCE',
  schema: 'SCHEMA',
  function: 'FUNCTION',
  procedure: 'PROCEDURE',
  aggregate: 'ROUTINE',
  enum: 'TYPE',
  domain: 'DOMAIN',
  'composite type': 'TYPE',
  'range type': 'TYPE',
  'foreign server': 'FOREIGN SERVER',
};

/**
 * The GRANT and REVOKE statements that give an object the grants the target has (its `acl`:
 * `grantee:PRIVILEGE`, `*` for WITH GRANT OPTION): for an object whose grants differ, one made
 * here with grants, and default privileges. Undefined where the difference is not about grants.
 */
function grantStatements(d: Difference): string[] | undefined {
  const acl = (side: Record<string, unknown> | undefined) => new Map(((side?.acl as string[] | undefined) ?? []).map((e) => [e.replace(/\*$/, ''), e.endsWith('*')]));
  const changedAcl = d.change === 'changed' && d.fields?.includes('acl');
  const defaults = d.kind === 'default privileges';
  // An object made here gets its grants after it; one dropped needs none.
  if (!changedAcl && !defaults && !(d.change === 'missing' && acl(d.expected).size)) return undefined;
  if (!defaults && d.kind !== 'column' && !GRANT_ON[d.kind]) return undefined;
  const want = acl(d.expected);
  const have = acl(d.actual);
  // What PostgreSQL grants a new routine or type anyway is not written for one made here.
  if (d.change === 'missing') for (const e of ['PUBLIC:EXECUTE', 'PUBLIC:USAGE']) if (want.get(e) === false) want.delete(e);
  const target = defaults
    ? `ALTER DEFAULT PRIVILEGES${d.schema ? ` IN SCHEMA ${sqlName(d.schema)}` : ''} `
    : '';
  const on = defaults
    ? d.name.slice(3).toUpperCase()
    : d.kind === 'column'
      ? `TABLE ${q(d.schema, d.table!)}`
      : d.kind === 'schema'
        ? `SCHEMA ${sqlName(d.name)}`
        : d.kind === 'foreign server'
          ? `FOREIGN SERVER ${sqlName(d.name)}`
          : ['function', 'procedure', 'aggregate'].includes(d.kind)
            ? `${GRANT_ON[d.kind]} ${sqlName(d.schema)}.${routineName(d.name)}`
            : `${GRANT_ON[d.kind]} ${q(d.schema, d.name)}`;
  const entry = (e: string) => {
    const at = e.lastIndexOf(':');
    const grantee = e.slice(0, at);
    const privilege = e.slice(at + 1);
    return { who: grantee === 'PUBLIC' ? 'PUBLIC' : sqlName(grantee), what: d.kind === 'column' ? `${privilege} (${sqlName(d.name)})` : privilege };
  };
  const out: string[] = [];
  for (const [e, option] of have) {
    const { who, what } = entry(e);
    if (!want.has(e)) out.push(`${target}REVOKE ${what} ON ${on} FROM ${who};`);
    else if (option && !want.get(e)) out.push(`${target}REVOKE GRANT OPTION FOR ${what} ON ${on} FROM ${who};`);
  }
  for (const [e, option] of want) {
    const { who, what } = entry(e);
    if (!have.has(e) || (option && !have.get(e))) out.push(`${target}GRANT ${what} ON ${on} TO ${who}${option ? ' WITH GRANT OPTION' : ''};`);
  }
  return out;
}

/** An identifier as SQL text names it: `"name"`, or bare where it needs no quotes. */
function nameIn(name: string, flags = ''): RegExp {
  const bare = /^[a-z_][a-z0-9_$]*$/.test(name) ? `|(?<![\\w$"])${regexLiteral(name)}(?![\\w$"])` : '';
  return new RegExp(`"${regexLiteral(name.replace(/"/g, '""'))}"${bare}`, flags);
}

/** Whether SQL text names an identifier (`name` or `"name"`, with or without a schema before it). */
function mentionsName(sql: string, name: string): boolean {
  return nameIn(name).test(sql);
}

/** A snapshot value with an identifier renamed in its SQL text (definitions, defaults, owners). */
function renamer(from: string, to: string): (v: unknown) => unknown {
  const name = nameIn(from, 'g');
  const swap = (v: unknown): unknown =>
    typeof v === 'string' ? v.replace(name, sqlName(to)) : Array.isArray(v) ? v.map(swap) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, swap(x)])) : v;
  return swap;
}

/** A column's definition as ADD COLUMN takes it; undefined for a generated column (its expression is not in the snapshot). */
function columnDefinition(d: Difference, c: Record<string, unknown>): string | undefined {
  // A generated column's expression is its "default" (pg_attrdef holds both); without it, none.
  if (c.generated && c.default === undefined) return undefined;
  return [
    sqlName(d.name),
    String(c.type),
    c.collation ? `COLLATE ${sqlName(String(c.collation))}` : '',
    c.identity ? `GENERATED ${String(c.identity).toUpperCase()} AS IDENTITY` : '',
    c.generated ? `GENERATED ALWAYS AS (${String(c.default)}) ${String(c.generated).toUpperCase()}` : '',
    c.default !== undefined && !c.identity && !c.generated ? `DEFAULT ${String(c.default)}` : '',
    c.not_null ? 'NOT NULL' : '',
  ]
    .filter(Boolean)
    .join(' ');
}

/** A column whose type, nullability or default differ: one ALTER TABLE, its actions in the order that runs. */
function alterColumn(d: Difference, out: string[], cannot: (d: Difference, why: string) => void): void {
  const want = (d.expected ?? {}) as Record<string, unknown>;
  const c = sqlName(d.name);
  const actions: string[] = [];
  const other = (d.fields ?? []).filter((f) => !['type', 'not_null', 'default', 'comment', 'identity'].includes(f));
  const had = (d.actual ?? {}).identity;
  if (d.fields?.includes('default') && want.default === undefined) actions.push(`ALTER COLUMN ${c} DROP DEFAULT`);
  if (d.fields?.includes('type')) actions.push(`ALTER COLUMN ${c} TYPE ${String(want.type)} USING ${c}::${String(want.type)}`);
  if (d.fields?.includes('default') && want.default !== undefined) actions.push(`ALTER COLUMN ${c} SET DEFAULT ${String(want.default)}`);
  if (d.fields?.includes('not_null')) actions.push(`ALTER COLUMN ${c} ${want.not_null ? 'SET' : 'DROP'} NOT NULL`);
  // Identity: always ↔ by default in place; made or dropped (hatchet's v1_events_olap.id).
  const generated = (how: unknown) => (how === 'always' ? 'ALWAYS' : 'BY DEFAULT');
  if (d.fields?.includes('identity')) actions.push(want.identity === undefined ? `ALTER COLUMN ${c} DROP IDENTITY` : had === undefined ? `ALTER COLUMN ${c} ADD GENERATED ${generated(want.identity)} AS IDENTITY` : `ALTER COLUMN ${c} SET GENERATED ${generated(want.identity)}`);
  if (actions.length) out.push(`ALTER TABLE ${q(d.schema, d.table!)} ${actions.join(', ')};`);
  if (d.fields?.includes('comment')) out.push(`COMMENT ON COLUMN ${q(d.schema, d.table!)}.${c} IS ${commentValue(want.comment)};`);
  if (other.length) cannot(d, `change its ${other.join(', ')} by hand`);
}

/**
 * A sequence whose type, bounds, step, start, cache, cycling, owner column or comment differ: one
 * ALTER SEQUENCE (harbor's id sequences made bigint: AS integer MAXVALUE 2147483647 back).
 */
function alterSequence(d: Difference, out: string[], cannot: (d: Difference, why: string) => void): void {
  const want = (d.expected ?? {}) as Record<string, unknown>;
  const fields = d.fields ?? [];
  const name = q(d.schema, d.name);
  const actions: string[] = [];
  if (fields.includes('type')) actions.push(`AS ${String(want.type)}`);
  if (fields.includes('increment')) actions.push(`INCREMENT BY ${String(want.increment)}`);
  if (fields.includes('min')) actions.push(want.min === undefined ? 'NO MINVALUE' : `MINVALUE ${String(want.min)}`);
  if (fields.includes('max')) actions.push(want.max === undefined ? 'NO MAXVALUE' : `MAXVALUE ${String(want.max)}`);
  if (fields.includes('start')) actions.push(`START WITH ${String(want.start)}`);
  if (fields.includes('cache')) actions.push(`CACHE ${String(want.cache ?? 1)}`);
  if (fields.includes('cycle')) actions.push(want.cycle ? 'CYCLE' : 'NO CYCLE');
  if (fields.includes('owned_by')) actions.push(`OWNED BY ${typeof want.owned_by === 'string' ? want.owned_by.split('.').map(sqlName).join('.') : 'NONE'}`);
  if (actions.length) out.push(`ALTER SEQUENCE ${name} ${actions.join(' ')};`);
  if (fields.includes('comment')) out.push(`COMMENT ON SEQUENCE ${name} IS ${commentValue(want.comment)};`);
  const other = fields.filter((f) => !['type', 'increment', 'min', 'max', 'start', 'cache', 'cycle', 'owned_by', 'comment'].includes(f));
  if (other.length) cannot(d, `change its ${other.join(', ')} by hand`);
}

/** An enum's labels: those to add, each after the label before it; a label to remove has no statement (PostgreSQL cannot drop one). */
function enumLabels(d: Difference, out: string[], cannot: (d: Difference, why: string) => void, o: { rerunnable?: boolean | undefined; on?: Snapshot | undefined; cautions: string[] }): void {
  const rerunnable = o.rerunnable === true;
  const want = ((d.expected ?? {}).labels as string[] | undefined) ?? [];
  const have = ((d.actual ?? {}).labels as string[] | undefined) ?? [];
  const extra = have.filter((l) => !want.includes(l));
  if (extra.length) {
    const labels = `label${extra.length === 1 ? '' : 's'} ${extra.map(literal).join(', ')}`;
    const anew = rerunnable || !o.on ? undefined : enumAnew(d, want, o.on);
    if (!anew) {
      cannot(d, `${labels} cannot be removed from an enum: make the type anew (CREATE TYPE, ALTER the columns to it, DROP the old one)`);
      return;
    }
    out.push(...anew);
    o.cautions.push(`${describeDifference(d)}: made anew without ${labels} — rows holding ${extra.length === 1 ? 'it' : 'them'} fail the cast: change them first`);
    return;
  }
  want.forEach((label, i) => {
    if (have.includes(label)) return;
    // After the label before it (there by now); the first, before the first label the type has.
    const next = want.slice(i + 1).find((l) => have.includes(l));
    const place = i > 0 ? ` AFTER ${literal(want[i - 1]!)}` : next !== undefined ? ` BEFORE ${literal(next)}` : '';
    out.push(`ALTER TYPE ${q(d.schema, d.name)} ADD VALUE${rerunnable ? ' IF NOT EXISTS' : ''} ${literal(label)}${place};`);
  });
}

/**
 * An enum made anew with the target's labels (PostgreSQL cannot drop a label): the old type renamed
 * aside, the new one made, each column of it (read from the database the statements run on)
 * changed to it through text, its default set again, the old type dropped (documenso's 20 Prisma
 * migrations that add a label). Undefined where something else uses the type — a routine's
 * arguments or result, an index or constraint naming it, a view over a table that has it — which
 * a person must carry over by hand.
 */
function enumAnew(d: Difference, labels: readonly string[], on: Snapshot): string[] | undefined {
  const type = q(d.schema, d.name);
  const written = [sqlName(d.name), type];
  const objects = Object.values(on.objects);
  const columns = objects.filter((c) => c.kind === 'column' && typeof c.def.type === 'string' && written.includes(c.def.type.replace(/\[\]$/, '')));
  const tables = new Set(columns.map((c) => c.table!));
  const uses = (sql: unknown) => typeof sql === 'string' && mentionsName(sql, d.name);
  const blocked = objects.some(
    (x) =>
      (['function', 'procedure', 'aggregate'].includes(x.kind) && uses(`${x.name} ${String(x.def.returns ?? '')}`)) ||
      (['index', 'constraint', 'trigger'].includes(x.kind) && uses(x.def.definition)) ||
      (['view', 'materialized view'].includes(x.kind) && [...tables].some((t) => uses(x.def.definition) || mentionsName(String(x.def.definition ?? ''), t))) ||
      (x.kind === 'domain' && uses(x.def.base)) ||
      (x.kind === 'composite type' && tables.has(x.name)),
  );
  if (blocked) return undefined;
  const aside = `${d.name}__old`;
  const out = [`ALTER TYPE ${type} RENAME TO ${sqlName(aside)};`, `CREATE TYPE ${type} AS ENUM (${labels.map(literal).join(', ')});`];
  for (const c of columns) {
    const array = String(c.def.type).endsWith('[]');
    const name = sqlName(c.name);
    const fallback = typeof c.def.default === 'string' ? c.def.default : undefined;
    const actions = [
      ...(fallback ? [`ALTER COLUMN ${name} DROP DEFAULT`] : []),
      `ALTER COLUMN ${name} TYPE ${type}${array ? '[]' : ''} USING ${name}::text${array ? '[]' : ''}::${type}${array ? '[]' : ''}`,
      ...(fallback ? [`ALTER COLUMN ${name} SET DEFAULT ${fallback}`] : []),
    ];
    out.push(`ALTER TABLE ${q(c.schema, c.table!)} ${actions.join(', ')};`);
  }
  out.push(`DROP TYPE ${q(d.schema, aside)};`);
  return out;
}

/**
 * What the database has as `from` that the target names `to`, as the SQL renamed it (ALTER TABLE …
 * RENAME [COLUMN]): a table, or a column of `table` (named as the SQL names it where it renames).
 */
export interface Rename {
  kind: 'table' | 'column';
  table?: string;
  from: string;
  to: string;
}

/**
 * Columns renamed, as differences show them: on one table, the one column there is to make
 * (missing) and one to drop (extra) defined alike (type, nullability, default), told apart by name
 * among several; and first those `known` renamed (read from the SQL), whatever else changed.
 * Pairs: extra → missing.
 */
export function renamedColumns(diffs: readonly Difference[], known: readonly Rename[] = []): Map<Difference, Difference> {
  const out = new Map<Difference, Difference>();
  // Renames read from the SQL first, whatever else changed with them.
  const column = (change: Difference['change'], table: string, name: string) => diffs.find((d) => d.kind === 'column' && d.change === change && d.table === table && d.name === name);
  // A column renamed on a table renamed after (or before): the table as the target names it.
  const tableAs = (name: string) => known.find((k) => k.kind === 'table' && k.from === name)?.to ?? name;
  for (const k of known) {
    if (k.kind !== 'column' || k.table === undefined) continue;
    const from = column('extra', tableAs(k.table), k.from);
    const to = column('missing', tableAs(k.table), k.to);
    if (from && to && !out.has(from)) out.set(from, to);
  }
  const paired = new Set([...out].flat());
  const byTable = new Map<string, { extra: Difference[]; missing: Difference[] }>();
  for (const d of diffs) {
    if (d.kind !== 'column' || d.change === 'changed' || paired.has(d)) continue;
    const t = byTable.get(`${d.schema}.${d.table}`) ?? byTable.set(`${d.schema}.${d.table}`, { extra: [], missing: [] }).get(`${d.schema}.${d.table}`)!;
    t[d.change].push(d);
  }
  const shape = (c: Record<string, unknown> | undefined) => JSON.stringify([c?.type, Boolean(c?.not_null), c?.default ?? null, c?.identity ?? null, c?.generated ?? null]);
  for (const { extra, missing } of byTable.values()) {
    // One column gone; of those come, the one defined alike — or, of several, the one whose name
    // holds the old one (supabase/auth's confirmed_at → email_confirmed_at, beside new columns).
    if (missing.length !== 1 || !extra.length) continue;
    const gone = missing[0]!;
    const alike = extra.filter((e) => shape(e.actual) === shape(gone.expected));
    const named = alike.length > 1 ? alike.filter((e) => e.name.includes(gone.name) || gone.name.includes(e.name)) : alike;
    if (named.length === 1) out.set(named[0]!, gone);
  }
  return out;
}

/** A comment's value in SQL: its text as a literal, or NULL where there is none. */
function commentValue(v: unknown): string {
  return typeof v === 'string' ? literal(v) : 'NULL';
}

/** A routine's snapshot name (`f(x integer)`) with its name part quoted as SQL needs it. */
function routineName(name: string): string {
  const at = name.indexOf('(');
  return at < 0 ? sqlName(name) : `${sqlName(name.slice(0, at))}${name.slice(at)}`;
}
