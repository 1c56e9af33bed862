import { exitCodeOf, formatProblem, groupAlike, type ExitCode, type Problem } from '../errors.js';
import { checkRequiresStatic } from '../plan/requires.js';
import { checkOwnership, fixedSchemaInTenants } from '../plan/ownership.js';
import { analyseModules, moduleCreates, rememberCachedStatements } from '../analysis/migrations.js';
import { prepareMigration, type Runnable } from '../runner/prepare.js';
import { undeclaredEmbeddedExtensions, unprovidedEmbeddedExtensions } from '../plan/build.js';
import { moduleUnit } from '../plan/units.js';
import { loadWorkspace, type LoadOptions, type Module } from '../workspace.js';
import { checkProduction, DEFAULT_LOCK_TIMEOUT_MS, isProduction } from './options.js';
import { withTargets } from '../db/targets.js';
import { probeRoleIsolation } from '../db/provision.js';
import { knownTransactionPool } from '../db/postgres.js';
import { listUnits, readUnits } from '../runner/read.js';
import { BulkheadError } from '../errors.js';

export interface ValidateResult {
  command: 'validate';
  exitCode: ExitCode;
  root: string;
  modules: { module: string; manifest: string; database: string; dependsOn: string[]; migrations: number }[];
  order: string[];
  /** The order as waves: each wave's modules run at once, after every earlier wave. */
  waves: string[][];
  problems: Problem[];
  /** Worth a look but not wrong; they do not change the exit code. */
  warnings: Problem[];
  /** What this validation did not check, and how to check it. */
  notes: string[];
}

/**
 * Static checks, no database (SPEC §5 `validate`): manifests, environment, isolation, graph,
 * file names, and every migration loaded — SQL parsed, TS/JS imported, `requires` resolved.
 */

export async function validate(o: LoadOptions & { production?: boolean; server?: boolean } = {}): Promise<ValidateResult> {
  // Without --server it connects nowhere: an unset URL variable is told, not refused.
  const ws = loadWorkspace({ ...o, filesOnly: o.server !== true });
  const problems: Problem[] = [...ws.problems];
  try {
    checkProduction(ws.modules, isProduction(o));
  } catch (e) {
    if (e instanceof BulkheadError) problems.push(...e.problems);
    else throw e;
  }
  const upsOf = new Map<Module, Runnable[]>();
  // Statements as the analysis cache has them split (a file that did not parse is not there): not parsed again.
  const cache = rememberCachedStatements(ws, ws.modules);
  for (const module of ws.modules) {
    // A URL known to reach a pool in transaction mode, which up refuses (BH071): known without connecting.
    const pool = module.target.kind === 'postgres' ? knownTransactionPool(module.name, module.target, module.file) : undefined;
    if (pool) problems.push(pool);
    const ups: Runnable[] = [];
    for (const m of module.migrations) {
      // A TS/JS file that does not load fails both directions alike: it is told once.
      const told = new Set<string>();
      for (const direction of ['up', 'down'] as const) {
        if (direction === 'down' && m.format === 'sql' && !m.downPath) continue;
        const prepared = await prepareMigration(module.name, m, direction, ws.rel);
        if (!prepared.ok) {
          // A missing down is allowed (forward-only); status shows it.
          for (const p of prepared.problems) {
            const said = formatProblem(p);
            if (p.code === 'BH028' || told.has(said)) continue;
            told.add(said);
            problems.push(p);
          }
        } else if (direction === 'up') {
          problems.push(...checkRequiresStatic(ws, module, m.id, ws.rel(m.upPath), prepared.runnable.requires));
          ups.push(prepared.runnable);
        }
      }
    }
    problems.push(...undeclaredEmbeddedExtensions(moduleUnit(module), ups, ws.rel));
    upsOf.set(module, ups);
  }
  const warnings = [...ws.warnings];
  // A forgotten migrations folder (BH047) leaves the module's own migrations readable.
  if (!ws.problems.some((p) => p.code !== 'BH047')) {
    // Isolation in depth: every module's migrations against every other module's objects.
    const analysis = await analyseModules(ws, ws.modules, cache);
    problems.push(...checkOwnership(ws.modules, analysis.analysed));
    // An embedded module's use of an extension it neither declares nor creates (which up would refuse).
    const creates = moduleCreates(analysis);
    for (const [module, ups] of upsOf) problems.push(...unprovidedEmbeddedExtensions(moduleUnit(module), ups, creates, ws));
    warnings.push(...analysis.problems, ...fixedSchemaInTenants(ws.modules, analysis.analysed));
  }
  const notes: string[] = [];
  if (o.server && ws.modules.length && !problems.length) {
    // Connect: every database reachable, and no two modules on one database however their URLs are written.
    await withTargets({ command: 'validate', lockTimeoutMs: DEFAULT_LOCK_TIMEOUT_MS, production: isProduction(o) }, async (pool) => {
      try {
        const units = await listUnits(ws, pool, ws.modules, { readOnly: true });
        problems.push(...(await readUnits(ws, pool, units, { readOnly: true })).problems);
        // Isolation enforced by the server: a module's role cannot reach other modules' databases.
        const roles = await probeRoleIsolation(ws.modules);
        problems.push(...roles.problems);
        notes.push(...roles.notes);
      } catch (e) {
        if (!(e instanceof BulkheadError)) throw e;
        problems.push(...e.problems);
      }
    });
  } else if (!o.server && ws.modules.some((m) => m.target.kind === 'postgres')) {
    notes.push('URLs were compared as written; whether two of them reach one database (a socket and 127.0.0.1, a host alias) needs a connection: bulkhead validate --server (up checks it before it runs)');
  }
  return {
    command: 'validate',
    notes,
    warnings,
    exitCode: exitCodeOf(problems),
    root: ws.root,
    modules: ws.modules.map((m) => ({
      module: m.name,
      manifest: m.file,
      database: m.target.display,
      dependsOn: m.manifest.dependsOn,
      migrations: m.migrations.length,
    })),
    order: ws.graph.order,
    waves: ws.graph.waves,
    problems: groupAlike(problems),
  };
}
