import fs from 'node:fs';
import path from 'node:path';
import { problem, type Problem } from '../errors.js';
import { checksum } from './checksum.js';
import { parseDirectives, type SqlDirectives } from './directives.js';

/** One migration of a module, as found on disk (SPEC §3). */
export interface MigrationFile {
  /** File name without extension(s), e.g. `20251116214100_initial_schema`. */
  id: string;
  /** Leading digits of the id. */
  version: string;
  /** The descriptive part after the version, e.g. `initial_schema`. */
  name: string;
  format: 'sql' | 'js';
  /** Absolute path of the up file (the only file of a JS/TS migration). */
  upPath: string;
  /** Absolute path of the `.down.sql` file, if any (SQL only). */
  downPath?: string;
  checksum: string;
  /** SQL migrations: file contents and header directives. */
  sql?: { up: string; down?: string; directives: SqlDirectives; downDirectives?: SqlDirectives };
}

const JS_EXT = /\.(ts|mts|cts|js|mjs|cjs)$/;
const SQL_EXT = /\.(up|down)\.sql$/;
const ID = /^(\d+)(?:[_-]?(.*))?$/;
/** Files a migrations folder may hold that are not migrations. */
const IGNORED = /^(\.|readme|.*\.(md|txt|json|map)$|.*\.d\.[mc]?ts$)/i;

export interface FolderScan {
  migrations: MigrationFile[];
  problems: Problem[];
}

/**
 * Read a module's migrations folder: name rules, duplicate ids and versions, `.down.sql`
 * without its `.up.sql`, unknown directives. `rel` makes paths workspace-relative for messages.
 */
export function scanMigrationsFolder(module: string, dir: string, rel: (abs: string) => string): FolderScan {
  const problems: Problem[] = [];
  const byId = new Map<string, { up?: string; down?: string; js?: string }>();
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return {
      migrations: [],
      problems: [
        problem('BH010', `migrations folder ${rel(dir)} does not exist`, {
          module,
          file: rel(dir),
          fix: `create it (bulkhead make ${module} <name> does), or set "migrations" in the manifest to the right folder`,
        }),
      ],
    };
  }
  for (const e of entries) {
    if (!e.isFile() || IGNORED.test(e.name)) continue;
    const abs = path.join(dir, e.name);
    let id: string;
    let slot: 'up' | 'down' | 'js';
    if (SQL_EXT.test(e.name)) {
      id = e.name.replace(SQL_EXT, '');
      slot = e.name.endsWith('.up.sql') ? 'up' : 'down';
    } else if (JS_EXT.test(e.name)) {
      id = e.name.replace(JS_EXT, '');
      slot = 'js';
    } else if (e.name.endsWith('.sql')) {
      problems.push(
        problem('BH011', `SQL migration ${e.name} must be named <id>.up.sql (with an optional <id>.down.sql)`, {
          module,
          file: rel(abs),
          fix: `rename it to ${e.name.replace(/\.sql$/, '.up.sql')}`,
        }),
      );
      continue;
    } else continue;
    if (!ID.test(id)) {
      problems.push(
        problem('BH011', `migration ${e.name} does not start with a version (leading digits)`, {
          module,
          file: rel(abs),
          fix: `rename it to <timestamp>_${id}${e.name.slice(id.length)}, e.g. with bulkhead make ${module} ${id}`,
        }),
      );
      continue;
    }
    const entry = byId.get(id) ?? {};
    if (entry[slot] || (slot === 'js' && (entry.up || entry.down)) || (slot !== 'js' && entry.js)) {
      problems.push(
        problem('BH012', `migration id ${id} is defined by more than one file`, {
          module,
          file: rel(abs),
          fix: 'keep one format per migration: either <id>.ts/.js or <id>.up.sql + <id>.down.sql',
        }),
      );
      continue;
    }
    entry[slot] = abs;
    byId.set(id, entry);
  }

  const migrations: MigrationFile[] = [];
  for (const [id, f] of byId) {
    const [, version = '', name = ''] = ID.exec(id)!;
    if (f.js) {
      const text = fs.readFileSync(f.js, 'utf8');
      migrations.push({ id, version, name, format: 'js', upPath: f.js, checksum: checksum([text]) });
      continue;
    }
    if (!f.up) {
      problems.push(
        problem('BH013', `${path.basename(f.down!)} has no ${id}.up.sql`, {
          module,
          file: rel(f.down!),
          fix: `add ${id}.up.sql, or delete the stray down file`,
        }),
      );
      continue;
    }
    const up = fs.readFileSync(f.up, 'utf8');
    const down = f.down ? fs.readFileSync(f.down, 'utf8') : undefined;
    const directives = parseDirectives(up);
    const downDirectives = down === undefined ? undefined : parseDirectives(down);
    for (const [file, d] of [[f.up, directives], [f.down, downDirectives]] as const) {
      for (const u of d?.unknown ?? []) {
        problems.push(
          problem('BH011', `unknown directive "${u.text}"`, {
            module,
            file: rel(file!),
            line: u.line,
            fix: 'known directives: -- bulkhead:no-transaction, -- bulkhead:requires <module>:<id>, -- bulkhead:allow <rule> <reason>',
          }),
        );
      }
    }
    migrations.push({
      id,
      version,
      name,
      format: 'sql',
      upPath: f.up,
      downPath: f.down,
      checksum: checksum(down === undefined ? [up] : [up, down]),
      sql: { up, down, directives, downDirectives },
    });
  }
  migrations.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

  const seenVersion = new Map<string, string>();
  for (const m of migrations) {
    const other = seenVersion.get(m.version);
    if (other) {
      problems.push(
        problem('BH012', `version ${m.version} is used by both ${other} and ${m.id}`, {
          module,
          file: rel(m.upPath),
          fix: `give ${m.id} a later version (bulkhead make generates timestamps)`,
        }),
      );
    } else seenVersion.set(m.version, m.id);
  }
  return { migrations, problems };
}

/** Does the migration have a way back? A zero-byte or comment-only down file is a legitimate no-op down. */
export function hasDown(m: MigrationFile, jsModule?: { down?: unknown }): boolean {
  if (m.format === 'sql') return m.downPath !== undefined;
  return typeof jsModule?.down === 'function';
}
