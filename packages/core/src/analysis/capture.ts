import type { ProblemCode } from '../errors.js';
import { withScratchDatabase } from '../db/scratch.js';
import { moduleUnit } from '../plan/units.js';
import { prepareMigration, type Runnable } from '../runner/prepare.js';
import { replay } from '../runner/replay.js';
import type { Module, Workspace } from '../workspace.js';
import { regexLiteral } from '../text.js';

/** The SQL one TS/JS migration sent to the database, per direction. */
export interface Captured {
  up: string[];
  down: string[];
  /** Its down ran (the chain's downs stop at a failure, or at a SQL migration without one): `down` is all it sends. */
  downRan?: true;
}

export interface CaptureResult {
  /** By migration id, for every TS/JS migration whose up and down ran. */
  captured: Map<string, Captured>;
  /**
   * Where the chain stopped (a migration that failed on the scratch database), if it did; `code`
   * when it did not even prepare (the problem's own code, which validate and up report).
   */
  stopped?: { id: string; direction: 'up' | 'down'; message: string; code?: ProblemCode; sql?: string[] };
}

/**
 * What a module's TS/JS migrations do is only known from the SQL they emit: run the module's
 * whole chain (SQL files too, for the schema the TS ones build on) up, then down in reverse, on an
 * in-memory PGlite scratch database, recording every statement knex sends while a TS/JS migration
 * runs. No server is touched; nothing outlives the call.
 */
export async function captureModuleSql(ws: Workspace, module: Module): Promise<CaptureResult> {
  const captured = new Map<string, Captured>();
  const unit = moduleUnit(module);
  return withScratchDatabase(unit, { command: 'analyse', server: 'pglite://memory', root: ws.root }, async ({ db }) => {
    let sink: string[] | undefined;
    const onQuery = (q: { sql?: string; bindings?: readonly unknown[] }) => {
      if (!sink || typeof q.sql !== 'string') return;
      // The transaction knex wraps a migration in is Bulkhead's, not the migration's SQL.
      if (/^\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)\b/i.test(q.sql)) return;
      // With its bindings in place, so the parser reads what the server ran.
      let text = q.sql;
      try {
        if (q.bindings?.length) text = db.knex.raw(q.sql, q.bindings as never).toQuery();
      } catch {
        // Keep the placeholders; the parser still reads the statement's shape.
      }
      sink.push(text);
    };
    db.knex.on('query', onQuery);
    const chain: Runnable[] = [];
    try {
      for (const m of module.migrations) {
        const p = await prepareMigration(module.name, m, 'up', ws.rel);
        if (!p.ok) return { captured, stopped: { id: m.id, direction: 'up' as const, message: p.problems[0]?.message ?? 'cannot be loaded', code: p.problems[0]?.code } };
        const into = m.format === 'js' ? { up: [], down: [] } : undefined;
        sink = into?.up;
        try {
          await replay(db, p.runnable, { schema: unit.schema });
        } catch (e) {
          // What it sent until it failed (the failing statement last) is still worth linting.
          return { captured, stopped: { id: m.id, direction: 'up' as const, message: (e as Error).message, ...(into?.up.length ? { sql: into.up } : {}) } };
        } finally {
          sink = undefined;
        }
        if (into) captured.set(m.id, into);
        chain.push(p.runnable);
      }
      for (const r of [...chain].reverse()) {
        const m = r.file;
        if (m.format === 'sql' && !m.downPath) break;
        const p = await prepareMigration(module.name, m, 'down', ws.rel);
        if (!p.ok) return { captured, stopped: { id: m.id, direction: 'down' as const, message: p.problems[0]?.message ?? 'has no down', code: p.problems[0]?.code } };
        sink = captured.get(m.id)?.down;
        try {
          await replay(db, p.runnable, { schema: unit.schema });
        } catch (e) {
          return { captured, stopped: { id: m.id, direction: 'down' as const, message: (e as Error).message } };
        } finally {
          sink = undefined;
        }
        const ran = captured.get(m.id);
        if (ran) ran.downRan = true;
      }
      return { captured };
    } finally {
      db.knex.off('query', onQuery);
    }
  });
}

/**
 * The line of a TS/JS migration where an object is named (a quoted `'name'`, `"name"` or
 * `` `name ``, within the direction's function when it can be told), else the line that declares
 * the function.
 */
export function lineOfName(source: string, direction: 'up' | 'down', name: string): number {
  const lines = source.split('\n');
  const decl = (d: string) => lines.findIndex((l) => new RegExp(`\\b(function\\s+${d}\\b|${d}\\s*[:=]\\s*(async\\s*)?(function|\\())|exports\\.${d}\\s*=`).test(l));
  const start = decl(direction);
  const other = decl(direction === 'up' ? 'down' : 'up');
  const end = other > start ? other : lines.length;
  const quoted = new RegExp(`['"\`]([\\w.]*\\.)?${regexLiteral(name)}['"\`.(\\s]`);
  const from = Math.max(start, 0);
  for (let i = from; i < end; i++) if (quoted.test(lines[i]!)) return i + 1;
  for (let i = 0; i < lines.length; i++) if (quoted.test(lines[i]!)) return i + 1;
  return start >= 0 ? start + 1 : 1;
}

