import type { ModuleDb } from '../db/types.js';
import { literal } from '../db/postgres.js';
import type { HistoryTable } from '../history/store.js';

/**
 * A normalised, deterministic description of a database (or of some of its schemas), read from
 * the PostgreSQL catalogs in one round trip of a dozen queries — never one query per object — on
 * PostgreSQL 13–18 and PGlite alike. What varies between two databases built by the same
 * migrations is left out: oids, owners, column positions, sequence values, extension versions.
 */

/** Every kind of object a snapshot reads (drift's --ignore names them too). */
export const SNAPSHOT_KINDS = [
  'schema',
  'table',
  'view',
  'materialized view',
  'foreign table',
  'sequence',
  'column',
  'constraint',
  'index',
  'enum',
  'domain',
  'composite type',
  'range type',
  'function',
  'procedure',
  'aggregate',
  'trigger',
  'policy',
  'extension',
  'rule',
  'statistics',
  'collation',
  'text search configuration',
  'text search dictionary',
  'operator',
  'cast',
  'publication',
  'event trigger',
  'default privileges',
  'foreign server',
] as const;

export type SnapshotKind = (typeof SNAPSHOT_KINDS)[number];

export interface SnapshotObject {
  kind: SnapshotKind;
  schema: string;
  /** The table (or composite type) a column, constraint, index, trigger or policy belongs to. */
  table?: string;
  name: string;
  /** What defines it, normalised: compared field by field. */
  def: Record<string, unknown>;
}

export interface Snapshot {
  /** By key (`kind schema.[table.]name`), keys sorted. */
  objects: Record<string, SnapshotObject>;
}

export interface SnapshotScope {
  /** Only these schemas; all but the system's when absent. */
  schemas?: readonly string[];
  /** Tables left out with everything on them (the module's history table and its companion). */
  exclude?: readonly HistoryTable[];
}

export function objectKey(o: Pick<SnapshotObject, 'kind' | 'schema' | 'table' | 'name'>): string {
  // Objects of the database, in no schema (publications, event triggers, casts): schema ''.
  if (o.kind === 'schema' || o.schema === '') return `${o.kind} ${o.name}`;
  return `${o.kind} ${o.schema}.${o.table !== undefined ? `${o.table}.` : ''}${o.name}`;
}

type Row = Record<string, unknown>;

/**
 * Read a snapshot through a module connection, from a clean session: names print relative to
 * search_path, and a migration just replayed on this connection may have changed it (pg_dump
 * output sets it to '').
 */
export async function readSnapshot(db: ModuleDb, scope: SnapshotScope = {}): Promise<Snapshot> {
  // From a clean session (search path, role), in the same round trip: the reset's results come
  // first and are dropped.
  const sql = snapshotQueries(scope);
  const results = (await db.query(`${db.sessionReset};\n${sql.join(';\n')}`)) as unknown as { rows: Row[] }[];
  const sets = results.slice(-sql.length).map((r) => r.rows);
  return buildSnapshot(sets, scope);
}

function scopeFilter(column: string, scope: SnapshotScope): string {
  if (scope.schemas) return `${column} = ANY(ARRAY[${scope.schemas.map(literal).join(', ') || "''"}]::text[])`;
  return `${column} NOT IN ('pg_catalog', 'information_schema') AND ${column} NOT LIKE 'pg\\_toast%' AND ${column} NOT LIKE 'pg\\_temp%'`;
}

const notExtension = (catalog: string, oid: string) =>
  `NOT EXISTS (SELECT 1 FROM pg_depend dep WHERE dep.classid = '${catalog}'::regclass AND dep.objid = ${oid} AND dep.deptype = 'e')`;

/**
 * Grants to others than the owner. `defaults` (acldefault's object type) reads a NULL list as the
 * built-in grants it stands for: a function's or type's PUBLIC EXECUTE / USAGE, so that REVOKE …
 * FROM PUBLIC (an explicit list without it) differs from the default.
 */
const acl = (column: string, owner: string, defaults?: 'f' | 'T') =>
  `(SELECT coalesce(array_agg(x ORDER BY x), '{}')::text[] FROM (SELECT (CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(a.grantee)::text END) || ':' || a.privilege_type || (CASE WHEN a.is_grantable THEN '*' ELSE '' END) AS x FROM aclexplode(${defaults ? `coalesce(${column}, acldefault('${defaults}', ${owner}))` : column}) a WHERE a.grantee <> ${owner}) g)`;

/** An option list (`key=value` texts) in a stable order. */
const sortedOptions = (column: string) => `(SELECT array_agg(o ORDER BY o) FROM unnest(${column}) o)`;

/** The catalog queries, in the order buildSnapshot reads their results. */
export function snapshotQueries(scope: SnapshotScope): string[] {
  const ns = scopeFilter('n.nspname', scope);
  // Objects of the database (publications, event triggers, foreign servers): read when the scope
  // is all of it, else an empty result in their place.
  const databaseWide = (sql: string) => (scope.schemas ? `SELECT NULL::text AS name WHERE false` : sql);
  return [
    // 0 schemas
    `SELECT n.nspname AS schema, obj_description(n.oid, 'pg_namespace') AS comment, ${acl('n.nspacl', 'n.nspowner')} AS acl
       FROM pg_namespace n WHERE ${ns} AND ${notExtension('pg_namespace', 'n.oid')}`,
    // 1 relations (a foreign table's OPTIONS as its options: it has no storage parameters)
    `SELECT n.nspname AS schema, c.relname AS name, c.relkind AS kind, c.relpersistence AS persistence,
            c.relrowsecurity AS rls, c.relforcerowsecurity AS force_rls,
            CASE WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid, true) END AS def,
            CASE WHEN c.relispartition THEN (SELECT pn.nspname || '.' || p.relname FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhparent JOIN pg_namespace pn ON pn.oid = p.relnamespace WHERE i.inhrelid = c.oid) END AS partition_of,
            pg_get_expr(c.relpartbound, c.oid) AS bound, CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END AS partition_key,
            obj_description(c.oid, 'pg_class') AS comment, ${acl('c.relacl', 'c.relowner')} AS acl,
            ${sortedOptions("CASE WHEN c.relkind = 'f' THEN ft.ftoptions ELSE c.reloptions END")} AS options,
            CASE c.relreplident WHEN 'n' THEN 'nothing' WHEN 'f' THEN 'full'
              WHEN 'i' THEN (SELECT 'index ' || ic.relname FROM pg_index x JOIN pg_class ic ON ic.oid = x.indexrelid WHERE x.indrelid = c.oid AND x.indisreplident) END AS replica_identity,
            (SELECT ic.relname FROM pg_index x JOIN pg_class ic ON ic.oid = x.indexrelid WHERE x.indrelid = c.oid AND x.indisclustered) AS cluster_on,
            CASE WHEN NOT c.relispartition THEN (SELECT array_agg(pn.nspname || '.' || p.relname ORDER BY i.inhseqno) FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhparent JOIN pg_namespace pn ON pn.oid = p.relnamespace WHERE i.inhrelid = c.oid) END AS inherits,
            fs.srvname AS foreign_server
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       LEFT JOIN pg_foreign_table ft ON ft.ftrelid = c.oid LEFT JOIN pg_foreign_server fs ON fs.oid = ft.ftserver
      WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') AND ${ns} AND ${notExtension('pg_class', 'c.oid')}`,
    // 2 columns (of tables, views and composite types)
    `SELECT n.nspname AS schema, c.relname AS rel, c.relkind AS relkind, a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type,
            a.attnotnull AS notnull, pg_get_expr(d.adbin, d.adrelid) AS default, a.attidentity AS identity, a.attgenerated AS generated,
            CASE WHEN a.attcollation <> t.typcollation THEN co.collname END AS collation, col_description(c.oid, a.attnum) AS comment,
            ${acl('a.attacl', 'c.relowner')} AS acl, CASE WHEN a.attstorage <> t.typstorage THEN a.attstorage::text END AS storage,
            nullif(coalesce(a.attstattarget::int, -1), -1) AS statistics,
            -- SET COMPRESSION (14+, through to_jsonb for 13); SET (n_distinct = …), the options a
            -- migration sets (a server may keep options of its own there, pg_attver=…).
            nullif(to_jsonb(a)->>'attcompression', '') AS compression,
            (SELECT array_agg(o ORDER BY o) FROM unnest(a.attoptions) o WHERE o LIKE 'n\_distinct%') AS options
       FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_type t ON t.oid = a.atttypid
       LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
       LEFT JOIN pg_collation co ON co.oid = a.attcollation
      WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'c') AND ${ns} AND ${notExtension('pg_class', 'c.oid')}`,
    // 3 constraints of tables
    `SELECT n.nspname AS schema, c.relname AS rel, k.conname AS name, k.contype AS type, pg_get_constraintdef(k.oid, true) AS def,
            obj_description(k.oid, 'pg_constraint') AS comment
       FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE ${ns} AND ${notExtension('pg_class', 'c.oid')}`,
    // 4 indexes (those of PK, UNIQUE and EXCLUDE constraints are the constraints)
    `SELECT n.nspname AS schema, t.relname AS rel, i.relname AS name, pg_get_indexdef(x.indexrelid) AS def, x.indisvalid AS valid,
            obj_description(i.oid, 'pg_class') AS comment
       FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid JOIN pg_namespace n ON n.oid = i.relnamespace
      WHERE ${ns} AND ${notExtension('pg_class', 't.oid')}
        AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid AND k.conrelid = x.indrelid AND k.contype IN ('p', 'u', 'x'))`,
    // 5 sequences
    `SELECT n.nspname AS schema, c.relname AS name, format_type(s.seqtypid, NULL) AS type, s.seqstart::text AS start, s.seqincrement::text AS increment,
            s.seqmin::text AS min, s.seqmax::text AS max, s.seqcache::text AS cache, s.seqcycle AS cycle,
            obj_description(c.oid, 'pg_class') AS comment, ${acl('c.relacl', 'c.relowner')} AS acl,
            (SELECT tn.nspname || '.' || tc.relname || '.' || ta.attname FROM pg_depend dd JOIN pg_class tc ON tc.oid = dd.refobjid JOIN pg_namespace tn ON tn.oid = tc.relnamespace
               JOIN pg_attribute ta ON ta.attrelid = dd.refobjid AND ta.attnum = dd.refobjsubid
              WHERE dd.classid = 'pg_class'::regclass AND dd.objid = c.oid AND dd.deptype IN ('a', 'i') LIMIT 1) AS owned_by
       FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE ${ns} AND ${notExtension('pg_class', 'c.oid')}`,
    // 6 types: enums (ordered labels), domains (base, NOT NULL, default, checks), composite and range types
    `SELECT n.nspname AS schema, t.typname AS name, t.typtype AS type,
            CASE WHEN t.typtype = 'e' THEN (SELECT array_agg(e.enumlabel::text ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = t.oid) END AS labels,
            CASE WHEN t.typtype = 'd' THEN format_type(t.typbasetype, t.typtypmod) END AS base,
            t.typnotnull AS notnull, t.typdefault AS default,
            CASE WHEN t.typtype = 'd' THEN (SELECT array_agg(k.conname || ' ' || pg_get_constraintdef(k.oid, true) ORDER BY k.conname) FROM pg_constraint k WHERE k.contypid = t.oid AND k.contype <> 'n') END AS checks,
            CASE WHEN t.typtype = 'r' THEN (SELECT format_type(r.rngsubtype, NULL) FROM pg_range r WHERE r.rngtypid = t.oid) END AS subtype,
            obj_description(t.oid, 'pg_type') AS comment, ${acl('t.typacl', 't.typowner', 'T')} AS acl
       FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
      WHERE t.typtype IN ('e', 'd', 'c', 'r') AND ${ns} AND ${notExtension('pg_type', 't.oid')}
        AND (t.typtype <> 'c' OR (SELECT c.relkind FROM pg_class c WHERE c.oid = t.typrelid) = 'c')`,
    // 7 functions, procedures, aggregates
    `SELECT n.nspname AS schema, p.proname AS name, pg_get_function_identity_arguments(p.oid) AS args, p.prokind AS kind,
            CASE WHEN p.prokind <> 'a' THEN pg_get_functiondef(p.oid) END AS def, pg_get_function_result(p.oid) AS result,
            obj_description(p.oid, 'pg_proc') AS comment, ${acl('p.proacl', 'p.proowner', 'f')} AS acl
       FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
      WHERE ${ns} AND ${notExtension('pg_proc', 'p.oid')}
        AND NOT EXISTS (SELECT 1 FROM pg_depend dep WHERE dep.classid = 'pg_proc'::regclass AND dep.objid = p.oid AND dep.deptype = 'i')`,
    // 8 triggers
    `SELECT n.nspname AS schema, c.relname AS rel, g.tgname AS name, pg_get_triggerdef(g.oid, true) AS def, g.tgenabled AS enabled,
            obj_description(g.oid, 'pg_trigger') AS comment
       FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE NOT g.tgisinternal AND ${ns} AND ${notExtension('pg_class', 'c.oid')}`,
    // 9 policies
    `SELECT n.nspname AS schema, c.relname AS rel, p.polname AS name, p.polcmd AS command, p.polpermissive AS permissive,
            (SELECT array_agg(g ORDER BY g) FROM (SELECT CASE WHEN r = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(r)::text END AS g FROM unnest(p.polroles) r) x) AS roles,
            pg_get_expr(p.polqual, p.polrelid) AS using, pg_get_expr(p.polwithcheck, p.polrelid) AS with_check,
            obj_description(p.oid, 'pg_policy') AS comment
       FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE ${ns}`,
    // 10 extensions (in the scope's schemas)
    `SELECT e.extname AS name, n.nspname AS schema FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
      WHERE e.extname <> 'plpgsql' AND ${ns}`,
    // 11 rules (a view's own _RETURN rule is the view)
    `SELECT n.nspname AS schema, c.relname AS rel, r.rulename AS name, pg_get_ruledef(r.oid, true) AS def, r.ev_enabled AS enabled,
            obj_description(r.oid, 'pg_rewrite') AS comment
       FROM pg_rewrite r JOIN pg_class c ON c.oid = r.ev_class JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE r.rulename <> '_RETURN' AND ${ns} AND ${notExtension('pg_class', 'c.oid')}`,
    // 12 extended statistics
    `SELECT n.nspname AS schema, s.stxname AS name, pg_get_statisticsobjdef(s.oid) AS def, obj_description(s.oid, 'pg_statistic_ext') AS comment,
            nullif(coalesce(s.stxstattarget::int, -1), -1) AS target
       FROM pg_statistic_ext s JOIN pg_namespace n ON n.oid = s.stxnamespace
      WHERE ${ns} AND ${notExtension('pg_statistic_ext', 's.oid')}`,
    // 13 collations (columns of every version through to_jsonb: the ICU locale is colliculocale in 15–16, colllocale from 17)
    `SELECT n.nspname AS schema, co.collname AS name, co.collprovider::text AS provider, co.collisdeterministic AS deterministic,
            to_jsonb(co)->>'collcollate' AS lc_collate, to_jsonb(co)->>'collctype' AS lc_ctype,
            coalesce(to_jsonb(co)->>'colliculocale', to_jsonb(co)->>'colllocale') AS locale, to_jsonb(co)->>'collicurules' AS icu_rules,
            obj_description(co.oid, 'pg_collation') AS comment
       FROM pg_collation co JOIN pg_namespace n ON n.oid = co.collnamespace
      WHERE ${ns} AND ${notExtension('pg_collation', 'co.oid')}`,
    // 14 text search configurations (parser, and each token type's dictionaries in order)
    `SELECT n.nspname AS schema, c.cfgname AS name, (SELECT prsname FROM pg_ts_parser WHERE oid = c.cfgparser) AS parser,
            (SELECT array_agg(t.alias || ':' || m.mapdict::regdictionary::text ORDER BY m.maptokentype, m.mapseqno)
               FROM pg_ts_config_map m JOIN ts_token_type(c.cfgparser) t ON t.tokid = m.maptokentype WHERE m.mapcfg = c.oid) AS mapping,
            obj_description(c.oid, 'pg_ts_config') AS comment
       FROM pg_ts_config c JOIN pg_namespace n ON n.oid = c.cfgnamespace
      WHERE ${ns} AND ${notExtension('pg_ts_config', 'c.oid')}`,
    // 15 text search dictionaries
    `SELECT n.nspname AS schema, d.dictname AS name, (SELECT tmplname FROM pg_ts_template WHERE oid = d.dicttemplate) AS template, d.dictinitoption AS options,
            obj_description(d.oid, 'pg_ts_dict') AS comment
       FROM pg_ts_dict d JOIN pg_namespace n ON n.oid = d.dictnamespace
      WHERE ${ns} AND ${notExtension('pg_ts_dict', 'd.oid')}`,
    // 16 operators
    `SELECT n.nspname AS schema, o.oprname || '(' || coalesce(format_type(nullif(o.oprleft, 0), NULL), 'NONE') || ', ' || coalesce(format_type(nullif(o.oprright, 0), NULL), 'NONE') || ')' AS name,
            o.oprcode::regprocedure::text AS function, format_type(o.oprresult, NULL) AS result,
            CASE WHEN o.oprcom <> 0 THEN o.oprcom::regoperator::text END AS commutator, CASE WHEN o.oprnegate <> 0 THEN o.oprnegate::regoperator::text END AS negator,
            nullif(o.oprrest::regproc::text, '-') AS restrict, nullif(o.oprjoin::regproc::text, '-') AS join, o.oprcanhash AS hashes, o.oprcanmerge AS merges,
            obj_description(o.oid, 'pg_operator') AS comment
       FROM pg_operator o JOIN pg_namespace n ON n.oid = o.oprnamespace
      WHERE ${ns} AND ${notExtension('pg_operator', 'o.oid')}`,
    // 17 casts made in the database (not the system's), of a type in scope when the scope is schemas
    `SELECT format_type(k.castsource, NULL) AS source, format_type(k.casttarget, NULL) AS target,
            CASE WHEN k.castfunc <> 0 THEN k.castfunc::regprocedure::text END AS function, k.castcontext::text AS context, k.castmethod::text AS method,
            obj_description(k.oid, 'pg_cast') AS comment
       FROM pg_cast k
      WHERE k.oid >= 16384 AND ${notExtension('pg_cast', 'k.oid')}
        ${scope.schemas ? `AND EXISTS (SELECT 1 FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE t.oid IN (k.castsource, k.casttarget) AND ${ns})` : ''}`,
    // 18 publications, 19 event triggers: objects of the database
    databaseWide(
      `SELECT p.pubname AS name, p.puballtables AS all_tables,
            concat_ws(', ', CASE WHEN p.pubinsert THEN 'insert' END, CASE WHEN p.pubupdate THEN 'update' END, CASE WHEN p.pubdelete THEN 'delete' END, CASE WHEN p.pubtruncate THEN 'truncate' END) AS publishes,
            CASE WHEN NOT p.puballtables THEN (SELECT array_agg(pt.schemaname || '.' || pt.tablename ORDER BY pt.schemaname, pt.tablename) FROM pg_publication_tables pt WHERE pt.pubname = p.pubname) END AS tables,
            obj_description(p.oid, 'pg_publication') AS comment
       FROM pg_publication p`,
    ),
    databaseWide(
      `SELECT e.evtname AS name, e.evtevent AS event, e.evtfoid::regprocedure::text AS function, e.evtenabled AS enabled, e.evttags AS tags,
            obj_description(e.oid, 'pg_event_trigger') AS comment
       FROM pg_event_trigger e WHERE ${notExtension('pg_event_trigger', 'e.oid')}`,
    ),
    // 20 default privileges, by schema (none: the database's) and kind of object, whoever's future objects they are for
    `SELECT coalesce(n.nspname, '') AS schema, d.defaclobjtype::text AS type, ${acl('d.defaclacl', 'd.defaclrole')} AS acl
       FROM pg_default_acl d LEFT JOIN pg_namespace n ON n.oid = d.defaclnamespace
      WHERE ${scope.schemas ? ns : `(d.defaclnamespace = 0 OR ${ns})`}`,
    // 21 foreign servers (their wrapper, type, version and options; not user mappings, whose
    // options hold passwords): objects of the database
    databaseWide(
      `SELECT s.srvname AS name, w.fdwname AS wrapper, s.srvtype AS type, s.srvversion AS version, ${sortedOptions('s.srvoptions')} AS options,
            obj_description(s.oid, 'pg_foreign_server') AS comment, ${acl('s.srvacl', 's.srvowner')} AS acl
       FROM pg_foreign_server s JOIN pg_foreign_data_wrapper w ON w.oid = s.srvfdw WHERE ${notExtension('pg_foreign_server', 's.oid')}`,
    ),
  ];
}

const RELKIND: Record<string, SnapshotKind> = { r: 'table', p: 'table', v: 'view', m: 'materialized view', S: 'sequence', f: 'foreign table' };
const CONTYPE: Record<string, string> = { p: 'primary key', f: 'foreign key', u: 'unique', c: 'check', x: 'exclusion', t: 'trigger', n: 'not null' };
const TYPTYPE: Record<string, SnapshotKind> = { e: 'enum', d: 'domain', c: 'composite type', r: 'range type' };
const PROKIND: Record<string, SnapshotKind> = { f: 'function', p: 'procedure', a: 'aggregate', w: 'function' };
/** When a trigger or rule fires, besides the usual: pg_trigger.tgenabled, pg_rewrite.ev_enabled. */
const FIRES: Record<string, string> = { R: 'replica only', A: 'always' };
const DEFAULT_ACL_OBJECTS: Record<string, string> = { r: 'tables', S: 'sequences', f: 'functions', T: 'types', n: 'schemas', L: 'large objects' };

/**
 * A foreign server's options with secrets masked (an FDW may take a password or token there, not
 * only in a user mapping): a snapshot is printed, diffed and written as JSON.
 */
function masked(options: unknown): unknown {
  return Array.isArray(options) ? options.map((o: string) => (/^[^=]*(?:pass|secret|token|key)[^=]*=/i.test(o) ? `${o.slice(0, o.indexOf('='))}=***` : o)) : options;
}

/** Drop empty fields so that an absent comment and a null one compare equal. */
function clean(def: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(def)) {
    if (v === null || v === undefined || v === '' || v === false || (Array.isArray(v) && v.length === 0)) continue;
    out[k] = v;
  }
  return out;
}

export function buildSnapshot(sets: Row[][], scope: SnapshotScope = {}): Snapshot {
  const excluded = new Set((scope.exclude ?? []).map((h) => `${h.schema}.${h.table}`));
  const skip = (schema: unknown, rel: unknown) => excluded.has(`${schema}.${rel}`);
  const list: SnapshotObject[] = [];
  const add = (kind: SnapshotKind, schema: string, name: string, def: Record<string, unknown>, table?: string) =>
    list.push({ kind, schema, name, def: clean(def), ...(table !== undefined ? { table } : {}) });
  const [schemas = [], rels = [], cols = [], cons = [], idx = [], seqs = [], types = [], procs = [], trigs = [], pols = [], exts = [], rules = [], stats = [], colls = [], tsConfigs = [], tsDicts = [], ops = [], casts = [], pubs = [], evts = [], defAcls = [], servers = []] = sets;

  for (const r of schemas) add('schema', String(r.schema), String(r.schema), { comment: r.comment, acl: r.acl });
  for (const r of rels) {
    if (skip(r.schema, r.name) || r.kind === 'S') continue; // sequences come with their parameters below
    add(RELKIND[String(r.kind)] ?? 'table', String(r.schema), String(r.name), {
      ...(r.kind === 'p' ? { partitioned: true, partition_key: r.partition_key } : {}),
      unlogged: r.persistence === 'u',
      rls: r.rls,
      force_rls: r.force_rls,
      definition: typeof r.def === 'string' ? r.def.trim() : undefined,
      partition_of: r.partition_of,
      bound: r.bound,
      inherits: r.inherits,
      options: r.options,
      replica_identity: r.replica_identity,
      cluster_on: r.cluster_on,
      server: r.foreign_server,
      comment: r.comment,
      acl: r.acl,
    });
  }
  for (const r of cols) {
    if (skip(r.schema, r.rel)) continue;
    add('column', String(r.schema), String(r.name), {
      type: r.type,
      not_null: r.notnull,
      default: r.default,
      identity: r.identity === 'a' ? 'always' : r.identity === 'd' ? 'by default' : undefined,
      generated: r.generated === 's' ? 'stored' : r.generated === 'v' ? 'virtual' : undefined,
      collation: r.collation,
      storage: r.storage === undefined || r.storage === null ? undefined : ({ p: 'plain', e: 'external', m: 'main', x: 'extended' } as Record<string, string>)[String(r.storage)],
      statistics: r.statistics,
      compression: r.compression === undefined || r.compression === null ? undefined : ({ p: 'pglz', l: 'lz4' } as Record<string, string>)[String(r.compression)] ?? r.compression,
      options: r.options,
      comment: r.comment,
      acl: r.acl,
    }, String(r.rel));
  }
  for (const r of cons) {
    if (skip(r.schema, r.rel) || r.type === 'n') continue; // NOT NULL constraints (PG 18) are the columns' not_null
    add('constraint', String(r.schema), String(r.name), { type: CONTYPE[String(r.type)] ?? r.type, definition: r.def, comment: r.comment }, String(r.rel));
  }
  for (const r of idx) {
    if (skip(r.schema, r.rel)) continue;
    add('index', String(r.schema), String(r.name), { definition: r.def, invalid: r.valid === false, comment: r.comment }, String(r.rel));
  }
  const excludedSeq = (owned: unknown) => typeof owned === 'string' && excluded.has(owned.slice(0, owned.lastIndexOf('.')));
  for (const r of seqs) {
    if (excludedSeq(r.owned_by)) continue;
    add('sequence', String(r.schema), String(r.name), {
      type: r.type,
      start: r.start,
      increment: r.increment,
      min: r.min,
      max: r.max,
      cache: r.cache === '1' ? undefined : r.cache,
      cycle: r.cycle,
      owned_by: r.owned_by,
      comment: r.comment,
      acl: r.acl,
    });
  }
  for (const r of types) {
    const kind = TYPTYPE[String(r.type)]!;
    add(kind, String(r.schema), String(r.name), { labels: r.labels, base: r.base, not_null: kind === 'domain' ? r.notnull : undefined, default: r.default, checks: r.checks, subtype: r.subtype, comment: r.comment, acl: r.acl });
  }
  for (const r of procs) {
    add(PROKIND[String(r.kind)] ?? 'function', String(r.schema), `${r.name}(${r.args ?? ''})`, { returns: r.result, definition: typeof r.def === 'string' ? r.def.trim() : undefined, comment: r.comment, acl: r.acl });
  }
  for (const r of trigs) {
    if (skip(r.schema, r.rel)) continue;
    add('trigger', String(r.schema), String(r.name), { definition: r.def, disabled: r.enabled === 'D', fires: FIRES[String(r.enabled)], comment: r.comment }, String(r.rel));
  }
  for (const r of pols) {
    if (skip(r.schema, r.rel)) continue;
    add('policy', String(r.schema), String(r.name), { command: r.command, permissive: r.permissive, roles: r.roles, using: r.using, with_check: r.with_check, comment: r.comment }, String(r.rel));
  }
  for (const r of exts) add('extension', String(r.schema), String(r.name), {});
  for (const r of rules) {
    if (skip(r.schema, r.rel)) continue;
    add('rule', String(r.schema), String(r.name), { definition: r.def, disabled: r.enabled === 'D', fires: FIRES[String(r.enabled)], comment: r.comment }, String(r.rel));
  }
  for (const r of stats) add('statistics', String(r.schema), String(r.name), { definition: r.def, target: r.target, comment: r.comment });
  for (const r of colls) add('collation', String(r.schema), String(r.name), { provider: r.provider, deterministic: r.deterministic ? undefined : 'no', lc_collate: r.lc_collate, lc_ctype: r.lc_ctype, locale: r.locale, icu_rules: r.icu_rules, comment: r.comment });
  for (const r of tsConfigs) add('text search configuration', String(r.schema), String(r.name), { parser: r.parser, mapping: r.mapping, comment: r.comment });
  for (const r of tsDicts) add('text search dictionary', String(r.schema), String(r.name), { template: r.template, options: r.options, comment: r.comment });
  for (const r of ops) add('operator', String(r.schema), String(r.name), { function: r.function, result: r.result, commutator: r.commutator, negator: r.negator, restrict: r.restrict, join: r.join, hashes: r.hashes, merges: r.merges, comment: r.comment });
  for (const r of casts) add('cast', '', `(${r.source} AS ${r.target})`, { function: r.function, context: ({ e: 'explicit', a: 'assignment', i: 'implicit' } as Record<string, string>)[String(r.context)], method: ({ f: undefined, i: 'inout', b: 'binary' } as Record<string, string | undefined>)[String(r.method)], comment: r.comment });
  for (const r of pubs) add('publication', '', String(r.name), { all_tables: r.all_tables, publishes: r.publishes, tables: (r.tables as string[] | null)?.filter((t) => !excluded.has(t)), comment: r.comment });
  for (const r of evts) add('event trigger', '', String(r.name), { event: r.event, function: r.function, disabled: r.enabled === 'D', fires: FIRES[String(r.enabled)], tags: r.tags, comment: r.comment });
  for (const r of servers) add('foreign server', '', String(r.name), { wrapper: r.wrapper, type: r.type, version: r.version, options: masked(r.options), comment: r.comment, acl: r.acl });
  // Default privileges of several roles in one schema, for one kind of object: one entry, their grants together.
  const defaults = new Map<string, { schema: string; type: string; acl: Set<string> }>();
  for (const r of defAcls) {
    const type = DEFAULT_ACL_OBJECTS[String(r.type)] ?? String(r.type);
    const key = `${r.schema}\0${type}`;
    const entry = defaults.get(key) ?? defaults.set(key, { schema: String(r.schema), type, acl: new Set() }).get(key)!;
    for (const a of (r.acl as string[] | null) ?? []) entry.acl.add(a);
  }
  // One that grants nothing to others (the role's own grant left after REVOKEs: supabase/storage's
  // GRANT … TO postgres, anon, … revoked from the others) is no default privilege.
  for (const d of defaults.values()) if (d.acl.size) add('default privileges', d.schema, `on ${d.type}`, { acl: [...d.acl].sort() });
  list.sort((a, b) => objectKey(a).localeCompare(objectKey(b)));
  const objects: Record<string, SnapshotObject> = {};
  for (const o of list) objects[objectKey(o)] = o;
  return { objects };
}
