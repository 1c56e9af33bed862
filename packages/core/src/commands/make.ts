import fs from 'node:fs';
import path from 'node:path';
import { BulkheadError, problem } from '../errors.js';
import { isTimestamp, padVersionsCommand, type MigrationFile } from '../migrations/files.js';
import { loadWorkspace, type LoadOptions } from '../workspace.js';
import { selectModules } from './options.js';
import { repairNotes } from '../snapshot/repair.js';

export interface MakeOptions extends LoadOptions {
  module: string;
  name: string;
  /** Write `<id>.up.sql` + `<id>.down.sql` instead of a TypeScript migration. */
  sql?: boolean;
  /** Clock, for tests. */
  now?: Date;
  /**
   * Write what the module's live database has that its migrations do not build (drift --sql's
   * keep statements) as the new SQL migration, its down the statements that undo it.
   */
  fromDrift?: boolean;
  /**
   * Write the down file of each SQL migration of the module that has none, from what its up builds
   * (verify --step's statements, on a scratch database), instead of a new migration.
   */
  downs?: boolean;
  /** With downs: make the scratch database on this server. */
  server?: string;
  /** With fromDrift: the tenants whose drift to keep (they must have drifted alike). */
  tenants?: readonly string[];
  production?: boolean;
}

export interface MakeResult {
  command: 'make';
  exitCode: 0;
  module: string;
  id: string;
  files: string[];
  /** Said with the files: a code migration written into a folder of SQL ones (the default template), and the --sql that writes SQL. */
  note?: string;
  /** --downs: the migrations given no down, each with why where the schema says (what has no safe statement). */
  left?: { migration: string; why?: string }[];
}

const TS_TEMPLATE = `import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  // await knex.schema.createTable('example', (t) => { t.uuid('id').primary().defaultTo(knex.fn.uuid()); });
}

export async function down(knex: Knex): Promise<void> {
  // await knex.schema.dropTable('example');
}
`;

const CJS_TEMPLATE = `/** @param {import('knex').Knex} knex */
exports.up = async function up(knex) {
  // await knex.schema.createTable('example', (t) => { t.uuid('id').primary().defaultTo(knex.fn.uuid()); });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  // await knex.schema.dropTable('example');
};
`;

const ESM_TEMPLATE = `/** @param {import('knex').Knex} knex */
export async function up(knex) {
  // await knex.schema.createTable('example', (t) => { t.uuid('id').primary().defaultTo(knex.fn.uuid()); });
}

/** @param {import('knex').Knex} knex */
export async function down(knex) {
  // await knex.schema.dropTable('example');
}
`;

/**
 * The file a new code migration is written as: TypeScript, unless the module's migrations are
 * JavaScript (kutt's CommonJS, an ESM .mjs folder) — then as its latest one is written.
 */
function codeTemplate(migrations: readonly MigrationFile[]): { ext: string; text: string } {
  const code = migrations.filter((m) => m.format === 'js');
  const latest = code.at(-1);
  if (!latest || code.some((m) => /\.[mc]?ts$/.test(m.upPath))) return { ext: 'ts', text: TS_TEMPLATE };
  const ext = path.extname(latest.upPath).slice(1);
  let source = '';
  try {
    source = fs.readFileSync(latest.upPath, 'utf8');
  } catch {
    // Unreadable: its extension decides.
  }
  const commonJs = ext === 'cjs' || (ext !== 'mjs' && /\bmodule\.exports\b|\bexports\.\w+\s*=|\brequire\s*\(/.test(source));
  return { ext, text: commonJs ? CJS_TEMPLATE : ESM_TEMPLATE };
}

/** Create a new timestamped migration from a template (SPEC §5 `make`), or from the live drift (--from-drift), or the missing down files (--downs). */
export async function make(o: MakeOptions): Promise<MakeResult> {
  const ws = loadWorkspace({ ...o, scan: [o.module], filesOnly: true });
  const manifestProblems = ws.problems.filter((p) => p.module === o.module && p.code !== 'BH010');
  if (manifestProblems.length) throw new BulkheadError(manifestProblems);
  const [module] = selectModules(ws, [o.module]);
  if (o.downs) return writeDowns(o, ws.root, ws.rel);
  const name = o.name
    .trim()
    // é → e, ß → ss: a letter with an accent keeps its letter.
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .replace(/ß/g, 'ss')
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  if (!name) {
    throw new BulkheadError(problem('BH025', `migration name "${o.name}" has no letters or digits`, { module: o.module, fix: 'e.g. bulkhead make admin add_users' }));
  }
  const id = `${nextVersion(o.now ?? new Date(), module!.migrations, { module: o.module, folder: ws.rel(module!.migrationsDir) })}_${name}`;
  const kept = o.fromDrift ? await driftToKeep(o) : undefined;
  fs.mkdirSync(module!.migrationsDir, { recursive: true });
  const files = kept
    ? [
        [`${id}.up.sql`, kept.up],
        [`${id}.down.sql`, kept.down],
      ]
    : o.sql
    ? [
        [`${id}.up.sql`, `-- ${module!.name}: ${name}\n`],
        [`${id}.down.sql`, `-- revert ${name}: undo every object the up file creates (types and sequences too)\n`],
      ]
    : (({ ext, text }) => [[`${id}.${ext}`, text]])(codeTemplate(module!.migrations));
  for (const [file, content] of files) {
    const abs = path.join(module!.migrationsDir, file!);
    try {
      fs.writeFileSync(abs, content!, { flag: 'wx' });
    } catch {
      throw new BulkheadError(problem('BH032', `${ws.rel(abs)} already exists`, { module: o.module, file: ws.rel(abs) }));
    }
  }
  const sqlFolder = !kept && !o.sql && module!.migrations.length > 0 && module!.migrations.every((m) => m.format === 'sql');
  const note = kept ? kept.note : sqlFolder ? `the other migrations of ${module!.name} are SQL: bulkhead make ${module!.name} ${name} --sql writes it as SQL (.up.sql and .down.sql) instead; delete ${files[0]![0]} first` : undefined;
  return { command: 'make', exitCode: 0, module: module!.name, id, files: files.map(([f]) => ws.rel(path.join(module!.migrationsDir, f!))), ...(note ? { note } : {}) };
}

/**
 * A timestamp after every existing version (a skewed clock cannot create an out-of-order file),
 * written as the folder's latest one is, so the folder stays uniform and sorts as it reads: as
 * many digits (ory's 20), and its separators (Diesel's 2026-07-27-143313-0000). In a folder
 * numbered 1_ … 9_, where a timestamp would sort first, the next number. A folder numbered by Unix
 * time (concourse's 1783024587) gets now in seconds: a 14-digit timestamp there would make the next
 * file written the folder's way sort before it. (A folder numbered in sequence, 001 … 124, gets a
 * timestamp, as SPEC's `make` says: it sorts after them.)
 */
function nextVersion(now: Date, migrations: readonly MigrationFile[], at: { module: string; folder: string }): string {
  const own = folderConvention(now, migrations);
  if (own) return own;
  const last = migrations.at(-1)?.version;
  const stamped = stampAfter(now, last);
  // File names sort as text: in a folder numbered in sequence without padding (1_, 2_, … 9_), a
  // timestamp would run first. There the folder's next number, while it keeps the order.
  const first = migrations.find((m) => `${stamped}_` < `${m.version}_`);
  if (!first || last === undefined) return stamped;
  const next = (BigInt(last.replace(/\D/g, '')) + 1n).toString().padStart(last.length, '0');
  if (/^\d+$/.test(last) && migrations.every((m) => `${m.version}_` < `${next}_`)) return next;
  throw new BulkheadError(
    problem('BH038', `a new version cannot sort after ${migrations.at(-1)!.id}: file names sort as text, and both a timestamp (${stamped}) and the next number (${next}) would run before ${first.id}`, {
      module: at.module,
      file: at.folder,
      fix: `pad every version to ${stamped.length} digits first (before a database has applied them: the ids change), e.g. in ${at.folder} (bash): ${padVersionsCommand(stamped.length)}`,
    }),
  );
}

/** Now in Unix seconds (after the last), in a folder whose every version is Unix time in seconds (2001-09-09 … 2036-07-18). */
function folderConvention(now: Date, migrations: readonly MigrationFile[]): string | undefined {
  const versions = migrations.map((m) => m.version);
  if (!versions.length || !versions.every((v) => /^\d{10}$/.test(v) && Number(v) >= 1_000_000_000 && Number(v) < 2_100_000_000)) return undefined;
  return String(Math.max(Math.floor(now.getTime() / 1000), Math.max(...versions.map(Number)) + 1));
}

function stampAfter(now: Date, last: string | undefined): string {
  let version = timestamp(now);
  const lastDigits = last?.replace(/\D/g, '') ?? '';
  if (!last || lastDigits.length < version.length || !isTimestamp(lastDigits)) return version;
  version = version.padEnd(lastDigits.length, '0');
  if (lastDigits >= version) version = (BigInt(lastDigits) + 1n).toString();
  let i = 0;
  return last.replace(/\d/g, () => version[i++]!);
}

function timestamp(d: Date): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}`;
}

/**
 * What the module's live database has beyond what its migrations build, as a migration (make
 * --from-drift): drift's keep statements as its up — each checks first, so it runs on the drifted
 * database too, changing nothing, and is recorded there by the next up — and its undo statements
 * as its down. Tenants must have drifted alike (one migration serves them all).
 */
async function driftToKeep(o: MakeOptions): Promise<{ up: string; down: string; note: string }> {
  const { drift } = await import('../drift/drift.js');
  const r = await drift({
    ...(o.cwd !== undefined ? { cwd: o.cwd } : {}),
    ...(o.env !== undefined ? { env: o.env } : {}),
    ...(o.tenants !== undefined ? { tenants: o.tenants } : {}),
    ...(o.production !== undefined ? { production: o.production } : {}),
    modules: [o.module],
    sql: true,
  });
  // Partitions named by date differ by the day things ran: nothing a migration keeps.
  const drifted = r.units.filter((u) => u.status === 'drift' && u.sql && (u.sql.keep.statements.length || u.sql.keep.manual.length));
  if (!drifted.length && r.units.some((u) => u.dated)) {
    throw new BulkheadError(problem('BH075', `${o.module}'s database differs only in partitions named by date (made for the day something ran): no drift to keep`, { module: o.module, fix: `bulkhead drift ${o.module} says which, and the --ignore that leaves them out` }));
  }
  if (!drifted.length) {
    throw new BulkheadError(problem('BH075', `${o.module}'s database has nothing its migrations do not build: no drift to keep`, { module: o.module, fix: `bulkhead make ${o.module} ${o.name} --sql writes an empty migration to fill in` }));
  }
  const keeps = new Set(drifted.map((u) => u.sql!.keep.statements.join('\n')));
  if (keeps.size > 1) {
    throw new BulkheadError(
      problem('BH075', `${o.module}'s tenants drifted apart (${drifted.map((u) => u.unit).join(', ')}): one migration cannot keep each one's changes`, {
        module: o.module,
        fix: `keep one tenant's with --tenant <name> and undo the others' (bulkhead drift ${o.module} --sql writes both), or write the migration by hand`,
      }),
    );
  }
  const { keep, undo } = drifted[0]!.sql!;
  const byHand = repairNotes(keep);
  const source = drifted.length > 1 ? `${drifted.length} tenants' databases` : drifted[0]!.database;
  const up = `-- ${o.module}: kept from what ${source} had beyond its migrations (bulkhead make --from-drift, ${new Date().toISOString().slice(0, 10)})\n-- Each statement checks first: it runs there too, changing nothing.\n${byHand.length ? `${byHand.join('\n')}\n` : ''}${keep.statements.join('\n')}\n`;
  const down = [...repairNotes(undo), ...undo.statements].map((x) => `${x}\n`).join('');
  const note = `review it, then bulkhead up ${o.module} records it on ${source} (where it changes nothing) and applies it everywhere else${keep.manual.length ? `; ${keep.manual.length} to do by hand, marked in the file` : ''}`;
  return { up, down, note };
}

/**
 * make --downs: each SQL migration of the module without a down file gets one, holding what turns
 * the schema its up builds back into the one before (verify --step replays the ups on a scratch
 * database, one at a time, and reads the schema between them; the downs there are not run). A down
 * file without statements whose up changes the schema (goose's empty Down section) gets them
 * after what it holds. One whose difference has no safe statement (a table or column gone and
 * another come that the SQL does not say it renamed, a composite type) is left, named with why.
 */
async function writeDowns(o: MakeOptions, root: string, rel: (abs: string) => string): Promise<MakeResult> {
  const { verify } = await import('../verify/verify.js');
  const r = await verify({
    ...(o.cwd !== undefined ? { cwd: o.cwd } : {}),
    ...(o.env !== undefined ? { env: o.env } : {}),
    ...(o.server !== undefined ? { server: o.server } : {}),
    modules: [o.module],
    step: true,
    writingDowns: true,
  });
  const result = r.modules[0]!;
  const missing = result.findings.filter((f) => f.kind === 'no-down' || f.kind === 'empty-down');
  // verify stops at an up that fails: what it could not reach has no statements yet.
  const stopped = result.findings.find((f) => f.kind === 'up-failed' || f.kind === 'down-failed');
  if (!missing.length && stopped) {
    // The replay failed before it reached the migrations without a down: that failure is the news.
    throw new BulkheadError(problem('BH075', `cannot write downs for ${o.module}: verify's replay stopped at ${stopped.migration}: ${stopped.message}`, { module: o.module, ...(stopped.file ? { file: stopped.file } : {}), fix: stopped.fix ?? `bulkhead verify ${o.module} --step says more; fix it and run this again` }));
  }
  if (!missing.length) {
    throw new BulkheadError(problem('BH075', `every migration of ${o.module} has a down file: no down to write`, { module: o.module, fix: `bulkhead verify ${o.module} --step proves them` }));
  }
  const files: string[] = [];
  const left: { migration: string; why?: string }[] = [];
  const filled: string[] = [];
  for (const f of missing) {
    // A down file there already holds no statements (goose's empty Down section): its comments
    // kept, the statements after them. Where its up changes no schema, it is right as it is.
    const downFile = f.kind === 'empty-down' ? f.file : f.file?.replace(/\.up\.sql$/, '.down.sql');
    // Its statements, after comments on what they may meet on a database with data.
    const body = [...repairNotes({ statements: [], manual: [], cautions: f.cautions ?? [] }), ...(f.sql ?? [])].map((x) => `${x}\n`).join('');
    const written = '(bulkhead make --downs; review it)';
    if (f.sql && !f.sql.length && downFile && fs.existsSync(path.resolve(root, downFile))) continue;
    if (f.sql?.length && downFile?.endsWith('.down.sql') && fs.existsSync(path.resolve(root, downFile))) {
      const abs = path.resolve(root, downFile);
      const held = fs.readFileSync(abs, 'utf8');
      fs.writeFileSync(abs, `${held}${held && !held.endsWith('\n') ? '\n' : ''}-- what turns the schema its up builds back into the one before ${written}\n${body}`);
      files.push(rel(abs));
      filled.push(f.migration!);
      continue;
    }
    if (!f.sql || !f.file?.endsWith('.up.sql')) {
      const why = f.byHand?.length
        ? `${f.byHand[0]}${f.byHand.length > 1 ? ` (and ${f.byHand.length - 1} more)` : ''}`
        : f.file && !f.file.endsWith('.sql')
          ? `a TS/JS migration: export its down from ${f.file} by hand`
          : undefined;
      left.push({ migration: f.migration!, ...(why ? { why } : {}) });
      continue;
    }
    const down = f.file.replace(/\.up\.sql$/, '.down.sql');
    const abs = path.resolve(root, down);
    try {
      const head = f.sql.length
        ? `-- down of ${f.migration}: what turns the schema its up builds back into the one before ${written}`
        : `-- down of ${f.migration}: its up changes no schema (data, or what was there already), so nothing here (bulkhead make --downs)`;
      fs.writeFileSync(abs, `${head}\n${body}`, { flag: 'wx' });
    } catch {
      left.push({ migration: f.migration!, why: `${rel(abs)} is there already` });
      continue;
    }
    files.push(rel(abs));
  }
  files.sort();
  const note = [
    left.length ? `no down written for ${left.length} (listed above): write ${left.length === 1 ? 'it' : 'those'} by hand` : '',
    stopped ? `verify stopped at ${stopped.migration} (${stopped.message}): fix it and run this again for the migrations after it` : '',
    files.length ? `review them, then bulkhead verify ${o.module} proves them${files.length > filled.length ? " (a database that applied these migrations takes a down added since as it is: its checksum is the up's)" : ''}` : '',
    filled.length ? `${filled.length === 1 ? 'a down file that held no statements was' : `${filled.length} down files that held no statements were`} filled (${filled.slice(0, 5).join(', ')}${filled.length > 5 ? ', …' : ''}): a database that applied ${filled.length === 1 ? 'it' : 'them'} with Bulkhead takes the change after bulkhead repair ${o.module} --accept <id> --reason "down written"` : '',
  ].filter(Boolean).join('; ');
  return { command: 'make', exitCode: 0, module: o.module, id: '', files, ...(note ? { note } : {}), ...(left.length ? { left } : {}) };
}
