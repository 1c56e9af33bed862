import { createHash } from 'node:crypto';
import { bytesOver } from '../manifest/schema.js';
import fs from 'node:fs';
import { regexLiteral } from '../text.js';
import { extensionPackage } from './extensions.js';
import { problem, type Problem } from '../errors.js';
import type { MigrationFile } from '../migrations/files.js';
import type { Module } from '../workspace.js';
import { ident, literal } from './postgres.js';
import { withDatabase, type DatabaseTarget } from './url.js';
import { INSUFFICIENT_PRIVILEGE } from './sqlstate.js';

/**
 * `db create` (SPEC §5, §7): each module's databases owned by a role of its own, CONNECT revoked
 * from PUBLIC, the module's schema and declared extensions — so the server enforces isolation,
 * not only Bulkhead's checks. Planning is pure (what the server has in, SQL out); running it is
 * in commands/db-create.ts.
 */

type PgTarget = Extract<DatabaseTarget, { kind: 'postgres' }>;

/** What one module needs on its server. */
export interface ModuleNeeds {
  module: Module;
  role: string;
  /** The password to give a role it creates (from the module's URL when its user is the role). */
  password?: string;
  /** The databases it owns: its own, or one per database tenant. */
  databases: PgTarget[];
  /** Its schema in each database (public needs no creating). */
  schema: string;
  extensions: readonly string[];
}

/** What the server has, read once per server. */
export interface ServerState {
  roles: ReadonlySet<string>;
  /** Database name → owner role. */
  databases: ReadonlyMap<string, string>;
  /** Database name → roles granted CONNECT (`PUBLIC` for everyone; the owner has it by default). */
  connect: ReadonlyMap<string, ReadonlySet<string>>;
  /** For databases that exist: their schemas and installed extensions. */
  schemas: ReadonlyMap<string, ReadonlySet<string>>;
  installed: ReadonlyMap<string, ReadonlySet<string>>;
  available: ReadonlySet<string>;
  /** Server major version, for package names in messages. */
  major: number;
}

/** One SQL statement, where it runs, and how it prints (passwords masked). */
export interface ProvisionStep {
  /** `server`: the maintenance connection; otherwise the database it runs in. */
  in: 'server' | string;
  sql: string;
  shown: string;
}

/** The comment that marks a database as provisioned for a module (validate --server reads it). */
export function provisionedComment(module: string, role: string): string {
  return `bulkhead: database of module ${module}, role ${role}`;
}

export function parseProvisionedComment(comment: string | null | undefined): { module: string; role: string } | undefined {
  const m = /^bulkhead: database of module ([a-z][a-z0-9-]*), role (.+)$/.exec(comment ?? '');
  return m ? { module: m[1]!, role: m[2]! } : undefined;
}

/**
 * `<module>_owner`; a module name too long for it (PostgreSQL cuts names to 63 bytes, and two
 * long names alike at the start would be one role) keeps its first 48 characters and a hash.
 */
export function ownerRole(module: string): string {
  const base = module.replace(/-/g, '_');
  if (!bytesOver(`${base}_owner`)) return `${base}_owner`;
  return `${base.slice(0, 48)}_${createHash('sha256').update(module).digest('hex').slice(0, 8)}_owner`;
}

/**
 * The module's role: the user of its URL when that user is its own (no other module's URL names
 * it, and it is not the superuser `postgres`), else `<module>_owner`.
 */
export function roleOf(module: Module, all: readonly Module[]): { role: string; password?: string } {
  const t = module.target;
  const derived = ownerRole(module.name);
  if (t.kind !== 'postgres' || !t.user || t.user === 'postgres') return { role: derived };
  const shared = all.some((m) => m !== module && m.target.kind === 'postgres' && m.target.user === t.user && m.target.host === t.host && m.target.port === t.port);
  return shared ? { role: derived } : { role: t.user, password: t.password };
}

export function moduleNeeds(module: Module, all: readonly Module[]): ModuleNeeds | undefined {
  if (module.target.kind !== 'postgres') return undefined;
  const t = module.target;
  const tenants = module.manifest.tenants;
  const databases = tenants?.kind === 'database' ? (tenants.names ?? []).map((n) => withDatabase(t, n) as PgTarget) : [t];
  const { role, password } = roleOf(module, all);
  const schema = tenants?.kind === 'schema' ? 'public' : module.schema;
  return { module, role, password, databases, schema, extensions: module.manifest.extensions };
}

/**
 * A module's declared extension as db create makes it: in the module's schema (public for schema
 * tenants). Public is named only for schema tenants, whose sessions' search path starts with the
 * tenant's schema; unnamed, an extension whose control file fixes its schema goes there.
 */
export function createExtensionSql(ext: string, module: Module): string {
  const schema = extensionSchema(module);
  return `CREATE EXTENSION IF NOT EXISTS ${ident(ext)}${schema !== 'public' || schemaTenants(module) ? ` SCHEMA ${ident(schema)}` : ''}`;
}

/** The schema db create puts a module's declared extensions in: its own, or public for schema tenants (each tenant's schema is not the database's). */
export function extensionSchema(module: Module): string {
  return module.manifest.tenants?.kind === 'schema' ? 'public' : module.schema;
}

/**
 * What db create gives a module's database, for a database Bulkhead makes itself — an embedded
 * module's at its first up, a scratch database of verify, drift or lint: its schema and the
 * declared extensions that none of its migrations creates (those it relies on db create for; one
 * a migration creates is left to it, as a plain CREATE EXTENSION of one made already would fail).
 */
export function provisionSql(module: Module): string[] {
  // Its migrations unread (a module outside a per-module run): nothing it might create itself.
  if (!module.scanned) return [];
  const schema = extensionSchema(module);
  const own = extensionsLeftToDbCreate(module);
  if (!own.length) return [];
  return [...(schema !== 'public' ? [`CREATE SCHEMA IF NOT EXISTS ${ident(schema)}`] : []), ...own.map((ext) => createExtensionSql(ext, module))];
}

/** Per module, read once: the check reads TS/JS migrations' source, and every tenant of a module asks. */
const leftToDbCreate = new WeakMap<Module, readonly string[]>();

/** The declared extensions none of the module's migrations creates: db create makes them. */
export function extensionsLeftToDbCreate(module: Module): readonly string[] {
  let left = leftToDbCreate.get(module);
  // Schema tenants: every declared one, first, in public. A migration's CREATE EXTENSION would
  // put it in whichever tenant's schema runs first, out of the others' sight (BH067).
  if (!left) leftToDbCreate.set(module, (left = schemaTenants(module) ? module.manifest.extensions : module.manifest.extensions.filter((ext) => !module.migrations.some((m) => createsExtension(m, ext)))));
  return left;
}

function schemaTenants(module: Module): boolean {
  return module.manifest.tenants?.kind === 'schema';
}

/** Whether a migration's text creates this extension (TS/JS migrations: their source). */
function createsExtension(m: MigrationFile, ext: string): boolean {
  let text = m.sql?.up;
  if (text === undefined) {
    try {
      text = fs.readFileSync(m.upPath, 'utf8');
    } catch {
      return false;
    }
  }
  const name = regexLiteral(ext);
  // SQL's CREATE EXTENSION, or knex's builder (knex.schema.createExtensionIfNotExists('citext')).
  return (
    new RegExp(`create\\s+extension\\s+(?:if\\s+not\\s+exists\\s+)?(["'\`]?)${name}\\1(?![\\w-])`, 'i').test(text) ||
    new RegExp(`\\.createExtension(?:IfNotExists)?\\(\\s*(["'\`])${name}\\1`).test(text)
  );
}

/**
 * The statements that bring the server to what the modules need, and the problems that stop it
 * (a missing extension). Idempotent by construction: only what is missing is created; grants and
 * revokes are safe to repeat.
 */
export function planProvision(needs: readonly ModuleNeeds[], state: ServerState): { steps: ProvisionStep[]; problems: Problem[] } {
  const steps: ProvisionStep[] = [];
  const problems: Problem[] = [];
  const createdRoles = new Set<string>();
  const createdDbs = new Set<string>();
  const revoked = new Set<string>();
  const step = (where: string, sql: string, shown = sql) => steps.push({ in: where, sql, shown });
  for (const n of needs) {
    for (const ext of n.extensions) {
      if (!state.available.has(ext)) {
        problems.push(
          problem('BH049', `extension ${ext} that module ${n.module.name} declares is not available on ${n.databases[0]?.display ?? 'its server'}`, {
            module: n.module.name,
            file: n.module.file,
            field: 'extensions',
            fix: `install it on the server: ${extensionPackage(ext, state.major)}; or remove it from "extensions"`,
          }),
        );
      }
    }
  }
  if (problems.length) return { steps, problems };
  for (const n of needs) {
    if (!state.roles.has(n.role) && !createdRoles.has(n.role)) {
      createdRoles.add(n.role);
      const base = `CREATE ROLE ${ident(n.role)} LOGIN`;
      if (n.password) step('server', `${base} PASSWORD ${literal(n.password)}`, `${base} PASSWORD '***'`);
      else step('server', base);
    }
    for (const db of n.databases) {
      const name = db.database;
      const owner = state.databases.get(name);
      const fresh = owner === undefined && !createdDbs.has(name);
      const grants = state.connect.get(name) ?? new Set<string>();
      if (fresh) {
        createdDbs.add(name);
        step('server', `CREATE DATABASE ${ident(name)} OWNER ${ident(n.role)}`);
        step('server', `COMMENT ON DATABASE ${ident(name)} IS ${literal(provisionedComment(n.module.name, n.role))}`);
      }
      // Schema mode: modules sharing a database share its owner; each gets CONNECT and its schema.
      if (fresh || grants.has('PUBLIC')) {
        if (!revoked.has(name)) step('server', `REVOKE CONNECT, TEMPORARY ON DATABASE ${ident(name)} FROM PUBLIC`);
        revoked.add(name);
      }
      const owned = fresh ? n.role : owner;
      if (owned !== n.role && !grants.has(n.role)) step('server', `GRANT CONNECT, TEMPORARY ON DATABASE ${ident(name)} TO ${ident(n.role)}`);
      if (n.schema !== 'public' && !state.schemas.get(name)?.has(n.schema)) step(name, `CREATE SCHEMA IF NOT EXISTS ${ident(n.schema)} AUTHORIZATION ${ident(n.role)}`);
      for (const ext of n.extensions) {
        if (!state.installed.get(name)?.has(ext)) step(name, createExtensionSql(ext, n.module));
      }
    }
  }
  return { steps, problems };
}

/**
 * `validate --server`: for every database `db create` provisioned, prove by connecting as its
 * module's role that the role cannot reach any other module's database on that server. A role
 * whose credentials are not at hand (no password in its URL) is judged by its privileges instead.
 */
export async function probeRoleIsolation(modules: readonly Module[]): Promise<{ problems: Problem[]; notes: string[] }> {
  const { withClient } = await import('./client.js');
  const problems: Problem[] = [];
  const notes: string[] = [];
  const servers = new Map<string, { module: Module; target: PgTarget }[]>();
  for (const m of modules) {
    if (m.target.kind !== 'postgres') continue;
    const key = `${m.target.host}:${m.target.port}`;
    (servers.get(key) ?? servers.set(key, []).get(key)!).push({ module: m, target: m.target });
  }
  for (const list of servers.values()) {
    if (list.length < 2) continue;
    // Which of these databases db create provisioned, and for which role.
    const provisioned = new Map<string, { module: string; role: string }>();
    let reachable: PgTarget | undefined;
    for (const { target } of list) {
      try {
        await withClient(target.url, 'validate', async (c) => {
          const r = await c.query(`SELECT datname, shobj_description(oid, 'pg_database') AS comment FROM pg_database WHERE datname = ANY($1)`, [list.map((x) => x.target.database)]);
          for (const row of r.rows as { datname: string; comment: string | null }[]) {
            const p = parseProvisionedComment(row.comment);
            if (p) provisioned.set(row.datname, p);
          }
        });
        reachable = target;
        break;
      } catch {
        // Reachability is reported by the connection checks; try the next module's URL.
      }
    }
    if (!reachable) continue;
    for (const { module, target } of list) {
      const mine = provisioned.get(target.database);
      if (!mine || mine.module !== module.name) continue;
      const credentials = target.user === mine.role ? { user: mine.role, password: target.password } : { user: mine.role };
      for (const other of list) {
        if (other.target.database === target.database) continue;
        const leak = await canReach(withClient, other.target, credentials, reachable, mine.role);
        if (leak) {
          problems.push(
            problem('BH051', `role ${mine.role} of module ${module.name} can connect to database ${other.target.database} of module ${other.module.name} (${leak})`, {
              module: module.name,
              fix: `REVOKE CONNECT ON DATABASE ${ident(other.target.database)} FROM PUBLIC${leak.includes('granted') ? `, ${ident(mine.role)}` : ''}; or run bulkhead db create, which provisions it sealed`,
            }),
          );
        }
      }
    }
    const unprovisioned = list.filter((x) => provisioned.get(x.target.database)?.module !== x.module.name).map((x) => x.module.name);
    if (unprovisioned.length) notes.push(`roles are checked only for databases made by bulkhead db create; not for: ${unprovisioned.join(', ')}`);
  }
  return { problems, notes };
}

async function canReach(
  withClient: typeof import('./client.js').withClient,
  target: PgTarget,
  credentials: { user: string; password?: string },
  admin: PgTarget,
  role: string,
): Promise<string | undefined> {
  try {
    await withClient(target.url, 'validate', async () => undefined, credentials);
    return 'it connected';
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === INSUFFICIENT_PRIVILEGE) return undefined; // permission denied for database: sealed, proven.
  }
  // Could not log in as the role (no password at hand): ask the server what it would allow.
  const allowed = await withClient(admin.url, 'validate', async (c) => (await c.query(`SELECT has_database_privilege($1, $2, 'CONNECT') AS ok`, [role, target.database])).rows[0]?.ok === true).catch(() => false);
  return allowed ? 'CONNECT is granted to it or to PUBLIC' : undefined;
}
