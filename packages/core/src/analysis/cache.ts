import fs from 'node:fs';
import path from 'node:path';
import { workspaceCacheDir, writeAtomically } from '../cache-dir.js';
import type { Touch } from './objects.js';
import type { StatementMark } from './statements.js';

/** Bump when the analysis changes what it reports: old entries are then ignored. */
const ANALYSIS_VERSION = 4;

export interface AnalysisEntry {
  up: Touch[];
  down: Touch[];
  /** A SQL migration: how its files split into statements (the runner's split, without a parse). */
  statements?: { up: StatementMark[]; down?: StatementMark[] };
  /** A TS/JS migration: the SQL it emitted, per direction (lint reads it). */
  sql?: { up: string[]; down: string[] };
  /** A TS/JS migration that could not be analysed: why, and the checksum of the migration that stopped the chain. */
  failed?: { message: string; at: string; checksum: string };
}

/**
 * Analysis results by migration checksum, one JSON file per module, so a no-op run does not
 * parse again, in the workspace's cache folder (workspaceCacheDir). A damaged or foreign file is
 * ignored and rewritten; a cache that cannot be written only costs time.
 */
export class AnalysisCache {
  private readonly dir: string;
  private readonly modules = new Map<string, { entries: Record<string, AnalysisEntry>; dirty: boolean }>();

  constructor(root: string) {
    this.dir = workspaceCacheDir(root, 'analysis');
  }

  private file(module: string): string {
    return path.join(this.dir, `${module}.json`);
  }

  private load(module: string) {
    let m = this.modules.get(module);
    if (!m) {
      let entries: Record<string, AnalysisEntry> = {};
      try {
        const json = JSON.parse(fs.readFileSync(this.file(module), 'utf8')) as { version?: number; entries?: Record<string, AnalysisEntry> };
        if (json.version === ANALYSIS_VERSION && json.entries && typeof json.entries === 'object') entries = json.entries;
      } catch {
        // No cache yet, or one we cannot read: analyse again.
      }
      m = { entries, dirty: false };
      this.modules.set(module, m);
    }
    return m;
  }

  get(module: string, checksum: string): AnalysisEntry | undefined {
    return this.load(module).entries[checksum];
  }

  set(module: string, checksum: string, entry: AnalysisEntry): void {
    const m = this.load(module);
    m.entries[checksum] = entry;
    m.dirty = true;
  }

  /** Write what changed; entries of migrations no longer in the module are dropped. */
  save(keep: ReadonlyMap<string, ReadonlySet<string>>): void {
    for (const [module, m] of this.modules) {
      const live = keep.get(module);
      if (live) {
        for (const k of Object.keys(m.entries)) {
          if (!live.has(k)) {
            delete m.entries[k];
            m.dirty = true;
          }
        }
      }
      if (!m.dirty) continue;
      // A read-only checkout keeps it dirty: the cache is only an optimisation.
      if (writeAtomically(this.file(module), jsonPieces(m.entries))) m.dirty = false;
    }
  }
}

/** The cache file's JSON, entry by entry (writeAtomically writes it without one big string). */
function* jsonPieces(entries: Record<string, AnalysisEntry>): Generator<string> {
  yield `{"version":${ANALYSIS_VERSION},"entries":{`;
  let first = true;
  for (const [checksum, entry] of Object.entries(entries)) {
    yield `${first ? '' : ','}${JSON.stringify(checksum)}:${JSON.stringify(entry)}`;
    first = false;
  }
  yield '}}';
}
