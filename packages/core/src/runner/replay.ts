import { searchPath } from '../db/postgres.js';
import { withTransaction } from '../db/targets.js';
import type { ModuleDb } from '../db/types.js';
import { shortenSql } from '../analysis/statements.js';
import type { Runnable } from './prepare.js';

/**
 * Migrations replayed on a scratch database (verify, drift, analysis): no history rows, no lock —
 * the database is this process's own. Each migration runs in its transaction unless it is
 * no-transaction, with `schema` as search_path; a failure names the file, statement and line.
 */

export class ReplayError extends Error {
  constructor(
    readonly id: string,
    readonly direction: 'up' | 'down',
    readonly file: string,
    readonly cause: unknown,
    readonly statement?: { index: number; line: number; text: string },
    readonly line?: number,
  ) {
    super(errorText(cause, statement?.text));
  }
  /** `file:line (statement n): error` for reports. */
  describe(rel: (abs: string) => string): string {
    const at = this.statement ? `${rel(this.file)}:${this.statement.line} (statement ${this.statement.index + 1}: ${shortenSql(this.statement.text, 80)})` : this.line ? `${rel(this.file)}:${this.line}` : rel(this.file);
    return `${at}: ${this.message}`;
  }
}

export async function replay(db: ModuleDb, r: Runnable, o: { schema: string }): Promise<void> {
  const step = r.step;
  const file = step.path;
  await db.knex.raw(`SELECT set_config('search_path', '${searchPath(o.schema).replace(/'/g, "''")}', false)`);
  if (step.format === 'sql') {
    let current = -1;
    const all = async (q: ModuleDb['knex'] | Parameters<Parameters<typeof withTransaction>[1]>[0]) => {
      for (const [i, s] of step.statements.entries()) {
        current = i;
        await q.raw(s.text);
      }
    };
    try {
      if (r.transaction && step.statements.length > 1) {
        // One round trip for the whole file; only a failure is located statement by statement.
        try {
          await db.knex.raw(`BEGIN;\n${step.statements.map((x) => x.text).join('\n;\n')}\n;\nCOMMIT`);
          return;
        } catch {
          await db.knex.raw('ROLLBACK').catch(() => undefined);
        }
      }
      if (r.transaction) await withTransaction(db, (trx) => all(trx));
      else await all(db.knex);
    } catch (e) {
      const s = step.statements[current];
      throw new ReplayError(r.file.id, r.direction, file, e, s ? { index: current, line: s.line, text: s.text } : undefined);
    }
    return;
  }
  try {
    if (r.transaction) await withTransaction(db, async (trx) => void (await step.fn(trx)));
    else await step.fn(db.knex);
  } catch (e) {
    throw new ReplayError(r.file.id, r.direction, file, e, undefined, lineInStack(e, file));
  }
}

/** The line of `file` in an error's stack (a TS migration's own throw or failing query), if any. */
function lineInStack(e: unknown, file: string): number | undefined {
  const stack = (e as Error)?.stack ?? '';
  const base = file.split(/[\\/]/).pop()!;
  const m = new RegExp(`${base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:(\\d+)`).exec(stack);
  return m ? Number(m[1]) : undefined;
}

/** PostgreSQL's own message and detail (knex prefixes the SQL to the message: it is named elsewhere). */
function errorText(cause: unknown, sql?: string): string {
  const e = cause as { message?: string; detail?: string; hint?: string };
  let message = e?.message ?? String(cause);
  const dash = message.indexOf(' - ');
  if (dash > 0 && (sql === undefined || message.startsWith(sql.slice(0, Math.min(sql.length, dash))))) message = message.slice(dash + 3);
  return [message, e?.detail, e?.hint ? `hint: ${e.hint}` : undefined].filter(Boolean).join('; ');
}
