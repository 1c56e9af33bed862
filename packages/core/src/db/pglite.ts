import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { openWork } from './work.js';
import type { Extensions, PGliteOptions } from '@electric-sql/pglite';
import { BulkheadError, problem } from '../errors.js';
import { embeddedExtensionModule, embeddedExtensionProblem } from './embedded-extensions.js';
import type { DatabaseTarget } from './url.js';
import { sessionResetSql, sessionSettings } from './postgres.js';
import type { LockGuard, LockHolder, ModuleDb } from './types.js';
import { processAlive } from './process.js';
import { onInterrupt } from './interrupt.js';
import { userCacheDir } from '../cache-dir.js';

/**
 * Embedded default: a PGlite database per module, served to knex/pg through PGlite's socket
 * server with one connection (a second would share the one session). A lock file beside the
 * folder keeps a second process out; new folders start from a cached template.
 */
export interface PgliteOptions {
  module: string;
  /** The module's manifest, workspace-relative, for problems that name it. */
  file?: string;
  schema: string;
  extensions: readonly string[];
  /** SQL that a new database gets first, as db create would give it on a server (db/provision.ts provisionSql); asked only for a new one. */
  provision?: () => readonly string[];
  command: string;
  /** How long to wait for another process to release the folder; 0 waits forever. */
  lockTimeoutMs: number;
  onWait?: (holder: LockHolder | undefined) => void;
}

/** The installed PGlite's version (build-template.mjs checks): names the cached and the shipped template, with TEMPLATE_LAYOUT. */
export const PGLITE_VERSION = '0.5.14';

/** An embedded database has one session, owned by this process for as long as it is open. */
const EMBEDDED_GUARD: LockGuard = {
  check: () => undefined,
  verify: async () => undefined,
  fence: async () => undefined,
  fenceSql: '',
  sessionSql: '',
  heldSql: '',
  blockersOf: async () => [],
};

/** Whether an embedded database folder holds a database already (else opening creates one). */
export function pgliteExists(dir: string): boolean {
  return fs.existsSync(path.join(dir, 'PG_VERSION'));
}

export async function openPglite(target: Extract<DatabaseTarget, { kind: 'pglite' }>, o: PgliteOptions): Promise<ModuleDb> {
  const releaseFolder = target.dir ? await lockFolder(target.dir, o) : () => undefined;
  let throwaway: string | undefined;
  try {
    const { PGlite } = await import('@electric-sql/pglite');
    const extensions = (await loadExtensions(o.module, o.extensions, o.file)) as Extensions;
    const fresh = !target.dir || !pgliteExists(target.dir);
    if (target.dir) fs.mkdirSync(path.dirname(target.dir), { recursive: true });
    // A new folder is a native copy of the template folder (PGlite's initdb takes some 3 s). A
    // database "in memory" (scratch databases, pglite://memory) is such a copy too, in a throwaway
    // folder removed on close: PGlite's in-memory file system would take a tarball (gunzip, untar,
    // a write per file through the emulation), about 0.4 s of CPU more per open and the 39 MB in
    // the JavaScript heap. Where no copy can be made, PGlite makes the database itself.
    throwaway = target.dir ? undefined : await throwawayCopy();
    if (fresh && target.dir) await copyTemplateDir(target.dir);
    const db = await PGlite.create(target.dir ?? throwaway ?? 'memory://', { extensions, ...(await compiledPglite()) });
    const provision = fresh ? (o.provision?.() ?? []) : [];
    if (provision.length) {
      try {
        await db.exec(provision.join(';\n'));
      } catch (e) {
        await db.close().catch(() => undefined);
        throw e;
      }
    }
    const { PGLiteSocketServer } = await import('@electric-sql/pglite-socket');
    const server = new PGLiteSocketServer({ db, port: 0, host: '127.0.0.1', maxConnections: 1 });
    await server.start();
    const [host, port] = server.getServerConn().split(':');
    // One session, the driver's for reading; knex takes it over when something runs (see openWork).
    const work = await openWork({
      settings: { host, port: Number(port), user: 'postgres', database: 'postgres' },
      prepare: async (conn) => void (await conn.query(sessionSettings(o.schema, false))),
      idleTimeoutMillis: 60_000,
    }).catch(async (e: unknown) => {
      await server.stop().catch(() => undefined);
      await db.close().catch(() => undefined);
      throw e;
    });
    return {
      kind: 'pglite',
      get knex() {
        return work.knex();
      },
      connection: work.connection,
      query: work.query,
      sessionReset: sessionResetSql(o.schema, { server: false }),
      serverVersion: undefined,
      // The folder lock already excludes every other process; one process runs a module once.
      withModuleLock: (fn) => fn(EMBEDDED_GUARD),
      lockHolder: async () => undefined,
      connectionHeadroom: async () => undefined,
      // Extensions and roles are the embedded build's (BH063 knows them without asking); the
      // tables and views migrations use that none makes are asked as of a server (BH074).
      async catalog(names) {
        if (!names.relations?.length) return undefined;
        const r = await work.query('SELECT DISTINCT lower(relname) AS name FROM pg_class WHERE lower(relname) = ANY($1::text[])', [names.relations]);
        return { extensions: new Set<string>(), roles: new Set<string>(), relations: new Set((r.rows as { name: string }[]).map((x) => x.name)) };
      },
      identity: async () => undefined,
      async close() {
        try {
          await work.close();
          await server.stop();
          await db.close();
        } finally {
          releaseFolder();
          if (throwaway) removeThrowaway(throwaway);
        }
      },
    };
  } catch (e) {
    releaseFolder();
    if (throwaway) removeThrowaway(throwaway);
    throw e;
  }
}

async function loadExtensions(module: string, names: readonly string[], file?: string): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const name of names) {
    if (name === 'plpgsql') continue;
    const { specifier, key } = embeddedExtensionModule(name);
    try {
      const mod = (await import(specifier)) as Record<string, unknown>;
      out[key] = mod[key];
    } catch {
      throw new BulkheadError(embeddedExtensionProblem(module, name, file));
    }
  }
  return out;
}


/** What every PGlite.create of this process shares. */
type Compiled = Pick<PGliteOptions, 'pgliteWasmModule' | 'fsBundle' | 'startParams'>;

let compiled: Promise<Compiled> | undefined;

/**
 * PostgreSQL's shared buffers in an embedded database. The server default (128MB) is zeroed
 * byte by byte in WebAssembly at every start: about half a second, and as much resident memory,
 * per open. A module's development database needs far less.
 */
const EMBEDDED_SHARED_BUFFERS = '8MB';

/**
 * PGlite's WebAssembly module and file-system bundle, compiled and read once per process and
 * shared by every instance (module databases, scratch databases, analysis captures), and the
 * start parameters they all use.
 */
function compiledPglite(): Promise<Compiled> {
  compiled ??= (async () => {
    const { PGlite } = await import('@electric-sql/pglite');
    const startParams = [...PGlite.defaultStartParams, '-c', `shared_buffers=${EMBEDDED_SHARED_BUFFERS}`];
    try {
      const dist = path.dirname(createRequire(import.meta.url).resolve('@electric-sql/pglite'));
      const [wasm, data] = [fs.readFileSync(path.join(dist, 'pglite.wasm')), fs.readFileSync(path.join(dist, 'pglite.data'))];
      const wasmApi = (globalThis as unknown as { WebAssembly: { compile(bytes: Uint8Array): Promise<Compiled['pgliteWasmModule']> } }).WebAssembly;
      // Each instance gets its own copy of the bundle (PGlite's file system keeps views into it), made
      // by a plain copy: Node 20's Blob.arrayBuffer() streams 6 MB in chunks and joins them (some
      // 60 ms, against 15), once per instance.
      const fsBundle = { arrayBuffer: async () => data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) } as unknown as Blob;
      return { pgliteWasmModule: await wasmApi.compile(wasm), fsBundle, startParams };
    } catch {
      return { startParams }; // another layout: PGlite finds its own files
    }
  })();
  return compiled;
}

/** The template's layout (2: 1 MB WAL segments, see initTemplate): part of its folder's name, so a cache made before is not used. */
const TEMPLATE_LAYOUT = 2;

/** The template data folder in the user's cache. */
function cachedTemplateDir(): string {
  return path.join(userCacheDir(), `pglite-${PGLITE_VERSION}-template-${TEMPLATE_LAYOUT}`);
}

/** Templates of other PGlite versions or layouts in the cache, and their tarballs (before the package shipped one): 39 MB each nothing reads. */
function removeStaleTemplates(current: string): void {
  try {
    for (const f of fs.readdirSync(path.dirname(current))) {
      if (/^pglite-[\w.-]+-template(-\d+)?(\.tar\.gz)?$/.test(f) && f !== path.basename(current)) fs.rmSync(path.join(path.dirname(current), f), { recursive: true, force: true });
    }
  } catch {
    // left where they are
  }
}

let templateOnce: Promise<string | undefined> | undefined;

/**
 * A freshly initialised data folder that new databases are copies of: the one in the user's
 * cache, made once per machine in a folder of its own and renamed into place (concurrent
 * processes each make one; the first rename wins). Where the cache cannot be written, one made
 * for this process in a throwaway folder. Undefined when neither can be made.
 */
function templateDir(): Promise<string | undefined> {
  templateOnce ??= (async () => {
    const cached = cachedTemplateDir();
    if (pgliteExists(cached)) return cached;
    const tmp = `${cached}.${process.pid}.tmp`;
    if (await makeTemplate(tmp)) {
      try {
        fs.renameSync(tmp, cached);
      } catch {
        removeQuietly(tmp); // another process made it meanwhile
      }
      if (pgliteExists(cached)) {
        removeStaleTemplates(cached);
        return cached;
      }
    }
    const own = newThrowaway();
    if (await makeTemplate(own)) return own;
    removeThrowaway(own);
    return undefined;
  })();
  return templateOnce;
}

/**
 * A new database in `dir`: the template the package ships unpacked (packages/core/build-template.mjs;
 * about half a second), else PGlite's initdb (3-7 s, up to 1 GB of memory). False when neither
 * can be made there.
 */
async function makeTemplate(dir: string): Promise<boolean> {
  const initdb = async (into: string) => (await initTemplate(into), true);
  for (const make of [unpackShippedTemplate, initdb]) {
    try {
      fs.rmSync(dir, { recursive: true, force: true });
      fs.mkdirSync(dir, { recursive: true });
      if ((await make(dir)) && pgliteExists(dir)) return true;
    } catch {
      // the next way, or none
    }
  }
  removeQuietly(dir);
  return false;
}

/** Remove a folder if it can be (one under an unwritable cache, or a file in its path, cannot). */
function removeQuietly(dir: string): void {
  try {
    fs.rmSync(dir, { recursive: true, force: true, maxRetries: 2 });
  } catch {
    // nothing to remove, or nothing this process may remove
  }
}

/** The shipped template's file name (build-template.mjs writes it beside this file). */
export const SHIPPED_TEMPLATE = `pglite-template-${PGLITE_VERSION}-${TEMPLATE_LAYOUT}.tar.gz`;

/** The shipped template, beside this file once built (dist/db/, or the CLI's bundle); false when there is none (sources). */
async function unpackShippedTemplate(dir: string): Promise<boolean> {
  const file = fileURLToPath(new URL(`./${SHIPPED_TEMPLATE}`, import.meta.url));
  if (!fs.existsSync(file)) return false;
  const tar = await import('tar');
  tar.x({ file, cwd: dir, sync: true, strict: true });
  return true;
}

/**
 * Make a template data folder in `dir` with PGlite's initdb (also what build-template.mjs ships).
 * WAL segments of 1 MB instead of 16, and only the one holding the shutdown checkpoint kept (the
 * others initdb left are recycled, unused files; the server makes new ones as it needs them): a
 * copy is 24 MB instead of 39, each new database's folder and scratch database is that much
 * less to write.
 */
export async function initTemplate(dir: string): Promise<void> {
  const { PGlite } = await import('@electric-sql/pglite');
  const db = await PGlite.create(dir, { ...(await compiledPglite()), initDbStartParams: ['--wal-segsize=1'] });
  await db.close();
  const wal = path.join(dir, 'pg_wal');
  const segments = fs.readdirSync(wal).filter((f) => /^[0-9A-F]{24}$/.test(f)).sort();
  for (const f of segments.slice(1)) fs.rmSync(path.join(wal, f));
}

/** Copy the template data folder to `dir`; false when there is none or it cannot be copied. */
async function copyTemplateDir(dir: string): Promise<boolean> {
  const src = await templateDir();
  if (!src) return false;
  try {
    await copyTree(src, dir);
    return true;
  } catch {
    removeQuietly(dir);
    return false;
  }
}

/** Files copied at once: a data folder is about a thousand files, and making each waits for the disk's metadata more than for data. */
const COPY_CONCURRENCY = 16;
const treeListings = new Map<string, { dirs: string[]; files: string[] }>();

/**
 * Copy the folder `src` (folders and files, as the template is) to `dst`, which must not exist:
 * its folders first, then its files several at a time off the main thread (one data folder, 24 MB
 * in 971 files: about 85 ms where a synchronous copy took 125 ms, measured on the development
 * machine; the event loop keeps serving the run meanwhile). The listing is read once per process.
 */
async function copyTree(src: string, dst: string): Promise<void> {
  let listing = treeListings.get(src);
  if (!listing) {
    const found = { dirs: [] as string[], files: [] as string[] };
    const walk = (rel: string) => {
      for (const e of fs.readdirSync(path.join(src, rel), { withFileTypes: true })) {
        const name = path.join(rel, e.name);
        if (e.isDirectory()) {
          found.dirs.push(name);
          walk(name);
        } else found.files.push(name);
      }
    };
    walk('');
    treeListings.set(src, (listing = found));
  }
  fs.mkdirSync(dst, { recursive: true });
  for (const d of listing.dirs) fs.mkdirSync(path.join(dst, d), { recursive: true });
  const { files } = listing;
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (next < files.length && !failed) {
      const f = files[next++]!;
      await fs.promises.copyFile(path.join(src, f), path.join(dst, f)).catch((e: unknown) => {
        failed = true;
        throw e;
      });
    }
  };
  // Every copy settled before an error is thrown: the caller removes the folder, and no copy
  // still under way may write into it afterwards.
  const settled = await Promise.allSettled(Array.from({ length: Math.min(COPY_CONCURRENCY, files.length) }, worker));
  const error = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (error) throw error.reason;
}

/** Throwaway data folders are `bulkhead-pglite-<host>-<pid>-<random>`, in throwawayRoot(). */
const THROWAWAY_PREFIX = `bulkhead-pglite-${createHash('sha256').update(os.hostname()).digest('hex').slice(0, 6)}-`;
/** This process's throwaway folders, each with its forget-on-interrupt: removed on close, or at the latest when the process exits (Ctrl-C included). */
const throwaways = new Map<string, () => void>();

/**
 * A copy of the template data folder in a new throwaway folder, for a database that lives as long
 * as it is open; undefined when no template folder can be made or copied there (the caller opens
 * one in memory instead).
 */
async function throwawayCopy(): Promise<string | undefined> {
  const dir = newThrowaway();
  if (await copyTemplateDir(dir)) return dir;
  removeThrowaway(dir);
  return undefined;
}

/**
 * The path of a new throwaway folder, registered to be removed (removeThrowaway) on close, on
 * Ctrl-C and at exit. Folders that processes of this host left behind when they died (SIGKILL)
 * are removed first.
 */
function newThrowaway(): string {
  sweepThrowaways();
  const dir = path.join(throwawayRoot(), `${THROWAWAY_PREFIX}${process.pid}-${randomBytes(4).toString('hex')}`);
  throwaways.set(dir, onInterrupt({ cleanup: async () => removeThrowaway(dir) }));
  if (throwaways.size === 1) process.on('exit', removeAllThrowaways);
  return dir;
}

function removeThrowaway(dir: string): void {
  const forget = throwaways.get(dir);
  if (!forget) return;
  throwaways.delete(dir);
  forget();
  if (throwaways.size === 0) process.off('exit', removeAllThrowaways);
  removeQuietly(dir);
}

function removeAllThrowaways(): void {
  for (const dir of [...throwaways.keys()]) removeThrowaway(dir);
}

/** Linux's shared-memory file system, where it has room to spare. */
const SHM = '/dev/shm';
const SHM_SPARE = 1024 ** 3;

/**
 * Where throwaway folders go: Linux's shared memory (/dev/shm) where it has 1 GiB to spare — no
 * disk writes to copy the template and remove it after (a 39 MB copy took 0.13 s there against
 * 0.4 s on this virtual disk) — else the system's temporary folder (a container's small
 * /dev/shm, macOS).
 */
function throwawayRoot(): string {
  try {
    if (process.platform === 'linux') {
      const st = fs.statfsSync(SHM);
      fs.accessSync(SHM, fs.constants.W_OK);
      if (st.bavail * st.bsize >= SHM_SPARE) return SHM;
    }
  } catch {
    // no /dev/shm here
  }
  return os.tmpdir();
}

/** Remove the throwaway folders of this host's processes that are gone. */
function sweepThrowaways(): void {
  for (const root of new Set([SHM, os.tmpdir()])) {
    try {
      for (const name of fs.readdirSync(root)) {
        if (!name.startsWith(THROWAWAY_PREFIX)) continue;
        const pid = Number(name.slice(THROWAWAY_PREFIX.length).split('-')[0]);
        if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && !processAlive(pid)) removeQuietly(path.join(root, name));
      }
    } catch {
      // an unreadable (or absent) folder only leaves leftovers where they are
    }
  }
}

interface LockInfo {
  pid: number;
  host: string;
  command: string;
  since: string;
}

/** Take `<dir>.lock` (exclusive create); a lock left by a dead process on this host is taken over. */
async function lockFolder(dir: string, o: PgliteOptions): Promise<() => void> {
  const file = `${dir}.lock`;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const me: LockInfo = { pid: process.pid, host: os.hostname(), command: o.command, since: new Date().toISOString() };
  const deadline = o.lockTimeoutMs > 0 ? Date.now() + o.lockTimeoutMs : Infinity;
  let told = false;
  for (;;) {
    try {
      fs.writeFileSync(file, JSON.stringify(me), { flag: 'wx' });
      heldLocks.add(file);
      if (heldLocks.size === 1) process.on('exit', releaseAllLocks);
      return () => releaseLock(file);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const holder = readLock(file);
    if (holder && holder.host === os.hostname() && !processAlive(holder.pid)) {
      fs.rmSync(file, { force: true });
      continue;
    }
    const who: LockHolder | undefined = holder ? { application: `${holder.command} on ${holder.host}`, pid: holder.pid, since: holder.since } : undefined;
    if (Date.now() >= deadline) {
      throw new BulkheadError(
        problem('BH027', `embedded database ${dir} is in use${holder ? ` by pid ${holder.pid} (${holder.command}) on ${holder.host}` : ''}`, {
          module: o.module,
          fix: `wait for that process to finish (or stop it); if no such process runs, delete ${file}`,
        }),
      );
    }
    if (!told) {
      o.onWait?.(who);
      told = true;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Lock files this process holds; removed on close, or at the latest when the process exits. */
const heldLocks = new Set<string>();

function releaseLock(file: string): void {
  if (!heldLocks.delete(file)) return;
  if (heldLocks.size === 0) process.off('exit', releaseAllLocks);
  try {
    if (readLock(file)?.pid === process.pid) fs.unlinkSync(file);
  } catch {
    // already gone
  }
}

function releaseAllLocks(): void {
  for (const file of [...heldLocks]) releaseLock(file);
}

function readLock(file: string): LockInfo | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as LockInfo;
  } catch {
    return undefined;
  }
}
