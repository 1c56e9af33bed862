import { problem, type Problem } from '../errors.js';
import type { HistoryTable } from '../history/store.js';
import { reservedName, TENANT_NAME } from '../manifest/schema.js';
import { databaseIdentity, withDatabase, type DatabaseTarget } from '../db/url.js';
import type { Module } from '../workspace.js';

/**
 * What runs: a module at a target (SPEC §2). A module without `tenants` is one unit; with
 * tenants, one unit per tenant — a schema of the module's database or a database on its server.
 * Units are what get locks, history tables, plans, results and exit codes.
 */
export interface Unit {
  /** `module`, or `module@tenant`: how the unit prints and how a run names it. */
  readonly id: string;
  readonly module: Module;
  readonly tenant: string | undefined;
  readonly target: DatabaseTarget;
  /** The schema its migrations run in (`search_path`). */
  readonly schema: string;
  readonly history: HistoryTable;
}

export function unitId(module: string, tenant: string | undefined): string {
  return tenant === undefined ? module : `${module}@${tenant}`;
}

/** The module itself as a unit (modules without tenants). */
export function moduleUnit(module: Module): Unit {
  return Object.freeze({ id: module.name, module, tenant: undefined, target: module.target, schema: module.schema, history: module.history });
}

/**
 * Whether a history table found in a unit's database belongs to another unit of the workspace:
 * another schema tenant's of its module, or another module's (in its schema, or in a schema
 * tenant's) — not where a changed manifest left this unit's history.
 */
export function historyOfAnother(modules: readonly Module[], unit: Unit, t: HistoryTable): boolean {
  const schemaTenants = (m: Module) => m.manifest.tenants?.kind === 'schema';
  if (schemaTenants(unit.module) && t.table === unit.history.table && t.schema !== unit.history.schema) return true;
  return modules.some((m) => m !== unit.module && t.table === m.history.table && (t.schema === m.history.schema || schemaTenants(m)));
}

/** One unit per tenant, in the order listed. */
export function tenantUnits(module: Module, tenants: readonly string[]): Unit[] {
  const kind = module.manifest.tenants?.kind;
  return tenants.map((tenant) =>
    Object.freeze(
      kind === 'schema'
        ? { id: unitId(module.name, tenant), module, tenant, target: module.target, schema: tenant, history: { schema: tenant, table: module.history.table } }
        : { id: unitId(module.name, tenant), module, tenant, target: withDatabase(module.target, tenant), schema: module.schema, history: module.history },
    ),
  );
}

/** Problems with a tenant list (from a manifest or a query): invalid, reserved or repeated names. */
export function checkTenantNames(module: Module, names: readonly string[], source: string): Problem[] {
  const problems: Problem[] = [];
  const seen = new Set<string>();
  const kind = module.manifest.tenants?.kind ?? 'schema';
  for (const name of names) {
    const reserved = TENANT_NAME.test(name) ? reservedName(kind, name) : undefined;
    if (reserved) {
      problems.push(
        problem('BH039', `${source} lists tenant ${name}, a ${kind} name the server keeps for itself: ${reserved}`, {
          module: module.name,
          file: module.file,
          field: 'tenants',
          fix: `name the tenant's ${kind} otherwise${kind === 'schema' && name.startsWith('pg_') ? ` (e.g. t_${name.slice(3)})` : ''}`,
        }),
      );
    } else if (!TENANT_NAME.test(name)) {
      problems.push(
        problem('BH039', `${source} lists tenant ${JSON.stringify(name)}, which is not a valid ${module.manifest.tenants?.kind ?? 'tenant'} name`, {
          module: module.name,
          file: module.file,
          field: 'tenants',
          fix: 'tenant names are plain identifiers: letters, digits, _, $ or -, starting with a letter or _, at most 63 characters',
        }),
      );
    } else if (seen.has(name)) {
      problems.push(
        problem('BH039', `${source} lists tenant ${name} twice`, { module: module.name, file: module.file, field: 'tenants', fix: 'list each tenant once' }),
      );
    }
    seen.add(name);
  }
  return problems;
}

/** A `--tenant` glob: `*` any run of characters, `?` one; anything else literal. */
export function tenantMatcher(globs: readonly string[]): (tenant: string) => boolean {
  if (!globs.length) return () => true;
  const res = globs.map((g) => new RegExp(`^${g.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`));
  return (tenant) => res.some((re) => re.test(tenant));
}

/**
 * Isolation of targets (SPEC §7): no two modules' units on one (database, schema), and no shared
 * history table on one database. Static (URLs as written) for modules and listed tenants; query
 * tenants are checked when a command lists them. Tenants of one module are distinct by construction.
 */
export function checkUnitIsolation(units: readonly Unit[]): Problem[] {
  const problems: Problem[] = [];
  const bySchema = new Map<string, Unit>();
  const byHistory = new Map<string, Unit>();
  const names = (a: Unit, b: Unit) => (a.tenant === undefined && b.tenant === undefined ? `modules ${a.id} and ${b.id}` : `${a.id} and ${b.id}`);
  for (const u of units) {
    const db = databaseIdentity(u.target);
    const schemaKey = `${db}#${u.schema}`;
    const other = bySchema.get(schemaKey);
    if (other && other.module !== u.module) {
      problems.push(
        problem('BH008', `${names(other, u)} both use database ${u.target.display}, schema ${u.schema}`, {
          module: u.module.name,
          file: u.module.file,
          field: u.tenant === undefined ? 'database.url' : 'tenants',
          fix:
            u.tenant === undefined && other.tenant === undefined
              ? `give each module its own database (e.g. a distinct database name in ${u.module.name}'s URL), or a distinct database.schema`
              : 'give each module its own database or schema; a tenant must not be another module\'s target',
        }),
      );
    } else if (!other) bySchema.set(schemaKey, u);
    const historyKey = `${db}#${u.history.schema}.${u.history.table}`;
    const owner = byHistory.get(historyKey);
    if (owner && owner.module !== u.module) {
      problems.push(
        problem('BH009', `${names(owner, u)} share history table ${u.history.schema}.${u.history.table} on ${u.target.display}`, {
          module: u.module.name,
          file: u.module.file,
          field: 'historyTable',
          fix: `remove "historyTable" from ${u.module.name}'s manifest (the default is ${u.module.name.replace(/-/g, '_')}_migrations) or pick a distinct name`,
        }),
      );
    } else if (!owner) byHistory.set(historyKey, u);
  }
  return problems;
}
