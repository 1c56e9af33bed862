import type pg from 'pg';
import { withClient } from '../db/client.js';
import { noAnswer, timedOut } from '../db/postgres.js';
import { moduleNeeds, planProvision, type ModuleNeeds, type ProvisionStep, type ServerState } from '../db/provision.js';
import { parseDatabaseUrl, withDatabase, type DatabaseTarget } from '../db/url.js';
import { BulkheadError, exitCodeOf, problem, type ExitCode, type Problem } from '../errors.js';
import { redact } from '../redact.js';
import { loadValidWorkspace, selectModules, type CommonOptions } from './options.js';
import { INSUFFICIENT_PRIVILEGE } from '../db/sqlstate.js';

type PgTarget = Extract<DatabaseTarget, { kind: 'postgres' }>;

export interface DbCreateOptions extends CommonOptions {
  /** Print the SQL, change nothing. */
  dryRun?: boolean;
  /**
   * A connection allowed to create roles and databases (`--admin-url`), for the server it points
   * at; other servers are reached with each module's own URL at the `postgres` database.
   */
  adminUrl?: string;
}

export interface DbCreateResult {
  command: 'db create';
  exitCode: ExitCode;
  dryRun: boolean;
  servers: {
    server: string;
    modules: { module: string; role: string; databases: string[] }[];
    /** What ran (or would run): `in` is `server` or a database name; passwords masked. */
    steps: { in: string; sql: string }[];
  }[];
  /** Modules not provisioned, and why (embedded databases, tenants listed by a query). */
  skipped: { module: string; why: string }[];
  problems: Problem[];
}

/**
 * `db create` (SPEC §5): every missing module database, owned by a role of the module's own, with
 * CONNECT revoked from PUBLIC, the module's schema and declared extensions. Reads each server
 * first and checks everything (a missing extension stops it before anything is created);
 * idempotent: a second run finds nothing to do.
 */
export async function dbCreate(o: DbCreateOptions = {}): Promise<DbCreateResult> {
  const ws = loadValidWorkspace({ ...o, modules: undefined, scan: [] });
  const selected = selectModules(ws, o.modules);
  const skipped: DbCreateResult['skipped'] = [];
  const groups = new Map<string, ModuleNeeds[]>();
  for (const m of selected) {
    if (m.target.kind !== 'postgres') {
      skipped.push({ module: m.name, why: 'embedded database: created by its first up' });
      continue;
    }
    if (m.manifest.tenants?.kind === 'database' && !m.manifest.tenants.names) {
      skipped.push({ module: m.name, why: 'tenant databases listed by a query: the query names databases that already exist' });
      continue;
    }
    const needs = moduleNeeds(m, ws.modules)!;
    const key = `${m.target.host}:${m.target.port}`;
    (groups.get(key) ?? groups.set(key, []).get(key)!).push(needs);
  }
  const admin = o.adminUrl !== undefined ? adminTarget(o.adminUrl, ws.root) : undefined;
  const planned: { server: PgTarget; needs: ModuleNeeds[]; steps: ProvisionStep[] }[] = [];
  const problems: Problem[] = [];
  for (const [key, needs] of groups) {
    const server = admin && `${admin.host}:${admin.port}` === key ? admin : await firstReachable(needs);
    const state = await readServerState(server, needs, needs[0]!.module.name);
    const p = planProvision(needs, state);
    problems.push(...p.problems);
    planned.push({ server, needs, steps: p.steps });
  }
  const result = (exitCode: ExitCode): DbCreateResult => ({
    command: 'db create',
    exitCode,
    dryRun: o.dryRun === true,
    servers: planned.map((p) => ({
      server: `${p.server.host}:${p.server.port}`,
      modules: p.needs.map((n) => ({ module: n.module.name, role: n.role, databases: n.databases.map((d) => d.database) })),
      steps: p.steps.map((s) => ({ in: s.in, sql: s.shown })),
    })),
    skipped,
    problems,
  });
  if (problems.length) return result(exitCodeOf(problems));
  if (o.dryRun) return result(0);
  for (const p of planned) {
    for (const s of p.steps) {
      o.reporter?.notice?.(`${s.in === 'server' ? '' : `[${s.in}] `}${s.shown}`);
      const target = s.in === 'server' ? p.server : (withDatabase(p.server, s.in) as PgTarget);
      await onServer(target, p.needs[0]!.module.name, (c) => c.query(s.sql), s.shown);
    }
  }
  return result(0);
}

/**
 * Without --admin-url: the first module URL on this server (at its `postgres` database) that
 * connects; a module's own role often does not exist yet, another module's URL may be an admin's.
 */
async function firstReachable(needs: readonly ModuleNeeds[]): Promise<PgTarget> {
  const candidates = needs.map((n) => withDatabase(n.module.target as PgTarget, 'postgres') as PgTarget);
  let reachable: PgTarget | undefined;
  for (const c of candidates) {
    try {
      const admin = await withClient(c.url, 'db create', async (client) => {
        const r = await client.query(`SELECT rolsuper OR (rolcreaterole AND rolcreatedb) AS admin FROM pg_roles WHERE rolname = current_user`);
        return r.rows[0]?.admin === true;
      });
      if (admin) return c;
      reachable ??= c;
    } catch {
      // Try the next module's credentials.
    }
  }
  // None may create roles and databases: the first that connects reports what it may not do.
  return reachable ?? candidates.at(-1)!;
}

function adminTarget(url: string, root: string): PgTarget {
  let t: DatabaseTarget;
  try {
    t = parseDatabaseUrl(url, root);
  } catch (e) {
    throw new BulkheadError(problem('BH025', `--admin-url: ${(e as Error).message}`, { fix: 'give a postgres:// URL of a role that may create roles and databases' }));
  }
  if (t.kind !== 'postgres') throw new BulkheadError(problem('BH025', '--admin-url must be a postgres:// URL', { fix: 'embedded databases need no provisioning' }));
  return t;
}

/** Run on a server connection; a refused connection or a missing privilege is exit 2 with the fix. */
async function onServer<T>(target: PgTarget, module: string, fn: (c: pg.Client) => Promise<T>, doing: string): Promise<T> {
  try {
    return await withClient(target.url, 'db create', fn);
  } catch (e) {
    const err = e as { code?: string; message?: string };
    if (err.code === INSUFFICIENT_PRIVILEGE) {
      throw new BulkheadError(
        problem('BH050', `${target.display}: ${doing}: ${redact(err.message ?? '')}`, {
          module,
          fix: 'run with --admin-url postgres://<role>@<host>/postgres, a role with CREATEROLE and CREATEDB (or a superuser)',
        }),
      );
    }
    if (err.code === undefined || /^08|^28|^3D/.test(err.code)) {
      throw new BulkheadError(
        problem('BH020', `cannot connect to ${target.display} to provision: ${timedOut(err) ? noAnswer(target.url) : redact(err.message ?? String(e))}`, {
          module,
          fix: 'check the server is up; give a role that may create databases with --admin-url postgres://<role>@<host>/postgres',
        }),
      );
    }
    throw new BulkheadError(problem('BH050', `${target.display}: ${doing}: ${redact(err.message ?? String(e))}`, { module, fix: 'fix the server state named above, then run db create again' }));
  }
}

/** One round of catalog reads per server (and one per existing database, for schemas and extensions). */
async function readServerState(server: PgTarget, needs: readonly ModuleNeeds[], module: string): Promise<ServerState> {
  const roles = [...new Set(needs.map((n) => n.role))];
  const dbs = [...new Set(needs.flatMap((n) => n.databases.map((d) => d.database)))];
  const base = await onServer(
    server,
    module,
    async (c) => {
      const r = await c.query(`SELECT rolname FROM pg_roles WHERE rolname = ANY($1)`, [roles]);
      const d = await c.query(
        `SELECT d.datname, pg_get_userbyid(d.datdba) AS owner,
                coalesce(array_agg(CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(a.grantee)::text END) FILTER (WHERE a.privilege_type = 'CONNECT'), '{}')::text[] AS connect
           FROM pg_database d LEFT JOIN LATERAL aclexplode(coalesce(d.datacl, acldefault('d', d.datdba))) a ON true
          WHERE d.datname = ANY($1) GROUP BY d.datname, d.datdba`,
        [dbs],
      );
      const x = await c.query(`SELECT name FROM pg_available_extensions`);
      const v = await c.query(`SELECT current_setting('server_version_num')::int / 10000 AS major`);
      return { roles: r.rows, dbs: d.rows, available: x.rows, major: Number(v.rows[0].major) };
    },
    'reading roles and databases',
  );
  const schemas = new Map<string, Set<string>>();
  const installed = new Map<string, Set<string>>();
  for (const row of base.dbs as { datname: string }[]) {
    await onServer(
      withDatabase(server, row.datname) as PgTarget,
      module,
      async (c) => {
        schemas.set(row.datname, new Set((await c.query(`SELECT nspname FROM pg_namespace`)).rows.map((x: { nspname: string }) => x.nspname)));
        installed.set(row.datname, new Set((await c.query(`SELECT extname FROM pg_extension`)).rows.map((x: { extname: string }) => x.extname)));
      },
      `reading ${row.datname}`,
    );
  }
  return {
    roles: new Set((base.roles as { rolname: string }[]).map((r) => r.rolname)),
    databases: new Map((base.dbs as { datname: string; owner: string }[]).map((d) => [d.datname, d.owner])),
    connect: new Map((base.dbs as { datname: string; connect: string[] }[]).map((d) => [d.datname, new Set(d.connect)])),
    schemas,
    installed,
    available: new Set((base.available as { name: string }[]).map((r) => r.name)),
    major: base.major,
  };
}
