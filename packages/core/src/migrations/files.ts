import fs from 'node:fs';
import path from 'node:path';
import { problem, type Problem } from '../errors.js';
import { checksum } from './checksum.js';
import { shellWord } from './shell.js';
import { parseDirectives, type SqlDirectives } from './directives.js';
import { templateExpressions } from './templates.js';
import { lineColumnAt, listed, looksUtf16, plural, regexLiteral } from '../text.js';

/** One migration of a module, as found on disk (SPEC §3). */
export interface MigrationFile {
  /** File name without extension(s), e.g. `20251116214100_initial_schema`. */
  id: string;
  /**
   * Leading digits of the id. A date written with separators (`2023-08-16-1200_`, diesel's
   * `2019-12-20-191248_`, Laravel's `2014_10_12_000000_`) is one version, not its year.
   */
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
/** An id that is a release number: 2.5.12, 1.0.0-beta.3. */
const DOTTED = /^\d+\.\d+(?:\.\d+)*(?:[-_.].*)?$/;
/**
 * The renames of BH012's release-numbered migrations as one bash loop: each release in version
 * order (sort -V, as compareDotted) numbered, its files (up, down, TS/JS) renamed alike.
 */
function releaseRenameCommand(width: number): string {
  return `i=0; for v in $(ls | grep -oE '^[0-9]+(\\.[0-9]+)+' | sort -uV); do i=$((i+1)); for f in "$v".[!0-9]* "$v"[-_]*; do [ -e "$f" ] || continue; mv "$f" "$(printf %0${width}d $i)_v\${v//./_}\${f#"$v"}"; done; done`;
}

const compareDotted = (a: string, b: string): number => {
  const [x, y] = [a.split(/[.\-_]/), b.split(/[.\-_]/)];
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const [p, q] = [x[i] ?? '', y[i] ?? ''];
    const [n, m] = [Number(p), Number(q)];
    const c = p !== '' && q !== '' && Number.isInteger(n) && Number.isInteger(m) ? n - m : p < q ? -1 : p > q ? 1 : 0;
    if (c !== 0) return c;
  }
  return 0;
};
const ID = /^(\d{4}[-_]\d{2}[-_]\d{2}(?:[-_]\d{4,6})?(?:-\d+)*(?=[-_.]|$)|\d+)(?:[_-]?(.*))?$/;
const isDated = (version: string): boolean => /\D/.test(version);
/** How many digits a version orders by: a dated one as a full timestamp (YYYYMMDDHHMMSS). */
const digits = (version: string): number => (isDated(version) ? 14 : version.length);
/**
 * Digits that spell a date and time (YYYYMMDDhhmm…): a timestamp, of whatever precision (ory's
 * have 20 digits; a date alone, langfuse's 20250625_…, is its midnight). Twelve digits or more
 * from a year on are one whatever the month says: joplin's 20203012152842 (month 30, a typo)
 * sorts among its neighbours' timestamps as its name does.
 */
export const isTimestamp = (version: string): boolean =>
  version.length >= 12 ? /^(19|20)\d\d/.test(version) : version.length >= 8 && /^(19|20)\d\d(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])/.test(version);
/** Seconds since 1970, as golang-migrate's create writes versions by default (concourse's 1626194317_…): a later one is the next second. */
const UNIX_SECONDS = /^1\d{9}$/;
/**
 * A version as a number, for ordering: a dated one as the timestamp it spells (groups after it
 * break ties by name); timestamps of different precision compared digit by digit from the year,
 * as their file names sort (20150101000001000000 before 20261205101559).
 */
const versionNumber = (version: string): bigint =>
  isDated(version) || isTimestamp(version) ? BigInt(version.replace(/\D/g, '').padEnd(24, '0').slice(0, 24)) : BigInt(version);
/** The version one after `version`, in its own form: 20250101120000 → 20250101120001, 2023-08-16-0000 → 2023-08-16-0001. */
function nextVersion(version: string): string {
  const m = /^(.*?)(\d+)$/.exec(version)!;
  const next = (BigInt(m[2]!) + 1n).toString().padStart(m[2]!.length, '0');
  return `${m[1]}${next}`;
}

/**
 * The fix for a folder mixing dated versions (2023-08-16-0000_…) with plain ones: a short plain
 * one among dated ones is a typo (2024-10-1315_… reads as version 2024); otherwise two forms are
 * mixed (crates.io: 20170102131034_… then 2017-08-31-230457_…), which sort apart as text.
 */
function datedFix(migrations: readonly MigrationFile[]): string | undefined {
  const dated = migrations.filter((m) => isDated(m.version));
  const plain = migrations.filter((m) => !isDated(m.version));
  if (!dated.length || !plain.length) return undefined;
  const odd = plain.find((m) => m.version.length < 12);
  if (odd && dated.length >= migrations.length / 2) return `write ${odd.id}'s version as the others are written (e.g. ${dated[0]!.version}_…): it reads as version ${odd.version}`;
  const example = dated[0]!;
  return `write every version in one form: file names sort as text, and "-" sorts before digits (e.g. rename ${example.id} to ${example.version.replace(/\D/g, '')}_${example.name})`;
}

/**
 * The lines that open each direction's section in a file of both directions: goose, sql-migrate,
 * dbmate and node-pg-migrate (the folder command's awk matches the same markers).
 */
const SECTION_MARKER = {
  up: /^[ \t]*--[ \t-]*(\+goose Up|\+migrate Up|migrate:up|Up\s+Migration)\b.*$/im,
  // tern's line ends the up (everything above it) and opens the down.
  down: /^[ \t]*--[ \t-]*(\+goose Down|\+migrate Down|migrate:down|Down\s+Migration|create above \/ drop below)\b.*$/im,
} as const;

/** tern's migrations: the up above this line, the down below it (none when nothing is). */
const TERN_SPLIT = /^---- create above \/ drop below ----[ \t]*$/m;

/** Flyway's names: V<version>__<description>.sql, U… for its undo, R__… repeatable; a version's parts separated by . or _. */
const FLYWAY = /^([VUR])(\d+(?:[._]\d+)*)?__(.+)\.sql$/i;

/**
 * How a folder's Flyway versions become one number each when some have parts (1.1, 2_0_3):
 * every version as the same number of parts of the same width (1 → 001000, 1.1 → 001001), which
 * sort as Flyway sorts them; plain numbers of different widths (V1 … V55, peerdb's) padded to the
 * widest, so that 10 does not sort before 2. Undefined when they already sort (V1 … V9).
 */
function flywayLayout(names: readonly string[]): FlywayLayout | undefined {
  const versions = names.map((n) => FLYWAY.exec(n)?.[2]).filter((v): v is string => v !== undefined);
  if (!versions.some((v) => /[._]/.test(v))) {
    const widths = new Set(versions.map((v) => v.length));
    return widths.size > 1 ? { parts: 1, width: Math.max(...widths) } : undefined;
  }
  const split = versions.map((v) => v.split(/[._]/));
  return { parts: Math.max(...split.map((p) => p.length)), width: Math.max(3, ...split.flat().map((p) => String(Number(p)).length)) };
}

type FlywayLayout = { parts: number; width: number };

/** A Flyway version in a folder's layout (flywayLayout): 1.1 → 001001. */
function flywayVersion(version: string, layout: FlywayLayout): string {
  const parts = version.split(/[._]/);
  return Array.from({ length: layout.parts }, (_, i) => String(Number(parts[i] ?? 0)).padStart(layout.width, '0')).join('');
}

/**
 * How to bring a `.sql` file not named `<id>.up.sql` in. One holding both directions under
 * another tool's markers (goose's `-- +goose Up`, sql-migrate's `-- +migrate Up`, dbmate's
 * `-- migrate:up`) is split in two; `name_down.sql` / `name-up.sql` already say their direction.
 */
function sqlFileFix(abs: string, name: string, layout: FlywayLayout | undefined): { kind: SqlFileKind; fix: string } {
  // Flyway: V<version>__<description>.sql, its undo U<version>__…, a repeatable R__….
  const flyway = FLYWAY.exec(name);
  if (flyway) {
    const [, letter, version, description] = flyway as unknown as [string, string, string | undefined, string];
    if (letter.toUpperCase() === 'R') {
      return { kind: 'other', fix: 'a Flyway repeatable migration (R__) has no Bulkhead equivalent: make it a versioned one (<version>_<name>.up.sql) that CREATE OR REPLACEs what it defines, and add a new version for each change' };
    }
    if (version) {
      const renamed = `${layout ? flywayVersion(version, layout) : version}_${description.replace(/\./g, '_')}.${letter.toUpperCase() === 'U' ? 'down' : 'up'}.sql`;
      const why = layout?.parts === 1
        ? `Flyway's version ${version} padded to ${layout.width} digits, so that versions of different widths keep Flyway's order (2 < 10); its siblings renamed the same way keep theirs`
        : layout
        ? `Flyway's version ${version.replace(/_/g, '.')} as ${layout.parts} parts of ${layout.width} digits, so that versions with dots keep Flyway's order (1 < 1.1 < 2 < 10); its siblings renamed the same way keep theirs`
        : `Flyway's ${letter.toUpperCase()}${version}__ without the letter; the same for its siblings keeps their order`;
      return { kind: 'flyway', fix: `rename it to ${renamed} (${why})` };
    }
  }
  // Flyway's callbacks (afterMigrate.sql, beforeEachMigrate__grants.sql): run around every migrate.
  const callback = /^(before|after)(Each)?(Migrate|Clean|Validate|Baseline|Repair|Info|Undo|Connect)(Error|Applied)?(?:__.+)?\.sql$/i.exec(name);
  if (callback) {
    return {
      kind: 'other',
      fix: `it is a Flyway callback (${callback[1]}${callback[2] ?? ''}${callback[3]}${callback[4] ?? ''}), which Flyway runs around each migrate and Bulkhead has no equivalent of: make what it does a migration (<version>_<name>.up.sql; idempotent SQL, CREATE OR REPLACE, a GRANT, belongs in the migration that needs it), or run it from the release pipeline after bulkhead up; move it out of the migrations folder`,
    };
  }
  // Postgrator: <version>.do.<name>.sql, its undo <version>.undo.<name>.sql (the name optional).
  const postgrator = /^(\d+)\.(do|undo)(?:\.(.+))?\.sql$/.exec(name);
  if (postgrator) {
    const [, version, verb, description] = postgrator as unknown as [string, string, string, string | undefined];
    return { kind: 'postgrator', fix: `rename it to ${version}${description ? `_${description}` : ''}.${verb === 'undo' ? 'down' : 'up'}.sql (Postgrator's undo is the down)` };
  }
  // yoyo's <id>.rollback.sql beside its <id>.sql (and an undo or revert so named): that one's down.
  const of = rollbackOf(abs, name);
  if (of) return { kind: 'plain', fix: `rename it to ${of}.down.sql: it is the rollback of ${of}.sql, and run as a migration of its own it would undo it right after` };
  const direction = /[._-](up|down)\.sql$/i.exec(name)?.[1];
  const renamed = name.replace(/(?:[._-](up|down))?\.sql$/i, (_, d: string | undefined) => `.${(d ?? 'up').toLowerCase()}.sql`);
  // Unreadable: '' (the rename is the fix).
  const head = fileHead(abs, 64 * 1024);
  // A file of both directions splits into <base>.up.sql and <base>.down.sql.
  const base = name.replace(/\.sql$/i, '');
  if (TERN_SPLIT.test(head)) {
    return { kind: 'tern', fix: `it holds both directions, split by tern's "---- create above / drop below ----": split it into ${base}.up.sql (the part above the line) and ${base}.down.sql (the part below), a "---- tern: disable-tx ----" line becoming -- bulkhead:no-transaction` };
  }
  const marker = SECTION_MARKER.up.exec(head)?.[1];
  const heading = marker ? undefined : otherDirection(head, 'down', abs);
  if (heading?.heading) {
    return { kind: 'heading', fix: `it seems to hold both directions ("-- ${heading.marker}" at line ${heading.line}, SQL below it): split it into ${base}.up.sql (the part above that line) and ${base}.down.sql (the part below)` };
  }
  if (!marker) {
    // Without a version it is no migration of any tool's: a helper, a seed, or one unnamed yet.
    if (!ID.test(renamed.replace(/\.(up|down)\.sql$/, ''))) {
      return { kind: 'unversioned', fix: `if it is a migration, rename it to <timestamp>_${renamed} (a migration's name starts with its version); if it is not (a seed, a helper script), move it out of the migrations folder` };
    }
    return { kind: direction ? 'other' : 'plain', fix: `rename it to ${renamed}` };
  }
  const down = SECTION_MARKER.down.exec(head)?.[1] ?? marker.replace(/up/i, (u) => (u === 'up' ? 'down' : 'Down'));
  return { kind: 'both', fix: `it holds both directions (-- ${marker} / -- ${down}): split it into ${base}.up.sql (the part under "${marker}") and ${base}.down.sql (under "${down}"), without the markers` };
}

/** A rollback's name: `<base>.rollback.sql` (yoyo), `<base>_undo.sql`, `<base>-revert.sql`. */
const ROLLBACK_NAME = /^(.+)[._-](?:rollback|undo|revert)\.sql$/i;

/** The base of a rollback file (ROLLBACK_NAME) whose migration is beside it, as `<base>.sql` or `<base>.up.sql`. */
function rollbackOf(abs: string, name: string): string | undefined {
  const base = ROLLBACK_NAME.exec(name)?.[1];
  if (base === undefined) return undefined;
  const dir = path.dirname(abs);
  return fs.existsSync(path.join(dir, `${base}.sql`)) || fs.existsSync(path.join(dir, `${base}.up.sql`)) ? base : undefined;
}

/**
 * What a `.sql` file not named `<id>.up.sql` is: another tool's `<version>_<name>.sql` (sqlx), a
 * Flyway V/U file, a Postgrator do/undo file, a file of both directions (goose, sql-migrate, dbmate), or one of its own kind.
 * A folder of one kind is told as one problem with one command.
 */
type SqlFileKind = 'plain' | 'flyway' | 'postgrator' | 'both' | 'tern' | 'heading' | 'unversioned' | 'other';

/**
 * A comment line that only says "down" (or undo, rollback, revert), maybe after a tool's name and
 * some punctuation: MyBatis Migrations' `-- //@UNDO`, shmig's `-- ==== DOWN ====`, rambler's
 * `-- rambler down`, a hand-written `-- Down`. In an up file with SQL below it, that SQL is
 * most likely the down, which would run right after the up.
 */
const DOWN_HEADING = /^[ \t]*--[-=/@+!#* \t]*(?:[a-z][\w-]*[ \t:]+)?(?:down|undo|rollback|revert)\b[-=*#: \t]*$/im;

/** A line marking the other direction's section (SECTION_MARKER), or, in an up file, a heading that says down with SQL below it. */
function otherDirection(text: string, direction: 'up' | 'down', file: string): { marker: string; line: number; direction: 'up' | 'down'; file: string; heading?: true } | undefined {
  const m = SECTION_MARKER[direction].exec(text);
  const heading = !m && direction === 'down' ? DOWN_HEADING.exec(text) : null;
  const found = m ?? heading;
  if (!found) return undefined;
  // A heading counts when SQL follows it (commented-out down statements under "-- Down" do not run).
  if (heading && !text.slice(heading.index + heading[0].length).split('\n').some((l) => l.trim() !== '' && !l.trim().startsWith('--'))) return undefined;
  return { marker: found[0].replace(/^[ \t]*--[ \t]*/, '').trim(), line: text.slice(0, found.index).split('\n').length, direction, file, ...(heading ? { heading: true as const } : {}) };
}

/** graphile-migrate's files beside committed/ that are not migrations of their own. */
const GRAPHILE_FILES = new Set(['current.sql', 'afterReset.sql']);

/**
 * Whether `dir` is a graphile-migrate migrations folder: committed/ of numbered files that open
 * with its `--! Previous:` / `--! Hash:` headers; and which of current.sql (or current/) and
 * afterReset.sql it has.
 */
function graphileMigrate(dir: string): { current?: string; afterReset: boolean } | false {
  const committed = path.join(dir, 'committed');
  let first: string | undefined;
  try {
    first = fs.readdirSync(committed).filter((f) => /^\d+(-[^/]*)?\.sql$/.test(f)).sort()[0];
  } catch {
    return false;
  }
  if (!first) return false;
  if (!/^--! (Previous|Hash):/m.test(fileHead(path.join(committed, first), 4096))) return false;
  const current = ['current.sql', 'current'].find((f) => fs.existsSync(path.join(dir, f)));
  return { ...(current ? { current: current === 'current' ? 'current/' : current } : {}), afterReset: fs.existsSync(path.join(dir, 'afterReset.sql')) };
}

/** A file and the problem it has on its own. */
interface Named {
  name: string;
  problem: Problem;
}

/** Files with one problem each: told one by one when they are few, else as one problem `whole(count, listed names)`. */
function together(found: readonly Named[], into: Problem[], whole: (count: number, names: string) => Problem): void {
  if (found.length < 3) into.push(...found.map((x) => x.problem));
  else into.push(whole(found.length, listed(found.map((x) => x.name))));
}


/** A shell command that pads the version of every file of a folder (up, down, TS alike) to `width` digits. */
export function padVersionsCommand(width: number): string {
  return `for f in [0-9]*; do v="\${f%%[!0-9]*}"; p="$(printf '%0${width}d' "$((10#$v))")"; [ "$v" = "$p" ] || mv "$f" "$p\${f#"$v"}"; done`;
}

/** A subfolder named as a release: 0.19, v1.2, 2.0.1. */
const RELEASE_FOLDER = /^v?\d+(?:\.\d+)+$/;

/**
 * A migrations folder whose SQL is in one subfolder per release, and nothing of its own runs: one
 * problem in place of each folder's warning. Beside an unnumbered full schema (memos' LATEST.sql,
 * what new installs run), that schema is the first migration and the folders only upgrade older
 * databases; without one, the releases are replayed in order as one sequence (Temporal's v1.0/
 * holds its base).
 */
function releaseFolders(
  releases: readonly { name: string; sql: number; warning?: Problem }[],
  loose: readonly { name: string; problem: Problem }[],
  at: { module: string; dir: string; rel: (abs: string) => string; problems: Problem[]; warnings: Problem[] },
): void {
  const { module, dir, rel } = at;
  const drop = (from: Problem[], gone: ReadonlySet<Problem>) => from.splice(0, from.length, ...from.filter((p) => !gone.has(p)));
  drop(at.warnings, new Set(releases.flatMap((r) => (r.warning ? [r.warning] : []))));
  const sorted = [...releases].sort((a, b) => compareRelease(a.name, b.name));
  // In version order (listed() would sort 0.10 before 0.9).
  const names = sorted.map((r) => `${r.name}/`);
  const folders = `${names.slice(0, 3).join(', ')}${names.length > 3 ? ', …' : ''}: ${plural(sorted.reduce((n, r) => n + r.sql, 0), 'SQL file')}`;
  const schema = loose.length === 1 ? loose[0]! : undefined;
  if (schema) {
    drop(at.problems, new Set([schema.problem]));
    const id = `0001_${schema.name.replace(/\.sql$/i, '').replace(/[^A-Za-z0-9]+/g, '_').toLowerCase()}`;
    at.problems.push(
      problem('BH011', `a full schema (${schema.name}) beside ${sorted.every((r) => RELEASE_FOLDER.test(r.name)) ? 'one folder of upgrades per release' : 'folders of numbered upgrades'} (${folders}): Bulkhead runs one sequence of <id>.up.sql files directly in ${rel(dir)}, and none of these is one`, {
        module,
        file: rel(path.join(dir, schema.name)),
        fix:
          `make the full schema the first migration, e.g. in ${rel(dir)}: mv ${schema.name} ${id}.up.sql — and move the ${names.join(', ')} folder${names.length > 1 ? 's' : ''} out (${names.length > 1 ? 'they upgrade' : 'it upgrades'} databases older than the schema; an archive). ` +
          `A database already at the latest release is adopted with bulkhead baseline ${module} --at ${id}; an older one is upgraded by its own tool first. Changes from now on are new migrations after it (bulkhead make ${module} <name>)`,
      }),
    );
    return;
  }
  const numbered = sorted.every((r) => !RELEASE_FOLDER.test(r.name));
  at.problems.push(
    problem('BH011', `the migrations are in one folder per ${numbered ? 'version' : 'release'} (${folders}): Bulkhead runs one sequence of <id>.up.sql files directly in ${rel(dir)}`, {
      module,
      file: rel(dir),
      fix:
        `move them up as one sequence, ${numbered ? 'folders' : 'releases'} in version order and each ${numbered ? 'folder' : 'release'}'s files in the order its manifest.json lists them (Temporal's), else by name (<major><minor><patch><nn>_<name>.up.sql), e.g. in ${rel(dir)} (bash): ${COMMANDS.releases} — ` +
        `a folder left behind holds files its manifest does not list. If the first release upgrades a base schema kept elsewhere (Temporal's schema.sql), make that the first migration (0001_base.up.sql). A database another tool already migrated is adopted with bulkhead baseline ${module} --at <the last id>`,
    }),
  );
}

/** Release names in version order (0.9 before 0.10; v1.2 as 1.2). */
function compareRelease(a: string, b: string): number {
  const parts = (s: string) => s.replace(/^v/, '').split('.').map(Number);
  const [x, y] = [parts(a), parts(b)];
  for (let i = 0; i < Math.max(x.length, y.length); i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) - (y[i] ?? 0);
  return 0;
}

/** A version with a letter after it (Directus' 20201029A-remove-system-relations). */
const LETTERED = /^(\d+)([A-Z])(?=[-_])/;
/** An ISO 8601 basic timestamp as a name's start: 20231219T205730722Z-init (its day, its time). */
const ISO_BASIC = /^(\d{8})T(\d{4,9})Z?(?=[-_])/;

/** Shell commands that bring a folder of another tool's files in, run in the migrations folder. */
/**
 * A short sequence (0001-, 0002-) with groups under one number (penpot's two 0105-…): every version
 * one digit wider (`width` digits more where a group has more than ten), the files of a group
 * numbered in name order; a down file follows its up.
 */
function widenVersionsCommand(width: number): string {
  return (
    `ls -1 | grep -E '^[0-9]+.*(\\.up\\.sql|\\.(ts|js|mjs|cjs))$' | LC_ALL=C sort | { prev=; n=0; while IFS= read -r f; do v="\${f%%[!0-9]*}"; ` +
    `if [ "$v" = "$prev" ]; then n=$((n + 1)); else n=0; prev="$v"; fi; s=$(printf %0${width}d "$n"); mv "$f" "$v$s\${f#"$v"}"; ` +
    `case "$f" in *.up.sql) d="\${f%.up.sql}.down.sql"; if [ -e "$d" ]; then mv "$d" "$v$s\${d#"$v"}"; fi ;; esac; done; }`
  );
}

const COMMANDS = {
  // 20201029A-x.ts → 2020102901-x.ts (the letter's place in the alphabet, two digits).
  letterVersion: `for f in [0-9]*[A-Z][-_]*; do v="\${f%%[A-Z][-_]*}"; l="\${f:\${#v}:1}"; n=$(printf %02d $(( $(printf %d "'$l") - 64 ))); mv "$f" "$v$n\${f:$((\${#v}+1))}"; done`,
  // 20231219T205730722Z-init.ts → 20231219205730722_init.ts (the time in the version).
  isoVersion: `for f in [0-9]*T[0-9]*[-_]*; do g="\${f:0:8}\${f:9}"; mv "$f" "\${g/Z[-_]/_}"; done`,
  plain: 'for f in *.sql; do case "$f" in *.up.sql|*.down.sql) ;; *) mv "$f" "${f%.sql}.up.sql" ;; esac; done',
  // The same where a rollback is beside its migration (yoyo's <id>.rollback.sql, an undo or revert so named): it becomes its down.
  plainWithRollbacks:
    'for f in *.sql; do case "$f" in *.up.sql|*.down.sql) continue ;; esac; b="${f%.sql}"; u="$(printf %s "$b" | sed -E \'s/[._-]([Rr]ollback|[Uu]ndo|[Rr]evert)$//\')"; ' +
    'if [ "$u" != "$b" ] && { [ -e "$u.sql" ] || [ -e "$u.up.sql" ]; }; then mv "$f" "$u.down.sql"; else mv "$f" "$b.up.sql"; fi; done',
  postgrator: 'for f in *.sql; do [[ "$f" =~ ^([0-9]+)\\.(do|undo)(\\.(.*))?\\.sql$ ]] || continue; d=up; [ "${BASH_REMATCH[2]}" = undo ] && d=down; mv "$f" "${BASH_REMATCH[1]}${BASH_REMATCH[4]:+_${BASH_REMATCH[4]}}.$d.sql"; done',
  flyway: 'for f in [VU]*__*.sql; do n="${f#?}"; v="${n%%__*}"; b="${n#*__}"; d=up; case "$f" in U*) d=down ;; esac; mv "$f" "${v}_${b%.sql}.$d.sql"; done',
  // Splits each goose / sql-migrate / dbmate file into <id>.up.sql and <id>.down.sql without the
  // markers; a direction any of whose markers says no-transaction gets -- bulkhead:no-transaction
  // once, on its first line (sql-migrate files may hold many Up sections, one of them
  // `notransaction`: convoy's). goose's mark is the file's wherever it stands (hatchet writes it
  // after -- +goose Up): grep finds it first. A direction is written only when its marker is there.
  both:
    'for f in *.sql; do case "$f" in *.up.sql|*.down.sql) continue ;; esac; b="${f%.sql}"; nt=0; grep -qiE \'^--[[:space:]]*\\+goose no transaction\' "$f" && nt=1; ' +
    'awk -v up="$b.up.sql" -v down="$b.down.sql" -v nt="$nt" ' +
    // Markers in any case (goose reads its annotations so: hatchet writes "-- +goose no transaction").
    "'{ l = tolower($0) } " +
    'l ~ /^--[ \\t]*\\+goose no transaction/ { next } ' +
    'l ~ /^--[ \\t]*(\\+goose up|\\+migrate up|migrate:up|up migration)/ { d = 1; su = 1; if (l ~ /transaction:false|notransaction/) ntu = 1; next } ' +
    'l ~ /^--[ \\t]*(\\+goose down|\\+migrate down|migrate:down|down migration)/ { d = 2; sd = 1; if (l ~ /transaction:false|notransaction/) ntd = 1; next } ' +
    'd == 1 { u = u $0 "\\n" } d == 2 { w = w $0 "\\n" } ' +
    'END { m = "-- bulkhead:no-transaction\\n"; if (su) printf "%s%s", (nt || ntu ? m : ""), u > up; if (sd) printf "%s%s", (nt || ntd ? m : ""), w > down }\' "$f" && rm "$f"; done',
  // tern's: the up above its line, the down below it, written only when something is (tern calls a
  // migration without one irreversible). Its disable-tx line is its own part's (tern reads each
  // part for it). Every other <n>_<name>.sql of the folder becomes an up alone.
  tern:
    'for f in *.sql; do case "$f" in *.up.sql|*.down.sql) continue ;; esac; b="${f%.sql}"; awk -v up="$b.up.sql" -v down="$b.down.sql" ' +
    "'index($0, \"---- create above / drop below ----\") == 1 { d = 1; next } /^---- tern: disable-tx ----[ \\t]*$/ { if (d) ntd = 1; else ntu = 1; next } " +
    '{ if (d) w = w $0 "\\n"; else u = u $0 "\\n" } ' +
    'END { m = "-- bulkhead:no-transaction\\n"; printf "%s%s", (ntu ? m : ""), u > up; if (w ~ /[^ \\t\\r\\n]/) printf "%s%s", (ntd ? m : ""), w > down }\' "$f" && rm "$f"; done',
  // The same split at the first comment line that only says down, undo, rollback or revert
  // (DOWN_HEADING), where SQL follows it (else the file is an up as it is); an up heading above
  // it stays as a comment.
  heading:
    'for f in *.sql; do case "$f" in *.up.sql|*.down.sql) continue ;; esac; b="${f%.sql}"; awk -v up="$b.up.sql" -v down="$b.down.sql" ' +
    "'!d && tolower($0) ~ /^[ \\t]*--[-=\\/@+!#* \\t]*([a-z][a-z0-9_-]*[ \\t:]+)?(down|undo|rollback|revert)[-=*#: \\t]*$/ { d = 1; h = $0 \"\\n\"; next } " +
    '{ if (d) { w = w $0 "\\n"; if ($0 !~ /^[ \\t]*(--|$)/) sql = 1 } else u = u $0 "\\n" } END { if (sql) { printf "%s", u > up; printf "%s", w > down } else printf "%s%s%s", u, h, w > up }\' "$f" && rm "$f"; done',
  // Prisma's migration_lock.toml (the provider its migrate command checks) goes with the folders.
  prisma: 'for d in */; do d="${d%/}"; [ -f "$d/migration.sql" ] && mv "$d/migration.sql" "$d.up.sql" && rmdir "$d"; done; rm -f migration_lock.toml',
  // popx's per-database files (PER_DATABASE): other databases' files move to .other-databases/ (a
  // dot-folder is never read), PostgreSQL's replace the shared ones, .autocommit. becomes the mark.
  perDatabase:
    'mkdir -p .other-databases; for f in *.sql; do [[ "$f" =~ \\.(mysql|sqlite3?|cockroach|mssql)(\\.autocommit)?\\.(up|down)\\.sql$ ]] && mv "$f" .other-databases/; done; ' +
    // PostgreSQL's own file replaces the shared one of either kind (hydra's device_flow has a shared
    // .autocommit.up.sql in CockroachDB's syntax beside its .postgres.up.sql).
    'for f in *.postgres.*sql; do [ -e "$f" ] || continue; b="${f%%.postgres.*}"; d=up; [[ "$f" == *.down.sql ]] && d=down; ' +
    'for g in "$b.$d.sql" "$b.autocommit.$d.sql"; do [ -e "$g" ] && mv "$g" .other-databases/; done; mv "$f" "${f/.postgres./.}"; done; ' +
    'for f in *.autocommit.*sql; do [ -e "$f" ] || continue; { echo "-- bulkhead:no-transaction"; cat "$f"; } > "${f/.autocommit./.}" && rm "$f"; done',
  // Diesel's (and sourcegraph's) <id>/up.sql + down.sql; a folder its metadata runs outside a
  // transaction (Diesel's run_in_transaction = false, sourcegraph's createIndexConcurrently) is marked.
  updown:
    'for d in */; do d="${d%/}"; [ -f "$d/up.sql" ] || continue; ' +
    '{ grep -qsE "run_in_transaction *= *false|createIndexConcurrently: *true" "$d"/metadata.* && echo "-- bulkhead:no-transaction"; cat "$d/up.sql"; } > "$d.up.sql" && rm "$d/up.sql"; ' +
    '[ -f "$d/down.sql" ] && mv "$d/down.sql" "$d.down.sql"; rm -f "$d"/metadata.*; rmdir "$d" 2>/dev/null; done',
  // V0001.name.up.sql / V1_name.up.sql → 0001_name.up.sql (the rest of the name's dots kept as they were).
  versionLetter: 'for f in [Vv][0-9]*.up.sql [Vv][0-9]*.down.sql [Vv][0-9]*.ts [Vv][0-9]*.js; do [ -e "$f" ] || continue; n="${f#?}"; v="${n%%[!0-9]*}"; r="${n#"$v"}"; r="${r#[._-]}"; mv "$f" "${v}_$r"; done',
  // Release folders (0.19/00__x.sql) in version order (sort -V), each file's leading order number
  // and separators dropped: 0.19/00__x.sql → 00001900000_x.up.sql; a numbered one as a major
  // version (boundary's 12/01_x.up.sql → 01200000000_x.up.sql).
  releases:
    'for d in $(ls -d */ | tr -d / | grep -E "^v?[0-9]+(\\.[0-9]+)*$" | sort -V); do v=$(echo "${d#v}" | awk -F. \'{printf "%03d%03d%03d", $1, $2, $3}\'); i=-1; p=; ' +
    // A folder's manifest.json (Temporal's SchemaUpdateCqlFiles) gives its files and their order.
    'if [ -f "$d/manifest.json" ]; then fs=$(node -e \'for (const f of require(process.argv[1]).SchemaUpdateCqlFiles ?? []) console.log(f)\' "$PWD/$d/manifest.json") && rm "$d/manifest.json"; else fs=$(cd "$d" && ls *.sql); fi; ' +
    // An up and its down (<n>_x.up.sql, <n>_x.down.sql) keep one number.
    'for b in $fs; do f="$d/$b"; n="${b%.sql}"; x=up; case "$n" in *.down) x=down; n="${n%.down}" ;; *.up) n="${n%.up}" ;; esac; [ "$n" != "$p" ] && i=$((i+1)); p="$n"; ' +
    'n="${n#"${n%%[!0-9]*}"}"; n="${n#"${n%%[!_#-]*}"}"; mv "$f" "$v$(printf %02d "$i")_$n.$x.sql"; done; rmdir "$d" 2>/dev/null; done',
  // Liquibase formatted SQL: each --changeset <author>:<id> becomes <n>_<id>.up.sql, its --rollback
  // lines <n>_<id>.down.sql; the changelogs move to .liquibase/.
  liquibase:
    'n=0; mkdir -p .liquibase; for f in $(grep -il "^--[[:space:]]*liquibase formatted sql" *.sql); do ' +
    'awk -v n="$n" \'/^--[[:blank:]]*changeset[[:blank:]]/ { if (up) { close(up); close(down) } n++; s = $0; sub(/^--[[:blank:]]*changeset[[:blank:]]+/, "", s); split(s, w, /[[:blank:]]+/); i = w[1]; sub(/^[^:]*:/, "", i); gsub(/[^A-Za-z0-9_]/, "_", i); ' +
    'skip = (s ~ /dbms:/ && s !~ /dbms:[^[:blank:]]*postgres/); up = sprintf("%04d_%s.up.sql", n, i); down = sprintf("%04d_%s.down.sql", n, i); nt = !skip && s ~ /runInTransaction:false/; dn = 0; if (nt) print "-- bulkhead:no-transaction" > up; next } ' +
    '!up || skip { next } /^--[[:blank:]]*rollback/ { sub(/^--[[:blank:]]*rollback[[:blank:]]*/, ""); if ($0 ~ /^(not required|empty)?[[:blank:]]*$/) next; if (nt && !dn++) print "-- bulkhead:no-transaction" > down; print > down; next } { print > up }\' "$f" && ' +
    'n=$((n + $(grep -ic "^--[[:space:]]*changeset[[:space:]]" "$f"))) && mv "$f" .liquibase/; done',
  // graphile-migrate's committed/000001.sql, 000002-add-users.sql → 000001.up.sql, 000002_add-users.up.sql.
  graphile: 'for f in committed/*.sql; do b="$(basename "$f" .sql)"; n="${b%%-*}"; m="${b#"$n"}"; m="${m#-}"; mv "$f" "${n}${m:+_$m}.up.sql"; done; rmdir committed',
  // Sqitch's plan order (changes, not tags or pragmas) as numbered files; reworked changes (name@tag) are not handled.
  sqitch:
    'i=0; grep -Ev "^[[:space:]]*([%@#]|$)" sqitch.plan | awk \'{print $1}\' | while read -r c; do i=$((i+1)); v=$(printf %04d "$i"); ' +
    'mv "deploy/$c.sql" "${v}_$c.up.sql"; [ -f "revert/$c.sql" ] && mv "revert/$c.sql" "${v}_$c.down.sql"; done',
} as const;

/**
 * ory's popx (fizz) names: one file per database (`<id>.postgres.up.sql`, `.mysql.`, `.sqlite3.`,
 * `.cockroach.`), and `.autocommit.` for a file run outside a transaction. A file without a
 * database is for all of them; a database's own file replaces it there.
 */
const PER_DATABASE = /\.(postgres|mysql|sqlite3?|cockroach|mssql)(\.autocommit)?\.(up|down)\.sql$|\.autocommit\.(up|down)\.sql$/;

/**
 * Per-database files told by a suffix of the name (goatcounter's `2021-12-09-1-email-reports-postgres.sql`
 * beside `…-sqlite.sql`, shared files without one). Only where the folder holds both kinds: a lone
 * `…_from_mysql.sql` is a PostgreSQL migration about MySQL.
 */
const NAMED_FOR_POSTGRES = /[-_](?:postgres(?:ql)?|pg|psql)(?:\.(?:up|down))?\.sql$/i;
// H2 beside them: Java projects test on it (DolphinScheduler's dolphinscheduler_h2.sql).
const NAMED_FOR_OTHER_DATABASE = /[-_](sqlite3?|mysql|mariadb|mssql|sqlserver|cockroach(?:db)?|oracle|h2|hsqldb|derby)(?:\.(?:up|down))?\.sql$/i;

/** Subfolders named for PostgreSQL and for other databases (pocket-id's migrations/postgres beside migrations/sqlite). */
const POSTGRES_FOLDER = /^(?:postgres(?:ql)?|pg|psql)$/i;
const OTHER_DATABASE_FOLDER = /^(?:sqlite3?|mysql|mariadb|mssql|sqlserver|cockroach(?:db)?|oracle|h2|hsqldb|derby)$/i;

/** Layouts of one folder per migration (other tools'): what each holds, and whose it is. */
const FOLDER_LAYOUTS = {
  prisma: { file: 'migration.sql', tool: 'Prisma migration' },
  updown: { file: 'up.sql', tool: 'Diesel, Hasura or sourcegraph migration folder' },
} as const;

/** Migrations of other tools written in another language, by extension. */
const FOREIGN_CODE: Record<string, string> = {
  py: 'Alembic and Django migrations are Python',
  rb: 'Rails migrations are Ruby',
  go: 'goose and golang code migrations are Go',
  java: 'Flyway Java migrations',
  kt: 'Flyway Kotlin migrations',
  php: 'Laravel and Doctrine migrations are PHP',
  ex: 'Ecto migrations are Elixir',
  exs: 'Ecto migrations are Elixir',
  cs: 'Entity Framework migrations are C#',
  xml: 'Liquibase changelogs',
  rs: 'refinery and SeaORM migrations are Rust',
  fizz: "Fizz migrations are gobuffalo/pop's DSL, not SQL (pop turns each into PostgreSQL's SQL, as ory's projects keep beside them)",
};

/**
 * Languages whose migrations always start with their version (goose's 00001_x.go, Rails'
 * 2020…_x.rb, Flyway's V1__x.java, SeaORM's m2022…_x.rs, Doctrine's Version2020….php, gitea's and
 * listmonk's v283.go / v0.4.0.go) or name it after "migration" (SpiceDB's
 * zz_migration.0001_initial.go): other files of theirs in the folder (Go's embed.go beside the SQL
 * it embeds, a driver.go or manager.go running them) are not migrations.
 */
const VERSIONED_CODE = new Set(['go', 'rb', 'ex', 'exs', 'java', 'kt', 'cs', 'php', 'rs', 'fizz']);
const CODE_MIGRATION_NAME = /^(?:[Vv]|m|Version)?\d|(?:^|[._-])migration[._-]?\d/;

/**
 * How the tool of Python migrations prints their SQL, so none is written by hand: Alembic's
 * offline mode for a revision (its first one's example), Django's sqlmigrate. Empty when neither.
 */
export function pythonSqlHint(files: readonly string[]): string {
  const revisions: { revision: string; down?: string }[] = [];
  let django = false;
  for (const f of files) {
    const text = fileHead(f, 16384);
    const revision = /^revision\s*(?::\s*str\s*)?=\s*['"]([^'"]+)['"]/m.exec(text)?.[1];
    if (revision) {
      const down = /^down_revision\s*(?::[^=]*)?=\s*['"]([^'"]+)['"]/m.exec(text)?.[1];
      revisions.push({ revision, ...(down ? { down } : {}) });
    } else if (/class Migration\(migrations\.Migration\)/.test(text)) django = true;
  }
  if (revisions.length) {
    // The example: the first revision (no down_revision), where a folder has it.
    const r = revisions.find((x) => !x.down) ?? revisions[0]!;
    const range = r.down ? `${r.down}:${r.revision}` : r.revision;
    return `. Alembic prints a revision's SQL without a database (offline mode): alembic upgrade ${range} --sql > <version>_<name>.up.sql for ${r.revision}, alembic downgrade ${r.revision}:${r.down ?? 'base'} --sql for its down — then drop the alembic_version lines it adds (Bulkhead keeps its own history)`;
  }
  return django ? '. Django prints a migration\'s SQL: python manage.py sqlmigrate <app> <migration> > <version>_<name>.up.sql, and with --backwards for its down' : '';
}

/**
 * A script without a version that lists or loads the folder's migrations for their tool: Kysely's
 * index.ts (export * as _2023… from './2023…-init.js') and its MigrationProvider (atproto's
 * ozone and bsky), an umzug or knex loader. Not a migration, nor one unnamed yet: passed over.
 */
function migrationPlumbing(file: string): boolean {
  const text = fileHead(file, 16384);
  return /\bfrom\s+['"]\.\/\d[^'"]*['"]|\brequire\(\s*['"]\.\/\d[^'"]*['"]\s*\)|\bMigrationProvider\b|\bgetMigrations\s*\(/.test(text);
}

/** The first `bytes` of a file as text (only those are read), '' when it cannot be read: what a file is, told by how it starts. */
function fileHead(file: string, bytes: number): string {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'r');
    const buf = Buffer.alloc(bytes);
    return buf.toString('utf8', 0, fs.readSync(fd, buf, 0, bytes, 0));
  } catch {
    return '';
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** A Liquibase "formatted SQL" changelog: many changesets in one file, under `--liquibase formatted sql`. */
function liquibaseFormattedSql(file: string): boolean {
  return /^\s*--\s*liquibase\s+formatted\s+sql\b/i.test(fileHead(file, 4096));
}

/** Whether a YAML file is a Liquibase changelog (its top-level databaseChangeLog key). */
function liquibaseYaml(file: string): boolean {
  return /^databaseChangeLog\s*:/m.test(fileHead(file, 64 * 1024));
}

/** Whether a file of another extension holds SQL (a statement keyword opens one of its first lines). */
function sqlLike(file: string): boolean {
  return SQL_OPENING.test(fileHead(file, 16 * 1024));
}

/**
 * A line that opens a SQL statement: a keyword and what follows it in SQL (`create table`, `set x =`),
 * so that a configuration file's `set bell-style none` or logrotate's `create 0640 root` is not SQL.
 */
const SQL_OPENING =
  /^\s*(CREATE\s+(OR\s+REPLACE\s+)?(UNIQUE\s+|UNLOGGED\s+|TEMP(ORARY)?\s+|MATERIALIZED\s+)?(TABLE|INDEX|VIEW|SEQUENCE|TYPE|FUNCTION|PROCEDURE|TRIGGER|SCHEMA|EXTENSION|DOMAIN|ROLE|POLICY|RULE|AGGREGATE)\b|ALTER\s+(TABLE|TYPE|SEQUENCE|INDEX|VIEW|SCHEMA|FUNCTION|ROLE|DOMAIN|DEFAULT\s+PRIVILEGES)\b|INSERT\s+INTO\b|DROP\s+(TABLE|INDEX|VIEW|TYPE|SEQUENCE|FUNCTION|SCHEMA|TRIGGER|EXTENSION|ROLE|POLICY)\b|COMMENT\s+ON\b|GRANT\s+\w+(\s*,\s*\w+)*\s+(ON|TO)\b|BEGIN\s*;|SET\s+\w+\s*(=|TO\b))/im;

const PGROLL = "pgroll migrations are JSON or YAML operations (create_table, add_column, …) that pgroll expands and contracts";

/** A pgroll migration: a document whose top level holds an "operations" list. */
function pgrollMigration(file: string, format: 'json' | 'yaml'): boolean {
  const text = fileHead(file, 256 * 1024);
  if (format === 'yaml') return /^operations\s*:/m.test(text);
  try {
    const doc = JSON.parse(text) as { operations?: unknown };
    return Array.isArray(doc?.operations);
  } catch {
    return false;
  }
}

/** Files a migrations folder may hold that are not migrations (a migration's test beside it, joplin's *.test.ts, too). */
const IGNORED = /^(\.|readme|.*\.(md|txt|json|map)$|.*\.d\.[mc]?ts$|.*\.(test|spec)\.[mc]?[jt]sx?$)/i;

export interface FolderScan {
  migrations: MigrationFile[];
  problems: Problem[];
  /** Worth a word, but not wrong: a subfolder of migration files, an up file with no statements. */
  warnings: Problem[];
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * A migration file's text: valid UTF-8 (a stray Latin-1 byte must not be applied as U+FFFD),
 * without a BOM (Windows editors write one; it is not SQL).
 */
export function readSource(file: string, module: string, rel: (abs: string) => string): { text: string } | { problem: Problem } {
  const bytes = fs.readFileSync(file);
  if (looksUtf16(bytes)) {
    return {
      problem: problem('BH037', 'not valid UTF-8: the file is UTF-16', {
        module,
        file: rel(file),
        fix: `save the file as UTF-8 (e.g. iconv -f utf-16 -t utf-8 ${rel(file)} > converted.sql, then replace the file with it)`,
      }),
    };
  }
  // git-crypt's locked files: the key was not given to this checkout.
  if (bytes[0] === 0 && bytes.subarray(0, 10).equals(Buffer.from('\0GITCRYPT\0', 'latin1'))) {
    return {
      problem: problem('BH038', 'the file is encrypted by git-crypt (the repository is locked here): its SQL cannot be read', {
        module,
        file: rel(file),
        fix: 'unlock the checkout (git-crypt unlock, with the key) before running, or keep migrations out of the encrypted paths (.gitattributes)',
      }),
    };
  }
  // Binary data (an archive, an image) is not valid UTF-8, or holds NULs: looked for only then.
  const binary = () => ({
    problem: problem('BH037', 'not valid UTF-8: the file is not text (binary data: an archive, an image, a compiled or damaged file?)', {
      module,
      file: rel(file),
      fix: `replace it by the migration's SQL (file ${rel(file)} tells what it is), or move it out of the migrations folder`,
    }),
  });
  try {
    const text = UTF8.decode(bytes).replace(/^\uFEFF/, '');
    // A Git LFS pointer: the file itself was never fetched (a clone without git lfs, a CI cache).
    if (/^version https:\/\/git-lfs\.github\.com\/spec\/v1\r?\noid sha256:[0-9a-f]{64}\r?\nsize \d+\s*$/.test(text)) {
      return {
        problem: problem('BH038', 'the file is a Git LFS pointer, not the migration: its content was never fetched', {
          module,
          file: rel(file),
          fix: 'fetch it (git lfs install && git lfs pull; in CI, check out with LFS enabled) — or keep migrations out of LFS (.gitattributes)',
        }),
      };
    }
    // The server (and the parser) read SQL as a C string: whatever follows a NUL would be dropped.
    const nul = text.indexOf('\0');
    if (nul >= 0 && looksBinary(bytes)) return binary();
    if (nul >= 0) {
      const { line, column } = lineColumnAt(text, Array.from(text.slice(0, nul)).length + 1);
      return {
        problem: problem('BH061', `a NUL byte at line ${line}, column ${column}: SQL is read up to a NUL, so what follows it would not run`, {
          module,
          file: rel(file),
          line,
          fix: `delete the NUL byte (a damaged or binary file?), e.g. tr -d '\\000' < ${rel(file)} > fixed.sql, then replace the file with it`,
        }),
      };
    }
    return { text };
  } catch {
    if (looksBinary(bytes)) return binary();
    const at = firstInvalidUtf8(bytes);
    const line = 1 + bytes.subarray(0, at).filter((b) => b === 10).length;
    // lastIndexOf counts a negative start from the end: the first line starts at 0.
    const column = at - (at === 0 ? 0 : bytes.lastIndexOf(10, at - 1) + 1) + 1;
    return {
      problem: problem('BH037', `not valid UTF-8: byte 0x${bytes[at]!.toString(16).padStart(2, '0')} at line ${line}, column ${column} (byte offset ${at})`, {
        module,
        file: rel(file),
        line,
        fix: 'save the file as UTF-8 (it looks like Latin-1 or Windows-1252: e.g. iconv -f latin1 -t utf-8)',
      }),
    };
  }
}


/**
 * Binary data rather than text: in its first 4 KB, more than one byte in ten is a control
 * character other than whitespace (random or compressed data has about one in eight; a text file
 * with a stray NUL is BH061's).
 */
function looksBinary(bytes: Buffer): boolean {
  const head = bytes.subarray(0, 4096);
  let control = 0;
  for (let i = 0; i < head.length; i++) {
    const b = head[i]!;
    if ((b < 0x20 && b !== 9 && b !== 10 && b !== 12 && b !== 13) || b === 0x7f) control++;
  }
  return head.length >= 16 && control * 10 > head.length;
}

/** Offset of the first byte that breaks UTF-8. */
function firstInvalidUtf8(b: Buffer): number {
  for (let i = 0; i < b.length; ) {
    const c = b[i]!;
    const n = c < 0x80 ? 1 : c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
    if (n === 0) return i;
    for (let k = 1; k < n; k++) if (i + k >= b.length || (b[i + k]! & 0xc0) !== 0x80) return i;
    i += n;
  }
  return b.length;
}

/** Migration-looking names: a version, then a name, then an extension. */
const LOOKS_LIKE_MIGRATION = /^\d+[_-]?[^.]*\..+/;

/**
 * Read a module's migrations folder: name rules, duplicate ids and versions, `.down.sql`
 * without its `.up.sql`, unknown directives. `rel` makes paths workspace-relative for messages.
 */
export function scanMigrationsFolder(module: string, dir: string, rel: (abs: string) => string): FolderScan {
  const problems: Problem[] = [];
  const warnings: Problem[] = [];
  const byId = new Map<string, { up?: string; down?: string; js?: string }>();
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOTDIR') {
      return {
        migrations: [],
        warnings,
        problems: [
          problem('BH010', `migrations path ${rel(dir)} is a file, not a folder`, {
            module,
            file: rel(dir),
            fix: 'set "migrations" in the manifest to the folder that holds the migration files',
          }),
        ],
      };
    }
    return {
      migrations: [],
      warnings,
      problems: [
        problem('BH010', `migrations folder ${rel(dir)} does not exist`, {
          module,
          file: rel(dir),
          fix: `create it (bulkhead make ${module} <name> does), or set "migrations" in the manifest to the right folder${foldersOfSql(dir, rel)}`,
        }),
      ],
    };
  }
  /** `.sql` files not named `<id>.up.sql`, by kind (see SqlFileKind). */
  const misnamed: Record<Exclude<SqlFileKind, 'other'>, Named[]> = { plain: [], flyway: [], postgrator: [], both: [], tern: [], heading: [], unversioned: [] };
  /** Other tools' migrations in another language (Alembic's Python, Rails' Ruby, …): never run here. */
  const foreign: { name: string; language: string }[] = [];
  /** Files of SQL under another extension and no version (schema.psql, create.ddl): told when nothing else runs. */
  const unnamedSql: string[] = [];
  /** One folder per migration, as other tools lay them out (see FOLDER_LAYOUTS): none of them runs. */
  const folders: Record<keyof typeof FOLDER_LAYOUTS, string[]> = { prisma: [], updown: [] };
  /** `V0001.name.up.sql` (authelia, Flyway-like): a version behind a letter, told together when many. */
  const versionLetter: Named[] = [];
  /** Migrations without a version at all (logto's next-1785393731-x.ts): told as one when many. */
  const noVersion: Named[] = [];
  /** ory's popx files, one per database (PER_DATABASE): the folder is told how to keep PostgreSQL's. */
  const perDatabase: string[] = [];
  /** Other databases' files beside PostgreSQL's, told by a name suffix (NAMED_FOR_OTHER_DATABASE): never run. */
  const otherDatabase: string[] = [];
  const suffixedPerDatabase = entries.some((e) => NAMED_FOR_POSTGRES.test(e.name)) && entries.some((e) => NAMED_FOR_OTHER_DATABASE.test(e.name));
  /** Migration-named files of another extension holding templates (goatcounter's .gotxt): rendered by their tool, not SQL. */
  const templated: { name: string; expressions: string[] }[] = [];
  /** SQL files in subfolders (none of them runs): an error when nothing else in the folder does. */
  const nested: string[] = [];
  /** Folders named as migrations that hold code (a tool's data-migration scripts): never run here. */
  const scripts: string[] = [];
  /** The warnings of subfolders holding migration-like files: errors when nothing else runs. */
  const stray: Problem[] = [];
  /** Each of those warnings' subfolder name (postgres/, sqlite/: one folder per database). */
  const strayFolders = new Map<Problem, string>();
  /** A graphile-migrate folder (committed/, current, afterReset.sql): told as one, its files not one by one. */
  const graphile = graphileMigrate(dir);
  /**
   * One subfolder per release (memos' 0.19/00__x.sql, Temporal's v1.1/…): told as one layout when
   * nothing else in the folder runs, with the warnings of its folders and an unnumbered full
   * schema beside them (memos' LATEST.sql, for new installs) folded in.
   */
  const releases: { name: string; sql: number; warning?: Problem }[] = [];
  /** Other subfolders of numbered SQL files only: upgrades, when a full schema is beside them. */
  const upgrades: { name: string; sql: number; warning?: Problem }[] = [];
  /** Liquibase formatted SQL changelogs (changesets in one file): told as one, with the command that splits them. */
  const liquibase: string[] = [];
  /** Unnumbered SQL files (LATEST.sql, schema.sql): beside release folders, the full schema. */
  const loose: { name: string; problem: Problem }[] = [];
  /** The folder's Flyway versions as one number each, when some have parts (V1.1__). */
  const flywayParts = flywayLayout(entries.map((e) => e.name));
  for (const e of entries) {
    const abs = path.join(dir, e.name);
    // A line break or an escape sequence in a name (a bad copy, a script's stray variable): no
    // message could show it, nor a version read past it.
    if (/[\u0000-\u001f\u007f]/.test(e.name) && !IGNORED.test(e.name)) {
      problems.push(
        problem('BH011', `a file name holds a control character: ${JSON.stringify(e.name)}`, {
          module,
          file: rel(dir),
          fix: `rename it without it (ls -b ${rel(dir)} shows such characters as escapes)`,
        }),
      );
      continue;
    }
    // A migration's name on something that is not a file (a folder, a named pipe, a link to a
    // device): it would be passed over in silence, or a read of it would never end.
    const special = notAFile(e, abs);
    if (special && (SQL_EXT.test(e.name) || (JS_EXT.test(e.name) && ID.test(e.name)))) {
      problems.push(
        problem('BH038', `${e.name} is ${special}, not a file: it cannot run`, {
          module,
          file: rel(abs),
          fix: `replace it by the migration's file (a copy or an unpacked archive that went wrong?), or remove it`,
        }),
      );
      continue;
    }
    const layout = e.isDirectory() && /^\d/.test(e.name) && ID.test(e.name) ? folderLayout(abs) : undefined;
    if (layout) {
      folders[layout].push(e.name);
      continue;
    }
    // Another module's folder (its bulkhead.json) inside this one's migrations: that module's, not strays.
    if (e.isDirectory() && fs.existsSync(path.join(abs, 'bulkhead.json'))) continue;
    if (e.isDirectory() && !e.name.startsWith('.') && e.name !== 'node_modules') {
      const held = subfolderFiles(abs);
      const { migrationLike: inside, sql } = held;
      nested.push(...sql.map((f) => path.join(e.name, f)));
      const script = scriptOf(e.name, held);
      if (script) {
        scripts.push(`${e.name}/${script}`);
        continue;
      }
      let warning: Problem | undefined;
      if (inside.length && !(graphile && (e.name === 'committed' || e.name === 'current'))) {
        warning = problem('BH038', `subfolder ${rel(abs)} holds ${plural(inside.length, 'migration-like file')} (${listed(inside)}); Bulkhead runs only the files directly in ${rel(dir)}`, {
          module,
          file: rel(abs),
          fix: `move them into ${rel(dir)} if they should run; leave them if they are an archive`,
        });
        warnings.push(warning);
        stray.push(warning);
        strayFolders.set(warning, e.name);
      }
      if (RELEASE_FOLDER.test(e.name) && sql.length) releases.push({ name: e.name, sql: sql.length, ...(warning ? { warning } : {}) });
      // tt-rss's sql/pgsql/migrations/3.sql … 150.sql, beside its schema.sql.
      else if (sql.length && sql.every((f) => /^\d+(?:[._-][^/]*)?\.sql$/i.test(f))) upgrades.push({ name: e.name, sql: sql.length, ...(warning ? { warning } : {}) });
      continue;
    }
    if (e.isSymbolicLink() && !IGNORED.test(e.name)) {
      // A link to a file is that file (git keeps links; a migration shared by modules may be
      // one); a link to nothing is a migration that cannot run, not one to pass over.
      const target = linkTarget(abs);
      if ((target === 'missing' || target === 'loop') && (LOOKS_LIKE_MIGRATION.test(e.name) || SQL_EXT.test(e.name))) {
        const to = fs.readlinkSync(abs);
        problems.push(
          problem('BH038', `${e.name} is a symbolic link to ${to}, which ${target === 'loop' ? 'leads back to itself (a loop of links)' : 'does not exist'}: it cannot run`, {
            module,
            file: rel(abs),
            fix: 'restore what it points at (a checkout or a copy that left it out?), or replace the link by the file itself',
          }),
        );
      }
      if (target !== 'file') continue;
    } else if (!e.isFile()) continue;
    if (IGNORED.test(e.name)) {
      // pgroll's migrations are JSON documents of operations: ignored as JSON, up said "up to date".
      if (/\.json$/i.test(e.name) && pgrollMigration(abs, 'json')) foreign.push({ name: e.name, language: PGROLL });
      continue;
    }
    if (PER_DATABASE.test(e.name)) {
      perDatabase.push(e.name);
      continue;
    }
    if (suffixedPerDatabase && NAMED_FOR_OTHER_DATABASE.test(e.name)) {
      otherDatabase.push(e.name);
      continue;
    }
    const wrongCase = !SQL_EXT.test(e.name) && SQL_EXT.test(e.name.toLowerCase()) ? e.name.replace(/\.(up|down)\.sql$/i, (m) => m.toLowerCase()) : undefined;
    const wrongJsCase = !JS_EXT.test(e.name) && JS_EXT.test(e.name.toLowerCase()) ? e.name.replace(/\.[a-z]+$/i, (m) => m.toLowerCase()) : undefined;
    if (wrongCase || wrongJsCase) {
      problems.push(
        problem('BH038', `${e.name} will not run: extensions are case-sensitive`, { module, file: rel(abs), fix: `rename it to ${wrongCase ?? wrongJsCase}` }),
      );
      continue;
    }
    let id: string;
    let slot: 'up' | 'down' | 'js';
    if (SQL_EXT.test(e.name)) {
      id = e.name.replace(SQL_EXT, '');
      slot = e.name.endsWith('.up.sql') ? 'up' : 'down';
    } else if (JS_EXT.test(e.name)) {
      id = e.name.replace(JS_EXT, '');
      slot = 'js';
    } else if (e.name.endsWith('.sql')) {
      if (graphile && GRAPHILE_FILES.has(e.name)) continue;
      if (liquibaseFormattedSql(abs)) {
        liquibase.push(e.name);
        continue;
      }
      const { kind, fix } = sqlFileFix(abs, e.name, flywayParts);
      const p = problem('BH011', `SQL migration ${e.name} must be named <id>.up.sql (with an optional <id>.down.sql)`, { module, file: rel(abs), fix });
      if (kind === 'other') problems.push(p);
      else misnamed[kind].push({ name: e.name, problem: p });
      if ((kind === 'other' || kind === 'unversioned') && !/^\d/.test(e.name)) loose.push({ name: e.name, problem: p });
      continue;
    } else {
      const ext = path.extname(e.name).slice(1).toLowerCase();
      // Liquibase writes changelogs in YAML too (Metabase's 000_migrations.yaml).
      const yaml = ext === 'yaml' || ext === 'yml';
      const language = FOREIGN_CODE[ext] ?? (yaml && liquibaseYaml(abs) ? FOREIGN_CODE.xml : yaml && pgrollMigration(abs, 'yaml') ? PGROLL : undefined);
      if (language && VERSIONED_CODE.has(ext) && !CODE_MIGRATION_NAME.test(e.name)) continue;
      if (language) {
        foreign.push({ name: e.name, language });
        continue;
      }
      if (/\.sql\.conf$/i.test(e.name)) {
        // Flyway's per-script configuration (V5__x.sql.conf beside V5__x.sql).
        const script = e.name.slice(0, -'.conf'.length);
        const noTransaction = /^\s*executeInTransaction\s*=\s*false\s*$/im.test(fileHead(abs, 4096));
        problems.push(
          problem('BH038', `${e.name} is Flyway's configuration of ${script}, which Bulkhead does not read: a migration's settings are in its own file`, {
            module,
            file: rel(abs),
            fix: `${noTransaction ? `its executeInTransaction=false is -- bulkhead:no-transaction as the first line of ${script} (named <version>_<name>.up.sql); then ` : ''}delete ${e.name}`,
          }),
        );
        continue;
      }
      if (LOOKS_LIKE_MIGRATION.test(e.name)) {
        // A template (goatcounter's .gotxt) is rendered by its tool: a rename would not make it SQL.
        const expressions = templateExpressions(fileHead(abs, 256 * 1024));
        if (expressions.length) templated.push({ name: e.name, expressions });
        else {
          problems.push(
            problem('BH038', `${e.name} looks like a migration but will not run: a migration is <version>_<name>.up.sql (+ .down.sql) or .ts/.js`, {
              module,
              file: rel(abs),
              fix: `rename it, e.g. ${e.name.replace(/\..*$/, '')}.up.sql; or move it out of the migrations folder`,
            }),
          );
        }
      } else if (sqlLike(abs)) unnamedSql.push(e.name);
      continue;
    }
    if (!ID.test(id) && slot === 'js' && migrationPlumbing(abs)) continue;
    if (!ID.test(id)) {
      // A version behind a letter (Flyway's V0001.name, V1__name): the same version, without it.
      const lettered = /^[Vv](\d+)[._-]+(\w.*)$/.exec(id);
      const p = problem('BH011', `migration ${e.name} does not start with a version (leading digits)`, {
        module,
        file: rel(abs),
        fix: lettered
          ? `rename it to ${lettered[1]}_${lettered[2]!.replace(/\./g, '_')}${e.name.slice(id.length)} (its version without the V; the same for its siblings keeps their order)`
          : `rename it to <timestamp>_${id}${e.name.slice(id.length)}, e.g. with bulkhead make ${module} ${id}`,
      });
      (lettered ? versionLetter : noVersion).push({ name: e.name, problem: p });
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

  // A folder of another tool's files: one problem with one command, not one per file.
  const misnamedFolder = (kind: Exclude<keyof typeof misnamed, 'unversioned'>, what: string, fix: string, o: { after?: string; command?: string; also?: string } = {}) => {
    const command = o.command ?? COMMANDS[kind];
    together(misnamed[kind], problems, (n, names) =>
      problem('BH011', `${n} ${what} (${names}): Bulkhead runs <id>.up.sql, with an optional <id>.down.sql${o.also ?? ''}`, { module, file: rel(dir), fix: `${fix}, e.g. in ${rel(dir)}${/\[\[|<<<|\$\(seq/.test(command) ? ' (bash)' : ''}: ${command}${o.after ?? ''}` }),
    );
  };
  // logto's unreleased next-1785393731-x.ts beside its release-numbered ones: told as one.
  together(noVersion, problems, (n, names) =>
    problem('BH011', `${n} migrations do not start with a version (leading digits): ${names}`, {
      module,
      file: rel(dir),
      fix: `rename each to <timestamp>_<name> with timestamps in the order they are to run (bulkhead make ${module} <name> makes a name with the current one)`,
    }),
  );
  together(versionLetter, problems, (n, names) =>
    problem('BH011', `${n} migrations start with a letter before their version (${names}): a version is the leading digits`, {
      module,
      file: rel(dir),
      fix: `rename each without the letter, its first separator an underscore (V0001.Initial_Schema.up.sql → 0001_Initial_Schema.up.sql), e.g. in ${rel(dir)} (bash): ${COMMANDS.versionLetter}`,
    }),
  );
  // drizzle-kit's folder: <n>_<words>.sql with --> statement-breakpoint lines, and its journal in meta/.
  if (fs.existsSync(path.join(dir, 'meta', '_journal.json'))) {
    const off = offJournal(dir, entries.map((e) => e.name));
    if (off) warnings.push(problem('BH038', off.message, { module, file: rel(path.join(dir, 'meta', '_journal.json')), fix: off.fix }));
    misnamedFolder('plain', 'SQL migrations of drizzle-kit (meta/_journal.json) are named <id>.sql', 'rename each to <id>.up.sql', { after: ` — its "--> statement-breakpoint" lines are comments to Bulkhead, and meta/ is read only to check its list against the files; a database drizzle-kit already migrated is adopted with bulkhead baseline ${module} --at <the last id>` });
  } else {
    const rollbacks = misnamed.plain.filter((n) => rollbackOf(path.join(dir, n.name), n.name) !== undefined).length;
    misnamedFolder('plain', 'SQL migrations are named <id>.sql', `rename each to <id>.up.sql${rollbacks ? ` (the ${plural(rollbacks, 'rollback')} beside ${rollbacks > 1 ? 'their migrations' : 'its migration'}, yoyo's <id>.rollback.sql, to <id>.down.sql)` : ''}`, rollbacks ? { command: COMMANDS.plainWithRollbacks } : {});
  }
  if (flywayParts) {
    // Versions with parts (V1.1__, V2_0_3__): each as fixed-width parts, in Flyway's order.
    misnamedFolder(
      'flyway',
      'Flyway migrations',
      flywayParts.parts === 1
        ? `rename V<version>__<name>.sql to <version>_<name>.up.sql (U… to .down.sql), each version padded to ${flywayParts.width} digits (1 → ${flywayVersion('1', flywayParts)}), which keeps Flyway's order`
        : `rename V<version>__<name>.sql to <version>_<name>.up.sql (U… to .down.sql), each version as ${flywayParts.parts} parts of ${flywayParts.width} digits (1 → ${flywayVersion('1', flywayParts)}, 1.1 → ${flywayVersion('1.1', flywayParts)}), which keeps Flyway's order`,
      {
        also: flywayParts.parts === 1 ? ', and versions of different widths sort as text' : ', and a version is one number',
        command: `for f in [VU]*__*.sql; do n="\${f#?}"; v="\${n%%__*}"; b="\${n#*__}"; d=up; case "$f" in U*) d=down ;; esac; IFS=._ read -ra p <<< "$v"; k=; for i in $(seq 0 ${flywayParts.parts - 1}); do k="$k$(printf %0${flywayParts.width}d "$((10#\${p[$i]:-0}))")"; done; mv "$f" "\${k}_\${b%.sql}.$d.sql"; done`,
      },
    );
  } else misnamedFolder('flyway', 'Flyway migrations', 'rename V<version>__<name>.sql to <version>_<name>.up.sql and U<version>__<name>.sql to <version>_<name>.down.sql');
  misnamedFolder('postgrator', 'Postgrator migrations', 'rename <version>.do.<name>.sql to <version>_<name>.up.sql and <version>.undo.<name>.sql to <version>_<name>.down.sql');
  misnamedFolder('both', "SQL migrations hold both directions under another tool's markers", 'split each in two, its no-transaction mark kept');
  misnamedFolder('heading', 'SQL migrations hold a down section below a line that says so (MyBatis\' -- //@UNDO, shmig\'s -- ==== DOWN ====, rambler\'s -- rambler down)', 'split each in two at that line');
  misnamedFolder('tern', 'tern migrations hold both directions, split by its "---- create above / drop below ----" line', 'split each in two (a down only where something is below the line: tern calls the rest irreversible), "---- tern: disable-tx ----" kept as -- bulkhead:no-transaction; its files without the line become ups alone');
  // An extension's install and upgrade scripts (pgmq's pgmq.sql, pgmq--1.4.5--1.5.0.sql, …), which
  // CREATE EXTENSION and ALTER EXTENSION … UPDATE run: not a sequence either, told as what they are.
  const extScripts = extensionScripts(misnamed.unversioned.map((n) => n.name));
  if (extScripts) {
    const { extension, files, full } = extScripts;
    const keep = '.extension-scripts';
    problems.push(
      problem('BH011', `${plural(files.length, 'SQL file')} are the install and upgrade scripts of extension ${extension} (${listed(files)}), which PostgreSQL's CREATE EXTENSION and ALTER EXTENSION … UPDATE run: Bulkhead runs a sequence of <version>_<name>.up.sql files, and these are not one`, {
        module,
        file: rel(dir),
        fix:
          `to run ${extension} as plain SQL in ${module}'s database, make its full script${full ? ` (${full})` : ''} the first migration and move the upgrade scripts out (they upgrade an install made before; a database that has one is adopted with bulkhead baseline), e.g. in ${rel(dir)} (bash): ` +
          `mkdir -p ${keep} && ${full ? `mv ${shellWord(full)} 0001_${extension}.up.sql && ` : ''}mv ${shellWord(extension)}--*.sql ${keep}/ — ${full ? '' : `then write its full script as 0001_${extension}.up.sql; `}` +
          `or install the extension on the server and declare it in "extensions" (bulkhead db create makes it)`,
      }),
    );
  }
  const scriptNames = new Set(extScripts?.files);
  // Files without a version (ThingsBoard's schema-entities.sql, schema-functions.sql, …): a schema
  // kept as files, which an application loads in its own order, not a sequence of migrations.
  together(misnamed.unversioned.filter((n) => !scriptNames.has(n.name)), problems, (n, names) =>
    problem('BH011', `${n} SQL files have no version (${names}): Bulkhead runs a sequence of <version>_<name>.up.sql files, and these are not one`, {
      module,
      file: rel(dir),
      fix: `if they build one schema, make them the first migration, in the order the application loads them (cat first.sql second.sql … > 0001_baseline.up.sql, then move them out); a seed or helper script moves out of ${rel(dir)}; a migration among them is renamed <timestamp>_<name>.up.sql (bulkhead make ${module} <name> makes one)`,
    }),
  );
  for (const layout of Object.keys(folders) as (keyof typeof FOLDER_LAYOUTS)[]) {
    const names = folders[layout].sort();
    if (!names.length) continue;
    const { file, tool } = FOLDER_LAYOUTS[layout];
    problems.push(
      problem('BH011', `${plural(names.length, tool)} (${listed(names.map((n) => `${n}/${file}`))}) will not run: Bulkhead runs <id>.up.sql files directly in ${rel(dir)}`, {
        module,
        file: rel(path.join(dir, names[0]!)),
        fix: `move each to <folder name>.up.sql${layout === 'updown' ? ' (and its down.sql to <folder name>.down.sql)' : ''}, e.g. in ${rel(dir)}: ${COMMANDS[layout]} — a database ${layout === 'prisma' ? 'Prisma' : 'another tool'} already migrated is adopted with bulkhead baseline ${module} --at <the last id>`,
      }),
    );
  }

  if (unnamedSql.length && !byId.size && !problems.length) {
    const files = unnamedSql.sort();
    problems.push(
      problem('BH038', `the migrations folder has no migrations Bulkhead runs, but ${plural(files.length, 'file')} of SQL (${listed(files)}): up would say up to date without ${files.length === 1 ? 'it' : 'them'}`, {
        module,
        file: rel(path.join(dir, files[0]!)),
        fix: `name each <version>_<name>.up.sql (e.g. ${files[0]!.replace(/\.[^.]*$/, '').replace(/[^A-Za-z0-9]+/g, '_')} as 0001_${files[0]!.replace(/\.[^.]*$/, '').replace(/[^A-Za-z0-9]+/g, '_')}.up.sql), in the order they are to run; or point "migrations" at the folder that holds the migrations`,
      }),
    );
  }
  if (foreign.length) {
    const languages = [...new Set(foreign.map((f) => f.language))].join('; ');
    // None of the folder runs: an error (up would say "up to date"); beside real migrations, a warning.
    (byId.size ? warnings : problems).push(
      problem('BH038', `${plural(foreign.length, 'file')} in ${rel(dir)} ${foreign.length === 1 ? 'is' : 'are'} another tool's migration${foreign.length === 1 ? '' : 's'} that Bulkhead does not run (${listed(foreign.map((f) => f.name))}: ${languages})`, {
        module,
        file: rel(path.join(dir, foreign.map((f) => f.name).sort()[0]!)),
        // Beside SQL migrations, later ones may use what the code made (hatchet's v1_0_100 locks a
        // table its v1_0_99.go creates): moving the code out fails them at up.
        fix: `write each as <version>_<name>.up.sql (+ .down.sql) under its version or a knex .ts/.js migration, or move them out of the folder${byId.size ? ' (only those whose work no later migration needs: one that uses a table such code made fails at up without it)' : ''}; a database they already built is adopted with bulkhead baseline${pythonSqlHint(foreign.filter((f) => /\.py$/i.test(f.name)).map((f) => path.join(dir, f.name)))}`,
      }),
    );
  }
  if (scripts.length) {
    // None of the folder runs: an error; beside real migrations, a warning (as for other tools' code).
    (byId.size ? warnings : problems).push(
      problem('BH038', `${plural(scripts.length, 'subfolder')} named as ${scripts.length === 1 ? 'a migration holds' : 'migrations hold'} code that Bulkhead does not run (${listed(scripts)}): another tool's migration scripts`, {
        module,
        file: rel(path.join(dir, scripts[0]!)),
        fix: `write each as a knex migration directly in ${rel(dir)}, <folder name>.ts exporting up(knex) (and down) that does what its script does, or keep running them with the tool they were written for; a database they already changed is adopted with bulkhead baseline`,
      }),
    );
  }
  if (perDatabase.length) {
    const databases = [...new Set(perDatabase.map((n) => PER_DATABASE.exec(n)![1] ?? 'autocommit'))].sort();
    problems.push(
      problem('BH011', `${plural(perDatabase.length, 'migration file')} ${perDatabase.length === 1 ? 'is' : 'are'} written per database (${listed(perDatabase)}: ${databases.join(', ')}), as ory's popx runs them: Bulkhead runs <id>.up.sql on PostgreSQL`, {
        module,
        file: rel(dir),
        fix: `keep PostgreSQL's: move the other databases' files out, let <id>.postgres.up.sql replace <id>.up.sql, and mark .autocommit. files -- bulkhead:no-transaction, e.g. in ${rel(dir)} (bash): ${COMMANDS.perDatabase} — a database popx already migrated is adopted with bulkhead baseline ${module} --at <the last id>`,
      }),
    );
  }
  if (otherDatabase.length) {
    const databases = [...new Set(otherDatabase.map((n) => NAMED_FOR_OTHER_DATABASE.exec(n)![1]!.toLowerCase()))].sort();
    const postgres = entries.map((e) => e.name).filter((n) => NAMED_FOR_POSTGRES.test(n)).sort();
    problems.push(
      problem('BH011', `${plural(otherDatabase.length, 'migration file')} ${otherDatabase.length === 1 ? 'is' : 'are'} written for another database (${listed(otherDatabase.sort())}: ${databases.join(', ')}), beside PostgreSQL's (${listed(postgres)}): Bulkhead runs every migration of the folder on PostgreSQL`, {
        module,
        file: rel(dir),
        fix: `move the other databases' files out of the folder (PostgreSQL's and the shared ones stay), e.g. in ${rel(dir)} (bash): mkdir -p .other-databases; for f in *.sql; do [[ "$f" =~ [-_](${databases.join('|')})(\\.(up|down))?\\.sql$ ]] && mv "$f" .other-databases/; done — a database their tool already migrated is adopted with bulkhead baseline ${module} --at <the last id>`,
      }),
    );
  }
  if (templated.length) {
    const files = templated.map((t) => t.name).sort();
    const shown = [...new Set(templated.flatMap((t) => t.expressions))];
    problems.push(
      problem('BH033', `${files.length === 1 ? `${files[0]} is a template` : `${files.length} migration files are templates`} another tool renders before it runs ${files.length === 1 ? 'it' : 'them'} (${listed(files)}: ${shown.slice(0, 3).join(', ')}${shown.length > 3 ? `, and ${shown.length - 3} more` : ''}), not SQL Bulkhead can run`, {
        module,
        file: rel(files.length === 1 ? path.join(dir, files[0]!) : dir),
        fix: `render ${files.length === 1 ? 'it' : 'each'} for PostgreSQL with that tool (what its PostgreSQL branches and calls give) and keep the rendered SQL as <id>.up.sql in ${rel(dir)}, in place of the template; a database it already migrated is adopted with bulkhead baseline ${module} --at <the last id>`,
      }),
    );
  }
  if (graphile) {
    const committed = nested.filter((n) => n.startsWith(`committed${path.sep}`));
    problems.push(
      problem('BH011', `a graphile-migrate folder: its ${plural(committed.length, 'committed migration')} (${listed(committed)}) will not run: Bulkhead runs <id>.up.sql files directly in ${rel(dir)}`, {
        module,
        file: rel(path.join(dir, 'committed')),
        fix:
          `move each up as <number>_<message>.up.sql, e.g. in ${rel(dir)}: ${COMMANDS.graphile} — their --! headers stay as comments (a --! no-transaction one is told with its fix). ` +
          `${graphile.current ? `${graphile.current} is work in progress, not a migration: when it is ready, bulkhead make ${module} <name> --sql and move its SQL there. ` : ''}` +
          `${graphile.afterReset ? `afterReset.sql (roles, grants, extensions, run as a superuser after a reset) is not a migration: move it out, declare its extensions in the manifest ("extensions"; bulkhead db create makes them and the module's role). ` : ''}` +
          `Placeholders (:DATABASE_OWNER, .gmrc's) are not filled in: write their values. A database graphile-migrate already migrated is adopted with bulkhead baseline ${module} --at <the last id>`,
      }),
    );
  }
  if (!byId.size && loose.length === 1 && upgrades.length) releaseFolders([...releases, ...upgrades], loose, { module, dir, rel, problems, warnings });
  else if (releases.length && !byId.size) releaseFolders(releases, loose, { module, dir, rel, problems, warnings });
  // One folder per schema version, numbered (boundary's 0/ … 104/, each of <nn>_<name>.up.sql):
  // the same layout, told as one problem, not one per folder.
  else if (!byId.size && !loose.length && upgrades.length > 1 && upgrades.every((u) => /^v?\d+$/.test(u.name))) releaseFolders(upgrades, loose, { module, dir, rel, problems, warnings });
  // Release folders left beside a sequence that runs (Temporal's v1.10/ to v1.12/, whose manifests
  // list none of their files once a later release combined them): their SQL never runs. A folder
  // whose files look like migrations has its own warning already.
  const leftBehind = byId.size ? releases.filter((r) => !r.warning) : [];
  if (leftBehind.length) {
    const files = nested.filter((f) => leftBehind.some((r) => f.startsWith(`${r.name}${path.sep}`)));
    warnings.push(
      problem('BH038', `${plural(leftBehind.length, 'release folder')} (${listed(leftBehind.map((r) => `${r.name}/`))}) ${leftBehind.length === 1 ? 'holds' : 'hold'} ${plural(files.length, 'SQL file')} that Bulkhead does not run (${listed(files)}): it runs only the files directly in ${rel(dir)}`, {
        module,
        file: rel(leftBehind.length === 1 ? path.join(dir, leftBehind[0]!.name) : dir),
        fix: `remove ${leftBehind.length === 1 ? 'it' : 'them'} if a migration here already holds that SQL (a release that combined earlier ones); otherwise move each file up as the next <id>.up.sql`,
      }),
    );
  }
  if (liquibase.length) {
    const files = liquibase.sort();
    problems.push(
      problem('BH011', `${files.length === 1 ? `${files[0]} is a Liquibase formatted SQL changelog` : `${files.length} files are Liquibase formatted SQL changelogs (${listed(files)})`}: its changesets share a file, and Bulkhead runs one migration per <id>.up.sql file`, {
        module,
        file: rel(files.length === 1 ? path.join(dir, files[0]!) : dir),
        fix:
          `split each changeset into <n>_<id>.up.sql with its --rollback lines as <n>_<id>.down.sql (runInTransaction:false marked -- bulkhead:no-transaction; changesets for other databases, dbms:, left out), files in name order, e.g. in ${rel(dir)} (bash): ${COMMANDS.liquibase} — ` +
          `if the master changelog includes them in another order, rename the results to that order; preconditions and contexts are not read. A database Liquibase already migrated is adopted with bulkhead baseline ${module} --at <the last id>`,
      }),
    );
  }
  // Nothing here runs, but SQL sits below that no warning named (not <id>.up.sql files, which the
  // subfolder warning tells to move): another tool's project (Sqitch's deploy/ and revert/), or the
  // wrong folder. Without this, up would say "up to date" with 0 migrations.
  if (!byId.size && !problems.length && nested.length && !warnings.length) {
    const sqitch = fs.existsSync(path.join(dir, 'sqitch.plan'));
    problems.push(
      problem('BH011', `the migrations folder has no migrations of its own, but its subfolders hold ${plural(nested.length, 'SQL file')} (${listed(nested)})${sqitch ? ': a Sqitch project (sqitch.plan), whose deploy/ and revert/ scripts Bulkhead does not run' : ''}`, {
        module,
        file: rel(dir),
        fix: sqitch
          ? `turn each change into <n>_<change>.up.sql (+ .down.sql) in plan order, e.g. in ${rel(dir)}: ${COMMANDS.sqitch} — then drop each script's own BEGIN/COMMIT (Bulkhead runs each migration in a transaction); a database Sqitch already deployed is adopted with bulkhead baseline ${module} --at <the last id>`
          : `set "migrations" in the manifest to the folder that holds the <id>.up.sql files, or move them into ${rel(dir)}`,
      }),
    );
  }
  /** Ids with popx per-database files: a shared down of theirs is not a stray. */
  const perDatabaseIds = new Set(perDatabase.map((n) => n.replace(PER_DATABASE, '')));
  const migrations: MigrationFile[] = [];
  /** Up files without a statement (warnings; ory's sets have dozens of blank ones, told together). */
  const empty: Named[] = [];
  for (const [id, f] of byId) {
    const [, version = '', name = ''] = ID.exec(id)!;
    // A rollback renamed as an up (yoyo's 0001.x.rollback.sql → 0001.x.rollback.up.sql): it would
    // run right after the migration it undoes, as one of its own (they share a version, and the
    // version fix would make that stick).
    const undoes = /^(.+)[._-](?:rollback|undo|revert|down)$/i.exec(id)?.[1];
    if (undoes !== undefined && f.up && !f.down && byId.get(undoes)?.up) {
      problems.push(
        problem('BH038', `${path.basename(f.up)} is named as the rollback of ${undoes}: run as a migration of its own, it would undo ${undoes} right after it`, {
          module,
          file: rel(f.up),
          fix: `rename it to ${undoes}.down.sql${byId.get(undoes)!.down ? ' (merging it with the down already there)' : ''}`,
        }),
      );
      continue;
    }
    if (f.js) {
      const source = readSource(f.js, module, rel);
      if ('problem' in source) {
        problems.push(source.problem);
        continue;
      }
      const text = source.text;
      migrations.push({ id, version, name, format: 'js', upPath: f.js, checksum: checksum([text]) });
      continue;
    }
    if (!f.up) {
      // Its up is one of popx's per-database files: told together above.
      if (perDatabaseIds.has(id)) continue;
      // golang-migrate pairs files by version alone: ente's 30_drop_magic_metadata.down.sql
      // reverts 30_add_magic_metadata.up.sql.
      const partner = [...byId].find(([other, g]) => other !== id && g.up && !g.down && ID.exec(other)![1] === version)?.[0];
      // Its up in another language (concourse's 1522178770_add_job_tags.up.go): named as such.
      const code = foreign.find((x) => x.name.startsWith(`${id}.`));
      problems.push(
        problem('BH013', `${path.basename(f.down!)} has no ${id}.up.sql${partner ? ` (${partner}.up.sql has its version, and no down file)` : code ? ` (its up, ${code.name}, is code Bulkhead does not run: ${code.language})` : ''}`, {
          module,
          file: rel(f.down!),
          fix: partner
            ? `if it reverts ${partner}, rename it to ${partner}.down.sql (Bulkhead pairs files by their whole id; golang-migrate by version alone)`
            : code
              ? `write what ${code.name} does as ${id}.up.sql (or a knex ${id}.ts migration, with this down as its down function); a database it already migrated is adopted with bulkhead baseline`
              : `add ${id}.up.sql, or delete the stray down file`,
        }),
      );
      continue;
    }
    const upSource = readSource(f.up, module, rel);
    const downSource = f.down ? readSource(f.down, module, rel) : undefined;
    const bad = [upSource, downSource].flatMap((s) => (s && 'problem' in s ? [s.problem] : []));
    if (bad.length) {
      problems.push(...bad);
      continue;
    }
    const up = (upSource as { text: string }).text;
    const down = downSource && (downSource as { text: string }).text;
    // Another tool's file of both directions, renamed: its down section would run as part of the up.
    const other = [otherDirection(up, 'down', f.up), down === undefined ? undefined : otherDirection(down, 'up', f.down!)].find((x) => x !== undefined);
    if (other) {
      const target = `${id}.${other.direction}.sql`;
      problems.push(
        problem('BH038', `"-- ${other.marker}" at line ${other.line}: what follows ${other.heading ? 'reads as a down section' : `is another tool's ${other.direction} section`}, and Bulkhead would run it as part of the ${other.direction === 'down' ? 'up' : 'down'}`, {
          module,
          file: rel(other.file),
          line: other.line,
          fix: `move the statements under it to ${target}${other.direction === 'down' && f.down ? ' (merging with what is there)' : ''}, and delete the marker lines${other.heading ? '; if they are part of the up, reword the comment' : ''}`,
        }),
      );
      continue;
    }
    // Liquibase's formatted SQL: changesets with their own ids, attributes and --rollback lines.
    const liquibase = [up, down].some((t) => t !== undefined && /^\s*--\s*liquibase formatted sql/i.test(t));
    if (liquibase) {
      const changesets = [...up.matchAll(/^[ \t]*--[ \t]*changeset[ \t]+(\S+)/gim)].map((m) => m[1]!);
      problems.push(
        problem('BH038', `a Liquibase formatted SQL file${changesets.length ? ` of ${plural(changesets.length, 'changeset')} (${listed(changesets)})` : ''}: Bulkhead would run it as one migration, and reads neither the changesets' attributes (runInTransaction, preconditions, contexts) nor their --rollback lines`, {
          module,
          file: rel(f.up),
          fix: 'make each changeset a migration of its own: its statements in <version>_<name>.up.sql, its --rollback statements in <version>_<name>.down.sql, runInTransaction:false as a -- bulkhead:no-transaction line; a database Liquibase already built is adopted with bulkhead baseline',
        }),
      );
      continue;
    }
    if (!/\S/.test(up.replace(/--[^\n]*|\/\*[\s\S]*?\*\//g, ''))) {
      empty.push({
        name: path.basename(f.up),
        problem: problem('BH038', `${path.basename(f.up)} has no statements (${up.trim() ? 'comments only' : 'empty'}): it will be recorded as applied without changing anything`, {
          module,
          file: rel(f.up),
          fix: 'write its SQL, or delete the file if it is not needed',
        }),
      });
    }
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
  together(empty, warnings, (n, names) =>
    problem('BH038', `${n} up files have no statements (${names}): each will be recorded as applied without changing anything`, {
      module,
      file: rel(dir),
      fix: 'write their SQL, or delete the files that are not needed (blank placeholders another tool required can stay)',
    }),
  );

  // File names sort as text: versions of different widths run out of numeric order (10_ before 2_).
  const numeric = [...migrations].sort((a, b) => {
    const [x, y] = [versionNumber(a.version), versionNumber(b.version)];
    return x < y ? -1 : x > y ? 1 : 0;
  });
  const misplaced = migrations.findIndex((m, i) => m !== numeric[i]);
  if (misplaced >= 0) {
    const width = Math.max(...migrations.map((m) => digits(m.version)));
    const early = migrations[misplaced]!;
    const dated = datedFix(migrations);
    const late = numeric[misplaced]!;
    problems.push(
      problem(
        'BH038',
        dated
          ? // The odd one out is the one whose version is not a date like the others (uptime-kuma's 2024-10-1315-rabbitmq-monitor reads as 2024).
            `versions written in different forms sort wrongly: ${late.id}'s version reads as ${late.version}, lower than ${early.id}'s, yet its file name sorts after it (file names sort as text)`
          : `versions of different widths sort wrongly: ${early.id} would run before ${late.id} (file names sort as text)`,
        {
          module,
          file: rel((dated ? late : early).upPath),
          fix:
            dated ??
            // Every file whose name starts with digits (up, down, TS alike), its version padded; before a
            // database has applied them (a history names migrations by id).
            `pad every version to ${width} digits (${late.version} becomes ${late.version.padStart(width, '0')}), e.g. in ${rel(dir)} (bash): ${padVersionsCommand(width)} — or use timestamps (bulkhead make); the ids change, so rename before a database has applied them`,
        },
      ),
    );
  }

  // Release numbers as names (wiki.js: 2.0.0.js, 2.5.12.js): one problem saying how to rename them all.
  const dotted = migrations.filter((m) => DOTTED.test(m.id));
  if (dotted.length >= 2 && new Set(dotted.map((m) => m.version)).size < dotted.length) {
    const inOrder = [...dotted].sort((a, b) => compareDotted(a.id, b.id));
    const width = Math.max(3, String(inOrder.length).length);
    const renames = inOrder.map((m, i) => `${path.basename(m.upPath)} → ${String(i + 1).padStart(width, '0')}_v${m.id.replace(/\./g, '_')}${path.basename(m.upPath).slice(m.id.length)}`);
    const asText = [...dotted].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const wrong = asText.findIndex((m, i) => m !== inOrder[i]);
    const sorts = wrong >= 0 ? ` and sort as text (${asText[wrong]!.id} before ${inOrder[wrong]!.id})` : '';
    problems.push(
      problem('BH012', `${plural(dotted.length, 'migration')} named by release number (${inOrder.slice(0, 3).map((m) => m.id).join(', ')}${dotted.length > 3 ? ', …' : ''}): the version is the leading digits only ("${dotted[0]!.version}"), so they share versions${sorts}`, {
        module,
        file: rel(inOrder[0]!.upPath),
        fix: `rename them to numbered versions in release order: ${renames.slice(0, 3).join(', ')}${renames.length > 3 ? `, … (${renames.length} in all)` : ''}, e.g. in ${rel(dir)} (bash): ${releaseRenameCommand(width)}`,
      }),
    );
    return { migrations, problems, warnings };
  }

  const seenVersion = new Map<string, string>();
  const shared = sharedVersions(migrations);
  // Directus names a day's migrations 20201029A-, 20201029B-: the letter orders them, and folded
  // into the version as two digits (A → 01) it still does, where every name has one.
  // Each migration whose version an earlier one has (a set: this runs on every scan, 10,000 files alike).
  const versions = new Set<string>();
  const repeats = migrations.filter((m) => {
    if (versions.has(m.version)) return true;
    versions.add(m.version);
    return false;
  });
  const lettered = repeats.length > 0 && migrations.every((m) => LETTERED.test(m.id));
  // atproto's Kysely migrations: 20231219T205730722Z-init.ts; a day's share the version 20231219.
  const iso = !lettered && repeats.length > 0 && migrations.every((m) => ISO_BASIC.test(m.id));
  if (lettered) {
    const [, digitsPart, letter] = LETTERED.exec(repeats[0]!.id)!;
    problems.push(
      problem('BH012', `${plural(repeats.length, 'migration')} ${repeats.length === 1 ? 'shares its' : 'share their'} version with an earlier one (${listed(repeats.map((m) => m.id))}): the letter after a version (${digitsPart}${letter}-, as Directus names a day's migrations) is not part of it; a version is the leading digits`, {
        module,
        file: rel(dir),
        fix: `fold the letter into the version as two digits (${digitsPart}${letter}- → ${digitsPart}${String(letter!.charCodeAt(0) - 64).padStart(2, '0')}-), which keeps the order, e.g. in ${rel(dir)} (bash): ${COMMANDS.letterVersion} — the ids change: rename before a database has applied them; a database another tool migrated is adopted with bulkhead baseline`,
      }),
    );
  } else if (iso) {
    const [, day, time] = ISO_BASIC.exec(repeats[0]!.id)!;
    problems.push(
      problem('BH012', `${plural(repeats.length, 'migration')} ${repeats.length === 1 ? 'shares its' : 'share their'} version with an earlier one (${listed(repeats.map((m) => m.id))}): in an ISO timestamp (${day}T${time}Z, as Kysely's migrations are often named) the version is the leading digits, the day alone`, {
        module,
        file: rel(dir),
        fix: `drop the T and the Z, so the time is part of the version (${repeats[0]!.id} → ${repeats[0]!.id.replace(ISO_BASIC, `${day}${time}`).replace(/^(\d+)[-_]/, '$1_')}), which keeps the order, e.g. in ${rel(dir)} (bash): ${COMMANDS.isoVersion} — the ids change: rename before a database has applied them; a database another tool migrated is adopted with bulkhead baseline`,
      }),
    );
  } else if (shared) {
    problems.push(
      problem('BH012', `${plural(shared.repeats.length, 'migration')} ${shared.repeats.length === 1 ? 'shares its' : 'share their'} version with an earlier one (${listed(shared.repeats.map((m) => m.id))}): versions must be unique`, {
        module,
        file: rel(dir),
        fix: `renumber ${plural(shared.renamed.length, 'migration')}: each repeat takes the version after the one before it (a neighbour it reaches moves on too), which keeps the order (the ids change: rename before a database has applied them; a database another tool migrated is adopted with bulkhead baseline), e.g. in ${rel(dir)}: ${shared.renamed.map((r) => renameCommand(r.m, r.version)).join(' && ')}`,
      }),
    );
  }
  // A short sequence with groups under one number (penpot's 0105-mod-file-change-table and
  // 0105-mod-server-error-report-table, ten such groups): no later number fits; one command for the folder.
  const short = !shared && !lettered && !iso && repeats.length > 0 && migrations.every((m) => digits(m.version) < 12 && !UNIX_SECONDS.test(m.version));
  if (short) {
    const groups = new Map<string, MigrationFile[]>();
    for (const m of migrations) (groups.get(m.version) ?? groups.set(m.version, []).get(m.version)!).push(m);
    const width = String(Math.max(...[...groups.values()].map((g) => g.length)) - 1).length;
    const example = [...groups.values()].find((g) => g.length > 1)!;
    // A migration alone under its version shows the rest (gitness: 0000_x, 0000_y, 0000_z, then 0002_w alone).
    const alone = [...groups.values()].find((g) => g.length === 1)?.[0];
    problems.push(
      problem('BH012', `${plural(repeats.length, 'migration')} ${repeats.length === 1 ? 'shares its' : 'share their'} version with an earlier one (${listed(repeats.map((m) => m.id))}): versions must be unique, and in a short sequence no later number is free`, {
        module,
        file: rel(dir),
        fix: `give every version ${width === 1 ? 'one digit' : `${width} digits`} more, the migrations of a version numbered in name order (${example.map((m, i) => `${m.id} → ${m.version}${String(i).padStart(width, '0')}…`).join(', ')}${alone ? `; each other one as ${alone.id} → ${alone.version}${'0'.repeat(width)}…` : ''}) (check that is the order they ran in, where another tool listed them), e.g. in ${rel(dir)} (bash): ${widenVersionsCommand(width)} — the ids change: rename before a database has applied them; a database another tool migrated is adopted with bulkhead baseline`,
      }),
    );
  }
  for (const m of shared || lettered || iso || short ? [] : migrations) {
    const other = seenVersion.get(m.version);
    if (other) {
      problems.push(
        problem('BH012', `version ${m.version} is used by both ${other} and ${m.id}`, {
          module,
          file: rel(m.upPath),
          // Timestamps (a short sequence is told above, for the folder): the next free one.
          fix: `give ${m.id} a later version (the ids change: rename before a database has applied it), e.g. in ${rel(dir)}: ${renameCommand(m, unusedAfter(m.version, versions))} — bulkhead make generates timestamps for new ones`,
        }),
      );
    } else seenVersion.set(m.version, m.id);
  }
  // Migrations only in subfolders (Ghost's versions/5.0/…js): up would say "up to date", doing
  // nothing. Each subfolder's warning is an error then.
  const unrun = migrations.length || problems.length ? [] : stray.filter((w) => warnings.includes(w));
  // One subfolder per database (pocket-id's migrations/postgres and migrations/sqlite): the
  // manifest points at PostgreSQL's; the others are never to be moved in.
  const folder = unrun.map((w) => strayFolders.get(w)!).find((n) => POSTGRES_FOLDER.test(n));
  const others = unrun.map((w) => strayFolders.get(w)!).filter((n) => OTHER_DATABASE_FOLDER.test(n));
  if (folder && others.length) {
    for (const w of unrun) warnings.splice(warnings.indexOf(w), 1);
    problems.push(
      problem('BH011', `the migrations are in one subfolder per database (${folder}/, ${others.map((n) => `${n}/`).join(', ')}): Bulkhead runs the files directly in ${rel(dir)}, and none is there: up would say up to date`, {
        module,
        file: rel(dir),
        fix: `point "migrations" in the manifest at PostgreSQL's folder, ${rel(path.join(dir, folder))} (its value now followed by /${folder}); ${others.length === 1 ? `${others[0]}/ is` : `${others.join('/, ')}/ are`} another database's, not to be run`,
      }),
    );
    return { migrations, problems, warnings };
  }
  for (const w of unrun) {
    warnings.splice(warnings.indexOf(w), 1);
    problems.push({ ...w, code: 'BH011', message: `${w.message}, and none runs there: up would say up to date`, fix: `move them into ${rel(dir)} (in the order they are to run, names starting with their version), or point "migrations" in the manifest at the folder that holds them` });
  }
  return { migrations, problems, warnings };
}

/** The version after `version` that no migration of the folder has. */
function unusedAfter(version: string, used: ReadonlySet<string>): string {
  let next = nextVersion(version);
  while (used.has(next)) next = nextVersion(next);
  return next;
}

/** The shell command renaming migration `m`'s files (up, and down when it has one) to `version`, the rest of each name kept. */
function renameCommand(m: MigrationFile, version: string): string {
  return [m.upPath, m.downPath]
    .filter((f): f is string => f !== undefined)
    .map((f) => `mv ${shellWord(path.basename(f))} ${shellWord(`${version}${path.basename(f).slice(m.version.length)}`)}`)
    .join(' && ');
}

/**
 * Three or more timestamps used twice (langfuse's 18 add_cursor_index files of one second): each
 * migration from the first repeat on gets the next version after the one before it where its own
 * is not later, so every version is unique and the order is the files' (a repeat may push a
 * neighbour on: 155021, 155021, 155022 become 155021, 155022, 155023). Undefined when there are
 * fewer repeats, or versions that are not plain timestamps.
 */
function sharedVersions(migrations: readonly MigrationFile[]): { repeats: MigrationFile[]; renamed: { m: MigrationFile; version: string }[] } | undefined {
  if (!migrations.every((m) => /^\d+$/.test(m.version) && isTimestamp(m.version))) return undefined;
  const seen = new Set<string>();
  const repeats = migrations.filter((m) => seen.has(m.version) || !seen.add(m.version));
  if (repeats.length < 3) return undefined;
  const renamed: { m: MigrationFile; version: string }[] = [];
  let previous = '';
  for (const m of migrations) {
    if (!previous || versionNumber(m.version) > versionNumber(previous)) {
      previous = m.version;
      continue;
    }
    const version = nextVersion(previous.padEnd(m.version.length, '0'));
    if (version.length !== m.version.length) return undefined;
    renamed.push({ m, version });
    previous = version;
  }
  return { repeats, renamed };
}

/** Which other tool's one-folder-per-migration layout `dir` is in, if any (see FOLDER_LAYOUTS). */
function folderLayout(dir: string): keyof typeof FOLDER_LAYOUTS | undefined {
  return (Object.keys(FOLDER_LAYOUTS) as (keyof typeof FOLDER_LAYOUTS)[]).find((l) => fs.existsSync(path.join(dir, FOLDER_LAYOUTS[l].file)));
}

/** What a symbolic link in a migrations folder leads to (links to folders are passed over, as before). */
/** What an entry is when it is neither a file nor a link to one (a link to nothing is linkTarget's). */
function notAFile(e: fs.Dirent, abs: string): string | undefined {
  let st: { isDirectory(): boolean; isFIFO(): boolean; isSocket(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean; isFile(): boolean } = e;
  if (e.isSymbolicLink()) {
    try {
      st = fs.statSync(abs);
    } catch {
      return undefined;
    }
  }
  if (st.isFile()) return undefined;
  const what = st.isDirectory() ? 'a folder' : st.isFIFO() ? 'a named pipe' : st.isSocket() ? 'a socket' : st.isCharacterDevice() || st.isBlockDevice() ? 'a device' : undefined;
  return what && e.isSymbolicLink() ? `a link to ${what}` : what;
}

function linkTarget(abs: string): 'file' | 'other' | 'missing' | 'loop' {
  try {
    return fs.statSync(abs).isFile() ? 'file' : 'other';
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ELOOP' ? 'loop' : 'missing';
  }
}

/**
 * What a subfolder holds, read once: the names of its migration-like files (for the stray-folder
 * warning) and the paths of its SQL files, relative to it (for a folder with nothing of its own).
 */
/**
 * A PostgreSQL extension's scripts among unversioned SQL files: its upgrades `<ext>--<from>--<to>.sql`
 * (two or more), its install scripts `<ext>--<version>.sql`, and a full `<ext>.sql` (pgmq's). The
 * full script is `<ext>.sql`, else the install script of the latest version.
 */
function extensionScripts(names: readonly string[]): { extension: string; files: string[]; full?: string } | undefined {
  const upgrade = /^([a-z_][a-z0-9_]*)--([\w.]+)--([\w.]+)\.sql$/i;
  const counts = new Map<string, number>();
  for (const n of names) {
    const m = upgrade.exec(n);
    if (m) counts.set(m[1]!, (counts.get(m[1]!) ?? 0) + 1);
  }
  const extension = [...counts].filter(([, c]) => c >= 2).sort((a, b) => b[1] - a[1])[0]?.[0];
  if (!extension) return undefined;
  const install = new RegExp(`^${extension}--([\\w.]+)\\.sql$`, 'i');
  const files = names.filter((n) => n.toLowerCase() === `${extension.toLowerCase()}.sql` || install.test(n) || upgrade.exec(n)?.[1] === extension).sort();
  const installs = files.filter((n) => install.test(n)).sort((a, b) => compareRelease(install.exec(a)![1]!, install.exec(b)![1]!));
  const full = files.find((n) => n.toLowerCase() === `${extension.toLowerCase()}.sql`) ?? installs[installs.length - 1];
  return { extension, files, ...(full ? { full } : {}) };
}

/**
 * drizzle-kit runs the migrations its journal (meta/_journal.json) lists, by tag, and only those;
 * Bulkhead runs every file of the folder. SQL files the journal does not list (a branch's leftover,
 * a hand-made file) would run here though drizzle-kit never ran them; tags without a file are
 * migrations a database drizzle-kit migrated may have, and that Bulkhead cannot run.
 */
function offJournal(dir: string, names: readonly string[]): { message: string; fix: string } | undefined {
  let tags: Set<string>;
  try {
    const journal = JSON.parse(fs.readFileSync(path.join(dir, 'meta', '_journal.json'), 'utf8')) as { entries?: { tag?: unknown }[] };
    tags = new Set((journal.entries ?? []).map((e) => e.tag).filter((t): t is string => typeof t === 'string'));
  } catch {
    return undefined;
  }
  if (!tags.size) return undefined;
  const files = names.filter((n) => /\.sql$/i.test(n) && !/\.down\.sql$/i.test(n));
  const base = (n: string) => n.replace(/(\.up)?\.sql$/i, '');
  const unlisted = files.filter((n) => !tags.has(base(n))).sort();
  const present = new Set(files.map(base));
  const missing = [...tags].filter((t) => !present.has(t)).sort();
  if (!unlisted.length && !missing.length) return undefined;
  const parts = [
    ...(unlisted.length ? [`${plural(unlisted.length, 'SQL file')} that drizzle-kit's journal (meta/_journal.json) does not list, so drizzle-kit never ran ${unlisted.length === 1 ? 'it' : 'them'}, but Bulkhead would (${listed(unlisted)})`] : []),
    ...(missing.length ? [`${plural(missing.length, 'migration')} the journal lists without ${missing.length === 1 ? 'its file' : 'their files'} (${listed(missing)})`] : []),
  ];
  return {
    message: `the folder has ${parts.join('; and ')}`,
    fix: `${unlisted.length ? 'delete a file drizzle-kit never ran (a branch\'s leftover), or keep it to run it here' : ''}${unlisted.length && missing.length ? '; ' : ''}${missing.length ? 'restore a listed migration\'s file from version control (a database drizzle-kit migrated may have applied it), or leave it out knowingly' : ''}`,
  };
}

/**
 * Where a module's SQL is, when its migrations folder does not exist: the folders below the module's
 * own (the manifest's, where the missing folder would be) that hold SQL files, PostgreSQL's first
 * (authelia's postgres/ beside mysql/ and sqlite/), as the manifest's value would be.
 */
function foldersOfSql(dir: string, rel: (abs: string) => string): string {
  const root = path.dirname(dir);
  if (!fs.existsSync(path.join(root, 'bulkhead.json'))) return '';
  const found: { folder: string; sql: number }[] = [];
  const walk = (at: string, depth: number): void => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(at, { withFileTypes: true });
    } catch {
      return;
    }
    const sql = entries.filter((e) => e.isFile() && /\.sql$/i.test(e.name)).length;
    if (sql) found.push({ folder: at, sql });
    if (depth === 3) return;
    for (const e of entries) if (e.isDirectory() && !e.name.startsWith('.') && e.name !== 'node_modules') walk(path.join(at, e.name), depth + 1);
  };
  walk(root, 0);
  if (!found.length) return '';
  const postgres = (f: string) => POSTGRES_FOLDER.test(path.basename(f));
  found.sort((a, b) => Number(postgres(b.folder)) - Number(postgres(a.folder)) || b.sql - a.sql || a.folder.localeCompare(b.folder));
  const named = found.slice(0, 3).map((f) => `"${path.relative(root, f.folder).split(path.sep).join('/') || '.'}" (${plural(f.sql, 'SQL file')})`);
  return ` — SQL files are in ${rel(root)}: ${named.join(', ')}${found.length > 3 ? `, and ${found.length - 3} more folders` : ''}${found.length > 1 && postgres(found[0]!.folder) ? ', the first named for PostgreSQL' : ''}`;
}

function subfolderFiles(dir: string): { migrationLike: string[]; sql: string[]; code: string[] } {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true, recursive: true }).filter((e) => e.isFile());
  } catch {
    return { migrationLike: [], sql: [], code: [] };
  }
  const relative = (e: fs.Dirent) => path.relative(dir, path.join(e.parentPath ?? (e as unknown as { path: string }).path, e.name));
  return {
    migrationLike: entries.filter((e) => SQL_EXT.test(e.name.toLowerCase()) || (JS_EXT.test(e.name) && ID.test(e.name) && !IGNORED.test(e.name))).map((e) => e.name),
    sql: entries.filter((e) => /\.sql$/i.test(e.name)).map(relative),
    // Code of any name (a folder per migration names its script migration.ts, or main.go).
    code: entries.filter((e) => !IGNORED.test(e.name) && (JS_EXT.test(e.name) || FOREIGN_CODE[path.extname(e.name).slice(1).toLowerCase()] !== undefined)).map(relative).sort(),
  };
}

/**
 * The script of a subfolder named as a migration whose script is code (formbricks'
 * 20241209104738_xm_user_identification/migration.ts), not SQL; not a release folder (Ghost's 5.0/).
 */
function scriptOf(name: string, held: { sql: string[]; code: string[] }): string | undefined {
  return /^\d/.test(name) && ID.test(name) && !RELEASE_FOLDER.test(name) && !held.sql.length ? held.code[0] : undefined;
}

/** The latest of the folder's code migrations that sort before `version` and whose text names `name`. */
export function codeMigrationBefore(dir: string, version: string, name: string): string | undefined {
  const names = new RegExp(`(?<![\\w$])${regexLiteral(name)}(?![\\w$])`);
  for (const c of codeMigrationsBefore(dir, version)) {
    try {
      if (names.test(fs.readFileSync(c.file, 'utf8'))) return c.name;
    } catch {
      // unreadable: not the one
    }
  }
  return undefined;
}

/**
 * Other tools' code migrations in a migrations folder that sort before `version`, the latest
 * first, which Bulkhead does not run (BH038): files in another language named by version
 * (goose's 20260424190713_v1_0_99.go), and folders named by version whose script is code
 * (formbricks' <version>_<name>/migration.ts). For a failure's explanation: what a later SQL
 * migration expects may be what one of them did.
 */
export function codeMigrationsBefore(dir: string, version: string): { name: string; version: string; file: string }[] {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  const out: { name: string; version: string; file: string }[] = [];
  for (const e of entries) {
    const version = /^\d+/.exec(e.name)?.[0];
    if (!version) continue;
    const abs = path.join(dir, e.name);
    if (e.isFile() && FOREIGN_CODE[path.extname(e.name).slice(1).toLowerCase()] !== undefined) out.push({ name: e.name, version, file: abs });
    else if (e.isDirectory()) {
      const script = scriptOf(e.name, subfolderFiles(abs));
      if (script) out.push({ name: `${e.name}/${script}`, version, file: path.join(abs, script) });
    }
  }
  const limit = versionNumber(version);
  return out
    .filter((c) => versionNumber(c.version) <= limit)
    .sort((a, b) => (versionNumber(a.version) < versionNumber(b.version) ? 1 : -1));
}

/** Does the migration have a way back? A zero-byte or comment-only down file is a legitimate no-op down. */
export function hasDown(m: MigrationFile, jsModule?: { down?: unknown }): boolean {
  if (m.format === 'sql') return m.downPath !== undefined;
  return typeof jsModule?.down === 'function';
}

/** A migration's source text, or '' when it cannot be read (a file gone since the workspace was loaded). */
export function sourceText(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}
