import type { Problem } from '../errors.js';
import type { AnalysedMigration } from '../plan/ownership.js';
import type { Module, Workspace } from '../workspace.js';
import { AnalysisCache, type AnalysisEntry } from './cache.js';
import { analyzeSql, type Touch } from './objects.js';

export interface ModulesAnalysis {
  analysed: AnalysedMigration[];
  /** TS/JS migrations: what they do is known only from the SQL they emit (see `lint --trace`/verify). */
  notAnalysed: { module: string; id: string; file: string }[];
  problems: Problem[];
}

/**
 * What every migration (both directions) of these modules does to database objects. SQL files
 * are analysed on the parser, cached by checksum; a file that does not parse is left to the
 * checks that report syntax errors (BH033).
 */
export async function analyseModules(ws: Workspace, modules: readonly Module[]): Promise<ModulesAnalysis> {
  const cache = new AnalysisCache(ws.root);
  const analysed: AnalysedMigration[] = [];
  const notAnalysed: ModulesAnalysis['notAnalysed'] = [];
  const keep = new Map<string, Set<string>>();
  for (const module of modules) {
    if (!module.scanned) continue;
    const live = new Set<string>();
    keep.set(module.name, live);
    for (const m of module.migrations) {
      if (m.format !== 'sql' || !m.sql) {
        notAnalysed.push({ module: module.name, id: m.id, file: ws.rel(m.upPath) });
        continue;
      }
      live.add(m.checksum);
      let entry: AnalysisEntry | undefined = cache.get(module.name, m.checksum);
      if (!entry) {
        const up = await parsed(m.sql.up);
        const down = m.sql.down === undefined ? [] : await parsed(m.sql.down);
        if (up === undefined || down === undefined) continue;
        entry = { up, down };
        cache.set(module.name, m.checksum, entry);
      }
      analysed.push({ module: module.name, id: m.id, file: ws.rel(m.upPath), direction: 'up', touches: entry.up });
      if (m.downPath) analysed.push({ module: module.name, id: m.id, file: ws.rel(m.downPath), direction: 'down', touches: entry.down });
    }
  }
  cache.save(keep);
  return { analysed, notAnalysed, problems: [] };
}

async function parsed(sql: string): Promise<Touch[] | undefined> {
  try {
    return await analyzeSql(sql);
  } catch {
    return undefined;
  }
}
