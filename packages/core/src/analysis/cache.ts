import fs from 'node:fs';
import path from 'node:path';
import { readLines, workspaceCacheDir, writeAtomically } from '../cache-dir.js';
import type { ProblemCode } from '../errors.js';
import { BULKHEAD_VERSION } from '../version.js';
import type { Touch } from './objects.js';
import type { StatementMark } from './statements.js';

/**
 * Bump when the analysis changes what it reports: old entries are then ignored. Every release
 * of Bulkhead starts afresh too (a forgotten bump must not keep an upgrade's fixes from a user).
 */
const ANALYSIS_VERSION = `47/${BULKHEAD_VERSION}`;

export interface AnalysisEntry {
  up: Touch[];
  down: Touch[];
  /** A SQL migration: how its files split into statements (the runner's split, without a parse). */
  statements?: { up: StatementMark[]; down?: StatementMark[] };
  /** A TS/JS migration: the SQL it emitted, per direction (lint reads it). */
  sql?: { up: string[]; down: string[]; downRan?: true };
  /** A TS/JS migration that could not be analysed: why, and the migration that stopped the chain (its checksum, and which of its directions). */
  failed?: { message: string; at: string; checksum: string; direction: 'up' | 'down'; code?: ProblemCode };
}

/**
 * What the SQL a module's TS/JS migrations emit (or where their chain stops) depends on besides
 * their own text: the workspace files they loaded or read (helpers beside them, a module's
 * constants, an Nx library, a .sql file they send; workspace-relative path → sha256; a folder
 * they listed, `path/` → sha256 of its sorted entry names), the
 * environment variables their code read (name → sha256 of the value, null when unset; never the
 * value, which may be a secret), and what Node loaded before Bulkhead.
 */
export interface CaptureInputs {
  files: Record<string, string>;
  env: Record<string, string | null>;
  /** What Node loaded before Bulkhead (`--import`, `--require`: globals a migration reads), each with its file's sha256 (null: a package, or unreadable). */
  preloads?: [string, string | null][];
}

/**
 * Analysis results by migration checksum, one file per module, so a no-op run does not parse
 * again, in the workspace's cache folder (workspaceCacheDir). The file is a line of JSON with the
 * version, then one line per migration, `<checksum>\t<entry as JSON>`: it is read and written
 * entry by entry (10,000 migrations make about 10 MB), never as one string. A damaged or foreign
 * file is ignored and rewritten; a cache that cannot be written only costs time.
 */
export class AnalysisCache {
  private readonly dir: string;
  private readonly modules = new Map<string, { entries: Map<string, AnalysisEntry>; dirty: boolean; inputs?: CaptureInputs }>();

  constructor(root: string) {
    this.dir = workspaceCacheDir(root, 'analysis');
  }

  private file(module: string): string {
    return path.join(this.dir, `${module}.lines`);
  }

  private load(module: string) {
    let m = this.modules.get(module);
    if (!m) {
      let entries = new Map<string, AnalysisEntry>();
      let inputs: CaptureInputs | undefined;
      try {
        let first = true;
        for (const line of readLines(this.file(module))) {
          if (first) {
            first = false;
            const header = JSON.parse(line) as { version?: unknown; inputs?: CaptureInputs };
            if (header.version !== ANALYSIS_VERSION) break;
            inputs = header.inputs;
            continue;
          }
          const tab = line.indexOf('\t');
          if (tab <= 0) throw new Error('not an entry');
          entries.set(line.slice(0, tab), JSON.parse(line.slice(tab + 1)) as AnalysisEntry);
        }
      } catch {
        // No cache yet, or one we cannot read: analyse again.
        entries = new Map();
        inputs = undefined;
      }
      m = { entries, dirty: false, ...(inputs ? { inputs } : {}) };
      this.modules.set(module, m);
    }
    return m;
  }

  get(module: string, checksum: string): AnalysisEntry | undefined {
    return this.load(module).entries.get(checksum);
  }

  set(module: string, checksum: string, entry: AnalysisEntry): void {
    const m = this.load(module);
    m.entries.set(checksum, entry);
    m.dirty = true;
  }

  /**
   * What a module's TS/JS migrations depended on when their SQL was captured, besides their own
   * text (see CaptureInputs): their entries hold while these are unchanged.
   */
  inputs(module: string): CaptureInputs | undefined {
    return this.load(module).inputs;
  }

  setInputs(module: string, inputs: CaptureInputs): void {
    const m = this.load(module);
    m.inputs = inputs;
    m.dirty = true;
  }

  /** Write what changed; entries of migrations no longer in the module are dropped. */
  save(keep: ReadonlyMap<string, ReadonlySet<string>>): void {
    for (const [module, m] of this.modules) {
      const live = keep.get(module);
      if (live) {
        for (const k of [...m.entries.keys()]) {
          if (!live.has(k)) {
            m.entries.delete(k);
            m.dirty = true;
          }
        }
      }
      if (!m.dirty) continue;
      // A read-only checkout keeps it dirty: the cache is only an optimisation.
      if (writeAtomically(this.file(module), cacheLines(m.entries, m.inputs))) {
        m.dirty = false;
        // The one-JSON-document file of analysis version 4 and before.
        try {
          fs.rmSync(path.join(this.dir, `${module}.json`), { force: true });
        } catch {
          // left behind: only a file in the cache
        }
      }
    }
  }
}

/** The cache file, line by line (see AnalysisCache). */
function* cacheLines(entries: ReadonlyMap<string, AnalysisEntry>, inputs: CaptureInputs | undefined): Generator<string> {
  yield `${JSON.stringify({ version: ANALYSIS_VERSION, ...(inputs ? { inputs } : {}) })}\n`;
  for (const [checksum, entry] of entries) yield `${checksum}\t${JSON.stringify(entry)}\n`;
}
