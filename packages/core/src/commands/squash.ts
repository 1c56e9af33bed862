import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { withScratchDatabase } from '../db/scratch.js';
import { BulkheadError, problem, type ExitCode } from '../errors.js';
import { progressTable } from '../history/store.js';
import { splitStatements, type Statement } from '../analysis/statements.js';
import { scanMigrationsFolder, type MigrationFile } from '../migrations/files.js';
import { parseRequirement } from '../plan/requires.js';
import { moduleUnit, type Unit } from '../plan/units.js';
import { redact, splitPassword } from '../redact.js';
import { prepareAll, type Runnable } from '../runner/prepare.js';
import { replayAll } from '../runner/replay.js';
import { diffSnapshots, diffText, firstLines } from '../snapshot/diff.js';
import { repairSql } from '../snapshot/repair.js';
import { readSnapshot, type Snapshot, type SnapshotScope } from '../snapshot/read.js';
import type { Module, Workspace } from '../workspace.js';
import { findMigration, loadValidWorkspace, oneModule, type CommonOptions } from './options.js';
import { plural } from '../text.js';

export interface SquashOptions extends CommonOptions {
  module?: string;
  /** The last migration (id or version) to squash: it and every earlier one become one. */
  to?: string;
  /** The PostgreSQL server to build the schema on (needed for embedded modules: pg_dump reads a server). */
  server?: string;
}

export interface SquashResult {
  command: 'squash';
  exitCode: ExitCode;
  module: string;
  /** The new migration's id and files (workspace-relative). */
  id: string;
  files: string[];
  /** The migrations it replaces, in order, and where their files went. */
  replaced: string[];
  archive: string;
}

/** Squashed ids per `-- bulkhead:replaces` line. */
const IDS_PER_LINE = 8;

/**
 * `squash <module> --to <id>` (SPEC §5): the module's migrations up to `--to` become one
 * migration, `<version of --to>_squashed`: their schema and data, as pg_dump writes them after
 * replaying them on a scratch database, with `-- bulkhead:replaces` naming them. It is proved
 * equivalent before anything changes (the squash replayed on a second scratch database must give
 * the same snapshot), then the originals move to `<migrations>/.archive/<id>/`. A database that
 * applied all of them reads the squash as applied (its row takes theirs on the next `up`); a new
 * database runs the squash; one that applied only some of them is refused (BH055). The down is
 * the originals' downs in reverse order, when each has one in SQL; else what turns the schema they
 * build back into the one before, where every difference has a safe statement.
 */
export async function squash(o: SquashOptions): Promise<SquashResult> {
  // Every module's files: another module's migration may require one this squash would remove.
  const ws = loadValidWorkspace({ ...o, modules: undefined });
  const module = oneModule(ws, 'squash', o.module, { '--to': o.to });
  const to = findMigration(ws, module, o.to!, '--to');
  const replaced = module.migrations.filter((m) => m.id <= to.id);
  checkSquashable(ws, module, to, replaced);
  const id = `${to.version}_squashed`;
  const unit = moduleUnit(module);
  const scope: SnapshotScope = { exclude: [unit.history, progressTable(unit.history)] };
  const runnables = await ups(ws, module, replaced);

  // 1. The originals on a scratch database: their snapshot, and pg_dump of what they built.
  const { before, dump, undo } = await withScratchDatabase(unit, { command: 'squash', server: o.server, root: ws.root }, async (scratch) => {
    if (scratch.db.kind !== 'postgres' || scratch.unit.target.kind !== 'postgres') {
      throw new BulkheadError(
        problem('BH056', `squash reads the schema with pg_dump, which needs a PostgreSQL server; ${module.name} is embedded`, {
          module: module.name,
          fix: 'give a server to build it on: bulkhead squash <module> --to <id> --server postgres://user@host/postgres',
        }),
      );
    }
    const empty = await readSnapshot(scratch.db, scope);
    await replayAll(scratch.db, runnables, { schema: unit.schema });
    const built = await readSnapshot(scratch.db, scope);
    return { before: built, dump: await pgDump(scratch.unit, module), undo: repairSql(diffSnapshots(empty, built), { on: built }) };
  });

  // 2. The squash, written aside, proved equivalent on a second scratch database.
  const staging = fs.mkdtempSync(path.join(os.tmpdir(), 'bulkhead-squash-'));
  try {
    const upText = await squashedUp(ws, module, replaced, dump);
    // Where an original has no SQL down: what turns the schema they build back into the one before
    // (make --downs' statements), unless something in it has no safe statement.
    const downText = squashedDown(replaced) ?? (undo.statements.length && !undo.manual.length ? `-- The down of the squash, written from what the squashed migrations build (review it).\n${undo.statements.join('\n')}\n` : undefined);
    fs.writeFileSync(path.join(staging, `${id}.up.sql`), upText);
    if (downText !== undefined) fs.writeFileSync(path.join(staging, `${id}.down.sql`), downText);
    const scan = scanMigrationsFolder(module.name, staging, ws.rel);
    if (scan.problems.length) throw new BulkheadError(scan.problems);
    const [file] = scan.migrations;
    const [squashRun] = await ups(ws, module, [file!]);
    const after = await withScratchDatabase(unit, { command: 'squash', server: o.server, root: ws.root }, async (scratch) => {
      await replayAll(scratch.db, [squashRun!], { schema: unit.schema });
      return readSnapshot(scratch.db, scope);
    });
    checkSame(module, id, before, after);

    // 3. Only now the folder changes: the originals to the archive, the squash in their place.
    const archive = path.join(module.migrationsDir, '.archive', id);
    fs.mkdirSync(archive, { recursive: true });
    for (const m of replaced) for (const f of [m.upPath, m.downPath]) if (f) fs.renameSync(f, path.join(archive, path.basename(f)));
    const files: string[] = [];
    for (const name of fs.readdirSync(staging).sort()) {
      fs.copyFileSync(path.join(staging, name), path.join(module.migrationsDir, name));
      files.push(ws.rel(path.join(module.migrationsDir, name)));
    }
    return { command: 'squash', exitCode: 0, module: module.name, id, files, replaced: replaced.map((m) => m.id), archive: ws.rel(archive) };
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

/** What squash refuses before it builds anything (BH056). */
function checkSquashable(ws: Workspace, module: Module, to: MigrationFile, replaced: readonly MigrationFile[]): void {
  const refuse = (message: string, fix: string) => {
    throw new BulkheadError(problem('BH056', message, { module: module.name, fix }));
  };
  if (replaced.length < 2) refuse(`--to ${to.id} is ${module.name}'s first migration: there is nothing to squash it with`, 'give a later migration to --to');
  if (module.manifest.tenants?.kind === 'schema') {
    refuse(`${module.name} keeps one schema per tenant, and pg_dump writes every name with the schema it was built in`, 'squash is for modules that own their database (or database-per-tenant modules)');
  }
  const earlier = replaced.find((m) => m.sql?.directives.replaces.length);
  if (earlier) refuse(`${earlier.id} is itself a squash: squashing over it is not supported`, `squash --to a migration before ${earlier.id}, or after every database has applied ${earlier.id} delete its "-- bulkhead:replaces" lines first`);
  const ids = new Set(replaced.map((m) => m.id));
  for (const other of ws.modules) {
    for (const m of other.migrations) {
      const needs = [...(m.sql?.directives.requires ?? []), ...(m.sql?.downDirectives?.requires ?? [])].map(parseRequirement).filter((r) => r?.module === module.name && ids.has(r.id));
      if (needs.length) {
        refuse(
          `${other.name}:${m.id} requires ${needs.map((r) => `${module.name}:${r!.id}`).join(', ')}, which the squash would remove`,
          `squash --to a migration before it, or remove the requires line once every database has applied ${needs[0]!.id}`,
        );
      }
    }
  }
}

/** The up steps of these migrations, or their problems (BulkheadError). */
async function ups(ws: Workspace, module: Module, files: readonly MigrationFile[]): Promise<Runnable[]> {
  const { runnables, problems } = await prepareAll(module.name, files, 'up', ws.rel);
  if (problems.length) throw new BulkheadError(problems);
  return runnables;
}

/** pg_dump of a scratch database: schema and data as INSERTs, no owners, as plain SQL. */
async function pgDump(scratch: Unit, module: Module): Promise<string> {
  const { execa } = await import('execa');
  const target = scratch.target as Extract<Unit['target'], { kind: 'postgres' }>;
  const bin = process.env.BULKHEAD_PG_DUMP || 'pg_dump';
  // The password in its environment, not its command line (which any user of the machine can list).
  const { url, password } = splitPassword(target.url);
  const args = ['--no-owner', '--inserts', '--rows-per-insert=500', `--dbname=${url}`];
  for (const t of [scratch.history, progressTable(scratch.history)]) args.push(`--exclude-table=${t.schema}.${t.table}`);
  const r = await execa(bin, args, { reject: false, stripFinalNewline: false, maxBuffer: 512 * 1024 * 1024, ...(password !== undefined ? { env: { PGPASSWORD: password } } : {}) });
  if (r.exitCode !== 0 || r.failed) {
    const why = r.code === 'ENOENT' ? `${bin} is not installed` : redact(String(r.stderr || r.message).trim());
    throw new BulkheadError(
      problem('BH056', `pg_dump failed: ${why}`, {
        module: module.name,
        fix: 'install the PostgreSQL client of the server\'s version or newer (e.g. apt-get install postgresql-client), or point BULKHEAD_PG_DUMP at its pg_dump',
      }),
    );
  }
  return String(r.stdout);
}

/**
 * The squash's up file: a header naming what it replaces and their cross-module requires, then
 * the dump's statements (split by the real parser, so nothing inside a literal is touched),
 * without pg_dump's comments, its psql meta-commands (`\restrict`), its timeouts (the runner's
 * per-statement lock timeout stays in force) and `COMMENT ON EXTENSION` (owner-only), but with the
 * migrations' COMMENT ON a table or column (uptime-kuma's knex .comment(…): part of the schema a
 * snapshot compares), and with
 * schemas created only if missing (a module's own schema exists before its first migration).
 */
async function squashedUp(ws: Workspace, module: Module, replaced: readonly MigrationFile[], dump: string): Promise<string> {
  const ids = replaced.map((m) => m.id);
  const requires = [...new Set(replaced.flatMap((m) => m.sql?.directives.requires ?? []))];
  const header = [
    `-- Squashed by bulkhead squash: ${replaced.length} migrations of ${module.name}, ${ids[0]} to ${ids.at(-1)}, as pg_dump wrote the`,
    `-- schema and data they build. The originals are in ${ws.rel(path.join(module.migrationsDir, '.archive'))}/. A database that applied`,
    '-- all of them counts this one as applied; a new database runs it.',
  ];
  for (let i = 0; i < ids.length; i += IDS_PER_LINE) header.push(`-- bulkhead:replaces ${ids.slice(i, i + IDS_PER_LINE).join(' ')}`);
  for (const r of requires) header.push(`-- bulkhead:requires ${r}`);
  // pg_dump brackets its output in psql's `\restrict <key>` … `\unrestrict <key>` (a random key,
  // so no line of data can match); the parser cannot read them.
  const key = /^\\restrict (\S+)$/m.exec(dump)?.[1];
  const sql = key === undefined ? dump : dump.split('\n').filter((line) => line !== `\\restrict ${key}` && line !== `\\unrestrict ${key}`).join('\n');
  let statements: Statement[];
  try {
    statements = await splitStatements(sql);
  } catch (e) {
    throw new BulkheadError(problem('BH056', `pg_dump's output does not parse: ${(e as Error).message}`, { module: module.name, fix: 'use a pg_dump of the server\'s major version (BULKHEAD_PG_DUMP)' }), { cause: e });
  }
  const body = statements
    .map((st) => st.text.replace(/^(?:\s*--[^\n]*\n)+\s*/, ''))
    .filter((text) => !/^SET (statement_timeout|lock_timeout|idle_in_transaction_session_timeout|transaction_timeout)\b/i.test(text) && !/^COMMENT ON EXTENSION\b/i.test(text) && !/^COMMENT ON SCHEMA public IS 'standard public schema'$/i.test(text))
    .map((text) => text.replace(/^CREATE SCHEMA (?!IF NOT EXISTS )/i, 'CREATE SCHEMA IF NOT EXISTS '));
  return `${header.join('\n')}\n\n${body.join(';\n\n')};\n`;
}

/** The originals' downs in reverse order, when every one of them has a SQL down; else none. */
function squashedDown(replaced: readonly MigrationFile[]): string | undefined {
  if (!replaced.every((m) => m.format === 'sql' && m.downPath && m.sql?.down !== undefined)) return undefined;
  const noTransaction = replaced.some((m) => m.sql!.downDirectives?.noTransaction);
  const parts = [...replaced].reverse().map((m) => `-- ${m.id}\n${m.sql!.down!.replace(/^\s*--\s*bulkhead:no-transaction\s*$/gm, '').trim()}\n;`);
  return `${noTransaction ? '-- bulkhead:no-transaction\n' : ''}-- The downs of the squashed migrations, last first.\n\n${parts.join('\n\n')}\n`;
}

function checkSame(module: Module, id: string, before: Snapshot, after: Snapshot): void {
  const differences = diffSnapshots(before, after);
  if (!differences.length) return;
  const lines = diffText(differences, module.schema);
  throw new BulkheadError(
    problem('BH056', `${id} would not build what the originals build (${plural(differences.length, 'difference')}, originals → squash):\n    ${firstLines(lines).join('\n    ')}`, {
      module: module.name,
      fix: 'nothing was changed; squash --to an earlier migration, or report the difference (pg_dump does not carry everything a migration can do)',
    }),
  );
}
