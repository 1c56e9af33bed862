import fs, { existsSync, readFileSync } from 'node:fs';
import { createRequire, register, syncBuiltinESMExports } from 'node:module';
import { dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { MessageChannel } from 'node:worker_threads';
import { regexLiteral } from '../text.js';

/** The knex migration format (SPEC §3): `up`, `down`, `config.transaction`, plus Bulkhead's `requires`. */
export interface JsMigrationModule {
  up?: unknown;
  down?: unknown;
  config?: { transaction?: boolean };
  requires?: unknown;
}

/**
 * The tsconfig a TypeScript migration compiles with, as TypeScript and editors pick it: the
 * nearest `tsconfig.json` above the file (a module's own, which in an Nx workspace extends the
 * root's), else the nearest `tsconfig.base.json` (an Nx workspace's root: its `paths` map the
 * workspace's libraries, `@org/shared` → `libs/shared/src/index.ts`). Undefined: none.
 */
export function tsconfigFor(file: string): string | undefined {
  return perFolder(tsconfigs, dirname(file), (folder) => {
    let base: string | undefined;
    for (let dir = folder; ; dir = dirname(dir)) {
      const own = join(dir, 'tsconfig.json');
      if (existsSync(own)) return own;
      base ??= existsSync(join(dir, 'tsconfig.base.json')) ? join(dir, 'tsconfig.base.json') : undefined;
      if (dirname(dir) === dir) return base;
    }
  });
}

/** What was found for a folder of migrations, once per process (a folder holds hundreds). */
const tsconfigs = new Map<string, string | undefined>();
const esModules = new Map<string, boolean>();

function perFolder<T>(memo: Map<string, T>, folder: string, find: (folder: string) => T): T {
  if (memo.has(folder)) return memo.get(folder)!;
  const found = find(folder);
  memo.set(folder, found);
  return found;
}

/** tsx registered for one tsconfig: an ES module's import, a CommonJS file's require. */
interface TypeScriptLoader {
  import(url: string, parent: string): Promise<unknown>;
  require(file: string, parent: string): unknown;
}
const TS_LOADERS = Symbol.for('bulkhead.tsx-loaders');

/**
 * tsx registered for one tsconfig, once per process: its `paths` resolve the migration's imports
 * (`@app/lib/knex`, an Nx library). A namespace per tsconfig, so modules with different ones never
 * see each other's.
 */
function typeScriptLoader(tsconfig: string | undefined): Promise<TypeScriptLoader> {
  const g = globalThis as Record<symbol, Map<string, Promise<TypeScriptLoader>> | undefined>;
  const loaders = (g[TS_LOADERS] ??= new Map());
  const key = tsconfig ?? '';
  let loader = loaders.get(key);
  if (!loader) {
    // Named now: another tsconfig's loader may be made while this one waits for tsx.
    const namespace = `bulkhead-${loaders.size}`;
    loader = (async () => {
      const [esm, cjs] = await Promise.all([import('tsx/esm/api'), import('tsx/cjs/api')]);
      // tsx's CommonJS hook reads its tsconfig from the environment when it is registered.
      const before = process.env.TSX_TSCONFIG_PATH;
      if (tsconfig) process.env.TSX_TSCONFIG_PATH = tsconfig;
      try {
        const { require } = cjs.register({ namespace });
        const { import: importEsm } = esm.register({ namespace, onImport: (url) => noteLoaded(url), ...(tsconfig ? { tsconfig } : {}) });
        return { import: importEsm, require };
      } finally {
        if (before === undefined) delete process.env.TSX_TSCONFIG_PATH;
        else process.env.TSX_TSCONFIG_PATH = before;
      }
    })();
    loaders.set(key, loader);
  }
  return loader;
}

/** Whether Node (and tsx) load `file` as an ES module: .mjs/.mts, or .js/.ts under a package.json of "type": "module". */
function isEsModule(file: string): boolean {
  if (/\.m[jt]s$/.test(file)) return true;
  if (/\.c[jt]s$/.test(file)) return false;
  return perFolder(esModules, dirname(file), (folder) => {
    for (let dir = folder; ; dir = dirname(dir)) {
      const pkg = join(dir, 'package.json');
      if (existsSync(pkg)) {
        try {
          return (JSON.parse(readFileSync(pkg, 'utf8')) as { type?: unknown }).type === 'module';
        } catch {
          return false;
        }
      }
      if (dirname(dir) === dir) return false;
    }
  });
}

/** Files the ES module hook saw loaded (a migration's imports, transitively), by path. */
const esmLoaded = new Set<string>();

function noteLoaded(url: string): void {
  if (url.startsWith('file:')) esmLoaded.add(fileURLToPath(url.replace(/[?#].*$/, '')));
}

/** A module loader hook that only tells the main thread each file URL it loads. */
const NOTE_LOADS = `let port; export async function initialize(data) { port = data.port; } export async function load(url, context, next) { if (url.startsWith('file:')) port.postMessage(url); return next(url, context); }`;
let esmWatched = false;

/**
 * What Node's own import of an ES-module JavaScript migration loads, noted as tsx's onImport notes
 * a TypeScript one's (the require cache has CommonJS files): a hook registered before the first
 * such import (its thread starts in some 25 ms), never for a workspace without one. A Node
 * without module.register leaves them unnoted: their analysis is then kept by their own text.
 */
function watchEsmImports(): void {
  if (esmWatched) return;
  esmWatched = true;
  try {
    const { port1, port2 } = new MessageChannel();
    port1.on('message', (url: string) => noteLoaded(url));
    port1.unref();
    register(`data:text/javascript,${encodeURIComponent(NOTE_LOADS)}`, { data: { port: port2 }, transferList: [port2] });
  } catch {
    // unnoted, as said
  }
}

/**
 * The workspace's own files that loading and running migrations has loaded or read so far (the
 * migrations and what they import: helpers beside them, a module's schema constants, an Nx
 * library; a .sql file a migration reads and sends), not installed packages. What a TS/JS
 * migration emits depends on them as well as on its own text.
 */
export function localFilesLoaded(root: string): string[] {
  const files = new Set([...esmLoaded, ...filesRead]);
  for (const key of Object.keys(createRequire(import.meta.url).cache)) files.add(key.replace(/\?namespace=.*$/, ''));
  return workspaceOwn(files, root);
}

/** The paths that are the workspace's own (at or under `root`, not in an installed package), sorted. */
function workspaceOwn(paths: Iterable<string>, root: string): string[] {
  const inside = root.endsWith(sep) ? root : `${root}${sep}`;
  return [...paths].filter((f) => (f === root || f.startsWith(inside)) && !f.includes(`${sep}node_modules${sep}`)).sort();
}

/**
 * A migration's own code called `process.exit` (a config check that exits when a variable is
 * missing, as Infisical's does): refused, so that Bulkhead rolls the migration back and says why
 * instead of vanishing mid-run (or taking Nx's task process with it).
 */
export class MigrationExitError extends Error {
  readonly fix = "throw an Error where it exits instead (Bulkhead reports its message and rolls the migration back); what it checks (an environment variable?) must hold where Bulkhead runs";
  constructor(readonly exitCode: unknown) {
    super(`it called process.exit(${exitCode === undefined ? '' : String(exitCode)}), which Bulkhead does not let a migration do: it runs inside Bulkhead's process`);
    this.name = 'MigrationExitError';
  }
}

let exitGuards = 0;
let realExit: typeof process.exit | undefined;
let realEnv: NodeJS.ProcessEnv | undefined;
let watchedEnv: NodeJS.ProcessEnv | undefined;
const envRead = new Set<string>();
/** Files migrations' code read (fs.readFileSync, fs.readFile, fs/promises' readFile), by absolute path. */
const filesRead = new Set<string>();
/** Folders migrations' code listed (fs.readdirSync, fs.readdir, fs/promises' readdir): a migration sending every .sql file of one. */
const foldersListed = new Set<string>();
/** fs's functions as they were before watchFileReads wrapped them. */
let realReads: Map<{ [name: string]: unknown }, Record<string, unknown>> | undefined;

/**
 * Run a migration's code (its import, its up or down) with `process.exit` throwing
 * MigrationExitError instead of exiting, and the environment variables it reads, the files it
 * reads and the folders it lists noted (see envReadByMigrations, localFilesLoaded). Nested and
 * concurrent calls share one guard; the host's `process.exit`, `process.env` and fs functions are
 * its own again when the last returns (unless a migration replaced `process.env`: then the
 * replacement stays).
 */
export async function asMigrationCode<T>(fn: () => Promise<T>): Promise<T> {
  if (exitGuards++ === 0) {
    realExit = process.exit;
    process.exit = ((code?: unknown) => {
      throw new MigrationExitError(code);
    }) as typeof process.exit;
    realEnv = process.env;
    process.env = watchedEnv = notingReads(realEnv);
    watchFileReads();
  }
  try {
    return await fn();
  } finally {
    if (--exitGuards === 0) {
      process.exit = realExit!;
      // A migration that replaced process.env (`process.env = { ...process.env, … }`) keeps its
      // replacement, as it would under knex's migrator: later migrations read it.
      if (process.env === watchedEnv) process.env = realEnv!;
      watchedEnv = undefined;
      unwatchFileReads();
    }
  }
}

/**
 * `env` as itself, each variable read or tested (`in`) by a migration's code noted in envRead:
 * by what is not Node itself (its colour checks on a console call), the TypeScript loader, or
 * Bulkhead and the drivers it bundles, whose reads do not change what a migration does.
 */
function notingReads(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const note = (key: string | symbol) => {
    if (typeof key === 'string' && !envRead.has(key) && byMigrationCode(callerOfTrap())) envRead.add(key);
  };
  return new Proxy(env, {
    get(target, key) {
      note(key);
      return Reflect.get(target, key);
    },
    has(target, key) {
      note(key);
      return Reflect.has(target, key);
    },
    set(target, key, value) {
      // process.env makes the value a string itself.
      (target as Record<string | symbol, unknown>)[key] = value;
      return true;
    },
    deleteProperty(target, key) {
      return Reflect.deleteProperty(target, key);
    },
  });
}

/**
 * Note the files migrations' code reads and the folders it lists while it runs: a knex migration
 * sending a .sql file beside it (`knex.raw(fs.readFileSync(path.join(__dirname, 'sql/001.sql'),
 * 'utf8'))`), or every file of a folder, emits what they say. fs's read and readdir functions are
 * wrapped (and ES modules' named imports of them synced), noting a path read by migration code
 * (not Node's module loader, tsx's or Bulkhead's).
 */
function watchFileReads(): void {
  const wrapped: [{ [name: string]: unknown }, string, Set<string>][] = [
    [fs as never, 'readFileSync', filesRead],
    [fs as never, 'readFile', filesRead],
    [fs.promises as never, 'readFile', filesRead],
    [fs as never, 'readdirSync', foldersListed],
    [fs as never, 'readdir', foldersListed],
    [fs.promises as never, 'readdir', foldersListed],
  ];
  realReads = new Map();
  for (const [owner, name, into] of wrapped) {
    const real = owner[name] as (...a: unknown[]) => unknown;
    (realReads.get(owner) ?? realReads.set(owner, {}).get(owner)!)[name] = real;
    owner[name] = function (this: unknown, target: unknown, ...rest: unknown[]) {
      notePathRead(target, into);
      return real.call(this, target, ...rest);
    };
  }
  syncBuiltinESMExports();
}

function unwatchFileReads(): void {
  if (!realReads) return;
  for (const [owner, functions] of realReads) Object.assign(owner, functions);
  realReads = undefined;
  syncBuiltinESMExports();
}

/** A path (string, file URL, Buffer) read or listed by migration code, absolute; a file descriptor or handle names no file. */
function notePathRead(target: unknown, into: Set<string>): void {
  let name: string | undefined;
  if (typeof target === 'string') name = target.startsWith('file:') ? fileURLToPath(target) : target;
  else if (target instanceof URL && target.protocol === 'file:') name = fileURLToPath(target);
  else if (Buffer.isBuffer(target)) name = target.toString();
  if (name === undefined) return;
  const abs = resolve(name);
  if (!into.has(abs) && byMigrationCode(callerOfTrap())) into.add(abs);
}

/** The workspace's own folders that migrations' code listed so far (not installed packages'). */
export function localFoldersListed(root: string): string[] {
  return workspaceOwn(foldersListed, root);
}

/** Bulkhead's own code: the folder above this file's (core's dist or src, or the CLI's bundle). */
const OWN_CODE = dirname(dirname(fileURLToPath(import.meta.url))) + sep;
const LOADER_CODE = /[\\/]node_modules[\\/](?:tsx|esbuild|get-tsconfig|@esbuild)[\\/]/;

function byMigrationCode(file: string | undefined): boolean {
  if (!file || file.startsWith('node:')) return false;
  const f = file.startsWith('file:') ? fileURLToPath(file) : file;
  return !f.startsWith(OWN_CODE) && !LOADER_CODE.test(f);
}

/** The file of the code that touched process.env (or read a file): the frame below the proxy's trap (the fs wrapper). */
function callerOfTrap(): string | undefined {
  const prepare = Error.prepareStackTrace;
  const limit = Error.stackTraceLimit;
  try {
    Error.prepareStackTrace = (_e, frames) => frames;
    Error.stackTraceLimit = 4;
    const holder: { stack?: unknown } = {};
    // Frames from here down: note, the trap (or the fs wrapper), then whoever read.
    Error.captureStackTrace(holder, callerOfTrap);
    const frames = holder.stack as NodeJS.CallSite[] | undefined;
    return frames?.[2]?.getFileName() ?? undefined;
  } finally {
    Error.prepareStackTrace = prepare;
    Error.stackTraceLimit = limit;
  }
}

/**
 * The environment variables migrations' code has read in this process so far (a config module
 * checking JWT_SECRET, a branch on DB_CLIENT), with whatever else ran meanwhile: what the SQL a
 * TS/JS migration emits, or its failure, may depend on besides the files it loads.
 */
export function envReadByMigrations(): ReadonlySet<string> {
  return envRead;
}

/** Node's options that load code before Bulkhead does (`--import ./globals.mjs`, `-r ./setup.cjs`). */
const PRELOAD_FLAGS = new Set(['--import', '--require', '-r', '--loader', '--experimental-loader']);

/**
 * What Node loaded before Bulkhead (NODE_OPTIONS, or the options before the script): each
 * `--import`, `--require` or `--loader` module as written, in order. A migration's globals may be
 * defined there (wiki.js's migrations read `WIKI.config`, which its application sets up first), so
 * what a TS/JS migration emits depends on them as it does on the files it imports.
 */
export function nodePreloads(env: NodeJS.ProcessEnv = process.env, execArgv: readonly string[] = process.execArgv): string[] {
  const out: string[] = [];
  const words = [...nodeOptionWords(env.NODE_OPTIONS ?? ''), ...execArgv];
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    const eq = w.indexOf('=');
    const [flag, value] = eq > 0 ? [w.slice(0, eq), w.slice(eq + 1)] : [w, undefined];
    if (!PRELOAD_FLAGS.has(flag)) continue;
    const spec = value ?? words[++i];
    if (spec) out.push(spec);
  }
  return out;
}

/** NODE_OPTIONS split as Node splits it: on spaces, with double quotes around a word that holds them. */
function nodeOptionWords(options: string): string[] {
  const words: string[] = [];
  for (const m of options.matchAll(/"((?:[^"\\]|\\.)*)"|(\S+)/g)) words.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2]!);
  return words;
}

/** Import a TS/JS migration (ESM or CommonJS; `module.exports` and `export default` both work). */
export function importJsMigration(file: string): Promise<JsMigrationModule> {
  return asMigrationCode(() => importUnguarded(file));
}

/** Whether a migration file is TypeScript (compiled by tsx with its tsconfig). */
export function isTypeScript(file: string): boolean {
  return /\.[mc]?ts$/.test(file);
}

async function importUnguarded(file: string): Promise<JsMigrationModule> {
  let mod: JsMigrationModule & { default?: JsMigrationModule };
  if (isTypeScript(file)) {
    // A CommonJS file through tsx's require, not its import: an import would run it from a data:
    // URL, and an error's stack would not name the file's line.
    const ts = await typeScriptLoader(tsconfigFor(file));
    mod = (isEsModule(file) ? await ts.import(pathToFileURL(file).href, import.meta.url) : ts.require(file, import.meta.url)) as typeof mod;
  } else {
    if (isEsModule(file)) watchEsmImports();
    mod = (await import(pathToFileURL(file).href)) as typeof mod;
  }
  const d = mod.default;
  if (typeof mod.up !== 'function' && d && typeof d === 'object' && typeof d.up === 'function') return d;
  return mod;
}

/** Other JavaScript migration tools, by what their files say (first match wins). */
const FOREIGN_TOOLS: readonly [RegExp, string][] = [
  [/\bexports\.shorthands\b|\bpgm\.\w+\(|from ['"]node-pg-migrate['"]/, 'node-pg-migrate'],
  [/\bqueryInterface\.\w+\(|from ['"]sequelize['"]|require\(['"]sequelize['"]\)/, 'Sequelize (umzug)'],
  [/\bimplements\s+MigrationInterface\b|\bqueryRunner\.\w+\(|from ['"]typeorm['"]/, 'TypeORM'],
  [/from ['"]@mikro-orm\/migrations['"]|\bthis\.addSql\(/, 'MikroORM'],
  [/from ['"]kysely['"]|require\(['"]kysely['"]\)/, 'Kysely'],
  // Logto's alterations: `up: async (pool) => pool.query(sql\`…\`)` with slonik's tagged SQL.
  [/from ['"](?:@silverhand\/)?slonik['"]|require\(['"](?:@silverhand\/)?slonik['"]\)/, 'slonik'],
  // db-migrate: `exports.up = function (db, callback) { db.runSql(…, callback) }` (Unleash's 399),
  // or its schema calls (`db.createTable('t', {…}, cb)`; knex's are on db.schema).
  [/\bdb\.runSql\b|\bexports\._meta\b|\boptions\.dbmigrate\b|\bdb\.(?:createTable|dropTable|renameTable|addColumn|removeColumn|renameColumn|changeColumn|addIndex|removeIndex|addForeignKey|removeForeignKey)\(/, 'db-migrate'],
];

/**
 * The tool a TS/JS migration was written for, when it is not knex: its up gets that tool's object
 * (`pgm`, `queryInterface`, `queryRunner`, a Kysely `db`), and with knex it fails on its first call.
 * Read from the source, before it is imported (a Kysely or TypeORM import would fail first).
 */
export function foreignMigrationTool(source: string): { tool: string; sign: string } | undefined {
  for (const [re, tool] of FOREIGN_TOOLS) {
    const m = re.exec(source);
    if (m) return { tool, sign: m[0].replace(/\($/, '') };
  }
  return undefined;
}

/**
 * Where an error's stack passes through a loaded migration `file`: its frame's line and column.
 * The frame names the file as a path or a file URL, with tsx's `?namespace=…` after it.
 */
export function lineInStack(stack: string | undefined, file: string): { line: number; column?: number } | undefined {
  const names = [...new Set([file, pathToFileURL(file).pathname])].map(regexLiteral).join('|');
  const m = new RegExp(`(?:${names})(?:\\?[^:\\s)]*)?:(\\d+)(?::(\\d+))?`).exec(stack ?? '');
  return m ? { line: Number(m[1]), ...(m[2] ? { column: Number(m[2]) } : {}) } : undefined;
}

/**
 * The fix for a TS/JS migration whose own code read a global that is not defined: one the
 * application sets up before it runs its migrations (wiki.js's migrations read `WIKI.config`).
 */
export function undefinedGlobalFix(message: string): string | undefined {
  const name = /^([A-Za-z_$][\w$]*) is not defined$/.exec(message)?.[1];
  return name && `${name} is a global the application defines before it runs its migrations, and Bulkhead runs them on their own: import what the migration reads from ${name} (or define it in a module the migration imports), or, to leave the migrations as they are, define it in a file Node loads first: NODE_OPTIONS="--import ./${name.toLowerCase()}-globals.mjs" bulkhead …`;
}
